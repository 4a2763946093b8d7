//! `tapegrad grad EXPR --at x=1.5,y=-2 [--jvp x=1,y=0] [--hvp x=0,y=1] [--hessian] [--json]`:
//! value, gradient, directional derivative ∇f·v, Hessian-vector product H·v, Hessian.

use std::process::ExitCode;

use clap::Args;
use tapegrad::Graph;

use super::table::{Cell, render};
use super::{
    ExprArgs, Failure, human_number, json_number, json_numbers, json_string, parse_direction,
    print_out, record,
};

/// Arguments of `tapegrad grad`.
#[derive(Args, Debug)]
pub struct GradArgs {
    #[command(flatten)]
    pub expr: ExprArgs,

    /// Also print the Hessian matrix of second derivatives ∂²f/∂a∂b.
    #[arg(long)]
    pub hessian: bool,

    /// Also print the directional derivative ∇f·v along v: --jvp x=1,y=0.5 (variables left
    /// out count 0; every name must be given by --at).
    #[arg(long, value_name = "NAME=VALUE,...")]
    pub jvp: Vec<String>,

    /// Also print the Hessian-vector product H·v, in --at order: --hvp x=0,y=1 (variables left
    /// out count 0; every name must be given by --at).
    #[arg(long, value_name = "NAME=VALUE,...")]
    pub hvp: Vec<String>,

    /// Stop at the first NaN or infinity, forward or backward, naming the op that made it
    /// (anomaly mode); exit status 1 when one is found.
    #[arg(long)]
    pub check_nan: bool,

    /// Print one JSON object: {"value": v, "vars": [...], "grad": [...], "jvp": d, "hvp": [...],
    /// "hessian": [[...]]} ("jvp", "hvp" and "hessian" only when asked for).
    /// Non-finite numbers are the strings "inf", "-inf", "nan".
    #[arg(long)]
    pub json: bool,
}

/// What `grad` computes, in `--at` order.
struct Report {
    value: f64,
    vars: Vec<String>,
    grad: Vec<f64>,
    /// ∇f·v, with `--jvp`.
    jvp: Option<f64>,
    /// H·v in `--at` order, with `--hvp`.
    hvp: Option<Vec<f64>>,
    hessian: Option<Vec<Vec<f64>>>,
}

/// Runs `tapegrad grad`.
pub fn run(args: GradArgs) -> Result<ExitCode, Failure> {
    let program = args.expr.program()?;
    let point = args.expr.point(&program)?;
    let jvp_dir = (!args.jvp.is_empty())
        .then(|| parse_direction("--jvp", &args.jvp, &point))
        .transpose()?;
    let hvp_dir = (!args.hvp.is_empty())
        .then(|| parse_direction("--hvp", &args.hvp, &point))
        .transpose()?;

    let g = Graph::new();
    g.set_detect_anomaly(args.check_nan);
    let computed = (|| {
        let (vars, y) = record(&g, &program, &point)?;
        let grad = g.try_backward(y)?.wrt(&vars);
        let jvp = match &jvp_dir {
            Some(v) => Some(g.try_jvp(&[y], &vars, v)?[0]),
            None => None,
        };
        let hvp = match &hvp_dir {
            Some(v) => Some(g.try_hvp(y, &vars, v)?),
            None => None,
        };
        let hessian = if args.hessian {
            Some(g.try_hessian(y, &vars)?)
        } else {
            None
        };
        Ok((y, grad, jvp, hvp, hessian))
    })();
    let (y, grad, jvp, hvp, hessian) = match computed {
        Ok(r) => r,
        Err(e) => return anomaly_exit(e),
    };
    let report = Report {
        value: y.value(),
        vars: point.into_iter().map(|(n, _)| n).collect(),
        grad,
        jvp,
        hvp,
        hessian,
    };
    print_out(&if args.json {
        report.json()
    } else {
        report.table()
    })?;
    Ok(ExitCode::SUCCESS)
}

/// An anomaly found with `--check-nan` is a finding (exit 1, the message on stderr); any other
/// error is bad input (exit 2).
pub fn anomaly_exit(e: tapegrad::Error) -> Result<ExitCode, Failure> {
    match e {
        tapegrad::Error::Anomaly(mut a) => {
            // The ops were built by the expression's evaluation, not by code of the user's:
            // a Rust source line would only mislead.
            a.location = None;
            a.others.iter_mut().for_each(|o| o.location = None);
            eprintln!("anomaly: {a}");
            Ok(ExitCode::from(1))
        }
        other => Err(other.into()),
    }
}

impl Report {
    /// `{"value": v, "vars": ["x", "y"], "grad": [gx, gy], "jvp": d, "hvp": [..],
    /// "hessian": [[..], [..]]}` and a newline.
    fn json(&self) -> String {
        let vars: Vec<String> = self.vars.iter().map(|n| json_string(n)).collect();
        let mut s = format!(
            "{{\"value\": {}, \"vars\": [{}], \"grad\": {}",
            json_number(self.value),
            vars.join(", "),
            json_numbers(&self.grad)
        );
        if let Some(d) = self.jvp {
            s.push_str(&format!(", \"jvp\": {}", json_number(d)));
        }
        if let Some(hv) = &self.hvp {
            s.push_str(&format!(", \"hvp\": {}", json_numbers(hv)));
        }
        if let Some(h) = &self.hessian {
            let rows: Vec<String> = h.iter().map(|r| json_numbers(r)).collect();
            s.push_str(&format!(", \"hessian\": [{}]", rows.join(", ")));
        }
        s.push_str("}\n");
        s
    }

    /// The value, one row per variable, a row for ∇f·v and one for H·v (its entries in `--at`
    /// order), then the Hessian, numbers aligned.
    fn table(&self) -> String {
        let num = |v: f64| Cell::Num(human_number(v));
        let mut rows = vec![vec![Cell::Text("value".into()), num(self.value)]];
        for (name, &d) in self.vars.iter().zip(&self.grad) {
            rows.push(vec![Cell::Text(format!("∂f/∂{name}")), num(d)]);
        }
        if let Some(d) = self.jvp {
            rows.push(vec![Cell::Text("∇f·v".into()), num(d)]);
        }
        if let Some(hv) = &self.hvp {
            rows.push(
                std::iter::once(Cell::Text("H·v".into()))
                    .chain(hv.iter().map(|&d| num(d)))
                    .collect(),
            );
        }
        let mut out = render(&rows);
        if let Some(h) = &self.hessian {
            let mut rows = vec![
                std::iter::once(Cell::Text("Hessian".into()))
                    .chain(self.vars.iter().map(|n| Cell::Text(n.clone())))
                    .collect::<Vec<_>>(),
            ];
            for (name, row) in self.vars.iter().zip(h) {
                rows.push(
                    std::iter::once(Cell::Text(name.clone()))
                        .chain(row.iter().map(|&v| num(v)))
                        .collect(),
                );
            }
            out.push('\n');
            out.push_str(&render(&rows));
        }
        out
    }
}
