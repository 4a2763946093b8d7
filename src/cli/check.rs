//! `tapegrad check EXPR --d x=FORMULA ... [--at ... | --samples N --seed S --range LO:HI]`:
//! hand-derived partial derivatives against the engine and finite differences.
//!
//! Exit status 0 when every formula agrees, 1 when one does not (or nothing could be
//! compared), 2 for bad input. Without `--d` the engine itself is checked against finite
//! differences at the same points.

use std::process::ExitCode;

use clap::Args;
use tapegrad::expr::Program;
use tapegrad::gradcheck::{
    ExpressionFormula, FormulaOptions, FormulaReport, GradcheckOptions, PointCheck, Verdict,
    check_expression,
};

use super::{ExprArgs, Failure, json_number, json_string, parse_failure, print_out};

/// Arguments of `tapegrad check`.
#[derive(Args, Debug)]
pub struct CheckArgs {
    #[command(flatten)]
    pub expr: ExprArgs,

    /// A hand-derived partial derivative: --d x="2*x*y" (repeat for each variable). The
    /// formula is an expression over the same variables.
    #[arg(long = "d", value_name = "NAME=FORMULA")]
    pub derivatives: Vec<String>,

    /// Number of random points (when --at is not given).
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub samples: usize,

    /// Seed of the random points.
    #[arg(long, default_value_t = 0, value_name = "S")]
    pub seed: u64,

    /// Range of the random points: LO:HI for every variable, or NAME=LO:HI for one
    /// (repeatable). Default -3:3.
    #[arg(long, value_name = "LO:HI", allow_hyphen_values = true)]
    pub range: Vec<String>,

    /// Finite-difference step.
    #[arg(long, default_value_t = 1e-6)]
    pub eps: f64,

    /// Absolute tolerance: agree when |a − b| ≤ atol + rtol·|b|.
    #[arg(long, default_value_t = 1e-5)]
    pub atol: f64,

    /// Relative tolerance.
    #[arg(long, default_value_t = 1e-3)]
    pub rtol: f64,

