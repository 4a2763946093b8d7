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

use crate::rules::{Fn1, Fn2, Kernels};

/// `fn name(self) -> Self { self.apply1(Fn1::Variant) }`, for the functions the built-in rules
/// and user primitives call by name.
macro_rules! shorthands {
    ($( $(#[$doc:meta])* $name:ident => $f:ident; )*) => {$(
        $(#[$doc])*
        #[inline(always)]
        fn $name(self) -> Self {
            self.apply1(Fn1::$f)
        }
    )*};
}

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
    /// f(x) for a function of the primitive table: computed (`f32`, `f64`) or recorded
    /// (`Var`, `Tensor`). The named methods below are shorthands for it.
    fn apply1(self, f: Fn1) -> Self;
    /// f(x, other) for a function of two inputs of the primitive table.
    fn apply2(self, f: Fn2, other: Self) -> Self;
    shorthands! {
        /// eˣ.
        exp => Exp;
        /// Natural logarithm.
        ln => Ln;
        /// Hyperbolic tangent.
        tanh => Tanh;
        /// Logistic function 1 / (1 + e⁻ˣ), computed without overflow.
        sigmoid => Sigmoid;
        /// max(x, 0).
        relu => Relu;
        /// Sine.
        sin => Sin;
        /// Cosine.
        cos => Cos;
        /// Square root.
        sqrt => Sqrt;
        /// Absolute value.
        abs => Abs;
    }
    /// xᵏ by repeated multiplication.
    #[inline(always)]
    fn powi(self, k: i32) -> Self {
        self.apply1(Fn1::Powi(k))
    }
    /// xᶜ for a constant real c.
    #[inline(always)]
    fn powf(self, c: f64) -> Self {
        self.apply2(Fn2::Powf, self.lit(c))
    }
    /// The larger of two values (NaN if either is NaN).
    #[inline(always)]
    fn max(self, other: Self) -> Self {
        self.apply2(Fn2::Max, other)
    }
    /// The smaller of two values (NaN if either is NaN).
    #[inline(always)]
    fn min(self, other: Self) -> Self {
        self.apply2(Fn2::Min, other)
    }
    /// 1 where x > 0, else 0 (so 0 at 0 and for NaN), as a constant: the step a value-dependent
    /// derivative multiplies by (relu' = step(x)). Its own derivative is zero almost
    /// everywhere, so `Var` answers with a constant node and `Tensor` with a constant tensor,
    /// decided element by element.
    #[inline(always)]
    fn step(self) -> Self {
        self.lit(if self.to_f64() > 0.0 { 1.0 } else { 0.0 })
    }
    /// 1 / x.
    #[inline(always)]
    fn recip(self) -> Self {
        self.lit(1.0) / self
    }
    /// The shares of a gradient that `self` and `other` get as the arguments of a max, as
    /// constants: (1, 0) if self > other, (½, ½) at a tie, (0, 1) otherwise (also for NaN).
    /// Like [`step`](Real::step) decided on values; `Tensor` answers element by element.
    #[inline(always)]
    fn tie_weights(self, other: Self) -> (Self, Self) {
        let w = crate::rules::tie_weight(self.to_f64(), other.to_f64());
        (self.lit(w), self.lit(1.0 - w))
    }
    /// sign(x) ∈ {−1, 0, 1} with sign(0) = 0 (NaN stays NaN), as a constant like
    /// [`step`](Real::step): |x|' = sign(x). `Tensor` answers element by element.
    #[inline(always)]
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
            #[inline(always)]
            fn apply1(self, f: Fn1) -> Self {
                <$t as Kernels>::fn1(f, self)
            }
            #[inline(always)]
            fn apply2(self, f: Fn2, other: Self) -> Self {
                <$t as Kernels>::fn2(f, self, other)
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
