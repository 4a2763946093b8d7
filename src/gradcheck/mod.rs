//! Gradient checking: the engine against finite differences, and your hand-derived formulas
//! against both.
//!
//! - [`gradcheck`] / [`gradcheck_jacobian`]: at one point, every ∂fᵢ/∂xⱼ the engine computes
//!   against a central difference, as PyTorch's `torch.autograd.gradcheck` does (same default
//!   `eps`, `atol`, `rtol`; see [`GradcheckOptions`]).
//! - [`gradgradcheck`]: second derivatives through the recorded backward pass, against finite
//!   differences of the engine's gradient (PyTorch's `gradgradcheck`).
//! - [`gradcheck_tensors`] / [`gradgradcheck_tensors`]: the same for a scalar function of
//!   [`Tensor`](crate::Tensor) inputs, element by element; the report names each element by
//!   its tensor and multi-index (`∂f/∂W[0, 1]`).
//! - [`check_primitive`]: a user-defined [`Primitive`](crate::Primitive)'s pullback against
//!   finite differences of its forward, first and second order, at random points.
//! - [`check_formula`]: you derived ∂f/∂x on paper; it is compared with autograd and finite
//!   differences at many random (seeded) or given points. Points near a kink or outside the
//!   domain are skipped and counted, never reported as a false alarm.
//! - [`check_expression`]: the same for a function and formulas written in the
//!   [expression language](crate::expr) (what `tapegrad check` runs).
//!
//! Each returns a report value — per component or variable the numbers, errors and verdict,
//! the worst one — whose `Display` prints an aligned table. NaN or infinity is never a pass.
//!
//! All checks run in `f64`: finite differences in `f32` cannot resolve a step of 1e-6.
//!
//! ```
//! use tapegrad::Var;
//! use tapegrad::gradcheck::{FormulaOptions, GradcheckOptions, Variable, check_formula, gradcheck};
//!
//! // f(w, b) = tanh(2w + b). A `fn` (or a closure written inline in the call) can be passed
//! // to several checks; a closure stored in a `let` cannot express "returns a Var of the same
//! // graph it was given", a limit of Rust's closure inference.
//! fn f<'g>(v: &[Var<'g>]) -> Var<'g> {
//!     (v[0] * 2.0 + v[1]).tanh()
//! }
//! assert!(gradcheck(f, &[0.3, -0.1], GradcheckOptions::default()).passed());
//!
//! // By hand: ∂f/∂w = 2(1 − tanh²(2w + b)), ∂f/∂b = 1 − tanh²(2w + b)
//! let sech2 = |p: &[f64]| 1.0 - (2.0 * p[0] + p[1]).tanh().powi(2);
//! let vars = [
//!     Variable::new("w").derivative(move |p| 2.0 * sech2(p)),
//!     Variable::new("b").derivative(sech2),
//! ];
//! let report = check_formula(f, &vars, &FormulaOptions::default()).unwrap();
//! assert!(report.passed(), "{report}");
//! ```

mod check;
mod expression;
mod finite;
mod formula;
mod formula_report;
mod kink;
mod options;
mod primitive;
mod report;
mod table;
mod tensor;

pub use check::{
    gradcheck, gradcheck_jacobian, gradgradcheck, try_gradcheck, try_gradcheck_jacobian,
    try_gradgradcheck,
};
pub use expression::{ExpressionFormula, check_expression};
pub use formula::{Derivative, FormulaOptions, Points, Variable, check_formula};
pub use formula_report::{FormulaReport, PointCheck, VariableReport, Verdict};
pub use options::{GradcheckOptions, Status};
pub use primitive::{PrimitiveCheckOptions, PrimitiveReport, check_primitive, try_check_primitive};
pub use report::{CheckKind, Component, GradcheckReport, TensorLayout};
pub use tensor::{
    TensorFunction, TensorInput, gradcheck_tensors, gradgradcheck_tensors, try_gradcheck_tensors,
    try_gradgradcheck_tensors,
};
