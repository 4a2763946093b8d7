//! The tensor half of the reverse sweep: one sweep step per tensor node (numeric and
//! recorded), the numeric step of a scalar primitive, and the tensor forms of `grad_graph` and
//! `hvp`.

use super::Tensor;
use super::numeric::Val;
use super::push::{In, data_of};
use super::rules::{self, Node};
use super::store::{SCALAR_INPUT, TensorOp, store};
use crate::error::{Error, Result, or_panic};
use crate::real::Float;
use crate::tape::{Acc, At, ExtGrads, Grads, Graph, NodeKey, Observer, Op, Tape, Var, slot};

/// One step of the numeric reverse sweep at tensor node `ti` (key `k`, record position
/// `pos`): completes its gradient (a rank-0 tensor also collects what scalar ops sent to its
/// adjoint in `acc`), shows it to the observer, and sends `g · ∂y/∂x` to each input that takes
/// a gradient, marking it reached in `acc` and showing it to the observer too.
///
/// Never inlined: the scalar sweep's loop stays small and keeps its state in registers.
#[inline(never)]
pub(crate) fn step<T: Float>(
    tape: &Tape<T>,
    at: At,
    acc: &mut Acc<'_, T>,
    grads: &mut ExtGrads<T>,
    obs: &mut dyn Observer<T>,
) -> Result<()> {
    let At { k, rec, .. } = at;
    let (i, ti) = (slot(k), rec.a);
    let ts = store(tape);
    let node = &ts.nodes[ti as usize];
    let ExtGrads {
        adj: tadj, pool, ..
    } = grads;
    let mut gbuf = std::mem::take(&mut tadj[ti as usize]);
    if gbuf.len() != node.data.len() {
        let p = pool.get_mut();
        p.put(gbuf);
        gbuf = p.filled(node.data.len(), T::ZERO);
    }
    let scalar = node.shape.rank() == 0;
    if scalar {
        gbuf[0] += *acc.adj_mut(i);
    }
    obs.visit_tensor(k, node.shape.dims(), &mut gbuf)?;
    if scalar {
        *acc.adj_mut(i) = gbuf[0];
    }
    let leaf = matches!(node.op, TensorOp::Var | TensorOp::Const);
    if node.needs && !leaf {
        let (sin, tin) = (ts.inputs(ti), ts.tinputs(ti));
        let pool = &*pool;
        let x = |j: usize| {
            let (d, s) = data_of(
                tape,
                In {
                    slot: sin[j],
                    t: tin[j],
                    needs: true,
                },
            );
            Val::view(d, s, pool)
        };
        let need = |j: usize| tin[j] == SCALAR_INPUT || ts.nodes[tin[j] as usize].needs;
        let y = Val::view(&node.data, node.shape, pool);
        let g = Val::view(&gbuf, node.shape, pool);
        let info = Node {
            op: node.op,
            params: ts.params(ti),
            n_in: sin.len(),
        };
        let mut send = |j, d: Val<'_, T>| {
            obs.send_tensor(at, j, &gbuf, d.data())?;
            let s = sin[j] as usize;
            if tin[j] == SCALAR_INPUT {
                acc.send(s, d.data()[0]);
            } else {
                acc.reach(s);
                let dst = &mut tadj[tin[j] as usize];
                if dst.is_empty() {
                    *dst = d.into_vec();
                } else {
                    super::kernels::simd(|| {
                        for (a, b) in dst.iter_mut().zip(d.data()) {
                            *a += *b;
                        }
                    });
                }
            }
            Ok(())
        };
        if let TensorOp::Primitive { node: pi, .. } = node.op {
            let prim = &*ts.prims[pi as usize].prim;
            super::primitive::numeric_pullback(prim, sin.len(), x, &y, &g, need, &mut send)?;
        } else {
            rules::pullback(info, x, &y, g, need, &mut send)?;
        }
    }
    tadj[ti as usize] = gbuf;
    Ok(())
}

/// One step of the numeric sweep at a scalar user-defined primitive (key `k`, record position
/// `pos`, entry `rec.a`): its pullback run with the graph's number type, one contribution per
/// input; when the observer wants the local partials, the pullback also runs once with
/// upstream 1 (a user's pullback has no separate partial).
#[inline(never)]
pub(crate) fn primitive_step<T: Float>(
    t: &Tape<T>,
    At { pos, k, rec }: At,
    acc: &mut Acc<'_, T>,
    obs: &mut dyn Observer<T>,
) -> Result<()> {
    let node = &store(t).prims[rec.a as usize];
    let i = slot(k);
    let g = *acc.adj_mut(i);
    let xs: Vec<T> = node.inputs.iter().map(|&j| t.vals[j as usize]).collect();
    let y = t.vals[i];
    let ds = node.prim.pullback_num(&xs, y, g);
    crate::tensor::check_contributions(&*node.prim, ds.len())?;
    let locals = if obs.wants_partials() {
        let ls = node.prim.pullback_num(&xs, y, T::ONE);
        crate::tensor::check_contributions(&*node.prim, ls.len())?;
        ls
    } else {
        Vec::new()
    };
    for (j, (&input, d)) in node.inputs.iter().zip(ds).enumerate() {
        obs.send(pos, k, j, g, locals.get(j).copied(), d)?;
        acc.send(input as usize, d);
    }
    Ok(())
}

