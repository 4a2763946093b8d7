//! RMSprop: divide the gradient by a running root mean square of recent gradients.

use super::{Counter, Optimizer, at_least, fill, lr_and_steps, pytorch_default, unit, window};
use crate::builder::setters;
use crate::error::Result;
use crate::real::Float;

/// RMSprop as PyTorch's `torch.optim.RMSprop` documents it. At each step (γ = learning rate,
/// α = smoothing constant, ε = eps, λ = weight decay, μ = momentum; v, ḡ, b start at 0):
///
/// ```text
/// g ← g + λθ
/// v ← α·v + (1 − α)·g²
/// centered:  ḡ ← α·ḡ + (1 − α)·g,   ṽ = v − ḡ²       otherwise ṽ = v
/// μ > 0:     b ← μ·b + g / (√ṽ + ε),   θ ← θ − γ·b
/// μ = 0:     θ ← θ − γ·g / (√ṽ + ε)
/// ```
///
/// Defaults as PyTorch's: γ = 1e-2, α = 0.99, ε = 1e-8, λ = 0, μ = 0, not centered.
///
/// ```
/// use tapegrad::nn::optim::{Optimizer, RmsProp};
/// let mut opt = RmsProp::new(0.01);
/// let mut theta = [1.0_f64];
/// opt.step(&mut theta, &[2.0]); // v = 0.01·4 = 0.04, θ = 1 − 0.01·2/(0.2 + 1e-8)
/// assert!((theta[0] - 0.9).abs() < 1e-8);
/// ```
#[derive(Clone, Debug)]
pub struct RmsProp<T = f64> {
    /// Learning rate γ.
    pub lr: f64,
    /// Smoothing constant α of the running average of g².
    pub alpha: f64,
    /// ε, added to the root mean square.
    pub eps: f64,
    /// L2 weight decay λ, added to the gradient.
    pub weight_decay: f64,
    /// Momentum factor μ.
    pub momentum: f64,
    /// Centered RMSprop: normalise by an estimate of the variance of g instead of its second
    /// moment.
    pub centered: bool,
    counter: Counter,
    square_avg: Vec<T>,
    grad_avg: Vec<T>,
    buf: Vec<T>,
}

pytorch_default!(RmsProp, 1e-2);

impl<T: Float> RmsProp<T> {
    /// RMSprop with learning rate `lr` and PyTorch's other defaults.
    pub fn new(lr: f64) -> Self {
        RmsProp {
            lr,
            alpha: 0.99,
            eps: 1e-8,
            weight_decay: 0.0,
            momentum: 0.0,
            centered: false,
            counter: Counter::default(),
            square_avg: Vec::new(),
            grad_avg: Vec::new(),
            buf: Vec::new(),
        }
    }

    setters!(f64: alpha, eps, weight_decay, momentum; bool: centered);
}

impl<T: Float> Optimizer<T> for RmsProp<T> {
    fn try_begin_step(&mut self, len: usize) -> Result<()> {
        at_least("RMSprop", "lr", self.lr, 0.0)?;
        at_least("RMSprop", "eps", self.eps, 0.0)?;
        at_least("RMSprop", "weight_decay", self.weight_decay, 0.0)?;
        at_least("RMSprop", "momentum", self.momentum, 0.0)?;
        unit("RMSprop", "alpha", self.alpha)?;
        if self.counter.begin(len, "RMSprop step")? {
            fill(&mut self.square_avg, len, T::ZERO);
            self.grad_avg.clear();
            self.buf.clear();
        }
        // Optional buffers start at zero the first step they are needed.
        if self.centered && self.grad_avg.len() != len {
            fill(&mut self.grad_avg, len, T::ZERO);
        }
        if self.momentum > 0.0 && self.buf.len() != len {
            fill(&mut self.buf, len, T::ZERO);
        }
        Ok(())
    }

    fn try_update(&mut self, offset: usize, params: &mut [T], grads: &[T]) -> Result<()> {
        self.counter.check(offset, params, grads, "RMSprop step")?;
        let n = params.len();
        let lr = T::from_f64(self.lr);
        let a = T::from_f64(self.alpha);
        let one_a = T::from_f64(1.0 - self.alpha);
        let eps = T::from_f64(self.eps);
        let wd = T::from_f64(self.weight_decay);
        let mu = T::from_f64(self.momentum);
        let (decay, centered, momentum) =
            (self.weight_decay != 0.0, self.centered, self.momentum > 0.0);
        let sq = &mut self.square_avg[offset..offset + n];
        let ga = window(&mut self.grad_avg, centered, offset, n);
        let buf = window(&mut self.buf, momentum, offset, n);
        for i in 0..n {
            let p = &mut params[i];
            let g = if decay { grads[i] + wd * *p } else { grads[i] };
            sq[i] = a * sq[i] + one_a * g * g;
            let v = if centered {
                ga[i] = a * ga[i] + one_a * g;
                sq[i] - ga[i] * ga[i]
            } else {
                sq[i]
            };
            let denom = v.sqrt() + eps;
            if momentum {
                buf[i] = mu * buf[i] + g / denom;
                *p = *p - lr * buf[i];
            } else {
                *p = *p - lr * g / denom;
            }
        }
        Ok(())
    }

    lr_and_steps!();
}
