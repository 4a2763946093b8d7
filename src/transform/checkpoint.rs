//! Checkpointing (`jax.checkpoint`, `torch.utils.checkpoint`): a segment of the forward pass
//! runs without keeping its intermediates on the tape, and runs again during the backward
//! sweep, one segment at a time.
//!
//! ```
//! use tapegrad::{Graph, transform::Checkpoints};
//! let g = Graph::new();
//! let w = g.tensor(&[0.5, -0.25], &[2]);
//! let ck = Checkpoints::new(&g);
//! // h = tanh(tanh(w) · 3): the segment's intermediates leave the tape when it returns.
//! let h = ck.checkpoint(&[w], |_, x| Ok(vec![(x[0].tanh() * 3.0).tanh()])).unwrap()[0];
//! let loss = (h * h).sum();
//! let dw = ck.backward(loss, &[w]).remove(0);
//! // The same numbers as without the checkpoint.
//! let plain = ((w.tanh() * 3.0).tanh().powi(2)).sum();
//! assert_eq!(dw, g.backward(plain).tensor(w));
//! ```
//!
//! ## How it works, and why this way
//!
//! [`Checkpoints::checkpoint`] records the segment after a [`mark`](Graph::mark), copies its
//! outputs' values, [`rewind`](Graph::rewind)s (the intermediates' buffers go back to the
//! tape's pool, so the next segment records into the same memory) and puts each output back on
//! the tape as a *placeholder*: a leaf holding the output's value. The closure that ran the
//! segment is kept by the [`Checkpoints`], not by the tape.
//!
//! [`Checkpoints::backward`] then runs one ordinary backward sweep from the loss, which stops
//! at the placeholders, and visits the segments newest first. For each it records the segment
//! again at the top of the tape, now reading the real nodes it read the first time, checks
//! that it gave the same values, and sweeps from its outputs seeded with the gradient
//! gathered at their placeholders (the gradient of `Σ ⟨output, seed⟩` with the seed held
//! constant). That sweep runs on through everything the segment read — parameters, inputs,
//! the placeholders of older segments — and its gradients are added to theirs; then the
//! recomputation is rewound. Every path from the loss to a node is counted once: by the sweep
//! of the oldest segment it crosses (or the first sweep, if it crosses none). So a node read
//! inside a segment and also outside it (a node on two paths across a segment boundary), a
//! segment reading another's output, and parameters captured by the closure all get their
//! whole gradient, and the numbers are the ones the unchecked tape gives: the same rules on the
//! same values, only summed in another order.
//!
//! Why not a tape node that holds a recompute closure (PyTorch's `Function`): the tape stores
//! every operation as plain data so it can be printed, traced and differentiated again, and
//! a closure on it would be the one node none of that works for. Why not free only the
//! buffers and keep the nodes (PyTorch's saved-tensor hooks): the backward sweep would have to
//! stop inside itself to refill them, and a scalar node is nothing but its slot and value, so
//! scalar segments would save nothing. Placeholders and sweeps driven from outside need one
//! change to the tape — a recorded backward pass that starts from several seeded nodes — and
//! free every node of a segment, scalar or tensor.
//!
//! Peak memory: the tape between segments (placeholders, whatever is outside the segments),
//! plus one segment recorded again with its gradient buffers. The price is one more forward
//! pass of every segment and one sweep per segment over the part of the tape it reaches.
//!
//! ## Second order
//!
//! [`Checkpoints::grad_graph`] records the gradient on the tape (as
//! [`Graph::grad_graph`]), recomputing each segment and keeping the recomputation, so the
//! gradient is a node that can be differentiated again — by the `Checkpoints` again
//! ([`backward`](Checkpoints::backward), [`grad_graph`](Checkpoints::grad_graph),
//! [`hessian`](Checkpoints::hessian)), since the recorded gradient still reads placeholders.
//!
//! ## Rules of use
//!
//! - Differentiate through the `Checkpoints`: [`Graph::backward`] sees a placeholder as a leaf
//!   and sends nothing back through the segment.
//! - A segment must compute the same values when run again: change parameters only after the
//!   backward pass, and draw no random numbers inside. A segment that gives other values is
//!   [`Error::Checkpoint`], never a silently wrong gradient; so is a segment whose outputs were
//!   freed by rewind (make a new `Checkpoints` after each mark).
//! - A segment must not make parameters: what it records is freed.
//! - A checkpoint inside a segment (nested) runs inline: the outer segment already frees it.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use crate::error::{Error, Result, or_panic};
use crate::real::Float;
use crate::scalar::Var;
use crate::tape::{Grads, Graph, NodeKey, Op};
use crate::tensor::Tensor;

