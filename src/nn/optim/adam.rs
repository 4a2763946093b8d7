//! Adam and AdamW: bias-corrected running averages of the gradient and its square.

use super::{Counter, Optimizer, at_least, fill, lr_and_steps, pytorch_default, unit, window};
use crate::builder::setters;
use crate::error::Result;
use crate::real::Float;

/// Adam as PyTorch's `torch.optim.Adam` documents it. At step t (γ = learning rate, β₁, β₂,
/// ε, λ = weight decay; m, v start at 0):
///
/// ```text
/// g ← g + λθ
/// m ← β₁·m + (1 − β₁)·g
/// v ← β₂·v + (1 − β₂)·g²
/// m̂ = m / (1 − β₁ᵗ),   v̂ = v / (1 − β₂ᵗ)       (AMSGrad: v̂ from v_max ← max(v_max, v))
/// θ ← θ − γ·m̂ / (√v̂ + ε)
/// ```
///
/// computed as PyTorch does: θ ← θ − (γ / (1 − β₁ᵗ))·m / (√v / √(1 − β₂ᵗ) + ε).
/// Defaults as PyTorch's: γ = 1e-3, β = (0.9, 0.999), ε = 1e-8, λ = 0, no AMSGrad.
///
/// ```
/// use tapegrad::nn::optim::{Adam, Optimizer};
/// let mut opt = Adam::new(0.1);
/// let mut theta = [1.0_f64];
/// opt.step(&mut theta, &[2.0]); // m̂ = 2, v̂ = 4: θ = 1 − 0.1·2/(2 + 1e-8) ≈ 0.9
/// assert!((theta[0] - 0.9).abs() < 1e-8);
/// ```
#[derive(Clone, Debug)]
pub struct Adam<T = f64> {
    /// Learning rate γ.
    pub lr: f64,
    /// Decay rates (β₁, β₂) of the running averages of g and g².
    pub betas: (f64, f64),
    /// ε, added to √v̂.
    pub eps: f64,
    /// Weight decay λ: added to the gradient (L2) in Adam, applied to θ directly in AdamW.
    pub weight_decay: f64,
    /// The AMSGrad variant: divide by the largest v seen so far.
    pub amsgrad: bool,
    decoupled: bool,
    counter: Counter,
    m: Vec<T>,
    v: Vec<T>,
    v_max: Vec<T>,
}

pytorch_default!(Adam, 1e-3);

impl<T: Float> Adam<T> {
    /// Adam with learning rate `lr` and PyTorch's other defaults.
    pub fn new(lr: f64) -> Self {
        Adam {
            lr,
            betas: (0.9, 0.999),
            eps: 1e-8,
            weight_decay: 0.0,
            amsgrad: false,
            decoupled: false,
            counter: Counter::default(),
            m: Vec::new(),
            v: Vec::new(),
            v_max: Vec::new(),
        }
    }

    /// Sets (β₁, β₂).
    pub fn betas(mut self, beta1: f64, beta2: f64) -> Self {
        self.betas = (beta1, beta2);
        self
    }

    setters!(f64: eps, weight_decay; bool: amsgrad);

    fn name(&self) -> &'static str {
        if self.decoupled { "AdamW" } else { "Adam" }
    }
}

impl<T: Float> Optimizer<T> for Adam<T> {
    fn try_begin_step(&mut self, len: usize) -> Result<()> {
        let name = self.name();
        at_least(name, "lr", self.lr, 0.0)?;
        at_least(name, "eps", self.eps, 0.0)?;
        at_least(name, "weight_decay", self.weight_decay, 0.0)?;
        unit(name, "beta1", self.betas.0)?;
        unit(name, "beta2", self.betas.1)?;
        if self.counter.begin(len, name)? {
            fill(&mut self.m, len, T::ZERO);
            fill(&mut self.v, len, T::ZERO);
            self.v_max.clear();
        }
        if self.amsgrad && self.v_max.len() != len {
            fill(&mut self.v_max, len, T::ZERO);
        }
        Ok(())
    }

