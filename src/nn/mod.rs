//! Neural networks built only from graph operations: modules, activations, losses,
//! initializers, optimizers, learning-rate schedules and gradient clipping; layers of scalar
//! neurons ([`scalar`], for teaching) and of tensors ([`tensor`], for speed).
//!
//! The pieces, and how one training step uses them:
//!
//! 1. Build a model whose parameters are leaves of a [`Graph`](crate::Graph), made **before** a
//!    [`mark`](crate::Graph::mark) so they survive every [`rewind`](crate::Graph::rewind)
//!    (see [`scalar::Mlp`]).
//! 2. Each step records the forward pass and the loss after the mark, runs
//!    [`backward_into`](crate::Graph::backward_into), copies the parameters' values and
//!    gradients into flat buffers ([`scalar::Params::load_grads`]) and rewinds: the step's
//!    nodes are freed and their capacity is reused by the next step.
//! 3. An [`optim::Optimizer`] updates the flat values outside the tape, and the new values are
//!    written back into the leaves with [`Graph::set_value`](crate::Graph::set_value).
//!
//! ```
//! use rand::{SeedableRng, rngs::StdRng};
//! use tapegrad::{Grads, Graph};
//! use tapegrad::nn::{Init, optim::Sgd, scalar::{Activation, Mlp, Module, Params, loss}};
//!
//! let g = Graph::new();
//! let mut rng = StdRng::seed_from_u64(0);
//! let model = Mlp::new(&g, &[2, 4, 1], Activation::Tanh, Activation::Linear,
//!                      Init::XavierUniform, &mut rng);
//! let x = [[0.0, 1.0], [1.0, 0.0]].map(|r| r.map(|v| g.constant(v))); // data before the mark
//! let y = [1.0, -1.0];
//! let mut params = Params::of(&model);
//! let mut opt = Sgd::new(0.1);
//! let mut grads = Grads::new();
//! let step = g.mark();
//! let mut losses = vec![];
//! for _ in 0..20 {
//!     let scores: Vec<_> = x.iter().map(|row| model.forward(row)[0]).collect();
//!     let loss = loss::mse(&scores, &y);
//!     losses.push(loss.value());
//!     g.backward_into(loss, &mut grads).unwrap();
//!     params.load_grads(&grads);
//!     g.rewind(step);                 // free the step's nodes, keep the parameters
//!     params.step(&mut opt);          // update outside the tape, write the values back
//! }
//! assert!(losses[19] < losses[0]);
//! ```

pub mod clip;
mod constructors;
pub mod distill;
pub mod functional;
mod init;
pub mod optim;
pub mod quant;
pub mod scalar;
pub mod schedule;
mod seed;
pub mod tensor;
pub mod train;

pub use init::Init;
pub use seed::RngSource;
