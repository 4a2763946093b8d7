//! The extension point of the tape: nodes whose payload lives outside the arena.
//!
//! Tensor ops and user-defined primitives are recorded by layers above the tape. Their nodes are
//! ordinary arena nodes (codes [`Code::Tensor`] and [`Code::Primitive`], whose `a` field is an
//! entry index), but what they hold — shapes, buffers, the primitive itself — is kept in an
//! [`Extension`] that the layer above implements and the tape stores without looking into it.
//! The tape asks it for what it needs: a node's inputs, freeing entries on rewind, the step of
//! the reverse sweep at such a node, and anomaly reports. So the tape never imports the layers
//! above it, and they can grow without the tape changing.

use std::any::Any;
use std::cell::RefCell;

use super::backward::Acc;
use super::debug::Observer;
use super::{NodeKey, Pool, Rec, Tape};
use crate::anomaly::Anomaly;
use crate::error::Result;
use crate::real::Float;

/// Where the reverse sweep is at an extension node: its record position, its key and its
/// packed record (`rec.a` is its entry in the extension's store).
#[derive(Clone, Copy, Debug)]
pub(crate) struct At {
    pub(crate) pos: usize,
    pub(crate) k: NodeKey,
    pub(crate) rec: Rec,
}

/// How far an [`Extension`]'s lists were filled: what a [`Mark`](super::Mark) remembers of it.
pub(crate) type ExtMark = [usize; 2];

/// The store of the nodes a layer above the tape records (see the [module docs](self)).
pub(crate) trait Extension<T: Float>: Any {
    /// How far its lists are filled now.
    fn mark(&self) -> ExtMark;
    /// Frees every entry made after `mark` (newest first), keeping the memory for reuse.
    fn rewind(&mut self, mark: ExtMark);
    /// After [`Graph::retain`](super::Graph::retain) freed nodes: frees the entries above the
    /// newest one that a node still on the tape (`live`, the records of the extension nodes
    /// left) uses.
    fn retain(&mut self, live: &mut dyn Iterator<Item = Rec>);
    /// The input slots of the extension node `rec`, in operand order.
    fn inputs(&self, rec: Rec) -> &[u32];
    /// For a gradient store: how many entries may get a gradient buffer, and the longest one.
    fn grad_buffers(&self) -> (usize, usize);
    /// One step of the numeric reverse sweep at the extension node `at`: completes its
    /// gradient, shows it to `obs`, and sends the contributions to its inputs — scalar ones
    /// through `acc`, buffered ones into `grads`.
    fn step(
        &self,
        t: &Tape<T>,
        at: At,
        acc: &mut Acc<'_, T>,
        grads: &mut ExtGrads<T>,
        obs: &mut dyn Observer<T>,
    ) -> Result<()>;
    /// The anomaly of an extension node at `pos` recorded by a recorded backward pass, if it
    /// made a value that is not finite from finite inputs.
    fn recorded_anomaly(&self, t: &Tape<T>, pos: usize, rec: Rec) -> Option<Anomaly>;
    /// The report of a contribution `d` of the extension node `at` (upstream `g`) to its
    /// `input`-th input whose element `e` is not finite.
    fn contribution_anomaly(
        &self,
        t: &Tape<T>,
        at: At,
        input: usize,
        g: &[T],
        d: &[T],
        e: usize,
    ) -> Anomaly;
    /// Itself, to be downcast by the layer that made it.
    fn as_any(&self) -> &dyn Any;
    /// Itself, to be downcast by the layer that made it.
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

/// Gradient buffers of extension nodes, by entry, from one sweep (kept in
/// [`Grads`](super::Grads) and reused by the next sweep into the same store, so a training step
/// does not allocate).
#[derive(Debug, Default, Clone)]
pub(crate) struct ExtGrads<T> {
    /// ∂loss/∂node by entry; empty for an entry the loss does not reach.
    pub(crate) adj: Vec<Vec<T>>,
    /// Where buffers come from and go back to.
    pub(crate) pool: RefCell<Pool<T>>,
    /// Zeros, the gradient of a node the loss does not reach.
    pub(crate) zeros: Vec<T>,
}

impl<T: Float> ExtGrads<T> {
    /// Prepares for a sweep over `tape`: last sweep's buffers go back to the pool.
    pub(crate) fn begin(&mut self, tape: &Tape<T>) {
        let pool = self.pool.get_mut();
        for v in self.adj.drain(..) {
            pool.put(v);
        }
        let (n, max) = tape.ext.as_ref().map_or((0, 0), |e| e.grad_buffers());
        self.adj.resize_with(n, Vec::new);
        if self.zeros.len() < max {
            self.zeros.resize(max, T::ZERO);
        }
    }
}

impl<T: Float> Tape<T> {
    /// The extension store, which exists once a node that needs one was recorded.
    pub(crate) fn ext(&self) -> &dyn Extension<T> {
        self.ext
            .as_deref()
            .expect("a tape holding extension nodes has an extension store")
    }
}
