//! Parameter initializers, seeded by the caller's random number generator.

use rand::Rng;
use rand_distr::{Distribution, Normal, Uniform};

use crate::real::Float;

/// How a layer's weights and biases are drawn. `fan_in` is the number of inputs of a neuron,
/// `fan_out` the number of neurons in its layer.
///
/// | variant | weights | biases |
/// |---|---|---|
/// | [`PyTorch`](Init::PyTorch) | U(−1/√fan_in, 1/√fan_in) | U(−1/√fan_in, 1/√fan_in) |
/// | [`Uniform`](Init::Uniform)`(a)` | U(−a, a) | 0 |
/// | [`XavierUniform`](Init::XavierUniform) | U(−√(6/(fan_in+fan_out)), +…) | 0 |
/// | [`XavierNormal`](Init::XavierNormal) | N(0, 2/(fan_in+fan_out)) | 0 |
/// | [`HeUniform`](Init::HeUniform) | U(−√(6/fan_in), +…) | 0 |
/// | [`HeNormal`](Init::HeNormal) | N(0, 2/fan_in) | 0 |
///
/// `PyTorch` is what `torch.nn.Linear` does by default (its `kaiming_uniform_(a=√5)` reduces to
/// the bound 1/√fan_in). Xavier/Glorot (gain 1) suits tanh and sigmoid layers; He (Kaiming, gain
/// √2, fan-in mode) suits ReLU layers. `Uniform(1.0)` is micrograd's choice.
///
/// ```
/// use rand::{SeedableRng, rngs::StdRng};
/// use tapegrad::nn::Init;
/// let mut rng = StdRng::seed_from_u64(1);
/// let w = Init::PyTorch.weight(16, 8, &mut rng);
/// assert!(w.abs() <= 0.25); // 1/√16
/// assert_eq!(Init::HeNormal.bias(16, 8, &mut rng), 0.0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub enum Init {
    /// PyTorch's `nn.Linear` default: weights and biases U(±1/√fan_in).
    #[default]
    PyTorch,
    /// Weights U(−a, a), biases 0 (micrograd uses `Uniform(1.0)`).
    Uniform(f64),
    /// Xavier/Glorot uniform: weights U(±√(6/(fan_in + fan_out))), biases 0.
    XavierUniform,
    /// Xavier/Glorot normal: weights N(0, σ² = 2/(fan_in + fan_out)), biases 0.
    XavierNormal,
    /// He/Kaiming uniform (ReLU gain √2): weights U(±√(6/fan_in)), biases 0.
    HeUniform,
    /// He/Kaiming normal (ReLU gain √2): weights N(0, σ² = 2/fan_in), biases 0.
    HeNormal,
}

impl Init {
    /// One weight for a neuron with `fan_in` inputs in a layer of `fan_out` neurons.
    pub fn weight(self, fan_in: usize, fan_out: usize, rng: &mut impl Rng) -> f64 {
        let (fi, fo) = (fan_in.max(1) as f64, fan_out.max(1) as f64);
        match self {
            Init::PyTorch => uniform(1.0 / fi.sqrt(), rng),
            Init::Uniform(a) => uniform(a, rng),
            Init::XavierUniform => uniform((6.0 / (fi + fo)).sqrt(), rng),
            Init::XavierNormal => normal((2.0 / (fi + fo)).sqrt(), rng),
            Init::HeUniform => uniform((6.0 / fi).sqrt(), rng),
            Init::HeNormal => normal((2.0 / fi).sqrt(), rng),
        }
    }

    /// One bias for a neuron with `fan_in` inputs in a layer of `fan_out` neurons.
    pub fn bias(self, fan_in: usize, _fan_out: usize, rng: &mut impl Rng) -> f64 {
        match self {
            Init::PyTorch => uniform(1.0 / (fan_in.max(1) as f64).sqrt(), rng),
            _ => 0.0,
        }
    }

    /// The parameters of a tensor layer whose units each read `fan_in` inputs and feed
    /// `fan_out` outputs: `n_weights` weights drawn first, then `n_biases` biases (the order
    /// in which the same generator gives the same layer).
    pub(crate) fn draw_tensors<T: Float>(
        self,
        (n_weights, n_biases): (usize, usize),
        (fan_in, fan_out): (usize, usize),
        rng: &mut impl Rng,
    ) -> (Vec<T>, Vec<T>) {
        let w = (0..n_weights)
            .map(|_| T::from_f64(self.weight(fan_in, fan_out, rng)))
            .collect();
        let b = (0..n_biases)
            .map(|_| T::from_f64(self.bias(fan_in, fan_out, rng)))
            .collect();
        (w, b)
    }
}

/// A draw from U(−a, a); 0 for a bound that is not positive and finite.
fn uniform(a: f64, rng: &mut impl Rng) -> f64 {
    match Uniform::new_inclusive(-a, a) {
        Ok(d) if a > 0.0 => d.sample(rng),
        _ => 0.0,
    }
}

/// A draw from N(0, σ²); 0 for a σ that is not positive and finite.
fn normal(sigma: f64, rng: &mut impl Rng) -> f64 {
    match Normal::new(0.0, sigma) {
        Ok(d) if sigma > 0.0 => d.sample(rng),
        _ => 0.0,
    }
}
