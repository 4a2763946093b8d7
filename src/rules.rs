//! Every primitive's forward formula and derivative, written once.
//!
//! Each rule is generic over [`Real`], so the same text serves two purposes:
//! - with `R = f64` / `f32` it is the fast numeric [`backward`](crate::Graph::backward);
//! - with `R = Var` it records the backward pass on the tape
//!   ([`grad_graph`](crate::Graph::grad_graph), PyTorch's `create_graph=True`), so the result
//!   can be differentiated again: gradients of gradients, Hessians, Hessian-vector products.
//!
//! A rule receives the node's inputs `a` (and `b`), its output `y` and the upstream gradient `g`
//! (∂L/∂y), and returns the contribution `g · ∂y/∂input` for each input. Rules may reuse the
//! output: tanh' = 1 − y², sigmoid' = y(1 − y), exp' = y, sqrt' = 1 / (2y).
//!
//! Conventions at kinks (each is stated again on the user-facing method):
//! relu'(0) = 0; abs'(0) = 0; `max`/`min` at a tie send half the gradient to each side.
//! Those decisions are made on values, so in the recorded (`Var`) form the step factors are
//! constants: the derivative of a step is zero almost everywhere.

use crate::real::Real;

/// Functions of one input. `Powi(k)` is `x^k` for a constant integer `k`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fn1 {
    /// −x
    Neg,
    /// eˣ
    Exp,
    /// ln x
    Ln,
    /// tanh x
    Tanh,
    /// 1 / (1 + e⁻ˣ)
    Sigmoid,
    /// max(x, 0)
    Relu,
    /// sin x
    Sin,
    /// cos x
    Cos,
    /// √x
    Sqrt,
    /// |x|
    Abs,
    /// xᵏ, k a constant integer
    Powi(i32),
}

/// Functions of two inputs. For `Powf` the second input is a constant exponent node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fn2 {
    /// a + b
    Add,
    /// a − b
    Sub,
    /// a · b
    Mul,
    /// a / b
    Div,
    /// max(a, b)
    Max,
    /// min(a, b)
    Min,
    /// aᶜ with c the (constant) value of the second input
    Powf,
}

impl Fn1 {
    /// y = f(a).
    #[inline]
    pub fn eval<R: Real>(self, a: R) -> R {
        match self {
            Fn1::Neg => -a,
            Fn1::Exp => a.exp(),
            Fn1::Ln => a.ln(),
            Fn1::Tanh => a.tanh(),
            Fn1::Sigmoid => a.sigmoid(),
            Fn1::Relu => a.relu(),
            Fn1::Sin => a.sin(),
            Fn1::Cos => a.cos(),
            Fn1::Sqrt => a.sqrt(),
            Fn1::Abs => a.abs(),
            Fn1::Powi(k) => a.powi(k),
        }
    }

    /// The local partial ∂y/∂a, given the input `a` and the output `y`.
    #[inline]
    pub fn local<R: Real>(self, a: R, y: R) -> Local<R> {
        match self {
            // d(−a) = −1
            Fn1::Neg => Local::MinusOne,
            // d eᵃ = eᵃ = y; so exp(710) = inf has derivative inf
            Fn1::Exp => Local::Of(y),
            // d ln a = 1/a
            Fn1::Ln => Local::Of(a.recip()),
            // d tanh a = 1 − y²; exactly 0 once y rounds to ±1 (tanh(400))
            Fn1::Tanh => Local::Of(a.lit(1.0) - y * y),
            // d σ(a) = y(1 − y); exactly 0 at σ(±800) = 1 / 0
            Fn1::Sigmoid => Local::Of(y * (a.lit(1.0) - y)),
            // d relu a = 1 if a > 0 else 0 (relu'(0) = 0)
            Fn1::Relu => Local::Of(a.step()),
            // d sin a = cos a
            Fn1::Sin => Local::Of(a.cos()),
            // d cos a = −sin a
            Fn1::Cos => Local::Of(-a.sin()),
            // d √a = 1 / (2√a) = 0.5 / y; +inf at a = 0
            Fn1::Sqrt => Local::Of(a.lit(0.5) / y),
            // d |a| = sign(a), with sign(0) = 0
            Fn1::Abs => Local::Of(a.sign()),
            // d aᵏ = k·aᵏ⁻¹ (0 for k = 0, without forming 0 · a⁻¹)
            Fn1::Powi(0) => Local::Zero,
            Fn1::Powi(1) => Local::One,
            // k − 1 does not fit i32 for k = i32::MIN: that one exponent goes through powf
            Fn1::Powi(i32::MIN) => {
                Local::Of(a.lit(f64::from(i32::MIN)) * a.powf(f64::from(i32::MIN) - 1.0))
            }
            Fn1::Powi(k) => Local::Of(a.lit(f64::from(k)) * a.powi(k - 1)),
        }
    }

    /// g · ∂y/∂a, given the input `a`, the output `y` and the upstream gradient `g`: the
    /// upstream times the [`local`](Fn1::local) partial.
    #[inline]
    pub fn pullback<R: Real>(self, a: R, y: R, g: R) -> R {
        self.local(a, y).times(g)
    }

