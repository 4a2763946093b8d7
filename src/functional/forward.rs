//! Forward mode on closures: [`jvp`], [`jacfwd`], [`linearize`] and the forward-over-reverse
//! [`hessian_fwd`]. Each records the closure once on a fresh graph and runs the
//! [`Graph`] transforms of [`transform`](crate::transform).

use super::on_vars;
use crate::Var;
use crate::error::{Result, same_len};
use crate::real::Float;
use crate::tape::{Graph, NodeKey};

/// `(f(x), J·v)`: the outputs and their directional derivatives along `v` (JAX's `jvp`), in
/// one forward sweep of tangents.
///
/// ```
/// use tapegrad::{Var, functional::jvp};
/// // f(x, y) = (xy, x + y), J = [[y, x], [1, 1]]; at (2, 3) along (1, 0): (3, 1)
/// let (y, jv) = jvp(|v: &[Var]| vec![v[0] * v[1], v[0] + v[1]], &[2.0, 3.0], &[1.0, 0.0]).unwrap();
/// assert_eq!((y, jv), (vec![6.0, 5.0], vec![3.0, 1.0]));
/// ```
pub fn jvp<T: Float, F>(f: F, x: &[T], v: &[T]) -> Result<(Vec<T>, Vec<T>)>
where
    F: for<'g> Fn(&[Var<'g, T>]) -> Vec<Var<'g, T>>,
{
    same_len("jvp", x.len(), v.len())?;
    on_vars(x, |g, xs| {
        let ys = f(xs);
        let values = ys.iter().map(|y| y.try_value()).collect::<Result<_>>()?;
        Ok((values, g.try_jvp(&ys, xs, v)?))
    })
}

/// The Jacobian `∂fᵢ/∂xⱼ` by forward mode: all `n` columns in one sweep (JAX's `jacfwd`).
/// The same matrix as [`jacobian`](super::jacobian), which takes one backward pass per
/// output: forward mode is the cheaper one when there are fewer inputs than outputs.
///
/// ```
/// use tapegrad::{Var, functional::jacfwd};
/// // f(x) = (x, x², x³) at 2: J = (1, 4, 12)ᵀ
/// let j = jacfwd(|v: &[Var]| vec![v[0], v[0] * v[0], v[0].powi(3)], &[2.0]);
/// assert_eq!(j, vec![vec![1.0], vec![4.0], vec![12.0]]);
/// ```
pub fn jacfwd<T: Float, F>(f: F, x: &[T]) -> Vec<Vec<T>>
where
    F: for<'g> Fn(&[Var<'g, T>]) -> Vec<Var<'g, T>>,
{
    on_vars(x, |g, xs| {
        let ys = f(xs);
        g.jacfwd(&ys, xs)
    })
}

/// The Hessian by forward-over-reverse ([`Graph::hessian_fwd`]): the same matrix as
/// [`hessian`](super::hessian).
///
/// ```
/// use tapegrad::{Var, functional::{hessian, hessian_fwd}};
/// fn f<'g>(v: &[Var<'g>]) -> Var<'g> {
///     v[0] * v[0] * v[1] + v[1].sin()
/// }
/// assert_eq!(hessian_fwd(f, &[3.0, 0.0]), hessian(f, &[3.0, 0.0]));
/// ```
pub fn hessian_fwd<T: Float, F>(f: F, x: &[T]) -> Vec<Vec<T>>
where
    F: for<'g> Fn(&[Var<'g, T>]) -> Var<'g, T>,
{
    on_vars(x, |g, xs| g.hessian_fwd(f(xs), xs))
}

/// `f` recorded once at `x`, kept as the linear map `v ↦ J·v` (JAX's `linearize`): each
/// [`Linearized::jvp`] is one tangent sweep over the recording, without calling `f` again.
///
/// ```
/// use tapegrad::{Var, functional::linearize};
/// // f(x, y) = x·sin y; J = (sin y, x cos y); at (2, 0): (0, 2)
/// let lin = linearize(|v: &[Var]| vec![v[0] * v[1].sin()], &[2.0, 0.0]);
/// assert_eq!(lin.values(), &[0.0]);
/// assert_eq!(lin.jvp(&[1.0, 0.0]).unwrap(), vec![0.0]);
/// assert_eq!(lin.jvp(&[0.0, 3.0]).unwrap(), vec![6.0]);
/// ```
pub fn linearize<T: Float, F>(f: F, x: &[T]) -> Linearized<T>
where
    F: for<'g> Fn(&[Var<'g, T>]) -> Vec<Var<'g, T>>,
{
    let graph = Graph::<T>::default();
    let (inputs, outputs, values) = {
        let xs: Vec<_> = x.iter().map(|&v| graph.var(v)).collect();
        let ys = f(&xs);
        (
            xs.iter().map(Var::key).collect(),
            ys.iter().map(Var::key).collect(),
            ys.iter().map(|y| y.value()).collect(),
        )
    };
    Linearized {
        graph,
        inputs,
        outputs,
        values,
    }
}

/// A closure recorded at one point, with its JVP as a reusable linear map (from [`linearize`]).
pub struct Linearized<T: Float> {
    graph: Graph<T>,
    inputs: Vec<NodeKey>,
    outputs: Vec<NodeKey>,
    values: Vec<T>,
}

impl<T: Float> Linearized<T> {
    /// The outputs' values at the point.
    pub fn values(&self) -> &[T] {
        &self.values
    }

    /// `J·v`, one number per output; [`Error::Shape`](crate::Error::Shape) when `v` does not
    /// have one entry per input.
    pub fn jvp(&self, v: &[T]) -> Result<Vec<T>> {
        let g = &self.graph;
        let xs: Vec<Var<'_, T>> = self.inputs.iter().map(|&k| Var::new(g, k)).collect();
        let ys: Vec<Var<'_, T>> = self.outputs.iter().map(|&k| Var::new(g, k)).collect();
        g.try_jvp(&ys, &xs, v)
    }
}
