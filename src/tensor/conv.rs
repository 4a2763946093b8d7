//! 2-D convolution (NCHW input, OIHW weight) as im2col + one GEMM per image, and the
//! im2col / col2im pair its derivative (and the pools') is written in.
//!
//! im2col lays every kernel-sized window of an image out as one column: for an input
//! `(N, C, H, W)` and a `kh × kw` kernel, `cols[n]` is a `(C·kh·kw) × (OH·OW)` matrix whose
//! row `(c, i, j)` and column `(oy, ox)` hold `x[n, c, oy·sh − ph + i·dh, ox·sw − pw + j·dw]`
//! (0 in the padding). The convolution is then `W₂ @ cols[n]` with `W₂` the weight as an
//! `O × (C·kh·kw)` matrix, which the GEMM crate computes. col2im is im2col's adjoint: each
//! column entry is added back to the input position it was read from.

use super::Tensor;
use super::matmul::matmul;
use super::push::{In, data_of, shape_of};
use super::shape::Shape;
use super::store::TensorOp;
use super::store::store_mut;
use crate::error::{Error, Result, or_panic};
use crate::real::Float;

/// Stride, padding and dilation of [`Tensor::conv2d`], each as (height, width).
///
/// ```
/// use tapegrad::tensor::Conv2dOptions;
/// let o = Conv2dOptions::default().stride(2).padding(1);
/// assert_eq!((o.stride, o.padding, o.dilation), ((2, 2), (1, 1), (1, 1)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Conv2dOptions {
    /// Step between windows (≥ 1). Default (1, 1).
    pub stride: (usize, usize),
    /// Zeros added on both sides of each spatial axis. Default (0, 0).
    pub padding: (usize, usize),
    /// Spacing between kernel taps (≥ 1; 1 is a plain convolution). Default (1, 1).
    pub dilation: (usize, usize),
}

impl Default for Conv2dOptions {
    fn default() -> Self {
        Conv2dOptions {
            stride: (1, 1),
            padding: (0, 0),
            dilation: (1, 1),
        }
    }
}

/// Builder methods over `(height, width)` fields that set both axes to one value:
/// `stride(s)` makes `stride` `(s, s)`. The options of the convolution and of the pools
/// share them.
macro_rules! both_axes {
    ($($field:ident),+) => {
        $(
            #[doc = concat!("The same ", stringify!($field), " along both axes.")]
            pub fn $field(mut self, $field: usize) -> Self {
                self.$field = ($field, $field);
                self
            }
        )+
    };
}
pub(super) use both_axes;

impl Conv2dOptions {
    both_axes!(stride, padding, dilation);
}

/// A sliding window over the last two axes: kernel, stride, padding and dilation, each
/// (height, width). Stored on the tape as a node's eight integer parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Window {
    pub(crate) k: [usize; 2],
    pub(crate) s: [usize; 2],
    pub(crate) p: [usize; 2],
    pub(crate) d: [usize; 2],
}

impl Window {
    /// The window as node parameters (every entry was checked to fit `u32`).
    pub(crate) fn params(&self) -> [u32; 8] {
        let [k, s, p, d] = [self.k, self.s, self.p, self.d];
        [k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1]].map(|v| v as u32)
    }

    /// The window a node's parameters describe.
    pub(crate) fn from_params(p: &[u32]) -> Window {
        let v = |i: usize| [p[i] as usize, p[i + 1] as usize];
        Window {
            k: v(0),
            s: v(2),
            p: v(4),
            d: v(6),
        }
    }

    /// Elements in one window (kh · kw).
    pub(crate) fn taps(&self) -> usize {
        self.k[0] * self.k[1]
    }

    /// The kernel's extent along axis `a` once dilated: d·(k − 1) + 1.
    fn extent(&self, a: usize) -> usize {
        self.d[a] * (self.k[a] - 1) + 1
    }

    /// The output size (OH, OW) for an input of spatial size (H, W); the window was checked
    /// to fit by [`check_window`].
    pub(crate) fn out_hw(&self, h: usize, w: usize) -> [usize; 2] {
        let len = |a: usize, n: usize| (n + 2 * self.p[a] - self.extent(a)) / self.s[a] + 1;
        [len(0, h), len(1, w)]
    }

    /// The shape of im2col of an `(N, C, H, W)` tensor: `(N, C·kh·kw, OH·OW)`.
    pub(crate) fn cols_shape(&self, xs: Shape) -> Shape {
        let [oh, ow] = self.out_hw(xs.dim(2), xs.dim(3));
        Shape::SCALAR.concat(&[xs.dim(0), xs.dim(1) * self.taps(), oh * ow])
    }
}

