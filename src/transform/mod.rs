//! Function transforms beyond reverse mode: forward-mode derivatives (JVPs, forward
//! Jacobians, linearization) and forward-over-reverse Hessians, on recorded values.
//!
//! Nothing here has derivative rules of its own: both ways of getting a JVP run the pullbacks
//! of [`rules`](crate::rules) and of the tensor ops, the same ones
//! [`backward`](Graph::backward) runs.
//!
//! - **Tangents** ([`JvpMethod::Tangents`]): every pullback is linear in its upstream
//!   gradient, so calling it with an input's tangent in place of the upstream gives that
//!   input's share of the output's tangent. One numeric sweep in record order, several
//!   directions at once, nothing recorded. It needs the pullback to map an input's tangent
//!   to the output's, which holds for scalar ops (one number in, one out) but not for tensor
//!   ops (matmul's pullback is `g·Bᵀ`, not `ȧ·B`), so it covers scalar computations.
//! - **Transpose** ([`JvpMethod::Transpose`]): record the reverse pass of `⟨u, y⟩` for a
//!   fresh `u` (the result `Jᵀu` is linear in `u`), then `J·v` is the gradient of
//!   `⟨Jᵀu, v⟩` with respect to `u`. Works for every op that can be differentiated twice,
//!   tensors included, at the cost of one recorded backward pass plus a sweep per direction.
//!
//! [`JvpMethod::Auto`] (what [`Graph::jvp`] uses) takes tangents when the computation between
//! the inputs and the outputs is all scalar ops and the transpose trick otherwise: the tangent
//! sweep records nothing, where the transpose trick records a backward pass before its first
//! sweep. Measured (`examples/bench_jvp.rs`, one direction on three scalar computations of
//! 800 – 4,000 nodes, 2026-12-06): tangents took 1.6 – 4.1× less time than the transpose trick,
//! with equal results; the trick is kept for what tangents cannot do, tensor ops.
//!
//! ```
//! use tapegrad::Graph;
//! let g = Graph::new();
//! let (x, y) = (g.var(2.0), g.var(3.0));
//! let f = x * y + x.sin(); // ∇f = (y + cos x, x)
//! // ∇f·v for v = (1, 10)
//! let d = g.jvp(&[f], &[x, y], &[1.0, 10.0]);
//! assert_eq!(d, vec![3.0 + 2.0_f64.cos() + 20.0]);
//! ```

pub mod checkpoint;
mod tangents;
mod transpose;

pub use checkpoint::Checkpoints;

use crate::error::{Error, Result, or_panic};
use crate::real::Float;
use crate::scalar::Var;
use crate::tape::Graph;
use crate::tensor::Tensor;

/// How a forward-mode derivative is computed (see the [module docs](self)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum JvpMethod {
    /// Tangents for all-scalar computations, the transpose trick when tensor ops are involved.
    #[default]
    Auto,
    /// Tangents pushed through the pullbacks in one sweep; scalar ops only
    /// ([`Error::Invalid`] on a tensor op).
    Tangents,
    /// The gradient of the recorded VJP; every op.
    Transpose,
}

impl<T: Float> Graph<T> {
    /// The directional derivatives `J·v` of `outputs` with respect to `wrt` along `v`: one
    /// number per output, `Σⱼ ∂yᵢ/∂wⱼ · vⱼ` (forward mode). Nothing is left on the tape.
    ///
    /// Panics for a bad handle or a `v` of the wrong length; see [`try_jvp`](Graph::try_jvp).
    #[track_caller]
    pub fn jvp(&self, outputs: &[Var<'_, T>], wrt: &[Var<'_, T>], v: &[T]) -> Vec<T> {
        or_panic(self.try_jvp(outputs, wrt, v))
    }

    /// [`jvp`](Graph::jvp) returning an error for a stale or foreign handle, or
    /// [`Error::Shape`] when `v.len()` is not `wrt.len()`.
    pub fn try_jvp(&self, outputs: &[Var<'_, T>], wrt: &[Var<'_, T>], v: &[T]) -> Result<Vec<T>> {
        let mut out = self.try_jvp_with(JvpMethod::Auto, outputs, wrt, &[v])?;
        Ok(out.pop().unwrap_or_default())
    }

