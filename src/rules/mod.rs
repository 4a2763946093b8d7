//! Every primitive's forward formula and derivative, written once: the rows of the primitive
//! table (`src/rules/table.rs`) and what is generated from them.
//!
//! Each rule is generic over [`Real`], so the same text serves two purposes:
//! - with `R = f64` / `f32` it is the fast numeric [`backward`](crate::Graph::backward);
//! - with `R = Var` it records the backward pass on the tape
//!   ([`grad_graph`](crate::Graph::grad_graph), PyTorch's `create_graph=True`), so the result
//!   can be differentiated again: gradients of gradients, Hessians, Hessian-vector products.
//!
//! A rule receives the node's inputs `a` (and `b`) and its output `y`, and gives the local
//! partial ∂y/∂input of each input ([`Fn1::local`], [`Fn2::locals`]); the contribution the sweep
//! sends is the upstream gradient `g` (∂L/∂y) times it ([`Fn1::pullback`]). Rules may reuse the
//! output: tanh' = 1 − y², sigmoid' = y(1 − y), exp' = y, sqrt' = 1 / (2y).
//!
//! Conventions at kinks (each is stated again on the user-facing method):
//! relu'(0) = 0; abs'(0) = 0; `max`/`min` at a tie send half the gradient to each side.
//! Those decisions are made on values, so in the recorded (`Var`) form the step factors are
//! constants: the derivative of a step is zero almost everywhere.

use crate::real::Real;
use crate::special;

/// 1/√(2π), the normal density's constant.
const FRAC_1_SQRT_2PI: f64 = 0.398_942_280_401_432_7;

mod generate;
pub(crate) mod real;
pub(crate) mod table;

pub(crate) use generate::{doc_prefix, example1, example2, method1, method2, methods};
use generate::{kernels_for, opt, public};

table::primitives!(generate::define_primitives);

impl Fn1 {
    /// y = f(a).
    #[inline(always)]
    pub fn eval<R: Real>(self, a: R) -> R {
        a.apply1(self)
    }

    /// f(a) with the number type chosen by the caller: `Fn1::Tanh.of(a)` = `a.tanh()`; the way
    /// a rule calls a function that has no [`Real`] method of its own.
    #[inline(always)]
    pub fn of<R: Real>(self, a: R) -> R {
        a.apply1(self)
    }

    /// g · ∂y/∂a, given the input `a`, the output `y` and the upstream gradient `g`: the
    /// upstream times the [`local`](Fn1::local) partial.
    #[inline(always)]
    pub fn pullback<R: Real>(self, a: R, y: R, g: R) -> R {
        self.local(a, y).times(g)
    }
}

impl Fn2 {
    /// y = f(a, b).
    #[inline(always)]
    pub fn eval<R: Real>(self, a: R, b: R) -> R {
        a.apply2(self, b)
    }

    /// (g · ∂y/∂a, g · ∂y/∂b): the upstream times each of the [`locals`](Fn2::locals).
    #[inline(always)]
    pub fn pullback<R: Real>(self, a: R, b: R, y: R, g: R) -> (R, Option<R>) {
        let (la, lb) = self.locals(a, b, y);
        (la.times(g), lb.map(|l| l.times(g)))
    }
}

/// `c` as an `i32` when it is an integer that fits: `x^c` is then recorded as `powi`, exact for
/// negative bases (and other exponents as `powf`).
pub(crate) fn integer_exponent(c: f64) -> Option<i32> {
    (c.fract() == 0.0 && c.abs() <= f64::from(i32::MAX)).then_some(c as i32)
}

/// d aᵏ = k·aᵏ⁻¹: 0 for k = 0 (without forming 0 · a⁻¹) and 1 for k = 1.
#[inline(always)]
fn powi_local<R: Real>(k: i32, a: R) -> Local<R> {
    match k {
        0 => Local::Zero,
        1 => Local::One,
        // k − 1 does not fit i32 for k = i32::MIN: that one exponent goes through powf
        i32::MIN => Local::Of(a.lit(f64::from(i32::MIN)) * a.powf(f64::from(i32::MIN) - 1.0)),
        k => Local::Of(a.lit(f64::from(k)) * a.powi(k - 1)),
    }
}

