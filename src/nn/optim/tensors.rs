//! [`TensorOptimizer`]: an optimizer over a tensor model's parameter leaves, so a custom
//! training loop is forward, backward, step (PyTorch's `optimizer.step()`), with optional
//! clipping of the global gradient norm.

use super::Optimizer;
use crate::error::{Error, Result, or_panic};
use crate::nn::clip::clip_grad_norm;
use crate::real::Float;
use crate::tape::Grads;
use crate::tensor::Tensor;

/// An [`Optimizer`] bound to a list of tensor leaves: [`step`](TensorOptimizer::step) reads
/// their gradients from a [`Grads`], clips the global norm if asked
/// ([`clip_grad_norm`](TensorOptimizer::clip_grad_norm), as PyTorch's `clip_grad_norm_` before
/// `optimizer.step()`), and updates each leaf in place. The flat gradient buffer is allocated
/// once; later steps allocate nothing.
///
/// The gradients are copied out of the `Grads`, so the graph may be rewound to its mark
/// between the backward pass and the step (the parameters, made before the mark, survive).
///
/// ```
/// use tapegrad::{Grads, Graph};
/// use tapegrad::nn::optim::{Sgd, TensorOptimizer};
/// let g = Graph::new();
/// let w = g.tensor(&[1.0, -2.0], &[2]);
/// let mut opt = TensorOptimizer::new(&[w], Sgd::new(0.25)).clip_grad_norm(1.0);
/// let mut grads = Grads::new();
/// let mark = g.mark();
/// let loss = (w * w).sum();                // ∇ = 2w = [2, −4], norm √20
/// g.backward_into(loss, &mut grads).unwrap();
/// g.rewind(mark);
/// let norm = opt.step(&grads);              // clipped to norm 1, then w −= 0.25·∇
/// assert!((norm - 20f64.sqrt()).abs() < 1e-12);
/// let s = 0.25 / (20f64.sqrt() + 1e-6);
/// let want = [1.0 - 2.0 * s, -2.0 + 4.0 * s];
/// assert!(w.to_vec().iter().zip(want).all(|(a, b)| (a - b).abs() < 1e-12));
/// ```
#[derive(Debug)]
pub struct TensorOptimizer<'g, T: Float, O> {
    params: Vec<Tensor<'g, T>>,
    opt: O,
    max_norm: Option<f64>,
    flat: Vec<T>,
}

impl<'g, T: Float, O: Optimizer<T>> TensorOptimizer<'g, T, O> {
    /// `opt` over the leaves `params` (in a fixed order: the optimizer's state is laid out by
    /// it).
    pub fn new(params: &[Tensor<'g, T>], opt: O) -> Self {
        TensorOptimizer {
            params: params.to_vec(),
            opt,
            max_norm: None,
            flat: Vec::new(),
        }
    }

    /// Clips the global gradient norm to `max_norm` before each step (PyTorch's
    /// `clip_grad_norm_`: every gradient times min(1, max_norm / (‖g‖₂ + 10⁻⁶))).
    pub fn clip_grad_norm(mut self, max_norm: f64) -> Self {
        self.max_norm = Some(max_norm);
        self
    }

    /// The parameter leaves.
    pub fn params(&self) -> &[Tensor<'g, T>] {
        &self.params
    }

    /// The optimizer (its learning rate, step count).
    pub fn optimizer(&self) -> &O {
        &self.opt
    }

    /// The optimizer, to change its learning rate (a schedule) or reset it.
    pub fn optimizer_mut(&mut self) -> &mut O {
        &mut self.opt
    }

    /// One step: the parameters' gradients from `grads`, clipped if set, then the update.
    /// Returns the global gradient norm before clipping. Panics on a stale parameter handle or
    /// a bad hyperparameter; see [`try_step`](TensorOptimizer::try_step).
    #[track_caller]
    pub fn step(&mut self, grads: &Grads<T>) -> f64 {
        or_panic(self.try_step(grads))
    }

    /// [`step`](TensorOptimizer::step) returning an error for a parameter that is stale or not
    /// a leaf, a bad hyperparameter, or a non-finite `max_norm`.
    pub fn try_step(&mut self, grads: &Grads<T>) -> Result<f64> {
        if let Some(m) = self.max_norm.filter(|m| !(m.is_finite() && *m >= 0.0)) {
            return Err(Error::Invalid(format!(
                "clip_grad_norm: max_norm must be a finite number ≥ 0, got {m}"
            )));
        }
        self.flat.clear();
        for &p in &self.params {
            self.flat.extend_from_slice(grads.try_tensor(p)?);
        }
        let norm = match self.max_norm {
            Some(m) => clip_grad_norm(&mut self.flat, m),
            None => crate::nn::clip::grad_norm(&self.flat),
        };
        self.opt.try_begin_step(self.flat.len())?;
        let mut at = 0;
        for &p in &self.params {
            let g = p.graph();
            let (opt, flat) = (&mut self.opt, &self.flat);
            at = g.update_tensor(p, |v| {
                opt.try_update(at, v, &flat[at..at + v.len()])
                    .map(|()| at + v.len())
            })??;
        }
        Ok(norm)
    }
}
