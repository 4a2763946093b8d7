//! Forward mode on the scalar tape: tangents pushed through the pullbacks, in record order.
//!
//! A rule's pullback `g · ∂y/∂a` is linear in the upstream `g`, so calling it with the
//! input's tangent in place of `g` gives that input's share of the output's tangent:
//! `ẏ = pullback_a(ȧ) + pullback_b(ḃ)`. No rule is written twice. Several directions
//! ("lanes") are pushed in one sweep, so a whole Jacobian (or Hessian, over a recorded
//! gradient) costs one walk of the record.
//!
//! Only nodes that depend on a seeded node ("active" ones) are computed: an inactive input
//! contributes nothing, exactly as the reverse sweep never reaches it. Without this,
//! `x / c` with a constant `c = 0` would turn 0 · ∞ into a NaN tangent.

use crate::error::{Error, Result};
use crate::real::Float;
use crate::scalar::Var;
use crate::tape::{Graph, NodeKey, Op, slot};
use crate::tensor::store;

/// Tangents of every slot after one forward sweep: `lanes` numbers per slot.
pub(crate) struct Tangents<T> {
    lanes: usize,
    tan: Vec<T>,
}

impl<T: Float> Tangents<T> {
    /// The tangents of `v`, one per lane (zeros if `v` does not depend on the seeds).
    pub(crate) fn of(&self, v: NodeKey) -> &[T] {
        let i = slot(v);
        &self.tan[i * self.lanes..(i + 1) * self.lanes]
    }
}

impl<T: Float> Graph<T> {
    /// True if the record between the first of `from` and the last of `to` holds a tensor
    /// node (which the tangent sweep does not handle).
    pub(crate) fn tensor_between(&self, from: &[Var<'_, T>], to: &[Var<'_, T>]) -> Result<bool> {
        let (start, end) = self.span(from, to)?;
        let t = self.tape();
        Ok(t.order[start..end]
            .iter()
            .any(|&k| matches!(t.op(k), Op::Tensor(_))))
    }

    /// The record positions `[start, end)` a forward sweep from `from` to `to` must visit:
    /// from the earliest seed to the latest output (empty when every output is older).
    fn span(&self, from: &[Var<'_, T>], to: &[Var<'_, T>]) -> Result<(usize, usize)> {
        for &v in from.iter().chain(to) {
            self.check(v, "jvp")?;
        }
        let t = self.tape();
        let mut seed = vec![false; t.vals.len()];
        let mut out = vec![false; t.vals.len()];
        from.iter().for_each(|v| seed[slot(v.key())] = true);
        to.iter().for_each(|v| out[slot(v.key())] = true);
        let start = t.order.iter().position(|&k| seed[slot(k)]);
        let end = t.order.iter().rposition(|&k| out[slot(k)]);
        Ok(match (start, end) {
            (Some(s), Some(e)) if s <= e => (s, e + 1),
            _ => (0, 0),
        })
    }

    /// One forward sweep with `lanes` directions: lane `l` seeds `wrt[j]` with
    /// `seeds[l * wrt.len() + j]` (a node listed twice gets both seeds), and every node up to
    /// the last of `outputs` gets its tangent. Errors on a tensor node in that range.
    pub(crate) fn push_tangents(
        &self,
        outputs: &[Var<'_, T>],
        wrt: &[Var<'_, T>],
        seeds: &[T],
        lanes: usize,
    ) -> Result<Tangents<T>> {
        debug_assert_eq!(seeds.len(), lanes * wrt.len());
        let (start, end) = self.span(wrt, outputs)?;
        let t = self.tape();
        let n = t.vals.len();
        let mut tan = vec![T::ZERO; n * lanes];
        let mut active = vec![false; n];
        let mut seed: Vec<Option<Vec<T>>> = vec![None; n];
        for (j, w) in wrt.iter().enumerate() {
            let s = seed[slot(w.key())].get_or_insert_with(|| vec![T::ZERO; lanes]);
            for (l, d) in s.iter_mut().enumerate() {
                *d += seeds[l * wrt.len() + j];
            }
        }
        let vals = &t.vals;
        let mut buf = vec![T::ZERO; lanes];
        for &k in &t.order[start..end] {
            let i = slot(k);
            buf.iter_mut().for_each(|d| *d = T::ZERO);
            let mut on = false;
            match t.op(k) {
                Op::Var | Op::Const => {}
                Op::Unary(f, a) => {
                    let a = a as usize;
                    if active[a] {
                        on = true;
                        for (l, d) in buf.iter_mut().enumerate() {
                            *d = f.pullback(vals[a], vals[i], tan[a * lanes + l]);
                        }
                    }
                }
                Op::Binary(f, a, b) => {
                    let (a, b) = (a as usize, b as usize);
                    for l in 0..lanes {
                        let mut d = T::ZERO;
                        if active[a] {
                            d += f.pullback(vals[a], vals[b], vals[i], tan[a * lanes + l]).0;
                        }
                        if active[b] {
                            let g = tan[b * lanes + l];
                            if let Some(db) = f.pullback(vals[a], vals[b], vals[i], g).1 {
                                d += db;
                            }
                        }
                        buf[l] = d;
                    }
                    on = active[a] || active[b];
                }
                Op::Sum { start, len } => {
                    for &o in &t.operands[start as usize..(start + len) as usize] {
                        let o = o as usize;
                        if active[o] {
                            on = true;
                            for (l, d) in buf.iter_mut().enumerate() {
                                *d += tan[o * lanes + l];
                            }
                        }
                    }
                }
                Op::Primitive { node, .. } => {
                    // ẏ = Σⱼ ∂y/∂xⱼ · ẋⱼ, the partials being the pullback with g = 1.
                    let pn = &store(&t).prims[node as usize];
                    let xs: Vec<T> = pn.inputs.iter().map(|&j| vals[j as usize]).collect();
                    let partials = pn.prim.pullback_num(&xs, vals[i], T::ONE);
                    crate::tensor::check_contributions(&*pn.prim, partials.len())?;
                    for (&j, p) in pn.inputs.iter().zip(partials) {
                        let j = j as usize;
                        if active[j] {
                            on = true;
                            for (l, d) in buf.iter_mut().enumerate() {
                                *d += p * tan[j * lanes + l];
                            }
                        }
                    }
                }
                Op::Tensor(_) => {
                    return Err(Error::Invalid(
                        "the tangent sweep covers scalar ops only; this computation records \
                         tensor ops, so use JvpMethod::Transpose (or Auto)"
                            .into(),
                    ));
                }
            }
            if let Some(s) = &seed[i] {
                on = true;
                for (d, s) in buf.iter_mut().zip(s) {
                    *d += *s;
                }
            }
            if on {
                active[i] = true;
                tan[i * lanes..(i + 1) * lanes].copy_from_slice(&buf);
            }
        }
        Ok(Tangents { lanes, tan })
    }
}
