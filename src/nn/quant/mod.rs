//! Post-training int8 quantization of a trained model's weights: symmetric, with one scale
//! per tensor or one per output channel, as PyTorch's `torch.ao.quantization` does for weights
//! (`per_tensor_symmetric`, `per_channel_symmetric` on axis 0, range [−127, 127]).
//!
//! A weight w becomes the int8 q = clamp(round(w / s), −127, 127) with the scale
//! s = max |w| / 127 over its tensor or its channel (a row of a `[out, in]` weight), and reads
//! back as q·s. Because |w| ≤ max |w| the clamp never bites, so the error is the rounding's:
//! |w − q·s| ≤ s/2 for every element. Biases and other rank-1 tensors stay `f32`, as PyTorch
//! keeps them; they are a small share of a model's size.
//!
//! [`QuantizedModel`] quantizes any [`Trainable`](crate::nn::train::Trainable) model, saves it
//! as a safetensors file a quarter of the `f32` size (`I8` weights, `F32` scales named
//! `{weight}.scale`, `F32` biases), and loads it back into a float model by dequantizing
//! ("dequantize on load"), so inference runs with the dequantized weights on the usual kernels.
//!
//! ```
//! use tapegrad::nn::quant::{Granularity, QuantizedTensor};
//! let w = [0.5, -1.27, 0.01, 0.3, -0.2, 0.0];
//! let q = QuantizedTensor::quantize("w", &[2, 3], &w, Granularity::PerChannel).unwrap();
//! assert_eq!(q.values(), &[50, -127, 1, 127, -85, 0]);
//! let back = q.dequantize();
//! for (i, (a, b)) in w.iter().zip(&back).enumerate() {
//!     assert!((a - b).abs() <= q.scale_of(i) / 2.0 * (1.0 + 1e-12));
//! }
//! ```

mod model;
mod tensor;

pub use model::{QuantizedModel, QuantizedParam};
pub use tensor::{Granularity, QuantizedTensor};
