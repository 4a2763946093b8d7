//! [`Linear`]: a fully connected layer whose weight and bias are two tensor leaves.

use crate::error::{Error, Result, or_panic, with_panicking_twin};
use crate::nn::constructors::layer_new;
use crate::nn::scalar::Activation;
use crate::real::Float;
use crate::tensor::Tensor;

/// A fully connected layer on a batch: y = f(x Wᵀ + b) for x of shape `[rows, nin]`, with the
/// weight W a `[nout, nin]` tensor (PyTorch's `nn.Linear` layout) and the bias b a `[nout]`
/// tensor broadcast over the rows, followed by an [`Activation`] f.
///
/// Built only from graph ops: one matmul (W read transposed in place, no copy), one
/// broadcasting add, the activation. Derivatives, with u = x Wᵀ + b and upstream G = ∂L/∂y:
/// ∂L/∂u = G ⊙ f'(u), ∂L/∂W = (∂L/∂u)ᵀ x, ∂L/∂b = Σ_rows ∂L/∂u, ∂L/∂x = (∂L/∂u) W.
///
/// ```
/// use rand::{SeedableRng, rngs::StdRng};
/// use tapegrad::Graph;
/// use tapegrad::nn::{Init, scalar::Activation, tensor::Linear};
/// let g = Graph::new();
/// let layer = Linear::new(&g, 3, 2, Activation::Relu, Init::HeUniform,
///                         &mut StdRng::seed_from_u64(0));
/// let x = g.tensor_const(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
/// assert_eq!(layer.forward(x).shape(), vec![2, 2]);
/// assert_eq!(layer.weight().shape(), vec![2, 3]);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Linear<'g, T: Float = f64> {
    weight: Tensor<'g, T>,
    bias: Tensor<'g, T>,
    activation: Activation,
}

impl<'g, T: Float> Linear<'g, T> {
    layer_new! { dense:
        /// A layer of `nout` outputs reading `nin` inputs, its parameters drawn by `init` (the
        /// weights row by row, then the biases). Make it before the [`mark`](crate::Graph::mark) of a
        /// training loop so its leaves survive every rewind. Panics for a zero size; see
        /// [`try_new`](Linear::try_new).
        new;

        /// [`new`](Linear::new) returning an error for a zero size.
        try_new(g, nin, nout, activation, init, rng) {
            if nin == 0 || nout == 0 {
                return Err(Error::Invalid(format!(
                    "a linear layer needs at least one input and one output; got {nin} → {nout}"
                )));
            }
            let (w, b) = init.draw_tensors::<T>((nin * nout, nout), (nin, nout), rng);
            Ok(Linear {
                weight: g.try_tensor(&w, &[nout, nin])?,
                bias: g.try_tensor(&b, &[nout])?,
                activation,
            })
        }
    }

    with_panicking_twin! {
        /// A layer from given parameters (weights loaded from elsewhere, shared, or initialised by
        /// hand): `weight` is `[nout, nin]` — row `o` holds the weights of output `o`, PyTorch's
        /// `nn.Linear.weight` layout, the transpose of a `[nin, nout]` matrix `x @ W` would use —
        /// and `bias` is `[nout]`. They are used as given (normally leaves made with
        /// [`Graph::tensor`](crate::Graph::tensor), so they take gradients). Panics for shapes that
        /// do not fit; see [`try_from_tensors`](Linear::try_from_tensors).
        ///
        /// ```
        /// use tapegrad::Graph;
        /// use tapegrad::nn::{scalar::Activation, tensor::Linear};
        /// let g = Graph::new();
        /// let w = g.tensor(&[1.0, 0.0, -1.0, 2.0, 1.0, 0.0], &[2, 3]); // 3 inputs → 2 outputs
        /// let b = g.tensor(&[0.5, -0.5], &[2]);
        /// let layer = Linear::from_tensors(w, b, Activation::Linear);
        /// let y = layer.forward(g.tensor_const(&[1.0, 1.0, 1.0], &[1, 3]));
        /// assert_eq!(y.to_vec(), vec![0.5, 2.5]); // x Wᵀ + b
        /// ```
        pub fn from_tensors;

        /// [`from_tensors`](Linear::from_tensors) returning an error unless `weight` is
        /// `[nout, nin]` with `nin, nout ≥ 1` and `bias` is `[nout]`.
        pub fn try_from_tensors(
            weight: Tensor<'g, T>,
            bias: Tensor<'g, T>,
            activation: Activation,
        ) -> Result<Self> {
            let (ws, bs) = (weight.try_shape()?, bias.try_shape()?);
            if ws.len() != 2 || ws.contains(&0) || bs != ws[..1] {
                return Err(Error::Invalid(format!(
                    "`Linear::from_tensors`: weight {ws:?} and bias {bs:?} do not make a layer; \
                     the weight is [nout, nin] (one row per output, PyTorch's layout) and the bias \
                     [nout]"
                )));
            }
            if !std::ptr::eq(weight.graph(), bias.graph()) {
                return Err(Error::ForeignGraph {
                    op: "Linear::from_tensors",
                });
            }
            Ok(Linear {
                weight,
                bias,
                activation,
            })
        }
    }

    /// The weight leaf, `[nout, nin]`.
    pub fn weight(&self) -> Tensor<'g, T> {
        self.weight
    }

    /// The bias leaf, `[nout]`.
    pub fn bias(&self) -> Tensor<'g, T> {
        self.bias
    }

    /// The activation applied after the affine map.
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// The number of inputs.
    pub fn nin(&self) -> usize {
        self.weight.shape()[1]
    }

    /// The number of outputs.
    pub fn nout(&self) -> usize {
        self.weight.shape()[0]
    }

    /// f(x Wᵀ + b) for a batch `x` of shape `[rows, nin]`, recorded on the graph. Panics for a
    /// wrong shape; see [`try_forward`](Linear::try_forward).
    #[track_caller]
    pub fn forward(&self, x: Tensor<'g, T>) -> Tensor<'g, T> {
        or_panic(self.try_forward(x))
    }

    /// [`forward`](Linear::forward) returning [`Error::Shape`] unless `x` is `[rows, nin]`.
    pub fn try_forward(&self, x: Tensor<'g, T>) -> Result<Tensor<'g, T>> {
        let s = x.try_shape()?;
        let nin = self.nin();
        if s.len() != 2 || s[1] != nin {
            return Err(Error::Shape {
                op: "Linear::forward",
                lhs: s,
                rhs: vec![self.nout(), nin],
            });
        }
        let u = x.matmul_t(false, self.weight, true)?.try_add(self.bias)?;
        self.activation.try_apply_tensor(u)
    }
}
