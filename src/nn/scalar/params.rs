//! [`Params`]: a model's scalar parameters gathered into flat buffers for an optimizer.

use super::Module;
use crate::error::{Result, or_panic};
use crate::nn::optim::Optimizer;
use crate::real::Float;
use crate::scalar::Var;
use crate::tape::Grads;

/// A model's parameter leaves with two flat buffers of the same length, their values and their
/// gradients, reused at every step (no allocation after [`new`](Params::new)).
///
/// A step: [`load_grads`](Params::load_grads) copies the current values and ∂L/∂θ out of a
/// [`Grads`]; the gradients may then be clipped in place ([`grads_mut`](Params::grads_mut));
/// [`step`](Params::step) runs the optimizer on the flat buffers and writes the new values back
/// into the leaves with [`Graph::set_value`](crate::Graph::set_value).
///
/// ```
/// use tapegrad::{Grads, Graph};
/// use tapegrad::nn::{optim::Sgd, scalar::Params};
/// let g = Graph::new();
/// let w = g.var(1.0);
/// let mut params = Params::new(vec![w]);
/// let mut grads = Grads::new();
/// g.backward_into(w * w, &mut grads).unwrap(); // ∂(w²)/∂w = 2
/// params.load_grads(&grads);
/// params.step(&mut Sgd::new(0.25));            // w = 1 − 0.25·2
/// assert_eq!(w.value(), 0.5);
/// ```
#[derive(Clone, Debug)]
pub struct Params<'g, T: Float = f64> {
    vars: Vec<Var<'g, T>>,
    values: Vec<T>,
    grads: Vec<T>,
}

impl<'g, T: Float> Params<'g, T> {
    /// Gathers the given leaves. Panics on a stale handle; see [`try_new`](Params::try_new).
    #[track_caller]
    pub fn new(vars: Vec<Var<'g, T>>) -> Self {
        or_panic(Self::try_new(vars))
    }

    /// [`new`](Params::new) returning an error for a stale handle.
    pub fn try_new(vars: Vec<Var<'g, T>>) -> Result<Self> {
        let values = vars
            .iter()
            .map(|v| v.try_value())
            .collect::<Result<Vec<_>>>()?;
        let grads = vec![T::ZERO; vars.len()];
        Ok(Params {
            vars,
            values,
            grads,
        })
    }

    /// Gathers every parameter of `module`, in [`Module::parameters`] order.
    #[track_caller]
    pub fn of(module: &impl Module<'g, T>) -> Self {
        Self::new(module.parameters())
    }

    /// The parameter leaves.
    pub fn vars(&self) -> &[Var<'g, T>] {
        &self.vars
    }

    /// The number of scalar parameters.
    pub fn len(&self) -> usize {
        self.vars.len()
    }

    /// True when there are no parameters.
    pub fn is_empty(&self) -> bool {
        self.vars.is_empty()
    }

    /// The flat values as last loaded or stepped.
    pub fn values(&self) -> &[T] {
        &self.values
    }

    /// The flat values, to edit before [`store`](Params::store).
    pub fn values_mut(&mut self) -> &mut [T] {
        &mut self.values
    }

    /// The flat gradients as last loaded.
    pub fn grads(&self) -> &[T] {
        &self.grads
    }

    /// The flat gradients, e.g. for [`clip_grad_norm`](crate::nn::clip::clip_grad_norm).
    pub fn grads_mut(&mut self) -> &mut [T] {
        &mut self.grads
    }

    /// Copies the leaves' current values and their gradients from `grads` into the flat buffers.
    /// Panics on a stale or foreign handle; see [`try_load_grads`](Params::try_load_grads).
    #[track_caller]
    pub fn load_grads(&mut self, grads: &Grads<T>) {
        or_panic(self.try_load_grads(grads))
    }

    /// [`load_grads`](Params::load_grads) returning an error for a stale or foreign handle.
    pub fn try_load_grads(&mut self, grads: &Grads<T>) -> Result<()> {
        for ((v, val), g) in self.vars.iter().zip(&mut self.values).zip(&mut self.grads) {
            *val = v.try_value()?;
            *g = grads.try_get(*v)?;
        }
        Ok(())
    }

    /// Writes the flat values back into the leaves. Panics on a stale handle; see
    /// [`try_store`](Params::try_store).
    #[track_caller]
    pub fn store(&self) {
        or_panic(self.try_store())
    }

    /// [`store`](Params::store) returning an error for a stale handle.
    pub fn try_store(&self) -> Result<()> {
        for (v, &val) in self.vars.iter().zip(&self.values) {
            v.graph().set_value(*v, val)?;
        }
        Ok(())
    }

    /// One optimizer step on the flat buffers, then [`store`](Params::store). Panics on bad
    /// hyperparameters; see [`try_step`](Params::try_step).
    #[track_caller]
    pub fn step(&mut self, opt: &mut (impl Optimizer<T> + ?Sized)) {
        or_panic(self.try_step(opt))
    }

    /// [`step`](Params::step) returning the optimizer's or the store's error.
    pub fn try_step(&mut self, opt: &mut (impl Optimizer<T> + ?Sized)) -> Result<()> {
        opt.try_step(&mut self.values, &self.grads)?;
        self.try_store()
    }
}
