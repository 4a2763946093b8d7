//! # tapegrad
//!
//! Reverse-mode automatic differentiation on a tape: exact gradients, gradients of gradients,
//! Hessians and Hessian-vector products of any expression you write with [`Var`].
//!
//! ```
//! use tapegrad::Graph;
//!
//! let g = Graph::new();
//! let (w, x, b) = (g.var(0.5), g.var(2.0), g.var(-1.0));
//! let y = (w * x + b).tanh();            // one neuron
//! let grads = g.backward(y);             // one reverse sweep over the record
//! let dy = 1.0 - y.value().powi(2);      // tanh' = 1 - y²
//! assert_eq!(grads[w], dy * 2.0);        // ∂y/∂w = tanh'(u) · x
//! assert_eq!(grads[b], dy);              // ∂y/∂b = tanh'(u)
//! assert_eq!(g.hessian(y, &[w, b]).len(), 2);
//! ```
//!
//! ## Why a tape
//! Every operation on a [`Var`] appends one node to its [`Graph`]: the operation as plain data
//! ([`Op`]) and its value. The order of the record is a topological order, so the backward pass
//! is a single reverse loop — no recursion, so a graph a million nodes deep is no problem — and
//! because each node keeps its op, the backward pass can itself be recorded
//! ([`Graph::grad_graph`]) and differentiated again.
//!
//! Every derivative rule is written once, in [`rules`], generic over the [`Real`] trait that
//! both the number types and `Var` implement.
//!
//! ## Where to read next
//! - [`Graph`]: recording, [`backward`](Graph::backward), [`mark`](Graph::mark) /
//!   [`rewind`](Graph::rewind) for training loops.
//! - [`Var`]: the math functions, each with its derivative and its convention at kinks.
//! - [`functional`]: JAX-style `grad`, `hessian`, `hvp`, `jacobian` of a Rust closure.
//! - [`gradcheck`]: check the engine, or your hand-derived formulas, against finite differences.
//! - [`expr`]: the small expression language the `tapegrad` command reads.
//! - [`trace`]: see backpropagation happen — every step of the reverse sweep as a table, and the
//!   graph as a picture (DOT, or SVG drawn without graphviz).
//! - [`primitive`]: your own differentiable function — a [`Primitive`] declares its forward
//!   and pullback once over [`Real`] and is used like a built-in on `Var` and `Tensor`.
//! - [`tutorial`]: backpropagation from the chain rule to gradient descent, and then your own
//!   primitive, in five chapters whose every example is a test.
//! - [`nn`]: neurons, layers and MLPs built only from graph ops, losses, initializers,
//!   optimizers (SGD, AdaGrad, RMSprop, Adam, AdamW), schedules and clipping; [`nn::tensor`]:
//!   the tensor `Linear` and `Mlp` for speed; [`nn::quant`]: int8 weight quantization;
//!   [`nn::distill`]: knowledge distillation.
//! - [`nn::train`]: `fit` / `evaluate` / `predict` with validation, early stopping, schedules,
//!   Keras-like progress output (silent, one bar, a line per epoch) and a history; K-fold
//!   cross-validation, grid and random search.
//! - [`io`]: save and load parameters as safetensors; history as CSV and JSON; plots of loss
//!   curves, predictions against the truth and search scores.
//! - [`tensor`]: tensors on the same tape — broadcasting, reductions, matmul, softmax,
//!   convolution and pooling.
//! - [`data`]: xor / moons / linear generators, CSV loading, splits, K-fold, batches, and the
//!   iris, digits, diabetes and breast-cancer sets built in.
//!
//! ## Debugging aids, side by side with PyTorch and JAX
//!
//! | tapegrad | PyTorch | JAX |
//! |---|---|---|
//! | [`Var::detach`] | `t.detach()` | `jax.lax.stop_gradient(x)` |
//! | [`Graph::constant`] | a tensor without `requires_grad` | a closed-over constant |
//! | [`Graph::no_grad`] | `with torch.no_grad():` / `torch.inference_mode()` | code outside `jax.grad` |
//! | [`Tensor::detach`] | `t.detach()` | `jax.lax.stop_gradient(x)` |
//! | [`Graph::set_detect_anomaly`] | `torch.autograd.set_detect_anomaly(True)` | `jax_debug_nans` |
//! | [`Graph::register_hook`] | `t.register_hook(fn)` on a scalar | a `custom_vjp` that edits the cotangent |
//! | [`Graph::register_tensor_hook`] | `t.register_hook(fn)` | a `custom_vjp` that edits the cotangent |
//! | [`Graph::remove_hook`] | `handle.remove()` | — |
//!
//! Anomaly mode covers scalar and tensor ops, forward and backward (for a tensor it names the
//! element). All are off by default and cost one flag test per recorded op and per backward
//! call when off: the reverse sweep is compiled twice, and only the observed copy runs hooks
//! and checks gradients.
#![deny(missing_docs)]
#![deny(unsafe_code)]

mod anomaly;
mod builder;
pub mod data;
mod error;
pub mod expr;
pub mod functional;
pub mod gradcheck;
pub mod io;
pub mod nn;
pub mod primitive;
// The numeric traits the rules are written in live beside the rules (their one unit), and are
// reached crate-wide as `crate::real`.
pub(crate) use rules::real;
pub mod rules;
mod scalar;
#[cfg(feature = "serve")]
pub mod serve;
mod special;
mod tape;
pub mod tensor;
pub mod trace;
pub mod transform;
pub mod tutorial;

/// The version of [rand](https://docs.rs/rand) that tapegrad's constructors take (0.10): build
/// generators from it (`tapegrad::rand::rngs::StdRng`) so their types match, whatever version
/// of rand your own crate depends on. See [`nn::RngSource`].
pub use rand;

pub use anomaly::{Anomaly, AnomalyPhase, BackwardStep};
pub use error::{Error, Result};
pub use primitive::Primitive;
pub use real::{Float, Real};

pub use tape::{Grads, Graph, HookHandle, Mark, NodeKey, NodeView, Op, Var};
pub use tensor::{Slice, Tensor, TensorOp};
