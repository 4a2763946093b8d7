//! Optimizers: SGD (momentum, dampening, Nesterov, weight decay), AdaGrad, RMSprop, Adam and
//! AdamW, with the formulas and defaults PyTorch documents.
//!
//! They run outside the tape, on flat numbers: a model's parameters are one flat vector of
//! values θ with a flat vector of gradients g = ∂L/∂θ of the same length. State (momentum
//! buffers, running averages) is allocated once, on the first step, at that length; later steps
//! do not allocate.
//!
//! A model whose parameters are not one contiguous vector (tensor parameters, each its own
//! buffer) is updated slice by slice: [`Optimizer::try_begin_step`] with the total length, then
//! [`Optimizer::try_update`] once per parameter with its offset in the flat vector, so each
//! slice finds its own state. [`Optimizer::step`] is both at once for a single flat vector.
//! [`TensorOptimizer`] does this for a tensor model's leaves in one call, with clipping of the
//! global gradient norm: a custom loop is forward, backward, `step(&grads)`.
//!
//! ```
//! use tapegrad::nn::optim::{Adam, Optimizer};
//! let mut theta = [1.0, -2.0];
//! let mut opt = Adam::new(0.1);
//! for _ in 0..3 {
//!     let grad = [2.0 * theta[0], 2.0 * theta[1]]; // ∇(θ₀² + θ₁²)
//!     opt.step(&mut theta, &grad);
//! }
//! assert!(theta[0] < 1.0 && theta[1] > -2.0);
//! ```
//!
//! Every optimizer updates every parameter at every step (there is no "parameter without a
//! gradient" as in PyTorch: a parameter the loss does not reach has gradient 0). `maximize` and
//! the fused/foreach variants of PyTorch are not provided.

mod adagrad;
mod adam;
mod rmsprop;
mod sgd;
mod tensors;

pub use adagrad::Adagrad;
pub use adam::{Adam, AdamW};
pub use rmsprop::RmsProp;
pub use sgd::Sgd;
pub use tensors::TensorOptimizer;

use crate::error::{Error, Result, or_panic, same_len};
use crate::real::Float;

/// An update rule θ ← θ − (something of g and the state), applied to a flat parameter vector.
pub trait Optimizer<T: Float> {
    /// Starts one step over a flat parameter vector of `len` values: allocates the state on the
    /// first step, advances the step count. Errors if `len` differs from the first step's or a
    /// hyperparameter is out of range.
    fn try_begin_step(&mut self, len: usize) -> Result<()>;

    /// Updates `params`, the values at `offset .. offset + params.len()` of the flat vector, with
    /// their gradients `grads`. Call it once per slice after [`try_begin_step`](Optimizer::try_begin_step).
    fn try_update(&mut self, offset: usize, params: &mut [T], grads: &[T]) -> Result<()>;

    /// The current learning rate.
    fn learning_rate(&self) -> f64;

    /// Sets the learning rate (what a schedule does between steps).
    fn set_learning_rate(&mut self, lr: f64);

    /// Steps taken so far (PyTorch's `step` state: 1 during the first update).
    fn steps(&self) -> u64;

    /// Forgets all state (buffers are zeroed at the next step; their memory is kept).
    fn reset(&mut self);

    /// One step over the whole flat vector: θ ← update(θ, g).
    fn try_step(&mut self, params: &mut [T], grads: &[T]) -> Result<()> {
        self.try_begin_step(params.len())?;
        self.try_update(0, params, grads)
    }

    /// [`try_step`](Optimizer::try_step), panicking on mismatched lengths or bad
    /// hyperparameters.
    #[track_caller]
    fn step(&mut self, params: &mut [T], grads: &[T]) {
        or_panic(self.try_step(params, grads))
    }
}

/// The trait methods every optimizer shares, over its `lr` field and its step `counter`.
macro_rules! lr_and_steps {
    () => {
        fn learning_rate(&self) -> f64 {
            self.lr
        }

        fn set_learning_rate(&mut self, lr: f64) {
            self.lr = lr;
        }

        fn steps(&self) -> u64 {
            self.counter.t
        }

        fn reset(&mut self) {
            self.counter.t = 0;
        }
    };
}
pub(crate) use lr_and_steps;

/// `Default` for an optimizer: [`new`](Sgd::new) with PyTorch's default learning rate, which
/// with `new`'s other values gives all of PyTorch's defaults.
macro_rules! pytorch_default {
    ($ty:ident, $lr:literal) => {
        impl<T: Float> Default for $ty<T> {
            #[doc = concat!("PyTorch's defaults (`", stringify!($ty), "::new(", stringify!($lr), ")`).")]
            fn default() -> Self {
                Self::new($lr)
            }
        }
    };
}
pub(crate) use pytorch_default;

/// Step count and flat length shared by every optimizer.
#[derive(Clone, Debug, Default)]
pub(crate) struct Counter {
    pub(crate) t: u64,
    pub(crate) len: usize,
}

impl Counter {
    /// Advances to the next step; true on the first one (state must be (re)initialised).
    pub(crate) fn begin(&mut self, len: usize, name: &'static str) -> Result<bool> {
        if self.t > 0 && len != self.len {
            return Err(Error::Shape {
                op: name,
                lhs: vec![self.len],
                rhs: vec![len],
            });
        }
        self.len = len;
        self.t += 1;
        Ok(self.t == 1)
    }

    /// Checks a slice against the flat vector of the current step.
    pub(crate) fn check<T>(
        &self,
        offset: usize,
        params: &[T],
        grads: &[T],
        name: &'static str,
    ) -> Result<()> {
        if self.t == 0 {
            return Err(Error::Invalid(format!(
                "{name}: call try_begin_step before try_update"
            )));
        }
        same_len(name, params.len(), grads.len())?;
        if offset + params.len() > self.len {
            return Err(Error::Invalid(format!(
                "{name}: slice {offset}..{} lies outside the flat parameter vector of length {}",
                offset + params.len(),
                self.len
            )));
        }
        Ok(())
    }
}

/// Sizes a state buffer to `len` values of `init` (allocates only when the length changes).
pub(crate) fn fill<T: Float>(buf: &mut Vec<T>, len: usize, init: T) {
    buf.clear();
    buf.resize(len, init);
}

/// An error unless `v` is finite and at least `lo`.
pub(crate) fn at_least(name: &'static str, what: &str, v: f64, lo: f64) -> Result<()> {
    if v.is_finite() && v >= lo {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "{name}: {what} = {v} must be ≥ {lo}"
        )))
    }
}

/// The part of an optional state buffer that the slice at `offset .. offset + n` updates: empty
/// while the option is off (the buffer is then not allocated).
pub(crate) fn window<T>(buf: &mut [T], on: bool, offset: usize, n: usize) -> &mut [T] {
    if on {
        &mut buf[offset..offset + n]
    } else {
        &mut []
    }
}

/// An error unless 0 ≤ v < 1.
pub(crate) fn unit(name: &'static str, what: &str, v: f64) -> Result<()> {
    if (0.0..1.0).contains(&v) {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "{name}: {what} = {v} must be in [0, 1)"
        )))
    }
}
