//! Tensors on the same tape as scalars: broadcasting elementwise ops, reductions, matmul,
//! movement ops, softmax, 2-D convolution and pooling, with gradients.
//!
//! A [`Tensor`] is a `Copy` handle like [`Var`]: the graph and the key of a node whose op is
//! [`Op::Tensor`](crate::Op::Tensor). The node holds a shape and a contiguous row-major buffer
//! (`f32` on `Graph<f32>` for speed, `f64` for checking). Scalars and tensors mix: a rank-0
//! tensor *is* a scalar node, so [`Tensor::sum`] returns a [`Var`], and a [`Var`] can be used
//! wherever a tensor is expected (it broadcasts like a rank-0 tensor).
//!
//! ```
//! use tapegrad::Graph;
//! let g = Graph::new();
//! let w = g.tensor(&[1.0, 2.0, 3.0, 4.0], &[2, 2]);
//! let x = g.tensor_const(&[1.0, 1.0], &[2, 1]);
//! let b = g.var(0.5);
//! let y = (w.matmul(x) + b).relu();      // (2,2)@(2,1) + scalar, broadcast: [[3.5], [7.5]]
//! let loss = y.sum();                    // a scalar Var
//! let grads = g.backward(loss);
//! assert_eq!(loss.value(), 11.0);
//! assert_eq!(grads.tensor(w), &[1.0, 1.0, 1.0, 1.0]); // ∂/∂w_ij = x_j where relu is on
//! assert_eq!(grads[b], 2.0);                          // b is broadcast to both rows
//! ```
//!
//! ## Broadcasting
//! Binary ops follow NumPy: shapes are aligned on the right and each pair of dimensions must
//! be equal or contain a 1. A gradient flowing back to a broadcast input is summed back to that
//! input's shape, in one place for every op.
//!
//! ## Shape errors
//! Every op has a `try_*` twin returning [`Error::Shape`] with both shapes (or
//! [`Error::Invalid`] for a bad axis or label); the operator forms panic with the same message.
//! Kernels never see mismatched shapes.
//!
//! ## Second derivatives
//! The tensor derivative rules are written once (in the crate-private `tensor::rules`), generic
//! over a small tensor vocabulary implemented both by the numeric buffers of
//! [`backward`](Graph::backward) and by `Tensor` itself, so
//! [`try_grad_graph_tensors`](Graph::try_grad_graph_tensors) records the backward pass and
//! [`try_hvp_tensors`](Graph::try_hvp_tensors) gives Hessian-vector products. Every tensor op supports
//! this. Decisions made on values (relu's step, abs's sign, ties of max/min, the maxima of a
//! max reduction) enter the recorded gradient as constant masks, as in the scalar rules.
//!
//! ## Debugging aids
//! The scalar aids work for tensors too:
//! - [`no_grad`](Graph::no_grad) records no tensor op either, and [`detach`](Tensor::detach)
//!   is a constant copy (PyTorch `detach`, JAX `stop_gradient`).
//! - [`set_detect_anomaly`](Graph::set_detect_anomaly) checks every tensor an op produces and
//!   every tensor gradient an op sends back; the [`Anomaly`](crate::Anomaly) names the op, the
//!   node and the [`element`](crate::Anomaly::element), and for an elementwise op the inputs'
//!   values, the upstream gradient and the local partial at that element.
//! - [`register_tensor_hook`](Graph::register_tensor_hook) sees the complete gradient of a
//!   tensor (with its shape) and may change it in place: per-tensor gradient clipping, or
//!   printing while teaching.
//!
//! ```
//! use tapegrad::{Error, Graph};
//! let g = Graph::new();
//! g.set_detect_anomaly(true);
//! let x = g.tensor(&[4.0, 0.0], &[2]);
//! let loss = x.sqrt().sum(); // √0 = 0 is finite, but its derivative is +inf
//! let Err(Error::Anomaly(a)) = g.try_backward(loss) else { panic!() };
//! assert_eq!((a.op, a.element), ("sqrt", Some(vec![1])));
//! ```
//!
//! ## Memory
//! Buffers of nodes freed by [`rewind`](Graph::rewind) go to a pool keyed by length, and
//! [`backward_into`](Graph::backward_into) reuses the gradient buffers of its previous call, so
//! a training step of fixed shapes does not allocate once warm.

