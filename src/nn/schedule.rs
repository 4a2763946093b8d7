//! Learning-rate schedules, as PyTorch's `torch.optim.lr_scheduler` documents them.
//!
//! The closed-form schedules implement [`Schedule`]: the learning rate at epoch (or step) `t`,
//! counted from 0. Set it on an optimizer before each epoch with [`Schedule::apply`].
//! [`ReduceLrOnPlateau`] depends on the metrics seen, so it is fed one value per epoch instead.
//!
//! ```
//! use tapegrad::nn::optim::{Optimizer, Sgd};
//! use tapegrad::nn::schedule::{Schedule, StepLr};
//! let sched = StepLr::new(0.1, 30, 0.1);
//! let mut opt = Sgd::<f64>::new(0.1);
//! sched.apply(&mut opt, 65);
//! assert!((opt.learning_rate() - 0.001).abs() < 1e-15);
//! ```

use crate::builder::setters;
use crate::real::Float;

use super::optim::Optimizer;

/// A learning rate as a function of the epoch (or step) number.
pub trait Schedule {
    /// The learning rate at epoch `t` (0 is the first).
    fn lr(&self, t: usize) -> f64;

    /// Sets the learning rate for epoch `t` on `opt`.
    fn apply<T: Float>(&self, opt: &mut impl Optimizer<T>, t: usize)
    where
        Self: Sized,
    {
        opt.set_learning_rate(self.lr(t));
    }
}

/// PyTorch's `StepLR`: the base rate multiplied by γ every `step_size` epochs,
/// lr(t) = lr₀·γ^⌊t / step_size⌋ (PyTorch's default γ = 0.1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepLr {
    /// The initial learning rate lr₀.
    pub base: f64,
    /// Epochs between decays (a value of 0 is treated as 1).
    pub step_size: usize,
    /// The decay factor γ.
    pub gamma: f64,
}

impl StepLr {
    /// `StepLR(step_size, gamma)` starting from `base`.
    pub fn new(base: f64, step_size: usize, gamma: f64) -> Self {
        StepLr {
            base,
            step_size,
            gamma,
        }
    }
}

impl Schedule for StepLr {
    fn lr(&self, t: usize) -> f64 {
        self.base * powi(self.gamma, t / self.step_size.max(1))
    }
}

/// PyTorch's `ExponentialLR`: lr(t) = lr₀·γᵗ.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ExponentialLr {
    /// The initial learning rate lr₀.
    pub base: f64,
    /// The decay factor γ per epoch.
    pub gamma: f64,
}

impl ExponentialLr {
    /// `ExponentialLR(gamma)` starting from `base`.
    pub fn new(base: f64, gamma: f64) -> Self {
        ExponentialLr { base, gamma }
    }
}

impl Schedule for ExponentialLr {
    fn lr(&self, t: usize) -> f64 {
        self.base * powi(self.gamma, t)
    }
}

/// PyTorch's `CosineAnnealingLR` in its closed form:
/// lr(t) = η_min + (lr₀ − η_min)·(1 + cos(π·t / T_max)) / 2, for 0 ≤ t ≤ T_max; after T_max
/// the cosine continues (it climbs back, as PyTorch's closed form does).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CosineLr {
    /// The initial learning rate lr₀.
    pub base: f64,
    /// Half-period T_max in epochs (a value of 0 is treated as 1).
    pub t_max: usize,
    /// The minimum learning rate η_min (PyTorch's default 0).
    pub eta_min: f64,
}

impl CosineLr {
    /// `CosineAnnealingLR(T_max, eta_min)` starting from `base`.
    pub fn new(base: f64, t_max: usize, eta_min: f64) -> Self {
        CosineLr {
            base,
            t_max,
            eta_min,
        }
    }
}

impl Schedule for CosineLr {
    fn lr(&self, t: usize) -> f64 {
        let phase = std::f64::consts::PI * t as f64 / self.t_max.max(1) as f64;
        self.eta_min + (self.base - self.eta_min) * (1.0 + phase.cos()) / 2.0
    }
}

/// PyTorch's `LinearLR`: the factor goes linearly from `start_factor` to `end_factor` over
/// `total_iters` epochs and then stays: lr(t) = lr₀·(s + (e − s)·min(t, T)/T).
///
/// The moons workload's lr = 1.0 − 0.9·k/100 is `LinearLr::new(1.0, 1.0, 0.1, 100)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LinearLr {
    /// The initial learning rate lr₀.
    pub base: f64,
    /// The factor s at epoch 0.
    pub start_factor: f64,
    /// The factor e from epoch T on.
    pub end_factor: f64,
    /// T, the number of epochs of the ramp (a value of 0 is treated as 1).
    pub total_iters: usize,
}

impl LinearLr {
    /// `LinearLR(start_factor, end_factor, total_iters)` starting from `base`.
    pub fn new(base: f64, start_factor: f64, end_factor: f64, total_iters: usize) -> Self {
        LinearLr {
            base,
            start_factor,
            end_factor,
            total_iters,
        }
    }
}

impl Schedule for LinearLr {
    fn lr(&self, t: usize) -> f64 {
        let big_t = self.total_iters.max(1);
        let frac = t.min(big_t) as f64 / big_t as f64;
        self.base * (self.start_factor + (self.end_factor - self.start_factor) * frac)
    }
}