    fn try_update(&mut self, offset: usize, params: &mut [T], grads: &[T]) -> Result<()> {
        self.counter.check(offset, params, grads, self.name())?;
        let n = params.len();
        let t = self.counter.t as i32;
        let (b1, b2) = self.betas;
        let k = Consts {
            step: T::from_f64(self.lr / (1.0 - b1.powi(t))),
            bc2_sqrt: T::from_f64((1.0 - b2.powi(t)).sqrt()),
            b1: T::from_f64(b1),
            b2: T::from_f64(b2),
            one_b1: T::from_f64(1.0 - b1),
            one_b2: T::from_f64(1.0 - b2),
            eps: T::from_f64(self.eps),
            wd: T::from_f64(self.weight_decay),
            shrink: T::from_f64(1.0 - self.lr * self.weight_decay),
            decay: self.weight_decay != 0.0,
            decoupled: self.decoupled,
        };
        let m = &mut self.m[offset..offset + n];
        let v = &mut self.v[offset..offset + n];
        let v_max = window(&mut self.v_max, self.amsgrad, offset, n);
        let slices = Slices {
            p: params,
            g: grads,
            m,
            v,
            v_max,
        };
        if n >= PARALLEL_LEN && rayon::current_num_threads() > 1 {
            // Two halves on two threads (the update of each element is independent). With a
            // pool of one thread, the hop to it would only add a wake-up.
            let (a, b) = slices.split(n / 2);
            rayon::join(|| k.apply(a), || k.apply(b));
        } else {
            k.apply(slices);
        }
        Ok(())
    }

    lr_and_steps!();
}

/// Length from which the update is split over two threads: long enough (the MLP benchmark
/// has 200k parameters) that waking the second thread costs little beside the work.
const PARALLEL_LEN: usize = 1 << 15;

/// The per-step constants of one Adam update.
#[derive(Clone, Copy)]
struct Consts<T> {
    step: T,
    bc2_sqrt: T,
    b1: T,
    b2: T,
    one_b1: T,
    one_b2: T,
    eps: T,
    wd: T,
    shrink: T,
    decay: bool,
    decoupled: bool,
}

/// Parameters, gradients and state of a run of elements (`v_max` empty without AMSGrad).
struct Slices<'a, T> {
    p: &'a mut [T],
    g: &'a [T],
    m: &'a mut [T],
    v: &'a mut [T],
    v_max: &'a mut [T],
}

impl<'a, T> Slices<'a, T> {
    /// The elements before `at` and from `at` on.
    fn split(self, at: usize) -> (Self, Self) {
        let (p0, p1) = self.p.split_at_mut(at);
        let (g0, g1) = self.g.split_at(at);
        let (m0, m1) = self.m.split_at_mut(at);
        let (v0, v1) = self.v.split_at_mut(at);
        let (x0, x1) = self.v_max.split_at_mut(at.min(self.v_max.len()));
        (
            Slices {
                p: p0,
                g: g0,
                m: m0,
                v: v0,
                v_max: x0,
            },
            Slices {
                p: p1,
                g: g1,
                m: m1,
                v: v1,
                v_max: x1,
            },
        )
    }
}

impl<T: Float> Consts<T> {
    /// The update of every element of `s`, compiled for the CPU's widest SIMD (AVX-512 or
    /// AVX2 where present, detected at run time by `pulp`), one loop per variant so that
    /// each has no branch inside and vectorizes.
    fn apply(self, s: Slices<'_, T>) {
        // One small closure per dispatch, so that it is inlined into pulp's SIMD function.
        let arch = pulp::Arch::new();
        match (self.decay, s.v_max.is_empty()) {
            (false, true) => arch.dispatch(|| self.run::<false, false>(s)),
            (false, false) => arch.dispatch(|| self.run::<false, true>(s)),
            (true, true) => arch.dispatch(|| self.run::<true, false>(s)),
            (true, false) => arch.dispatch(|| self.run::<true, true>(s)),
        }
    }

