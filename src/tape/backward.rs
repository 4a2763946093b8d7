//! The reverse sweep: one loop over the record, newest node first.

use std::fmt;
use std::ops::Index;

use slotmap::{Key, SlotMap};

use super::code::dispatch;
use super::debug::{Observer, Plain, Watch};
use super::{Code, Graph, NodeKey, Op, Rec, Tape, slot, version};
use crate::error::{Error, Result};
use crate::real::Float;
use crate::rules::{Fn1, Fn2};
use crate::scalar::Var;
use crate::tensor::TensorGrads;

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
    /// Gradients of tensor nodes (see [`Grads::tensor`]).
    pub(crate) tensors: TensorGrads<T>,
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
            tensors: Default::default(),
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
                hooks: self.debug.hooks.borrow_mut(),
                anomaly: self.detect_anomaly(),
                locations: self.debug.locations.borrow(),
                found: Vec::new(),
            };
            self.sweep(s, loss.key(), out, &mut watch)?;
            watch.finish()
        } else {
            self.sweep(s, loss.key(), out, &mut Plain)
        }
    }

    /// The reverse sweep, compiled once per observer: the plain one costs nothing.
    #[inline(always)]
    fn sweep<O: Observer<T>>(
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
        out.tensors.begin(&t);
        let pos = position(&t, loss);
        let mut acc = Acc {
            entries: &mut out.entries[..n],
            sweep: out.sweep,
        };
        acc.send(s, T::ONE);
        let (record, nodes, operands, vals) =
            (&t.order[..=pos], &t.nodes, &t.operands, &t.vals[..n]);
        sweep(
            &t,
            record,
            nodes,
            operands,
            vals,
            acc,
            &mut out.tensors,
            obs,
        )
    }

    /// The gradient of `loss` with respect to `wrt`, recorded on the tape as new nodes
    /// (PyTorch's `create_graph=True`), so it can be differentiated again.
    ///
    /// The same rules as [`backward`](Graph::backward), run with [`Var`] as the number type.
    /// A variable the loss does not depend on gets a constant 0.
    ///
    /// ```
    /// use tapegrad::Graph;
    /// let g = Graph::new();
    /// let x = g.var(2.0);
    /// let y = x.powi(3);
    /// let dy = g.grad_graph(y, &[x])[0];   // 3x² = 12, as a node
    /// let d2y = g.grad_graph(dy, &[x])[0]; // 6x = 12
    /// assert_eq!((dy.value(), d2y.value()), (12.0, 12.0));
    /// assert_eq!(g.backward(d2y)[x], 6.0); // third derivative
    /// ```
    #[track_caller]
    pub fn grad_graph<'g>(&'g self, loss: Var<'g, T>, wrt: &[Var<'g, T>]) -> Vec<Var<'g, T>> {
        crate::error::or_panic(self.try_grad_graph(loss, wrt))
    }

    /// [`grad_graph`](Graph::grad_graph) returning an error for a stale or foreign handle, or,
    /// in anomaly mode, for the recorded gradient nodes that are NaN or infinite (one report
    /// naming every node that made such a value from finite inputs).
    pub fn try_grad_graph<'g>(
        &'g self,
        loss: Var<'g, T>,
        wrt: &[Var<'g, T>],
    ) -> Result<Vec<Var<'g, T>>> {
        self.checked_recording(|| self.record_backward(loss, wrt))
    }

    fn record_backward<'g>(
        &'g self,
        loss: Var<'g, T>,
        wrt: &[Var<'g, T>],
    ) -> Result<Vec<Var<'g, T>>> {
        self.check(loss, "grad_graph")?;
        let one = self.constant(T::ONE);
        self.record_backward_from(&[(loss, one)], wrt)
    }

    /// The recorded reverse sweep started from several nodes at once, each with a recorded
    /// upstream gradient of its own (`seeds`: node, ∂/∂node), as if the loss were
    /// `Σ ⟨node, seed⟩` with the seeds held constant: the sweep never reaches a seed's own
    /// ancestors through it. (Checkpointing seeds a recomputed segment this way.)
    pub(crate) fn record_backward_from<'g>(
        &'g self,
        seeds: &[(Var<'g, T>, Var<'g, T>)],
        wrt: &[Var<'g, T>],
    ) -> Result<Vec<Var<'g, T>>> {
        for &(y, d) in seeds {
            self.check(y, "grad_graph")?;
            self.check(d, "grad_graph")?;
        }
        for &w in wrt {
            self.check(w, "grad_graph")?;
        }
        // The sweep appends nodes, so it walks a snapshot of the record up to the last seed.
        let (record, key_of) = {
            let t = self.tape();
            let pos = seeds
                .iter()
                .map(|(y, _)| position(&t, y.key()))
                .max()
                .unwrap_or(0);
            let mut key_of = vec![NodeKey::null(); t.vals.len()];
            let record: Vec<(NodeKey, Op)> = t.order[..=pos]
                .iter()
                .map(|&k| {
                    key_of[slot(k)] = k;
                    (k, t.op(k))
                })
                .collect();
            (record, key_of)
        };
        let var = |i: u32| Var::new(self, key_of[i as usize]);
        let mut adj: Vec<Option<Var<'g, T>>> = vec![None; key_of.len()];
        let send = |adj: &mut Vec<Option<Var<'g, T>>>, i: u32, d: Var<'g, T>| {
            let i = i as usize;
            adj[i] = Some(match adj[i] {
                Some(prev) => prev + d,
                None => d,
            });
        };
        if seeds.is_empty() {
            return Ok(wrt.iter().map(|_| self.constant(T::ZERO)).collect());
        }
        for &(y, d) in seeds {
            let i = slot(y.key());
            adj[i] = Some(match adj[i] {
                // A node seeded twice: tensor-aware, as in the tensor steps.
                Some(prev) => Var::new(self, prev.as_tensor().try_add(d.as_tensor())?.key()),
                None => d,
            });
        }
        for &(k, op) in record.iter().rev() {
            let Some(g) = adj[slot(k)] else { continue };
            let y = Var::new(self, k);
            match op {
                Op::Var | Op::Const => {}
                Op::Unary(f, a) => send(&mut adj, a, f.pullback(var(a), y, g)),
                Op::Binary(f, a, b) => {
                    let (da, db) = f.pullback(var(a), var(b), y, g);
                    send(&mut adj, a, da);
                    if let Some(db) = db {
                        send(&mut adj, b, db);
                    }
                }
                Op::Sum { start, len } => {
                    let operands =
                        self.tape().operands[start as usize..(start + len) as usize].to_vec();
                    for o in operands {
                        send(&mut adj, o, g);
                    }
                }
                Op::Primitive { node, .. } => {
                    // The pullback with Var as the number type: recorded, so differentiable.
                    let (prim, inputs) = {
                        let pn = &self.tape().prims[node as usize];
                        (pn.prim.clone(), pn.inputs.clone())
                    };
                    let xs: Vec<Var<'g, T>> = inputs.iter().map(|&j| var(j)).collect();
                    let ds = prim.pullback_var(&xs, y, g);
                    crate::primitive::check_contributions(&*prim, ds.len())?;
                    for (&j, d) in inputs.iter().zip(ds) {
                        send(&mut adj, j, d);
                    }
                }
                Op::Tensor(ti) => self.tensor_grad_step(ti, k, g, &key_of, &mut adj)?,
            }
        }
        Ok(wrt
            .iter()
            .map(|w| adj[slot(w.key())].unwrap_or_else(|| self.constant(T::ZERO)))
            .collect())
    }

    /// The full Hessian ∂²y/∂wᵢ∂wⱼ: one recorded gradient, then one sweep per row.
    /// The nodes it records are freed again before it returns.
    ///
    /// ```
    /// use tapegrad::Graph;
    /// let g = Graph::new();
    /// let (x, y) = (g.var(1.0), g.var(2.0));
    /// let f = x * x * y; // ∇f = (2xy, x²); H = [[2y, 2x], [2x, 0]]
    /// assert_eq!(g.hessian(f, &[x, y]), vec![vec![4.0, 2.0], vec![2.0, 0.0]]);
    /// ```
    #[track_caller]
    pub fn hessian(&self, y: Var<'_, T>, wrt: &[Var<'_, T>]) -> Vec<Vec<T>> {
        crate::error::or_panic(self.try_hessian(y, wrt))
    }

    /// [`hessian`](Graph::hessian) returning an error for a stale or foreign handle.
    pub fn try_hessian(&self, y: Var<'_, T>, wrt: &[Var<'_, T>]) -> Result<Vec<Vec<T>>> {
        let mark = self.mark();
        let rows = (|| {
            let grad = self.try_grad_graph(y, wrt)?;
            let mut store = Grads::new();
            let mut rows = Vec::with_capacity(wrt.len());
            for gi in grad {
                self.backward_into(gi, &mut store)?;
                rows.push(store.wrt(wrt));
            }
            Ok(rows)
        })();
        self.rewind(mark);
        rows
    }

    /// The Hessian-vector product H·v without forming H: the gradient of ⟨∇y, v⟩.
    ///
    /// ```
    /// use tapegrad::Graph;
    /// let g = Graph::new();
    /// let (x, y) = (g.var(1.0), g.var(2.0));
    /// let f = x * x * y; // H = [[4, 2], [2, 0]] here
    /// assert_eq!(g.hvp(f, &[x, y], &[1.0, 1.0]), vec![6.0, 2.0]);
    /// ```
    #[track_caller]
    pub fn hvp(&self, y: Var<'_, T>, wrt: &[Var<'_, T>], v: &[T]) -> Vec<T> {
        crate::error::or_panic(self.try_hvp(y, wrt, v))
    }

    /// [`hvp`](Graph::hvp) returning an error for a bad handle or a `v` of the wrong length.
    pub fn try_hvp(&self, y: Var<'_, T>, wrt: &[Var<'_, T>], v: &[T]) -> Result<Vec<T>> {
        if v.len() != wrt.len() {
            return Err(Error::Shape {
                op: "hvp",
                lhs: vec![wrt.len()],
                rhs: vec![v.len()],
            });
        }
        let mark = self.mark();
        let out = (|| {
            let grad = self.try_grad_graph(y, wrt)?;
            let terms: Vec<_> = grad.iter().zip(v).map(|(&gi, &vi)| gi * vi).collect();
            let dot = self.try_sum(&terms)?;
            Ok(self.try_backward(dot)?.wrt(wrt))
        })();
        self.rewind(mark);
        out
    }
}

