//! The reverse sweep: one loop over the record, newest node first.

use std::fmt;
use std::ops::Index;

use slotmap::SlotMap;

use super::Var;
use super::code::dispatch;
use super::debug::{Observer, Plain, Watch};
use super::{At, Code, ExtGrads, Graph, NodeKey, Rec, Tape, slot, version};
use crate::error::{Error, Result};
use crate::real::{Float, Real};
use crate::rules::{Fn1, Fn2};

/// The state of an entry the sweep has sent a gradient to but not yet visited (live key
/// versions are odd, so this is never a version).
const PENDING: u32 = 2;

/// The gradients from one [`Graph::backward`]: ∂loss/∂v for every node `v` that existed then.
///
/// Index it with a [`Var`] (`grads[w]`) or call [`get`](Grads::get). A node the loss does not
/// depend on, or one made after the sweep, has gradient 0. Stored densely by slot; each entry
/// remembers the key version it was computed for, so a recycled slot never answers for another
/// node. Reuse one store across steps with [`Graph::backward_into`] to avoid allocating.
#[derive(Clone, Default)]
pub struct Grads<T> {
    /// One entry per slot; only those stamped with the current `sweep` mean anything, so the
    /// store is never cleared between sweeps.
    entries: Vec<Entry<T>>,
    /// Number of the sweep that filled the store (0: none yet).
    sweep: u32,
    pub(crate) graph: u64,
    zero: T,
    /// Gradient buffers of extension nodes (tensors, see [`Grads::tensor`]).
    pub(crate) ext: ExtGrads<T>,
}

/// A slot's adjoint and what the sweep numbered `sweep` knows of it: `state` is [`PENDING`]
/// (reached, not yet visited) or the key version of the node it was computed for. An entry
/// stamped with an older sweep is not reached (and its adjoint is garbage).
#[derive(Clone, Copy, Debug, Default)]
struct Entry<T> {
    adj: T,
    sweep: u32,
    state: u32,
}

impl<T: Float> Grads<T> {
    /// An empty store, to be filled by [`Graph::backward_into`].
    pub fn new() -> Self {
        Grads {
            entries: Vec::new(),
            sweep: 0,
            graph: 0,
            zero: T::ZERO,
            ext: Default::default(),
        }
    }

    /// ∂loss/∂v. Panics if `v` is from another graph; see [`try_get`](Grads::try_get).
    #[track_caller]
    pub fn get(&self, v: Var<'_, T>) -> T {
        crate::error::or_panic(self.try_get(v))
    }

    /// ∂loss/∂v, or [`Error::ForeignGraph`] for a handle of another graph.
    pub fn try_get(&self, v: Var<'_, T>) -> Result<T> {
        self.check_graph(v, "Grads::get")?;
        Ok(*self.entry(v.key()))
    }

    /// The gradients of several variables, in order.
    #[track_caller]
    pub fn wrt(&self, vs: &[Var<'_, T>]) -> Vec<T> {
        vs.iter().map(|&v| self.get(v)).collect()
    }

    fn check_graph(&self, v: Var<'_, T>, op: &'static str) -> Result<()> {
        if self.graph == 0 {
            return Err(Error::Invalid(format!(
                "`{op}` on an empty gradient store; fill it with Graph::backward_into first"
            )));
        }
        if v.graph().id() != self.graph {
            return Err(Error::ForeignGraph { op });
        }
        Ok(())
    }

    fn entry(&self, k: NodeKey) -> &T {
        match self.entries.get(slot(k)) {
            Some(e) if e.sweep == self.sweep && e.state == version(k) => &e.adj,
            _ => &self.zero,
        }
    }

    /// True if the last sweep reached and visited node `k` (its gradient was computed for
    /// exactly this node, not for an older one in the same slot).
    pub(crate) fn reached(&self, k: NodeKey) -> bool {
        matches!(self.entries.get(slot(k)),
            Some(e) if e.sweep == self.sweep && e.state == version(k))
    }
}

impl<T> fmt::Debug for Grads<T> {
    /// A summary: which graph, and how many nodes the last sweep reached. (The entries of
    /// older sweeps are stale and mean nothing, so they are not shown.)
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reached = self
            .entries
            .iter()
            .filter(|e| self.sweep != 0 && e.sweep == self.sweep)
            .count();
        f.debug_struct("Grads")
            .field("graph", &self.graph)
            .field("reached", &reached)
            .finish()
    }
}

