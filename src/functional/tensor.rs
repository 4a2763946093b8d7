//! Jacobians and Hessians of functions of a tensor, shaped `out.shape + in.shape` as
//! `jax.jacobian`/`jax.hessian` and `torch.autograd.functional` give them.
//!
//! A Jacobian is built row by row in reverse mode ([`jacrev_tensor`]: one backward sweep
//! per output element) or column by column in forward mode ([`jacfwd_tensor`]: one sweep
//! per input element over the recorded VJP, the transpose trick of
//! [`transform`](crate::transform)); [`jacobian_tensor`] takes whichever needs fewer sweeps.
//! A Hessian records the gradient once and takes one backward sweep over it per input
//! element.

use crate::error::{Error, Result};
use crate::real::Float;
use crate::tape::{Grads, Graph, Mark, NodeKey};
use crate::{Tensor, Var};

/// A dense array: a shape and its elements in row-major order (the result type of the
/// tensor transforms, and their input point).
#[derive(Clone, Debug, PartialEq)]
pub struct Array<T> {
    shape: Vec<usize>,
    data: Vec<T>,
}

impl<T: Float> Array<T> {
    /// An array of `shape` holding `data`; [`Error::Shape`] when `data.len()` is not the
    /// product of `shape`.
    pub fn new(data: Vec<T>, shape: &[usize]) -> Result<Self> {
        if shape.iter().product::<usize>() != data.len() {
            return Err(Error::Shape {
                op: "Array::new",
                lhs: shape.to_vec(),
                rhs: vec![data.len()],
            });
        }
        Ok(Array {
            shape: shape.to_vec(),
            data,
        })
    }

    /// An array of shape `[0]`, to be filled by [`reset`](Array::reset).
    pub(crate) fn empty() -> Self {
        Array {
            shape: vec![0],
            data: Vec::new(),
        }
    }

    /// Gives the array `shape` and returns its elements emptied, their capacity kept, for the
    /// caller to push exactly `shape.iter().product()` of them.
    pub(crate) fn reset(&mut self, shape: &[usize]) -> &mut Vec<T> {
        self.shape.clear();
        self.shape.extend_from_slice(shape);
        self.data.clear();
        &mut self.data
    }

    /// The shape.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The elements, row-major.
    pub fn data(&self) -> &[T] {
        &self.data
    }

    /// The element at a multi-index; [`Error::Shape`] for an index that does not fit.
    pub fn at(&self, index: &[usize]) -> Result<T> {
        if index.len() != self.shape.len() || index.iter().zip(&self.shape).any(|(i, n)| i >= n) {
            return Err(Error::Shape {
                op: "Array::at",
                lhs: self.shape.clone(),
                rhs: index.to_vec(),
            });
        }
        let flat = index
            .iter()
            .zip(&self.shape)
            .fold(0, |acc, (&i, &n)| acc * n + i);
        Ok(self.data[flat])
    }
}

/// `(f(x), J·v)` for a function of one tensor: the output and its directional derivative
/// along `v` (one element per element of `x`), both in the output's shape.
///
/// ```
/// use tapegrad::{Tensor, functional::{Array, jvp_tensor}};
/// // f(x) = x² elementwise: J·v = 2x·v
/// let x = Array::new(vec![1.0, 2.0, 3.0], &[3]).unwrap();
/// let (y, jv) = jvp_tensor(|t: Tensor| t * t, &x, &[1.0, 0.0, 2.0]).unwrap();
/// assert_eq!((y.data(), jv.data()), (&[1.0, 4.0, 9.0][..], &[2.0, 0.0, 12.0][..]));
/// ```
pub fn jvp_tensor<T: Float, F>(f: F, x: &Array<T>, v: &[T]) -> Result<(Array<T>, Array<T>)>
where
    F: for<'g> Fn(Tensor<'g, T>) -> Tensor<'g, T>,
{
    on_leaf(x, |g, xt| {
        let y = f(xt);
        let shape = y.try_shape()?;
        let jv = g.jvp_tensors(&[y], &[xt], &[v])?.remove(0);
        Ok((
            Array::new(y.try_to_vec()?, &shape)?,
            Array::new(jv, &shape)?,
        ))
    })
}

