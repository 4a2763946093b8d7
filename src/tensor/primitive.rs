//! A user-defined primitive on tensors: elementwise with NumPy broadcasting, one node, and
//! its pullback run element by element (numeric sweep) or on tensors (recorded sweep).

use super::store::{store, store_mut};
use std::sync::Arc;

use super::Tensor;
use super::numeric::Val;
use super::push::{In, data_of, shape_of};
use super::rules::TensorMath;
use super::shape::{Shape, walk};
use super::store::TensorOp;
use crate::error::PrimitiveProblem;
use crate::error::{Result, or_panic};
use crate::primitive::{PrimName, Primitive, check_arity};
use crate::real::Float;
use crate::tape::{Graph, Tape, Var};

/// The elements of input `i` repeated out to the broadcast shape `to`.
fn spread<T: Float>(tape: &Tape<T>, i: In, to: Shape) -> Vec<T> {
    let (d, s) = data_of(tape, i);
    let st = s.strides_in(to);
    let mut out = Vec::with_capacity(to.numel());
    walk(to, [&st], |_, [j]| out.push(d[j]));
    out
}

/// A primitive's pullback with its number types fixed: what the tensor store keeps
/// (`Arc<dyn ErasedPrimitive<T>>`), implemented for every [`Primitive`] by running its generic
/// pullback with `R = T`, `R = Var` and `R = Tensor`. (The forward runs once, when the node is
/// recorded, on the concrete type.)
pub(crate) trait ErasedPrimitive<T: Float>: Send + Sync {
    /// Its name.
    fn name(&self) -> &'static str;
    /// Its arity.
    fn arity(&self) -> usize;
    /// The pullback on numbers (numeric backward, tangents, traces).
    fn pullback_num(&self, x: &[T], y: T, g: T) -> Vec<T>;
    /// The pullback recorded on scalar nodes (`grad_graph`).
    fn pullback_var<'g>(&self, x: &[Var<'g, T>], y: Var<'g, T>, g: Var<'g, T>) -> Vec<Var<'g, T>>;
    /// The pullback recorded on tensor nodes, elementwise (`grad_graph` through a tensor use).
    fn pullback_tensor<'g>(
        &self,
        x: &[Tensor<'g, T>],
        y: Tensor<'g, T>,
        g: Tensor<'g, T>,
    ) -> Vec<Tensor<'g, T>>;
}

impl<T: Float, P: Primitive> ErasedPrimitive<T> for P {
    fn name(&self) -> &'static str {
        Primitive::name(self)
    }
    fn arity(&self) -> usize {
        Primitive::arity(self)
    }
    fn pullback_num(&self, x: &[T], y: T, g: T) -> Vec<T> {
        self.pullback(x, y, g)
    }
    fn pullback_var<'g>(&self, x: &[Var<'g, T>], y: Var<'g, T>, g: Var<'g, T>) -> Vec<Var<'g, T>> {
        self.pullback(x, y, g)
    }
    fn pullback_tensor<'g>(
        &self,
        x: &[Tensor<'g, T>],
        y: Tensor<'g, T>,
        g: Tensor<'g, T>,
    ) -> Vec<Tensor<'g, T>> {
        self.pullback(x, y, g)
    }
}

/// A primitive node of a tape: the primitive, and for a scalar node its input slots (a tensor
/// node keeps its inputs with the other tensor nodes').
pub(crate) struct PrimNode<T: Float> {
    pub(crate) prim: Arc<dyn ErasedPrimitive<T>>,
    pub(crate) inputs: Box<[u32]>,
}

/// `Ok` if the pullback of `prim` gave one contribution per input.
pub(crate) fn check_contributions<T: Float>(
    prim: &dyn ErasedPrimitive<T>,
    got: usize,
) -> Result<()> {
    crate::primitive::check_count(prim.name(), prim.arity(), got, |expected, got| {
        PrimitiveProblem::Contributions { expected, got }
    })
}

