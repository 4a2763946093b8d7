//! [`Mlp`]: a multi-layer perceptron of scalar neurons.

use std::fmt;

use super::{Activation, Layer, Module};
use crate::error::{Error, Result};
use crate::nn::constructors::layer_new;
use crate::real::Float;
use crate::scalar::Var;
use crate::tape::Graph;

/// A multi-layer perceptron of scalar neurons (micrograd's `MLP`): fully connected layers of
/// sizes `sizes[0] → sizes[1] → … → sizes[n]`, the hidden ones with one activation and the last
/// with another.
///
/// Every weight is its own leaf, so every multiply-add is visible on the tape: slow next to a
/// tensor MLP, but each step of backpropagation can be traced and checked by hand.
///
/// ```
/// use rand::{SeedableRng, rngs::StdRng};
/// use tapegrad::Graph;
/// use tapegrad::nn::{Init, scalar::{Activation, Mlp, Module}};
/// let g = Graph::new();
/// let mlp = Mlp::new(&g, &[2, 16, 16, 1], Activation::Relu, Activation::Linear,
///                    Init::PyTorch, &mut StdRng::seed_from_u64(0));
/// assert_eq!(mlp.num_parameters(), 337);
/// assert_eq!(mlp.to_string(), "Mlp 2 → 16 (relu) → 16 (relu) → 1 (linear), 337 parameters");
/// assert_eq!(mlp.named_parameters()[0].0, "layers.0.neurons.0.w.0");
/// ```
#[derive(Clone, Debug)]
pub struct Mlp<'g, T: Float = f64> {
    layers: Vec<Layer<'g, T>>,
}

impl<'g, T: Float> Mlp<'g, T> {
    layer_new! { mlp:
        /// An MLP with layer sizes `sizes` (inputs first), `hidden` activation on every layer but
        /// the last, `output` on the last. Parameter leaves are named as in
        /// [`named_parameters`](Module::named_parameters). Panics for fewer than two sizes or a
        /// zero size; see [`try_new`](Mlp::try_new).
        new;

        /// [`new`](Mlp::new) returning an error for bad sizes.
        try_new(g, sizes, hidden, output, init, rng) {
            let layers = layer_plan(sizes, hidden, output)?
                .map(|(i, nin, nout, act)| {
                    Layer::build(g, nin, nout, act, init, rng, &format!("layers.{i}."))
                })
                .collect::<Result<Vec<_>>>()?;
            Ok(Mlp { layers })
        }
    }

    /// The layers, inputs first.
    pub fn layers(&self) -> &[Layer<'g, T>] {
        &self.layers
    }

    /// The layer sizes, inputs first.
    pub fn sizes(&self) -> Vec<usize> {
        let mut s = vec![self.layers[0].nin()];
        s.extend(self.layers.iter().map(|l| l.nout()));
        s
    }
}

impl<'g, T: Float> Module<'g, T> for Mlp<'g, T> {
    fn graph(&self) -> &'g Graph<T> {
        self.layers[0].graph()
    }

    fn try_forward(&self, x: &[Var<'g, T>]) -> Result<Vec<Var<'g, T>>> {
        let mut h = self.layers[0].try_forward(x)?;
        for layer in &self.layers[1..] {
            h = layer.try_forward(&h)?;
        }
        Ok(h)
    }

    fn parameters(&self) -> Vec<Var<'g, T>> {
        self.layers.iter().flat_map(|l| l.parameters()).collect()
    }

    fn named_parameters(&self) -> Vec<(String, Var<'g, T>)> {
        let mut out = Vec::new();
        for (i, l) in self.layers.iter().enumerate() {
            l.push_named(&format!("layers.{i}."), &mut out);
        }
        out
    }
}

impl<T: Float> fmt::Display for Mlp<'_, T> {
    /// `Mlp 2 → 16 (relu) → 16 (relu) → 1 (linear), 337 parameters`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mlp {}", self.layers[0].nin())?;
        for l in &self.layers {
            write!(f, " → {} ({})", l.nout(), l.activation().name())?;
        }
        write!(f, ", {} parameters", self.num_parameters())
    }
}

/// The layers of an MLP with sizes `sizes` (inputs first): `(index, nin, nout, activation)`,
/// `hidden` on every layer but the last and `output` on the last; an error for fewer than two
/// sizes or a zero size. Shared by the scalar and the tensor MLP.
pub(crate) fn layer_plan(
    sizes: &[usize],
    hidden: Activation,
    output: Activation,
) -> Result<impl Iterator<Item = (usize, usize, usize, Activation)> + '_> {
    if sizes.len() < 2 || sizes.contains(&0) {
        return Err(Error::Invalid(format!(
            "an MLP needs at least two layer sizes (inputs, outputs), none zero; got {sizes:?}"
        )));
    }
    let last = sizes.len() - 2;
    Ok(sizes.windows(2).enumerate().map(move |(i, w)| {
        let act = if i == last { output } else { hidden };
        (i, w[0], w[1], act)
    }))
}
