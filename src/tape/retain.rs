//! [`Graph::retain`]: free every node that none of a set of roots depends on.
//!
//! Why, next to [`Graph::rewind`]: rewind frees the top of the tape, which fits a loop that
//! marks before each step. A host language with garbage collection (the Python package) does
//! not know where a step starts; it knows which values are still referenced. Those values'
//! ancestors are what must stay, wherever they sit on the tape, and everything else is garbage
//! even when it lies below a value still in use (the previous step's loss, still bound to a
//! variable while the next step records).

use super::{Code, Graph, NodeKey, Op, Tape, slot};
use crate::error::{Error, Result};
use crate::real::Float;

impl<T: Float> Graph<T> {
    /// Frees every node that no node of `roots` depends on; returns how many were freed.
    ///
    /// The roots and all their ancestors stay, with their keys, values and names unchanged,
    /// so handles to them keep working; handles to freed nodes become stale
    /// ([`Error::StaleHandle`]). Freed slots are reused by later nodes. Tensor nodes are freed
    /// from the top only, as [`rewind`](Graph::rewind) frees them: every tensor node recorded
    /// before the newest one a root depends on stays. A [`Mark`](super::Mark) taken before a
    /// retain that freed something can no longer be rewound to ([`Error::InvalidMark`]).
    ///
    /// Errors: a root that is not a live node of this graph is [`Error::StaleHandle`]; nothing
    /// is freed then.
    ///
    /// ```
    /// use tapegrad::Graph;
    /// let g = Graph::new();
    /// let w = g.var(2.0);
    /// let old_loss = w * w;      // the previous step, still referenced while…
    /// let new_loss = w * 3.0;    // …the next step records above it
    /// let freed = g.retain(&[w.key(), new_loss.key()]).unwrap();
    /// assert_eq!(freed, 1); // old_loss; the constant 3 is an input of new_loss and stays
    /// assert!(old_loss.try_value().is_err());
    /// assert_eq!(g.backward(new_loss)[w], 3.0);
    /// ```
    pub fn retain(&self, roots: &[NodeKey]) -> Result<usize> {
        let mut t = self.tape_mut();
        let mut keep = vec![false; t.vals.len()];
        for &k in roots {
            if !t.nodes.contains_key(k) {
                return Err(Error::StaleHandle { op: "retain" });
            }
            keep[slot(k)] = true;
        }
        // Inputs are recorded before the nodes that read them, so one pass newest first marks
        // every ancestor. Once a kept tensor node is seen, every older tensor node stays too.
        let mut tensor_floor = false;
        for &k in t.order.iter().rev() {
            let op = t.op(k);
            if let Op::Tensor(_) = op {
                if keep[slot(k)] {
                    tensor_floor = true;
                }
                keep[slot(k)] |= tensor_floor;
            }
            if keep[slot(k)] {
                for i in t.inputs(op) {
                    keep[i as usize] = true;
                }
            }
        }
        let freed = free_unkept(&mut t, &keep);
        if freed > 0 {
            let Tape {
                nodes, order, ext, ..
            } = &mut *t;
            if let Some(ext) = ext {
                let mut live = order
                    .iter()
                    .map(|&k| nodes[k])
                    .filter(|r| matches!(r.code, Code::Tensor | Code::Primitive));
                ext.retain(&mut live);
            }
            t.epoch += 1;
            let mut hooks = self.debug.hooks.borrow_mut();
            if !hooks.is_empty() {
                hooks.retain(|k, _| t.nodes.contains_key(k));
            }
        }
        Ok(freed)
    }
}

/// Removes the nodes whose slot is not marked in `keep` (newest first, so the free list hands
/// slots out again oldest first), drops their names, and packs the operand lists of the `Sum`
/// nodes that stay, rewriting where each list starts.
fn free_unkept<T: Float>(t: &mut Tape<T>, keep: &[bool]) -> usize {
    let Tape {
        nodes,
        order,
        operands,
        names,
        ..
    } = t;
    let before = order.len();
    for &k in order.iter().rev() {
        if !keep[slot(k)] {
            nodes.remove(k);
        }
    }
    order.retain(|&k| keep[slot(k)]);
    let freed = before - order.len();
    if freed == 0 {
        return 0;
    }
    names.retain(|k, _| nodes.contains_key(k));
    let mut packed = Vec::with_capacity(operands.len());
    for &k in order.iter() {
        if let Op::Sum { start, len } = nodes[k].op() {
            let new_start = packed.len() as u32;
            packed.extend_from_slice(&operands[start as usize..(start + len) as usize]);
            nodes[k] = Op::Sum {
                start: new_start,
                len,
            }
            .into();
        }
    }
    *operands = packed;
    freed
}
