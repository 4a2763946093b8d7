//! [`Cnn`]: convolution and pooling layers, flattened, then a tensor [`Mlp`] head; a
//! [`Trainable`] model.

use std::fmt;

use super::params::{ParamSet, check_batch, param_set_trainable, predict_f64};
use super::{Layer2d, Mlp};
use crate::error::{Error, Result, or_panic};
use crate::nn::train::{Loss, ParamMut, TensorInfo, Trainable, batch_rows};
use crate::real::Float;
use crate::scalar::Var;
use crate::tape::Graph;
use crate::tensor::Tensor;

/// A convolutional network on images of `C × H × W` values: a stack of [`Layer2d`]s
/// (convolutions, pools) on `(N, C, H, W)` batches, flattened to `(N, features)`, then a
/// tensor [`Mlp`] head (usually ending in logits).
///
/// It is a [`Trainable`] model, so [`fit`](crate::nn::train::fit),
/// [`evaluate`](crate::nn::train::evaluate), early stopping and safetensors files work with it:
/// an input row is one image, `C·H·W` values in row-major `(C, H, W)` order. Parameters are
/// named as PyTorch's `state_dict` of a `Sequential` would name them: `features.{i}.weight`
/// and `features.{i}.bias` for the convolution at position `i` of the stack, then the head's
/// `layers.{i}.weight` / `layers.{i}.bias`. Each step records after a mark and rewinds, as
/// [`Mlp`]'s do.
///
/// ```
/// use rand::{SeedableRng, rngs::StdRng};
/// use tapegrad::Graph;
/// use tapegrad::nn::{Init, scalar::Activation};
/// use tapegrad::nn::tensor::{Cnn, Conv2d, Layer2d, MaxPool2d, Mlp};
/// use tapegrad::nn::train::Trainable;
/// use tapegrad::tensor::{Conv2dOptions, Pool2dOptions};
/// let g = Graph::new();
/// let mut rng = StdRng::seed_from_u64(0);
/// let conv = Conv2d::new(&g, 1, 4, 3, Conv2dOptions::default().padding(1),
///                        Activation::Relu, Init::HeUniform, &mut rng);
/// let pool = MaxPool2d(Pool2dOptions::new(2));
/// let head = Mlp::new(&g, &[4 * 4 * 4, 10], Activation::Relu, Activation::Linear,
///                     Init::HeUniform, &mut rng);
/// let cnn = Cnn::new([1, 8, 8], vec![Layer2d::Conv(conv), Layer2d::MaxPool(pool)], head);
/// assert_eq!(cnn.to_string(),
///            "Cnn 1×8×8 → conv 1→4 3×3 (relu) → max_pool 2×2 → 64 → 10 (linear), 690 parameters");
/// assert_eq!(cnn.tensors()[0].name, "features.0.weight");
/// let logits = cnn.predict(&[0.5; 64]).unwrap(); // one image
/// assert_eq!(logits.len(), 10);
/// ```
#[derive(Debug)]
pub struct Cnn<'g, T: Float = f64> {
    input: [usize; 3],
    features: Vec<Layer2d<'g, T>>,
    head: Mlp<'g, T>,
    /// The convolutions' weight and bias in order, then the head's parameters.
    params: ParamSet<'g, T>,
}

impl<'g, T: Float> Cnn<'g, T> {
    /// A network reading images of shape `input` = `[C, H, W]`, applying `features` in order,
    /// then `head` to the flattened result. Panics if the shapes do not chain or the layers
    /// live on different graphs; see [`try_new`](Cnn::try_new).
    #[track_caller]
    pub fn new(input: [usize; 3], features: Vec<Layer2d<'g, T>>, head: Mlp<'g, T>) -> Self {
        or_panic(Self::try_new(input, features, head))
    }

    /// [`new`](Cnn::new) returning an error (the layer's own) when an image of shape `input`
    /// does not pass through `features`, or [`Error::Shape`] when the flattened features do
    /// not match the head's inputs.
    pub fn try_new(
        input: [usize; 3],
        features: Vec<Layer2d<'g, T>>,
        head: Mlp<'g, T>,
    ) -> Result<Self> {
        let g = head.graph();
        let convs = features.iter().enumerate().filter_map(|(i, l)| match l {
            Layer2d::Conv(c) => Some((i, c)),
            _ => None,
        });
        let mut named = Vec::new();
        for (i, c) in convs {
            if !std::ptr::eq(c.weight().graph(), g) {
                return Err(Error::ForeignGraph { op: "Cnn::new" });
            }
            named.push((format!("features.{i}.weight"), c.weight()));
            named.push((format!("features.{i}.bias"), c.bias()));
        }
        named.extend(
            head.named_parameters()
                .into_iter()
                .map(|(n, t)| (n.into(), t)),
        );
        let cnn = Cnn {
            input,
            features,
            head,
            params: ParamSet::new(named)?,
        };
        let flat = cnn.feature_size()?;
        let nin = cnn.head.layers()[0].nin();
        if flat != nin {
            return Err(Error::Shape {
                op: "Cnn::new",
                lhs: vec![flat],
                rhs: vec![nin],
            });
        }
        Ok(cnn)
    }

