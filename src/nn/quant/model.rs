//! [`QuantizedModel`]: every parameter of a model, weights in int8, saved and loaded as
//! safetensors.

#[cfg(feature = "safetensors")]
use std::path::Path;

#[cfg(feature = "safetensors")]
use ::safetensors::{Dtype, SafeTensors, serialize, tensor::TensorView};

use super::{Granularity, QuantizedTensor};
use crate::error::{Error, Result};
use crate::nn::train::Trainable;
use crate::real::Float;

/// One parameter of a [`QuantizedModel`].
#[derive(Clone, Debug, PartialEq)]
pub enum QuantizedParam {
    /// A weight (rank ≥ 2) in int8.
    Int8(QuantizedTensor),
    /// Any other tensor (a bias) kept in `f32`: its name, shape and values.
    Float {
        /// The tensor's name.
        name: String,
        /// Its shape.
        shape: Vec<usize>,
        /// Its values, row-major.
        values: Vec<f32>,
    },
}

impl QuantizedParam {
    /// The tensor's name.
    pub fn name(&self) -> &str {
        match self {
            QuantizedParam::Int8(q) => q.name(),
            QuantizedParam::Float { name, .. } => name,
        }
    }

    /// Its shape.
    pub fn shape(&self) -> &[usize] {
        match self {
            QuantizedParam::Int8(q) => q.shape(),
            QuantizedParam::Float { shape, .. } => shape,
        }
    }

    /// Bytes of storage (int8 values and `f32` scales, or `f32` values).
    pub fn size_bytes(&self) -> usize {
        match self {
            QuantizedParam::Int8(q) => q.size_bytes(),
            QuantizedParam::Float { values, .. } => 4 * values.len(),
        }
    }

    /// The values as the model reads them: dequantized, or the `f32` values widened.
    pub fn dequantize(&self) -> Vec<f64> {
        match self {
            QuantizedParam::Int8(q) => q.dequantize(),
            QuantizedParam::Float { values, .. } => values.iter().map(|&v| f64::from(v)).collect(),
        }
    }
}

/// A model's parameters after post-training quantization: every tensor of rank ≥ 2 (the
/// weights) in symmetric int8, the others (biases) in `f32`.
///
/// ```
/// # #[cfg(feature = "safetensors")] {
/// use rand::{SeedableRng, rngs::StdRng};
/// use tapegrad::Graph;
/// use tapegrad::io::to_safetensors_bytes;
/// use tapegrad::nn::{Init, scalar::Activation, tensor::Mlp, train::Trainable};
/// use tapegrad::nn::quant::{Granularity, QuantizedModel};
/// let g = Graph::<f32>::default();
/// let mut rng = StdRng::seed_from_u64(0);
/// let model = Mlp::new(&g, &[64, 32, 10], Activation::Relu, Activation::Linear,
///                      Init::HeUniform, &mut rng);
/// let q = QuantizedModel::quantize(&model, Granularity::PerChannel).unwrap();
/// let float_bytes = to_safetensors_bytes(&model, &[]).unwrap().len();
/// let int8_bytes = q.to_safetensors_bytes().unwrap();
/// assert!(int8_bytes.len() * 3 < float_bytes);        // about a quarter
/// // Dequantize on load, into a model of the same architecture:
/// let mut copy = Mlp::new(&g, &[64, 32, 10], Activation::Relu, Activation::Linear,
///                         Init::HeUniform, &mut rng);
/// QuantizedModel::from_safetensors_bytes(&int8_bytes).unwrap().dequantize_into(&mut copy).unwrap();
/// let (a, b) = (model.flat_values(), copy.flat_values());
/// assert!(a.iter().zip(&b).all(|(a, b)| (a - b).abs() < 0.02));
/// # }
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct QuantizedModel {
    params: Vec<QuantizedParam>,
}

/// The name a weight's scales are saved under.
#[cfg(feature = "safetensors")]
fn scale_name(weight: &str) -> String {
    format!("{weight}.scale")
}

