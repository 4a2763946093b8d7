//! Neural networks of tensors: a [`Linear`] layer is one weight matrix and one bias vector on
//! the tape, and its forward pass on a whole batch is a matmul, a broadcasting add and an
//! activation — a handful of nodes instead of one per multiply-add as in [`scalar`].
//!
//! [`Mlp`] stacks them and is a [`Trainable`](crate::nn::train::Trainable) model, so
//! [`fit`](crate::nn::train::fit), [`evaluate`](crate::nn::train::evaluate), early stopping,
//! schedules, clipping, freezing and [`io`](crate::io)'s safetensors files work with it as
//! with the scalar-neuron [`MlpModel`](crate::nn::train::MlpModel). The activations are the
//! scalar layers' [`Activation`](crate::nn::scalar::Activation)s applied elementwise
//! ([`Activation::apply_tensor`](crate::nn::scalar::Activation::apply_tensor)); a softmax output
//! is [`Mlp::predict_proba`] over logits trained with
//! [`Loss::CrossEntropy`](crate::nn::train::Loss).
//!
//! [`Mlp::per_example_grads`] gives the gradient of every row's loss separately (`vmap(grad)`),
//! from one batched backward pass.
//!
//! [`Mlp::draw_first_layer`] and [`Mlp::draw_activations`] draw what a trained model learned
//! as PNG images.
//!
//! [`Conv2d`], [`MaxPool2d`] and [`AvgPool2d`] work on `(N, C, H, W)` image batches, and a
//! [`Cnn`] stacks them before an [`Mlp`] head, also as a `Trainable` model.
//!
//! [`RnnCell`] and [`LstmCell`] are recurrent cells of the same primitives, unrolled over a
//! sequence on the tape (backpropagation through time is one backward pass).
//!
//! [`scalar`]: crate::nn::scalar

mod activation;
mod cnn;
mod conv;
mod linear;
mod mlp;
mod model;
mod params;
mod per_example;
mod recurrent;

pub use cnn::Cnn;
pub use conv::{AvgPool2d, Conv2d, Layer2d, MaxPool2d};
pub use linear::Linear;
pub use mlp::Mlp;
pub use recurrent::{LstmCell, LstmState, RecurrentCell, RnnCell};