/// A local partial ∂y/∂input, with the constant ones kept symbolic: multiplying by them costs
/// nothing, and the recorded (`Var`) backward records no `× 1` nodes for them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Local<R> {
    /// 0 (the contribution is 0 whatever the upstream, even ∞ or NaN).
    Zero,
    /// 1.
    One,
    /// −1.
    MinusOne,
    /// Any other value.
    Of(R),
}

impl<R: Real> Local<R> {
    /// The contribution `g · ∂y/∂input` for the upstream gradient `g`.
    #[inline(always)]
    pub fn times(self, g: R) -> R {
        match self {
            Local::Zero => g.lit(0.0),
            Local::One => g,
            Local::MinusOne => -g,
            Local::Of(l) => g * l,
        }
    }

    /// The partial as a number in the context of `like` (for `Var`: a node on its graph).
    pub fn value(self, like: R) -> R {
        match self {
            Local::Zero => like.lit(0.0),
            Local::One => like.lit(1.0),
            Local::MinusOne => like.lit(-1.0),
            Local::Of(l) => l,
        }
    }
}

/// The share of the gradient the larger side of a max gets: 1 if `hi > lo`, ½ at a tie, else 0.
#[inline]
pub(crate) fn tie_weight(hi: f64, lo: f64) -> f64 {
    if hi > lo {
        1.0
    } else if hi == lo {
        0.5
    } else {
        0.0
    }
}

/// sign(x) with sign(0) = 0 (PyTorch's convention for abs'(0)); NaN stays NaN.
#[inline]
pub(crate) fn sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else if x == 0.0 {
        0.0
    } else {
        f64::NAN
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_edges_are_exact() {
        // tanh(400) = 1 and its derivative is exactly 0.
        let y = Fn1::Tanh.eval(400.0_f64);
        assert_eq!((y, Fn1::Tanh.pullback(400.0, y, 1.0)), (1.0, 0.0));
        for (x, want) in [(800.0_f64, 1.0), (-800.0, 0.0)] {
            let y = Fn1::Sigmoid.eval(x);
            assert_eq!((y, Fn1::Sigmoid.pullback(x, y, 1.0)), (want, 0.0));
        }
        let y = Fn1::Exp.eval(710.0_f64);
        assert_eq!(
            (y, Fn1::Exp.pullback(710.0, y, 1.0)),
            (f64::INFINITY, f64::INFINITY)
        );
        let y = Fn1::Sqrt.eval(0.0_f64);
        assert_eq!((y, Fn1::Sqrt.pullback(0.0, y, 1.0)), (0.0, f64::INFINITY));
    }

    #[test]
    fn kink_conventions() {
        assert_eq!(Fn1::Relu.pullback(0.0_f64, 0.0, 1.0), 0.0);
        assert_eq!(Fn1::Abs.pullback(0.0_f64, 0.0, 1.0), 0.0);
        assert_eq!(Fn2::Max.pullback(0.0_f64, 0.0, 0.0, 1.0), (0.5, Some(0.5)));
        assert_eq!(Fn2::Min.pullback(2.0_f64, 2.0, 2.0, 1.0), (0.5, Some(0.5)));
        assert_eq!(Fn2::Max.pullback(3.0_f64, 1.0, 3.0, 1.0), (1.0, Some(0.0)));
        assert_eq!(Fn2::Min.pullback(3.0_f64, 1.0, 1.0, 1.0), (0.0, Some(1.0)));
    }

    #[test]
    fn powi_zero_has_zero_derivative_even_at_zero() {
        assert_eq!(Fn1::Powi(0).pullback(0.0_f64, 1.0, 1.0), 0.0);
        // d x³ at −2 = 3·4 = 12 (negative base is fine for integer powers)
        assert_eq!(Fn1::Powi(3).pullback(-2.0_f64, -8.0, 1.0), 12.0);
    }
}