/// `f` recorded once at `x`, with its JVP kept as a reusable linear map over tensor
/// directions (JAX's `linearize`): the transposed VJP `Jᵀu` is recorded once here, and each
/// [`LinearizedTensor::jvp`] is then one backward sweep over it, without calling `f` or
/// recording its backward pass again. The same numbers as [`jvp_tensor`] at the same point.
///
/// ```
/// use tapegrad::{Tensor, functional::{Array, linearize_tensor}};
/// // f(x) = x³ elementwise: J·v = 3x²·v
/// let x = Array::new(vec![1.0, 2.0], &[2]).unwrap();
/// let lin = linearize_tensor(|t: Tensor| t.powi(3), &x).unwrap();
/// assert_eq!(lin.values().data(), &[1.0, 8.0]);
/// assert_eq!(lin.jvp(&[1.0, 0.0]).unwrap().data(), &[3.0, 0.0]);
/// assert_eq!(lin.jvp(&[0.0, 2.0]).unwrap().data(), &[0.0, 24.0]);
/// ```
pub fn linearize_tensor<T: Float, F>(f: F, x: &Array<T>) -> Result<LinearizedTensor<T>>
where
    F: for<'g> Fn(Tensor<'g, T>) -> Tensor<'g, T>,
{
    let graph = Graph::<T>::default();
    let (u, jtu, values) = {
        let xt = graph.try_tensor(&x.data, &x.shape)?;
        let y = f(xt);
        let ys = y.try_shape()?;
        let values = Array::new(y.try_to_vec()?, &ys)?;
        // ⟨u, y⟩ for a variable u: its gradient Jᵀu, recorded, is linear in u, and the
        // gradient of ⟨Jᵀu, v⟩ with respect to u is J·v. The values of u do not matter.
        let u = graph.try_tensor(&vec![T::ONE; values.data.len()], &ys)?;
        let l = u.try_mul(y)?.try_sum()?;
        let jtu = graph.try_grad_graph_tensors(l, &[xt])?.remove(0);
        (u.key(), jtu.key(), values)
    };
    let after = graph.mark();
    Ok(LinearizedTensor {
        graph,
        x_shape: x.shape.clone(),
        u,
        jtu,
        values,
        after,
    })
}

/// A function of a tensor recorded at one point, with its JVP as a reusable linear map
/// (from [`linearize_tensor`]).
pub struct LinearizedTensor<T: Float> {
    graph: Graph<T>,
    x_shape: Vec<usize>,
    u: NodeKey,
    jtu: NodeKey,
    values: Array<T>,
    /// The end of the recording: each `jvp` frees what it adds after it.
    after: Mark,
}

impl<T: Float> LinearizedTensor<T> {
    /// `f(x)`, the output at the point.
    pub fn values(&self) -> &Array<T> {
        &self.values
    }

    /// `J·v` in the output's shape, for a direction `v` with one element per element of `x`
    /// (row-major); [`Error::Shape`] when `v` has another length.
    pub fn jvp(&self, v: &[T]) -> Result<Array<T>> {
        let n: usize = self.x_shape.iter().product();
        if v.len() != n {
            return Err(Error::Shape {
                op: "LinearizedTensor::jvp",
                lhs: self.x_shape.clone(),
                rhs: vec![v.len()],
            });
        }
        let g = &self.graph;
        let out = (|| {
            let c = g.try_tensor_const(v, &self.x_shape)?;
            let dot = Tensor::new(g, self.jtu).try_mul(c)?.try_sum()?;
            let grads = g.try_backward(dot)?;
            let jv = grads.try_tensor(Tensor::new(g, self.u))?.to_vec();
            Array::new(jv, self.values.shape())
        })();
        g.try_rewind(self.after)?;
        out
    }
}

/// The Jacobian of a function of one tensor, shape `out.shape + in.shape`, by reverse mode:
/// one backward sweep per output element.
pub fn jacrev_tensor<T: Float, F>(f: F, x: &Array<T>) -> Result<Array<T>>
where
    F: for<'g> Fn(Tensor<'g, T>) -> Tensor<'g, T>,
{
    on_leaf(x, |g, xt| rows(g, f(xt), xt))
}

/// The Jacobian of a function of one tensor, shape `out.shape + in.shape`, by forward mode:
/// one sweep per input element over the recorded VJP (the transpose trick).
pub fn jacfwd_tensor<T: Float, F>(f: F, x: &Array<T>) -> Result<Array<T>>
where
    F: for<'g> Fn(Tensor<'g, T>) -> Tensor<'g, T>,
{
    on_leaf(x, |g, xt| columns(g, f(xt), xt))
}

