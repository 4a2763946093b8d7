//! Ops that move elements: reshape, permute/transpose, broadcast_to, sum_to, narrow/index,
//! concat, and the one-per-row pick of cross-entropy.

use super::Tensor;
use super::kernels;
use super::push::In;
use super::shape::{MAX_RANK, Shape, axis, shape_error};
use super::store::store_mut;
use super::store::{TensorOp, pack_perm, perm_at};
use crate::error::{Error, Result, or_panic, with_panicking_twin};
use crate::real::Float;
use crate::tape::Graph;

impl<'g, T: Float> Tensor<'g, T> {
    with_panicking_twin! {
        /// The same elements in another shape of the same size. Derivative: the gradient reshaped
        /// back.
        ///
        /// ```
        /// # use tapegrad::Graph;
        /// let g = Graph::new();
        /// let x = g.tensor(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
        /// assert_eq!(x.reshape(&[3, 2]).value_at(&[2, 0]), 5.0);
        /// ```
        pub fn reshape;

        /// [`reshape`](Tensor::reshape) returning [`Error::Shape`] for a different element count.
        #[track_caller]
        pub fn try_reshape(self, shape: &[usize]) -> Result<Self> {
            let to = Shape::new("reshape", shape)?;
            self.graph.record_tensor(
                TensorOp::Reshape,
                [self],
                &[],
                |[s]| {
                    if s.numel() == to.numel() {
                        Ok(to)
                    } else {
                        Err(shape_error("reshape", s, to))
                    }
                },
                |[(x, _)], _, out| out.extend_from_slice(x),
            )
        }
    }

    with_panicking_twin! {
        /// Reorders the axes: output axis `d` is input axis `perm[d]` (negative entries count from
        /// the end). Derivative: the gradient permuted back by the inverse permutation.
        ///
        /// ```
        /// # use tapegrad::Graph;
        /// let g = Graph::new();
        /// let x = g.tensor(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
        /// let t = x.permute(&[1, 0]);
        /// assert_eq!((t.shape(), t.to_vec()), (vec![3, 2], vec![1.0, 4.0, 2.0, 5.0, 3.0, 6.0]));
        /// ```
        pub fn permute;

        /// [`permute`](Tensor::permute) returning an error unless `perm` is a permutation of the
        /// axes.
        #[track_caller]
        pub fn try_permute(self, perm: &[isize]) -> Result<Self> {
            let s = self.inner_shape()?;
            if perm.len() != s.rank() {
                return Err(Error::Invalid(format!(
                    "`permute`: {perm:?} does not list the {} axes of shape {:?}",
                    s.rank(),
                    s.dims()
                )));
            }
            let mut p = [0usize; MAX_RANK];
            let mut seen = 0u32;
            for (d, &a) in perm.iter().enumerate() {
                p[d] = axis("permute", s, a)?;
                if seen & (1 << p[d]) != 0 {
                    return Err(Error::Invalid(format!(
                        "`permute`: {perm:?} names axis {} twice",
                        p[d]
                    )));
                }
                seen |= 1 << p[d];
            }
            let packed = pack_perm(&p[..s.rank()]);
            self.graph.record_tensor(
                TensorOp::Permute(packed),
                [self],
                &[],
                |[s]| {
                    let mut to = s;
                    for d in 0..s.rank() {
                        to = to.with_dim(d, s.dim(perm_at(packed, d)));
                    }
                    Ok(to)
                },
                |[(x, xs)], to, out| kernels::permute(x, xs, |d| perm_at(packed, d), to, out),
            )
        }
    }

    with_panicking_twin! {
        /// Swaps two axes (negative ones count from the end); `t.transpose(-2, -1)` is the matrix
        /// transpose. Derivative: the gradient with the same axes swapped back.
        pub fn transpose;

        /// [`transpose`](Tensor::transpose) returning an error for a bad axis.
        #[track_caller]
        pub fn try_transpose(self, a: isize, b: isize) -> Result<Self> {
            let s = self.inner_shape()?;
            let (a, b) = (axis("transpose", s, a)?, axis("transpose", s, b)?);
            let mut perm: Vec<isize> = (0..s.rank() as isize).collect();
            perm.swap(a, b);
            self.try_permute(&perm)
        }
    }