impl<T: Float> Graph<T> {
    /// `prim(inputs)` elementwise, the inputs broadcast together as NumPy does, recorded as one
    /// tensor node named after the primitive. Element `e` of the result is
    /// `prim.forward([x₀[e], x₁[e], …])`; its derivative is the primitive's pullback, element by
    /// element, each contribution summed back to its input's shape.
    ///
    /// Panics with a message saying what to fix for the wrong number of inputs, shapes that do
    /// not broadcast, a bad handle or (in anomaly mode) a non-finite element; see
    /// [`try_apply_tensors`](Graph::try_apply_tensors).
    ///
    /// ```
    /// use tapegrad::{Graph, Primitive, Real};
    /// /// a·b + b; ∂/∂a = b, ∂/∂b = a + 1.
    /// #[derive(Clone)]
    /// struct MulAdd;
    /// impl Primitive for MulAdd {
    ///     fn name(&self) -> &'static str { "mul_add" }
    ///     fn arity(&self) -> usize { 2 }
    ///     fn forward<R: Real>(&self, x: &[R]) -> R { x[0] * x[1] + x[1] }
    ///     fn pullback<R: Real>(&self, x: &[R], _y: R, g: R) -> Vec<R> {
    ///         vec![g * x[1], g * (x[0] + x[0].lit(1.0))]
    ///     }
    /// }
    /// let g = Graph::new();
    /// let a = g.tensor(&[1.0, 2.0, 3.0], &[3]);
    /// let b = g.tensor(&[10.0], &[1]); // broadcast
    /// let y = g.apply_tensors(&MulAdd, &[a, b]);
    /// assert_eq!(y.to_vec(), vec![20.0, 30.0, 40.0]);
    /// let grads = g.backward(y.sum());
    /// assert_eq!(grads.tensor(a), &[10.0, 10.0, 10.0]);
    /// assert_eq!(grads.tensor(b), &[9.0]); // Σ (aᵢ + 1)
    /// ```
    #[track_caller]
    pub fn apply_tensors<'g, P: Primitive + Clone>(
        &'g self,
        prim: &P,
        inputs: &[Tensor<'g, T>],
    ) -> Tensor<'g, T> {
        or_panic(self.try_apply_tensors(prim, inputs))
    }

    /// [`apply_tensors`](Graph::apply_tensors) returning an error: [`Error::Primitive`]
    /// for the wrong number of inputs, [`Error::Shape`] for shapes that do not broadcast, a
    /// handle error, or in anomaly mode [`Error::Anomaly`] (the tape is then left as it was).
    ///
    /// [`Error::Primitive`]: crate::Error::Primitive
    /// [`Error::Shape`]: crate::Error::Shape
    /// [`Error::Anomaly`]: crate::Error::Anomaly
    #[track_caller]
    pub fn try_apply_tensors<'g, P: Primitive + Clone>(
        &'g self,
        prim: &P,
        inputs: &[Tensor<'g, T>],
    ) -> Result<Tensor<'g, T>> {
        check_arity(prim, inputs.len())?;
        let name = PrimName::intern(prim.name(), prim.arity());
        let mut tape = self.tape_mut();
        let ins = inputs
            .iter()
            .map(|&x| self.t_in(&tape, x, prim.name()))
            .collect::<Result<Vec<In>>>()?;
        let mut shape = Shape::SCALAR;
        for &i in &ins {
            shape = Shape::broadcast(prim.name(), shape, shape_of(&tape, i))?;
        }
        let cols: Vec<Vec<T>> = ins.iter().map(|&i| spread(&tape, i, shape)).collect();
        let mut out = store_mut(&mut tape).pool.take(shape.numel());
        let mut xs = vec![T::ZERO; ins.len()];
        for e in 0..shape.numel() {
            for (x, c) in xs.iter_mut().zip(&cols) {
                *x = c[e];
            }
            out.push(prim.forward(&xs));
        }
        let node = store_mut(&mut tape).prims.len() as u32;
        store_mut(&mut tape).prims.push(PrimNode {
            prim: Arc::new(prim.clone()),
            inputs: Box::new([]),
        });
        let op = TensorOp::Primitive { node, name };
        let key = self.push_tensor(&mut tape, op, &ins, &[], shape, out);
        // An anomaly refused the node, or no-grad recorded a constant: the entry is unused.
        let used = key.is_ok() && store(&tape).nodes.last().is_some_and(|n| n.op == op);
        if !used {
            store_mut(&mut tape).prims.pop();
        }
        Ok(Tensor::new(self, key?))
    }
}

