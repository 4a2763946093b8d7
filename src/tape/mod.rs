//! The engine: a [`Graph`] records every operation on a tape, in a `slotmap` arena.
//!
//! Why an arena with versioned keys: a training step records thousands of intermediate nodes
//! that are garbage one step later. [`Graph::mark`] and [`Graph::rewind`] free them in one call
//! while parameters stay, and the freed slots (and all vectors' capacity) are reused by the next
//! step, so the steady state does not allocate. A handle to a freed node carries an old key
//! version, so using it is a clear [`Error::StaleHandle`], never a silently wrong number.
//!
//! Why an explicit record-order list: once slots are reused, slot order is no longer the order
//! in which nodes were recorded. The record order is a topological order, so the backward pass
//! is one reverse loop — no recursion anywhere, however deep the graph.
//!
//! What a scalar node costs (f64): a 16-byte arena slot (its op packed into a 12-byte [`Rec`]
//! plus the slotmap's version word), its value in a dense by-slot `Vec`, its key on the record,
//! and during [`Graph::backward_into`] one 16-byte [`Grads`] entry (adjoint, sweep stamp,
//! state) — about 48 bytes in all. Inputs are 32-bit slot indices, checked once when the node
//! is recorded. Recording (`Var` operators → `Graph::unary`/`binary` → `Tape::push_with`) is
//! inlined into the caller, so at each call site the rule is known and its `match` folds away.

mod backward;
mod code;
mod debug;
mod ext;
mod op;
mod pool;
mod prim_name;
mod retain;
mod var;

pub use backward::Grads;
pub(crate) use backward::{Acc, Sweep, position, sweep};
pub(crate) use code::{Code, Rec};
pub use debug::HookHandle;
pub(crate) use debug::{Hook, Observer, Plain};
pub(crate) use ext::{At, ExtGrads, ExtMark, Extension};
pub use op::Op;
pub(crate) use pool::Pool;
pub use prim_name::PrimName;
pub use var::Var;

use std::cell::RefCell;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};

use slotmap::{Key, SecondaryMap, SlotMap, new_key_type};

use crate::error::{Error, Result};
use crate::real::Float;
use crate::rules::{Fn1, Fn2};

new_key_type! {
    /// The versioned key of a node in a [`Graph`]'s arena.
    pub struct NodeKey;
}

/// Slot index of a key (the arena's dense index; values and adjoints are stored by it).
#[inline]
pub(crate) fn slot(k: NodeKey) -> usize {
    k.data().as_ffi() as u32 as usize
}

/// Version of a key: odd and non-zero for a live node.
#[inline]
pub(crate) fn version(k: NodeKey) -> u32 {
    (k.data().as_ffi() >> 32) as u32
}

/// A recorded computation: the arena of nodes, their values, and the order they were made in.
///
/// `Graph<f64>` (the default) is for checking and teaching; `Graph<f32>` for speed. Create
/// leaves with [`var`](Graph::var) and [`constant`](Graph::constant), combine the returned
/// [`Var`] handles with operators and methods, then call [`backward`](Graph::backward).
///
/// ```
/// use tapegrad::Graph;
/// let g = Graph::new();
/// let (x, y) = (g.var(3.0), g.var(-2.0));
/// let f = x * y + x.sin();
/// let grads = g.backward(f);
/// assert_eq!(grads[x], -2.0 + 3.0_f64.cos()); // ∂f/∂x = y + cos x
/// assert_eq!(grads[y], 3.0);                  // ∂f/∂y = x
/// ```
pub struct Graph<T: Float = f64> {
    tape: RefCell<Tape<T>>,
    id: u64,
    debug: debug::DebugState<T>,
}

pub(crate) struct Tape<T: Float> {
    /// The arena: one packed op per node (see [`Rec`]; [`Tape::op`] unpacks it).
    pub(crate) nodes: SlotMap<NodeKey, Rec>,
    /// Node values, indexed by slot.
    pub(crate) vals: Vec<T>,
    /// Live nodes in the order they were recorded (a topological order).
    pub(crate) order: Vec<NodeKey>,
    /// Operand lists of `Sum` nodes.
    pub(crate) operands: Vec<u32>,
    /// Optional display names (parameters `W`, `b`, inputs `x`), for traces and pictures.
    pub(crate) names: SecondaryMap<NodeKey, Box<str>>,
    /// What the nodes recorded by the layers above hold (tensor ops' shapes and buffers,
    /// user-defined primitives), indexed by their records' entries; made by the first such
    /// node (see [`Extension`]).
    pub(crate) ext: Option<Box<dyn Extension<T>>>,
    /// How many times [`Graph::retain`] freed nodes: a mark from an older epoch no longer
    /// describes a prefix of the tape.
    pub(crate) epoch: u32,
}

