//! [`QuantizedTensor`]: one tensor's int8 values and scales.

use crate::error::{Error, Result};

/// How many scales a quantized tensor has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Granularity {
    /// One scale for the whole tensor: s = max |w| / 127.
    #[default]
    PerTensor,
    /// One scale per slice along the first axis (an output channel: a row of a linear layer's
    /// `[out, in]` weight): sᵣ = max over row r of |w| / 127. Never worse than per tensor.
    PerChannel,
}

impl Granularity {
    /// `per-tensor` or `per-channel`.
    pub fn name(self) -> &'static str {
        match self {
            Granularity::PerTensor => "per-tensor",
            Granularity::PerChannel => "per-channel",
        }
    }
}

/// A tensor quantized to symmetric int8: values q ∈ [−127, 127] and scales, element i reading
/// back as qᵢ·s (s the scale of its channel); see the [module docs](super).
#[derive(Clone, Debug, PartialEq)]
pub struct QuantizedTensor {
    name: String,
    shape: Vec<usize>,
    values: Vec<i8>,
    scales: Vec<f32>,
}

impl QuantizedTensor {
    /// Quantizes `values` (row-major, of shape `shape`). The scale of a tensor or channel is
    /// its max |w| / 127 rounded to `f32` (1 for an all-zero one, whose values are all 0).
    /// Errors for a length that does not match the shape, a per-channel tensor of rank 0, or a
    /// NaN or infinite value (named with its tensor and index).
    pub fn quantize(
        name: &str,
        shape: &[usize],
        values: &[f64],
        granularity: Granularity,
    ) -> Result<Self> {
        let n: usize = shape.iter().product();
        if values.len() != n {
            return Err(Error::Shape {
                op: "quantize",
                lhs: shape.to_vec(),
                rhs: vec![values.len()],
            });
        }
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(Error::Invalid(format!(
                "cannot quantize tensor \"{name}\": element {i} is {}",
                values[i]
            )));
        }
        let channels = match granularity {
            Granularity::PerTensor => 1,
            Granularity::PerChannel => match shape.first() {
                Some(&c) => c,
                None => {
                    return Err(Error::Invalid(format!(
                        "cannot quantize tensor \"{name}\" per channel: it has rank 0"
                    )));
                }
            },
        };
        let per = n.checked_div(channels).unwrap_or(0);
        let mut scales = Vec::with_capacity(channels);
        let mut q = Vec::with_capacity(n);
        for c in 0..channels {
            let chunk = &values[c * per..(c + 1) * per];
            let amax = chunk.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            let s = if amax > 0.0 {
                (amax / 127.0) as f32
            } else {
                1.0
            };
            let s = if s > 0.0 { s } else { f32::MIN_POSITIVE };
            let sf = f64::from(s);
            q.extend(
                chunk
                    .iter()
                    .map(|&w| (w / sf).round().clamp(-127.0, 127.0) as i8),
            );
            scales.push(s);
        }
        Ok(QuantizedTensor {
            name: name.to_string(),
            shape: shape.to_vec(),
            values: q,
            scales,
        })
    }

    /// A quantized tensor from its parts (what a file holds); errors unless the values fit
    /// the shape, the scales are one or one per channel, every scale is positive and finite,
    /// and no value is −128 (outside the symmetric range).
    pub fn from_parts(
        name: &str,
        shape: &[usize],
        values: Vec<i8>,
        scales: Vec<f32>,
    ) -> Result<Self> {
        let n: usize = shape.iter().product();
        let channels_ok = scales.len() == 1 || shape.first() == Some(&scales.len());
        if values.len() != n || !channels_ok {
            return Err(Error::Invalid(format!(
                "quantized tensor \"{name}\" of shape {shape:?} has {} values and {} scales",
                values.len(),
                scales.len()
            )));
        }
        if scales.iter().any(|s| !(s.is_finite() && *s > 0.0)) || values.contains(&i8::MIN) {
            return Err(Error::Invalid(format!(
                "quantized tensor \"{name}\" has a scale that is not positive and finite, or \
                 a value of −128"
            )));
        }
        Ok(QuantizedTensor {
            name: name.to_string(),
            shape: shape.to_vec(),
            values,
            scales,
        })
    }

    /// The tensor's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its shape.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The int8 values, row-major.
    pub fn values(&self) -> &[i8] {
        &self.values
    }

    /// The scales: one, or one per channel.
    pub fn scales(&self) -> &[f32] {
        &self.scales
    }

    /// Per tensor (one scale, which is also what a per-channel tensor of one channel has) or
    /// per channel.
    pub fn granularity(&self) -> Granularity {
        if self.scales.len() == 1 {
            Granularity::PerTensor
        } else {
            Granularity::PerChannel
        }
    }

    /// The scale element `i` (row-major) was quantized with.
    pub fn scale_of(&self, i: usize) -> f64 {
        let per = self.values.len() / self.scales.len().max(1);
        f64::from(
            self.scales[if self.scales.len() == 1 {
                0
            } else {
                i / per.max(1)
            }],
        )
    }

    /// The values read back, qᵢ·s (exact in `f64`: a 7-bit integer times a 24-bit scale).
    pub fn dequantize(&self) -> Vec<f64> {
        (0..self.values.len())
            .map(|i| f64::from(self.values[i]) * self.scale_of(i))
            .collect()
    }

    /// Bytes of storage: one per value and four per scale.
    pub fn size_bytes(&self) -> usize {
        self.values.len() + 4 * self.scales.len()
    }
}
