//! [`Mlp`]: a multi-layer perceptron of tensor [`Linear`] layers.

use std::fmt;

use super::Linear;
use super::params::ParamSet;
use crate::error::{Error, Result, or_panic, with_panicking_twin};
use crate::nn::constructors::layer_new;
use crate::nn::scalar::mlp::layer_plan;
use crate::nn::train::{TensorInfo, batch_rows};
use crate::real::Float;
use crate::scalar::Var;
use crate::tape::Graph;
use crate::tensor::Tensor;

/// A multi-layer perceptron of tensor layers: [`Linear`] layers of sizes
/// `sizes[0] → sizes[1] → … → sizes[n]` working on a whole batch at once, the hidden ones with
/// one activation and the last with another (usually [`Activation::Linear`](crate::nn::scalar::Activation::Linear): logits).
///
/// The tensor counterpart of [`scalar::Mlp`](crate::nn::scalar::Mlp), with the same parameter
/// names and layout (`layers.{i}.weight` `[out, in]`, `layers.{i}.bias` `[out]`), so weights
/// move between the two through [`Trainable::flat_values`](crate::nn::train::Trainable) or a
/// safetensors file. A layer costs a few nodes whatever its width, so it trains on the digits
/// in well under a second per epoch.
///
/// It is a [`Trainable`](crate::nn::train::Trainable) model: [`fit`](crate::nn::train::fit)
/// trains it, and each step records the batch after a [`mark`](Graph::mark), runs
/// [`backward_into`](Graph::backward_into) into a gradient store it keeps, copies the gradients
/// into per-tensor buffers and rewinds, so the tape holds only the parameters between steps and
/// a step of fixed batch size allocates no tape memory once warm. The optimizer edits the
/// parameter leaves' buffers in place ([`Graph::update_tensor`]).
///
/// ```
/// use rand::{SeedableRng, rngs::StdRng};
/// use tapegrad::{Graph, data};
/// use tapegrad::nn::{Init, optim::Adam, scalar::Activation, tensor::Mlp};
/// use tapegrad::nn::train::{FitOptions, Loss, Verbosity, fit};
/// let g = Graph::new();
/// let mut mlp = Mlp::new(&g, &[2, 8, 1], Activation::Tanh, Activation::Linear,
///                        Init::XavierUniform, &mut StdRng::seed_from_u64(1));
/// assert_eq!(mlp.to_string(), "Mlp 2 → 8 (tanh) → 1 (linear), 33 parameters");
/// let opts = FitOptions::new(300).batch_size(4).loss(Loss::BceWithLogits)
///     .verbosity(Verbosity::Silent);
/// let history = fit(&mut mlp, &data::xor(), &mut Adam::new(0.05), &opts).unwrap();
/// assert!(history.last("loss").unwrap() < 0.1);
/// assert_eq!(g.len(), 4); // only the parameters are left on the tape
/// ```
#[derive(Debug)]
pub struct Mlp<'g, T: Float = f64> {
    layers: Vec<Linear<'g, T>>,
    /// Weight then bias for each layer.
    pub(super) params: ParamSet<'g, T>,
}

impl<'g, T: Float> Mlp<'g, T> {
    layer_new! { mlp:
        /// An MLP with layer sizes `sizes` (inputs first), `hidden` activation on every layer but
        /// the last, `output` on the last, parameters drawn by `init` layer by layer. Make it
        /// before any [`mark`](Graph::mark) its training steps rewind to. Panics for fewer than two
        /// sizes or a zero size; see [`try_new`](Mlp::try_new).
        new;

        /// [`new`](Mlp::new) returning an error for bad sizes.
        try_new(g, sizes, hidden, output, init, rng) {
            let layers = layer_plan(sizes, hidden, output)?
                .map(|(_, nin, nout, act)| Linear::try_new(g, nin, nout, act, init, &mut *rng))
                .collect::<Result<Vec<_>>>()?;
            Ok(Self::from_layers(layers))
        }
    }