    /// `J·v` for several directions at once with a chosen [`JvpMethod`]: entry `[d][i]` is
    /// output `i`'s derivative along `dirs[d]`.
    ///
    /// ```
    /// use tapegrad::{Graph, transform::JvpMethod};
    /// let g = Graph::new();
    /// let x = g.var(0.5);
    /// let y = x.tanh() * x; // y' = (1 − tanh²x)·x + tanh x
    /// let t = g.try_jvp_with(JvpMethod::Tangents, &[y], &[x], &[&[1.0]]).unwrap();
    /// let r = g.try_jvp_with(JvpMethod::Transpose, &[y], &[x], &[&[1.0]]).unwrap();
    /// let want = (1.0 - 0.5_f64.tanh().powi(2)) * 0.5 + 0.5_f64.tanh();
    /// assert!((t[0][0] - want).abs() < 1e-15 && (r[0][0] - want).abs() < 1e-15);
    /// ```
    pub fn try_jvp_with(
        &self,
        method: JvpMethod,
        outputs: &[Var<'_, T>],
        wrt: &[Var<'_, T>],
        dirs: &[&[T]],
    ) -> Result<Vec<Vec<T>>> {
        for v in dirs {
            if v.len() != wrt.len() {
                return Err(Error::Shape {
                    op: "jvp",
                    lhs: vec![wrt.len()],
                    rhs: vec![v.len()],
                });
            }
        }
        let tangents = match method {
            JvpMethod::Tangents => true,
            JvpMethod::Transpose => false,
            JvpMethod::Auto => !self.tensor_between(wrt, outputs)?,
        };
        if !tangents {
            return self.jvp_by_transpose(outputs, wrt, dirs);
        }
        let seeds: Vec<T> = dirs.iter().flat_map(|v| v.iter().copied()).collect();
        let tan = self.push_tangents(outputs, wrt, &seeds, dirs.len())?;
        Ok((0..dirs.len())
            .map(|d| outputs.iter().map(|y| tan.of(y.key())[d]).collect())
            .collect())
    }

    /// The Jacobian `∂yᵢ/∂wⱼ` by forward mode: one column per input, all in one sweep when the
    /// computation is scalar. Rows are outputs, as in [`functional::jacobian`](crate::functional::jacobian).
    ///
    /// ```
    /// use tapegrad::Graph;
    /// let g = Graph::new();
    /// let (x, y) = (g.var(2.0), g.var(3.0));
    /// let j = g.jacfwd(&[x * y, x + y], &[x, y]);
    /// assert_eq!(j, vec![vec![3.0, 2.0], vec![1.0, 1.0]]);
    /// ```
    #[track_caller]
    pub fn jacfwd(&self, outputs: &[Var<'_, T>], wrt: &[Var<'_, T>]) -> Vec<Vec<T>> {
        or_panic(self.try_jacfwd(outputs, wrt))
    }

    /// [`jacfwd`](Graph::jacfwd) returning an error for a stale or foreign handle.
    pub fn try_jacfwd(&self, outputs: &[Var<'_, T>], wrt: &[Var<'_, T>]) -> Result<Vec<Vec<T>>> {
        let eye = identity::<T>(wrt.len());
        let dirs: Vec<&[T]> = eye.chunks(wrt.len().max(1)).take(wrt.len()).collect();
        let cols = self.try_jvp_with(JvpMethod::Auto, outputs, wrt, &dirs)?;
        Ok((0..outputs.len())
            .map(|i| cols.iter().map(|c| c[i]).collect())
            .collect())
    }

    /// The Hessian `∂²y/∂wᵢ∂wⱼ` by forward-over-reverse: the gradient is recorded once
    /// ([`grad_graph`](Graph::grad_graph)) and its Jacobian taken in forward mode, one sweep
    /// carrying all `n` directions for a scalar computation. The same matrix as
    /// [`hessian`](Graph::hessian) (reverse-over-reverse, one backward sweep per row). Which is
    /// faster depends on the Hessian's sparsity: on the 100-input extended Rosenbrock function
    /// (`examples/bench_hessian.rs`, block-diagonal) reverse-over-reverse took a third of the
    /// time, each row's sweep reaching only its 2 × 2 block, while the forward sweep carries all
    /// `n` lanes through every node; a dense Hessian favours this one. The nodes it records are
    /// freed before it returns.
    ///
    /// ```
    /// use tapegrad::Graph;
    /// let g = Graph::new();
    /// let (x, y) = (g.var(1.0), g.var(2.0));
    /// let f = x * x * y; // H = [[2y, 2x], [2x, 0]]
    /// assert_eq!(g.hessian_fwd(f, &[x, y]), vec![vec![4.0, 2.0], vec![2.0, 0.0]]);
    /// assert_eq!(g.hessian_fwd(f, &[x, y]), g.hessian(f, &[x, y]));
    /// ```
    #[track_caller]
    pub fn hessian_fwd(&self, y: Var<'_, T>, wrt: &[Var<'_, T>]) -> Vec<Vec<T>> {
        or_panic(self.try_hessian_fwd(y, wrt))
    }

    /// [`hessian_fwd`](Graph::hessian_fwd) returning an error for a stale or foreign handle.
    pub fn try_hessian_fwd(&self, y: Var<'_, T>, wrt: &[Var<'_, T>]) -> Result<Vec<Vec<T>>> {
        let mark = self.mark();
        let out = (|| {
            let grad = self.try_grad_graph(y, wrt)?;
            self.try_jacfwd(&grad, wrt)
        })();
        self.rewind(mark);
        out
    }