    with_panicking_twin! {
        /// Repeats the tensor up to `shape` by NumPy broadcasting. Derivative: the gradient summed
        /// back over the repeated dimensions.
        pub fn broadcast_to;

        /// [`broadcast_to`](Tensor::broadcast_to) returning [`Error::Shape`] if the shape does not
        /// broadcast.
        #[track_caller]
        pub fn try_broadcast_to(self, shape: &[usize]) -> Result<Self> {
            self.to_shape(
                "broadcast_to",
                TensorOp::BroadcastTo,
                shape,
                |s, to| s.broadcasts_to(to),
                kernels::broadcast_to,
            )
        }
    }

    with_panicking_twin! {
        /// Sums the tensor down to `shape`, which must broadcast to the tensor's shape (the
        /// un-broadcast). Derivative: the gradient repeated back up.
        pub fn sum_to;

        /// [`sum_to`](Tensor::sum_to) returning [`Error::Shape`] if `shape` does not broadcast to
        /// the tensor's shape.
        #[track_caller]
        pub fn try_sum_to(self, shape: &[usize]) -> Result<Self> {
            self.to_shape(
                "sum_to",
                TensorOp::SumTo,
                shape,
                |s, to| to.broadcasts_to(s),
                kernels::sum_to,
            )
        }
    }

    /// `self` carried to `shape` by `kernel`, recorded as `op` (named `name` in errors), if
    /// `fits(self's shape, shape)`: broadcast_to and sum_to differ only in these.
    #[track_caller]
    fn to_shape(
        self,
        name: &'static str,
        op: TensorOp,
        shape: &[usize],
        fits: fn(Shape, Shape) -> bool,
        kernel: fn(&[T], Shape, Shape, &mut Vec<T>),
    ) -> Result<Self> {
        let to = Shape::new(name, shape)?;
        self.graph.record_tensor(
            op,
            [self],
            &[],
            |[s]| {
                if fits(s, to) {
                    Ok(to)
                } else {
                    Err(shape_error(name, s, to))
                }
            },
            |[(x, xs)], to, out| kernel(x, xs, to, out),
        )
    }

    with_panicking_twin! {
        /// Elements `start .. start + len` along `axis` (a slice). Derivative: the gradient placed
        /// back at those positions, zeros elsewhere.
        ///
        /// ```
        /// # use tapegrad::Graph;
        /// let g = Graph::new();
        /// let x = g.tensor(&[1.0, 2.0, 3.0, 4.0], &[4]);
        /// let grads = g.backward(x.narrow(0, 1, 2).sum());
        /// assert_eq!(grads.tensor(x), &[0.0, 1.0, 1.0, 0.0]);
        /// ```
        pub fn narrow;

        /// [`narrow`](Tensor::narrow) returning an error for a bad axis or a range past the end.
        #[track_caller]
        pub fn try_narrow(self, ax: isize, start: usize, len: usize) -> Result<Self> {
            let s = self.inner_shape()?;
            let a = axis("narrow", s, ax)?;
            if start.checked_add(len).is_none_or(|e| e > s.dim(a)) || start > u32::MAX as usize {
                return Err(Error::Invalid(format!(
                    "`narrow`: {start}..{} is out of range for axis {a} of shape {:?}",
                    start.saturating_add(len),
                    s.dims()
                )));
            }
            self.graph.record_tensor(
                TensorOp::Narrow {
                    axis: a as u8,
                    start: start as u32,
                },
                [self],
                &[],
                |[s]| Ok(s.with_dim(a, len)),
                |[(x, xs)], _, out| kernels::narrow(x, xs, a, start, len, out),
            )
        }
    }

    with_panicking_twin! {
        /// Index `i` along `axis`, removing that axis (`x.index(0, 2)` is NumPy's `x[2]`).
        /// Derivative: the gradient placed back at index `i`, zeros elsewhere.
        pub fn index;

        /// [`index`](Tensor::index) returning an error for a bad axis or index.
        #[track_caller]
        pub fn try_index(self, ax: isize, i: usize) -> Result<Self> {
            let s = self.inner_shape()?;
            let a = axis("index", s, ax)?;
            let part = self.try_narrow(ax, i, 1)?;
            let dims: Vec<usize> = s
                .dims()
                .iter()
                .enumerate()
                .filter(|&(d, _)| d != a)
                .map(|(_, &n)| n)
                .collect();
            part.try_reshape(&dims)
        }
    }