    /// The number of values the feature stack produces per image (the head's inputs).
    fn feature_size(&self) -> Result<usize> {
        let g = self.graph();
        let [c, h, w] = self.input;
        let shape = g.no_grad(|| -> Result<Vec<usize>> {
            features_of(&self.features, g.try_full(&[1, c, h, w], T::ZERO)?)?.try_shape()
        })?;
        Ok(shape.iter().product())
    }

    /// The graph the parameters live on.
    pub fn graph(&self) -> &'g Graph<T> {
        self.head.graph()
    }

    /// The feature stack.
    pub fn features(&self) -> &[Layer2d<'g, T>] {
        &self.features
    }

    /// The dense head.
    pub fn head(&self) -> &Mlp<'g, T> {
        &self.head
    }

    /// The forward pass on a batch `(N, C, H, W)`, recorded: `(N, outputs)`. Panics for a
    /// wrong shape; see [`try_forward`](Cnn::try_forward).
    #[track_caller]
    pub fn forward(&self, x: Tensor<'g, T>) -> Tensor<'g, T> {
        or_panic(self.try_forward(x))
    }

    /// [`forward`](Cnn::forward) returning the first layer's error for a wrong shape.
    pub fn try_forward(&self, x: Tensor<'g, T>) -> Result<Tensor<'g, T>> {
        forward(&self.features, &self.head, x)
    }

    /// The outputs for plain rows `x` (one image of `C·H·W` values per row), without
    /// recording: computed inside [`Graph::no_grad`].
    pub fn predict(&self, x: &[T]) -> Result<Vec<T>> {
        let rows = self.rows(x)?;
        let g = self.graph();
        let [c, h, w] = self.input;
        g.no_grad(|| {
            let input = g.try_tensor_const(x, &[rows, c, h, w])?;
            self.try_forward(input)?.try_to_vec()
        })
    }

    /// The number of images in a row-major batch.
    fn rows<V>(&self, x: &[V]) -> Result<usize> {
        batch_rows("Cnn", &self.input, x.len())
    }

    /// One training step with a loss of your own, as [`Mlp::loss_and_grad_with`]: records
    /// the forward pass on the images `x` after a mark, calls `loss` with the outputs, keeps
    /// the gradient of what it returns, rewinds and returns the loss value.
    pub fn loss_and_grad_with(
        &mut self,
        x: &[f64],
        loss: impl FnOnce(Tensor<'g, T>) -> Result<Var<'g, T>>,
    ) -> Result<f64> {
        let [c, h, w] = self.input;
        let shape = [self.rows(x)?, c, h, w];
        let g = self.graph();
        let Cnn {
            features,
            head,
            params,
            ..
        } = self;
        params.step(g, x, &shape, |input| loss(forward(features, head, input)?))
    }
}

/// The feature stack on a batch `(N, C, H, W)`: `(N, C', H', W')`.
fn features_of<'g, T: Float>(
    features: &[Layer2d<'g, T>],
    x: Tensor<'g, T>,
) -> Result<Tensor<'g, T>> {
    features.iter().try_fold(x, |h, l| l.try_forward(h))
}

/// The features, flattened per image, then the head.
fn forward<'g, T: Float>(
    features: &[Layer2d<'g, T>],
    head: &Mlp<'g, T>,
    x: Tensor<'g, T>,
) -> Result<Tensor<'g, T>> {
    let f = features_of(features, x)?;
    let s = f.try_shape()?;
    head.try_forward(f.try_reshape(&[s[0], s[1..].iter().product()])?)
}

impl<T: Float> Trainable<T> for Cnn<'_, T> {
    fn n_inputs(&self) -> usize {
        self.input.iter().product()
    }

    fn n_outputs(&self) -> usize {
        self.head.n_outputs()
    }

    param_set_trainable!();
}

impl<T: Float> fmt::Display for Cnn<'_, T> {
    /// `Cnn 1×8×8 → conv 1→8 3×3 (relu) → max_pool 2×2 → 128 → 10 (linear), 1378 parameters`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [c, h, w] = self.input;
        write!(f, "Cnn {c}×{h}×{w}")?;
        for l in &self.features {
            write!(f, " → {}", l.describe())?;
        }
        write!(f, " → {}", self.head.layers()[0].nin())?;
        for l in self.head.layers() {
            write!(f, " → {} ({})", l.nout(), l.activation().name())?;
        }
        write!(f, ", {} parameters", self.num_parameters())
    }
}
