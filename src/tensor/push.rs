//! Recording a tensor op: resolve the inputs, check shapes, run the kernel into a pooled
//! buffer, push the node.

use super::store::{store, store_mut};
use std::panic::Location;

use super::Tensor;
use super::anomaly;
use super::shape::Shape;
use super::store::{SCALAR_INPUT, TNode, TensorOp};
use crate::anomaly::AnomalyPhase::Forward;
use crate::error::{Error, Result};
use crate::real::Float;
use crate::tape::{Graph, NodeKey, Op, Tape, slot};

/// A resolved input of a tensor op.
#[derive(Clone, Copy, Debug)]
pub(crate) struct In {
    /// Its slot in the arena.
    pub(crate) slot: u32,
    /// Its tensor index, or [`SCALAR_INPUT`] for a scalar node (a rank-0 tensor).
    pub(crate) t: u32,
    /// Whether it takes a gradient.
    pub(crate) needs: bool,
}

/// The elements and shape of an input: a scalar node is a rank-0 tensor of its value.
#[inline]
pub(crate) fn data_of<T: Float>(tape: &Tape<T>, i: In) -> (&[T], Shape) {
    if i.t == SCALAR_INPUT {
        (
            std::slice::from_ref(&tape.vals[i.slot as usize]),
            Shape::SCALAR,
        )
    } else {
        let n = &store(tape).nodes[i.t as usize];
        (&n.data, n.shape)
    }
}

/// The shape of an input.
#[inline]
pub(crate) fn shape_of<T: Float>(tape: &Tape<T>, i: In) -> Shape {
    if i.t == SCALAR_INPUT {
        Shape::SCALAR
    } else {
        store(tape).nodes[i.t as usize].shape
    }
}

impl<T: Float> Graph<T> {
    /// Resolves a handle: it must belong to this graph and be live.
    #[track_caller]
    pub(crate) fn t_in(&self, tape: &Tape<T>, x: Tensor<'_, T>, op: &'static str) -> Result<In> {
        if !std::ptr::eq(x.graph(), self) {
            return Err(Error::ForeignGraph { op });
        }
        let s = slot(x.key()) as u32;
        match tape.get_op(x.key()) {
            None => Err(Error::StaleHandle { op }),
            Some(Op::Tensor(i)) => Ok(In {
                slot: s,
                t: i,
                needs: store(tape).nodes[i as usize].needs,
            }),
            Some(op) => Ok(In {
                slot: s,
                t: SCALAR_INPUT,
                needs: op != Op::Const,
            }),
        }
    }

    /// Records a tensor node whose buffer `data` (of `shape`) is already computed.
    #[track_caller]
    pub(crate) fn push_tensor(
        &self,
        tape: &mut Tape<T>,
        op: TensorOp,
        ins: &[In],
        params: &[u32],
        shape: Shape,
        data: Vec<T>,
    ) -> Result<NodeKey> {
        let p_start = store_mut(tape).params.len();
        store_mut(tape).params.extend_from_slice(params);
        self.push_prepared(tape, op, ins, p_start, shape, data)
    }

    /// [`push_tensor`](Graph::push_tensor) for a node whose parameters were already appended
    /// to the tape's parameter list, from `p_start` on.
    #[track_caller]
    pub(crate) fn push_prepared(
        &self,
        tape: &mut Tape<T>,
        op: TensorOp,
        ins: &[In],
        p_start: usize,
        shape: Shape,
        data: Vec<T>,
    ) -> Result<NodeKey> {
        debug_assert_eq!(data.len(), shape.numel());
        let leaf = matches!(op, TensorOp::Var | TensorOp::Const);
        let anomaly_mode = !leaf && self.detect_anomaly();
        if anomaly_mode {
            if let Some(e) = data.iter().position(|v| !v.is_finite()) {
                let at = tape.order.len();
                let mut a = anomaly::value_anomaly(tape, Forward, at, op, ins, (shape, &data), e);
                a.location = Some(Location::caller());
                store_mut(tape).pool.put(data);
                store_mut(tape).params.truncate(p_start);
                return Err(Error::Anomaly(Box::new(a)));
            }
        }
        // Inside `no_grad`, computed tensors are constants without inputs, like scalars.
        let (op, ins) = if !leaf && !self.is_grad_enabled() {
            store_mut(tape).params.truncate(p_start);
            (TensorOp::Const, &[][..])
        } else {
            (op, ins)
        };
        let needs = match op {
            TensorOp::Var => true,
            TensorOp::Const => false,
            _ => ins.iter().any(|i| i.needs),
        };
        let ts = store_mut(tape);
        let idx = ts.nodes.len() as u32;
        let start = ts.args.len() as u32;
        for i in ins {
            ts.args.push(i.slot);
            ts.targs.push(i.t);
        }
        let n_par = (ts.params.len() - p_start) as u32;
        let value = if shape.rank() == 0 { data[0] } else { T::ZERO };
        let key = tape.push(Op::Tensor(idx), value);
        store_mut(tape).nodes.push(TNode {
            op,
            shape,
            data,
            start,
            n_in: ins.len() as u32,
            p_start: p_start as u32,
            n_par,
            needs,
        });
        if anomaly_mode {
            self.note_location(key, Location::caller());
        }
        Ok(key)
    }