/// A position on the tape to [`rewind`](Graph::rewind) to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mark {
    graph: u64,
    len: usize,
    operands: usize,
    ext: ExtMark,
    epoch: u32,
}

/// One recorded node, as returned by [`Graph::nodes`].
#[derive(Clone, Debug, PartialEq)]
pub struct NodeView<T> {
    /// The node's key.
    pub key: NodeKey,
    /// Its operation.
    pub op: Op,
    /// Its value.
    pub value: T,
    /// The keys of its inputs, in operand order.
    pub inputs: Vec<NodeKey>,
    /// Its display name, if one was given.
    pub name: Option<String>,
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

impl<T: Float> Default for Graph<T> {
    /// An empty graph of any element type: `Graph::<f32>::default()`.
    fn default() -> Self {
        Self::with_capacity(0)
    }
}

impl Graph<f64> {
    /// An empty `f64` graph. For `f32` use `Graph::<f32>::default()` or
    /// [`with_capacity`](Graph::with_capacity).
    pub fn new() -> Self {
        Self::with_capacity(0)
    }
}

impl<T: Float> fmt::Debug for Graph<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.tape.borrow();
        let vars = t.nodes.values().filter(|r| r.code == Code::Var).count();
        f.debug_struct("Graph")
            .field("nodes", &t.order.len())
            .field("vars", &vars)
            .finish()
    }
}

impl<T: Float> Graph<T> {
    /// An empty graph with room for `n` nodes before it reallocates.
    pub fn with_capacity(n: usize) -> Self {
        Graph {
            tape: RefCell::new(Tape {
                nodes: SlotMap::with_capacity_and_key(n),
                vals: Vec::with_capacity(n + 1),
                order: Vec::with_capacity(n),
                operands: Vec::new(),
                names: SecondaryMap::new(),
                ext: None,
                epoch: 0,
            }),
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            debug: debug::DebugState::default(),
        }
    }

