//! Stochastic gradient descent with momentum, dampening, Nesterov momentum and weight decay.

use super::{Counter, Optimizer, at_least, fill, lr_and_steps, pytorch_default, window};
use crate::builder::setters;
use crate::error::{Error, Result};
use crate::real::Float;

/// SGD as PyTorch's `torch.optim.SGD` documents it. At step t, for each parameter θ with
/// gradient g (λ = weight decay, μ = momentum, τ = dampening, γ = learning rate):
///
/// ```text
/// g ← g + λθ
/// if μ ≠ 0:   b ← g                      at t = 1
///             b ← μ·b + (1 − τ)·g        at t > 1
///             g ← g + μ·b   (Nesterov)   or   g ← b
/// θ ← θ − γ·g
/// ```
///
/// Defaults as PyTorch's: γ = 1e-3, μ = 0, τ = 0, λ = 0, no Nesterov. Nesterov needs μ > 0 and
/// τ = 0.
///
/// ```
/// use tapegrad::nn::optim::{Optimizer, Sgd};
/// let mut opt = Sgd::new(0.1).momentum(0.9);
/// let mut theta = [1.0_f64];
/// opt.step(&mut theta, &[2.0]);  // b = 2,           θ = 1 − 0.1·2    = 0.8
/// opt.step(&mut theta, &[2.0]);  // b = 0.9·2 + 2,   θ = 0.8 − 0.1·3.8 = 0.42
/// assert!((theta[0] - 0.42).abs() < 1e-15);
/// ```
#[derive(Clone, Debug)]
pub struct Sgd<T = f64> {
    /// Learning rate γ.
    pub lr: f64,
    /// Momentum factor μ.
    pub momentum: f64,
    /// Dampening τ of the momentum.
    pub dampening: f64,
    /// L2 weight decay λ, added to the gradient.
    pub weight_decay: f64,
    /// Nesterov momentum.
    pub nesterov: bool,
    counter: Counter,
    buf: Vec<T>,
    buf_start: u64,
}

pytorch_default!(Sgd, 1e-3);

impl<T: Float> Sgd<T> {
    /// Plain SGD with learning rate `lr`: θ ← θ − lr·g.
    pub fn new(lr: f64) -> Self {
        Sgd {
            lr,
            momentum: 0.0,
            dampening: 0.0,
            weight_decay: 0.0,
            nesterov: false,
            counter: Counter::default(),
            buf: Vec::new(),
            buf_start: 0,
        }
    }

    setters!(f64: momentum, dampening, weight_decay; bool: nesterov);
}

impl<T: Float> Optimizer<T> for Sgd<T> {
    fn try_begin_step(&mut self, len: usize) -> Result<()> {
        at_least("SGD", "lr", self.lr, 0.0)?;
        at_least("SGD", "momentum", self.momentum, 0.0)?;
        at_least("SGD", "weight_decay", self.weight_decay, 0.0)?;
        if !self.dampening.is_finite() {
            return Err(Error::Invalid("SGD: dampening must be finite".into()));
        }
        if self.nesterov && (self.momentum <= 0.0 || self.dampening != 0.0) {
            return Err(Error::Invalid(
                "SGD: Nesterov momentum requires a momentum and zero dampening".into(),
            ));
        }
        let first = self.counter.begin(len, "SGD step")?;
        // The buffer starts at the first step with momentum (also if momentum is switched on
        // later), where PyTorch's buffer is still `None`.
        if self.momentum != 0.0 && (first || self.buf.len() != len) {
            fill(&mut self.buf, len, T::ZERO);
            self.buf_start = self.counter.t;
        }
        Ok(())
    }

    fn try_update(&mut self, offset: usize, params: &mut [T], grads: &[T]) -> Result<()> {
        self.counter.check(offset, params, grads, "SGD step")?;
        let lr = T::from_f64(self.lr);
        let wd = T::from_f64(self.weight_decay);
        let mu = T::from_f64(self.momentum);
        let keep = T::from_f64(1.0 - self.dampening);
        let first = self.counter.t == self.buf_start;
        let (decay, momentum, nesterov) = (
            self.weight_decay != 0.0,
            self.momentum != 0.0,
            self.nesterov,
        );
        let buf = window(&mut self.buf, momentum, offset, params.len());
        for (i, (p, &g)) in params.iter_mut().zip(grads).enumerate() {
            let mut d = if decay { g + wd * *p } else { g };
            if momentum {
                let b = &mut buf[i];
                *b = if first { d } else { mu * *b + keep * d };
                d = if nesterov { d + mu * *b } else { *b };
            }
            *p = *p - lr * d;
        }
        Ok(())
    }

    lr_and_steps!();
}