    /// Print one JSON object instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// A `--d` formula as given and parsed.
struct Formula {
    name: String,
    source: String,
    program: Program,
}

/// Runs `tapegrad check`.
pub fn run(args: CheckArgs) -> Result<ExitCode, Failure> {
    let program = args.expr.program()?;
    let given = if args.expr.at.is_empty() {
        None
    } else {
        Some(args.expr.point(&program)?)
    };
    let formulas = parse_formulas(&args.derivatives)?;

    // A name the expression does not contain is a typo, not a new variable: sampling it (or
    // ignoring it at --at) would blame the formula for a usage error.
    let inputs = program.inputs();
    let not_in = |flag: &str, name: &str| {
        let known = if inputs.is_empty() {
            "it has none".to_string()
        } else {
            format!("its variables: {}", inputs.join(", "))
        };
        Failure::new(format!(
            "{flag} {name}: '{name}' is not a variable of the expression ({known})"
        ))
    };
    if let Some(point) = &given {
        if let Some((n, _)) = point.iter().find(|(n, _)| !inputs.contains(n)) {
            return Err(not_in("--at", n));
        }
    }
    if let Some(f) = formulas.iter().find(|f| !inputs.contains(&f.name)) {
        return Err(not_in("--d", &f.name));
    }
    // The variables: the --at names in order, or the expression's inputs.
    let names: Vec<String> = match &given {
        Some(point) => point.iter().map(|(n, _)| n.clone()).collect(),
        None => inputs.to_vec(),
    };
    if names.is_empty() {
        return Err(Failure::new("the expression has no variables to check"));
    }
    let resolved = formulas
        .iter()
        .map(|f| {
            ExpressionFormula::new(&f.name, f.program.clone(), &names)
                .map_err(|e| parse_failure(&format!("error in --d {}: ", f.name), &f.source, e))
        })
        .collect::<Result<Vec<_>, _>>()?;

    let check = GradcheckOptions::default()
        .eps(args.eps)
        .atol(args.atol)
        .rtol(args.rtol);
    check.validate()?;
    let mut options = FormulaOptions::default().check(check);
    let mut ranges = vec![None; names.len()];
    for r in &args.range {
        match r.split_once('=') {
            Some((name, lohi)) => {
                let Some(i) = names.iter().position(|n| n == name.trim()) else {
                    return Err(Failure::new(format!(
                        "--range {r}: '{}' is not a variable of the expression",
                        name.trim()
                    )));
                };
                ranges[i] = Some(parse_range(lohi, r)?);
            }
            None => {
                let (lo, hi) = parse_range(r, r)?;
                options = options.range(lo, hi);
            }
        }
    }
    options = match given {
        Some(point) => options.at(vec![point.iter().map(|&(_, v)| v).collect()]),
        None => options.samples(args.samples).seed(args.seed),
    };

    let report = check_expression(&program, &names, &resolved, &ranges, &options)?;

    print_out(&if args.json {
        json(&report, &names, &formulas)
    } else {
        format!("{report}\n")
    })?;
    Ok(match report.verdict() {
        Verdict::Pass => ExitCode::SUCCESS,
        Verdict::Fail | Verdict::Inconclusive => ExitCode::from(1),
    })
}

/// Parses `--d NAME=FORMULA` arguments.
fn parse_formulas(args: &[String]) -> Result<Vec<Formula>, Failure> {
    let mut out: Vec<Formula> = Vec::new();
    for arg in args {
        let Some((name, source)) = arg.split_once('=') else {
            return Err(Failure::new(format!(
                "--d '{arg}': expected NAME=FORMULA, like x=2*x"
            )));
        };
        let name = name.trim().to_string();
        if out.iter().any(|f| f.name == name) {
            return Err(Failure::new(format!(
                "--d '{arg}': '{name}' has two formulas"
            )));
        }
        let program = Program::parse(source)
            .map_err(|e| parse_failure(&format!("error in --d {name}: "), source, e))?;
        out.push(Formula {
            name,
            source: source.trim().to_string(),
            program,
        });
    }
    Ok(out)
}

/// Parses `LO:HI` into a finite, non-empty range.
fn parse_range(text: &str, arg: &str) -> Result<(f64, f64), Failure> {
    let bad = || {
        Failure::new(format!(
            "--range '{arg}': expected LO:HI with LO < HI, like -3:3"
        ))
    };
    let (lo, hi) = text.split_once(':').ok_or_else(bad)?;
    let lo: f64 = lo.trim().parse().map_err(|_| bad())?;
    let hi: f64 = hi.trim().parse().map_err(|_| bad())?;
    if !(lo.is_finite() && hi.is_finite() && lo < hi) {
        return Err(bad());
    }
    Ok((lo, hi))
}

/// The report as one JSON object.
fn json(report: &FormulaReport, names: &[String], formulas: &[Formula]) -> String {
    let point = |p: &PointCheck| -> String {
        let coords: Vec<String> = names
            .iter()
            .zip(&p.point)
            .map(|(n, &v)| format!("{}: {}", json_string(n), json_number(v)))
            .collect();
        format!(
            "{{\"point\": {{{}}}, \"formula\": {}, \"autograd\": {}, \"finite_difference\": {}, \
             \"abs_err\": {}, \"rel_err\": {}}}",
            coords.join(", "),
            p.formula.map_or("null".into(), json_number),
            json_number(p.autograd),
            json_number(p.finite_difference),
            json_number(p.abs_err),
            json_number(p.rel_err)
        )
    };
    let vars: Vec<String> = report
        .variables
        .iter()
        .map(|v| {
            let formula = formulas
                .iter()
                .find(|f| f.name == v.name)
                .map_or("null".into(), |f| json_string(&f.source));
            format!(
                "{{\"name\": {}, \"formula\": {formula}, \"verdict\": {}, \"checked\": {}, \
                 \"failed\": {}, \"worst\": {}}}",
                json_string(&v.name),
                json_string(v.verdict.label()),
                v.checked,
                v.failed,
                v.worst.as_ref().map_or("null".into(), point)
            )
        })
        .collect();
    format!(
        "{{\"verdict\": {}, \"vars\": [{}], \"points\": {}, \"checked\": {}, \"skipped_kink\": {}, \
         \"skipped_domain\": {}, \"seed\": {}, \"variables\": [{}]}}\n",
        json_string(report.verdict().label()),
        names
            .iter()
            .map(|n| json_string(n))
            .collect::<Vec<_>>()
            .join(", "),
        report.points,
        report.checked,
        report.skipped_kink,
        report.skipped_domain,
        report.seed.map_or("null".into(), |s| s.to_string()),
        vars.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        assert_eq!(parse_range("-1:2.5", "").ok(), Some((-1.0, 2.5)));
        assert!(parse_range("2:1", "").is_err());
        assert!(parse_range("1", "").is_err());
        assert!(parse_range("a:b", "").is_err());
    }
}
