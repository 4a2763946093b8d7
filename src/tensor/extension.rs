//! The tensor layer's side of the tape's extension point: the tape keeps a [`TensorStore`]
//! without knowing what it holds, and calls back here to free entries, list a node's inputs,
//! run a tensor or primitive node's step of the reverse sweep, and report anomalies.

use std::any::Any;

use super::anomaly::{Site, recorded_anomaly};
use super::backward::{primitive_step, step};
use super::store::{TensorOp, TensorStore};
use crate::anomaly::Anomaly;
use crate::error::Result;
use crate::real::Float;
use crate::tape::{Acc, At, Code, ExtGrads, ExtMark, Extension, Observer, Rec, Tape};

impl<T: Float> Extension<T> for TensorStore<T> {
    fn mark(&self) -> ExtMark {
        [self.nodes.len(), self.prims.len()]
    }

    fn rewind(&mut self, [nodes, prims]: ExtMark) {
        self.truncate(nodes);
        self.prims.truncate(prims);
    }

    fn retain(&mut self, live: &mut dyn Iterator<Item = Rec>) {
        // Entries are found by index, so those below the newest one in use stay.
        let (mut nodes, mut prims) = (0, 0);
        for rec in live {
            let a = rec.a as usize;
            match rec.code {
                Code::Tensor => {
                    nodes = nodes.max(a + 1);
                    if let TensorOp::Primitive { node, .. } = self.nodes[a].op {
                        prims = prims.max(node as usize + 1);
                    }
                }
                Code::Primitive => prims = prims.max(a + 1),
                _ => {}
            }
        }
        self.rewind([nodes, prims]);
    }

    fn inputs(&self, rec: Rec) -> &[u32] {
        match rec.code {
            Code::Tensor => TensorStore::inputs(self, rec.a),
            Code::Primitive => &self.prims[rec.a as usize].inputs,
            _ => &[],
        }
    }

    fn grad_buffers(&self) -> (usize, usize) {
        let max = self.nodes.iter().map(|n| n.data.len()).max().unwrap_or(0);
        (self.nodes.len(), max)
    }

    fn step(
        &self,
        t: &Tape<T>,
        at: At,
        acc: &mut Acc<'_, T>,
        grads: &mut ExtGrads<T>,
        obs: &mut dyn Observer<T>,
    ) -> Result<()> {
        if at.rec.code == Code::Primitive {
            primitive_step(t, at, acc, obs)
        } else {
            step(t, at, acc, grads, obs)
        }
    }

    fn recorded_anomaly(&self, t: &Tape<T>, pos: usize, rec: Rec) -> Option<Anomaly> {
        recorded_anomaly(t, pos, rec.a)
    }

    fn contribution_anomaly(
        &self,
        t: &Tape<T>,
        At { pos, k, rec }: At,
        input: usize,
        g: &[T],
        d: &[T],
        e: usize,
    ) -> Anomaly {
        let site = Site {
            pos,
            k,
            ti: rec.a,
            input,
        };
        site.backward(t, g, d, e)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}