    /// A leaf that takes a gradient: an input or parameter.
    pub fn var(&self, value: T) -> Var<'_, T> {
        self.leaf(Op::Var, value)
    }

    /// A named leaf that takes a gradient; the name shows in traces and graph pictures.
    pub fn var_named(&self, name: &str, value: T) -> Var<'_, T> {
        let v = self.var(value);
        self.tape.borrow_mut().names.insert(v.key(), name.into());
        v
    }

    /// A leaf that takes no gradient.
    pub fn constant(&self, value: T) -> Var<'_, T> {
        self.leaf(Op::Const, value)
    }

    /// Gives a node a display name (for traces and pictures).
    pub fn set_name(&self, v: Var<'_, T>, name: &str) -> Result<()> {
        self.check(v, "set_name")?;
        self.tape.borrow_mut().names.insert(v.key(), name.into());
        Ok(())
    }

    /// The display name of a node, if it has one.
    pub fn name(&self, key: NodeKey) -> Option<String> {
        let t = self.tape.borrow();
        if !t.nodes.contains_key(key) {
            return None;
        }
        t.names.get(key).map(|s| s.to_string())
    }

    /// The number of live nodes on the tape.
    pub fn len(&self) -> usize {
        self.tape.borrow().order.len()
    }

    /// True when nothing is recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// A snapshot of every live node in record order: op, value, inputs and name.
    pub fn nodes(&self) -> Vec<NodeView<T>> {
        let t = self.tape.borrow();
        let mut key_of = vec![NodeKey::null(); t.vals.len()];
        for &k in &t.order {
            key_of[slot(k)] = k;
        }
        t.order
            .iter()
            .map(|&k| {
                let op = t.op(k);
                NodeView {
                    key: k,
                    op,
                    value: t.vals[slot(k)],
                    inputs: t.inputs(op).map(|i| key_of[i as usize]).collect(),
                    name: t.names.get(k).map(|s| s.to_string()),
                }
            })
            .collect()
    }

    /// Remembers the current end of the tape; [`rewind`](Graph::rewind) frees what comes after.
    ///
    /// ```
    /// use tapegrad::Graph;
    /// let g = Graph::new();
    /// let w = g.var(0.5); // parameters are made before the mark and survive
    /// let step = g.mark();
    /// for _ in 0..3 {
    ///     let loss = (w * 3.0 - 1.0).powi(2);
    ///     let dw = g.backward(loss)[w];
    ///     g.rewind(step);
    ///     g.set_value(w, w.value() - 0.05 * dw).unwrap();
    /// }
    /// assert_eq!(g.len(), 1); // only the parameter is left
    /// ```
    pub fn mark(&self) -> Mark {
        let t = self.tape.borrow();
        Mark {
            graph: self.id,
            len: t.order.len(),
            operands: t.operands.len(),
            ext: t.ext.as_ref().map_or([0; 2], |e| e.mark()),
            epoch: t.epoch,
        }
    }

    /// Frees every node recorded after `mark`, keeping capacity for the next step.
    ///
    /// Handles to freed nodes become stale: using one is [`Error::StaleHandle`].
    /// Panics on a mark from another graph or one already rewound past; see
    /// [`try_rewind`](Graph::try_rewind).
    #[track_caller]
    pub fn rewind(&self, mark: Mark) {
        crate::error::or_panic(self.try_rewind(mark))
    }

    /// [`rewind`](Graph::rewind), returning an error for a mark that does not fit this graph.
    #[track_caller]
    pub fn try_rewind(&self, mark: Mark) -> Result<()> {
        if mark.graph != self.id {
            return Err(Error::InvalidMark("it was made on another graph"));
        }
        let mut t = self.tape.borrow_mut();
        if mark.epoch != t.epoch {
            return Err(Error::InvalidMark(
                "retain freed nodes after it was made, so it no longer marks a prefix of the tape",
            ));
        }
        let ext = t.ext.as_ref().map_or([0; 2], |e| e.mark());
        if mark.len > t.order.len()
            || mark.operands > t.operands.len()
            || mark.ext.iter().zip(ext).any(|(&m, now)| m > now)
        {
            return Err(Error::InvalidMark("the tape was already rewound past it"));
        }
        let Tape {
            nodes,
            order,
            operands,
            ext,
            ..
        } = &mut *t;
        // Newest first, so the free list hands slots out again in the original order.
        for k in order.drain(mark.len..).rev() {
            nodes.remove(k);
        }
        operands.truncate(mark.operands);
        if let Some(ext) = ext {
            ext.rewind(mark.ext);
        }
        let mut hooks = self.debug.hooks.borrow_mut();
        if !hooks.is_empty() {
            hooks.retain(|k, _| nodes.contains_key(k));
        }
        Ok(())
    }

    /// Frees every node, keeping capacity. All handles become stale.
    pub fn clear(&self) {
        let mut t = self.tape.borrow_mut();
        let Tape {
            nodes,
            order,
            operands,
            names,
            ext,
            ..
        } = &mut *t;
        // Newest first, as in `rewind`, so the next nodes get slots 1, 2, … again and the
        // by-slot vectors are walked in address order.
        for k in order.drain(..).rev() {
            nodes.remove(k);
        }
        operands.clear();
        names.clear();
        if let Some(ext) = ext {
            ext.rewind([0; 2]);
        }
        self.debug.hooks.borrow_mut().clear();
    }

    /// Sets the value of a leaf (a parameter update). Computed nodes cannot be set.
    pub fn set_value(&self, v: Var<'_, T>, value: T) -> Result<()> {
        let i = self.check(v, "set_value")?;
        let mut t = self.tape.borrow_mut();
        if !t.nodes[v.key()].is_leaf() {
            return Err(Error::NotALeaf {
                op: t.op(v.key()).name(),
            });
        }
        t.vals[i] = value;
        Ok(())
    }

    /// The op recorded for `v`.
    pub fn op(&self, v: Var<'_, T>) -> Result<Op> {
        self.check(v, "op")?;
        Ok(self.tape.borrow().op(v.key()))
    }

    /// Σ vs as one node with many inputs (0 for an empty slice).
    ///
    /// ∂(Σ vᵢ)/∂vᵢ = 1 for every operand (twice for an operand listed twice).
    #[track_caller]
    pub fn sum(&self, vs: &[Var<'_, T>]) -> Var<'_, T> {
        crate::error::or_panic(self.try_sum(vs))
    }

    /// [`sum`](Graph::sum) returning an error for a foreign or stale handle.
    #[track_caller]
    pub fn try_sum(&self, vs: &[Var<'_, T>]) -> Result<Var<'_, T>> {
        let mut t = self.tape.borrow_mut();
        let start = t.operands.len();
        let mut total = T::ZERO;
        for &v in vs {
            if let Err(e) = self.check_in(&t, v, "sum") {
                t.operands.truncate(start);
                return Err(e);
            }
            let i = slot(v.key());
            total += t.vals[i];
            t.operands.push(i as u32);
        }
        let op = Op::Sum {
            start: start as u32,
            len: vs.len() as u32,
        };
        let k = t.push(op, total);
        if !self.plain_mode() {
            if let Err(e) = self.apply_mode(&mut t, k) {
                t.operands.truncate(start);
                return Err(e);
            }
        }
        Ok(Var::new(self, k))
    }

    // ----- recording (used by the Var methods) -----

    fn leaf(&self, op: Op, value: T) -> Var<'_, T> {
        // Leaves are recorded as given: anomaly mode checks what ops produce.
        let k = self.tape.borrow_mut().push_with(op.into(), |_| value);
        Var::new(self, k)
    }

    /// Checks that `v` belongs to this graph and is live; returns its slot.
    pub(crate) fn check(&self, v: Var<'_, T>, op: &'static str) -> Result<usize> {
        self.check_in(&self.tape.borrow(), v, op)
    }

    pub(crate) fn check_in(&self, t: &Tape<T>, v: Var<'_, T>, op: &'static str) -> Result<usize> {
        t.live(self, v).ok_or_else(|| self.fault(t, v, op))
    }

    /// Why `v` is not a live node of this graph (the slow path of every check).
    #[cold]
    #[inline(never)]
    fn fault(&self, t: &Tape<T>, v: Var<'_, T>, op: &'static str) -> Error {
        if !std::ptr::eq(v.graph(), self) {
            Error::ForeignGraph { op }
        } else {
            debug_assert!(!t.nodes.contains_key(v.key()));
            Error::StaleHandle { op }
        }
    }

    /// The value of a live node.
    pub(crate) fn value_of(&self, v: Var<'_, T>) -> Result<T> {
        let t = self.tape.borrow();
        let i = self.check_in(&t, v, "value")?;
        Ok(t.vals[i])
    }

    // The two recording functions are the hot path of every forward pass: inlined, so that at
    // a call site with a known `f` the rule's `match` disappears, and with the error built only
    // on the cold path, so the common case returns a bare key. Outside the default mode
    // (no-grad, anomaly detection) `apply_mode` then adjusts or takes back the new node.

    #[inline(always)]
    #[track_caller]
    pub(crate) fn unary(&self, f: Fn1, a: Var<'_, T>) -> Result<Var<'_, T>> {
        let mut t = self.tape.borrow_mut();
        let Some(ia) = t.live(self, a) else {
            return Err(self.fault(&t, a, f.name()));
        };
        let k = t.push_with(Op::Unary(f, ia as u32).into(), |v| f.eval(v[ia]));
        if !self.plain_mode() {
            self.apply_mode(&mut t, k)?;
        }
        Ok(Var::new(self, k))
    }

    #[inline(always)]
    #[track_caller]
    pub(crate) fn binary(&self, f: Fn2, a: Var<'_, T>, b: Var<'_, T>) -> Result<Var<'_, T>> {
        let mut t = self.tape.borrow_mut();
        let Some(ia) = t.live(self, a) else {
            return Err(self.fault(&t, a, f.name()));
        };
        let Some(ib) = t.live(self, b) else {
            return Err(self.fault(&t, b, f.name()));
        };
        let rec = Op::Binary(f, ia as u32, ib as u32).into();
        let k = t.push_with(rec, |v| f.eval(v[ia], v[ib]));
        if !self.plain_mode() {
            self.apply_mode(&mut t, k)?;
        }
        Ok(Var::new(self, k))
    }

    pub(crate) fn tape(&self) -> std::cell::Ref<'_, Tape<T>> {
        self.tape.borrow()
    }

    pub(crate) fn tape_mut(&self) -> std::cell::RefMut<'_, Tape<T>> {
        self.tape.borrow_mut()
    }

    pub(crate) fn id(&self) -> u64 {
        self.id
    }
}

