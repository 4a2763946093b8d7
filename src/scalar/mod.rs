//! The arithmetic of [`Var`] (a `Copy` handle to a scalar node, defined by the tape): operators
//! and math functions, and `Var` as a [`Real`] number type for the rules.

mod ops;

use crate::error::{Result, or_panic, with_panicking_twin};
use crate::real::{Float, Real};
use crate::rules::{Fn1, Fn2};
pub use crate::tape::Var;

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

    crate::rules::table::primitives!(crate::rules::methods, Var);

    /// Records `f(self)` (the `try_` form of every function of the primitive table).
    #[inline(always)]
    #[track_caller]
    pub(crate) fn record1(self, f: Fn1) -> Result<Self> {
        self.graph.unary(f, self)
    }

    /// Records `f(self, other)`.
    #[inline(always)]
    #[track_caller]
    pub(crate) fn record2(self, f: Fn2, other: Self) -> Result<Self> {
        self.graph.binary(f, self, other)
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

    with_panicking_twin! {
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
        pub fn powi;

        /// [`powi`](Var::powi) returning an error for a stale handle.
        #[track_caller]
        pub fn try_powi(self, k: i32) -> Result<Self> {
            self.graph.unary(Fn1::Powi(k), self)
        }
    }

    with_panicking_twin! {
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
        pub fn powf;

        /// [`powf`](Var::powf) returning an error for a stale handle.
        #[track_caller]
        pub fn try_powf(self, c: f64) -> Result<Self> {
            if let Some(k) = crate::rules::integer_exponent(c) {
                return self.try_powi(k);
            }
            let e = self.graph.constant(T::from_f64(c));
            self.graph.binary(Fn2::Powf, self, e)
        }
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
    #[track_caller]
    fn apply1(self, f: Fn1) -> Self {
        or_panic(self.graph.unary(f, self))
    }
    #[track_caller]
    fn apply2(self, f: Fn2, other: Self) -> Self {
        or_panic(self.graph.binary(f, self, other))
    }
    fn powf(self, c: f64) -> Self {
        Var::powf(self, c)
    }
    fn recip(self) -> Self {
        Var::powi(self, -1)
    }
}
