//! Indexing with NumPy's and PyTorch's semantics: strided slices `a[start:stop:step, …]` and
//! `take_along_axis` (PyTorch `gather`) on any axis, each with its adjoint.

use std::ops::{Range, RangeFrom, RangeFull, RangeTo};

use super::Tensor;
use super::kernels::split_at_axis;
use super::shape::{MAX_RANK, Shape, axis};
use super::store::TensorOp;
use crate::error::{Error, Result, or_panic, with_panicking_twin};
use crate::real::Float;

/// One axis of a [`Tensor::slice`]: Python's `start:stop:step`, with `None` for an omitted
/// bound and negative bounds counting from the end, resolved exactly as Python's
/// `slice.indices` does (out-of-range bounds are clamped, a negative step walks backwards).
///
/// Built from Rust ranges (`Slice::from(1..5)`, `Slice::from(..)`, `Slice::from(-2..)`) and
/// given a step with [`step`](Slice::step), or with [`Slice::new`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slice {
    /// First index (`None`: the start for a positive step, the end for a negative one).
    pub start: Option<isize>,
    /// One past the last index (`None`: through the end in the step's direction).
    pub stop: Option<isize>,
    /// The distance between taken indices; not 0.
    pub step: isize,
}

impl Slice {
    /// `start:stop:step`.
    pub fn new(start: Option<isize>, stop: Option<isize>, step: isize) -> Self {
        Slice { start, stop, step }
    }

    /// The same bounds with another step (`Slice::from(..).step(-1)` is `::-1`).
    pub fn step(self, step: isize) -> Self {
        Slice { step, ..self }
    }

    /// `(first index, count)` on an axis of length `n`, as Python's `slice.indices(n)`.
    fn resolve(self, op: &'static str, n: usize) -> Result<(usize, usize)> {
        let step = self.step;
        if step == 0 {
            return Err(Error::Invalid(format!("`{op}`: slice step cannot be zero")));
        }
        let n = n as isize;
        let (lower, upper) = if step > 0 { (0, n) } else { (-1, n - 1) };
        let clamp = |b: Option<isize>, default: isize| match b {
            None => default,
            Some(b) if b < 0 => (b + n).max(lower),
            Some(b) => b.min(upper),
        };
        let start = clamp(self.start, if step > 0 { lower } else { upper });
        let stop = clamp(self.stop, if step > 0 { upper } else { lower });
        let span = if step > 0 { stop - start } else { start - stop };
        let count = (span.max(0) as usize).div_ceil(step.unsigned_abs());
        Ok((start.max(0) as usize, count))
    }
}

impl From<RangeFull> for Slice {
    fn from(_: RangeFull) -> Self {
        Slice::new(None, None, 1)
    }
}

impl From<Range<isize>> for Slice {
    fn from(r: Range<isize>) -> Self {
        Slice::new(Some(r.start), Some(r.end), 1)
    }
}

impl From<RangeFrom<isize>> for Slice {
    fn from(r: RangeFrom<isize>) -> Self {
        Slice::new(Some(r.start), None, 1)
    }
}

impl From<RangeTo<isize>> for Slice {
    fn from(r: RangeTo<isize>) -> Self {
        Slice::new(None, Some(r.end), 1)
    }
}

/// Packs a slice's per-axis `(start, step)` into node parameters (two `u32`s per axis).
fn slice_params(spec: &[(usize, isize)]) -> Vec<u32> {
    spec.iter()
        .flat_map(|&(start, step)| [start as u32, step as i32 as u32])
        .collect()
}

/// The input offset of every output element of a strided slice, in output order.
fn slice_offsets(params: &[u32], xs: Shape, to: Shape, mut f: impl FnMut(usize, usize)) {
    let r = to.rank();
    let st = xs.strides();
    let mut base = 0isize;
    let mut step = [0isize; MAX_RANK];
    for d in 0..r {
        base += params[2 * d] as isize * st[d] as isize;
        step[d] = params[2 * d + 1] as i32 as isize * st[d] as isize;
    }
    let n = to.numel();
    let mut idx = [0usize; MAX_RANK];
    let mut off = base;
    for o in 0..n {
        f(o, off as usize);
        // Advance the output counter from the last axis (no recursion).
        for d in (0..r).rev() {
            idx[d] += 1;
            off += step[d];
            if idx[d] < to.dim(d) {
                break;
            }
            off -= step[d] * idx[d] as isize;
            idx[d] = 0;
        }
    }
}

