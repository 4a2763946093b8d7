//! JAX-style transformations of a Rust closure: [`grad`], [`value_and_grad`], [`hessian`],
//! [`hvp`] and [`jacobian`]; in forward mode [`jvp`], [`jacfwd`], [`linearize`] and
//! [`hessian_fwd`]; for a function of a tensor [`jvp_tensor`], [`linearize_tensor`],
//! [`jacobian_tensor`] and [`hessian_tensor`] (results of shape `out.shape + in.shape`, as JAX
//! and PyTorch give them).
//!
//! Each builds a fresh [`Graph`], calls the closure on one variable per input, and
//! differentiates the result. The closure sees only [`Var`]s; a constant is written as a plain
//! number (`x * 2.0`) or made with `x.graph().constant(..)`.
//!
//! Pass the closure inline, or write the function as a `fn` with an explicit lifetime as below:
//! Rust does not infer the `for<'g>` signature for a closure first stored in a `let`.
//!
//! ```
//! use tapegrad::{Var, functional::{grad, hessian}};
//! // f(x, y) = x²y + sin y
//! fn f<'g>(v: &[Var<'g>]) -> Var<'g> {
//!     v[0] * v[0] * v[1] + v[1].sin()
//! }
//! assert_eq!(grad(f, &[3.0, 0.0]), vec![0.0, 9.0 + 1.0]);
//! assert_eq!(hessian(f, &[3.0, 0.0]), vec![vec![0.0, 6.0], vec![6.0, 0.0]]);
//! ```

mod forward;
mod tensor;

pub use forward::{Linearized, hessian_fwd, jacfwd, jvp, linearize};
pub use tensor::{
    Array, LinearizedTensor, hessian_tensor, jacfwd_tensor, jacobian_tensor, jacrev_tensor,
    jvp_tensor, linearize_tensor,
};

use crate::error::same_len;
use crate::real::Float;
use crate::{Graph, Result, Var};

/// ∇f(x).
pub fn grad<T: Float, F>(f: F, x: &[T]) -> Vec<T>
where
    F: for<'g> Fn(&[Var<'g, T>]) -> Var<'g, T>,
{
    value_and_grad(f, x).1
}

/// (f(x), ∇f(x)) from one forward and one backward pass.
pub fn value_and_grad<T: Float, F>(f: F, x: &[T]) -> (T, Vec<T>)
where
    F: for<'g> Fn(&[Var<'g, T>]) -> Var<'g, T>,
{
    on_vars(x, |g, xs| {
        let y = f(xs);
        (y.value(), g.backward(y).wrt(xs))
    })
}

/// The Hessian matrix ∂²f/∂xᵢ∂xⱼ.
pub fn hessian<T: Float, F>(f: F, x: &[T]) -> Vec<Vec<T>>
where
    F: for<'g> Fn(&[Var<'g, T>]) -> Var<'g, T>,
{
    on_vars(x, |g, xs| g.hessian(f(xs), xs))
}

/// The Hessian-vector product H(x)·v, without forming H.
///
/// ```
/// use tapegrad::functional::hvp;
/// // f = x³ + xy: H = [[6x, 1], [1, 0]]; at x = 1, H·(1, 2) = (6 + 2, 1)
/// let hv = hvp(|v: &[tapegrad::Var]| v[0].powi(3) + v[0] * v[1], &[1.0, 5.0], &[1.0, 2.0]);
/// assert_eq!(hv.unwrap(), vec![8.0, 1.0]);
/// ```
pub fn hvp<T: Float, F>(f: F, x: &[T], v: &[T]) -> Result<Vec<T>>
where
    F: for<'g> Fn(&[Var<'g, T>]) -> Var<'g, T>,
{
    same_len("hvp", x.len(), v.len())?;
    on_vars(x, |g, xs| g.try_hvp(f(xs), xs, v))
}

/// The Jacobian ∂fᵢ/∂xⱼ of a function with several outputs: one backward pass per output.
///
/// ```
/// use tapegrad::functional::jacobian;
/// // f(x, y) = (xy, x + y)
/// let j = jacobian(|v: &[tapegrad::Var]| vec![v[0] * v[1], v[0] + v[1]], &[2.0, 3.0]);
/// assert_eq!(j, vec![vec![3.0, 2.0], vec![1.0, 1.0]]);
/// ```
pub fn jacobian<T: Float, F>(f: F, x: &[T]) -> Vec<Vec<T>>
where
    F: for<'g> Fn(&[Var<'g, T>]) -> Vec<Var<'g, T>>,
{
    on_vars(x, |g, xs| {
        let ys = f(xs);
        let mut store = crate::Grads::new();
        ys.iter()
            .map(|&y| {
                crate::error::or_panic(g.backward_into(y, &mut store));
                store.wrt(xs)
            })
            .collect()
    })
}

/// `body` run on a fresh graph with one variable per element of `x`: how every transform of a
/// closure over [`Var`]s starts (the module doc's "fresh [`Graph`]").
fn on_vars<T: Float, R>(x: &[T], body: impl for<'g> FnOnce(&'g Graph<T>, &[Var<'g, T>]) -> R) -> R {
    let g = Graph::<T>::default();
    let xs: Vec<_> = x.iter().map(|&v| g.var(v)).collect();
    body(&g, &xs)
}
