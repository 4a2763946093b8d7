//! Helpers shared by the integration tests: central finite differences with an error estimate,
//! tolerance checks that say what they compared, and the closed-form tanh-chain recurrence.
//!
//! Each test binary uses a different subset, hence the `dead_code` allowance.
#![allow(dead_code)]

pub mod program;

/// A finite-difference derivative and an estimate of its own error.
#[derive(Clone, Copy, Debug)]
pub struct Fd {
    /// Richardson-extrapolated central difference (4·D(h/2) − D(h)) / 3, error O(h⁴).
    pub value: f64,
    /// A generous estimate of the error of `value`: the largest disagreement between the central
    /// differences at steps h, h/2 and h/4 and the two extrapolations they allow. Truncation
    /// shows up between large steps, rounding noise between small ones, and a function that
    /// wiggles faster than the step (where no difference can be trusted) in all of them.
    pub error: f64,
}

/// Divisors of the base step [`step`] a difference is taken with.
pub const STEP_DIVISORS: [f64; 3] = [1.0, 2.0, 4.0];

/// The base step for a central difference at `x`, scaled to the size of `x`.
pub fn step(x: f64) -> f64 {
    1e-5 * x.abs().max(1.0)
}

/// Combines central differences at steps h, h/2, h/4 into an [`Fd`]; `magnitude` is the largest
/// |f| the differences were taken of, `h` the base step.
///
/// Besides the disagreement between step sizes, the error includes the rounding of f itself:
/// each f is off by up to half an ulp, which a difference at step h/k turns into k·ε·|f|/(4h),
/// and the extrapolation (4·D(h/2) − D(h)) / 3 into at most 1.5·ε·|f|/h; twice that is added,
/// so a sum of very different magnitudes cannot make the estimate small by luck.
pub fn richardson([d1, d2, d3]: [f64; 3], magnitude: f64, h: f64) -> Fd {
    let r1 = (4.0 * d2 - d1) / 3.0;
    let r2 = (4.0 * d3 - d2) / 3.0;
    let spread = (d1 - d2).abs().max((d2 - d3).abs()).max((r1 - r2).abs());
    let rounding = 3.0 * f64::EPSILON * magnitude / h;
    Fd {
        value: r1,
        error: spread + rounding,
    }
}

/// The derivative of a function of one variable by extrapolated central differences.
pub fn derivative(f: impl Fn(f64) -> f64, x: f64) -> Fd {
    let h = step(x);
    let mut magnitude = 0.0_f64;
    let diffs = STEP_DIVISORS.map(|k| {
        let (plus, minus) = (f(x + h / k), f(x - h / k));
        magnitude = magnitude.max(plus.abs()).max(minus.abs());
        (plus - minus) / (2.0 * h / k)
    });
    richardson(diffs, magnitude, h)
}

/// ∂f/∂xᵢ for every i.
pub fn gradient(f: impl Fn(&[f64]) -> f64, x: &[f64]) -> Vec<Fd> {
    (0..x.len())
        .map(|i| {
            derivative(
                |t| {
                    let mut p = x.to_vec();
                    p[i] = t;
                    f(&p)
                },
                x[i],
            )
        })
        .collect()
}

/// The Jacobian of a vector function: `out[i][j]` = ∂fᵢ/∂xⱼ. With `f` a gradient this is the
/// Hessian by finite differences of the gradient.
pub fn jacobian(f: impl Fn(&[f64]) -> Vec<f64>, x: &[f64]) -> Vec<Vec<Fd>> {
    let columns: Vec<Vec<Fd>> = (0..x.len())
        .map(|j| {
            let at = |t: f64| {
                let mut p = x.to_vec();
                p[j] = t;
                f(&p)
            };
            let h = step(x[j]);
            let evals = STEP_DIVISORS.map(|k| (at(x[j] + h / k), at(x[j] - h / k)));
            (0..evals[0].0.len())
                .map(|i| {
                    let diffs = [0, 1, 2]
                        .map(|s| (evals[s].0[i] - evals[s].1[i]) / (2.0 * h / STEP_DIVISORS[s]));
                    let magnitude = evals
                        .iter()
                        .map(|(p, m)| p[i].abs().max(m[i].abs()))
                        .fold(0.0, f64::max);
                    richardson(diffs, magnitude, h)
                })
                .collect()
        })
        .collect();
    let rows = columns.first().map_or(0, Vec::len);
    (0..rows)
        .map(|i| columns.iter().map(|col| col[i]).collect())
        .collect()
}

/// The scale a comparison is relative to: at least 1, so values near 0 are compared absolutely.
pub fn scale(a: f64, b: f64) -> f64 {
    a.abs().max(b.abs()).max(1.0)
}

/// True when `a` and `b` agree to `rel` relative to [`scale`].
pub fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * scale(a, b)
}

/// Asserts `actual` and `expected` agree to `rel` (relative, absolute near 0), naming the check.
#[track_caller]
pub fn assert_close(actual: f64, expected: f64, rel: f64, what: &str) {
    assert!(
        close(actual, expected, rel),
        "{what}: got {actual:e}, expected {expected:e} (difference {:e}, allowed {:e})",
        (actual - expected).abs(),
        rel * scale(actual, expected)
    );
}

/// Asserts two slices agree elementwise (see [`assert_close`]).
#[track_caller]
pub fn assert_all_close(actual: &[f64], expected: &[f64], rel: f64, what: &str) {
    assert_eq!(actual.len(), expected.len(), "{what}: lengths differ");
    for (i, (&a, &e)) in actual.iter().zip(expected).enumerate() {
        assert_close(a, e, rel, &format!("{what}[{i}]"));
    }
}

/// The tanh chain of DESIGN.md's benchmark, in plain f64 with forward-mode derivatives:
/// x ← tanh(a·x + b), n times. Returns (x_n, ∂x_n/∂a, ∂x_n/∂b).
///
/// With y = tanh(a·x + b) and tanh' = 1 − y²:
///   ∂y/∂a = (1 − y²)·(x + a·∂x/∂a),   ∂y/∂b = (1 − y²)·(a·∂x/∂b + 1).
pub fn tanh_chain(n: usize, x0: f64, a: f64, b: f64) -> (f64, f64, f64) {
    let (mut x, mut da, mut db) = (x0, 0.0, 0.0);
    for _ in 0..n {
        let y = (a * x + b).tanh();
        let s = 1.0 - y * y;
        da = s * (x + a * da);
        db = s * (a * db + 1.0);
        x = y;
    }
    (x, da, db)
}
