//! Operator overloads: `Var ⊕ Var`, `Var ⊕ T`, `f64 ⊕ Var` (for both element types), unary `-`, and `⊕=`.
//!
//! Derivatives: ∂(a+b) = (1, 1), ∂(a−b) = (1, −1), ∂(ab) = (b, a), ∂(a/b) = (1/b, −a/b²),
//! ∂(−a) = −1. A plain number becomes a constant node (no gradient).

use std::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Sub, SubAssign};

use super::Var;
use crate::error::{Result, or_panic};
use crate::real::Float;
use crate::rules::{Fn1, Fn2};

macro_rules! binary_operator {
    ($Trait:ident, $method:ident, $Assign:ident, $assign:ident, $try_name:ident, $f:expr) => {
        impl<'g, T: Float> Var<'g, T> {
            #[doc = concat!("`self ", stringify!($method), " rhs`; an error for a stale or foreign handle.")]
            #[track_caller]
            pub fn $try_name(self, rhs: Var<'g, T>) -> Result<Var<'g, T>> {
                self.graph.binary($f, self, rhs)
            }
        }

        impl<'g, T: Float> $Trait for Var<'g, T> {
            type Output = Var<'g, T>;
            #[track_caller]
            #[inline]
            fn $method(self, rhs: Var<'g, T>) -> Var<'g, T> {
                or_panic(self.graph.binary($f, self, rhs))
            }
        }

        impl<'g, T: Float> $Trait<T> for Var<'g, T> {
            type Output = Var<'g, T>;
            #[track_caller]
            #[inline]
            fn $method(self, rhs: T) -> Var<'g, T> {
                let c = self.graph.constant(rhs);
                or_panic(self.graph.binary($f, self, c))
            }
        }

        impl<'g, T: Float> $Trait<Var<'g, T>> for f64 {
            type Output = Var<'g, T>;
            #[track_caller]
            #[inline]
            fn $method(self, rhs: Var<'g, T>) -> Var<'g, T> {
                let c = rhs.graph.constant(T::from_f64(self));
                or_panic(rhs.graph.binary($f, c, rhs))
            }
        }

        impl<'g, T: Float> $Assign for Var<'g, T> {
            #[track_caller]
            #[inline]
            fn $assign(&mut self, rhs: Var<'g, T>) {
                *self = $Trait::$method(*self, rhs);
            }
        }

        impl<T: Float> $Assign<T> for Var<'_, T> {
            #[track_caller]
            #[inline]
            fn $assign(&mut self, rhs: T) {
                *self = $Trait::$method(*self, rhs);
            }
        }
    };
}

binary_operator!(Add, add, AddAssign, add_assign, try_add, Fn2::Add);
binary_operator!(Sub, sub, SubAssign, sub_assign, try_sub, Fn2::Sub);
binary_operator!(Mul, mul, MulAssign, mul_assign, try_mul, Fn2::Mul);
binary_operator!(Div, div, DivAssign, div_assign, try_div, Fn2::Div);

impl<'g, T: Float> Neg for Var<'g, T> {
    type Output = Var<'g, T>;
    #[track_caller]
    #[inline]
    fn neg(self) -> Var<'g, T> {
        or_panic(self.try_neg())
    }
}

impl<'g, T: Float> Var<'g, T> {
    /// `-self`, returning an error for a stale handle.
    #[track_caller]
    pub fn try_neg(self) -> Result<Var<'g, T>> {
        self.graph.unary(Fn1::Neg, self)
    }
}
