//! The arithmetic of [`Var`] (a `Copy` handle to a scalar node, defined by the tape): operators
//! and math functions, and `Var` as a [`Real`] number type for the rules.

mod ops;

use crate::error::{Result, or_panic};
use crate::real::{Float, Real};
use crate::rules::{Fn1, Fn2};
pub use crate::tape::Var;

macro_rules! unary_ops {
    ($( $(#[$doc:meta])* $name:ident / $try_name:ident => $f:expr; )*) => {$(
        $(#[$doc])*
        #[track_caller]
        #[inline]
        pub fn $name(self) -> Self {
            or_panic(self.$try_name())
        }

        #[doc = concat!("[`", stringify!($name), "`](Var::", stringify!($name),
                        ") returning an error for a stale handle.")]
        #[inline]
        #[track_caller]
        pub fn $try_name(self) -> Result<Self> {
            self.graph.unary($f, self)
        }
    )*};
}

macro_rules! binary_ops {
    ($( $(#[$doc:meta])* $name:ident / $try_name:ident => $f:expr; )*) => {$(
        $(#[$doc])*
        #[track_caller]
        #[inline]
        pub fn $name(self, other: Self) -> Self {
            or_panic(self.$try_name(other))
        }

        #[doc = concat!("[`", stringify!($name), "`](Var::", stringify!($name),
                        ") returning an error for a stale or foreign handle.")]
        #[inline]
        #[track_caller]
        pub fn $try_name(self, other: Self) -> Result<Self> {
            self.graph.binary($f, self, other)
        }
    )*};
}

impl<'g, T: Float> Var<'g, T> {
    /// A constant with this node's value: it takes part in the forward pass but passes no
    /// gradient back (PyTorch `detach`, JAX `stop_gradient`).
    ///
    /// ```
    /// use tapegrad::Graph;
    /// let g = Graph::new();
    /// let x = g.var(3.0);
    /// let y = x * x.detach(); // d/dx = x.detach() = 3, not 2x
    /// assert_eq!(g.backward(y)[x], 3.0);
    /// ```
    #[track_caller]
    pub fn detach(self) -> Self {
        or_panic(self.try_detach())
    }

    /// [`detach`](Var::detach) returning an error for a stale handle.
    pub fn try_detach(self) -> Result<Self> {
        Ok(self.graph.constant(self.try_value()?))
    }

    unary_ops! {
        /// eˣ. Derivative: eˣ (the output itself), so `exp(710)` = ∞ with derivative ∞.
        ///
        /// ```
        /// # use tapegrad::Graph;
        /// let g = Graph::new();
        /// let x = g.var(0.0);
        /// assert_eq!(g.backward(x.exp())[x], 1.0);
        /// ```
        exp / try_exp => Fn1::Exp;
        /// Natural logarithm. Derivative: 1/x. `ln(0)` = −∞, `ln` of a negative is NaN.
        ///
        /// ```
        /// # use tapegrad::Graph;
        /// let g = Graph::new();
        /// let x = g.var(4.0);
        /// assert_eq!(g.backward(x.ln())[x], 0.25);
        /// ```
        ln / try_ln => Fn1::Ln;
        /// Natural logarithm (alias of [`ln`](Var::ln)). Derivative: 1/x.
        log / try_log => Fn1::Ln;
        /// Hyperbolic tangent. Derivative: 1 − tanh²(x), exactly 0 where tanh rounds to ±1
        /// (`tanh(400)` = 1 with derivative 0).
        ///
        /// ```
        /// # use tapegrad::Graph;
        /// let g = Graph::new();
        /// let x = g.var(400.0);
        /// let y = x.tanh();
        /// assert_eq!((y.value(), g.backward(y)[x]), (1.0, 0.0));
        /// ```
        tanh / try_tanh => Fn1::Tanh;
        /// Logistic sigmoid σ(x) = 1 / (1 + e⁻ˣ), computed without overflow.
        /// Derivative: σ(x)(1 − σ(x)); `sigmoid(800)` = 1 and `sigmoid(-800)` = 0, both with
        /// derivative exactly 0.
        ///
        /// ```
        /// # use tapegrad::Graph;
        /// let g = Graph::new();
        /// let x = g.var(0.0);
        /// assert_eq!(g.backward(x.sigmoid())[x], 0.25);
        /// ```
        sigmoid / try_sigmoid => Fn1::Sigmoid;
        /// max(x, 0). Derivative: 1 for x > 0, 0 for x ≤ 0 (relu'(0) = 0, as in PyTorch).
        ///
        /// ```
        /// # use tapegrad::Graph;
        /// let g = Graph::new();
        /// let x = g.var(0.0);
        /// assert_eq!(g.backward(x.relu())[x], 0.0);
        /// ```
        relu / try_relu => Fn1::Relu;
        /// Sine. Derivative: cos x.
        sin / try_sin => Fn1::Sin;
        /// Cosine. Derivative: −sin x.
        cos / try_cos => Fn1::Cos;
        /// Square root. Derivative: 1 / (2√x); at x = 0 the value is 0 and the derivative +∞.
        ///
        /// ```
        /// # use tapegrad::Graph;
        /// let g = Graph::new();
        /// let x = g.var(0.0);
        /// assert_eq!(g.backward(x.sqrt())[x], f64::INFINITY);
        /// ```
        sqrt / try_sqrt => Fn1::Sqrt;
        /// Absolute value. Derivative: sign(x), with abs'(0) = 0 (PyTorch's convention).
        abs / try_abs => Fn1::Abs;
    }