mod anomaly;
mod backward;
mod conv;
mod elementwise;
mod extension;
mod gemm;
mod grad_graph;
mod hook;
mod index;
mod kernels;
mod kinks;
mod matmul;
mod movement;
mod numeric;
mod ops;
mod pooling;
mod primitive;
mod primitive_scalar;
mod push;
mod recorded;
mod reduce;
mod rules;
mod shape;
mod store;

pub(crate) use anomaly::unravel;
pub use conv::Conv2dOptions;
pub use index::Slice;
pub(crate) use kinks::kink_sides;
pub use pooling::Pool2dOptions;
pub(crate) use primitive::check_contributions;
pub use shape::MAX_RANK;
pub use store::TensorOp;
pub(crate) use store::{store, store_mut};

use std::fmt;

use push::{data_of, shape_of};
use shape::Shape;

use crate::error::{Error, Result, or_panic};
use crate::real::Float;
use crate::tape::{Graph, NodeKey, Var};

/// A tensor node on a [`Graph`]: a `Copy` handle `{ graph, key }`.
///
/// Operators `+ - * /` work between tensors, with a [`Var`], and with plain numbers, all with
/// NumPy broadcasting. Every op has a `try_*` twin that returns [`Error`] instead of panicking.
#[derive(Clone, Copy)]
pub struct Tensor<'g, T: Float = f64> {
    graph: &'g Graph<T>,
    key: NodeKey,
}

impl<T: Float> PartialEq for Tensor<'_, T> {
    /// Two handles are equal when they name the same node of the same graph.
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.graph, other.graph) && self.key == other.key
    }
}

impl<T: Float> fmt::Debug for Tensor<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.try_shape(), self.try_to_vec()) {
            (Ok(s), Ok(v)) if v.len() <= 16 => write!(f, "Tensor({s:?}, {v:?})"),
            (Ok(s), Ok(_)) => write!(f, "Tensor({s:?}, ..)"),
            _ => write!(f, "Tensor(<freed>)"),
        }
    }
}

impl<'g, T: Float> Tensor<'g, T> {
    pub(crate) fn new(graph: &'g Graph<T>, key: NodeKey) -> Self {
        Tensor { graph, key }
    }