impl<'g, T: Float> Index<Var<'g, T>> for Grads<T> {
    type Output = T;
    /// ∂loss/∂v; panics for a handle of another graph.
    #[track_caller]
    fn index(&self, v: Var<'g, T>) -> &T {
        crate::error::or_panic(self.check_graph(v, "Grads[..]"));
        self.entry(v.key())
    }
}

impl<T: Float> Graph<T> {
    /// Reverse-mode gradient of `loss` with respect to every node recorded before it.
    ///
    /// Leaves the graph untouched: calling it twice gives the same gradients.
    /// Panics on a stale or foreign handle; see [`try_backward`](Graph::try_backward).
    ///
    /// ```
    /// use tapegrad::Graph;
    /// let g = Graph::new();
    /// let x = g.var(3.0);
    /// let y = x * x; // one leaf on two paths: dy/dx = 2x
    /// assert_eq!(g.backward(y)[x], 6.0);
    /// assert_eq!(g.backward(y)[x], 6.0); // no hidden accumulation
    /// ```
    #[track_caller]
    pub fn backward(&self, loss: Var<'_, T>) -> Grads<T> {
        let mut grads = Grads::new();
        crate::error::or_panic(self.backward_into(loss, &mut grads));
        grads
    }

    /// [`backward`](Graph::backward) returning an error for a stale or foreign handle.
    pub fn try_backward(&self, loss: Var<'_, T>) -> Result<Grads<T>> {
        let mut grads = Grads::new();
        self.backward_into(loss, &mut grads)?;
        Ok(grads)
    }

    /// [`backward`](Graph::backward) into an existing store, reusing its memory.
    pub fn backward_into(&self, loss: Var<'_, T>, out: &mut Grads<T>) -> Result<()> {
        let s = self.check(loss, "backward")?;
        if self.observed() {
            let mut watch = Watch {
                tape: self.tape(),
                hooks: self.debug.hooks.borrow_mut(),
                anomaly: self.detect_anomaly(),
                locations: self.debug.locations.borrow(),
                found: Vec::new(),
            };
            self.sweep_numeric(s, loss.key(), out, &mut watch)?;
            watch.finish()
        } else {
            self.sweep_numeric(s, loss.key(), out, &mut Plain)
        }
    }

    /// [`backward_into`](Graph::backward_into) with `obs` as the only observer (no hooks, no
    /// anomaly checks): the step-by-step trace.
    pub(crate) fn observed_backward<O: Observer<T>>(
        &self,
        loss: Var<'_, T>,
        out: &mut Grads<T>,
        obs: &mut O,
    ) -> Result<()> {
        let s = self.check(loss, "backward")?;
        self.sweep_numeric(s, loss.key(), out, obs)
    }

    /// The numeric reverse sweep with observer `obs` (hooks and anomaly checks, or a trace),
    /// compiled once per observer: the plain one costs nothing.
    #[inline(always)]
    fn sweep_numeric<O: Observer<T>>(
        &self,
        s: usize,
        loss: NodeKey,
        out: &mut Grads<T>,
        obs: &mut O,
    ) -> Result<()> {
        let t = self.tape();
        let n = t.vals.len();
        out.graph = self.id();
        // A new sweep number makes every entry stale at once: nothing is cleared. When the
        // counter wraps (after 2³² sweeps) the stamps are reset once.
        out.sweep = out.sweep.wrapping_add(1);
        if out.sweep == 0 {
            out.entries.iter_mut().for_each(|e| e.sweep = 0);
            out.sweep = 1;
        }
        out.entries.resize(n, Entry::default());
        out.ext.begin(&t);
        let pos = position(&t, loss);
        let mut acc = Acc {
            entries: &mut out.entries[..n],
            sweep: out.sweep,
        };
        acc.send(s, T::ONE);
        let (record, nodes, operands, vals) =
            (&t.order[..=pos], &t.nodes, &t.operands, &t.vals[..n]);
        numeric(&t, record, nodes, operands, vals, acc, &mut out.ext, obs)
    }
}