#[cfg(feature = "safetensors")]
fn st_err(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Invalid(format!("{what}: {e}"))
}

impl QuantizedModel {
    /// Quantizes every parameter of `model` of rank ≥ 2 with `granularity`, and keeps the
    /// others in `f32`. Errors for a NaN or infinite weight.
    pub fn quantize<T: Float, M: Trainable<T> + ?Sized>(
        model: &M,
        granularity: Granularity,
    ) -> Result<Self> {
        let mut params = Vec::with_capacity(model.tensors().len());
        let mut result = Ok(());
        model.read_params(&mut |info, values| {
            if result.is_err() {
                return;
            }
            if info.shape.len() >= 2 {
                let v: Vec<f64> = values.iter().map(|v| v.to_f64()).collect();
                match QuantizedTensor::quantize(&info.name, &info.shape, &v, granularity) {
                    Ok(q) => params.push(QuantizedParam::Int8(q)),
                    Err(e) => result = Err(e),
                }
            } else {
                params.push(QuantizedParam::Float {
                    name: info.name.clone(),
                    shape: info.shape.clone(),
                    values: values.iter().map(|v| v.to_f64() as f32).collect(),
                });
            }
        });
        result.map(|()| QuantizedModel { params })
    }

    /// The parameters, in the model's order (a loaded file's are in the file's order).
    pub fn params(&self) -> &[QuantizedParam] {
        &self.params
    }

    /// Bytes of storage of every parameter (values and scales, without a file's header).
    pub fn size_bytes(&self) -> usize {
        self.params.iter().map(QuantizedParam::size_bytes).sum()
    }

    /// Writes the dequantized values into `model` (dequantize on load): every tensor of the
    /// model must be here under its name with its shape, and nothing else; on an error the
    /// model is unchanged and the message names the tensor.
    pub fn dequantize_into<T: Float, M: Trainable<T> + ?Sized>(&self, model: &mut M) -> Result<()> {
        let mut values = Vec::with_capacity(model.tensors().len());
        for info in model.tensors() {
            let p = self
                .params
                .iter()
                .find(|p| p.name() == info.name)
                .ok_or_else(|| {
                    Error::Invalid(format!(
                        "tensor \"{}\" (shape {:?}) is not in the quantized model",
                        info.name, info.shape
                    ))
                })?;
            if p.shape() != info.shape.as_slice() {
                return Err(Error::Invalid(format!(
                    "tensor \"{}\" has shape {:?} in the quantized model, the model needs {:?}",
                    info.name,
                    p.shape(),
                    info.shape
                )));
            }
            values.push(p.dequantize());
        }
        if values.len() != self.params.len() {
            return Err(Error::Invalid(format!(
                "the quantized model has {} tensors, the model {}",
                self.params.len(),
                values.len()
            )));
        }
        model.update_params(&mut |p| {
            for (dst, &v) in p.values.iter_mut().zip(&values[p.index]) {
                *dst = T::from_f64(v);
            }
            Ok(())
        })
    }
}

