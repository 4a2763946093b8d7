//! User-defined primitives: a function and its pullback declared once, used like a built-in.
//!
//! A [`Primitive`] is written exactly as the built-in rules of [`rules`](crate::rules) are:
//! its forward and its pullback are generic over [`Real`], so one text serves every number
//! type the engine runs it with.
//!
//! - Applied to [`Var`]s ([`Graph::apply`](crate::Graph::apply), [`Var::apply`](crate::Var::apply)) or elementwise, with NumPy
//!   broadcasting, to [`Tensor`]s ([`Tensor::apply`](crate::Tensor::apply)), it records **one node**, whose
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

mod scalar;

use std::fmt;
use std::sync::{Arc, Mutex};

use crate::real::{Float, Real};
use crate::scalar::Var;
use crate::tensor::Tensor;

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

/// What is wrong with a primitive's declaration or use ([`Error::Primitive`](crate::Error)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PrimitiveProblem {
    /// It was applied to a number of inputs other than its [`arity`](Primitive::arity).
    Arity {
        /// Its arity.
        expected: usize,
        /// How many inputs it was given.
        got: usize,
    },
    /// Its pullback returned a number of contributions other than its arity.
    Contributions {
        /// Its arity.
        expected: usize,
        /// How many contributions the pullback returned.
        got: usize,
    },
}

/// The message of [`Error::Primitive`](crate::Error::Primitive): what is wrong and what to fix.
pub(crate) struct ProblemMessage<'a> {
    pub(crate) name: &'a str,
    pub(crate) problem: &'a PrimitiveProblem,
}

impl fmt::Display for ProblemMessage<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.name;
        match *self.problem {
            PrimitiveProblem::Arity { expected, got } => write!(
                f,
                "primitive `{name}` takes {expected} input(s) (its arity()) but was applied to \
                 {got}; pass exactly {expected}, or fix arity()"
            ),
            PrimitiveProblem::Contributions { expected, got } => write!(
                f,
                "the pullback of primitive `{name}` returned {got} contribution(s) for its \
                 {expected} input(s); return one g·∂y/∂xⱼ per input, in input order"
            ),
        }
    }
}

/// A primitive's name as an [`Op`](crate::Op) holds it: a small `Copy` id for the name and
/// arity a primitive declared.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PrimName(u32);

/// Every (name, arity) pair a primitive has been applied with; a [`PrimName`] indexes it.
/// Names are `&'static str`, so the table only ever holds borrowed text, and it grows by one
/// entry per distinct declaration, not per node.
static NAMES: Mutex<Vec<(&'static str, usize)>> = Mutex::new(Vec::new());

impl PrimName {
    /// The id of `(name, arity)`, added on first use.
    pub(crate) fn intern(name: &'static str, arity: usize) -> PrimName {
        let mut names = NAMES.lock().unwrap_or_else(|e| e.into_inner());
        let i = match names.iter().position(|&e| e == (name, arity)) {
            Some(i) => i,
            None => {
                names.push((name, arity));
                names.len() - 1
            }
        };
        PrimName(i as u32)
    }

    /// The id as stored in a packed record.
    pub(crate) fn id(self) -> u32 {
        self.0
    }

    /// The id read back from a packed record.
    pub(crate) fn from_id(id: u32) -> PrimName {
        PrimName(id)
    }

    fn entry(self) -> (&'static str, usize) {
        let names = NAMES.lock().unwrap_or_else(|e| e.into_inner());
        names
            .get(self.0 as usize)
            .copied()
            .unwrap_or(("primitive", 0))
    }

    /// The primitive's [`name`](Primitive::name).
    pub fn as_str(self) -> &'static str {
        self.entry().0
    }

    /// The primitive's [`arity`](Primitive::arity).
    pub fn arity(self) -> usize {
        self.entry().1
    }
}

/// A primitive's pullback with its number types fixed: what a tape stores
/// (`Arc<dyn ErasedPrimitive<T>>`), implemented for every [`Primitive`] by running its generic
/// pullback with `R = T`, `R = Var` and `R = Tensor`. (The forward runs once, when the node is
/// recorded, on the concrete type.)
pub(crate) trait ErasedPrimitive<T: Float>: Send + Sync {
    /// Its name.
    fn name(&self) -> &'static str;
    /// Its arity.
    fn arity(&self) -> usize;
    /// The pullback on numbers (numeric backward, tangents, traces).
    fn pullback_num(&self, x: &[T], y: T, g: T) -> Vec<T>;
    /// The pullback recorded on scalar nodes (`grad_graph`).
    fn pullback_var<'g>(&self, x: &[Var<'g, T>], y: Var<'g, T>, g: Var<'g, T>) -> Vec<Var<'g, T>>;
    /// The pullback recorded on tensor nodes, elementwise (`grad_graph` through a tensor use).
    fn pullback_tensor<'g>(
        &self,
        x: &[Tensor<'g, T>],
        y: Tensor<'g, T>,
        g: Tensor<'g, T>,
    ) -> Vec<Tensor<'g, T>>;
}

impl<T: Float, P: Primitive> ErasedPrimitive<T> for P {
    fn name(&self) -> &'static str {
        Primitive::name(self)
    }
    fn arity(&self) -> usize {
        Primitive::arity(self)
    }
    fn pullback_num(&self, x: &[T], y: T, g: T) -> Vec<T> {
        self.pullback(x, y, g)
    }
    fn pullback_var<'g>(&self, x: &[Var<'g, T>], y: Var<'g, T>, g: Var<'g, T>) -> Vec<Var<'g, T>> {
        self.pullback(x, y, g)
    }
    fn pullback_tensor<'g>(
        &self,
        x: &[Tensor<'g, T>],
        y: Tensor<'g, T>,
        g: Tensor<'g, T>,
    ) -> Vec<Tensor<'g, T>> {
        self.pullback(x, y, g)
    }
}

/// A primitive node of a tape: the primitive, and for a scalar node its input slots (a tensor
/// node keeps its inputs with the other tensor nodes').
pub(crate) struct PrimNode<T: Float> {
    pub(crate) prim: Arc<dyn ErasedPrimitive<T>>,
    pub(crate) inputs: Box<[u32]>,
}

/// `Ok` if the pullback of `prim` gave one contribution per input.
pub(crate) fn check_contributions<T: Float>(
    prim: &dyn ErasedPrimitive<T>,
    got: usize,
) -> crate::Result<()> {
    check_count(prim.name(), prim.arity(), got, |expected, got| {
        PrimitiveProblem::Contributions { expected, got }
    })
}

/// `Ok` if `got` inputs fit the arity of `prim`.
pub(crate) fn check_arity<P: Primitive>(prim: &P, got: usize) -> crate::Result<()> {
    check_count(prim.name(), prim.arity(), got, |expected, got| {
        PrimitiveProblem::Arity { expected, got }
    })
}

/// `Ok` if `got` is `expected`, else the [`PrimitiveProblem`] `problem` makes of the two,
/// named after the primitive.
fn check_count(
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
