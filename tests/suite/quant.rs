//! Int8 quantization: the error bound |w − q·s| ≤ s/2 and the scales' tightness over random
//! tensors, hand-checked values, a quantized model's file round trip and dequantize-on-load.

use proptest::prelude::*;
#[cfg(feature = "safetensors")]
use rand::{SeedableRng, rngs::StdRng};
#[cfg(feature = "safetensors")]
use tapegrad::Graph;
#[cfg(feature = "safetensors")]
use tapegrad::io::to_safetensors_bytes;
#[cfg(feature = "safetensors")]
use tapegrad::nn::Init;
use tapegrad::nn::quant::{Granularity, QuantizedTensor};
#[cfg(feature = "safetensors")]
use tapegrad::nn::quant::{QuantizedModel, QuantizedParam};
#[cfg(feature = "safetensors")]
use tapegrad::nn::scalar::Activation;
#[cfg(feature = "safetensors")]
use tapegrad::nn::tensor::Mlp;
#[cfg(feature = "safetensors")]
use tapegrad::nn::train::Trainable;

const BOTH: [Granularity; 2] = [Granularity::PerTensor, Granularity::PerChannel];

fn tensor() -> impl Strategy<Value = (usize, usize, Vec<f64>)> {
    (1usize..6, 1usize..9, -6i32..6).prop_flat_map(|(r, c, e)| {
        let a = 10f64.powi(e);
        (Just(r), Just(c), proptest::collection::vec(-a..a, r * c))
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Every element reads back within half its scale (up to the rounding of one f64
    /// division), every value is in [−127, 127], and each tensor or channel's largest |w|
    /// maps to ±127 (the scale is as fine as the range allows).
    #[test]
    fn error_is_at_most_half_a_scale((r, c, w) in tensor()) {
        for gran in BOTH {
            let q = QuantizedTensor::quantize("w", &[r, c], &w, gran).unwrap();
            let back = q.dequantize();
            for i in 0..w.len() {
                let s = q.scale_of(i);
                prop_assert!((w[i] - back[i]).abs() <= s / 2.0 * (1.0 + 1e-12),
                             "{gran:?} element {i}: {} → {} with scale {s}", w[i], back[i]);
            }
            prop_assert!(q.values().iter().all(|&v| v != i8::MIN));
            let per = w.len() / q.scales().len();
            for (ch, vals) in q.values().chunks(per).enumerate() {
                let amax = w[ch * per..(ch + 1) * per].iter().fold(0.0f64, |m, v| m.max(v.abs()));
                let top = vals.iter().map(|v| v.unsigned_abs()).max().unwrap();
                prop_assert!(amax == 0.0 || top == 127, "{gran:?} channel {ch}: max |q| {top}");
            }
        }
    }

    /// A channel's scale is never coarser than the tensor's, so per-channel errors obey the
    /// per-tensor bound too.
    #[test]
    fn per_channel_is_never_coarser((r, c, w) in tensor()) {
        let t = QuantizedTensor::quantize("w", &[r, c], &w, Granularity::PerTensor).unwrap();
        let ch = QuantizedTensor::quantize("w", &[r, c], &w, Granularity::PerChannel).unwrap();
        prop_assert_eq!(ch.scales().len(), r);
        let s = t.scales()[0];
        prop_assert!(ch.scales().iter().all(|&x| x <= s));
    }
}

/// w = (0.5, −1.27, 0.01 | 0.3, −0.2, 0): per tensor s = 1.27/127 = 0.01, so q = round(w/s) =
/// (50, −127, 1 | 30, −20, 0); per channel row 0 keeps s = 0.01 and row 1 gets s = 0.3/127,
/// so q = (127, −84.67 → −85, 0).
#[test]
fn hand_checked_values() {
    let w = [0.5, -1.27, 0.01, 0.3, -0.2, 0.0];
    let t = QuantizedTensor::quantize("w", &[2, 3], &w, Granularity::PerTensor).unwrap();
    assert_eq!(t.values(), &[50, -127, 1, 30, -20, 0]);
    assert_eq!(t.scales(), &[(1.27f64 / 127.0) as f32]);
    let c = QuantizedTensor::quantize("w", &[2, 3], &w, Granularity::PerChannel).unwrap();
    assert_eq!(c.values(), &[50, -127, 1, 127, -85, 0]);
    assert_eq!(c.scales()[1], (0.3f64 / 127.0) as f32);
    assert_eq!(c.size_bytes(), 6 + 8);
    let z = QuantizedTensor::quantize("z", &[3], &[0.0; 3], Granularity::PerTensor).unwrap();
    assert_eq!(
        (z.values(), z.dequantize()),
        (&[0i8, 0, 0][..], vec![0.0; 3])
    );
}

#[test]
fn bad_input_is_a_clear_error() {
    let e = QuantizedTensor::quantize(
        "layers.0.weight",
        &[2],
        &[1.0, f64::NAN],
        Granularity::PerTensor,
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("layers.0.weight") && e.to_string().contains("element 1"),
        "{e}"
    );
    assert!(QuantizedTensor::quantize("w", &[2, 2], &[1.0; 3], Granularity::PerTensor).is_err());
    assert!(QuantizedTensor::quantize("w", &[], &[1.0], Granularity::PerChannel).is_err());
    assert!(QuantizedTensor::from_parts("w", &[2], vec![1, -128], vec![0.1]).is_err());
    assert!(QuantizedTensor::from_parts("w", &[2, 2], vec![1; 4], vec![0.1; 3]).is_err());
    assert!(QuantizedTensor::from_parts("w", &[2], vec![1, 2], vec![0.0]).is_err());
}

#[cfg(feature = "safetensors")]
fn mlp<'g>(g: &'g Graph<f32>, sizes: &[usize], seed: u64) -> Mlp<'g, f32> {
    Mlp::new(
        g,
        sizes,
        Activation::Relu,
        Activation::Linear,
        Init::PyTorch,
        &mut StdRng::seed_from_u64(seed),
    )
}

#[cfg(feature = "safetensors")]
/// A model's int8 file is about a quarter of its f32 file; loading it back dequantizes every
/// weight to q·s, keeps the biases bit for bit, and a model of another shape is refused naming
/// the tensor.
#[test]
fn model_round_trip_and_dequantize_on_load() {
    let g = Graph::<f32>::default();
    let model = mlp(&g, &[64, 256, 10], 1);
    let float_bytes = to_safetensors_bytes(&model, &[]).unwrap().len();
    for gran in BOTH {
        let q = QuantizedModel::quantize(&model, gran).unwrap();
        let bytes = q.to_safetensors_bytes().unwrap();
        assert!(
            bytes.len() * 10 < float_bytes * 3,
            "{} vs {float_bytes}",
            bytes.len()
        );
        let back = QuantizedModel::from_safetensors_bytes(&bytes).unwrap();
        assert_eq!(back.size_bytes(), q.size_bytes());
        let mut loaded = mlp(&g, &[64, 256, 10], 2);
        back.dequantize_into(&mut loaded).unwrap();
        let mut expect = Vec::new();
        for p in q.params() {
            match p {
                QuantizedParam::Int8(t) => {
                    assert_eq!(t.granularity(), gran);
                    expect.extend(t.dequantize().iter().map(|&v| v as f32));
                }
                QuantizedParam::Float { values, .. } => expect.extend_from_slice(values),
            }
        }
        assert_eq!(loaded.flat_values(), expect);
        let biases = |m: &Mlp<'_, f32>| {
            m.named_parameters()
                .iter()
                .filter(|(n, _)| n.ends_with("bias"))
                .map(|(_, t)| t.to_vec())
                .collect::<Vec<_>>()
        };
        assert_eq!(biases(&loaded), biases(&model));
        let mut wrong = mlp(&g, &[64, 128, 10], 3);
        let e = back.dequantize_into(&mut wrong).unwrap_err().to_string();
        assert!(
            e.contains("layers.0.weight") && e.contains("[128, 64]"),
            "{e}"
        );
    }
    assert!(QuantizedModel::from_safetensors_bytes(b"not a file").is_err());
}