/// The file format (feature `safetensors`).
#[cfg(feature = "safetensors")]
impl QuantizedModel {
    /// The bytes of a safetensors file: each int8 weight as an `I8` tensor under its name with
    /// its scales as an `F32` tensor `{name}.scale` (shape `[1]`, or `[channels]`), each other
    /// tensor as `F32`; the header's metadata says `quantization = int8-symmetric`.
    pub fn to_safetensors_bytes(&self) -> Result<Vec<u8>> {
        let mut buffers: Vec<(String, Dtype, Vec<usize>, Vec<u8>)> = Vec::new();
        let f32_bytes = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
        for p in &self.params {
            match p {
                QuantizedParam::Int8(q) => {
                    let bytes = q.values().iter().map(|&v| v.to_le_bytes()[0]).collect();
                    buffers.push((q.name().into(), Dtype::I8, q.shape().to_vec(), bytes));
                    buffers.push((
                        scale_name(q.name()),
                        Dtype::F32,
                        vec![q.scales().len()],
                        f32_bytes(q.scales()),
                    ));
                }
                QuantizedParam::Float {
                    name,
                    shape,
                    values,
                } => {
                    buffers.push((name.clone(), Dtype::F32, shape.clone(), f32_bytes(values)));
                }
            }
        }
        let views = buffers
            .iter()
            .map(|(name, dtype, shape, bytes)| {
                TensorView::new(*dtype, shape.clone(), bytes)
                    .map(|v| (name.as_str(), v))
                    .map_err(|e| st_err(&format!("tensor \"{name}\""), e))
            })
            .collect::<Result<Vec<_>>>()?;
        let metadata = [
            ("format".to_string(), "pt".to_string()),
            ("quantization".to_string(), "int8-symmetric".to_string()),
        ];
        serialize(views, Some(metadata.into_iter().collect()))
            .map_err(|e| st_err("cannot write safetensors", e))
    }

    /// Reads what [`to_safetensors_bytes`](QuantizedModel::to_safetensors_bytes) writes: every
    /// `I8` tensor must have its `{name}.scale`; other tensors must be `F32`. Errors name the
    /// tensor.
    pub fn from_safetensors_bytes(bytes: &[u8]) -> Result<Self> {
        let st =
            SafeTensors::deserialize(bytes).map_err(|e| st_err("not a safetensors file", e))?;
        let (_, meta) =
            SafeTensors::read_metadata(bytes).map_err(|e| st_err("not a safetensors file", e))?;
        let names = meta.offset_keys();
        let f32s = |data: &[u8]| -> Vec<f32> {
            data.chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect()
        };
        let mut params = Vec::new();
        for name in &names {
            let view = st
                .tensor(name)
                .map_err(|e| st_err(&format!("tensor \"{name}\""), e))?;
            match view.dtype() {
                Dtype::I8 => {
                    let scales = st.tensor(&scale_name(name)).map_err(|_| {
                        Error::Invalid(format!("int8 tensor \"{name}\" has no \"{name}.scale\""))
                    })?;
                    if scales.dtype() != Dtype::F32 {
                        return Err(Error::Invalid(format!(
                            "\"{name}.scale\" has dtype {}, not F32",
                            scales.dtype()
                        )));
                    }
                    let values = view
                        .data()
                        .iter()
                        .map(|&b| i8::from_le_bytes([b]))
                        .collect();
                    params.push(QuantizedParam::Int8(QuantizedTensor::from_parts(
                        name,
                        view.shape(),
                        values,
                        f32s(scales.data()),
                    )?));
                }
                Dtype::F32 => {
                    let weight = name.strip_suffix(".scale");
                    if weight.is_some_and(|w| names.iter().any(|n| n == w)) {
                        continue; // read with its weight
                    }
                    params.push(QuantizedParam::Float {
                        name: name.clone(),
                        shape: view.shape().to_vec(),
                        values: f32s(view.data()),
                    });
                }
                other => {
                    return Err(Error::Invalid(format!(
                        "tensor \"{name}\" has dtype {other}; a quantized model holds I8 and F32"
                    )));
                }
            }
        }
        Ok(QuantizedModel { params })
    }

    /// Writes [`to_safetensors_bytes`](QuantizedModel::to_safetensors_bytes) to `path`.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        std::fs::write(path, self.to_safetensors_bytes()?)
            .map_err(|e| Error::Invalid(format!("cannot write {}: {e}", path.display())))
    }

    /// Reads a file [`save`](QuantizedModel::save) wrote; errors name the file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let bytes = std::fs::read(path)
            .map_err(|e| Error::Invalid(format!("cannot read {}: {e}", path.display())))?;
        Self::from_safetensors_bytes(&bytes)
            .map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))
    }
}
