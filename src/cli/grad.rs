//! `tapegrad grad EXPR --at x=1.5,y=-2 [--hessian] [--json]`: value, gradient, Hessian.

use std::process::ExitCode;

use clap::Args;
use tapegrad::Graph;

use super::table::{Cell, render};
use super::{
    ExprArgs, Failure, human_number, json_number, json_numbers, json_string, print_out, record,
};

/// Arguments of `tapegrad grad`.
#[derive(Args, Debug)]
pub struct GradArgs {
    #[command(flatten)]
    pub expr: ExprArgs,

    /// Also print the Hessian matrix of second derivatives ∂²f/∂a∂b.
    #[arg(long)]
    pub hessian: bool,

    /// Stop at the first NaN or infinity, forward or backward, naming the op that made it
    /// (anomaly mode); exit status 1 when one is found.
    #[arg(long)]
    pub check_nan: bool,

    /// Print one JSON object: {"value": v, "vars": [...], "grad": [...], "hessian": [[...]]}.
    /// Non-finite numbers are the strings "inf", "-inf", "nan".
    #[arg(long)]
    pub json: bool,
}

/// What `grad` computes, in `--at` order.
struct Report {
    value: f64,
    vars: Vec<String>,
    grad: Vec<f64>,
    hessian: Option<Vec<Vec<f64>>>,
}

/// Runs `tapegrad grad`.
pub fn run(args: GradArgs) -> Result<ExitCode, Failure> {
    let program = args.expr.program()?;
    let point = args.expr.point(&program)?;

    let g = Graph::new();
    g.set_detect_anomaly(args.check_nan);
    let computed = (|| {
        let (vars, y) = record(&g, &program, &point)?;
        let grad = g.try_backward(y)?.wrt(&vars);
        let hessian = if args.hessian {
            Some(g.try_hessian(y, &vars)?)
        } else {
            None
        };
        Ok((y, grad, hessian))
    })();
    let (y, grad, hessian) = match computed {
        Ok(r) => r,
        Err(e) => return anomaly_exit(e),
    };
    let report = Report {
        value: y.value(),
        vars: point.into_iter().map(|(n, _)| n).collect(),
        grad,
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
        tapegrad::Error::Anomaly(a) => {
            eprintln!("anomaly: {a}");
            Ok(ExitCode::from(1))
        }
        other => Err(other.into()),
    }
}

impl Report {
    /// `{"value": v, "vars": ["x", "y"], "grad": [gx, gy], "hessian": [[..], [..]]}` and a newline.
    fn json(&self) -> String {
        let vars: Vec<String> = self.vars.iter().map(|n| json_string(n)).collect();
        let mut s = format!(
            "{{\"value\": {}, \"vars\": [{}], \"grad\": {}",
            json_number(self.value),
            vars.join(", "),
            json_numbers(&self.grad)
        );
        if let Some(h) = &self.hessian {
            let rows: Vec<String> = h.iter().map(|r| json_numbers(r)).collect();
            s.push_str(&format!(", \"hessian\": [{}]", rows.join(", ")));
        }
        s.push_str("}\n");
        s
    }

    /// The value and one row per variable, then the Hessian, numbers aligned.
    fn table(&self) -> String {
        let num = |v: f64| Cell::Num(human_number(v));
        let mut rows = vec![vec![Cell::Text("value".into()), num(self.value)]];
        for (name, &d) in self.vars.iter().zip(&self.grad) {
            rows.push(vec![Cell::Text(format!("∂f/∂{name}")), num(d)]);
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