/// What runs a segment again: the user's closure applied to its inputs, returning the keys
/// of its outputs.
type Run<'g, T> = Box<dyn Fn(&Checkpoints<'g, T>) -> Result<Vec<NodeKey>> + 'g>;

/// One checkpointed segment.
struct Segment<'g, T: Float> {
    run: Run<'g, T>,
    /// The placeholder leaves standing for its outputs on the tape.
    outputs: Vec<NodeKey>,
}

/// The checkpointed segments of one forward pass on a [`Graph`], and the backward passes that
/// recompute them (see the [module docs](self)).
pub struct Checkpoints<'g, T: Float = f64> {
    graph: &'g Graph<T>,
    segments: RefCell<Vec<Segment<'g, T>>>,
    /// How many segments are running (above 0 a checkpoint runs inline).
    depth: Cell<usize>,
}

impl<T: Float> std::fmt::Debug for Checkpoints<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checkpoints")
            .field("segments", &self.segments.borrow().len())
            .finish()
    }
}

impl<'g, T: Float> Checkpoints<'g, T> {
    /// No segments yet, on graph `g`.
    pub fn new(g: &'g Graph<T>) -> Self {
        Checkpoints {
            graph: g,
            segments: RefCell::new(Vec::new()),
            depth: Cell::new(0),
        }
    }

    /// The number of segments recorded so far (nested ones not counted: they run inline).
    pub fn len(&self) -> usize {
        self.segments.borrow().len()
    }