    /// Records `op` on `N` tensor inputs: `shape` computes (and checks) the output shape,
    /// `kernel` fills the output buffer from the inputs' elements.
    #[track_caller]
    pub(crate) fn record_tensor<'g, const N: usize>(
        &'g self,
        op: TensorOp,
        inputs: [Tensor<'g, T>; N],
        params: &[u32],
        shape: impl FnOnce([Shape; N]) -> Result<Shape>,
        kernel: impl FnOnce([(&[T], Shape); N], Shape, &mut Vec<T>),
    ) -> Result<Tensor<'g, T>> {
        let mut tape = self.tape_mut();
        let mut ins = [In {
            slot: 0,
            t: 0,
            needs: false,
        }; N];
        for (i, x) in ins.iter_mut().zip(inputs) {
            *i = self.t_in(&tape, x, op.name())?;
        }
        let out_shape = shape(ins.map(|i| shape_of(&tape, i)))?;
        let mut out = store_mut(&mut tape).pool.take(out_shape.numel());
        kernel(ins.map(|i| data_of(&tape, i)), out_shape, &mut out);
        let key = self.push_tensor(&mut tape, op, &ins, params, out_shape, out)?;
        Ok(Tensor::new(self, key))
    }
}

impl<'g, T: Float> Tensor<'g, T> {
    /// Records a one-input op with integer parameters (gather/scatter labels) and output
    /// shape `to`; `kernel(x, x_shape, params, out)` fills the output.
    #[track_caller]
    pub(crate) fn with_params(
        self,
        op: TensorOp,
        params: impl IntoIterator<Item = u32>,
        to: Shape,
        kernel: impl FnOnce(&[T], Shape, &[u32], &mut Vec<T>),
    ) -> Result<Self> {
        let g = self.graph();
        let mut tape = g.tape_mut();
        let x = g.t_in(&tape, self, op.name())?;
        let mut out = store_mut(&mut tape).pool.take(to.numel());
        let start = store(&tape).params.len();
        store_mut(&mut tape).params.extend(params);
        {
            let (xd, xs) = data_of(&tape, x);
            kernel(xd, xs, &store(&tape).params[start..], &mut out);
        }
        let key = g.push_prepared(&mut tape, op, &[x], start, to, out)?;
        Ok(Tensor::new(g, key))
    }

    /// Records a constant computed from the values of `self` and `other` broadcast together
    /// (the masks of value-dependent derivatives: steps, signs, tie weights).
    #[track_caller]
    pub(crate) fn const_zip(self, other: Self, f: impl Fn(T, T) -> T) -> Result<Self> {
        let g = self.graph();
        let mut tape = g.tape_mut();
        let a = g.t_in(&tape, self, "mask")?;
        let b = g.t_in(&tape, other, "mask")?;
        let s = Shape::broadcast("mask", shape_of(&tape, a), shape_of(&tape, b))?;
        let mut out = store_mut(&mut tape).pool.take(s.numel());
        {
            let ((ad, sa), (bd, sb)) = (data_of(&tape, a), data_of(&tape, b));
            let (ta, tb) = (sa.strides_in(s), sb.strides_in(s));
            super::shape::walk(s, [&ta, &tb], |_, [i, j]| out.push(f(ad[i], bd[j])));
        }
        let key = g.push_tensor(&mut tape, TensorOp::Const, &[], &[], s, out)?;
        Ok(Tensor::new(g, key))
    }
}

impl<'g, T: Float> Tensor<'g, T> {
    /// Records a constant of shape `to` computed by `kernel` from the values of `self`.
    #[track_caller]
    pub(crate) fn const_from(
        self,
        to: Shape,
        kernel: impl FnOnce(&[T], Shape, &mut Vec<T>),
    ) -> Result<Self> {
        let g = self.graph();
        let mut tape = g.tape_mut();
        let x = g.t_in(&tape, self, "const")?;
        let mut out = store_mut(&mut tape).pool.take(to.numel());
        {
            let (xd, xs) = data_of(&tape, x);
            kernel(xd, xs, &mut out);
        }
        let key = g.push_tensor(&mut tape, TensorOp::Const, &[], &[], to, out)?;
        Ok(Tensor::new(g, key))
    }
}