    /// The graph this handle belongs to.
    pub fn graph(&self) -> &'g Graph<T> {
        self.graph
    }

    /// The node's key in the graph's arena.
    pub fn key(&self) -> NodeKey {
        self.key
    }

    /// The shape. Panics for a freed handle; see [`try_shape`](Tensor::try_shape).
    #[track_caller]
    pub fn shape(self) -> Vec<usize> {
        or_panic(self.try_shape())
    }

    /// The shape, or [`Error::StaleHandle`].
    pub fn try_shape(self) -> Result<Vec<usize>> {
        self.inner_shape().map(Shape::to_vec)
    }

    pub(crate) fn inner_shape(self) -> Result<Shape> {
        let tape = self.graph.tape();
        let i = self.graph.t_in(&tape, self, "shape")?;
        Ok(shape_of(&tape, i))
    }

    /// The number of dimensions.
    #[track_caller]
    pub fn rank(self) -> usize {
        self.shape().len()
    }

    /// The number of elements.
    #[track_caller]
    pub fn numel(self) -> usize {
        self.shape().iter().product()
    }

    /// The elements in row-major order. Panics for a freed handle; see
    /// [`try_to_vec`](Tensor::try_to_vec).
    #[track_caller]
    pub fn to_vec(self) -> Vec<T> {
        or_panic(self.try_to_vec())
    }

    /// The elements, or [`Error::StaleHandle`].
    pub fn try_to_vec(self) -> Result<Vec<T>> {
        self.with_data(|d| d.to_vec())
    }

    /// Calls `f` with the elements, without copying them.
    pub fn with_data<R>(self, f: impl FnOnce(&[T]) -> R) -> Result<R> {
        let tape = self.graph.tape();
        let i = self.graph.t_in(&tape, self, "with_data")?;
        Ok(f(data_of(&tape, i).0))
    }

    /// The element at a multi-index. Panics for a wrong index; see
    /// [`try_value_at`](Tensor::try_value_at).
    #[track_caller]
    pub fn value_at(self, index: &[usize]) -> T {
        or_panic(self.try_value_at(index))
    }

    /// The element at a multi-index, or [`Error::Shape`] if the index does not fit the shape.
    pub fn try_value_at(self, index: &[usize]) -> Result<T> {
        let tape = self.graph.tape();
        let i = self.graph.t_in(&tape, self, "value_at")?;
        let (d, s) = data_of(&tape, i);
        if index.len() != s.rank() || index.iter().zip(s.dims()).any(|(&i, &n)| i >= n) {
            return Err(Error::Shape {
                op: "value_at",
                lhs: s.to_vec(),
                rhs: index.to_vec(),
            });
        }
        let st = s.strides();
        Ok(d[index.iter().zip(&st).map(|(i, s)| i * s).sum::<usize>()])
    }

    /// The single element of a one-element tensor.
    #[track_caller]
    pub fn item(self) -> T {
        or_panic(self.try_item())
    }

    /// The single element, or [`Error::Shape`] for a tensor of another size.
    pub fn try_item(self) -> Result<T> {
        let v = self.try_to_vec()?;
        match v[..] {
            [x] => Ok(x),
            _ => Err(Error::Shape {
                op: "item",
                lhs: self.try_shape()?,
                rhs: vec![],
            }),
        }
    }

    /// This rank-0 tensor as a scalar [`Var`] (the same node; no copy, gradients shared).
    #[track_caller]
    pub fn as_var(self) -> Var<'g, T> {
        or_panic(self.try_as_var())
    }

    /// [`as_var`](Tensor::as_var), or [`Error::Shape`] for a tensor of rank > 0 (reshape it to
    /// `[]` first, or reduce it with [`sum`](Tensor::sum)).
    #[track_caller]
    pub fn try_as_var(self) -> Result<Var<'g, T>> {
        let s = self.inner_shape()?;
        if s.rank() != 0 {
            return Err(Error::Shape {
                op: "as_var",
                lhs: s.to_vec(),
                rhs: vec![],
            });
        }
        Ok(Var::new(self.graph, self.key))
    }

    /// A constant with this tensor's values: it takes part in the forward pass but passes no
    /// gradient back (PyTorch `detach`, JAX `stop_gradient`).
    #[track_caller]
    pub fn detach(self) -> Self {
        or_panic(self.try_detach())
    }

    /// [`detach`](Tensor::detach) returning an error for a stale handle.
    pub fn try_detach(self) -> Result<Self> {
        let mut tape = self.graph.tape_mut();
        let i = self.graph.t_in(&tape, self, "detach")?;
        let s = shape_of(&tape, i);
        let mut buf = store_mut(&mut tape).pool.take(s.numel());
        buf.extend_from_slice(data_of(&tape, i).0);
        let key = self
            .graph
            .push_tensor(&mut tape, TensorOp::Const, &[], &[], s, buf)?;
        Ok(Tensor::new(self.graph, key))
    }
}

impl<'g, T: Float> Var<'g, T> {
    /// This scalar as a rank-0 [`Tensor`] (the same node; it broadcasts against any shape).
    pub fn as_tensor(self) -> Tensor<'g, T> {
        Tensor::new(self.graph(), self.key())
    }
}

