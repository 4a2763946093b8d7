//! Saving and loading a model's parameters in the safetensors format.

use std::path::Path;

use ::safetensors::{Dtype, serialize, tensor::TensorView};

use crate::error::{Error, Result};
use crate::nn::train::Trainable;
use crate::real::Float;

use super::safetensors_header::{Entry, ModelFileProblem, entries, problem};

/// One tensor read from a safetensors file: its name, shape, stored dtype (`"F64"`, `"F32"`, …)
/// and its values widened to `f64` (exactly, for F64 and F32).
#[derive(Clone, Debug, PartialEq)]
pub struct NamedTensor {
    /// The tensor's name.
    pub name: String,
    /// Its shape.
    pub shape: Vec<usize>,
    /// The dtype stored in the file.
    pub dtype: String,
    /// The values, row-major.
    pub values: Vec<f64>,
}

/// The safetensors dtype of `T`: `F64` for `f64`, `F32` for `f32`.
fn dtype_of<T: Float>() -> Dtype {
    if std::mem::size_of::<T>() == 4 {
        Dtype::F32
    } else {
        Dtype::F64
    }
}

fn encode<T: Float>(values: &[T], out: &mut Vec<u8>) {
    for &v in values {
        if std::mem::size_of::<T>() == 4 {
            out.extend_from_slice(&(v.to_f64() as f32).to_le_bytes());
        } else {
            out.extend_from_slice(&v.to_f64().to_le_bytes());
        }
    }
}

fn st_err(what: &str, e: impl std::fmt::Display) -> Error {
    Error::Invalid(format!("{what}: {e}"))
}

/// The model's parameters as the bytes of a safetensors file: one tensor per entry of
/// [`Trainable::tensors`], under its name, with its shape, in the model's element type.
/// `metadata` (e.g. `format = pt`, an architecture string) goes into the file's header.
pub fn to_safetensors_bytes<T: Float, M: Trainable<T> + ?Sized>(
    model: &M,
    metadata: &[(&str, &str)],
) -> Result<Vec<u8>> {
    let mut buffers: Vec<(String, Vec<usize>, Vec<u8>)> = Vec::new();
    model.read_params(&mut |info, values| {
        let mut bytes = Vec::with_capacity(std::mem::size_of_val(values));
        encode(values, &mut bytes);
        buffers.push((info.name.clone(), info.shape.clone(), bytes));
    });
    let views = buffers
        .iter()
        .map(|(name, shape, bytes)| {
            TensorView::new(dtype_of::<T>(), shape.clone(), bytes)
                .map(|v| (name.clone(), v))
                .map_err(|e| st_err(&format!("tensor \"{name}\""), e))
        })
        .collect::<Result<Vec<_>>>()?;
    let meta = (!metadata.is_empty()).then(|| {
        metadata
            .iter()
            .map(|&(k, v)| (k.to_string(), v.to_string()))
            .collect()
    });
    serialize(views, meta).map_err(|e| st_err("safetensors", e))
}

/// Writes the model's parameters to a safetensors file (see [`to_safetensors_bytes`]); the
/// header carries `format = pt` so PyTorch's loader accepts it as a state dict.
///
/// ```
/// use rand::{SeedableRng, rngs::StdRng};
/// use tapegrad::Graph;
/// use tapegrad::nn::{Init, scalar::{Activation, Mlp}, train::{MlpModel, Trainable}};
/// use tapegrad::io::{load_safetensors, save_safetensors};
/// let path = std::env::temp_dir().join("tapegrad_doc_save.safetensors");
/// let g = Graph::new();
/// let mut rng = StdRng::seed_from_u64(0);
/// let a = MlpModel::new(Mlp::new(&g, &[2, 3, 1], Activation::Tanh, Activation::Linear,
///                                Init::PyTorch, &mut rng));
/// save_safetensors(&a, &path).unwrap();
/// let mut b = MlpModel::new(Mlp::new(&g, &[2, 3, 1], Activation::Tanh, Activation::Linear,
///                                    Init::PyTorch, &mut rng));
/// load_safetensors(&mut b, &path).unwrap();
/// assert_eq!(a.flat_values(), b.flat_values());
/// # std::fs::remove_file(&path).ok();
/// ```
pub fn save_safetensors<T: Float, M: Trainable<T> + ?Sized>(
    model: &M,
    path: impl AsRef<Path>,
) -> Result<()> {
    let path = path.as_ref();
    let bytes = to_safetensors_bytes(model, &[("format", "pt")])?;
    std::fs::write(path, bytes)
        .map_err(|e| Error::Invalid(format!("cannot write {}: {e}", path.display())))
}

/// Every tensor of a safetensors file's bytes, in the file's (offset) order. Floating-point
/// dtypes F64, F32, F16 and BF16 are read; other dtypes are an error naming the tensor. The
/// header is checked whole before any value is read (see [`ModelFileProblem`]).
pub fn read_safetensors(bytes: &[u8]) -> Result<Vec<NamedTensor>> {
    let entries = entries(bytes)?;
    if let Some(e) = entries.iter().find(|e| !is_float(&e.dtype)) {
        return Err(problem(
            Some(&e.name),
            ModelFileProblem::NotFloat(e.dtype.clone()),
        ));
    }
    Ok(entries
        .into_iter()
        .map(|e| NamedTensor {
            values: decode(&e.dtype, e.data),
            name: e.name,
            shape: e.shape,
            dtype: e.dtype,
        })
        .collect())
}