    /// The update with weight decay on or off (`DECAY`) and with or without AMSGrad (`AMS`).
    #[inline(always)]
    fn run<const DECAY: bool, const AMS: bool>(self, s: Slices<'_, T>) {
        let n = s.p.len();
        let (p, g, m, v) = (s.p, &s.g[..n], &mut s.m[..n], &mut s.v[..n]);
        let v_max = if AMS { &mut s.v_max[..n] } else { s.v_max };
        for i in 0..n {
            let mut gi = g[i];
            if DECAY {
                if self.decoupled {
                    p[i] = p[i] * self.shrink; // AdamW: θ ← θ(1 − γλ)
                } else {
                    gi += self.wd * p[i]; // Adam: L2 in the gradient
                }
            }
            m[i] = self.b1 * m[i] + self.one_b1 * gi;
            v[i] = self.b2 * v[i] + self.one_b2 * gi * gi;
            let second = if AMS {
                v_max[i] = v_max[i].max(v[i]);
                v_max[i]
            } else {
                v[i]
            };
            p[i] = p[i] - self.step * m[i] / (second.sqrt() / self.bc2_sqrt + self.eps);
        }
    }
}

/// AdamW as PyTorch's `torch.optim.AdamW` documents it: Adam with decoupled weight decay.
/// At step t the parameter is first shrunk, θ ← θ − γλθ, then updated by [`Adam`] without the
/// L2 term in the gradient.
///
/// Defaults as PyTorch's: γ = 1e-3, β = (0.9, 0.999), ε = 1e-8, λ = 1e-2, no AMSGrad.
///
/// ```
/// use tapegrad::nn::optim::{AdamW, Optimizer};
/// let mut opt = AdamW::new(0.1).weight_decay(0.5);
/// let mut theta = [1.0_f64];
/// opt.step(&mut theta, &[2.0]); // θ = 1·(1 − 0.05) = 0.95, then − 0.1·2/(2 + 1e-8)
/// assert!((theta[0] - 0.85).abs() < 1e-8);
/// ```
#[derive(Clone, Debug)]
pub struct AdamW<T = f64>(Adam<T>);

pytorch_default!(AdamW, 1e-3);

impl<T: Float> AdamW<T> {
    /// AdamW with learning rate `lr` and PyTorch's other defaults (weight decay 1e-2).
    pub fn new(lr: f64) -> Self {
        let mut inner = Adam::new(lr).weight_decay(1e-2);
        inner.decoupled = true;
        AdamW(inner)
    }

    /// Sets (β₁, β₂).
    pub fn betas(self, beta1: f64, beta2: f64) -> Self {
        AdamW(self.0.betas(beta1, beta2))
    }

    /// Sets ε.
    pub fn eps(self, eps: f64) -> Self {
        AdamW(self.0.eps(eps))
    }

    /// Sets the decoupled weight decay λ.
    pub fn weight_decay(self, weight_decay: f64) -> Self {
        AdamW(self.0.weight_decay(weight_decay))
    }

    /// Turns AMSGrad on or off.
    pub fn amsgrad(self, amsgrad: bool) -> Self {
        AdamW(self.0.amsgrad(amsgrad))
    }

    /// The hyperparameters and state, as an [`Adam`] with decoupled weight decay.
    pub fn inner(&self) -> &Adam<T> {
        &self.0
    }
}

impl<T: Float> Optimizer<T> for AdamW<T> {
    fn try_begin_step(&mut self, len: usize) -> Result<()> {
        self.0.try_begin_step(len)
    }

    fn try_update(&mut self, offset: usize, params: &mut [T], grads: &[T]) -> Result<()> {
        self.0.try_update(offset, params, grads)
    }

    fn learning_rate(&self) -> f64 {
        self.0.lr
    }

    fn set_learning_rate(&mut self, lr: f64) {
        self.0.lr = lr;
    }

    fn steps(&self) -> u64 {
        self.0.counter.t
    }

    fn reset(&mut self) {
        self.0.reset();
    }
}
