//! The numeric traits that let every derivative rule be written once.
//!
//! [`Real`] is the small vocabulary the rules in [`rules`](crate::rules) are written in. It is
//! implemented by the element types (`f32`, `f64`), which gives the fast numeric backward pass,
//! and by [`Var`](crate::Var), which records the backward pass onto the tape so it can be
//! differentiated again (gradients of gradients, Hessians).
//!
//! [`Float`] is what a [`Graph`](crate::Graph) stores: `f32` or `f64`.

use std::fmt::{Debug, Display};
use std::iter::Sum;
use std::ops::{Add, AddAssign, Div, Mul, Neg, Sub};

/// Arithmetic and elementary functions, the language derivative rules are written in.
///
/// Conventions at kinks and edges are those of [`Var`](crate::Var)'s methods of the same name.
pub trait Real:
    Copy
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
{
    /// A constant `c` in the same context as `self` (for `Var`: a constant node on its graph).
    fn lit(self, c: f64) -> Self;
    /// The current value as `f64`, used by rules to decide which side of a kink they are on.
    fn to_f64(self) -> f64;
    /// eˣ.
    fn exp(self) -> Self;
    /// Natural logarithm.
    fn ln(self) -> Self;
    /// Hyperbolic tangent.
    fn tanh(self) -> Self;
    /// Logistic function 1 / (1 + e⁻ˣ), computed without overflow.
    fn sigmoid(self) -> Self;
    /// max(x, 0).
    fn relu(self) -> Self;
    /// Sine.
    fn sin(self) -> Self;
    /// Cosine.
    fn cos(self) -> Self;
    /// Square root.
    fn sqrt(self) -> Self;
    /// Absolute value.
    fn abs(self) -> Self;
    /// xᵏ by repeated multiplication.
    fn powi(self, k: i32) -> Self;
    /// xᶜ for a constant real c.
    fn powf(self, c: f64) -> Self;
    /// The larger of two values (NaN if either is NaN).
    fn max(self, other: Self) -> Self;
    /// The smaller of two values (NaN if either is NaN).
    fn min(self, other: Self) -> Self;
    /// 1 where x > 0, else 0 (so 0 at 0 and for NaN), as a constant: the step a value-dependent
    /// derivative multiplies by (relu' = step(x)). Its own derivative is zero almost
    /// everywhere, so `Var` answers with a constant node and `Tensor` with a constant tensor,
    /// decided element by element.
    fn step(self) -> Self {
        self.lit(if self.to_f64() > 0.0 { 1.0 } else { 0.0 })
    }
    /// 1 / x.
    fn recip(self) -> Self {
        self.lit(1.0) / self
    }
    /// The shares of a gradient that `self` and `other` get as the arguments of a max, as
    /// constants: (1, 0) if self > other, (½, ½) at a tie, (0, 1) otherwise (also for NaN).
    /// Like [`step`](Real::step) decided on values; `Tensor` answers element by element.
    fn tie_weights(self, other: Self) -> (Self, Self) {
        let w = crate::rules::tie_weight(self.to_f64(), other.to_f64());
        (self.lit(w), self.lit(1.0 - w))
    }
    /// sign(x) ∈ {−1, 0, 1} with sign(0) = 0 (NaN stays NaN), as a constant like
    /// [`step`](Real::step): |x|' = sign(x). `Tensor` answers element by element.
    fn sign(self) -> Self {
        self.lit(crate::rules::sign(self.to_f64()))
    }
}

/// An element type a [`Graph`](crate::Graph) can hold: `f32` or `f64`.
pub trait Float:
    Real + PartialOrd + Debug + Display + Default + AddAssign + Sum + Send + Sync + 'static
{
    /// 0.
    const ZERO: Self;
    /// 1.
    const ONE: Self;
    /// Converts from `f64` (rounding for `f32`).
    fn from_f64(v: f64) -> Self;
    /// True unless the value is infinite or NaN.
    fn is_finite(self) -> bool;
}

macro_rules! impl_float {
    ($t:ty) => {
        impl Real for $t {
            #[inline]
            fn lit(self, c: f64) -> Self {
                c as $t
            }
            #[inline]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline]
            fn exp(self) -> Self {
                <$t>::exp(self)
            }
            #[inline]
            fn ln(self) -> Self {
                <$t>::ln(self)
            }
            #[inline]
            fn tanh(self) -> Self {
                <$t>::tanh(self)
            }
            #[inline]
            fn sigmoid(self) -> Self {
                // Two branches so e^(-x) never overflows: sigmoid(-800) is exactly 0, not NaN.
                if self >= 0.0 {
                    1.0 / (1.0 + (-self).exp())
                } else {
                    let e = self.exp();
                    e / (1.0 + e)
                }
            }
            #[inline]
            fn relu(self) -> Self {
                // `<= 0` is false for NaN, so NaN propagates as in PyTorch.
                if self <= 0.0 { 0.0 } else { self }
            }
            #[inline]
            fn sin(self) -> Self {
                <$t>::sin(self)
            }
            #[inline]
            fn cos(self) -> Self {
                <$t>::cos(self)
            }
            #[inline]
            fn sqrt(self) -> Self {
                <$t>::sqrt(self)
            }
            #[inline]
            fn abs(self) -> Self {
                <$t>::abs(self)
            }
            #[inline]
            fn powi(self, k: i32) -> Self {
                <$t>::powi(self, k)
            }
            #[inline]
            fn powf(self, c: f64) -> Self {
                <$t>::powf(self, c as $t)
            }
            #[inline]
            fn max(self, other: Self) -> Self {
                if self.is_nan() || other.is_nan() {
                    <$t>::NAN
                } else if self >= other {
                    self
                } else {
                    other
                }
            }
            #[inline]
            fn min(self, other: Self) -> Self {
                if self.is_nan() || other.is_nan() {
                    <$t>::NAN
                } else if self <= other {
                    self
                } else {
                    other
                }
            }
            #[inline]
            fn step(self) -> Self {
                if self > 0.0 { 1.0 } else { 0.0 }
            }
            #[inline]
            fn sign(self) -> Self {
                crate::rules::sign(self as f64) as $t
            }
        }

        impl Float for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            #[inline]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            #[inline]
            fn is_finite(self) -> bool {
                <$t>::is_finite(self)
            }
        }
    };
}

impl_float!(f32);
impl_float!(f64);
