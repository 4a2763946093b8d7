//! tapegrad's integration tests, one module per capability, in one test binary: a binary per
//! file would link the whole crate forty times over (the longest part of a fresh `cargo test`).
//! Run one capability with `cargo test --test suite MODULE::`, e.g. `cargo test --test suite serve::`.
//! Modules that need an optional feature are compiled only with it.

mod checkpoint;
mod common;
mod conv_numpy;
mod retain;
mod tensor_common;
#[cfg(all(feature = "serve", feature = "csv", feature = "safetensors"))]
mod untrusted;

mod anomaly_report;
#[cfg(feature = "cli")]
mod cli_check;
#[cfg(feature = "cli")]
mod cli_grad;
#[cfg(feature = "cli")]
mod cli_trace;
mod data;
mod debugging;
mod debugging_tensor;
mod distill;
mod errors;
mod expr;
mod finite_differences;
mod forward_mode;
mod functional;
mod gradcheck;
mod gradcheck_tensor;
mod higher_order;
#[cfg(all(feature = "safetensors", feature = "plot"))]
mod io;
mod known_values;
mod layers;
mod linearize_tensor;
mod micrograd;
#[cfg(feature = "safetensors")]
mod model_file;
mod nn_alloc;
mod nn_loss;
mod nn_module;
mod nn_optim;
mod nn_progress;
mod nn_rand;
mod nn_recurrent;
mod nn_schedule;
mod nn_tensor;
mod nn_train;
mod numerics;
mod per_example;
#[cfg(feature = "plot")]
mod plots;
mod primitive;
mod primitive_table;
mod primitive_tails;
mod quant;
mod rewind;
#[cfg(feature = "serve")]
mod serve;
#[cfg(feature = "serve")]
mod serve_classroom;
mod tensor_conv;
mod tensor_errors;
mod tensor_grad;
mod tensor_hvp;
mod tensor_jacobian;
mod tensor_mlp;
mod tensor_numpy;
mod trace;
mod traps;
#[cfg(all(feature = "serve", feature = "csv", feature = "safetensors"))]
mod untrusted_input;