/// What one reverse sweep runs on: the number type of its adjoints — `f32`/`f64` for
/// [`Graph::backward`], [`Var`] for [`Graph::grad_graph`] (which records the backward pass) —
/// and where the adjoints are kept.
pub(crate) trait Sweep {
    /// The number type the rules run with.
    type R: Real;
    /// The value of the node in slot `i`, as a number of this sweep.
    fn val(&self, i: usize) -> Self::R;
    /// Visits slot `i` (the node of key version `version`): its complete gradient, or `None`
    /// if the sweep never reached it.
    fn visit(&mut self, i: usize, version: u32) -> Option<Self::R>;
    /// Replaces the gradient of slot `i`, being visited (a hook changed it).
    fn set(&mut self, i: usize, g: Self::R);
    /// Adds the contribution `d` to the adjoint of slot `i`.
    fn send(&mut self, i: usize, d: Self::R);
    /// [`send`](Sweep::send) of `d1` then `d2` to the same slot.
    #[inline(always)]
    fn send2(&mut self, i: usize, d1: Self::R, d2: Self::R) {
        self.send(i, d1);
        self.send(i, d2);
    }
    /// The step at the extension node `at` (a tensor op or a user-defined primitive), with
    /// upstream gradient `g`.
    fn extension<O: Observer<Self::R>>(&mut self, at: At, g: Self::R, obs: &mut O) -> Result<()>;
}

/// The reverse sweep — the one loop every backward pass runs, numeric or recorded, scalar or
/// tensor: visits `record` (newest first), sends each reached node's adjoint to its inputs
/// through the rules, and shows every step to the observer `obs` as it computes it (the plain
/// observer compiles to nothing). `nodes` and `operands` are the tape's arena and `Sum`
/// operand lists as of the record.
///
/// Inlined into its two callers (the numeric and the recorded sweep), each of which passes the
/// tape's parts as separate arguments and the sweep's state `s` by value (handed back at the
/// end), so that nothing aliases and the loop's state stays in registers.
#[inline(always)]
pub(crate) fn sweep<S: Sweep, O: Observer<S::R>>(
    record: &[NodeKey],
    nodes: &SlotMap<NodeKey, Rec>,
    operands: &[u32],
    mut s: S,
    obs: &mut O,
) -> Result<S> {
    for (p, &k) in record.iter().enumerate().rev() {
        let i = slot(k);
        let Some(mut g) = s.visit(i, version(k)) else {
            continue; // the loss does not depend on this node
        };
        // Every key on the record is live, so `get` always finds the node.
        let Some(&Rec { code, a, b }) = nodes.get(k) else {
            continue;
        };
        // (Taken apart at once: a `Rec` kept whole for the extension arm is stored to the stack
        // on every step, which measured 25% slower on the wide sum.)
        let (a, b) = (a as usize, b as usize);
        // A tensor node's gradient is complete only inside its step, which reports it there.
        if code != Code::Tensor && obs.visit(k, &mut g)? {
            s.set(i, g);
        }
        // One dispatch on the packed code; each arm calls the rule with a constant function,
        // so the rule's own `match` folds away. Each rule gives its local partial, and the
        // contribution is the upstream times it (what `pullback` computes); the observer sees
        // both as the sweep computes them, the partial as a number only when it asks.
        macro_rules! unary {
            ($f:expr) => {{
                let l = $f.local(s.val(a), s.val(i));
                let d = l.times(g);
                obs.send(p, k, 0, g, obs.wants_partials().then(|| l.value(g)), d)?;
                s.send(a, d);
            }};
        }
        macro_rules! binary {
            ($f:expr) => {{
                let (la, lb) = $f.locals(s.val(a), s.val(b), s.val(i));
                let (da, db) = (la.times(g), lb.map(|l| l.times(g)));
                let wants = obs.wants_partials();
                let lb = lb.filter(|_| wants).map(|l| l.value(g));
                obs.send(p, k, 0, g, wants.then(|| la.value(g)), da)?;
                match db {
                    // `x * x`, `x + x`: both contributions in one update (same result).
                    Some(db) if a == b => {
                        obs.send(p, k, 1, g, lb, db)?;
                        s.send2(a, da, db)
                    }
                    Some(db) => {
                        obs.send(p, k, 1, g, lb, db)?;
                        s.send(a, da);
                        s.send(b, db);
                    }
                    None => s.send(a, da),
                }
            }};
        }
        dispatch!(code, b, unary, binary, {
            Code::Var | Code::Const => {}
            Code::Sum => {
                // ∂Σ/∂vᵢ = 1; here `a` is the first operand's position and `b` the count
                for (j, &o) in operands[a..a + b].iter().enumerate() {
                    let l = obs.wants_partials().then(|| g.lit(1.0));
                    obs.send(p, k, j, g, l, g)?;
                    s.send(o as usize, g);
                }
            }
            Code::Primitive | Code::Tensor => {
                let rec = Rec {
                    code,
                    a: a as u32,
                    b: b as u32,
                };
                s.extension(At { pos: p, k, rec }, g, obs)?
            }
        });
    }
    Ok(s)
}