    /// The function's name as written in the expression language.
    pub fn name(self) -> &'static str {
        match self {
            Fn1::Neg => "neg",
            Fn1::Exp => "exp",
            Fn1::Ln => "log",
            Fn1::Tanh => "tanh",
            Fn1::Sigmoid => "sigmoid",
            Fn1::Relu => "relu",
            Fn1::Sin => "sin",
            Fn1::Cos => "cos",
            Fn1::Sqrt => "sqrt",
            Fn1::Abs => "abs",
            Fn1::Powi(_) => "powi",
        }
    }

    /// The local derivative as text, in terms of the input `a` and output `y` (for traces).
    pub fn derivative_text(self) -> String {
        match self {
            Fn1::Neg => "-1".into(),
            Fn1::Exp => "y".into(),
            Fn1::Ln => "1/a".into(),
            Fn1::Tanh => "1 - y^2".into(),
            Fn1::Sigmoid => "y(1 - y)".into(),
            Fn1::Relu => "[a > 0]".into(),
            Fn1::Sin => "cos(a)".into(),
            Fn1::Cos => "-sin(a)".into(),
            Fn1::Sqrt => "1/(2y)".into(),
            Fn1::Abs => "sign(a)".into(),
            Fn1::Powi(k) => format!("{k}·a^{}", i64::from(k) - 1),
        }
    }
}

impl Fn2 {
    /// y = f(a, b).
    #[inline]
    pub fn eval<R: Real>(self, a: R, b: R) -> R {
        match self {
            Fn2::Add => a + b,
            Fn2::Sub => a - b,
            Fn2::Mul => a * b,
            Fn2::Div => a / b,
            Fn2::Max => a.max(b),
            Fn2::Min => a.min(b),
            Fn2::Powf => a.powf(b.to_f64()),
        }
    }

    /// The local partials (∂y/∂a, ∂y/∂b); `None` for an input that takes no gradient (the
    /// exponent of `Powf`).
    #[inline]
    pub fn locals<R: Real>(self, a: R, b: R, y: R) -> (Local<R>, Option<Local<R>>) {
        match self {
            // ∂(a+b)/∂a = 1, ∂/∂b = 1
            Fn2::Add => (Local::One, Some(Local::One)),
            // ∂(a−b)/∂a = 1, ∂/∂b = −1
            Fn2::Sub => (Local::One, Some(Local::MinusOne)),
            // ∂(ab)/∂a = b, ∂/∂b = a
            Fn2::Mul => (Local::Of(b), Some(Local::Of(a))),
            // ∂(a/b)/∂a = 1/b, ∂/∂b = −a/b² = −y/b
            Fn2::Div => (Local::Of(b.recip()), Some(Local::Of(-(y / b)))),
            // ∂max/∂a = 1 if a > b, ½ at a tie, else 0; ∂/∂b the complement
            Fn2::Max => {
                let (wa, wb) = a.tie_weights(b);
                (Local::Of(wa), Some(Local::Of(wb)))
            }
            // ∂min/∂a = 1 if a < b, ½ at a tie, else 0; ∂/∂b the complement
            Fn2::Min => {
                let (wa, wb) = b.tie_weights(a);
                (Local::Of(wa), Some(Local::Of(wb)))
            }
            // ∂aᶜ/∂a = c·aᶜ⁻¹; the exponent is a constant
            Fn2::Powf => {
                let c = b.to_f64();
                (Local::Of(a.lit(c) * a.powf(c - 1.0)), None)
            }
        }
    }

    /// (g · ∂y/∂a, g · ∂y/∂b): the upstream times each of the [`locals`](Fn2::locals).
    #[inline]
    pub fn pullback<R: Real>(self, a: R, b: R, y: R, g: R) -> (R, Option<R>) {
        let (la, lb) = self.locals(a, b, y);
        (la.times(g), lb.map(|l| l.times(g)))
    }

    /// The operator or function name as written in the expression language.
    pub fn name(self) -> &'static str {
        match self {
            Fn2::Add => "+",
            Fn2::Sub => "-",
            Fn2::Mul => "*",
            Fn2::Div => "/",
            Fn2::Max => "max",
            Fn2::Min => "min",
            Fn2::Powf => "^",
        }
    }

    /// The local derivatives (∂y/∂a, ∂y/∂b) as text, for traces.
    pub fn derivative_text(self) -> (&'static str, &'static str) {
        match self {
            Fn2::Add => ("1", "1"),
            Fn2::Sub => ("1", "-1"),
            Fn2::Mul => ("b", "a"),
            Fn2::Div => ("1/b", "-y/b"),
            Fn2::Max => ("[a > b] (½ at a tie)", "[b > a] (½ at a tie)"),
            Fn2::Min => ("[a < b] (½ at a tie)", "[b < a] (½ at a tie)"),
            Fn2::Powf => ("c·a^(c-1)", "0 (constant exponent)"),
        }
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