impl<T: Float> Grads<T> {
    /// ∂loss/∂t for a tensor, in row-major order (zeros if the loss does not depend on it).
    /// Panics for a handle of another graph, a freed one, or one made after the sweep; see
    /// [`try_tensor`](Grads::try_tensor).
    #[track_caller]
    pub fn tensor(&self, t: Tensor<'_, T>) -> &[T] {
        or_panic(self.try_tensor(t))
    }

    /// ∂loss/∂t, or an error for a handle of another graph, a freed one, or one made after
    /// the backward pass.
    pub fn try_tensor(&self, t: Tensor<'_, T>) -> Result<&[T]> {
        if t.graph().id() != self.graph {
            return Err(Error::ForeignGraph {
                op: "Grads::tensor",
            });
        }
        let tape = t.graph().tape();
        let op = tape.get_op(t.key()).ok_or(Error::StaleHandle {
            op: "Grads::tensor",
        })?;
        let reached = self.reached(t.key());
        let Op::Tensor(ti) = op else {
            // A scalar node is a rank-0 tensor.
            return Ok(std::slice::from_ref(&self[Var::new(t.graph(), t.key())]));
        };
        let n = store(&tape).nodes[ti as usize].data.len();
        let tg = &self.ext;
        match tg.adj.get(ti as usize) {
            Some(a) if reached && a.len() == n => Ok(a),
            Some(_) if n <= tg.zeros.len() => Ok(&tg.zeros[..n]),
            _ => Err(Error::Invalid(
                "`Grads::tensor`: the tensor was made after the backward pass".into(),
            )),
        }
    }
}

impl<T: Float> Graph<T> {
    /// One step of the recorded reverse sweep ([`grad_graph`](Graph::grad_graph)) at tensor
    /// node `ti` (key `k`) with upstream gradient `g`: the same rules, with `Tensor` as the
    /// number type. `key_of` maps the slots of the recorded nodes to their keys.
    pub(crate) fn tensor_grad_step<'g>(
        &'g self,
        ti: u32,
        k: NodeKey,
        g: Var<'g, T>,
        key_of: &[NodeKey],
        adj: &mut [Option<Var<'g, T>>],
    ) -> Result<()> {
        let (op, params, sin, need, needs) = {
            let tape = self.tape();
            let ts = store(&tape);
            let n = &ts.nodes[ti as usize];
            let need: Vec<bool> = ts
                .tinputs(ti)
                .iter()
                .map(|&t| t == SCALAR_INPUT || ts.nodes[t as usize].needs)
                .collect();
            (
                n.op,
                ts.params(ti).to_vec(),
                ts.inputs(ti).to_vec(),
                need,
                n.needs,
            )
        };
        if !needs {
            return Ok(());
        }
        let x = |j: usize| Tensor::new(self, key_of[sin[j] as usize]);
        if let TensorOp::Primitive { node, .. } = op {
            let prim = store(&self.tape()).prims[node as usize].prim.clone();
            let xs: Vec<Tensor<'g, T>> = (0..sin.len()).map(x).collect();
            let g = g.as_tensor();
            let ds =
                super::primitive::recorded_pullback(&*prim, &xs, Tensor::new(self, k), g, &need)?;
            for (&s, d) in sin.iter().zip(ds) {
                let Some(d) = d else { continue };
                let s = s as usize;
                let sum = match adj[s] {
                    None => d,
                    Some(prev) => prev.as_tensor().try_add(d)?,
                };
                adj[s] = Some(Var::new(self, sum.key()));
            }
            return Ok(());
        }
        let info = Node {
            op,
            params: &params,
            n_in: sin.len(),
        };
        let y = Tensor::new(self, k);
        rules::pullback(info, x, &y, g.as_tensor(), |j| need[j], &mut |j,
                                                                       d: Tensor<
            'g,
            T,
        >| {
            let s = sin[j] as usize;
            let sum = match adj[s] {
                None => d,
                Some(prev) => prev.as_tensor().try_add(d)?,
            };
            adj[s] = Some(Var::new(self, sum.key()));
            Ok(())
        })
    }

