//! Applying a primitive to scalars: [`Graph::apply`] and [`Var::apply`].

use std::sync::Arc;

use super::primitive::PrimNode;
use super::store::store_mut;
use crate::error::{Result, or_panic};
use crate::primitive::{PrimName, Primitive, check_arity};
use crate::real::Float;
use crate::tape::{Code, Graph, Op, Var};

impl<T: Float> Graph<T> {
    /// `prim(inputs)`, recorded as one node named after the primitive. Its derivative is the
    /// primitive's [`pullback`](Primitive::pullback).
    ///
    /// Panics with a message saying what to fix for a number of inputs other than the
    /// primitive's arity, a stale or foreign handle, or (in anomaly mode) a forward value that
    /// is not finite; see [`try_apply`](Graph::try_apply).
    ///
    /// ```
    /// use tapegrad::{Graph, Primitive, Real};
    /// /// hypot(a, b) = √(a² + b²); ∂/∂a = a / y, ∂/∂b = b / y.
    /// #[derive(Clone)]
    /// struct Hypot;
    /// impl Primitive for Hypot {
    ///     fn name(&self) -> &'static str { "hypot" }
    ///     fn arity(&self) -> usize { 2 }
    ///     fn forward<R: Real>(&self, x: &[R]) -> R { (x[0] * x[0] + x[1] * x[1]).sqrt() }
    ///     fn pullback<R: Real>(&self, x: &[R], y: R, g: R) -> Vec<R> {
    ///         vec![g * x[0] / y, g * x[1] / y]
    ///     }
    /// }
    /// let g = Graph::new();
    /// let (a, b) = (g.var(3.0), g.var(4.0));
    /// let h = g.apply(&Hypot, &[a, b]);
    /// assert_eq!(h.value(), 5.0);
    /// assert_eq!(g.backward(h).wrt(&[a, b]), vec![0.6, 0.8]);
    /// ```
    #[track_caller]
    pub fn apply<'g, P: Primitive + Clone>(
        &'g self,
        prim: &P,
        inputs: &[Var<'g, T>],
    ) -> Var<'g, T> {
        or_panic(self.try_apply(prim, inputs))
    }

    /// [`apply`](Graph::apply) returning [`Error::Primitive`](crate::Error::Primitive) for the
    /// wrong number of inputs, [`Error::StaleHandle`](crate::Error::StaleHandle) /
    /// [`Error::ForeignGraph`](crate::Error::ForeignGraph) for a bad handle, and in anomaly
    /// mode [`Error::Anomaly`](crate::Error::Anomaly) for a forward value that is not finite
    /// (the tape is then left as it was).
    #[track_caller]
    pub fn try_apply<'g, P: Primitive + Clone>(
        &'g self,
        prim: &P,
        inputs: &[Var<'g, T>],
    ) -> Result<Var<'g, T>> {
        check_arity(prim, inputs.len())?;
        let name = PrimName::intern(prim.name(), prim.arity());
        let mut t = self.tape_mut();
        let mut slots = Vec::with_capacity(inputs.len());
        for &v in inputs {
            slots.push(self.check_in(&t, v, prim.name())? as u32);
        }
        let xs: Vec<T> = slots.iter().map(|&s| t.vals[s as usize]).collect();
        let y = prim.forward(&xs);
        let node = store_mut(&mut t).prims.len() as u32;
        store_mut(&mut t).prims.push(PrimNode {
            prim: Arc::new(prim.clone()),
            inputs: slots.into(),
        });
        let k = t.push(Op::Primitive { node, name }, y);
        if !self.plain_mode() {
            let mode = self.apply_mode(&mut t, k);
            // An anomaly took the node back, or no-grad made it a constant: either way its
            // entry is no longer used, and it is the newest one.
            if mode.is_err() || t.nodes.get(k).is_none_or(|r| r.code != Code::Primitive) {
                store_mut(&mut t).prims.pop();
            }
            mode?;
        }
        Ok(Var::new(self, k))
    }
}

impl<'g, T: Float> Var<'g, T> {
    /// `prim(self)` for a primitive of one input: [`Graph::apply`] with `&[self]`.
    ///
    /// ```
    /// use tapegrad::{Graph, Primitive, Real};
    /// /// cube(x) = x³; cube'(x) = 3x².
    /// #[derive(Clone)]
    /// struct Cube;
    /// impl Primitive for Cube {
    ///     fn name(&self) -> &'static str { "cube" }
    ///     fn arity(&self) -> usize { 1 }
    ///     fn forward<R: Real>(&self, x: &[R]) -> R { x[0] * x[0] * x[0] }
    ///     fn pullback<R: Real>(&self, x: &[R], _y: R, g: R) -> Vec<R> {
    ///         vec![g * x[0].lit(3.0) * x[0] * x[0]]
    ///     }
    /// }
    /// let g = Graph::new();
    /// let x = g.var(2.0);
    /// let y = x.apply(&Cube);
    /// let dy = g.grad_graph(y, &[x])[0];      // 3x² = 12, recorded
    /// assert_eq!(g.backward(dy)[x], 12.0);    // 6x: the pullback was differentiated
    /// ```
    #[track_caller]
    pub fn apply<P: Primitive + Clone>(self, prim: &P) -> Self {
        or_panic(self.try_apply(prim))
    }

    /// [`apply`](Var::apply) returning an error instead of panicking (see
    /// [`Graph::try_apply`]).
    #[track_caller]
    pub fn try_apply<P: Primitive + Clone>(self, prim: &P) -> Result<Self> {
        self.graph().try_apply(prim, &[self])
    }
}