/// The reverse loop run with the graph's numbers, for [`Graph::backward_into`].
///
/// A separate function taking the tape's parts and the adjoints by value, so that they are
/// known not to alias and the loop (inlined here) keeps the arena's, the slices' and the
/// adjoints' headers in registers.
#[allow(clippy::too_many_arguments)]
#[inline(never)]
fn numeric<T: Float, O: Observer<T>>(
    tape: &Tape<T>,
    record: &[NodeKey],
    nodes: &SlotMap<NodeKey, Rec>,
    operands: &[u32],
    vals: &[T],
    acc: Acc<'_, T>,
    ext: &mut ExtGrads<T>,
    obs: &mut O,
) -> Result<()> {
    // `vals` and the entries have one length: a slot checked against one is in range for both.
    let vals = &vals[..acc.entries.len()];
    let num = Numeric {
        acc,
        vals,
        tape,
        ext,
    };
    sweep(record, nodes, operands, num, obs).map(drop)
}

/// The numeric sweep of [`Graph::backward_into`]: adjoints of the graph's number type, dense
/// by slot, and the gradient buffers of extension nodes.
struct Numeric<'a, T: Float> {
    acc: Acc<'a, T>,
    /// Node values by slot, as long as the entries: a slot checked against one is in range for
    /// both.
    vals: &'a [T],
    /// The whole tape, read only by extension steps.
    tape: &'a Tape<T>,
    ext: &'a mut ExtGrads<T>,
}

impl<T: Float> Sweep for Numeric<'_, T> {
    type R = T;

    #[inline(always)]
    fn val(&self, i: usize) -> T {
        self.vals[i]
    }

    #[inline(always)]
    fn visit(&mut self, i: usize, version: u32) -> Option<T> {
        self.acc.visit(i, version).map(|g| *g)
    }

    #[inline(always)]
    fn set(&mut self, i: usize, g: T) {
        *self.acc.adj_mut(i) = g;
    }

    #[inline(always)]
    fn send(&mut self, i: usize, d: T) {
        self.acc.send(i, d)
    }

    #[inline(always)]
    fn send2(&mut self, i: usize, d1: T, d2: T) {
        self.acc.send2(i, d1, d2)
    }

    #[inline(always)]
    fn extension<O: Observer<T>>(&mut self, at: At, _g: T, obs: &mut O) -> Result<()> {
        // Here `rec.a` is the entry in the extension store. The step gets a copy of `acc`, so
        // that `acc` itself never has its address taken and stays in registers; the step is
        // never inlined, so the scalar loop stays small. (It reads the gradient from `acc`: a
        // rank-0 tensor's is completed there.)
        let sub = Acc {
            entries: &mut *self.acc.entries,
            sweep: self.acc.sweep,
        };
        extension_step(self.tape, at, sub, self.ext, obs)
    }
}

/// The numeric step at an extension node, out of the scalar loop: the loop stays small, and
/// its registers are not spent on the extension's call.
#[cold]
#[inline(never)]
fn extension_step<T: Float>(
    t: &Tape<T>,
    at: At,
    mut acc: Acc<'_, T>,
    ext: &mut ExtGrads<T>,
    obs: &mut dyn Observer<T>,
) -> Result<()> {
    t.ext().step(t, at, &mut acc, ext, obs)
}

/// The gradient entries during sweep number `sweep`: what the reverse sweep (scalar and
/// tensor steps alike) reads and writes.
pub(crate) struct Acc<'a, T> {
    entries: &'a mut [Entry<T>],
    sweep: u32,
}