/// Checks a window against an input of shape `(N, C, H, W)` (rank and non-empty dimensions
/// were checked by the caller): kernel, stride and dilation at least 1, every parameter
/// within `u32`, and a dilated kernel that fits the padded input.
#[track_caller]
pub(crate) fn check_window(op: &'static str, xs: Shape, win: &Window) -> Result<()> {
    let named = [("kernel", win.k), ("stride", win.s), ("dilation", win.d)];
    if let Some((name, v)) = named.iter().find(|(_, v)| v.contains(&0)) {
        return Err(Error::Invalid(format!(
            "`{op}`: {name} must be at least 1 along each axis, got {v:?}"
        )));
    }
    let all = [win.k, win.s, win.p, win.d];
    if all.iter().flatten().any(|&v| v > u32::MAX as usize) {
        return Err(Error::Invalid(format!(
            "`{op}`: kernel {:?}, stride {:?}, padding {:?} or dilation {:?} is too large",
            win.k, win.s, win.p, win.d
        )));
    }
    let hw = [xs.dim(2), xs.dim(3)];
    let fits = (0..2).all(|a| {
        win.d[a]
            .checked_mul(win.k[a] - 1)
            .is_some_and(|e| e < hw[a] + 2 * win.p[a])
    });
    if !fits {
        let dilated = if win.d == [1, 1] {
            String::new()
        } else {
            format!(" ({}×{} dilated)", win.extent(0), win.extent(1))
        };
        let padded = if win.p == [0, 0] {
            String::new()
        } else {
            format!(
                " ({}×{} padded)",
                hw[0] + 2 * win.p[0],
                hw[1] + 2 * win.p[1]
            )
        };
        return Err(Error::Invalid(format!(
            "`{op}`: the kernel {}×{}{dilated} is larger than the input {}×{}{padded}; \
             use a smaller kernel or more padding",
            win.k[0], win.k[1], hw[0], hw[1]
        )));
    }
    Ok(())
}

/// An error unless `s` has rank 4 and no empty dimension (`other` is the second shape shown).
#[track_caller]
pub(crate) fn check_nchw(op: &'static str, s: Shape, other: &[usize]) -> Result<()> {
    if s.rank() != 4 || s.dims().contains(&0) {
        return Err(Error::Shape {
            op,
            lhs: s.to_vec(),
            rhs: other.to_vec(),
        });
    }
    Ok(())
}

/// Appends im2col of `x` (shape `(N, C, H, W)`) to `out`: `(N, C·kh·kw, OH·OW)`, `pad` in the
/// padding (0 for a convolution, −∞ for a max pool).
pub(crate) fn im2col<T: Float>(x: &[T], xs: Shape, win: &Window, pad: T, out: &mut Vec<T>) {
    let (h, w) = (xs.dim(2), xs.dim(3));
    let [oh, ow] = win.out_hw(h, w);
    for plane in x.chunks_exact(h * w) {
        for i in 0..win.k[0] {
            for j in 0..win.k[1] {
                for oy in 0..oh {
                    match (oy * win.s[0] + i * win.d[0]).checked_sub(win.p[0]) {
                        Some(y) if y < h => {
                            let row = &plane[y * w..(y + 1) * w];
                            out.extend((0..ow).map(|ox| {
                                match (ox * win.s[1] + j * win.d[1]).checked_sub(win.p[1]) {
                                    Some(c) if c < w => row[c],
                                    _ => pad,
                                }
                            }));
                        }
                        _ => out.extend(std::iter::repeat_n(pad, ow)),
                    }
                }
            }
        }
    }
}

