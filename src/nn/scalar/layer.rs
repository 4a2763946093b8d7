//! [`Layer`]: `nout` neurons reading the same inputs (a fully connected, linear layer followed
//! by an activation).

use rand::Rng;

use super::{Activation, Module, Neuron};
use crate::error::{Error, Result, same_len};
use crate::nn::Init;
use crate::nn::constructors::layer_new;
use crate::real::Float;
use crate::scalar::Var;
use crate::tape::Graph;

/// A fully connected layer of scalar neurons: yⱼ = f(Σᵢ Wⱼᵢxᵢ + bⱼ) for j in 0..nout.
///
/// The scalar counterpart of PyTorch's `nn.Linear` followed by an activation (with
/// [`Activation::Linear`] it is exactly `nn.Linear`). Derivatives: ∂yⱼ/∂Wⱼᵢ = f'(uⱼ)·xᵢ,
/// ∂yⱼ/∂bⱼ = f'(uⱼ), ∂yⱼ/∂xᵢ = f'(uⱼ)·Wⱼᵢ.
///
/// ```
/// use rand::{SeedableRng, rngs::StdRng};
/// use tapegrad::Graph;
/// use tapegrad::nn::{Init, scalar::{Activation, Layer, Module}};
/// let g = Graph::new();
/// let layer = Layer::new(&g, 3, 2, Activation::Relu, Init::HeUniform,
///                        &mut StdRng::seed_from_u64(0));
/// let x = [1.0, 2.0, 3.0].map(|v| g.constant(v));
/// assert_eq!(layer.forward(&x).len(), 2);
/// assert_eq!(layer.num_parameters(), 2 * 3 + 2);
/// ```
#[derive(Clone, Debug)]
pub struct Layer<'g, T: Float = f64> {
    neurons: Vec<Neuron<'g, T>>,
    graph: &'g Graph<T>,
    nin: usize,
}

impl<'g, T: Float> Layer<'g, T> {
    layer_new! { dense:
        /// A layer of `nout` neurons with `nin` inputs each. Panics if `nout` is 0; see
        /// [`try_new`](Layer::try_new).
        new;

        /// [`new`](Layer::new) returning an error for a layer without neurons.
        try_new(g, nin, nout, activation, init, rng) {
            Self::build(g, nin, nout, activation, init, rng, "")
        }
    }

    pub(crate) fn build(
        g: &'g Graph<T>,
        nin: usize,
        nout: usize,
        activation: Activation,
        init: Init,
        rng: &mut impl Rng,
        prefix: &str,
    ) -> Result<Self> {
        if nout == 0 {
            return Err(Error::Invalid("a layer needs at least one neuron".into()));
        }
        let neurons = (0..nout)
            .map(|j| {
                let p = format!("{prefix}neurons.{j}.");
                Neuron::build(g, nin, nout, activation, init, rng, &p)
            })
            .collect();
        Ok(Layer {
            neurons,
            graph: g,
            nin,
        })
    }

    /// The neurons, in output order.
    pub fn neurons(&self) -> &[Neuron<'g, T>] {
        &self.neurons
    }

    /// The number of inputs.
    pub fn nin(&self) -> usize {
        self.nin
    }

    /// The number of outputs (neurons).
    pub fn nout(&self) -> usize {
        self.neurons.len()
    }

    /// The activation of the layer's neurons.
    pub fn activation(&self) -> Activation {
        self.neurons[0].activation()
    }

    pub(crate) fn push_named(&self, prefix: &str, out: &mut Vec<(String, Var<'g, T>)>) {
        for (j, n) in self.neurons.iter().enumerate() {
            n.push_named(&format!("{prefix}neurons.{j}."), out);
        }
    }
}

impl<'g, T: Float> Module<'g, T> for Layer<'g, T> {
    fn graph(&self) -> &'g Graph<T> {
        self.graph
    }

    fn try_forward(&self, x: &[Var<'g, T>]) -> Result<Vec<Var<'g, T>>> {
        same_len("layer", self.nin, x.len())?;
        // One scratch buffer for the terms of every neuron's sum.
        let mut terms = Vec::with_capacity(self.nin + 1);
        self.neurons
            .iter()
            .map(|n| n.call_with(x, &mut terms))
            .collect()
    }

    fn parameters(&self) -> Vec<Var<'g, T>> {
        let mut p = Vec::with_capacity(self.neurons.len() * (self.nin + 1));
        for n in &self.neurons {
            p.extend_from_slice(n.weights());
            p.push(n.bias());
        }
        p
    }

    fn named_parameters(&self) -> Vec<(String, Var<'g, T>)> {
        let mut out = Vec::new();
        self.push_named("", &mut out);
        out
    }
}