    with_panicking_twin! {
        /// An MLP of the given layers, applied in order. Panics if `layers` is empty or two
        /// neighbours do not chain (outputs of one ≠ inputs of the next), or if the layers live on
        /// different graphs; see [`try_from_layers`](Mlp::try_from_layers).
        pub fn from_layers;

        /// [`from_layers`](Mlp::from_layers) returning an error instead of panicking.
        pub fn try_from_layers(layers: Vec<Linear<'g, T>>) -> Result<Self> {
            let Some(first) = layers.first() else {
                return Err(Error::Invalid("an MLP needs at least one layer".into()));
            };
            let g = first.weight().graph();
            for pair in layers.windows(2) {
                if pair[0].nout() != pair[1].nin() {
                    return Err(Error::Shape {
                        op: "Mlp::from_layers",
                        lhs: vec![pair[0].nout()],
                        rhs: vec![pair[1].nin()],
                    });
                }
            }
            if layers.iter().any(|l| !std::ptr::eq(l.weight().graph(), g)) {
                return Err(Error::ForeignGraph {
                    op: "Mlp::from_layers",
                });
            }
            let mut named = Vec::with_capacity(2 * layers.len());
            for (i, l) in layers.iter().enumerate() {
                named.push((format!("layers.{i}.weight"), l.weight()));
                named.push((format!("layers.{i}.bias"), l.bias()));
            }
            Ok(Mlp {
                params: ParamSet::new(named)?,
                layers,
            })
        }
    }