/// The reverse loop of [`Graph::backward_into`]: visits `record` (newest first), sending each
/// reached node's adjoint to its inputs and reporting to the observer `obs` (the plain one
/// compiles to nothing).
///
/// A separate function taking the tape's parts as separate arguments, so that they are known
/// not to alias: the arena's and the slices' headers stay in registers for the whole loop. The
/// whole tape `t` is only read by the observer and by tensor steps.
#[allow(clippy::too_many_arguments)]
fn sweep<T: Float, O: Observer<T>>(
    t: &Tape<T>,
    record: &[NodeKey],
    nodes: &SlotMap<NodeKey, Rec>,
    operands: &[u32],
    vals: &[T],
    mut acc: Acc<'_, T>,
    tensors: &mut TensorGrads<T>,
    obs: &mut O,
) -> Result<()> {
    // `vals` and the entries have one length: a slot checked against one is in range for both.
    let vals = &vals[..acc.entries.len()];
    for (p, &k) in record.iter().enumerate().rev() {
        let i = slot(k);
        let Some(g) = acc.visit(i, version(k)) else {
            continue; // the loss does not depend on this node
        };
        // Every key on the record is live, so `get` always finds the node.
        let Some(&Rec { code, a, b }) = nodes.get(k) else {
            continue;
        };
        // A tensor node's gradient is complete only inside its step, which reports it there.
        if code != Code::Tensor {
            obs.visit(k, g)?;
        }
        let g = *g;
        let (a, b) = (a as usize, b as usize);
        // One dispatch on the packed code; each arm calls the rule with a constant function,
        // so the rule's own `match` folds away.
        macro_rules! unary {
            ($f:expr) => {{
                let d = $f.pullback(vals[a], vals[i], g);
                obs.send(t, p, k, 0, g, d)?;
                acc.send(a, d);
            }};
        }
        macro_rules! binary {
            ($f:expr) => {{
                let (da, db) = $f.pullback(vals[a], vals[b], vals[i], g);
                obs.send(t, p, k, 0, g, da)?;
                match db {
                    // `x * x`, `x + x`: both contributions in one update (same result).
                    Some(db) if a == b => {
                        obs.send(t, p, k, 1, g, db)?;
                        acc.send2(a, da, db)
                    }
                    Some(db) => {
                        obs.send(t, p, k, 1, g, db)?;
                        acc.send(a, da);
                        acc.send(b, db);
                    }
                    None => acc.send(a, da),
                }
            }};
        }
        dispatch!(code, b, unary, binary, {
            Code::Var | Code::Const => {}
            Code::Sum => {
                // ∂Σ/∂vᵢ = 1; here `a` is the first operand's position and `b` the count
                for (j, &o) in operands[a..a + b].iter().enumerate() {
                    obs.send(t, p, k, j, g, g)?;
                    acc.send(o as usize, g);
                }
            }
            Code::Primitive => {
                // Here `a` is the primitive node's entry; a copy of `acc`, as for tensors.
                let mut sub = Acc {
                    entries: &mut *acc.entries,
                    sweep: acc.sweep,
                };
                primitive_step(t, p, k, &t.prims[a], g, &mut sub, obs)?
            }
            Code::Tensor => {
                // Here `a` is the tensor index. The step gets a copy of `acc`, so that `acc`
                // itself never has its address taken and stays in registers.
                let mut sub = Acc {
                    entries: &mut *acc.entries,
                    sweep: acc.sweep,
                };
                tensors.step(t, p, k, a as u32, &mut sub, obs)?
            }
        });
    }
    Ok(())
}

/// One step of the numeric sweep at a user-defined primitive (key `k`, record position `p`,
/// upstream `g`): its pullback run with the graph's number type, one contribution per input.
/// Never inlined, like a tensor step, so the scalar loop stays small.
#[inline(never)]
fn primitive_step<T: Float, O: Observer<T>>(
    t: &Tape<T>,
    p: usize,
    k: NodeKey,
    node: &crate::primitive::PrimNode<T>,
    g: T,
    acc: &mut Acc<'_, T>,
    obs: &mut O,
) -> Result<()> {
    let xs: Vec<T> = node.inputs.iter().map(|&j| t.vals[j as usize]).collect();
    let ds = node.prim.pullback_num(&xs, t.vals[slot(k)], g);
    crate::primitive::check_contributions(&*node.prim, ds.len())?;
    for (j, (&input, d)) in node.inputs.iter().zip(ds).enumerate() {
        obs.send(t, p, k, j, g, d)?;
        acc.send(input as usize, d);
    }
    Ok(())
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
fn position<T: Float>(t: &Tape<T>, k: NodeKey) -> usize {
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