/// `out` = the strided slice of `x` described by `params`, shaped `to`.
pub(crate) fn slice<T: Float>(x: &[T], xs: Shape, params: &[u32], to: Shape, out: &mut Vec<T>) {
    slice_offsets(params, xs, to, |_, i| out.push(x[i]));
}

/// `out` = zeros shaped `to` with `g` (shaped `gs`) placed at the slice's positions (the
/// slice's adjoint; the positions are distinct, so nothing is added twice).
pub(crate) fn unslice<T: Float>(g: &[T], gs: Shape, params: &[u32], to: Shape, out: &mut Vec<T>) {
    out.resize(to.numel(), T::ZERO);
    slice_offsets(params, to, gs, |o, i| out[i] = g[o]);
}

/// Calls `visit(at, from)` for every element of an index shaped `is`: `at` is its position,
/// `from` the position it names along `axis` in a tensor whose axis has `n` entries (and which
/// equals `is` off the axis). take_along and its adjoint walk the same pairs.
fn along_pairs(idx: &[u32], is: Shape, axis: usize, n: usize, mut visit: impl FnMut(usize, usize)) {
    let (outer, k, inner) = split_at_axis(is, axis);
    for o in 0..outer {
        for j in 0..k {
            for i in 0..inner {
                let at = (o * k + j) * inner + i;
                visit(at, (o * n + idx[at] as usize) * inner + i);
            }
        }
    }
}

/// `out[.., j, ..] = x[.., idx[.., j, ..], ..]` along `axis`; `out` has the index's shape `is`
/// and `x` the shape `xs` (equal to `is` off the axis).
pub(crate) fn take_along<T: Float>(
    x: &[T],
    xs: Shape,
    idx: &[u32],
    is: Shape,
    axis: usize,
    out: &mut Vec<T>,
) {
    along_pairs(idx, is, axis, xs.dim(axis), |_, from| out.push(x[from]));
}

/// Zeros shaped `to` with each `g[.., j, ..]` added at `idx[.., j, ..]` along `axis`
/// (take_along's adjoint: repeated indices add up).
pub(crate) fn scatter_add<T: Float>(
    g: &[T],
    idx: &[u32],
    is: Shape,
    axis: usize,
    to: Shape,
    out: &mut Vec<T>,
) {
    out.resize(to.numel(), T::ZERO);
    along_pairs(idx, is, axis, to.dim(axis), |at, from| out[from] += g[at]);
}

impl<'g, T: Float> Tensor<'g, T> {
    with_panicking_twin! {
        /// NumPy's `a[start:stop:step, …]`: one [`Slice`] per leading axis (axes not listed are
        /// taken whole), bounds resolved as Python does, steps of either sign. The result is a new
        /// tensor of the same rank. Derivative: the upstream gradient placed back at the taken
        /// positions, zeros elsewhere.
        ///
        /// ```
        /// # use tapegrad::{Graph, Slice};
        /// let g = Graph::new();
        /// let x = g.tensor(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0], &[2, 3]);
        /// let y = x.slice(&[Slice::from(..), Slice::from(..).step(-2)]); // x[:, ::-2]
        /// assert_eq!((y.shape(), y.to_vec()), (vec![2, 2], vec![2.0, 0.0, 5.0, 3.0]));
        /// let grads = g.backward(y.sum());
        /// assert_eq!(grads.tensor(x), &[1.0, 0.0, 1.0, 1.0, 0.0, 1.0]);
        /// ```
        pub fn slice;

        /// [`slice`](Tensor::slice) returning an error for more slices than axes or a zero step.
        #[track_caller]
        pub fn try_slice(self, spec: &[Slice]) -> Result<Self> {
            let s = self.inner_shape()?;
            if spec.len() > s.rank() {
                return Err(Error::Invalid(format!(
                    "`slice`: {} slices given for shape {:?} of rank {}",
                    spec.len(),
                    s.dims(),
                    s.rank()
                )));
            }
            let mut to = s;
            let mut per_axis = Vec::with_capacity(s.rank());
            for d in 0..s.rank() {
                let sl = spec.get(d).copied().unwrap_or(Slice::from(..));
                let (start, count) = sl.resolve("slice", s.dim(d))?;
                if sl.step.unsigned_abs() > i32::MAX as usize || start > u32::MAX as usize {
                    return Err(Error::Invalid(format!(
                        "`slice`: step {} or start {start} is too large",
                        sl.step
                    )));
                }
                to = to.with_dim(d, count);
                per_axis.push((start, sl.step));
            }
            let params = slice_params(&per_axis);
            self.with_params(TensorOp::Slice, params, to, |x, xs, p, out| {
                slice(x, xs, p, to, out)
            })
        }
    }