    binary_ops! {
        /// The larger of `self` and `other` (NaN if either is NaN), NumPy's and PyTorch's
        /// elementwise `maximum`. Derivative: 1 for the larger input, 0 for the other; at a
        /// tie each gets ½, so `x.maximum(zero)` at x = 0 has derivative ½ (unlike
        /// [`relu`](Var::relu)).
        ///
        /// ```
        /// # use tapegrad::Graph;
        /// let g = Graph::new();
        /// let (x, y) = (g.var(1.0), g.var(1.0));
        /// let grads = g.backward(x.maximum(y));
        /// assert_eq!((grads[x], grads[y]), (0.5, 0.5));
        /// ```
        maximum / try_maximum => Fn2::Max;
        /// The smaller of `self` and `other` (NaN if either is NaN), NumPy's `minimum`.
        /// Derivative: 1 for the smaller input, 0 for the other, ½ each at a tie.
        minimum / try_minimum => Fn2::Min;
    }

    /// The old name of [`maximum`](Var::maximum) (`max` reduces in NumPy and PyTorch).
    #[deprecated(note = "use maximum (the elementwise name in NumPy and PyTorch)")]
    #[track_caller]
    pub fn max(self, other: Self) -> Self {
        self.maximum(other)
    }

    /// The old name of [`try_maximum`](Var::try_maximum).
    #[deprecated(note = "use try_maximum")]
    #[track_caller]
    pub fn try_max(self, other: Self) -> Result<Self> {
        self.try_maximum(other)
    }

    /// The old name of [`minimum`](Var::minimum).
    #[deprecated(note = "use minimum (the elementwise name in NumPy and PyTorch)")]
    #[track_caller]
    pub fn min(self, other: Self) -> Self {
        self.minimum(other)
    }

    /// The old name of [`try_minimum`](Var::try_minimum).
    #[deprecated(note = "use try_minimum")]
    #[track_caller]
    pub fn try_min(self, other: Self) -> Result<Self> {
        self.try_minimum(other)
    }

    /// xᵏ for a constant integer k, by repeated multiplication (a negative base is fine).
    /// Derivative: k·xᵏ⁻¹ (0 for k = 0).
    ///
    /// ```
    /// # use tapegrad::Graph;
    /// let g = Graph::new();
    /// let x = g.var(-2.0);
    /// let y = x.powi(3);
    /// assert_eq!((y.value(), g.backward(y)[x]), (-8.0, 12.0));
    /// ```
    #[track_caller]
    pub fn powi(self, k: i32) -> Self {
        or_panic(self.try_powi(k))
    }

    /// [`powi`](Var::powi) returning an error for a stale handle.
    #[track_caller]
    pub fn try_powi(self, k: i32) -> Result<Self> {
        self.graph.unary(Fn1::Powi(k), self)
    }

    /// xᶜ for a constant real c. Derivative: c·xᶜ⁻¹. An integer-valued `c` that fits `i32`
    /// is recorded as [`powi`](Var::powi) (so negative bases work); other exponents use
    /// `powf`, NaN for a negative base.
    ///
    /// ```
    /// # use tapegrad::Graph;
    /// let g = Graph::new();
    /// let x = g.var(4.0);
    /// let y = x.powf(0.5);
    /// assert_eq!((y.value(), g.backward(y)[x]), (2.0, 0.25));
    /// ```
    #[track_caller]
    pub fn powf(self, c: f64) -> Self {
        or_panic(self.try_powf(c))
    }

    /// [`powf`](Var::powf) returning an error for a stale handle.
    #[track_caller]
    pub fn try_powf(self, c: f64) -> Result<Self> {
        if c.fract() == 0.0 && c.abs() <= f64::from(i32::MAX) {
            return self.try_powi(c as i32);
        }
        let e = self.graph.constant(T::from_f64(c));
        self.graph.binary(Fn2::Powf, self, e)
    }
}

/// `Var` is a number type too: the rules run on it to record the backward pass.
impl<T: Float> Real for Var<'_, T> {
    fn lit(self, c: f64) -> Self {
        self.graph.constant(T::from_f64(c))
    }
    fn to_f64(self) -> f64 {
        self.value().to_f64()
    }
    fn exp(self) -> Self {
        Var::exp(self)
    }
    fn ln(self) -> Self {
        Var::ln(self)
    }
    fn tanh(self) -> Self {
        Var::tanh(self)
    }
    fn sigmoid(self) -> Self {
        Var::sigmoid(self)
    }
    fn relu(self) -> Self {
        Var::relu(self)
    }
    fn sin(self) -> Self {
        Var::sin(self)
    }
    fn cos(self) -> Self {
        Var::cos(self)
    }
    fn sqrt(self) -> Self {
        Var::sqrt(self)
    }
    fn abs(self) -> Self {
        Var::abs(self)
    }
    fn powi(self, k: i32) -> Self {
        Var::powi(self, k)
    }
    fn powf(self, c: f64) -> Self {
        Var::powf(self, c)
    }
    fn max(self, other: Self) -> Self {
        Var::maximum(self, other)
    }
    fn min(self, other: Self) -> Self {
        Var::minimum(self, other)
    }
}