    /// `self[r, labels[r]]` for each row `r`: one element along the last axis per row, that
    /// axis removed. Derivative: the gradient of row `r` goes to position `labels[r]`.
    ///
    /// ```
    /// # #![allow(deprecated)]
    /// # use tapegrad::Graph;
    /// let g = Graph::new();
    /// let logp = g.tensor(&[-0.1, -2.0, -3.0, -0.5], &[2, 2]);
    /// let picked = logp.gather(&[0, 1]);
    /// assert_eq!(picked.to_vec(), vec![-0.1, -0.5]);
    /// assert_eq!(g.backward(picked.sum()).tensor(logp), &[1.0, 0.0, 0.0, 1.0]);
    /// ```
    #[deprecated(
        note = "use `take_along_axis(labels, &[rows, 1], -1)`, which keeps the axis as NumPy \
                and PyTorch do, on any axis and with any number of indices per row"
    )]
    #[track_caller]
    pub fn gather(self, labels: &[usize]) -> Self {
        or_panic(self.pick_last("gather", labels))
    }

    /// [`gather`](Tensor::gather) returning an error for a label out of range or a label count
    /// that is not the number of rows.
    #[deprecated(note = "use `try_take_along_axis(labels, &[rows, 1], -1)`")]
    #[track_caller]
    pub fn try_gather(self, labels: &[usize]) -> Result<Self> {
        self.pick_last("gather", labels)
    }

    /// One element per row along the last axis, that axis removed: a
    /// [`take_along_axis`](Tensor::take_along_axis) of one index per row and a reshape.
    #[track_caller]
    pub(crate) fn pick_last(self, op: &'static str, labels: &[usize]) -> Result<Self> {
        let s = self.inner_shape()?;
        if s.rank() == 0 {
            return Err(Error::Invalid(format!(
                "`{op}` needs a tensor of rank 1 or more"
            )));
        }
        let c = s.dim(s.rank() - 1);
        let rows = s.prefix(s.rank() - 1);
        if labels.len() != rows.numel() {
            return Err(Error::Shape {
                op,
                lhs: s.to_vec(),
                rhs: vec![labels.len()],
            });
        }
        super::check_labels(op, labels, c)?;
        self.try_take_along_axis(labels, rows.concat(&[1]).dims(), -1)?
            .try_reshape(rows.dims())
    }
}

impl<T: Float> Graph<T> {
    /// Joins tensors along `axis` (their other dimensions must agree). Derivative: each input
    /// gets its own stretch of the gradient.
    ///
    /// ```
    /// # use tapegrad::Graph;
    /// let g = Graph::new();
    /// let a = g.tensor(&[1.0, 2.0], &[1, 2]);
    /// let b = g.tensor(&[3.0, 4.0, 5.0, 6.0], &[2, 2]);
    /// let c = g.concat(&[a, b], 0);
    /// assert_eq!(c.shape(), vec![3, 2]);
    /// assert_eq!(c.to_vec(), vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    /// ```
    #[track_caller]
    pub fn concat<'g>(&'g self, parts: &[Tensor<'g, T>], axis: isize) -> Tensor<'g, T> {
        or_panic(self.try_concat(parts, axis))
    }

    /// [`concat`](Graph::concat) returning [`Error::Shape`] for parts that do not fit together
    /// (or an error for no parts or a bad axis).
    #[track_caller]
    pub fn try_concat<'g>(&'g self, parts: &[Tensor<'g, T>], ax: isize) -> Result<Tensor<'g, T>> {
        let Some(first) = parts.first() else {
            return Err(Error::Invalid("`concat` needs at least one tensor".into()));
        };
        let s0 = first.inner_shape()?;
        let a = axis("concat", s0, ax)?;
        let mut tape = self.tape_mut();
        let mut ins: Vec<In> = Vec::with_capacity(parts.len());
        let mut total = 0;
        for &p in parts {
            let i = self.t_in(&tape, p, "concat")?;
            let s = super::push::shape_of(&tape, i);
            if s.rank() != s0.rank() || (0..s.rank()).any(|d| d != a && s.dim(d) != s0.dim(d)) {
                return Err(shape_error("concat", s0, s));
            }
            total += s.dim(a);
            ins.push(i);
        }
        let to = s0.with_dim(a, total);
        let mut out = store_mut(&mut tape).pool.take(to.numel());
        {
            let views: Vec<(&[T], Shape)> = ins
                .iter()
                .map(|&i| super::push::data_of(&tape, i))
                .collect();
            kernels::concat(&views, a, &mut out);
        }
        let key = self.push_tensor(
            &mut tape,
            TensorOp::Concat { axis: a as u8 },
            &ins,
            &[],
            to,
            out,
        )?;
        Ok(Tensor::new(self, key))
    }
}
