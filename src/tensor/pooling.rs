//! 2-D max and average pooling over the last two axes of an `(N, C, H, W)` tensor.
//!
//! The forward passes are direct loops over each window. The derivatives are written with the
//! im2col / col2im pair of [`conv`](super::conv): the upstream gradient is spread over each
//! window's taps (weighted by the max pool's tie weights, or by 1/(kh·kw) for the average)
//! and col2im adds the taps back onto the input, so the recorded backward needs no op of its
//! own.

use super::Tensor;
use super::conv::{Window, both_axes, check_nchw, check_window, im2col};
use super::kernels;
use super::shape::Shape;
use super::store::TensorOp;
use crate::error::{Error, Result, with_panicking_twin};
use crate::real::{Float, Real};

/// Kernel, stride and padding of [`Tensor::max_pool2d`] and [`Tensor::avg_pool2d`], each as
/// (height, width).
///
/// ```
/// use tapegrad::tensor::Pool2dOptions;
/// let o = Pool2dOptions::new(3).stride(2).padding(1);
/// assert_eq!((o.kernel, o.stride, o.padding), ((3, 3), (2, 2), (1, 1)));
/// assert_eq!(Pool2dOptions::new(2).stride, (2, 2)); // the stride defaults to the kernel
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pool2dOptions {
    /// The window size (≥ 1).
    pub kernel: (usize, usize),
    /// Step between windows (≥ 1).
    pub stride: (usize, usize),
    /// Padding on both sides of each axis, at most half the kernel. A max pool never picks
    /// the padding; an average pool counts it as zeros (PyTorch's `count_include_pad`).
    pub padding: (usize, usize),
}

impl Pool2dOptions {
    /// A `k × k` window with stride `k` (windows side by side) and no padding.
    pub fn new(k: usize) -> Self {
        Pool2dOptions {
            kernel: (k, k),
            stride: (k, k),
            padding: (0, 0),
        }
    }

    both_axes!(stride, padding);
}

/// `(N·C, 1, H, W)`: the planes of an `(N, C, H, W)` shape as single-channel images, the
/// layout the pools' im2col works in.
pub(crate) fn planes(xs: Shape) -> Shape {
    Shape::SCALAR.concat(&[xs.dim(0) * xs.dim(1), 1, xs.dim(2), xs.dim(3)])
}

/// Folds every window of every plane of `x` (shape `(N, C, H, W)`) with `fold` over the
/// values inside the input (the padding is skipped), starting from `init`, and pushes
/// `finish(acc)` to `out`.
fn each_window<T: Float>(
    x: &[T],
    xs: Shape,
    win: &Window,
    init: T,
    fold: impl Fn(T, T) -> T,
    finish: impl Fn(T) -> T,
    out: &mut Vec<T>,
) {
    let (h, w) = (xs.dim(2), xs.dim(3));
    let [oh, ow] = win.out_hw(h, w);
    // The rows (or columns) of window `o` along axis `a` that lie inside `0..n`.
    let span = |a: usize, o: usize, n: usize| {
        let start = o * win.s[a];
        let lo = start.max(win.p[a]) - win.p[a];
        let hi = (start + win.k[a]).min(n + win.p[a]) - win.p[a];
        lo..hi
    };
    for plane in x.chunks_exact(h * w) {
        for oy in 0..oh {
            let rows = span(0, oy, h);
            for ox in 0..ow {
                let cols = span(1, ox, w);
                let mut acc = init;
                for y in rows.clone() {
                    for &v in &plane[y * w + cols.start..y * w + cols.end] {
                        acc = fold(acc, v);
                    }
                }
                out.push(finish(acc));
            }
        }
    }
}

/// The weights of a max pool's gradient in im2col layout `(N·C, kh·kw, OH·OW)`: 1/k at each of
/// the k maxima of a window, 0 elsewhere (padding included). `y` is the pool's output;
/// `cols` and `count` are scratch buffers.
pub(crate) fn max_weights<T: Float>(
    (x, xs): (&[T], Shape),
    y: &[T],
    win: &Window,
    cols: &mut Vec<T>,
    count: &mut Vec<T>,
    out: &mut Vec<T>,
) {
    let ps = planes(xs);
    im2col(x, ps, win, T::from_f64(f64::NEG_INFINITY), cols);
    let cs = win.cols_shape(ps);
    let keep = cs.with_dim(1, 1);
    kernels::max_weights(cols, cs, y, keep, count, out);
}

/// The window of a pool, checked against the input shape.
#[track_caller]
fn pool_window(op: &'static str, xs: Shape, opts: Pool2dOptions) -> Result<Window> {
    let k = [opts.kernel.0, opts.kernel.1];
    check_nchw(op, xs, &k)?;
    let win = Window {
        k,
        s: [opts.stride.0, opts.stride.1],
        p: [opts.padding.0, opts.padding.1],
        d: [1, 1],
    };
    check_window(op, xs, &win)?;
    if (0..2).any(|a| 2 * win.p[a] > win.k[a]) {
        return Err(Error::Invalid(format!(
            "`{op}`: padding {:?} must be at most half the kernel {:?}, so that every window \
             covers part of the input",
            win.p, win.k
        )));
    }
    Ok(win)
}

