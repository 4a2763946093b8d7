//! Elementwise functions of one and two tensors (NumPy broadcasting), and `where`.
//!
//! Derivatives are the scalar ones of [`Var`](crate::Var), element by element; see each method.

use super::Tensor;
use super::kernels;
use super::shape::Shape;
use super::store::TensorOp;
use crate::error::{Result, or_panic, with_panicking_twin};
use crate::real::Float;
use crate::rules::{Fn1, Fn2};

impl<'g, T: Float> Tensor<'g, T> {
    /// Records `f` applied to every element.
    #[track_caller]
    pub(crate) fn record1(self, f: Fn1) -> Result<Self> {
        self.graph.record_tensor(
            TensorOp::Unary(f),
            [self],
            &[],
            |[s]| Ok(s),
            |[(x, _)], _, out| kernels::unary(f, x, out),
        )
    }

    /// Records `f(self, other)` elementwise with broadcasting.
    #[track_caller]
    pub(crate) fn record2(self, f: Fn2, other: Self) -> Result<Self> {
        self.graph.record_tensor(
            TensorOp::Binary(f),
            [self, other],
            &[],
            |[a, b]| Shape::broadcast(f.name(), a, b),
            |[(a, sa), (b, sb)], s, out| kernels::binary(f, a, sa, b, sb, s, out),
        )
    }

    /// A rank-0 constant on the same graph.
    pub(crate) fn scalar_const(self, c: T) -> Self {
        self.graph.constant(c).as_tensor()
    }

    crate::rules::table::primitives!(crate::rules::methods, Tensor);

    /// `-self` (also the unary `-` operator). Derivative: −1.
    #[track_caller]
    pub fn try_neg(self) -> Result<Self> {
        self.record1(Fn1::Neg)
    }

    with_panicking_twin! {
        /// xᵏ elementwise for a constant integer k (a negative base is fine). Derivative: k·xᵏ⁻¹.
        pub fn powi;

        /// [`powi`](Tensor::powi) returning an error for a stale handle.
        #[track_caller]
        pub fn try_powi(self, k: i32) -> Result<Self> {
            self.record1(Fn1::Powi(k))
        }
    }

    with_panicking_twin! {
        /// xᶜ elementwise for a constant real c; an integer-valued c is [`powi`](Tensor::powi).
        /// Derivative: c·xᶜ⁻¹.
        pub fn powf;

        /// [`powf`](Tensor::powf) returning an error for a stale handle.
        #[track_caller]
        pub fn try_powf(self, c: f64) -> Result<Self> {
            if let Some(k) = crate::rules::integer_exponent(c) {
                return self.try_powi(k);
            }
            let e = self.scalar_const(T::from_f64(c));
            self.record2(Fn2::Powf, e)
        }
    }

    /// NumPy's `where(self, a, b)`: `a` where `self` ≠ 0, else `b`, all three broadcast
    /// together. Derivative: the upstream gradient goes to `a` where the condition holds and to
    /// `b` elsewhere; the condition takes none.
    ///
    /// ```
    /// # use tapegrad::Graph;
    /// let g = Graph::new();
    /// let x = g.tensor(&[-2.0, 3.0], &[2]);
    /// let mask = g.tensor_const(&[0.0, 1.0], &[2]);
    /// let y = mask.select(x, x * 0.1); // a leaky relu with a given mask
    /// assert_eq!(g.backward(y.sum()).tensor(x), &[0.1, 1.0]);
    /// ```
    #[doc(alias = "where")]
    #[track_caller]
    pub fn select(self, a: Self, b: Self) -> Self {
        or_panic(self.try_select(a, b))
    }

    /// [`select`](Tensor::select) returning [`Error::Shape`](crate::Error::Shape) for shapes
    /// that do not broadcast.
    #[track_caller]
    pub fn try_select(self, a: Self, b: Self) -> Result<Self> {
        self.graph.record_tensor(
            TensorOp::Where,
            [self, a, b],
            &[],
            |[c, sa, sb]| {
                Shape::broadcast("where", c, sa).and_then(|s| Shape::broadcast("where", s, sb))
            },
            |[c, x, y], s, out| kernels::select(c, x, y, s, out),
        )
    }
}