    /// True before the first segment.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Runs `f` on `inputs` as a checkpointed segment of tensors: its outputs come back as
    /// placeholder leaves, its intermediates are freed, and [`backward`](Self::backward)
    /// runs it again. `f` gets these `Checkpoints` (for a nested checkpoint) and `inputs`; it
    /// may also read tensors it captures (parameters), which get their gradient too.
    ///
    /// Derivative: that of `f`, exactly — the backward pass runs `f`'s own ops again.
    ///
    /// Errors: whatever `f` returns (the tape is then as before the call), an output of
    /// another graph ([`Error::ForeignGraph`]), no outputs ([`Error::Invalid`]).
    pub fn checkpoint<F>(&self, inputs: &[Tensor<'g, T>], f: F) -> Result<Vec<Tensor<'g, T>>>
    where
        F: Fn(&Self, &[Tensor<'g, T>]) -> Result<Vec<Tensor<'g, T>>> + 'g,
    {
        self.segment(inputs, f)
    }

    /// [`checkpoint`](Self::checkpoint) for a segment of scalars.
    ///
    /// ```
    /// use tapegrad::{Graph, transform::Checkpoints};
    /// let g = Graph::new();
    /// let x = g.var(0.5);
    /// let ck = Checkpoints::new(&g);
    /// let y = ck.checkpoint_vars(&[x], |_, v| Ok(vec![v[0].sin() * v[0]])).unwrap()[0];
    /// let dx = ck.backward(y, &[x.as_tensor()]).remove(0)[0];
    /// assert_eq!(dx, 0.5_f64.cos() * 0.5 + 0.5_f64.sin()); // (x sin x)' = x cos x + sin x
    /// ```
    pub fn checkpoint_vars<F>(&self, inputs: &[Var<'g, T>], f: F) -> Result<Vec<Var<'g, T>>>
    where
        F: Fn(&Self, &[Var<'g, T>]) -> Result<Vec<Var<'g, T>>> + 'g,
    {
        self.segment(inputs, f)
    }

    /// [`checkpoint`](Self::checkpoint) for tensors or scalars alike.
    fn segment<H, F>(&self, inputs: &[H], f: F) -> Result<Vec<H>>
    where
        H: Handle<'g, T>,
        F: Fn(&Self, &[H]) -> Result<Vec<H>> + 'g,
    {
        let ins = inputs.to_vec();
        let g = self.graph;
        let run: Run<'g, T> = Box::new(move |ck| {
            let outs = f(ck, &ins)?;
            outs.iter().map(|h| owned(g, h.graph(), h.key())).collect()
        });
        let keys = self.record(run)?;
        Ok(keys.into_iter().map(|k| H::at(g, k)).collect())
    }

    /// Runs a segment once and leaves placeholders for its outputs; inline inside a segment.
    fn record(&self, run: Run<'g, T>) -> Result<Vec<NodeKey>> {
        if self.depth.get() > 0 {
            return run(self);
        }
        let g = self.graph;
        let mark = g.mark();
        let outs = self.run_segment(&run).and_then(|keys| {
            if keys.is_empty() {
                return Err(Error::Invalid(
                    "`checkpoint`: the segment returned no outputs".into(),
                ));
            }
            keys.iter()
                .map(|&k| Value::of(g, k))
                .collect::<Result<Vec<_>>>()
        });
        g.try_rewind(mark)?;
        let placeholders = outs?
            .into_iter()
            .map(|v| v.placeholder(g))
            .collect::<Result<Vec<_>>>()?;
        self.segments.borrow_mut().push(Segment {
            run,
            outputs: placeholders.clone(),
        });
        Ok(placeholders)
    }

    fn run_segment(&self, run: &Run<'g, T>) -> Result<Vec<NodeKey>> {
        self.depth.set(self.depth.get() + 1);
        let out = run(self);
        self.depth.set(self.depth.get() - 1);
        out
    }

    /// Runs segment `s` again (at the top of the tape) and checks it against its placeholders.
    fn recompute(&self, s: usize, seg: &Segment<'g, T>) -> Result<Vec<NodeKey>> {
        let g = self.graph;
        let bad = |problem: String| Error::Checkpoint {
            segment: s,
            problem,
        };
        let keys = self.run_segment(&seg.run)?;
        if keys.len() != seg.outputs.len() {
            return Err(bad(format!(
                "it returned {} outputs when run again, {} the first time",
                keys.len(),
                seg.outputs.len()
            )));
        }
        for (i, (&k, &p)) in keys.iter().zip(&seg.outputs).enumerate() {
            let (now, then) = (Value::of(g, k)?, Value::of(g, p)?);
            if now.shape != then.shape {
                return Err(bad(format!(
                    "output {i} has shape {:?} when run again, {:?} the first time",
                    now.shape, then.shape
                )));
            }
            if now.data != then.data {
                return Err(bad(format!(
                    "output {i} has other values when run again; change parameters only \
                     after the backward pass, and draw no random numbers inside a segment"
                )));
            }
        }
        Ok(keys)
    }

    /// Checks what a backward pass is handed: `loss` and every `wrt` of this graph, and every
    /// segment still live (see [`check_live`](Self::check_live)). `what` names the pass.
    fn check_inputs(
        &self,
        loss: Var<'g, T>,
        wrt: &[Tensor<'g, T>],
        what: &'static str,
    ) -> Result<()> {
        let g = self.graph;
        g.check(loss, what)?;
        for &w in wrt {
            owned(g, w.graph(), w.key())?;
        }
        self.check_live()
    }

    /// Checks that every segment's placeholders are still on the tape.
    fn check_live(&self) -> Result<()> {
        let t = self.graph.tape();
        for (s, seg) in self.segments.borrow().iter().enumerate() {
            if seg.outputs.iter().any(|&k| t.get_op(k).is_none()) {
                return Err(Error::Checkpoint {
                    segment: s,
                    problem: "its outputs were freed by rewind or retain; make a new \
                              Checkpoints for each forward pass"
                        .into(),
                });
            }
        }
        Ok(())
    }

    /// ∂loss/∂w for each tensor (or scalar, via [`Var::as_tensor`]) of `wrt`, in row-major
    /// order, every segment recomputed once. Panics on bad use; see
    /// [`try_backward`](Self::try_backward).
    #[track_caller]
    pub fn backward(&self, loss: Var<'g, T>, wrt: &[Tensor<'g, T>]) -> Vec<Vec<T>> {
        or_panic(self.try_backward(loss, wrt))
    }

    /// [`backward`](Self::backward), returning an error for a stale or foreign handle, a
    /// segment that cannot be recomputed
    /// ([`Error::Checkpoint`]). Nothing is left on the tape.
    pub fn try_backward(&self, loss: Var<'g, T>, wrt: &[Tensor<'g, T>]) -> Result<Vec<Vec<T>>> {
        let g = self.graph;
        self.check_inputs(loss, wrt, "checkpoint backward")?;
        let segs = self.segments.borrow();
        let mut acc: HashMap<NodeKey, Vec<T>> = HashMap::new();
        let add = |acc: &mut HashMap<NodeKey, Vec<T>>, store: &Grads<T>, k: NodeKey| {
            if !store.reached(k) {
                return Ok(());
            }
            let d = store.try_tensor(Tensor::new(g, k))?;
            match acc.get_mut(&k) {
                Some(a) => a.iter_mut().zip(d).for_each(|(a, &d)| *a += d),
                None => {
                    acc.insert(k, d.to_vec());
                }
            }
            Ok::<(), Error>(())
        };
        // What a sweep sends to the placeholders of segments older than `upto`, and to `wrt`.
        let gather = |acc: &mut HashMap<NodeKey, Vec<T>>, store: &Grads<T>, upto: usize| {
            for seg in &segs[..upto] {
                for &k in &seg.outputs {
                    add(acc, store, k)?;
                }
            }
            for w in wrt {
                add(acc, store, w.key())?;
            }
            Ok::<(), Error>(())
        };
        let mut store = Grads::new();
        g.backward_into(loss, &mut store)?;
        gather(&mut acc, &store, segs.len())?;
        for (s, seg) in segs.iter().enumerate().rev() {
            let seeds: Vec<Option<Vec<T>>> =
                seg.outputs.iter().map(|k| acc.get(k).cloned()).collect();
            if seeds.iter().all(Option::is_none) {
                continue; // the loss does not depend on this segment
            }
            let mark = g.mark();
            let swept = (|| {
                let outs = self.recompute(s, seg)?;
                let mut terms = Vec::with_capacity(outs.len());
                for (&k, seed) in outs.iter().zip(&seeds) {
                    if let Some(seed) = seed {
                        let y = Tensor::new(g, k);
                        let c = g.try_tensor_const(seed, &y.try_shape()?)?;
                        terms.push(y.try_mul(c)?.try_sum()?);
                    }
                }
                g.backward_into(g.try_sum(&terms)?, &mut store)?;
                gather(&mut acc, &store, s)
            })();
            g.try_rewind(mark)?;
            swept?;
        }
        wrt.iter()
            .map(|w| match acc.remove(&w.key()) {
                Some(d) => Ok(d),
                None => Ok(vec![T::ZERO; w.try_shape()?.iter().product()]),
            })
            .collect()
    }

    /// The gradient of `loss` with respect to `wrt`, recorded on the tape so that it can be
    /// differentiated again ([`Graph::grad_graph`] through the segments). Each segment is
    /// recomputed and its recomputation stays on the tape; differentiate the result through
    /// these `Checkpoints` again. Panics on bad use; see
    /// [`try_grad_graph`](Self::try_grad_graph).
    #[track_caller]
    pub fn grad_graph(&self, loss: Var<'g, T>, wrt: &[Tensor<'g, T>]) -> Vec<Tensor<'g, T>> {
        or_panic(self.try_grad_graph(loss, wrt))
    }

    /// [`grad_graph`](Self::grad_graph), returning an error for a stale or foreign handle, a
    /// segment that cannot be recomputed, or, in anomaly mode, the recorded gradient nodes that
    /// are NaN or infinite (as [`Graph::try_grad_graph`]).
    pub fn try_grad_graph(
        &self,
        loss: Var<'g, T>,
        wrt: &[Tensor<'g, T>],
    ) -> Result<Vec<Tensor<'g, T>>> {
        self.graph.checked_recording(|| self.record_grad(loss, wrt))
    }

    fn record_grad(&self, loss: Var<'g, T>, wrt: &[Tensor<'g, T>]) -> Result<Vec<Tensor<'g, T>>> {
        let g = self.graph;
        self.check_inputs(loss, wrt, "checkpoint grad_graph")?;
        let segs = self.segments.borrow();
        let mut acc: HashMap<NodeKey, Tensor<'g, T>> = HashMap::new();
        // One recorded sweep from `seeds`, added to what the placeholders of segments older
        // than `upto` and `wrt` have gathered.
        let sweep = |acc: &mut HashMap<NodeKey, Tensor<'g, T>>,
                     seeds: &[(Var<'g, T>, Var<'g, T>)],
                     upto: usize| {
            let targets: Vec<Tensor<'g, T>> = segs[..upto]
                .iter()
                .flat_map(|s| s.outputs.iter().map(|&k| Tensor::new(g, k)))
                .chain(wrt.iter().copied())
                .collect();
            let vars: Vec<Var<'g, T>> = targets.iter().map(|t| Var::new(g, t.key())).collect();
            let ds = g.record_backward_from(seeds, &vars)?;
            for (t, d) in targets.iter().zip(ds) {
                // A target the sweep does not reach gets a scalar 0: broadcast it.
                let shape = t.try_shape()?;
                let mut d = d.as_tensor();
                if d.try_shape()? != shape {
                    d = d.try_broadcast_to(&shape)?;
                }
                let sum = match acc.get(&t.key()) {
                    Some(prev) => prev.try_add(d)?,
                    None => d,
                };
                acc.insert(t.key(), sum);
            }
            Ok::<(), Error>(())
        };
        sweep(&mut acc, &[(loss, g.constant(T::ONE))], segs.len())?;
        for (s, seg) in segs.iter().enumerate().rev() {
            let outs = self.recompute(s, seg)?;
            let seeds: Vec<(Var<'g, T>, Var<'g, T>)> = outs
                .iter()
                .zip(&seg.outputs)
                .filter_map(|(&k, p)| acc.get(p).map(|d| (Var::new(g, k), Var::new(g, d.key()))))
                .collect();
            sweep(&mut acc, &seeds, s)?;
        }
        wrt.iter()
            .map(|w| match acc.get(&w.key()) {
                Some(&d) => Ok(d),
                None => g.try_full(&w.try_shape()?, T::ZERO),
            })
            .collect()
    }

    /// The Hessian `∂²y/∂wᵢ∂wⱼ` of a scalar through the segments: the gradient recorded once
    /// ([`grad_graph`](Self::grad_graph)), then one checkpointed backward pass per entry. The
    /// nodes it records are freed before it returns. Panics on bad use; see
    /// [`try_hessian`](Self::try_hessian).
    #[track_caller]
    pub fn hessian(&self, y: Var<'g, T>, wrt: &[Var<'g, T>]) -> Vec<Vec<T>> {
        or_panic(self.try_hessian(y, wrt))
    }