/// The adjoint of [`im2col`]: `out` becomes zeros of shape `to` = `(N, C, H, W)` with every
/// entry of `cols` (shape `(N, C·kh·kw, OH·OW)`) added at the position im2col read it from
/// (entries read from the padding are dropped).
pub(crate) fn col2im<T: Float>(cols: &[T], to: Shape, win: &Window, out: &mut Vec<T>) {
    let (h, w) = (to.dim(2), to.dim(3));
    let [oh, ow] = win.out_hw(h, w);
    out.resize(to.numel(), T::ZERO);
    let per_plane = win.taps() * oh * ow;
    for (plane, col) in out
        .chunks_exact_mut(h * w)
        .zip(cols.chunks_exact(per_plane))
    {
        let mut rows = col.chunks_exact(ow);
        for i in 0..win.k[0] {
            for j in 0..win.k[1] {
                for oy in 0..oh {
                    let src = rows.next().unwrap_or_default();
                    let Some(y) = (oy * win.s[0] + i * win.d[0]).checked_sub(win.p[0]) else {
                        continue;
                    };
                    if y >= h {
                        continue;
                    }
                    let dst = &mut plane[y * w..(y + 1) * w];
                    for (ox, &v) in src.iter().enumerate() {
                        if let Some(c) = (ox * win.s[1] + j * win.d[1]).checked_sub(win.p[1]) {
                            if c < w {
                                dst[c] += v;
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The convolution's forward pass: `out` (empty, shape `(N, O, OH, OW)`) = `W₂ @ cols[n]`
/// (+ bias per output channel) for each image, `cols` a scratch buffer for im2col of `x`.
fn forward<T: Float>(
    (x, xs): (&[T], Shape),
    (w, ws): (&[T], Shape),
    bias: Option<&[T]>,
    win: &Window,
    cols: &mut Vec<T>,
    out: &mut Vec<T>,
) {
    im2col(x, xs, win, T::ZERO, cols);
    let cs = win.cols_shape(xs);
    let (n, ckk, l) = (cs.dim(0), cs.dim(1), cs.dim(2));
    let o = ws.dim(0);
    out.resize(n * o * l, T::ZERO);
    let w2 = Shape::SCALAR.concat(&[o, ckk]);
    let ys = Shape::SCALAR.concat(&[n, o, l]);
    matmul((w, w2, false), (cols, cs, false), ys, out);
    if let Some(b) = bias {
        for (row, &bv) in out.chunks_exact_mut(l).zip(b.iter().cycle()) {
            row.iter_mut().for_each(|v| *v += bv);
        }
    }
}

impl<'g, T: Float> Tensor<'g, T> {
    /// 2-D convolution (cross-correlation, as PyTorch's `conv2d`) of an input `(N, C, H, W)`
    /// with a weight `(O, C, kh, kw)` and an optional bias `(O)`, giving `(N, O, OH, OW)` with
    /// OH = ⌊(H + 2·ph − dh·(kh − 1) − 1) / sh⌋ + 1 (and OW alike):
    ///
    /// `y[n, o, p, q] = b[o] + Σ_{c, i, j} w[o, c, i, j] · x[n, c, p·sh − ph + i·dh, q·sw − pw + j·dw]`
    ///
    /// with x = 0 in the padding. Computed as im2col + one GEMM per image.
    ///
    /// Derivative: y is linear in each input. With upstream G,
    /// `∂L/∂w[o, c, i, j] = Σ_{n, p, q} G[n, o, p, q] · x[n, c, p·sh − ph + i·dh, …]`
    /// (G @ im2col(x)ᵀ), ∂L/∂x is G spread back through the same windows (col2im(W₂ᵀ @ G)), and
    /// `∂L/∂b[o] = Σ_{n, p, q} G[n, o, p, q]`. Second derivatives are recorded too (for
    /// Hessian-vector products).
    ///
    /// ```
    /// use tapegrad::{Graph, tensor::Conv2dOptions};
    /// let g = Graph::new();
    /// let x = g.tensor(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0], &[1, 1, 3, 3]);
    /// let w = g.tensor(&[1.0, 0.0, 0.0, 1.0], &[1, 1, 2, 2]); // adds a diagonal pair
    /// let b = g.tensor(&[0.5], &[1]);
    /// let y = x.conv2d(w, Some(b), Conv2dOptions::default());
    /// assert_eq!(y.shape(), vec![1, 1, 2, 2]);
    /// assert_eq!(y.to_vec(), vec![6.5, 8.5, 12.5, 14.5]); // 1+5, 2+6, 4+8, 5+9, + 0.5
    /// let grads = g.backward(y.sum());
    /// // ∂Σy/∂w[i, j] = the sum of the 2×2 block of x at offset (i, j): 1+2+4+5, …
    /// assert_eq!(grads.tensor(w), &[12.0, 16.0, 24.0, 28.0]);
    /// assert_eq!(grads.tensor(b), &[4.0]); // one per output element
    /// // ∂Σy/∂x = how many windows put weight 1 on each pixel
    /// assert_eq!(grads.tensor(x), &[1.0, 1.0, 0.0, 1.0, 2.0, 1.0, 0.0, 1.0, 1.0]);
    /// ```
    #[track_caller]
    pub fn conv2d(self, weight: Self, bias: Option<Self>, opts: Conv2dOptions) -> Self {
        or_panic(self.try_conv2d(weight, bias, opts))
    }

    /// [`conv2d`](Tensor::conv2d) returning [`Error::Shape`] for an input that is not
    /// `(N, C, H, W)`, a weight that is not `(O, C, kh, kw)` with the input's C, or a bias
    /// that is not `(O)`; and [`Error::Invalid`] for a zero stride or dilation, or a kernel
    /// larger than the padded input.
    #[track_caller]
    pub fn try_conv2d(self, weight: Self, bias: Option<Self>, opts: Conv2dOptions) -> Result<Self> {
        const OP: &str = "conv2d";
        let g = self.graph();
        let mut tape = g.tape_mut();
        let unused = In {
            slot: 0,
            t: 0,
            needs: false,
        };
        let mut ins = [unused; 3];
        let n_in = 2 + usize::from(bias.is_some());
        for (i, t) in ins
            .iter_mut()
            .zip([Some(self), Some(weight), bias].iter().flatten())
        {
            *i = g.t_in(&tape, *t, OP)?;
        }
        let ins = &ins[..n_in];
        let (xs, ws) = (shape_of(&tape, ins[0]), shape_of(&tape, ins[1]));
        check_nchw(OP, xs, ws.dims())?;
        check_nchw(OP, ws, xs.dims())?;
        if ws.dim(1) != xs.dim(1) {
            return Err(Error::Shape {
                op: OP,
                lhs: xs.to_vec(),
                rhs: ws.to_vec(),
            });
        }
        if let Some(&b) = ins.get(2) {
            let bs = shape_of(&tape, b);
            if bs.dims() != [ws.dim(0)] {
                return Err(Error::Shape {
                    op: OP,
                    lhs: bs.to_vec(),
                    rhs: vec![ws.dim(0)],
                });
            }
        }
        let win = Window {
            k: [ws.dim(2), ws.dim(3)],
            s: [opts.stride.0, opts.stride.1],
            p: [opts.padding.0, opts.padding.1],
            d: [opts.dilation.0, opts.dilation.1],
        };
        check_window(OP, xs, &win)?;
        // Both the output and the im2col scratch must be addressable.
        let cs = win.cols_shape(xs);
        Shape::new(OP, cs.dims())?;
        let [oh, ow] = win.out_hw(xs.dim(2), xs.dim(3));
        let ys = Shape::new(OP, &[xs.dim(0), ws.dim(0), oh, ow])?;
        let mut cols = store_mut(&mut tape).pool.take(cs.numel());
        let mut out = store_mut(&mut tape).pool.take(ys.numel());
        {
            let bias = ins.get(2).map(|&b| data_of(&tape, b).0);
            let (x, w) = (data_of(&tape, ins[0]), data_of(&tape, ins[1]));
            forward(x, w, bias, &win, &mut cols, &mut out);
        }
        store_mut(&mut tape).pool.put(cols);
        let key = g.push_tensor(&mut tape, TensorOp::Conv2d, ins, &win.params(), ys, out)?;
        Ok(Tensor::new(g, key))
    }
}
