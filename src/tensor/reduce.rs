//! Reductions (sum, mean, max over axes or over everything) and softmax / log-softmax.

use super::Tensor;
use super::kernels;
use super::shape::{axes_mask, axis};
use super::store::TensorOp;
use crate::error::{Result, with_panicking_twin};
use crate::real::Float;
use crate::scalar::Var;

#[derive(Clone, Copy)]
enum Kind {
    Sum,
    Mean,
    Max,
}

impl<'g, T: Float> Tensor<'g, T> {
    #[track_caller]
    fn reduce(self, kind: Kind, axes: &[isize], keepdim: bool) -> Result<Self> {
        let name = match kind {
            Kind::Sum => "sum",
            Kind::Mean => "mean",
            Kind::Max => "amax",
        };
        let mask = axes_mask(name, self.inner_shape()?, axes)?;
        self.reduce_mask(kind, mask, keepdim)
    }

    /// The reduction over every axis, as a scalar.
    #[track_caller]
    fn reduce_all(self, kind: Kind) -> Result<Var<'g, T>> {
        let all = self.inner_shape()?.all_axes();
        self.reduce_mask(kind, all, false)?.try_as_var()
    }

    #[track_caller]
    fn reduce_mask(self, kind: Kind, mask: u32, keepdim: bool) -> Result<Self> {
        let op = match kind {
            Kind::Sum => TensorOp::Sum {
                axes: mask,
                keepdim,
            },
            Kind::Mean => TensorOp::Mean {
                axes: mask,
                keepdim,
            },
            Kind::Max => TensorOp::Max {
                axes: mask,
                keepdim,
            },
        };
        self.graph.record_tensor(
            op,
            [self],
            &[],
            |[s]| Ok(s.reduced(mask, keepdim)),
            |[(x, xs)], _, out| {
                let keep = xs.reduced(mask, true);
                match kind {
                    Kind::Sum => kernels::sum_to(x, xs, keep, out),
                    Kind::Mean => {
                        kernels::sum_to(x, xs, keep, out);
                        let r = T::ONE / T::from_f64((xs.numel() / keep.numel().max(1)) as f64);
                        out.iter_mut().for_each(|v| *v = *v * r);
                    }
                    Kind::Max => kernels::max_to(x, xs, keep, out),
                }
            },
        )
    }

    with_panicking_twin! {
        /// The sum of all elements, as a scalar [`Var`]. Derivative: 1 for every element.
        ///
        /// ```
        /// # use tapegrad::Graph;
        /// let g = Graph::new();
        /// let x = g.tensor(&[1.0, 2.0, 3.0], &[3]);
        /// let s = x.sum();
        /// assert_eq!(s.value(), 6.0);
        /// assert_eq!(g.backward(s * s).tensor(x), &[12.0, 12.0, 12.0]);
        /// ```
        pub fn sum;

        /// [`sum`](Tensor::sum) returning an error for a stale handle.
        #[track_caller]
        pub fn try_sum(self) -> Result<Var<'g, T>> {
            self.reduce_all(Kind::Sum)
        }
    }

    with_panicking_twin! {
        /// The mean of all elements, as a scalar [`Var`]. Derivative: 1/n for every element.
        pub fn mean;

        /// [`mean`](Tensor::mean) returning an error for a stale handle.
        #[track_caller]
        pub fn try_mean(self) -> Result<Var<'g, T>> {
            self.reduce_all(Kind::Mean)
        }
    }

    with_panicking_twin! {
        /// The largest element, as a scalar [`Var`] (NumPy's `a.max()`, PyTorch's `t.max()`; over
        /// some axes it is [`amax`](Tensor::amax), elementwise [`maximum`](Tensor::maximum)).
        /// Derivative: 1/k at each of the k maxima, 0 elsewhere (as JAX and PyTorch's `amax`).
        pub fn max;

        /// [`max`](Tensor::max) returning an error for a stale handle.
        #[track_caller]
        pub fn try_max(self) -> Result<Var<'g, T>> {
            self.reduce_all(Kind::Max)
        }
    }

    with_panicking_twin! {
        /// Sum over `axes` (negative ones count from the end), keeping them as size 1 with
        /// `keepdim`. An empty list reduces nothing, as NumPy's `axis=()` (the sum of every element
        /// is [`sum`](Tensor::sum)). Derivative: 1 for every element of a group.
        ///
        /// ```
        /// # use tapegrad::Graph;
        /// let g = Graph::new();
        /// let x = g.tensor(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
        /// assert_eq!(x.sum_axes(&[-1], false).to_vec(), vec![6.0, 15.0]);
        /// assert_eq!(x.sum_axes(&[0], true).shape(), vec![1, 3]);
        /// assert_eq!(x.sum_axes(&[], false).to_vec(), x.to_vec()); // axis=(): no reduction
        /// ```
        pub fn sum_axes;

        /// [`sum_axes`](Tensor::sum_axes) returning an error for a bad or repeated axis.
        #[track_caller]
        pub fn try_sum_axes(self, axes: &[isize], keepdim: bool) -> Result<Self> {
            self.reduce(Kind::Sum, axes, keepdim)
        }
    }

    with_panicking_twin! {
        /// Mean over `axes` (as [`sum_axes`](Tensor::sum_axes)). Derivative: 1/n for each of the
        /// n elements of a group.
        pub fn mean_axes;

        /// [`mean_axes`](Tensor::mean_axes) returning an error for a bad or repeated axis.
        #[track_caller]
        pub fn try_mean_axes(self, axes: &[isize], keepdim: bool) -> Result<Self> {
            self.reduce(Kind::Mean, axes, keepdim)
        }
    }

    with_panicking_twin! {
        /// Maximum over `axes` (as [`sum_axes`](Tensor::sum_axes); NumPy's and PyTorch's `amax`).
        /// Derivative: 1/k at each of the k maxima of a group, 0 elsewhere. The elementwise
        /// maximum of two tensors is [`maximum`](Tensor::maximum).
        ///
        /// ```
        /// # use tapegrad::Graph;
        /// let g = Graph::new();
        /// let x = g.tensor(&[2.0, 2.0, 1.0], &[3]);
        /// let grads = g.backward(x.amax(&[0], false).sum());
        /// assert_eq!(grads.tensor(x), &[0.5, 0.5, 0.0]); // a tie splits the gradient
        /// ```
        pub fn amax;

        /// [`amax`](Tensor::amax) returning an error for a bad or repeated axis.
        #[track_caller]
        pub fn try_amax(self, axes: &[isize], keepdim: bool) -> Result<Self> {
            self.reduce(Kind::Max, axes, keepdim)
        }
    }

    /// The old name of [`amax`](Tensor::amax).
    #[deprecated(note = "use amax (NumPy's and PyTorch's name for a maximum over axes)")]
    #[track_caller]
    pub fn max_axes(self, axes: &[isize], keepdim: bool) -> Self {
        self.amax(axes, keepdim)
    }

    /// The old name of [`try_amax`](Tensor::try_amax).
    #[deprecated(note = "use try_amax")]
    #[track_caller]
    pub fn try_max_axes(self, axes: &[isize], keepdim: bool) -> Result<Self> {
        self.try_amax(axes, keepdim)
    }

    with_panicking_twin! {
        /// Softmax along `axis` (−1 for the last), computed stably (the maximum is subtracted
        /// first). Derivative: with y = softmax(x), ∂L/∂x = y ⊙ (g − Σ g ⊙ y) along the axis.
        ///
        /// ```
        /// # use tapegrad::Graph;
        /// let g = Graph::new();
        /// let x = g.tensor(&[1000.0, 1000.0], &[1, 2]);
        /// assert_eq!(x.softmax(-1).to_vec(), vec![0.5, 0.5]); // no overflow
        /// ```
        pub fn softmax;

        /// [`softmax`](Tensor::softmax) returning an error for a bad axis.
        #[track_caller]
        pub fn try_softmax(self, axis: isize) -> Result<Self> {
            self.softmax_op(axis, false)
        }
    }

    with_panicking_twin! {
        /// Log-softmax along `axis` (−1 for the last): x − max − ln Σ e^(x − max), stable.
        /// Derivative: with y = log_softmax(x), ∂L/∂x = g − eʸ ⊙ Σ g along the axis.
        ///
        /// ```
        /// # use tapegrad::Graph;
        /// let g = Graph::new();
        /// let x = g.tensor(&[0.0, 0.0], &[2]);
        /// let y = x.log_softmax(0);
        /// assert_eq!(y.to_vec(), vec![-(2.0_f64.ln()); 2]);
        /// ```
        pub fn log_softmax;

        /// [`log_softmax`](Tensor::log_softmax) returning an error for a bad axis.
        #[track_caller]
        pub fn try_log_softmax(self, axis: isize) -> Result<Self> {
            self.softmax_op(axis, true)
        }
    }

    #[track_caller]
    fn softmax_op(self, ax: isize, log: bool) -> Result<Self> {
        let name = if log { "log_softmax" } else { "softmax" };
        let a = axis(name, self.inner_shape()?, ax)?;
        let op = if log {
            TensorOp::LogSoftmax { axis: a as u8 }
        } else {
            TensorOp::Softmax { axis: a as u8 }
        };
        self.graph.record_tensor(
            op,
            [self],
            &[],
            |[s]| Ok(s),
            |[(x, xs)], _, out| kernels::softmax(x, xs, a, log, out),
        )
    }
}
