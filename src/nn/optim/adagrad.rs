//! AdaGrad: per-parameter learning rates from the running sum of squared gradients.

use super::{Counter, Optimizer, at_least, fill, lr_and_steps, pytorch_default};
use crate::builder::setters;
use crate::error::Result;
use crate::real::Float;

/// AdaGrad as PyTorch's `torch.optim.Adagrad` documents it. At step t (γ = learning rate,
/// η = lr decay, λ = weight decay, ε = eps, s starts at the initial accumulator value):
///
/// ```text
/// g  ← g + λθ
/// γ̃  = γ / (1 + (t − 1)·η)
/// s  ← s + g²
/// θ  ← θ − γ̃ · g / (√s + ε)
/// ```
///
/// Defaults as PyTorch's: γ = 1e-2, η = 0, λ = 0, initial accumulator 0, ε = 1e-10.
///
/// ```
/// use tapegrad::nn::optim::{Adagrad, Optimizer};
/// let mut opt = Adagrad::new(0.1);
/// let mut theta = [1.0_f64];
/// opt.step(&mut theta, &[2.0]); // s = 4, θ = 1 − 0.1·2/(2 + 1e-10)
/// assert!((theta[0] - 0.9).abs() < 1e-10);
/// ```
#[derive(Clone, Debug)]
pub struct Adagrad<T = f64> {
    /// Learning rate γ.
    pub lr: f64,
    /// Learning-rate decay η.
    pub lr_decay: f64,
    /// L2 weight decay λ, added to the gradient.
    pub weight_decay: f64,
    /// Initial value of the sum of squares s.
    pub initial_accumulator_value: f64,
    /// ε, added to √s.
    pub eps: f64,
    counter: Counter,
    sum: Vec<T>,
}

pytorch_default!(Adagrad, 1e-2);

impl<T: Float> Adagrad<T> {
    /// AdaGrad with learning rate `lr` and PyTorch's other defaults.
    pub fn new(lr: f64) -> Self {
        Adagrad {
            lr,
            lr_decay: 0.0,
            weight_decay: 0.0,
            initial_accumulator_value: 0.0,
            eps: 1e-10,
            counter: Counter::default(),
            sum: Vec::new(),
        }
    }

    setters!(f64: lr_decay, weight_decay, initial_accumulator_value, eps);
}

impl<T: Float> Optimizer<T> for Adagrad<T> {
    fn try_begin_step(&mut self, len: usize) -> Result<()> {
        at_least("Adagrad", "lr", self.lr, 0.0)?;
        at_least("Adagrad", "lr_decay", self.lr_decay, 0.0)?;
        at_least("Adagrad", "weight_decay", self.weight_decay, 0.0)?;
        at_least(
            "Adagrad",
            "initial_accumulator_value",
            self.initial_accumulator_value,
            0.0,
        )?;
        at_least("Adagrad", "eps", self.eps, 0.0)?;
        if self.counter.begin(len, "Adagrad step")? {
            fill(
                &mut self.sum,
                len,
                T::from_f64(self.initial_accumulator_value),
            );
        }
        Ok(())
    }

    fn try_update(&mut self, offset: usize, params: &mut [T], grads: &[T]) -> Result<()> {
        self.counter.check(offset, params, grads, "Adagrad step")?;
        let t = self.counter.t as f64;
        let clr = T::from_f64(self.lr / (1.0 + (t - 1.0) * self.lr_decay));
        let wd = T::from_f64(self.weight_decay);
        let eps = T::from_f64(self.eps);
        let decay = self.weight_decay != 0.0;
        let sum = &mut self.sum[offset..offset + params.len()];
        for ((p, &g), s) in params.iter_mut().zip(grads).zip(sum) {
            let g = if decay { g + wd * *p } else { g };
            *s += g * g;
            *p = *p - clr * g / (s.sqrt() + eps);
        }
        Ok(())
    }

    lr_and_steps!();
}
