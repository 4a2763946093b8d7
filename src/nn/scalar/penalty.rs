//! L1 and L2 penalties on parameters, to add to a loss (regularization).

use crate::error::{Error, Result, or_panic};
use crate::real::Float;
use crate::scalar::Var;

/// The L2 penalty Σ pᵢ² (no ½). Derivative: ∂/∂pᵢ = 2pᵢ. Add λ·l2 to a loss; SGD on it is the
/// same as PyTorch's `weight_decay = 2λ`. Panics on an empty slice; see [`try_l2_penalty`].
///
/// ```
/// use tapegrad::Graph;
/// use tapegrad::nn::scalar::l2_penalty;
/// let g = Graph::new();
/// let p = [g.var(1.0), g.var(-2.0)];
/// let r = l2_penalty(&p);
/// assert_eq!(r.value(), 5.0);
/// assert_eq!(g.backward(r)[p[1]], -4.0);
/// ```
#[track_caller]
pub fn l2_penalty<'g, T: Float>(params: &[Var<'g, T>]) -> Var<'g, T> {
    or_panic(try_l2_penalty(params))
}

/// [`l2_penalty`] returning an error for an empty slice or a stale handle.
pub fn try_l2_penalty<'g, T: Float>(params: &[Var<'g, T>]) -> Result<Var<'g, T>> {
    penalty(params, "l2_penalty", |p| p.try_powi(2))
}

/// The L1 penalty Σ |pᵢ|. Derivative: ∂/∂pᵢ = sign(pᵢ), 0 at pᵢ = 0 (abs'(0) = 0).
/// Panics on an empty slice; see [`try_l1_penalty`].
///
/// ```
/// use tapegrad::Graph;
/// use tapegrad::nn::scalar::l1_penalty;
/// let g = Graph::new();
/// let p = [g.var(1.0), g.var(-2.0), g.var(0.0)];
/// let r = l1_penalty(&p);
/// let grads = g.backward(r);
/// assert_eq!((r.value(), grads[p[1]], grads[p[2]]), (3.0, -1.0, 0.0));
/// ```
#[track_caller]
pub fn l1_penalty<'g, T: Float>(params: &[Var<'g, T>]) -> Var<'g, T> {
    or_panic(try_l1_penalty(params))
}

/// [`l1_penalty`] returning an error for an empty slice or a stale handle.
pub fn try_l1_penalty<'g, T: Float>(params: &[Var<'g, T>]) -> Result<Var<'g, T>> {
    penalty(params, "l1_penalty", |p| p.try_abs())
}

fn penalty<'g, T: Float>(
    params: &[Var<'g, T>],
    op: &str,
    f: impl Fn(Var<'g, T>) -> Result<Var<'g, T>>,
) -> Result<Var<'g, T>> {
    let Some(first) = params.first() else {
        return Err(Error::Invalid(format!("{op} of no parameters")));
    };
    let terms = params.iter().map(|&p| f(p)).collect::<Result<Vec<_>>>()?;
    first.graph().try_sum(&terms)
}
