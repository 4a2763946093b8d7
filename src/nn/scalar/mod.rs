//! Scalar-neuron networks in micrograd's style, for teaching: every weight is its own leaf
//! [`Var`](crate::Var), every multiply-add its own node, so a whole network's backward pass can
//! be traced step by step.
//!
//! - [`Module`]: parameters, named parameters, a recorded forward pass and [`predict`] without
//!   recording; [`Neuron`], [`Layer`] and [`Mlp`] implement it.
//! - [`Activation`] (linear, tanh, relu, sigmoid, leaky relu), [`softmax`], [`logsumexp`].
//! - [`loss`]: MSE, MAE, binary cross-entropy with logits, hinge, softmax cross-entropy.
//! - [`l1_penalty`], [`l2_penalty`] for regularization.
//! - [`Params`]: the model's parameters as flat buffers for an
//!   [`Optimizer`](crate::nn::optim::Optimizer), reused at every step.
//!
//! [`predict`]: Module::predict

mod activation;
mod layer;
pub mod loss;
pub(crate) mod mlp;
mod module;
mod neuron;
mod params;
mod penalty;

pub use activation::{Activation, leaky_relu, logsumexp, softmax, try_logsumexp, try_softmax};
pub use layer::Layer;
pub use mlp::Mlp;
pub use module::Module;
pub use neuron::Neuron;
pub use params::Params;
pub use penalty::{l1_penalty, l2_penalty, try_l1_penalty, try_l2_penalty};
