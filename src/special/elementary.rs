//! The f64 kernels that need no more than the standard library's accurate functions:
//! softplus, log1p, expm1, atan and the two piecewise activations.

use super::LEAKY_SLOPE;

pub(super) fn softplus(x: f64) -> f64 {
    // ln(1 + eˣ) = max(x, 0) + ln(1 + e^(−|x|)): e^(−|x|) ≤ 1 never overflows, and ln_1p keeps
    // the tail e^x accurate where 1 + eˣ would round to 1 (x < −37). `x.max(0.0)` would turn a
    // NaN into 0, so NaN is returned first.
    if x.is_nan() {
        return x;
    }
    let positive = if x > 0.0 { x } else { 0.0 };
    positive + (-x.abs()).exp().ln_1p()
}

pub(super) fn log1p(x: f64) -> f64 {
    x.ln_1p()
}

pub(super) fn expm1(x: f64) -> f64 {
    x.exp_m1()
}

pub(super) fn atan(x: f64) -> f64 {
    x.atan()
}

pub(super) fn leaky_relu(x: f64) -> f64 {
    // `x > 0` is false for NaN, and LEAKY_SLOPE · NaN is NaN.
    if x > 0.0 { x } else { LEAKY_SLOPE * x }
}

pub(super) fn leaky_relu_grad(x: f64) -> f64 {
    if x.is_nan() {
        x
    } else if x > 0.0 {
        1.0
    } else {
        LEAKY_SLOPE
    }
}

pub(super) fn elu(x: f64) -> f64 {
    if x > 0.0 { x } else { x.exp_m1() }
}

pub(super) fn elu_grad(x: f64) -> f64 {
    // eˣ for x ≤ 0 (also NaN), which is 1 at 0: the two sides agree, elu′(0) = 1.
    if x > 0.0 { 1.0 } else { x.exp() }
}
