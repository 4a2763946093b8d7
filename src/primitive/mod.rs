//! User-defined primitives: a function and its pullback declared once, used like a built-in.
//!
//! A [`Primitive`] is written exactly as the built-in rules of [`rules`](crate::rules) are:
//! its forward and its pullback are generic over [`Real`], so one text serves every number
//! type the engine runs it with.
//!
//! - Applied to [`Var`](crate::Var)s ([`Graph::apply`](crate::Graph::apply), [`Var::apply`](crate::Var::apply)) or elementwise, with NumPy
//!   broadcasting, to [`Tensor`](crate::Tensor)s ([`Tensor::apply`](crate::Tensor::apply)), it records **one node**, whose
//!   [`Op::Primitive`](crate::Op::Primitive) (or [`TensorOp::Primitive`](crate::TensorOp))
//!   carries its [`name`](Primitive::name): traces, DOT and SVG pictures and anomaly reports
//!   show that name. The forward runs with `R = f32`/`f64` on the values.
//! - [`backward`](crate::Graph::backward) runs the pullback with `R = f32`/`f64`.
//! - [`grad_graph`](crate::Graph::grad_graph) (and so [`hessian`](crate::Graph::hessian),
//!   [`hvp`](crate::Graph::hvp), [`jvp`](crate::Graph::jvp) over tensors) runs it with `R = Var` or
//!   `R = Tensor`: the pullback is itself recorded, so the gradient can be differentiated again.
//!
//! A pullback that depends on which side of a kink a value is (a step, a sign) decides through
//! [`Real::step`] and [`Real::sign`], never through `to_f64`: a tensor answers those element by
//! element, where its `to_f64` is NaN above rank 0.
//!
//! [`check_primitive`](crate::gradcheck::check_primitive) checks a declaration — first and
//! second derivatives against finite differences of its forward — in one call.
//!
//! ```
//! use tapegrad::{Graph, Primitive, Real};
//!
//! /// softsign(x) = x / (1 + |x|); softsign'(x) = 1 / (1 + |x|)².
//! #[derive(Clone, Copy)]
//! struct Softsign;
//!
//! impl Primitive for Softsign {
//!     fn name(&self) -> &'static str {
//!         "softsign"
//!     }
//!     fn arity(&self) -> usize {
//!         1
//!     }
//!     fn forward<R: Real>(&self, x: &[R]) -> R {
//!         x[0] / (x[0].lit(1.0) + x[0].abs())
//!     }
//!     fn pullback<R: Real>(&self, x: &[R], _y: R, g: R) -> Vec<R> {
//!         let d = x[0].lit(1.0) + x[0].abs();
//!         vec![g / (d * d)]
//!     }
//! }
//!
//! let g = Graph::new();
//! let x = g.var(1.0);
//! let y = x.apply(&Softsign); // one node
//! assert_eq!(y.value(), 0.5);
//! assert_eq!(g.backward(y)[x], 0.25); // 1 / (1 + 1)²
//! assert_eq!(g.op(y).unwrap().name(), "softsign");
//! ```

pub use crate::error::PrimitiveProblem;
use crate::real::Real;
pub use crate::tape::PrimName;

/// A differentiable function declared by its user: a name, a number of inputs, a forward and
/// a pullback, the last two written once over [`Real`].
///
/// The pullback receives the inputs `x`, the output `y = forward(x)` and the upstream gradient
/// `g` (∂L/∂y), and returns one contribution `g · ∂y/∂xⱼ` per input, in input order. It must
/// be linear in `g` (forward mode relies on it) and may reuse `y`. Decisions on values go
/// through [`Real::step`] and [`Real::sign`], so that tensors can answer them elementwise.
///
/// See the [module docs](crate::primitive) for an example.
pub trait Primitive: Send + Sync + 'static {
    /// The name traces, pictures, anomaly reports and errors show (`"softsign"`).
    fn name(&self) -> &'static str;
    /// How many inputs it takes.
    fn arity(&self) -> usize;
    /// `y = f(x)`, given exactly [`arity`](Primitive::arity) inputs.
    fn forward<R: Real>(&self, x: &[R]) -> R;
    /// `[g · ∂y/∂x₀, g · ∂y/∂x₁, …]`: one contribution per input.
    fn pullback<R: Real>(&self, x: &[R], y: R, g: R) -> Vec<R>;
}

/// `Ok` if `got` inputs fit the arity of `prim`.
pub(crate) fn check_arity<P: Primitive>(prim: &P, got: usize) -> crate::Result<()> {
    check_count(prim.name(), prim.arity(), got, |expected, got| {
        PrimitiveProblem::Arity { expected, got }
    })
}

/// `Ok` if `got` is `expected`, else the [`PrimitiveProblem`] `problem` makes of the two,
/// named after the primitive.
pub(crate) fn check_count(
    name: &'static str,
    expected: usize,
    got: usize,
    problem: impl FnOnce(usize, usize) -> PrimitiveProblem,
) -> crate::Result<()> {
    if got == expected {
        return Ok(());
    }
    Err(crate::Error::Primitive {
        name,
        problem: problem(expected, got),
    })
}