impl<T: Float> Graph<T> {
    /// A tensor leaf that takes a gradient (a parameter or input), from row-major `data`.
    /// Panics if `data.len()` does not match the shape; see [`try_tensor`](Graph::try_tensor).
    ///
    /// ```
    /// use tapegrad::Graph;
    /// let g = Graph::new();
    /// let w = g.tensor(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    /// assert_eq!(w.shape(), vec![2, 3]);
    /// assert_eq!(w.value_at(&[1, 0]), 4.0);
    /// ```
    #[track_caller]
    pub fn tensor(&self, data: &[T], shape: &[usize]) -> Tensor<'_, T> {
        or_panic(self.try_tensor(data, shape))
    }

    /// [`tensor`](Graph::tensor), returning [`Error::Shape`] when `data.len()` is not the
    /// product of `shape`.
    pub fn try_tensor(&self, data: &[T], shape: &[usize]) -> Result<Tensor<'_, T>> {
        self.leaf_tensor(TensorOp::Var, data, shape)
    }

    /// A tensor leaf that takes no gradient (an input batch, labels, a mask).
    #[track_caller]
    pub fn tensor_const(&self, data: &[T], shape: &[usize]) -> Tensor<'_, T> {
        or_panic(self.try_tensor_const(data, shape))
    }

    /// [`tensor_const`](Graph::tensor_const) returning [`Error::Shape`] for a length mismatch.
    pub fn try_tensor_const(&self, data: &[T], shape: &[usize]) -> Result<Tensor<'_, T>> {
        self.leaf_tensor(TensorOp::Const, data, shape)
    }

    /// A constant tensor of zeros.
    #[track_caller]
    pub fn zeros(&self, shape: &[usize]) -> Tensor<'_, T> {
        self.full(shape, T::ZERO)
    }

    /// A constant tensor with every element `value`.
    #[track_caller]
    pub fn full(&self, shape: &[usize], value: T) -> Tensor<'_, T> {
        or_panic(self.try_full(shape, value))
    }

    /// [`full`](Graph::full) returning an error for a shape of too high a rank.
    pub fn try_full(&self, shape: &[usize], value: T) -> Result<Tensor<'_, T>> {
        let s = Shape::new("full", shape)?;
        let mut tape = self.tape_mut();
        let data = store_mut(&mut tape).pool.filled(s.numel(), value);
        let key = self.push_tensor(&mut tape, TensorOp::Const, &[], &[], s, data)?;
        Ok(Tensor::new(self, key))
    }

    /// A tensor leaf that takes a gradient, element `[i, j, ..]` = `f(&[i, j, ..])`.
    ///
    /// ```
    /// use tapegrad::Graph;
    /// let g = Graph::new();
    /// let eye = g.tensor_from_fn(&[2, 2], |ix| if ix[0] == ix[1] { 1.0 } else { 0.0 });
    /// assert_eq!(eye.to_vec(), vec![1.0, 0.0, 0.0, 1.0]);
    /// ```
    #[track_caller]
    pub fn tensor_from_fn(&self, shape: &[usize], f: impl FnMut(&[usize]) -> T) -> Tensor<'_, T> {
        or_panic(self.try_tensor_from_fn(shape, f))
    }

    /// [`tensor_from_fn`](Graph::tensor_from_fn) returning an error for a bad shape.
    pub fn try_tensor_from_fn(
        &self,
        shape: &[usize],
        mut f: impl FnMut(&[usize]) -> T,
    ) -> Result<Tensor<'_, T>> {
        let s = Shape::new("tensor_from_fn", shape)?;
        let mut data = Vec::with_capacity(s.numel());
        let mut idx = vec![0usize; s.rank()];
        for _ in 0..s.numel() {
            data.push(f(&idx));
            for d in (0..s.rank()).rev() {
                idx[d] += 1;
                if idx[d] < s.dim(d) {
                    break;
                }
                idx[d] = 0;
            }
        }
        self.try_tensor(&data, shape)
    }

    /// A constant one-hot matrix `(labels.len(), classes)`: row `r` has a 1 at `labels[r]`,
    /// or an error for a label ≥ `classes`.
    ///
    /// ```
    /// use tapegrad::Graph;
    /// let g = Graph::new();
    /// let t = g.try_one_hot(&[2, 0], 3).unwrap();
    /// assert_eq!(t.to_vec(), vec![0.0, 0.0, 1.0, 1.0, 0.0, 0.0]);
    /// ```
    pub fn try_one_hot(&self, labels: &[usize], classes: usize) -> Result<Tensor<'_, T>> {
        check_labels("one_hot", labels, classes)?;
        let s = Shape::new("one_hot", &[labels.len(), classes])?;
        let mut tape = self.tape_mut();
        let mut data = store_mut(&mut tape).pool.filled(s.numel(), T::ZERO);
        for (r, &l) in labels.iter().enumerate() {
            data[r * classes + l] = T::ONE;
        }
        let key = self.push_tensor(&mut tape, TensorOp::Const, &[], &[], s, data)?;
        Ok(Tensor::new(self, key))
    }

    /// The old name of [`try_one_hot`](Graph::try_one_hot), which returns a `Result`.
    #[deprecated(
        note = "use try_one_hot; in the next release `one_hot` panics like the other operator \
                forms"
    )]
    pub fn one_hot(&self, labels: &[usize], classes: usize) -> Result<Tensor<'_, T>> {
        self.try_one_hot(labels, classes)
    }

    /// The old name of [`try_set_tensor`](Graph::try_set_tensor), which returns a `Result`.
    #[deprecated(
        note = "use try_set_tensor; in the next release `set_tensor` panics like the other \
                operator forms"
    )]
    pub fn set_tensor(&self, t: Tensor<'_, T>, data: &[T]) -> Result<()> {
        self.try_set_tensor(t, data)
    }

    /// Overwrites the elements of a tensor leaf (a parameter update, a new input batch), or an
    /// error for a length that is not the tensor's or a computed (non-leaf) tensor.
    pub fn try_set_tensor(&self, t: Tensor<'_, T>, data: &[T]) -> Result<()> {
        self.update_tensor(t, |d| {
            if d.len() == data.len() {
                d.copy_from_slice(data);
                Ok(())
            } else {
                Err(Error::Shape {
                    op: "set_tensor",
                    lhs: vec![d.len()],
                    rhs: vec![data.len()],
                })
            }
        })?
    }

    /// Calls `f` with mutable access to the elements of a tensor leaf, in place (an optimizer
    /// step that allocates nothing). Computed tensors cannot be changed: [`Error::NotALeaf`].
    ///
    /// ```
    /// use tapegrad::Graph;
    /// let g = Graph::new();
    /// let w = g.tensor(&[1.0, 2.0], &[2]);
    /// let grads = g.backward((w * w).sum());
    /// let dw = grads.tensor(w);
    /// g.update_tensor(w, |w| w.iter_mut().zip(dw).for_each(|(w, d)| *w -= 0.25 * d)).unwrap();
    /// assert_eq!(w.to_vec(), vec![0.5, 1.0]);
    /// ```
    pub fn update_tensor<R>(&self, t: Tensor<'_, T>, f: impl FnOnce(&mut [T]) -> R) -> Result<R> {
        let mut tape = self.tape_mut();
        let i = self.t_in(&tape, t, "update_tensor")?;
        if i.t == store::SCALAR_INPUT {
            let op = tape.op(t.key());
            if !op.is_leaf() {
                return Err(Error::NotALeaf { op: op.name() });
            }
            return Ok(f(std::slice::from_mut(&mut tape.vals[i.slot as usize])));
        }
        let n = &mut store_mut(&mut tape).nodes[i.t as usize];
        if !matches!(n.op, TensorOp::Var | TensorOp::Const) {
            return Err(Error::NotALeaf { op: n.op.name() });
        }
        let r = f(&mut n.data);
        if n.shape.rank() == 0 {
            let v = n.data[0];
            tape.vals[i.slot as usize] = v;
        }
        Ok(r)
    }

    /// The tensor op that produced `t`.
    pub fn tensor_op(&self, t: Tensor<'_, T>) -> Result<TensorOp> {
        let tape = self.tape();
        let i = self.t_in(&tape, t, "tensor_op")?;
        if i.t == store::SCALAR_INPUT {
            return Err(Error::Invalid(format!(
                "`tensor_op`: node is the scalar op `{}`",
                tape.op(t.key()).name()
            )));
        }
        Ok(store(&tape).nodes[i.t as usize].op)
    }

    fn leaf_tensor(&self, op: TensorOp, data: &[T], shape: &[usize]) -> Result<Tensor<'_, T>> {
        let name = op.name();
        let s = Shape::new(name, shape)?;
        if data.len() != s.numel() {
            return Err(Error::Shape {
                op: name,
                lhs: vec![data.len()],
                rhs: shape.to_vec(),
            });
        }
        let mut tape = self.tape_mut();
        let mut buf = store_mut(&mut tape).pool.take(data.len());
        buf.extend_from_slice(data);
        let key = self.push_tensor(&mut tape, op, &[], &[], s, buf)?;
        Ok(Tensor::new(self, key))
    }
}

/// Checks integer labels against a class count.
pub(crate) fn check_labels(op: &'static str, labels: &[usize], classes: usize) -> Result<()> {
    match labels.iter().position(|&l| l >= classes) {
        Some(r) => Err(Error::Invalid(format!(
            "`{op}`: label {} at position {r} is out of range for {classes} classes",
            labels[r]
        ))),
        None => Ok(()),
    }
}