impl<T: Float> Acc<'_, T> {
    /// Adds the contribution `d` to the adjoint of slot `i`; the first one of this sweep
    /// replaces whatever an older sweep left there.
    #[inline(always)]
    pub(crate) fn send(&mut self, i: usize, d: T) {
        let sweep = self.sweep;
        let e = &mut self.entries[i];
        if e.sweep == sweep {
            e.adj += d;
        } else {
            *e = Entry {
                adj: d,
                sweep,
                state: PENDING,
            };
        }
    }

    /// [`send`](Acc::send) of `d1` then `d2` to the same slot, in one update: the same
    /// arithmetic, without reading back the value just stored.
    #[inline(always)]
    fn send2(&mut self, i: usize, d1: T, d2: T) {
        let sweep = self.sweep;
        let e = &mut self.entries[i];
        if e.sweep == sweep {
            e.adj = e.adj + d1 + d2;
        } else {
            *e = Entry {
                adj: d1 + d2,
                sweep,
                state: PENDING,
            };
        }
    }

    /// Marks slot `i` reached (so the sweep will visit it) without adding to its adjoint: for
    /// a tensor input, whose gradient is kept with the tensor.
    #[inline]
    pub(crate) fn reach(&mut self, i: usize) {
        let sweep = self.sweep;
        let e = &mut self.entries[i];
        if e.sweep != sweep {
            *e = Entry {
                adj: T::ZERO,
                sweep,
                state: PENDING,
            };
        }
    }

    /// The adjoint of slot `i`, which the sweep is visiting.
    #[inline]
    pub(crate) fn adj_mut(&mut self, i: usize) -> &mut T {
        &mut self.entries[i].adj
    }

    /// Marks slot `i` visited (as the node of key version `version`) and returns its adjoint,
    /// or `None` if this sweep never reached it.
    #[inline(always)]
    fn visit(&mut self, i: usize, version: u32) -> Option<&mut T> {
        let sweep = self.sweep;
        let e = &mut self.entries[i];
        if e.sweep != sweep {
            return None;
        }
        e.state = version;
        Some(&mut e.adj)
    }
}

/// Position of a live key in the record (searching from the end: the loss is usually last).
pub(crate) fn position<T: Float>(t: &Tape<T>, k: NodeKey) -> usize {
    t.order
        .iter()
        .rposition(|&o| o == k)
        .expect("a live node is on the record")
}

#[cfg(test)]
mod tests {
    use approx::assert_relative_eq;
    use slotmap::Key;

    use crate::{Grads, Graph, Op};

    /// Every packed code is sent to its own rule: each op's gradient against its textbook
    /// derivative at a point away from kinks.
    #[test]
    fn each_op_gets_its_own_derivative() {
        let g = Graph::new();
        let (a, b) = (0.7_f64, -1.3_f64);
        let (x, y) = (g.var(a), g.var(b));
        let unary: Vec<(_, f64)> = vec![
            (-x, -1.0),
            (x.exp(), a.exp()),
            (x.ln(), 1.0 / a),
            (x.tanh(), 1.0 - a.tanh().powi(2)),
            (x.sigmoid(), {
                let s = 1.0 / (1.0 + (-a).exp());
                s * (1.0 - s)
            }),
            (x.relu(), 1.0),
            (x.sin(), a.cos()),
            (x.cos(), -a.sin()),
            (x.sqrt(), 0.5 / a.sqrt()),
            (y.abs(), -1.0), // d|y|/dy at y < 0
            (x.powi(-3), -3.0 * a.powi(-4)),
            (x.powi(5), 5.0 * a.powi(4)),
        ];
        for (i, (node, want)) in unary.into_iter().enumerate() {
            let wrt = if i == 9 { y } else { x };
            assert!(matches!(g.op(node).unwrap(), Op::Unary(..)));
            assert_relative_eq!(g.backward(node)[wrt], want, max_relative = 1e-15);
        }
        // (node, ∂/∂x, ∂/∂y)
        let binary: Vec<(_, f64, f64)> = vec![
            (x + y, 1.0, 1.0),
            (x - y, 1.0, -1.0),
            (x * y, b, a),
            (x / y, 1.0 / b, -a / (b * b)),
            (x.maximum(y), 1.0, 0.0),
            (x.minimum(y), 0.0, 1.0),
        ];
        for (node, dx, dy) in binary {
            let grads = g.backward(node);
            assert_relative_eq!(grads[x], dx, max_relative = 1e-15);
            assert_relative_eq!(grads[y], dy, max_relative = 1e-15);
        }
        // aᶜ with a non-integer constant exponent: c·aᶜ⁻¹; the exponent node takes none.
        let p = x.powf(1.5);
        assert!(matches!(g.op(p).unwrap(), Op::Binary(..)));
        assert_relative_eq!(g.backward(p)[x], 1.5 * a.sqrt(), max_relative = 1e-15);
        // An operand listed twice in a sum counts twice.
        let s = g.sum(&[x, y, x]);
        let grads = g.backward(s);
        assert_eq!((grads[x], grads[y]), (2.0, 1.0));
    }

    /// `x * x` and `x + x` send both contributions to `x` in one update, whether or not `x`
    /// already has a gradient from elsewhere.
    #[test]
    fn one_node_as_both_operands() {
        let g = Graph::new();
        let x = g.var(3.0);
        assert_eq!(g.backward(x * x)[x], 6.0); // 2x
        assert_eq!(g.backward(x + x)[x], 2.0);
        assert_eq!(g.backward(x + x * x)[x], 7.0); // 1 + 2x, the 1 arriving first
        assert_eq!(g.backward(x * x + x)[x], 7.0);
        assert_eq!(g.backward((x * x) * (x * x))[x], 108.0); // 4x³
    }