    /// [`hessian`](Self::hessian), returning an error instead of panicking.
    pub fn try_hessian(&self, y: Var<'g, T>, wrt: &[Var<'g, T>]) -> Result<Vec<Vec<T>>> {
        let g = self.graph;
        let ws: Vec<Tensor<'g, T>> = wrt.iter().map(|w| w.as_tensor()).collect();
        let mark = g.mark();
        let rows = (|| {
            let grad = self.try_grad_graph(y, &ws)?;
            grad.iter()
                .map(|&gi| {
                    let row = self.try_backward(gi.try_as_var()?, &ws)?;
                    Ok(row.into_iter().map(|d| d[0]).collect())
                })
                .collect::<Result<Vec<Vec<T>>>>()
        })();
        g.try_rewind(mark)?;
        rows
    }
}

/// The key of a node of `g`, or [`Error::ForeignGraph`] for a handle of another graph.
/// What a segment takes and gives: a tensor or a scalar, a node of a graph.
trait Handle<'g, T: Float>: Copy + 'g {
    fn graph(&self) -> &'g Graph<T>;
    fn key(&self) -> NodeKey;
    /// The handle of node `k` of `g`.
    fn at(g: &'g Graph<T>, k: NodeKey) -> Self;
}

/// `Handle` through the type's own `graph`, `key` and `new`.
macro_rules! handle {
    ($ty:ident) => {
        impl<'g, T: Float> Handle<'g, T> for $ty<'g, T> {
            fn graph(&self) -> &'g Graph<T> {
                $ty::graph(self)
            }

            fn key(&self) -> NodeKey {
                $ty::key(self)
            }

            fn at(g: &'g Graph<T>, k: NodeKey) -> Self {
                $ty::new(g, k)
            }
        }
    };
}
handle!(Tensor);
handle!(Var);

fn owned<T: Float>(g: &Graph<T>, of: &Graph<T>, k: NodeKey) -> Result<NodeKey> {
    if std::ptr::eq(g, of) {
        Ok(k)
    } else {
        Err(Error::ForeignGraph { op: "checkpoint" })
    }
}

/// A node's value, kept across a rewind: tensor or scalar, shape and elements.
struct Value<T> {
    tensor: bool,
    shape: Vec<usize>,
    data: Vec<T>,
}

impl<T: Float> Value<T> {
    fn of(g: &Graph<T>, k: NodeKey) -> Result<Self> {
        let op = g
            .tape()
            .get_op(k)
            .ok_or(Error::StaleHandle { op: "checkpoint" })?;
        let t = Tensor::new(g, k);
        Ok(Value {
            tensor: matches!(op, Op::Tensor(_)),
            shape: t.try_shape()?,
            data: t.try_to_vec()?,
        })
    }

    /// A leaf holding this value, of the same kind as the node it came from.
    fn placeholder(self, g: &Graph<T>) -> Result<NodeKey> {
        if self.tensor {
            Ok(g.try_tensor(&self.data, &self.shape)?.key())
        } else {
            Ok(g.var(self.data[0]).key())
        }
    }
}
