//! Convolution and pooling layers on `(N, C, H, W)` batches: [`Conv2d`], [`MaxPool2d`],
//! [`AvgPool2d`], and [`Layer2d`], the one type a [`Cnn`](super::Cnn)'s feature stack holds.

use crate::error::{Error, Result, or_panic, with_panicking_twin};
use crate::nn::scalar::Activation;
use crate::nn::{Init, RngSource};
use crate::real::Float;
use crate::tape::Graph;
use crate::tensor::{Conv2dOptions, Pool2dOptions, Tensor};

/// A 2-D convolution layer: y = f(conv2d(x, W) + b) for x of shape `(N, C, H, W)`, with the
/// weight W a `(O, C, k, k)` tensor and the bias b an `(O)` tensor (PyTorch's `nn.Conv2d`
/// layout), followed by an [`Activation`] f.
///
/// Derivatives are those of [`Tensor::conv2d`] and of the activation.
///
/// ```
/// use rand::{SeedableRng, rngs::StdRng};
/// use tapegrad::Graph;
/// use tapegrad::nn::{Init, scalar::Activation, tensor::Conv2d};
/// use tapegrad::tensor::Conv2dOptions;
/// let g = Graph::new();
/// let conv = Conv2d::new(&g, 1, 4, 3, Conv2dOptions::default().padding(1),
///                        Activation::Relu, Init::HeUniform, &mut StdRng::seed_from_u64(0));
/// let x = g.zeros(&[2, 1, 8, 8]);
/// assert_eq!(conv.forward(x).shape(), vec![2, 4, 8, 8]); // padding 1 keeps 8×8
/// assert_eq!(conv.weight().shape(), vec![4, 1, 3, 3]);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Conv2d<'g, T: Float = f64> {
    weight: Tensor<'g, T>,
    bias: Tensor<'g, T>,
    opts: Conv2dOptions,
    activation: Activation,
}

impl<'g, T: Float> Conv2d<'g, T> {
    with_panicking_twin! {
        /// A layer of `cout` output channels reading `cin` input channels through `k × k`
        /// kernels, its parameters drawn by `init` with fan-in C·k·k and fan-out O·k·k (as
        /// PyTorch counts them). Make it before the [`mark`](Graph::mark) of a training loop.
        /// Panics for a zero size; see [`try_new`](Conv2d::try_new).
        #[allow(clippy::too_many_arguments)]
        pub fn new;

        /// [`new`](Conv2d::new) returning an error for a zero size.
        #[allow(clippy::too_many_arguments)]
        pub fn try_new(
            g: &'g Graph<T>,
            cin: usize,
            cout: usize,
            k: usize,
            opts: Conv2dOptions,
            activation: Activation,
            init: Init,
            rng: impl RngSource,
        ) -> Result<Self> {
            let rng = &mut rng.into_rng();
            if cin == 0 || cout == 0 || k == 0 {
                return Err(Error::Invalid(format!(
                    "a convolution layer needs at least one input channel, one output channel \
                     and a kernel of size 1; got {cin} → {cout}, kernel {k}"
                )));
            }
            let (fan_in, fan_out) = (cin * k * k, cout * k * k);
            let (w, b) = init.draw_tensors::<T>((cout * fan_in, cout), (fan_in, fan_out), rng);
            Ok(Conv2d {
                weight: g.try_tensor(&w, &[cout, cin, k, k])?,
                bias: g.try_tensor(&b, &[cout])?,
                opts,
                activation,
            })
        }
    }

    /// The weight leaf, `(O, C, k, k)`.
    pub fn weight(&self) -> Tensor<'g, T> {
        self.weight
    }

    /// The bias leaf, `(O)`.
    pub fn bias(&self) -> Tensor<'g, T> {
        self.bias
    }

    /// Stride, padding and dilation.
    pub fn options(&self) -> Conv2dOptions {
        self.opts
    }

    /// The activation applied after the convolution.
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// f(conv2d(x, W) + b), recorded on the graph. Panics for a wrong shape; see
    /// [`try_forward`](Conv2d::try_forward).
    #[track_caller]
    pub fn forward(&self, x: Tensor<'g, T>) -> Tensor<'g, T> {
        or_panic(self.try_forward(x))
    }

    /// [`forward`](Conv2d::forward) returning the errors of [`Tensor::try_conv2d`].
    pub fn try_forward(&self, x: Tensor<'g, T>) -> Result<Tensor<'g, T>> {
        let u = x.try_conv2d(self.weight, Some(self.bias), self.opts)?;
        self.activation.try_apply_tensor(u)
    }
}

/// A max-pooling layer ([`Tensor::max_pool2d`]); it has no parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MaxPool2d(pub Pool2dOptions);

/// An average-pooling layer ([`Tensor::avg_pool2d`]); it has no parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AvgPool2d(pub Pool2dOptions);

impl MaxPool2d {
    /// The pooled batch. Errors as [`Tensor::try_max_pool2d`].
    pub fn try_forward<'g, T: Float>(&self, x: Tensor<'g, T>) -> Result<Tensor<'g, T>> {
        x.try_max_pool2d(self.0)
    }
}

impl AvgPool2d {
    /// The pooled batch. Errors as [`Tensor::try_avg_pool2d`].
    pub fn try_forward<'g, T: Float>(&self, x: Tensor<'g, T>) -> Result<Tensor<'g, T>> {
        x.try_avg_pool2d(self.0)
    }
}

/// One layer of a [`Cnn`](super::Cnn)'s feature stack.
#[derive(Clone, Copy, Debug)]
pub enum Layer2d<'g, T: Float = f64> {
    /// A convolution (with its activation).
    Conv(Conv2d<'g, T>),
    /// A max pool.
    MaxPool(MaxPool2d),
    /// An average pool.
    AvgPool(AvgPool2d),
}

impl<'g, T: Float> Layer2d<'g, T> {
    /// The layer applied to a batch `(N, C, H, W)`.
    pub fn try_forward(&self, x: Tensor<'g, T>) -> Result<Tensor<'g, T>> {
        match self {
            Layer2d::Conv(c) => c.try_forward(x),
            Layer2d::MaxPool(p) => p.try_forward(x),
            Layer2d::AvgPool(p) => p.try_forward(x),
        }
    }

    /// A short description: `conv 1→8 3×3 (relu)`, `max_pool 2×2`, `avg_pool 2×2`.
    pub fn describe(&self) -> String {
        let pool = |name: &str, o: Pool2dOptions| format!("{name} {}×{}", o.kernel.0, o.kernel.1);
        match self {
            Layer2d::Conv(c) => {
                let s = c.weight.shape();
                let act = c.activation.name();
                format!("conv {}→{} {}×{} ({act})", s[1], s[0], s[2], s[3])
            }
            Layer2d::MaxPool(p) => pool("max_pool", p.0),
            Layer2d::AvgPool(p) => pool("avg_pool", p.0),
        }
    }
}