impl<T: Float> Tape<T> {
    /// The slot of `v` if it is a live node of graph `g`.
    #[inline(always)]
    fn live(&self, g: &Graph<T>, v: Var<'_, T>) -> Option<usize> {
        (std::ptr::eq(v.graph(), g) && self.nodes.contains_key(v.key())).then(|| slot(v.key()))
    }

    /// The op of a live node (panics for a freed key).
    pub(crate) fn op(&self, k: NodeKey) -> Op {
        self.nodes[k].op()
    }

    /// The op of `k`, or `None` if it was freed.
    pub(crate) fn get_op(&self, k: NodeKey) -> Option<Op> {
        self.nodes.get(k).map(|r| r.op())
    }

    /// Records a node with a known value.
    #[inline]
    pub(crate) fn push(&mut self, op: Op, value: T) -> NodeKey {
        self.push_with(op.into(), |_| value)
    }

    /// Records a node: a slot in the arena, a place on the record, and its value, computed by
    /// `value` from the values of the nodes before it.
    ///
    /// The value is computed last, after everything that might reallocate, so that on the hot
    /// path no floating-point value has to be kept across a call (`tanh` and `exp` are calls):
    /// computing it first measured 5–7% slower on the chain benchmark.
    #[inline(always)]
    fn push_with(&mut self, rec: Rec, value: impl FnOnce(&[T]) -> T) -> NodeKey {
        let k = self.nodes.insert(rec);
        self.order.push(k);
        let i = slot(k);
        if i >= self.vals.len() {
            self.grow_vals(i);
        }
        let y = value(&self.vals);
        if let Some(v) = self.vals.get_mut(i) {
            *v = y;
        }
        k
    }

