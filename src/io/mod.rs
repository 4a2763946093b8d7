//! Files: model parameters as safetensors, training histories as CSV and JSON, loss curves as
//! PNG or SVG.
//!
//! - [`save_safetensors`] / [`load_safetensors`]: a [`Trainable`](crate::nn::train::Trainable)
//!   model's named tensors, `F64` or `F32` as the model's element type, readable by PyTorch
//!   (`safetensors.torch.load_file`) and candle; loading checks every tensor's name, dtype and
//!   shape and names the tensor in the error.
//! - [`History::write_csv`](crate::nn::train::History::write_csv),
//!   [`History::to_json`](crate::nn::train::History::to_json),
//!   [`History::plot`](crate::nn::train::History::plot) (loss curves, [`LossPlot`] for a log
//!   scale), [`plot_predictions`] (predictions against the truth) and
//!   [`SearchReport::plot`](crate::nn::train::SearchReport::plot) (a model search's fold
//!   scores), with the `plot` feature.

mod history;
#[cfg(feature = "plot")]
mod plot;
#[cfg(feature = "safetensors")]
mod safetensors;
// The header checks are plain Rust; `ModelFileProblem` is part of `Error` in every build, the
// reader that uses the rest only with the `safetensors` feature.
#[cfg_attr(not(feature = "safetensors"), allow(dead_code))]
mod safetensors_header;

#[cfg(feature = "plot")]
pub use plot::{LossPlot, plot_predictions};

#[cfg(feature = "safetensors")]
pub use self::safetensors::{
    NamedTensor, from_safetensors_bytes, load_safetensors, read_safetensors, save_safetensors,
    to_safetensors_bytes,
};
pub use self::safetensors_header::ModelFileProblem;