/// Whether a smaller or a larger metric is better, for [`ReduceLrOnPlateau`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Mode {
    /// Lower is better (a loss).
    #[default]
    Min,
    /// Higher is better (an accuracy).
    Max,
}

/// How [`ReduceLrOnPlateau`] decides that a metric improved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ThresholdMode {
    /// Better than best·(1 ∓ threshold).
    #[default]
    Rel,
    /// Better than best ∓ threshold.
    Abs,
}

/// PyTorch's `ReduceLROnPlateau`: multiply the learning rate by `factor` when the metric has not
/// improved for more than `patience` epochs.
///
/// After each epoch call [`step`](ReduceLrOnPlateau::step) with the metric:
/// an improvement (for `Min`/`Rel`: metric < best·(1 − threshold)) resets the count of bad
/// epochs; otherwise it grows, and when it exceeds `patience` the rate becomes
/// max(lr·factor, min_lr) (ignored if the change is below `eps`), followed by `cooldown` epochs
/// in which bad epochs are not counted. Defaults as PyTorch's: mode min, factor 0.1, patience
/// 10, threshold 1e-4 relative, cooldown 0, min_lr 0, eps 1e-8.
///
/// ```
/// use tapegrad::nn::schedule::ReduceLrOnPlateau;
/// let mut sched = ReduceLrOnPlateau::new(1.0).patience(1);
/// assert_eq!(sched.step(5.0), 1.0); // best = 5
/// assert_eq!(sched.step(5.0), 1.0); // 1 bad epoch
/// assert_eq!(sched.step(5.0), 0.1); // 2 bad epochs > patience: reduce
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ReduceLrOnPlateau {
    /// Lower or higher is better.
    pub mode: Mode,
    /// The factor the rate is multiplied by.
    pub factor: f64,
    /// Bad epochs tolerated before a reduction.
    pub patience: usize,
    /// The minimum significant improvement.
    pub threshold: f64,
    /// Relative or absolute threshold.
    pub threshold_mode: ThresholdMode,
    /// Epochs to wait after a reduction before counting bad epochs again.
    pub cooldown: usize,
    /// The lowest rate.
    pub min_lr: f64,
    /// Reductions smaller than this are ignored.
    pub eps: f64,
    lr: f64,
    best: f64,
    bad_epochs: usize,
    cooldown_counter: usize,
}

impl ReduceLrOnPlateau {
    /// Starts at learning rate `lr` with PyTorch's defaults.
    pub fn new(lr: f64) -> Self {
        ReduceLrOnPlateau {
            mode: Mode::Min,
            factor: 0.1,
            patience: 10,
            threshold: 1e-4,
            threshold_mode: ThresholdMode::Rel,
            cooldown: 0,
            min_lr: 0.0,
            eps: 1e-8,
            lr,
            best: f64::INFINITY,
            bad_epochs: 0,
            cooldown_counter: 0,
        }
    }

    /// Sets the mode (and resets the best value seen).
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self.best = match mode {
            Mode::Min => f64::INFINITY,
            Mode::Max => f64::NEG_INFINITY,
        };
        self
    }

    setters!(f64: factor, min_lr; usize: patience, cooldown);

    /// Sets the threshold and its mode.
    pub fn threshold(mut self, threshold: f64, mode: ThresholdMode) -> Self {
        self.threshold = threshold;
        self.threshold_mode = mode;
        self
    }

    /// The current learning rate.
    pub fn lr(&self) -> f64 {
        self.lr
    }

    /// The best metric seen so far.
    pub fn best(&self) -> f64 {
        self.best
    }

    /// Records the metric of one epoch and returns the learning rate for the next.
    pub fn step(&mut self, metric: f64) -> f64 {
        if self.is_better(metric) {
            self.best = metric;
            self.bad_epochs = 0;
        } else {
            self.bad_epochs += 1;
        }
        if self.cooldown_counter > 0 {
            self.cooldown_counter -= 1;
            self.bad_epochs = 0;
        }
        if self.bad_epochs > self.patience {
            let new_lr = (self.lr * self.factor).max(self.min_lr);
            if self.lr - new_lr > self.eps {
                self.lr = new_lr;
            }
            self.cooldown_counter = self.cooldown;
            self.bad_epochs = 0;
        }
        self.lr
    }

    /// Records the metric and sets the resulting rate on `opt`.
    pub fn step_optimizer<T: Float>(&mut self, metric: f64, opt: &mut impl Optimizer<T>) -> f64 {
        let lr = self.step(metric);
        opt.set_learning_rate(lr);
        lr
    }

    fn is_better(&self, a: f64) -> bool {
        let (best, th) = (self.best, self.threshold);
        match (self.mode, self.threshold_mode) {
            (Mode::Min, ThresholdMode::Rel) => a < best * (1.0 - th),
            (Mode::Min, ThresholdMode::Abs) => a < best - th,
            (Mode::Max, ThresholdMode::Rel) => a > best * (1.0 + th),
            (Mode::Max, ThresholdMode::Abs) => a > best + th,
        }
    }
}

/// xⁿ for a count n (exact for the small integer exponents schedules use).
fn powi(x: f64, n: usize) -> f64 {
    x.powi(i32::try_from(n).unwrap_or(i32::MAX))
}