    /// NumPy's `take_along_axis(self, indices, axis)` and PyTorch's `gather(self, axis,
    /// indices)`: `indices` (row-major, of shape `index_shape`, the same rank as `self` and the
    /// same dimensions off `axis`) picks, along `axis`, which element each output position
    /// takes; the output has the indices' shape, so the axis is kept (with as many entries as
    /// indices per row). Derivative: each upstream element is added back at the position it
    /// was taken from (scatter-add: an index used twice collects both).
    ///
    /// ```
    /// # use tapegrad::Graph;
    /// let g = Graph::new();
    /// let x = g.tensor(&[10.0, 11.0, 12.0, 20.0, 21.0, 22.0], &[2, 3]);
    /// let y = x.take_along_axis(&[2, 2, 0, 1], &[2, 2], 1); // two picks per row
    /// assert_eq!((y.shape(), y.to_vec()), (vec![2, 2], vec![12.0, 12.0, 20.0, 21.0]));
    /// assert_eq!(g.backward(y.sum()).tensor(x), &[0.0, 0.0, 2.0, 1.0, 1.0, 0.0]);
    /// ```
    #[track_caller]
    pub fn take_along_axis(self, indices: &[usize], index_shape: &[usize], axis: isize) -> Self {
        or_panic(self.try_take_along_axis(indices, index_shape, axis))
    }

    /// [`take_along_axis`](Tensor::take_along_axis) returning an error for an index shape that
    /// does not fit or an index out of range.
    #[track_caller]
    pub fn try_take_along_axis(
        self,
        indices: &[usize],
        index_shape: &[usize],
        ax: isize,
    ) -> Result<Self> {
        const OP: &str = "take_along_axis";
        let s = self.inner_shape()?;
        let is = Shape::new(OP, index_shape)?;
        if s.rank() == 0 {
            return Err(Error::Invalid(format!(
                "`{OP}` needs a tensor of rank 1 or more"
            )));
        }
        let a = axis(OP, s, ax)?;
        let fits = is.rank() == s.rank() && (0..s.rank()).all(|d| d == a || is.dim(d) == s.dim(d));
        if !fits {
            return Err(Error::Invalid(format!(
                "`{OP}`: indices of shape {:?} do not fit a tensor of shape {:?} along axis \
                 {a}: they need rank {} and the tensor's dimensions on every other axis",
                is.dims(),
                s.dims(),
                s.rank()
            )));
        }
        if indices.len() != is.numel() {
            return Err(Error::Shape {
                op: OP,
                lhs: vec![indices.len()],
                rhs: is.to_vec(),
            });
        }
        let n = s.dim(a);
        if n > u32::MAX as usize {
            return Err(Error::Invalid(format!(
                "`{OP}`: axis {a} of length {n} is longer than indices can address"
            )));
        }
        if let Some(p) = indices.iter().position(|&i| i >= n) {
            return Err(Error::Invalid(format!(
                "`{OP}`: index {} at position {p} is out of range for axis {a} of length {n}",
                indices[p]
            )));
        }
        // Each index is below n, which fits u32 (checked above).
        let idx = indices.iter().map(|&i| i as u32);
        self.with_params(
            TensorOp::Gather { axis: a as u8 },
            idx,
            is,
            |x, xs, p, out| take_along(x, xs, p, is, a, out),
        )
    }
}