fn is_float(dtype: &str) -> bool {
    matches!(dtype, "F64" | "F32" | "F16" | "BF16")
}

/// The values of `data`, whose dtype is one [`is_float`] accepts and whose length the header
/// check made a whole number of elements.
fn decode(dtype: &str, data: &[u8]) -> Vec<f64> {
    match dtype {
        "F64" => data
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
            .collect(),
        "F32" => data
            .chunks_exact(4)
            .map(|c| f64::from(f32::from_le_bytes(c.try_into().expect("4 bytes"))))
            .collect(),
        "BF16" => data
            .chunks_exact(2)
            .map(|c| {
                let bits = u32::from(u16::from_le_bytes([c[0], c[1]])) << 16;
                f64::from(f32::from_bits(bits))
            })
            .collect(),
        _ => data
            .chunks_exact(2)
            .map(|c| f16_to_f64(u16::from_le_bytes([c[0], c[1]])))
            .collect(),
    }
}

/// IEEE half precision to f64.
fn f16_to_f64(h: u16) -> f64 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((h >> 10) & 0x1f);
    let frac = f64::from(h & 0x3ff);
    sign * match exp {
        0 => frac * 2f64.powi(-24),
        31 if frac == 0.0 => f64::INFINITY,
        31 => f64::NAN,
        e => (1.0 + frac / 1024.0) * 2f64.powi(e - 15),
    }
}

/// Loads parameters from the bytes of a safetensors file into `model`: every tensor the model
/// has must be in the file under the same name, with the same shape and the model's dtype
/// (`F64` for an `f64` model, `F32` for `f32`), so values are copied bit for bit. Extra tensors
/// in the file are an error too (they mean a different architecture). The header, every name,
/// dtype and shape and the file's length are checked before any value is read or memory is
/// allocated for one. On an error the model is unchanged and the error is
/// [`Error::ModelFile`], naming the tensor and what is wrong:
///
/// ```
/// use rand::{SeedableRng, rngs::StdRng};
/// use tapegrad::{Error, Graph};
/// use tapegrad::io::{ModelFileProblem, from_safetensors_bytes, to_safetensors_bytes};
/// use tapegrad::nn::{Init, scalar::{Activation, Mlp}, train::MlpModel};
/// let g = Graph::new();
/// let mut rng = StdRng::seed_from_u64(0);
/// let mut mlp = |sizes: &[usize]| MlpModel::new(Mlp::new(&g, sizes, Activation::Tanh,
///                                    Activation::Linear, Init::PyTorch, &mut rng));
/// let bytes = to_safetensors_bytes(&mlp(&[2, 3, 1]), &[]).unwrap();
/// let err = from_safetensors_bytes(&mut mlp(&[2, 4, 1]), &bytes).unwrap_err();
/// let Error::ModelFile { tensor: Some(name), problem: ModelFileProblem::Shape { file, model }, .. } = &err
/// else { panic!("{err}") };
/// assert_eq!((name.as_str(), &file[..], &model[..]), ("layers.0.weight", &[3, 2][..], &[4, 2][..]));
/// ```
pub fn from_safetensors_bytes<T: Float, M: Trainable<T> + ?Sized>(
    model: &mut M,
    bytes: &[u8],
) -> Result<()> {
    let entries = entries(bytes)?;
    let want = if std::mem::size_of::<T>() == 4 {
        "F32"
    } else {
        "F64"
    };
    let mut found: Vec<&Entry<'_>> = Vec::with_capacity(model.tensors().len());
    for info in model.tensors() {
        let Some(e) = entries.iter().find(|e| e.name == info.name) else {
            return Err(problem(
                Some(&info.name),
                ModelFileProblem::Missing {
                    shape: info.shape.clone(),
                    file_has: entries.iter().map(|e| e.name.clone()).collect(),
                },
            ));
        };
        if e.dtype != want {
            return Err(problem(
                Some(&info.name),
                ModelFileProblem::Dtype {
                    file: e.dtype.clone(),
                    model: want.into(),
                },
            ));
        }
        if e.shape != info.shape {
            return Err(problem(
                Some(&info.name),
                ModelFileProblem::Shape {
                    file: e.shape.clone(),
                    model: info.shape.clone(),
                },
            ));
        }
        found.push(e);
    }
    if let Some(extra) = entries
        .iter()
        .find(|e| !model.tensors().iter().any(|t| t.name == e.name))
    {
        return Err(problem(Some(&extra.name), ModelFileProblem::Unexpected));
    }
    // Everything fits: only now are values read, each tensor straight into the model.
    model.update_params(&mut |p| {
        let values = decode(want, found[p.index].data);
        for (to, from) in p.values.iter_mut().zip(values) {
            *to = T::from_f64(from);
        }
        Ok(())
    })
}

/// Loads parameters from a safetensors file (see [`from_safetensors_bytes`]); errors name the
/// file.
pub fn load_safetensors<T: Float, M: Trainable<T> + ?Sized>(
    model: &mut M,
    path: impl AsRef<Path>,
) -> Result<()> {
    let path = path.as_ref();
    let bytes = std::fs::read(path)
        .map_err(|e| Error::Invalid(format!("cannot read {}: {e}", path.display())))?;
    from_safetensors_bytes(model, &bytes).map_err(|e| match e {
        Error::ModelFile {
            tensor, problem, ..
        } => Error::ModelFile {
            file: Some(path.display().to_string()),
            tensor,
            problem,
        },
        other => other,
    })
}