    /// Makes room for slot `i`: the arena hands out slots densely, so this grows `vals` by one
    /// (slot 0 is the arena's sentinel) and only while the tape is larger than ever before.
    #[cold]
    #[inline(never)]
    fn grow_vals(&mut self, i: usize) {
        self.vals.resize(i + 1, T::ZERO);
    }

    /// The slots a node reads, in operand order.
    pub(crate) fn inputs(&self, op: Op) -> impl Iterator<Item = u32> + '_ {
        let (fixed, list): ([Option<u32>; 2], &[u32]) = match op {
            Op::Var | Op::Const => ([None, None], &[]),
            Op::Unary(_, a) => ([Some(a), None], &[]),
            Op::Binary(_, a, b) => ([Some(a), Some(b)], &[]),
            Op::Sum { start, len } => (
                [None, None],
                &self.operands[start as usize..(start + len) as usize],
            ),
            Op::Primitive { .. } | Op::Tensor(_) => ([None, None], self.ext().inputs(op.into())),
        };
        fixed.into_iter().flatten().chain(list.iter().copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clear_frees_every_node_and_reuses_slots_in_record_order() {
        let g = Graph::new();
        let x = g.var(1.0);
        let _y = (x * 2.0).exp();
        g.clear();
        assert!(g.is_empty());
        assert!(matches!(x.try_value(), Err(Error::StaleHandle { .. })));
        let a = g.var(3.0);
        let c = g.constant(2.0);
        let b = a * a * c;
        assert_eq!(g.backward(b)[a], 12.0);
        // Freed newest first, so slots come back in ascending order, as after a rewind.
        let slots: Vec<usize> = g.nodes().iter().map(|n| slot(n.key)).collect();
        assert!(slots.windows(2).all(|w| w[0] < w[1]), "{slots:?}");
    }

    /// Recording pushes first and applies the mode afterwards: an anomaly takes the new node
    /// back (the tape is as before, its slot is reused), and no-grad turns it into a constant.
    #[test]
    fn modes_apply_to_the_node_just_pushed() {
        let g = Graph::new();
        let x = g.var(0.0);
        let one = g.var(1.0);
        g.set_detect_anomaly(true);
        let before = g.nodes();
        assert!(matches!(x.try_ln(), Err(Error::Anomaly(_))));
        assert!(matches!(one.try_div(x), Err(Error::Anomaly(_))));
        let inf = g.constant(f64::INFINITY);
        let before_sum = g.nodes();
        assert!(matches!(g.try_sum(&[x, inf]), Err(Error::Anomaly(_))));
        assert_eq!(g.nodes(), before_sum);
        g.set_detect_anomaly(false);
        assert_eq!(g.nodes()[..2], before[..]);
        let y = x * one + one; // reuses the freed slots and differentiates normally
        let grads = g.backward(y);
        assert_eq!((grads[x], grads[one]), (1.0, 1.0));
        let z = g.no_grad(|| {
            let c = x * one;
            (g.op(c).unwrap(), c.value())
        });
        assert_eq!(z, (Op::Const, 0.0));
    }
}
