//! Activation functions on scalar [`Var`]s, each a composition of graph primitives.

use crate::error::{Error, Result, or_panic};
use crate::real::Float;
use crate::scalar::Var;

/// The nonlinearity a neuron applies to its weighted sum `u = w·x + b`.
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub enum Activation {
    /// Identity: f(u) = u, f'(u) = 1 (a linear output layer).
    #[default]
    Linear,
    /// f(u) = tanh u, f'(u) = 1 − tanh²u.
    Tanh,
    /// f(u) = max(u, 0), f'(u) = 1 for u > 0 and 0 for u ≤ 0 (relu'(0) = 0 as in PyTorch).
    Relu,
    /// f(u) = σ(u) = 1 / (1 + e⁻ᵘ), f'(u) = σ(u)(1 − σ(u)).
    Sigmoid,
    /// f(u) = u for u > 0 and α·u otherwise; f'(u) = 1 for u > 0 and α for u ≤ 0 (PyTorch's
    /// convention at 0). PyTorch's default slope is α = 0.01. See [`leaky_relu`].
    LeakyRelu(f64),
}

impl Activation {
    /// Applies the activation, recording its nodes on `u`'s graph.
    ///
    /// ```
    /// use tapegrad::Graph;
    /// use tapegrad::nn::scalar::Activation;
    /// let g = Graph::new();
    /// let u = g.var(0.0);
    /// let y = Activation::Sigmoid.apply(u);
    /// assert_eq!((y.value(), g.backward(y)[u]), (0.5, 0.25));
    /// ```
    #[inline]
    pub fn apply<'g, T: Float>(self, u: Var<'g, T>) -> Var<'g, T> {
        match self {
            Activation::Linear => u,
            Activation::Tanh => u.tanh(),
            Activation::Relu => u.relu(),
            Activation::Sigmoid => u.sigmoid(),
            Activation::LeakyRelu(alpha) => leaky_relu(u, alpha),
        }
    }

    /// A short name: `linear`, `tanh`, `relu`, `sigmoid`, `leaky_relu(0.01)`.
    pub fn name(self) -> String {
        match self {
            Activation::Linear => "linear".into(),
            Activation::Tanh => "tanh".into(),
            Activation::Relu => "relu".into(),
            Activation::Sigmoid => "sigmoid".into(),
            Activation::LeakyRelu(a) => format!("leaky_relu({a})"),
        }
    }

    /// The activation on a plain number (the same formula, without a graph).
    pub fn eval(self, u: f64) -> f64 {
        match self {
            Activation::Linear => u,
            Activation::Tanh => u.tanh(),
            Activation::Relu => {
                if u > 0.0 {
                    u
                } else {
                    0.0
                }
            }
            Activation::Sigmoid => crate::real::Real::sigmoid(u),
            Activation::LeakyRelu(alpha) => {
                if u > 0.0 {
                    u
                } else {
                    alpha * u
                }
            }
        }
    }
}

/// Leaky ReLU, written as α·u + (1 − α)·relu(u).
///
/// Value: u for u > 0, α·u otherwise. Derivative: α + (1 − α)·relu'(u), i.e. 1 for u > 0 and α
/// for u ≤ 0, which is PyTorch's convention at 0 (`max(u, α·u)` would give (1 + α)/2 there,
/// because `max` splits a tie).
///
/// ```
/// use tapegrad::Graph;
/// use tapegrad::nn::scalar::leaky_relu;
/// let g = Graph::new();
/// let u = g.var(-2.0);
/// let y = leaky_relu(u, 0.1);
/// assert_eq!((y.value(), g.backward(y)[u]), (-0.2, 0.1));
/// ```
pub fn leaky_relu<'g, T: Float>(u: Var<'g, T>, alpha: f64) -> Var<'g, T> {
    let a = T::from_f64(alpha);
    let b = T::from_f64(1.0 - alpha);
    u * a + u.relu() * b
}

/// Softmax of a vector: sᵢ = e^(zᵢ − m) / Σⱼ e^(zⱼ − m), where m = max z is subtracted as a
/// constant so no exponential overflows (softmax is unchanged by a shift).
///
/// Derivative: ∂sᵢ/∂zⱼ = sᵢ(δᵢⱼ − sⱼ). Panics on an empty slice; see [`try_softmax`].
///
/// ```
/// use tapegrad::Graph;
/// use tapegrad::nn::scalar::softmax;
/// let g = Graph::new();
/// let z = [g.var(1000.0), g.var(1000.0)];
/// let s = softmax(&z);
/// assert_eq!((s[0].value(), s[1].value()), (0.5, 0.5));
/// ```
#[track_caller]
pub fn softmax<'g, T: Float>(z: &[Var<'g, T>]) -> Vec<Var<'g, T>> {
    or_panic(try_softmax(z))
}

/// [`softmax`] returning an error for an empty slice or a stale handle.
pub fn try_softmax<'g, T: Float>(z: &[Var<'g, T>]) -> Result<Vec<Var<'g, T>>> {
    let (e, total, _) = shifted_exps(z, "softmax")?;
    e.into_iter().map(|ei| ei.try_div(total)).collect()
}

/// Log-sum-exp ln Σ e^(zᵢ), stabilised: m + ln Σ e^(zᵢ − m) with m = max z as a constant.
///
/// Derivative: ∂/∂zᵢ = softmax(z)ᵢ. Panics on an empty slice; see [`try_logsumexp`].
///
/// ```
/// use tapegrad::Graph;
/// use tapegrad::nn::scalar::logsumexp;
/// let g = Graph::new();
/// let z = [g.var(800.0), g.var(800.0)];
/// let y = logsumexp(&z);
/// assert_eq!(y.value(), 800.0 + 2.0_f64.ln());
/// assert_eq!(g.backward(y)[z[0]], 0.5);
/// ```
#[track_caller]
pub fn logsumexp<'g, T: Float>(z: &[Var<'g, T>]) -> Var<'g, T> {
    or_panic(try_logsumexp(z))
}

/// [`logsumexp`] returning an error for an empty slice or a stale handle.
pub fn try_logsumexp<'g, T: Float>(z: &[Var<'g, T>]) -> Result<Var<'g, T>> {
    let (_, total, m) = shifted_exps(z, "logsumexp")?;
    Ok(total.try_ln()? + m)
}

/// The largest value of a non-empty slice, as a plain number (a constant shift: no gradient).
/// e^(zᵢ − m) for every i and their sum, with m = max z as a constant (so nothing overflows);
/// what softmax and log-sum-exp share. `what` names the caller in the empty-slice error.
fn shifted_exps<'g, T: Float>(
    z: &[Var<'g, T>],
    what: &str,
) -> Result<(Vec<Var<'g, T>>, Var<'g, T>, T)> {
    let Some(first) = z.first() else {
        return Err(Error::Invalid(format!("{what} of an empty vector")));
    };
    let m = max_value(z)?;
    let e = z
        .iter()
        .map(|&zi| (zi - m).try_exp())
        .collect::<Result<Vec<_>>>()?;
    let total = first.graph().try_sum(&e)?;
    Ok((e, total, m))
}

fn max_value<T: Float>(z: &[Var<'_, T>]) -> Result<T> {
    let mut m = z[0].try_value()?;
    for &zi in &z[1..] {
        let v = zi.try_value()?;
        if v > m {
            m = v;
        }
    }
    // An infinite maximum would make z − m NaN; no shift is the better answer then.
    Ok(if m.is_finite() { m } else { T::ZERO })
}
