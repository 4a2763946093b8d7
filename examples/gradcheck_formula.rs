//! A story: derive the gradient of logistic regression's loss by hand, check it against the
//! engine and finite differences, then plant the classic mistakes and watch the report catch
//! them.
//!
//! Run with `cargo run --example gradcheck_formula`.
//!
//! The model predicts p = σ(w·x + b) for a point x with label y ∈ {0, 1}; the loss is the
//! binary cross-entropy averaged over the data:
//!
//! ```text
//! L(w, b) = −(1/m) Σₖ [ yₖ log σ(w xₖ + b) + (1 − yₖ) log(1 − σ(w xₖ + b)) ]
//! ```
//!
//! On paper, with z = w x + b and σ' = σ(1 − σ):
//!   ∂/∂z [ y log σ + (1 − y) log(1 − σ) ] = y(1 − σ) − (1 − y)σ = y − σ,
//! so ∂L/∂z = σ − y, and by the chain rule (∂z/∂w = x, ∂z/∂b = 1):
//!   ∂L/∂w = (1/m) Σ (σₖ − yₖ) xₖ,     ∂L/∂b = (1/m) Σ (σₖ − yₖ).

use tapegrad::Var;
use tapegrad::gradcheck::{
    FormulaOptions, GradcheckOptions, Variable, check_formula, gradcheck, gradgradcheck,
};

/// A small data set: (x, y).
const DATA: [(f64, f64); 6] = [
    (-2.0, 0.0),
    (-1.2, 0.0),
    (-0.3, 1.0),
    (0.4, 0.0),
    (1.1, 1.0),
    (2.5, 1.0),
];

/// The loss on the tape: the engine differentiates this.
fn loss<'g>(v: &[Var<'g>]) -> Var<'g> {
    let (w, b) = (v[0], v[1]);
    let g = w.graph();
    let terms: Vec<Var<'g>> = DATA
        .iter()
        .map(|&(x, y)| {
            let p = (w * x + b).sigmoid();
            -(y * p.ln() + (1.0 - y) * (1.0 - p).ln())
        })
        .collect();
    g.sum(&terms) / DATA.len() as f64
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

/// (1/m) Σ term(σₖ − yₖ, xₖ) at the point p = (w, b).
fn mean_over_data(p: &[f64], term: impl Fn(f64, f64) -> f64) -> f64 {
    let (w, b) = (p[0], p[1]);
    let total: f64 = DATA
        .iter()
        .map(|&(x, y)| term(sigmoid(w * x + b) - y, x))
        .sum();
    total / DATA.len() as f64
}

fn main() {
    let options = FormulaOptions::default()
        .samples(200)
        .seed(2024)
        .range(-3.0, 3.0);

    println!("1. The engine itself, at one point (w = 0.7, b = -0.2):\n");
    let report = gradcheck(loss, &[0.7, -0.2], GradcheckOptions::default()).with_names(&["w", "b"]);
    println!("{report}");
    let second =
        gradgradcheck(loss, &[0.7, -0.2], GradcheckOptions::default()).with_names(&["w", "b"]);
    println!("{second}");

    println!("2. The hand-derived gradient: ∂L/∂w = mean((σ − y)·x), ∂L/∂b = mean(σ − y)\n");
    let correct = [
        Variable::new("w").derivative(|p| mean_over_data(p, |r, x| r * x)),
        Variable::new("b").derivative(|p| mean_over_data(p, |r, _| r)),
    ];
    let report = check_formula(loss, &correct, &options).expect("valid options");
    println!("{report}");

    println!("3. Mistake: the chain-rule factor ∂z/∂w = x is missing from ∂L/∂w\n");
    let missing_factor = [
        Variable::new("w").derivative(|p| mean_over_data(p, |r, _| r)),
        Variable::new("b").derivative(|p| mean_over_data(p, |r, _| r)),
    ];
    let report = check_formula(loss, &missing_factor, &options).expect("valid options");
    println!("{report}");

    println!(
        "4. Mistake: a sign error, ∂L/∂b = mean(y − σ) (the gradient of the log-likelihood)\n"
    );
    let sign_error = [
        Variable::new("w").derivative(|p| mean_over_data(p, |r, x| r * x)),
        Variable::new("b").derivative(|p| mean_over_data(p, |r, _| -r)),
    ];
    let report = check_formula(loss, &sign_error, &options).expect("valid options");
    println!("{report}");

    println!("5. Mistake: the σ' factor applied twice, ∂L/∂b = mean((σ − y)·σ(1 − σ))\n");
    let double_sigma = [
        Variable::new("w").derivative(|p| mean_over_data(p, |r, x| r * x)),
        Variable::new("b").derivative(|p| {
            let (w, b) = (p[0], p[1]);
            let total: f64 = DATA
                .iter()
                .map(|&(x, y)| {
                    let s = sigmoid(w * x + b);
                    (s - y) * s * (1.0 - s)
                })
                .sum();
            total / DATA.len() as f64
        }),
    ];
    let report = check_formula(loss, &double_sigma, &options).expect("valid options");
    println!("{report}");
}
