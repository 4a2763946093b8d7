//! Post-training int8 quantization of the digits MLP: train the 64-256-10 tensor model of the
//! `digits` example, quantize its weights to symmetric int8 (one scale per tensor, then one
//! per output channel), save each as a safetensors file, load it back into a fresh float model
//! by dequantizing, and compare size and test accuracy with the f32 model.
//!
//! Run with `cargo run --release --example quantize` (`-- --json` prints one line;
//! `--seed N` changes the split and the weights; `--out DIR` is where the files go, the
//! system temp dir by default).

#[path = "common/digits.rs"]
mod common;

use tapegrad::io::{save_safetensors, to_safetensors_bytes};
use tapegrad::nn::quant::{Granularity, QuantizedModel, QuantizedParam};
use tapegrad::nn::train::{Loss, Trainable, Verbosity, predict_classes};
use tapegrad::{Graph, Result};

const SIZES: [usize; 3] = [64, 256, 10];

fn main() {
    if let Err(e) = run() {
        eprintln!("quantize: {e}");
        std::process::exit(1);
    }
}

/// What one quantized model gave.
struct Outcome {
    granularity: Granularity,
    bytes: usize,
    max_error: f64,
    max_half_scale: f64,
    accuracy: f64,
    same_class: f64,
}

fn run() -> Result<()> {
    let args = common::Args::parse("quantize", std::env::temp_dir());
    let dir = args.out.clone();
    let (train, test) = common::split(args.seed)?;
    let g = Graph::<f32>::default();
    let mut model = common::mlp(&g, &SIZES, args.seed)?;
    let history = common::train(&mut model, &train, args.seed, Verbosity::Silent)?;
    let float_path = dir.join("digits_f32.safetensors");
    save_safetensors(&model, &float_path)?;
    let float_bytes = to_safetensors_bytes(&model, &[("format", "pt")])?.len();
    let float_accuracy = common::accuracy(&mut model, &test)?;
    let float_classes = predict_classes(&mut model, &test, Loss::CrossEntropy)?;
    let weights = model.flat_values();

    let mut outcomes = Vec::new();
    for granularity in [Granularity::PerTensor, Granularity::PerChannel] {
        let q = QuantizedModel::quantize(&model, granularity)?;
        let path = dir.join(format!("digits_int8_{}.safetensors", granularity.name()));
        q.save(&path)?;
        let bytes = std::fs::metadata(&path)
            .map_err(|e| tapegrad::Error::Invalid(format!("{}: {e}", path.display())))?
            .len() as usize;
        // Dequantize on load, into a fresh model of the same architecture.
        let mut loaded = common::mlp(&g, &SIZES, args.seed + 1)?;
        QuantizedModel::load(&path)?.dequantize_into(&mut loaded)?;
        let (mut max_error, mut max_half_scale) = (0.0f64, 0.0f64);
        let mut offset = 0;
        for p in q.params() {
            let n: usize = p.shape().iter().product();
            if let QuantizedParam::Int8(t) = p {
                for (i, v) in t.dequantize().iter().enumerate() {
                    max_error = max_error.max((v - f64::from(weights[offset + i])).abs());
                    max_half_scale = max_half_scale.max(t.scale_of(i) / 2.0);
                }
            }
            offset += n;
        }
        let accuracy = common::accuracy(&mut loaded, &test)?;
        let classes = predict_classes(&mut loaded, &test, Loss::CrossEntropy)?;
        let same = classes
            .iter()
            .zip(&float_classes)
            .filter(|(a, b)| a == b)
            .count();
        outcomes.push(Outcome {
            granularity,
            bytes,
            max_error,
            max_half_scale,
            accuracy,
            same_class: same as f64 / classes.len() as f64,
        });
    }

    if args.json {
        let [t, c] = [&outcomes[0], &outcomes[1]];
        println!(
            "{{\"float_bytes\":{float_bytes},\"int8_per_tensor_bytes\":{},\"int8_per_channel_bytes\":{},\
             \"accuracy_f32\":{float_accuracy:.6},\"accuracy_per_tensor\":{:.6},\"accuracy_per_channel\":{:.6}}}",
            t.bytes, c.bytes, t.accuracy, c.accuracy
        );
        return Ok(());
    }
    println!(
        "model: {model}, trained {} epochs on {} digits",
        history.epochs(),
        train.len()
    );
    println!(
        "weights of rank 2 go to int8 with q = round(w / s), s = max|w| / 127; biases stay f32\n"
    );
    println!(
        "model                    file bytes   ratio   max |w − q·s|   max s/2    test accuracy   same class as f32"
    );
    println!(
        "f32                      {float_bytes:>10}   1.00    —               —          {:>6.2}%         —",
        float_accuracy * 100.0
    );
    for o in &outcomes {
        println!(
            "int8 {:<19} {:>10}   {:.2}    {:<15.3e} {:<10.3e} {:>6.2}%         {:.2}%",
            o.granularity.name(),
            o.bytes,
            o.bytes as f64 / float_bytes as f64,
            o.max_error,
            o.max_half_scale,
            o.accuracy * 100.0,
            o.same_class * 100.0
        );
    }
    println!(
        "\nfiles: {} and digits_int8_per-tensor / per-channel.safetensors in {}",
        float_path.display(),
        dir.display()
    );
    Ok(())
}
