//! Elementwise functions of one and two tensors (NumPy broadcasting), and `where`.
//!
//! Derivatives are the scalar ones of [`Var`](crate::Var), element by element; see each method.

use super::Tensor;
use super::kernels;
use super::shape::Shape;
use super::store::TensorOp;
use crate::error::{Result, or_panic};
use crate::real::Float;
use crate::rules::{Fn1, Fn2};

macro_rules! unary_ops {
    ($( $(#[$doc:meta])* $name:ident / $try_name:ident => $f:expr; )*) => {$(
        $(#[$doc])*
        #[track_caller]
        pub fn $name(self) -> Self {
            or_panic(self.$try_name())
        }

        #[doc = concat!("[`", stringify!($name), "`](Tensor::", stringify!($name),
                        ") returning an error for a stale handle.")]
        #[track_caller]
        pub fn $try_name(self) -> Result<Self> {
            self.map($f)
        }
    )*};
}

impl<'g, T: Float> Tensor<'g, T> {
    /// Records `f` applied to every element.
    #[track_caller]
    pub(crate) fn map(self, f: Fn1) -> Result<Self> {
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
    pub(crate) fn zip(self, f: Fn2, other: Self) -> Result<Self> {
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

    unary_ops! {
        /// eˣ elementwise. Derivative: eˣ (the output).
        ///
        /// ```
        /// # use tapegrad::Graph;
        /// let g = Graph::new();
        /// let x = g.tensor(&[0.0, 1.0], &[2]);
        /// let grads = g.backward(x.exp().sum());
        /// assert_eq!(grads.tensor(x), &[1.0, 1.0_f64.exp()]);
        /// ```
        exp / try_exp => Fn1::Exp;
        /// Natural logarithm elementwise. Derivative: 1/x.
        ln / try_ln => Fn1::Ln;
        /// Natural logarithm (alias of [`ln`](Tensor::ln)). Derivative: 1/x.
        log / try_log => Fn1::Ln;
        /// tanh elementwise. Derivative: 1 − tanh²(x).
        tanh / try_tanh => Fn1::Tanh;
        /// Logistic sigmoid elementwise, without overflow. Derivative: σ(x)(1 − σ(x)).
        sigmoid / try_sigmoid => Fn1::Sigmoid;
        /// max(x, 0) elementwise. Derivative: 1 for x > 0, 0 for x ≤ 0 (relu'(0) = 0).
        ///
        /// ```
        /// # use tapegrad::Graph;
        /// let g = Graph::new();
        /// let x = g.tensor(&[-1.0, 0.0, 2.0], &[3]);
        /// let grads = g.backward(x.relu().sum());
        /// assert_eq!(grads.tensor(x), &[0.0, 0.0, 1.0]);
        /// ```
        relu / try_relu => Fn1::Relu;
        /// Sine elementwise. Derivative: cos x.
        sin / try_sin => Fn1::Sin;
        /// Cosine elementwise. Derivative: −sin x.
        cos / try_cos => Fn1::Cos;
        /// Square root elementwise. Derivative: 1 / (2√x), +∞ at 0.
        sqrt / try_sqrt => Fn1::Sqrt;
        /// Absolute value elementwise. Derivative: sign(x), with abs'(0) = 0.
        abs / try_abs => Fn1::Abs;
    }

    /// `-self` (also the unary `-` operator). Derivative: −1.
    #[track_caller]
    pub fn try_neg(self) -> Result<Self> {
        self.map(Fn1::Neg)
    }

    /// xᵏ elementwise for a constant integer k (a negative base is fine). Derivative: k·xᵏ⁻¹.
    #[track_caller]
    pub fn powi(self, k: i32) -> Self {
        or_panic(self.try_powi(k))
    }

    /// [`powi`](Tensor::powi) returning an error for a stale handle.
    #[track_caller]
    pub fn try_powi(self, k: i32) -> Result<Self> {
        self.map(Fn1::Powi(k))
    }

    /// xᶜ elementwise for a constant real c; an integer-valued c is [`powi`](Tensor::powi).
    /// Derivative: c·xᶜ⁻¹.
    #[track_caller]
    pub fn powf(self, c: f64) -> Self {
        or_panic(self.try_powf(c))
    }

    /// [`powf`](Tensor::powf) returning an error for a stale handle.
    #[track_caller]
    pub fn try_powf(self, c: f64) -> Result<Self> {
        if c.fract() == 0.0 && c.abs() <= f64::from(i32::MAX) {
            return self.try_powi(c as i32);
        }
        let e = self.scalar_const(T::from_f64(c));
        self.zip(Fn2::Powf, e)
    }

    /// The larger of each pair of elements, broadcasting. Derivative: 1 for the larger input,
    /// 0 for the other, ½ each at a tie (so `x.maximum(0)` at 0 has derivative ½).
    ///
    /// ```
    /// # use tapegrad::Graph;
    /// let g = Graph::new();
    /// let x = g.tensor(&[1.0, 3.0], &[2]);
    /// let m = g.var(1.0);
    /// let grads = g.backward(x.maximum(m.as_tensor()).sum());
    /// assert_eq!(grads.tensor(x), &[0.5, 1.0]);
    /// assert_eq!(grads[m], 0.5);
    /// ```
    #[track_caller]
    pub fn maximum(self, other: Self) -> Self {
        or_panic(self.try_maximum(other))
    }

    /// [`maximum`](Tensor::maximum) returning [`Error::Shape`](crate::Error::Shape) for shapes
    /// that do not broadcast.
    #[track_caller]
    pub fn try_maximum(self, other: Self) -> Result<Self> {
        self.zip(Fn2::Max, other)
    }

    /// The smaller of each pair of elements, broadcasting. Derivative: 1 for the smaller input,
    /// 0 for the other, ½ each at a tie.
    #[track_caller]
    pub fn minimum(self, other: Self) -> Self {
        or_panic(self.try_minimum(other))
    }

    /// [`minimum`](Tensor::minimum) returning [`Error::Shape`](crate::Error::Shape) for shapes
    /// that do not broadcast.
    #[track_caller]
    pub fn try_minimum(self, other: Self) -> Result<Self> {
        self.zip(Fn2::Min, other)
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
