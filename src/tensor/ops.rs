//! Operator overloads with NumPy broadcasting: `Tensor ⊕ Tensor`, `Tensor ⊕ Var`,
//! `Var ⊕ Tensor`, `Tensor ⊕ T`, `f64 ⊕ Tensor`, and unary `-`.
//!
//! Derivatives: ∂(a+b) = (1, 1), ∂(a−b) = (1, −1), ∂(ab) = (b, a), ∂(a/b) = (1/b, −a/b²),
//! each summed back to its operand's shape where the operand was broadcast. A plain number is
//! a constant (no gradient); a [`Var`] is a rank-0 tensor and gets the summed gradient.

use std::ops::{Add, Div, Mul, Neg, Sub};

use super::Tensor;
use crate::error::{Result, or_panic};
use crate::real::Float;
use crate::rules::Fn2;
use crate::scalar::Var;

macro_rules! binary_operator {
    ($Trait:ident, $method:ident, $try_name:ident, $f:expr) => {
        impl<'g, T: Float> Tensor<'g, T> {
            #[doc = concat!("`self ", stringify!($method), " rhs` with broadcasting, returning ",
                                    "[`Error::Shape`](crate::Error::Shape) for shapes that do not ",
                                    "broadcast, or an error for a stale or foreign handle.")]
            #[track_caller]
            pub fn $try_name(self, rhs: Tensor<'g, T>) -> Result<Tensor<'g, T>> {
                self.record2($f, rhs)
            }
        }

        impl<'g, T: Float> $Trait for Tensor<'g, T> {
            type Output = Tensor<'g, T>;
            #[track_caller]
            fn $method(self, rhs: Tensor<'g, T>) -> Tensor<'g, T> {
                or_panic(self.record2($f, rhs))
            }
        }

        impl<'g, T: Float> $Trait<Var<'g, T>> for Tensor<'g, T> {
            type Output = Tensor<'g, T>;
            #[track_caller]
            fn $method(self, rhs: Var<'g, T>) -> Tensor<'g, T> {
                or_panic(self.record2($f, rhs.as_tensor()))
            }
        }

        impl<'g, T: Float> $Trait<Tensor<'g, T>> for Var<'g, T> {
            type Output = Tensor<'g, T>;
            #[track_caller]
            fn $method(self, rhs: Tensor<'g, T>) -> Tensor<'g, T> {
                or_panic(self.as_tensor().record2($f, rhs))
            }
        }

        impl<'g, T: Float> $Trait<T> for Tensor<'g, T> {
            type Output = Tensor<'g, T>;
            #[track_caller]
            fn $method(self, rhs: T) -> Tensor<'g, T> {
                let c = self.scalar_const(rhs);
                or_panic(self.record2($f, c))
            }
        }

        impl<'g, T: Float> $Trait<Tensor<'g, T>> for f64 {
            type Output = Tensor<'g, T>;
            #[track_caller]
            fn $method(self, rhs: Tensor<'g, T>) -> Tensor<'g, T> {
                let c = rhs.scalar_const(T::from_f64(self));
                or_panic(c.record2($f, rhs))
            }
        }
    };
}

binary_operator!(Add, add, try_add, Fn2::Add);
binary_operator!(Sub, sub, try_sub, Fn2::Sub);
binary_operator!(Mul, mul, try_mul, Fn2::Mul);
binary_operator!(Div, div, try_div, Fn2::Div);

impl<'g, T: Float> Neg for Tensor<'g, T> {
    type Output = Tensor<'g, T>;
    #[track_caller]
    fn neg(self) -> Tensor<'g, T> {
        or_panic(self.try_neg())
    }
}
