//! Anomaly reports for tensor ops: which element went non-finite, and the numbers at that
//! element where one element of the output comes from one element of each input.

use super::push::{In, data_of};
use super::shape::Shape;
use super::store::store;
use super::store::{SCALAR_INPUT, TensorOp};
use crate::anomaly::{Anomaly, AnomalyPhase, BackwardStep};
use crate::real::Float;
use crate::tape::{NodeKey, Tape};

/// Whether element `e` of the op's output depends on element `e` (broadcast) of each input
/// alone, so the inputs' values there and the local partial are single numbers.
fn elementwise(op: TensorOp) -> bool {
    matches!(
        op,
        TensorOp::Unary(_) | TensorOp::Binary(_) | TensorOp::Where | TensorOp::Primitive { .. }
    )
}

/// The multi-index of row-major position `e` in `shape`.
pub(crate) fn unravel(mut e: usize, shape: &[usize]) -> Vec<usize> {
    let mut index = vec![0; shape.len()];
    for (i, &n) in index.iter_mut().zip(shape).rev() {
        *i = e % n;
        e /= n;
    }
    index
}

/// The values of the inputs `ins` at element `index` of the output shape `out`.
fn inputs_at<T: Float>(tape: &Tape<T>, ins: &[In], out: Shape, index: &[usize]) -> Vec<T> {
    ins.iter()
        .map(|&i| {
            let (d, s) = data_of(tape, i);
            let st = s.strides_in(out);
            d[index.iter().zip(&st).map(|(i, s)| i * s).sum::<usize>()]
        })
        .collect()
}

/// The anomaly of tensor op `op` on inputs `ins`, whose output `data` of shape `out` has a
/// non-finite element at position `e`: found while recording (`Forward`, the node not yet on
/// the tape) or in a recorded backward pass (`Backward`).
pub(crate) fn value_anomaly<T: Float>(
    tape: &Tape<T>,
    phase: AnomalyPhase,
    position: usize,
    op: TensorOp,
    ins: &[In],
    (out, data): (Shape, &[T]),
    e: usize,
) -> Anomaly {
    let index = unravel(e, out.dims());
    let inputs = if elementwise(op) {
        inputs_at(tape, ins, out, &index)
    } else {
        Vec::new()
    };
    Anomaly {
        phase,
        position,
        name: None,
        op: op.name(),
        inputs: inputs.iter().map(|v| v.to_f64()).collect(),
        output: Some(data[e].to_f64()),
        element: Some(index),
        backward: None,
        location: None,
        others: Vec::new(),
    }
}

/// The inputs of tensor node `ti`, resolved.
pub(super) fn node_inputs<T: Float>(tape: &Tape<T>, ti: u32) -> Vec<In> {
    let ts = store(tape);
    ts.inputs(ti)
        .iter()
        .zip(ts.tinputs(ti))
        .map(|(&slot, &t)| In {
            slot,
            t,
            needs: t == SCALAR_INPUT || ts.nodes[t as usize].needs,
        })
        .collect()
}

/// The first non-finite element of tensor node `ti` (at record position `pos`), recorded by
/// a backward pass from inputs that are all finite, as an anomaly of that pass (`None` also
/// for a node that only carries a non-finite input on).
pub(crate) fn recorded_anomaly<T: Float>(tape: &Tape<T>, pos: usize, ti: u32) -> Option<Anomaly> {
    let node = &store(tape).nodes[ti as usize];
    let e = node.data.iter().position(|v| !v.is_finite())?;
    let ins = node_inputs(tape, ti);
    let finite = |&i: &In| data_of(tape, i).0.iter().all(|v| v.is_finite());
    if !ins.iter().all(finite) {
        return None;
    }
    let phase = AnomalyPhase::Backward;
    Some(value_anomaly(
        tape,
        phase,
        pos,
        node.op,
        &ins,
        (node.shape, &node.data),
        e,
    ))
}

/// Where in the reverse sweep a tensor contribution is sent: tensor node `ti` (key `k`, at
/// record position `pos`) to its `input`-th input.
pub(crate) struct Site {
    pub(crate) pos: usize,
    pub(crate) k: NodeKey,
    pub(crate) ti: u32,
    pub(crate) input: usize,
}

impl Site {
    /// The anomaly of a contribution `d` (in the input's shape) whose element `e` is not
    /// finite, with upstream gradient `g` (in the node's shape).
    pub(crate) fn backward<T: Float>(&self, tape: &Tape<T>, g: &[T], d: &[T], e: usize) -> Anomaly {
        let node = &store(tape).nodes[self.ti as usize];
        let ins = node_inputs(tape, self.ti);
        let x_shape = data_of(tape, ins[self.input]).1;
        let index = unravel(e, x_shape.dims());
        let mut step = BackwardStep {
            upstream: None,
            input: self.input,
            local: None,
            contribution: d[e].to_f64(),
        };
        let (mut inputs, mut output) = (Vec::new(), None);
        // An input of the output's shape: its element `e` feeds output element `e` alone.
        if elementwise(node.op) && x_shape == node.shape {
            let xs = inputs_at(tape, &ins, node.shape, &index);
            let y = node.data[e];
            step.upstream = Some(g[e].to_f64());
            step.local = match node.op {
                TensorOp::Unary(f) => Some(f.pullback(xs[0], y, T::ONE)),
                TensorOp::Binary(f) => {
                    let (da, db) = f.pullback(xs[0], xs[1], y, T::ONE);
                    Some(if self.input == 0 {
                        da
                    } else {
                        db.unwrap_or(T::ZERO)
                    })
                }
                // The primitive's own pullback with g = 1, the local partial at this element.
                TensorOp::Primitive { node, .. } => store(tape).prims[node as usize]
                    .prim
                    .pullback_num(&xs, y, T::ONE)
                    .get(self.input)
                    .copied(),
                _ => None,
            }
            .map(T::to_f64);
            inputs = xs.iter().map(|v| v.to_f64()).collect();
            output = Some(y.to_f64());
        }
        Anomaly {
            phase: AnomalyPhase::Backward,
            position: self.pos,
            name: tape.names.get(self.k).map(|s| s.to_string()),
            op: node.op.name(),
            inputs,
            output,
            element: Some(index),
            backward: Some(step),
            location: None,
            others: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::unravel;

    #[test]
    fn unravel_is_row_major() {
        assert_eq!(unravel(0, &[]), Vec::<usize>::new());
        assert_eq!(unravel(5, &[2, 3]), vec![1, 2]);
        assert_eq!(unravel(7, &[2, 2, 2]), vec![1, 1, 1]);
        assert_eq!(unravel(3, &[4]), vec![3]);
    }
}