impl<'g, T: Float> Tensor<'g, T> {
    /// `prim(self)` elementwise for a primitive of one input: [`Graph::apply_tensors`] with
    /// `&[self]`.
    #[track_caller]
    pub fn apply<P: Primitive + Clone>(self, prim: &P) -> Self {
        or_panic(self.try_apply(prim))
    }

    /// [`apply`](Tensor::apply) returning an error instead of panicking (see
    /// [`Graph::try_apply_tensors`]).
    #[track_caller]
    pub fn try_apply<P: Primitive + Clone>(self, prim: &P) -> Result<Self> {
        self.graph().try_apply_tensors(prim, &[self])
    }
}

/// The numeric sweep's step at a primitive tensor node: the pullback with the element type,
/// element by element over the output's shape, each contribution summed back to its input's
/// shape and passed to `send(j, contribution)` for each input `j` that takes a gradient.
pub(crate) fn numeric_pullback<'a, T: Float>(
    prim: &dyn ErasedPrimitive<T>,
    n_in: usize,
    x: impl Fn(usize) -> Val<'a, T>,
    y: &Val<'a, T>,
    g: &Val<'a, T>,
    need: impl Fn(usize) -> bool,
    send: &mut impl FnMut(usize, Val<'a, T>) -> Result<()>,
) -> Result<()> {
    let ys = y.shape();
    let cols = (0..n_in)
        .map(|j| x(j).broadcast_to(ys))
        .collect::<Result<Vec<_>>>()?;
    let mut outs: Vec<Vec<T>> = (0..n_in)
        .map(|j| {
            if need(j) {
                Vec::with_capacity(ys.numel())
            } else {
                Vec::new()
            }
        })
        .collect();
    let mut xs = vec![T::ZERO; n_in];
    for (e, (&ye, &ge)) in y.data().iter().zip(g.data()).enumerate() {
        for (xj, c) in xs.iter_mut().zip(&cols) {
            *xj = c.data()[e];
        }
        let ds = prim.pullback_num(&xs, ye, ge);
        check_contributions(prim, ds.len())?;
        for (j, d) in ds.into_iter().enumerate() {
            if need(j) {
                outs[j].push(d);
            }
        }
    }
    for (j, d) in outs.into_iter().enumerate() {
        if !need(j) {
            continue;
        }
        let d = y.own(ys, d);
        let s = x(j).shape();
        send(j, if s == ys { d } else { d.sum_to(s)? })?;
    }
    Ok(())
}

/// The recorded sweep's step at a primitive tensor node: the pullback with `Tensor` as the
/// number type (so it is itself recorded), each contribution brought to the output's shape (a
/// constant contribution may come back as a scalar) and summed back to its input's shape.
/// `None` for an input that takes no gradient.
pub(crate) fn recorded_pullback<'g, T: Float>(
    prim: &dyn ErasedPrimitive<T>,
    x: &[Tensor<'g, T>],
    y: Tensor<'g, T>,
    g: Tensor<'g, T>,
    need: &[bool],
) -> Result<Vec<Option<Tensor<'g, T>>>> {
    let ds = prim.pullback_tensor(x, y, g);
    check_contributions(prim, ds.len())?;
    let ys = y.try_shape()?;
    ds.into_iter()
        .zip(x)
        .zip(need)
        .map(|((d, &xj), &need)| {
            if !need {
                return Ok(None);
            }
            let d = if d.try_shape()? == ys {
                d
            } else {
                d.try_broadcast_to(&ys)?
            };
            let s = xj.try_shape()?;
            Ok(Some(if s == ys { d } else { d.try_sum_to(&s)? }))
        })
        .collect()
}
