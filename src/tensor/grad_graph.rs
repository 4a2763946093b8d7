//! The recorded reverse sweep ([`Graph::grad_graph`], PyTorch's `create_graph=True`): the
//! rules run with [`Var`] and [`Tensor`](super::Tensor) as the number types, so the backward pass is itself
//! recorded and can be differentiated again (Hessians, Hessian-vector products). It lives in
//! the tensor layer because it steps scalar, primitive and tensor nodes alike.

use slotmap::Key;

use super::store::store;
use crate::error::{Error, Result};
use crate::real::Float;
use crate::tape::{
    At, Code, Grads, Graph, NodeKey, Observer, Plain, Sweep, Var, position, slot, sweep,
};

impl<T: Float> Graph<T> {
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
        if seeds.is_empty() {
            return Ok(wrt.iter().map(|_| self.constant(T::ZERO)).collect());
        }
        // The sweep appends nodes, so it walks a snapshot of the record up to the last seed
        // (and of the arena and operand lists it reads).
        let (record, nodes, operands, key_of) = {
            let t = self.tape();
            let pos = seeds
                .iter()
                .map(|(y, _)| position(&t, y.key()))
                .max()
                .unwrap_or(0);
            let mut key_of = vec![NodeKey::null(); t.vals.len()];
            let record: Vec<NodeKey> = t.order[..=pos].to_vec();
            for &k in &record {
                key_of[slot(k)] = k;
            }
            (record, t.nodes.clone(), t.operands.clone(), key_of)
        };
        let mut rec = Recorded {
            graph: self,
            adj: vec![None; key_of.len()],
            key_of,
        };
        for &(y, d) in seeds {
            let i = slot(y.key());
            rec.adj[i] = Some(match rec.adj[i] {
                // A node seeded twice: tensor-aware, as in the tensor steps.
                Some(prev) => Var::new(self, prev.as_tensor().try_add(d.as_tensor())?.key()),
                None => d,
            });
        }
        let rec = sweep(&record, &nodes, &operands, rec, &mut Plain)?;
        Ok(wrt
            .iter()
            .map(|w| rec.adj[slot(w.key())].unwrap_or_else(|| self.constant(T::ZERO)))
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

/// The recorded sweep: adjoints are nodes of the graph (`Var`, or a tensor node under a `Var`
/// handle), so every rule records what it computes.
struct Recorded<'g, T: Float> {
    graph: &'g Graph<T>,
    /// The keys of the nodes on the record, by slot.
    key_of: Vec<NodeKey>,
    /// ∂loss/∂node by slot, once the sweep reached it.
    adj: Vec<Option<Var<'g, T>>>,
}

impl<'g, T: Float> Sweep for Recorded<'g, T> {
    type R = Var<'g, T>;

    fn val(&self, i: usize) -> Var<'g, T> {
        Var::new(self.graph, self.key_of[i])
    }

    fn visit(&mut self, i: usize, _version: u32) -> Option<Var<'g, T>> {
        self.adj[i]
    }

    fn set(&mut self, i: usize, g: Var<'g, T>) {
        self.adj[i] = Some(g);
    }

    fn send(&mut self, i: usize, d: Var<'g, T>) {
        self.adj[i] = Some(match self.adj[i] {
            Some(prev) => prev + d,
            None => d,
        });
    }

    fn extension<O: Observer<Var<'g, T>>>(
        &mut self,
        At { k, rec, .. }: At,
        g: Var<'g, T>,
        _obs: &mut O,
    ) -> Result<()> {
        let graph = self.graph;
        if rec.code == Code::Tensor {
            return graph.tensor_grad_step(rec.a, k, g, &self.key_of, &mut self.adj);
        }
        // A scalar primitive: its pullback with Var as the number type, recorded, so
        // differentiable.
        let (prim, inputs) = {
            let t = graph.tape();
            let pn = &store(&t).prims[rec.a as usize];
            (pn.prim.clone(), pn.inputs.clone())
        };
        let xs: Vec<Var<'g, T>> = inputs.iter().map(|&j| self.val(j as usize)).collect();
        let ds = prim.pullback_var(&xs, Var::new(graph, k), g);
        crate::tensor::check_contributions(&*prim, ds.len())?;
        for (&j, d) in inputs.iter().zip(ds) {
            self.send(j as usize, d);
        }
        Ok(())
    }
}