    /// `J·v` of tensor outputs with respect to tensor inputs (forward mode, by the transpose
    /// trick): `v[j]` holds the elements of the direction for `wrt[j]`; the result holds one
    /// buffer per output, in its shape. Nothing is left on the tape.
    ///
    /// ```
    /// use tapegrad::Graph;
    /// let g = Graph::new();
    /// let a = g.tensor(&[1.0, 2.0, 3.0, 4.0], &[2, 2]);
    /// let x = g.tensor(&[1.0, -1.0], &[2, 1]);
    /// let y = a.matmul(x); // J·v along x is a·v
    /// let jv = g.jvp_tensors(&[y], &[x], &[&[1.0, 0.0]]).unwrap();
    /// assert_eq!(jv, vec![vec![1.0, 3.0]]);
    /// ```
    pub fn jvp_tensors(
        &self,
        outputs: &[Tensor<'_, T>],
        wrt: &[Tensor<'_, T>],
        v: &[&[T]],
    ) -> Result<Vec<Vec<T>>> {
        self.check_tensor_dir(wrt, v)?;
        let mut out = self.jvp_tensors_by_transpose(outputs, wrt, &[v.to_vec()])?;
        Ok(out.pop().unwrap_or_default())
    }

    /// Checks that `v` has one direction per input, each with the input's element count.
    pub(crate) fn check_tensor_dir(&self, wrt: &[Tensor<'_, T>], v: &[&[T]]) -> Result<()> {
        if v.len() != wrt.len() {
            return Err(Error::Shape {
                op: "jvp_tensors",
                lhs: vec![wrt.len()],
                rhs: vec![v.len()],
            });
        }
        for (&w, vj) in wrt.iter().zip(v) {
            let s = w.try_shape()?;
            if s.iter().product::<usize>() != vj.len() {
                return Err(Error::Shape {
                    op: "jvp_tensors",
                    lhs: s,
                    rhs: vec![vj.len()],
                });
            }
        }
        Ok(())
    }

    /// The JVP of `outputs` at the recorded point as a reusable linear map (JAX's
    /// `linearize`): [`Linear::apply`] gives `J·v` for any `v` without evaluating the
    /// outputs again.
    ///
    /// ```
    /// use tapegrad::Graph;
    /// let g = Graph::new();
    /// let x = g.var(2.0);
    /// let y = x.powi(3); // y' = 3x² = 12
    /// let lin = g.linearize(&[y], &[x]);
    /// assert_eq!((lin.apply(&[1.0]), lin.apply(&[0.5])), (vec![12.0], vec![6.0]));
    /// ```
    pub fn linearize<'g>(&'g self, outputs: &[Var<'g, T>], wrt: &[Var<'g, T>]) -> Linear<'g, T> {
        Linear {
            graph: self,
            outputs: outputs.to_vec(),
            wrt: wrt.to_vec(),
        }
    }
}

/// `v ↦ J·v` at a recorded point (from [`Graph::linearize`]).
#[derive(Clone, Debug)]
pub struct Linear<'g, T: Float> {
    graph: &'g Graph<T>,
    outputs: Vec<Var<'g, T>>,
    wrt: Vec<Var<'g, T>>,
}

impl<T: Float> Linear<'_, T> {
    /// `J·v`, one number per output. Panics for a `v` of the wrong length or nodes freed by
    /// rewind; see [`try_apply`](Linear::try_apply).
    #[track_caller]
    pub fn apply(&self, v: &[T]) -> Vec<T> {
        or_panic(self.try_apply(v))
    }

    /// [`apply`](Linear::apply) returning an error instead of panicking.
    pub fn try_apply(&self, v: &[T]) -> Result<Vec<T>> {
        self.graph.try_jvp(&self.outputs, &self.wrt, v)
    }

    /// The outputs' values at the point.
    pub fn values(&self) -> Result<Vec<T>> {
        self.outputs.iter().map(|y| y.try_value()).collect()
    }
}

/// The `n × n` identity, row-major.
fn identity<T: Float>(n: usize) -> Vec<T> {
    let mut eye = vec![T::ZERO; n * n];
    for i in 0..n {
        eye[i * n + i] = T::ONE;
    }
    eye
}