    /// The store's adjoints are not cleared between sweeps: a reused store must still answer 0
    /// for every node the new loss does not reach.
    #[test]
    fn a_reused_store_forgets_what_the_new_loss_does_not_reach() {
        let g = Graph::new();
        let (x, y) = (g.var(3.0), g.var(5.0));
        let xy = x * y;
        let mut grads = Grads::new();
        g.backward_into(xy, &mut grads).unwrap();
        assert_eq!((grads[x], grads[y], grads[xy]), (5.0, 3.0, 1.0));
        let x2 = x * 2.0;
        g.backward_into(x2, &mut grads).unwrap();
        assert_eq!((grads[x], grads[y], grads[xy]), (2.0, 0.0, 0.0));
        // And the first contribution to a node replaces, never adds to, an old adjoint.
        g.backward_into(xy, &mut grads).unwrap();
        assert_eq!((grads[x], grads[y]), (5.0, 3.0));
    }

    #[test]
    fn debug_shows_only_what_the_last_sweep_reached() {
        let g = Graph::new();
        let (x, y) = (g.var(3.0), g.var(5.0));
        let mut grads = Grads::new();
        assert_eq!(format!("{grads:?}"), "Grads { graph: 0, reached: 0 }");
        g.backward_into(x * y, &mut grads).unwrap(); // x·y, x, y
        let id = format!("{grads:?}");
        assert!(id.ends_with("reached: 3 }"), "{id}");
        g.backward_into(x.exp(), &mut grads).unwrap(); // exp(x), x
        assert!(format!("{grads:?}").ends_with("reached: 2 }"));
    }

    /// The sweep counter wrapping around (after 2³² sweeps into one store) resets the stamps
    /// instead of letting a very old entry look current.
    #[test]
    fn the_sweep_counter_wraps_safely() {
        let g = Graph::new();
        let (x, y) = (g.var(3.0), g.var(5.0));
        let xy = x * y;
        let mut grads = Grads::new();
        g.backward_into(xy, &mut grads).unwrap();
        // Pretend this was sweep number 0xFFFF_FFFF, so the next one wraps to 0.
        grads.sweep = u32::MAX;
        grads.entries.iter_mut().for_each(|e| {
            if e.sweep != 0 {
                e.sweep = u32::MAX;
            }
        });
        g.backward_into(x * 2.0, &mut grads).unwrap();
        assert_eq!(grads.sweep, 1);
        assert_eq!((grads[x], grads[y], grads[xy]), (2.0, 0.0, 0.0));
    }

    /// A slot freed by rewind and handed to a new node does not inherit the old gradient.
    #[test]
    fn a_recycled_slot_does_not_answer_for_its_old_node() {
        let g = Graph::new();
        let x = g.var(2.0);
        let mark = g.mark();
        let old = x * x;
        let grads = g.backward(old);
        assert_eq!(grads[old], 1.0);
        g.rewind(mark);
        let new = g.constant(7.0); // takes `old`'s slot, with a newer key version
        assert_eq!(
            new.key().data().as_ffi() as u32,
            old.key().data().as_ffi() as u32
        );
        assert_eq!(grads[new], 0.0);
        assert_eq!(grads[x], 4.0);
    }

    /// A node the loss does not depend on is skipped, so an infinite local derivative there
    /// cannot turn a gradient into NaN (0 · ∞).
    #[test]
    fn nodes_off_the_path_do_not_pollute_the_gradient() {
        let g = Graph::new();
        let x = g.var(0.0);
        let _unused = x.sqrt() + x.ln(); // sqrt'(0) = ∞, ln'(0) = ∞
        let loss = x * 3.0;
        assert_eq!(g.backward(loss)[x], 3.0);
    }

    /// A node the loss does depend on is swept even when its gradient is exactly 0, as in
    /// PyTorch: relu'(0) = 0 meets sqrt'(0) = ∞ and the product is NaN, not a silent 0.
    #[test]
    fn a_zero_gradient_on_the_path_still_meets_the_local_derivative() {
        let g = Graph::new();
        let x = g.var(0.0);
        let loss = x.sqrt().relu();
        assert!(g.backward(loss)[x].is_nan());
    }
}