/// The Jacobian of a function of one tensor, shape `out.shape + in.shape`: by reverse mode
/// when the output has no more elements than the input, else by forward mode.
///
/// ```
/// use tapegrad::{Tensor, functional::{Array, jacobian_tensor}};
/// // f(x) = A·x for A = [[1, 2], [3, 4]] and x of shape (2, 1): J[i, 0, j, 0] = A[i, j]
/// fn f<'g>(x: Tensor<'g>) -> Tensor<'g> {
///     x.graph().tensor_const(&[1.0, 2.0, 3.0, 4.0], &[2, 2]).matmul(x)
/// }
/// let x = Array::new(vec![0.5, -1.0], &[2, 1]).unwrap();
/// let j = jacobian_tensor(f, &x).unwrap();
/// assert_eq!(j.shape(), &[2, 1, 2, 1]);
/// assert_eq!(j.data(), &[1.0, 2.0, 3.0, 4.0]);
/// ```
pub fn jacobian_tensor<T: Float, F>(f: F, x: &Array<T>) -> Result<Array<T>>
where
    F: for<'g> Fn(Tensor<'g, T>) -> Tensor<'g, T>,
{
    on_leaf(x, |g, xt| {
        let y = f(xt);
        if y.try_shape()?.iter().product::<usize>() <= x.data.len() {
            rows(g, y, xt)
        } else {
            columns(g, y, xt)
        }
    })
}

/// The Hessian of a scalar function of one tensor, shape `in.shape + in.shape`: the gradient
/// recorded once, then one backward sweep over it per input element (reverse-over-reverse).
///
/// ```
/// use tapegrad::{Tensor, functional::{Array, hessian_tensor}};
/// // f(x) = Σ x³: H = diag(6x)
/// let x = Array::new(vec![1.0, 2.0], &[2]).unwrap();
/// let h = hessian_tensor(|t: Tensor| t.powi(3).sum(), &x).unwrap();
/// assert_eq!((h.shape(), h.data()), (&[2, 2][..], &[6.0, 0.0, 0.0, 12.0][..]));
/// ```
pub fn hessian_tensor<T: Float, F>(f: F, x: &Array<T>) -> Result<Array<T>>
where
    F: for<'g> Fn(Tensor<'g, T>) -> Var<'g, T>,
{
    on_leaf(x, |g, xt| {
        let grad = g.try_grad_graph_tensors(f(xt), &[xt])?.remove(0);
        rows(g, grad, xt)
    })
}

/// `body` run on a fresh graph with `x` on it as a leaf tensor: how every transform here that
/// records `f` once starts.
fn on_leaf<T: Float, R>(
    x: &Array<T>,
    body: impl for<'g> FnOnce(&'g Graph<T>, Tensor<'g, T>) -> Result<R>,
) -> Result<R> {
    let g = Graph::<T>::default();
    let xt = g.try_tensor(&x.data, &x.shape)?;
    body(&g, xt)
}

/// `∂y/∂x` row by row: one backward sweep from each element of `y`.
fn rows<'g, T: Float>(g: &'g Graph<T>, y: Tensor<'g, T>, x: Tensor<'g, T>) -> Result<Array<T>> {
    let (ys, xs) = (y.try_shape()?, x.try_shape()?);
    let (m, n) = (ys.iter().product::<usize>(), xs.iter().product::<usize>());
    let flat = y.try_reshape(&[m])?;
    let mut data = Vec::with_capacity(m * n);
    let mut store = Grads::new();
    let mark = g.mark();
    for i in 0..m {
        // The one element as a scalar node: the sum of a one-element slice.
        let yi = flat.try_narrow(0, i, 1)?.try_sum()?;
        g.backward_into(yi, &mut store)?;
        data.extend_from_slice(store.try_tensor(x)?);
        g.try_rewind(mark)?;
    }
    Array::new(data, &[ys, xs].concat())
}

/// `∂y/∂x` column by column: one forward-mode JVP along each unit vector of `x`.
fn columns<'g, T: Float>(g: &'g Graph<T>, y: Tensor<'g, T>, x: Tensor<'g, T>) -> Result<Array<T>> {
    let (ys, xs) = (y.try_shape()?, x.try_shape()?);
    let (m, n) = (ys.iter().product::<usize>(), xs.iter().product::<usize>());
    let mut eye = vec![T::ZERO; n * n];
    for j in 0..n {
        eye[j * n + j] = T::ONE;
    }
    let dirs: Vec<Vec<&[T]>> = eye.chunks(n.max(1)).take(n).map(|e| vec![e]).collect();
    let cols = g.jvp_tensors_by_transpose(&[y], &[x], &dirs)?;
    let mut data = vec![T::ZERO; m * n];
    for (j, col) in cols.iter().enumerate() {
        for (i, &d) in col[0].iter().enumerate() {
            data[i * n + j] = d;
        }
    }
    Array::new(data, &[ys, xs].concat())
}