impl<'g, T: Float> Tensor<'g, T> {
    #[track_caller]
    fn pool2d(self, max: bool, opts: Pool2dOptions) -> Result<Self> {
        let (op, name) = if max {
            (TensorOp::MaxPool2d, "max_pool2d")
        } else {
            (TensorOp::AvgPool2d, "avg_pool2d")
        };
        let xs = self.inner_shape()?;
        let win = pool_window(name, xs, opts)?;
        let [oh, ow] = win.out_hw(xs.dim(2), xs.dim(3));
        let ys = Shape::SCALAR.concat(&[xs.dim(0), xs.dim(1), oh, ow]);
        self.with_params(op, win.params(), ys, |x, xs, _, out| {
            if max {
                let lowest = T::from_f64(f64::NEG_INFINITY);
                each_window(x, xs, &win, lowest, Real::max, |m| m, out);
            } else {
                let r = T::ONE / T::from_f64(win.taps() as f64);
                each_window(x, xs, &win, T::ZERO, |s, v| s + v, |s| s * r, out);
            }
        })
    }

    with_panicking_twin! {
        /// 2-D max pooling of an `(N, C, H, W)` tensor: each output is the largest input in its
        /// `kh × kw` window (windows `stride` apart, the padding never chosen), giving
        /// `(N, C, OH, OW)` with OH = ⌊(H + 2·ph − kh) / sh⌋ + 1 (and OW alike).
        ///
        /// Derivative: as the [max reduction](Tensor::amax), each window sends its upstream
        /// gradient to its maxima, 1/k to each of k tied maxima; an input in several overlapping
        /// windows sums what each sends it. The weights are constants, so second derivatives
        /// through a max pool are 0 (almost everywhere, as for relu).
        ///
        /// ```
        /// use tapegrad::{Graph, tensor::Pool2dOptions};
        /// let g = Graph::new();
        /// let x = g.tensor(&[1.0, 5.0, 2.0, 2.0,
        ///                    3.0, 4.0, 0.0, 1.0], &[1, 1, 2, 4]);
        /// let y = x.max_pool2d(Pool2dOptions::new(2)); // two 2×2 windows
        /// assert_eq!(y.to_vec(), vec![5.0, 2.0]);
        /// let grads = g.backward(y.sum());
        /// // 5 is the first window's maximum; the second has two tied 2s, each gets 1/2.
        /// assert_eq!(grads.tensor(x), &[0.0, 1.0, 0.5, 0.5, 0.0, 0.0, 0.0, 0.0]);
        /// ```
        pub fn max_pool2d;

        /// [`max_pool2d`](Tensor::max_pool2d) returning [`Error::Shape`] for an input that is not
        /// `(N, C, H, W)` (shown with the kernel), and [`Error::Invalid`] for a zero kernel or
        /// stride, a kernel larger than the padded input, or padding over half the kernel.
        #[track_caller]
        pub fn try_max_pool2d(self, opts: Pool2dOptions) -> Result<Self> {
            self.pool2d(true, opts)
        }
    }

    with_panicking_twin! {
        /// 2-D average pooling of an `(N, C, H, W)` tensor: each output is the sum of its
        /// `kh × kw` window divided by kh·kw (padding counts as zeros, PyTorch's default
        /// `count_include_pad`), giving `(N, C, OH, OW)` as [`max_pool2d`](Tensor::max_pool2d).
        ///
        /// Derivative: ∂y/∂x = 1/(kh·kw) for each input of a window (summed over the windows an
        /// input is in); y is linear, so its second derivatives are 0.
        ///
        /// ```
        /// use tapegrad::{Graph, tensor::Pool2dOptions};
        /// let g = Graph::new();
        /// let x = g.tensor(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[1, 1, 2, 3]);
        /// let y = x.avg_pool2d(Pool2dOptions::new(2).stride(1)); // windows at columns 0 and 1
        /// assert_eq!(y.to_vec(), vec![3.0, 4.0]); // (1+2+4+5)/4, (2+3+5+6)/4
        /// let grads = g.backward(y.sum());
        /// assert_eq!(grads.tensor(x), &[0.25, 0.5, 0.25, 0.25, 0.5, 0.25]);
        /// ```
        pub fn avg_pool2d;

        /// [`avg_pool2d`](Tensor::avg_pool2d) with the errors of
        /// [`try_max_pool2d`](Tensor::try_max_pool2d).
        #[track_caller]
        pub fn try_avg_pool2d(self, opts: Pool2dOptions) -> Result<Self> {
            self.pool2d(false, opts)
        }
    }
}
