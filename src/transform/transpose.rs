//! Forward mode by the transpose trick: a JVP from the recorded VJP.
//!
//! Record the reverse pass of `L = Σᵢ ⟨uᵢ, yᵢ⟩` with [`grad_graph`](Graph::grad_graph) for
//! fresh variables `uᵢ`: its result is `Jᵀu`, recorded and linear in `u`. The gradient of
//! `⟨Jᵀu, v⟩` with respect to `u` is then `J·v`. Every op that has a recorded pullback — every
//! scalar and every tensor op — gets a JVP this way, from the same rules, at the cost of one
//! recorded backward pass plus one numeric sweep per direction over it.

use crate::error::Result;
use crate::real::Float;
use crate::scalar::Var;
use crate::tape::Graph;
use crate::tensor::Tensor;

/// A recorded `Jᵀu`: the variables `u` (one per output) and the gradient nodes (one per input).
pub(crate) struct Transposed<'g, T: Float> {
    pub(crate) us: Vec<Var<'g, T>>,
    pub(crate) jtu: Vec<Var<'g, T>>,
}

impl<T: Float> Graph<T> {
    /// Records `Jᵀu` of `outputs` with respect to `wrt` (left on the tape).
    pub(crate) fn record_transposed<'g>(
        &'g self,
        outputs: &[Var<'g, T>],
        wrt: &[Var<'g, T>],
    ) -> Result<Transposed<'g, T>> {
        // The values of `u` do not matter (the recorded Jᵀu is linear in them); 1 keeps the
        // recorded nodes' values those of the plain gradient.
        let us: Vec<Var<'g, T>> = outputs.iter().map(|_| self.var(T::ONE)).collect();
        let mut terms = Vec::with_capacity(outputs.len());
        for (&u, &y) in us.iter().zip(outputs) {
            terms.push(u.try_mul(y)?);
        }
        let l = self.try_sum(&terms)?;
        let jtu = self.try_grad_graph(l, wrt)?;
        Ok(Transposed { us, jtu })
    }

    /// `J·v` from a recorded `Jᵀu`: the gradient of `⟨Jᵀu, v⟩` with respect to `u`. The nodes
    /// it records are freed before it returns.
    pub(crate) fn apply_transposed(&self, tr: &Transposed<'_, T>, v: &[T]) -> Result<Vec<T>> {
        let mark = self.mark();
        let out = (|| {
            let mut terms = Vec::with_capacity(v.len());
            for (&g, &vj) in tr.jtu.iter().zip(v) {
                terms.push(g.try_mul(self.constant(vj))?);
            }
            let dot = self.try_sum(&terms)?;
            Ok(self.try_backward(dot)?.wrt(&tr.us))
        })();
        self.try_rewind(mark)?;
        out
    }

    /// `J·v` for each direction in `dirs` (each of `wrt.len()` numbers): one entry per
    /// output, per direction. The nodes it records are freed before it returns.
    pub(crate) fn jvp_by_transpose(
        &self,
        outputs: &[Var<'_, T>],
        wrt: &[Var<'_, T>],
        dirs: &[&[T]],
    ) -> Result<Vec<Vec<T>>> {
        let mark = self.mark();
        let out = (|| {
            let tr = self.record_transposed(outputs, wrt)?;
            dirs.iter().map(|v| self.apply_transposed(&tr, v)).collect()
        })();
        self.rewind(mark);
        out
    }

    /// `J·v` of tensor outputs with respect to tensors, for each direction in `dirs` (one
    /// slice of elements per input): one buffer per output, per direction. The nodes it
    /// records are freed before it returns.
    pub(crate) fn jvp_tensors_by_transpose(
        &self,
        outputs: &[Tensor<'_, T>],
        wrt: &[Tensor<'_, T>],
        dirs: &[Vec<&[T]>],
    ) -> Result<Vec<Vec<Vec<T>>>> {
        let mark = self.mark();
        let out = (|| {
            let mut us = Vec::with_capacity(outputs.len());
            let mut terms = Vec::with_capacity(outputs.len());
            for &y in outputs {
                let u = self.try_full_var(&y.try_shape()?)?;
                terms.push(u.try_mul(y)?.try_sum()?);
                us.push(u);
            }
            let l = self.try_sum(&terms)?;
            let jtu = self.try_grad_graph_tensors(l, wrt)?;
            let shapes: Vec<Vec<usize>> =
                jtu.iter().map(|g| g.try_shape()).collect::<Result<_>>()?;
            let after = self.mark();
            let mut res = Vec::with_capacity(dirs.len());
            for v in dirs {
                let mut terms = Vec::with_capacity(wrt.len());
                for ((&g, vj), s) in jtu.iter().zip(v).zip(&shapes) {
                    let c = self.try_tensor_const(vj, s)?;
                    terms.push(g.try_mul(c)?.try_sum()?);
                }
                let dot = self.try_sum(&terms)?;
                let grads = self.try_backward(dot)?;
                let per_out = us
                    .iter()
                    .map(|&u| grads.try_tensor(u).map(<[T]>::to_vec))
                    .collect::<Result<Vec<_>>>()?;
                res.push(per_out);
                self.try_rewind(after)?;
            }
            Ok(res)
        })();
        self.rewind(mark);
        out
    }

    /// A tensor variable of ones of `shape`.
    fn try_full_var(&self, shape: &[usize]) -> Result<Tensor<'_, T>> {
        let n = shape.iter().product();
        self.try_tensor(&vec![T::ONE; n], shape)
    }
}