    /// The graph the parameters live on.
    pub fn graph(&self) -> &'g Graph<T> {
        self.layers[0].weight().graph()
    }

    /// The layers, inputs first.
    pub fn layers(&self) -> &[Linear<'g, T>] {
        &self.layers
    }

    /// The layer sizes, inputs first.
    pub fn sizes(&self) -> Vec<usize> {
        let mut s = vec![self.layers[0].nin()];
        s.extend(self.layers.iter().map(|l| l.nout()));
        s
    }

    /// Every parameter tensor with its PyTorch-style name (`layers.0.weight`,
    /// `layers.0.bias`, …), weight then bias for each layer.
    pub fn named_parameters(&self) -> Vec<(&str, Tensor<'g, T>)> {
        self.params.named()
    }

    /// The forward pass on a batch `x` of shape `[rows, inputs]`, recorded on the graph:
    /// `[rows, outputs]`. Panics for a wrong shape; see [`try_forward`](Mlp::try_forward).
    #[track_caller]
    pub fn forward(&self, x: Tensor<'g, T>) -> Tensor<'g, T> {
        or_panic(self.try_forward(x))
    }

    /// [`forward`](Mlp::forward) returning [`Error::Shape`] for an input of the wrong shape.
    pub fn try_forward(&self, x: Tensor<'g, T>) -> Result<Tensor<'g, T>> {
        forward(&self.layers, x)
    }

    /// The outputs for plain rows `x` (row-major, `inputs` values per row), `outputs` values
    /// per row, without recording anything: the pass runs inside [`Graph::no_grad`], so its
    /// nodes are constants freed before this returns.
    ///
    /// ```
    /// use rand::{SeedableRng, rngs::StdRng};
    /// use tapegrad::Graph;
    /// use tapegrad::nn::{Init, scalar::Activation, tensor::Mlp};
    /// let g = Graph::new();
    /// let mlp = Mlp::new(&g, &[2, 3, 4], Activation::Tanh, Activation::Linear,
    ///                    Init::PyTorch, &mut StdRng::seed_from_u64(3));
    /// let before = g.len();
    /// let logits = mlp.predict(&[0.5, -1.0, 2.0, 0.0]).unwrap(); // two rows
    /// assert_eq!((logits.len(), g.len()), (8, before));
    /// let p = mlp.predict_proba(&[0.5, -1.0]).unwrap();          // softmax output
    /// assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    /// ```
    pub fn predict(&self, x: &[T]) -> Result<Vec<T>> {
        self.predict_with(x, Ok)
    }

    /// The softmax of each row's outputs (class probabilities when the outputs are the logits
    /// of a classifier trained with [`Loss::CrossEntropy`](crate::nn::train::Loss)), without
    /// recording. Training uses the logits, where log-softmax and the cross-entropy are fused
    /// stably; the probabilities are for reading.
    pub fn predict_proba(&self, x: &[T]) -> Result<Vec<T>> {
        self.predict_with(x, |z| z.try_softmax(-1))
    }

    /// Each layer's outputs (after its activation) for plain rows `x`, first layer first, each
    /// `[rows, layer outputs]` row-major, without recording: what
    /// [`draw_activations`](Mlp::draw_activations) shows.
    pub fn activations(&self, x: &[T]) -> Result<Vec<Vec<T>>> {
        let rows = self.rows(x)?;
        let g = self.graph();
        g.no_grad(|| {
            let mut h = g.try_tensor_const(x, &[rows, self.layers[0].nin()])?;
            let mut out = Vec::with_capacity(self.layers.len());
            for layer in &self.layers {
                h = layer.try_forward(h)?;
                out.push(h.try_to_vec()?);
            }
            Ok(out)
        })
    }

    /// The values of `then(forward(x))` computed inside [`Graph::no_grad`].
    fn predict_with(
        &self,
        x: &[T],
        then: impl FnOnce(Tensor<'g, T>) -> Result<Tensor<'g, T>>,
    ) -> Result<Vec<T>> {
        let rows = self.rows(x)?;
        let g = self.graph();
        g.no_grad(|| {
            let input = g.try_tensor_const(x, &[rows, self.layers[0].nin()])?;
            then(self.try_forward(input)?)?.try_to_vec()
        })
    }

    /// The number of rows in a row-major batch, or [`Error::Shape`] if its length is not a
    /// multiple of the number of inputs.
    pub(crate) fn rows<V>(&self, x: &[V]) -> Result<usize> {
        batch_rows("Mlp", &[self.layers[0].nin()], x.len())
    }

    /// One training step with a loss of your own: records the forward pass on the rows `x`
    /// (row-major, `inputs` per row) after a mark, calls `loss` with the outputs
    /// `[rows, outputs]`, computes the gradient of what it returns with respect to every
    /// parameter, keeps it for [`update_params`](crate::nn::train::Trainable::update_params),
    /// rewinds to the mark and returns the loss value. `loss` may record anything on the graph
    /// (it is freed too); [`loss_and_grad`](crate::nn::train::Trainable::loss_and_grad) is this
    /// with a [`Loss`](crate::nn::train::Loss), and [`Distill`](crate::nn::distill::Distill)
    /// uses it with a distillation loss.
    pub fn loss_and_grad_with(
        &mut self,
        x: &[f64],
        loss: impl FnOnce(Tensor<'g, T>) -> Result<Var<'g, T>>,
    ) -> Result<f64> {
        let shape = [self.rows(x)?, self.layers[0].nin()];
        let g = self.graph();
        let Mlp { layers, params } = self;
        params.step(g, x, &shape, |input| loss(forward(layers, input)?))
    }
}

/// The layers applied in order.
fn forward<'g, T: Float>(layers: &[Linear<'g, T>], x: Tensor<'g, T>) -> Result<Tensor<'g, T>> {
    layers.iter().try_fold(x, |h, l| l.try_forward(h))
}

impl<T: Float> fmt::Display for Mlp<'_, T> {
    /// `Mlp 64 → 32 (relu) → 10 (linear), 2410 parameters`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Mlp {}", self.layers[0].nin())?;
        for l in &self.layers {
            write!(f, " → {} ({})", l.nout(), l.activation().name())?;
        }
        let n: usize = self.params.tensors().iter().map(TensorInfo::numel).sum();
        write!(f, ", {n} parameters")
    }
}