    /// The gradients of `loss` with respect to tensors, recorded on the tape as new tensor
    /// nodes (PyTorch's `create_graph=True`), so they can be differentiated again.
    ///
    /// ```
    /// use tapegrad::Graph;
    /// let g = Graph::new();
    /// let x = g.tensor(&[1.0, 2.0], &[2]);
    /// let y = x.powi(3).sum();                      // ∇y = 3x²
    /// let dx = g.try_grad_graph_tensors(y, &[x]).unwrap()[0];
    /// assert_eq!(dx.to_vec(), vec![3.0, 12.0]);
    /// assert_eq!(g.backward(dx.sum()).tensor(x), &[6.0, 12.0]); // ∇(Σ 3x²) = 6x
    /// ```
    #[track_caller]
    pub fn try_grad_graph_tensors<'g>(
        &'g self,
        loss: Var<'g, T>,
        wrt: &[Tensor<'g, T>],
    ) -> Result<Vec<Tensor<'g, T>>> {
        let mut vars = Vec::with_capacity(wrt.len());
        let mut shapes = Vec::with_capacity(wrt.len());
        for &w in wrt {
            if !std::ptr::eq(w.graph(), self) {
                return Err(Error::ForeignGraph {
                    op: "grad_graph_tensors",
                });
            }
            shapes.push(w.try_shape()?);
            vars.push(Var::new(self, w.key()));
        }
        let grads = self.try_grad_graph(loss, &vars)?;
        grads
            .into_iter()
            .zip(shapes)
            .map(|(d, s)| {
                let d = d.as_tensor();
                // A tensor the loss does not reach gets a scalar 0: broadcast it to zeros.
                if d.try_shape()? == s {
                    Ok(d)
                } else {
                    d.try_broadcast_to(&s)
                }
            })
            .collect()
    }

    /// The Hessian-vector product H·v of a scalar function of tensors, without forming H: the
    /// gradient of ⟨∇y, v⟩. `v[i]` has the elements of a direction for `wrt[i]`. The nodes it
    /// records are freed again before it returns.
    ///
    /// ```
    /// use tapegrad::Graph;
    /// let g = Graph::new();
    /// let x = g.tensor(&[1.0, 2.0], &[2]);
    /// let y = (x * x * x).sum();                         // H = diag(6x)
    /// let hv = g.try_hvp_tensors(y, &[x], &[&[1.0, 1.0]]).unwrap();
    /// assert_eq!(hv, vec![vec![6.0, 12.0]]);
    /// ```
    #[track_caller]
    pub fn try_hvp_tensors(
        &self,
        y: Var<'_, T>,
        wrt: &[Tensor<'_, T>],
        v: &[&[T]],
    ) -> Result<Vec<Vec<T>>> {
        if v.len() != wrt.len() {
            return Err(Error::Shape {
                op: "hvp_tensors",
                lhs: vec![wrt.len()],
                rhs: vec![v.len()],
            });
        }
        let mark = self.mark();
        let out = (|| {
            let grad = self.try_grad_graph_tensors(y, wrt)?;
            let mut terms = Vec::with_capacity(wrt.len());
            for (gi, vi) in grad.iter().zip(v) {
                let s = gi.try_shape()?;
                let c = self.try_tensor_const(vi, &s)?;
                terms.push(gi.try_mul(c)?.try_sum()?);
            }
            let dot = self.try_sum(&terms)?;
            let grads = self.try_backward(dot)?;
            wrt.iter()
                .map(|&w| grads.try_tensor(w).map(<[T]>::to_vec))
                .collect()
        })();
        self.rewind(mark);
        out
    }

    /// The old name of [`try_grad_graph_tensors`](Graph::try_grad_graph_tensors), which returns
    /// a `Result`.
    #[deprecated(note = "use try_grad_graph_tensors")]
    pub fn grad_graph_tensors<'g>(
        &'g self,
        loss: Var<'g, T>,
        wrt: &[Tensor<'g, T>],
    ) -> Result<Vec<Tensor<'g, T>>> {
        self.try_grad_graph_tensors(loss, wrt)
    }

    /// The old name of [`try_hvp_tensors`](Graph::try_hvp_tensors), which returns a `Result`.
    #[deprecated(note = "use try_hvp_tensors")]
    pub fn hvp_tensors(
        &self,
        y: Var<'_, T>,
        wrt: &[Tensor<'_, T>],
        v: &[&[T]],
    ) -> Result<Vec<Vec<T>>> {
        self.try_hvp_tensors(y, wrt, v)
    }
}
