//! Fine-tuning: train a network, save it with safetensors, load it into a fresh model, freeze
//! its first layer and train the rest on a new task.
//!
//! Task A: two moons (200 points, noise 0.1). Task B: the same kind of data rotated by 40°
//! and shifted, so the old decision boundary is wrong. An MLP 2-16-16-1 (tanh, a logit output,
//! binary cross-entropy) is trained on A with Adam and saved to
//! `finetune_base.safetensors` in the system temp dir (tensors `layers.{i}.weight`
//! `[out, in]` and `layers.{i}.bias`, F64: PyTorch's `safetensors.torch.load_file` reads it).
//! A second model with different random weights loads the file and then predicts exactly as
//! the first. Its first layer is frozen and the other two are trained on B; the frozen weights
//! come out bit for bit unchanged.
//!
//! Run with `cargo run --release --example finetune` (`-- --json` prints one line).

use rand::{SeedableRng, rngs::StdRng};
use tapegrad::data::{self, Dataset};
use tapegrad::io::{load_safetensors, read_safetensors, save_safetensors};
use tapegrad::nn::Init;
use tapegrad::nn::optim::Adam;
use tapegrad::nn::scalar::{Activation, Mlp};
use tapegrad::nn::train::{
    FitOptions, Loss, Metric, MlpModel, Trainable, Verbosity, evaluate, fit, predict,
};
use tapegrad::{Graph, Result};

fn main() {
    if let Err(e) = run() {
        eprintln!("finetune: {e}");
        std::process::exit(1);
    }
}

/// Task B: the points rotated by `degrees` about the origin and shifted by (0.5, −0.3).
fn rotated(data: &Dataset, degrees: f64) -> Dataset {
    let (s, c) = degrees.to_radians().sin_cos();
    let mut out = data.clone();
    for p in out.features_mut().chunks_exact_mut(2) {
        let (x, y) = (p[0], p[1]);
        p[0] = c * x - s * y + 0.5;
        p[1] = s * x + c * y - 0.3;
    }
    out
}

fn new_model<'g>(g: &'g Graph, seed: u64) -> Result<MlpModel<'g>> {
    Ok(MlpModel::new(Mlp::try_new(
        g,
        &[2, 16, 16, 1],
        Activation::Tanh,
        Activation::Linear,
        Init::XavierUniform,
        &mut StdRng::seed_from_u64(seed),
    )?))
}

fn accuracy(model: &mut MlpModel<'_>, data: &Dataset) -> Result<f64> {
    let e = evaluate(model, data, Loss::BceWithLogits, &[Metric::Accuracy])?;
    Ok(e.get(Metric::Accuracy).unwrap_or(0.0))
}

/// The first layer's weights and bias, flat.
fn first_layer(model: &MlpModel<'_>) -> Vec<f64> {
    let mut v = Vec::new();
    model.read_params(&mut |info, values| {
        if info.name.starts_with("layers.0.") {
            v.extend_from_slice(values);
        }
    });
    v
}

fn run() -> Result<()> {
    let json = std::env::args().any(|a| a == "--json");
    let task_a = data::moons(200, 0.1, 1);
    let task_b = rotated(&data::moons(200, 0.1, 2), 40.0);
    let path = std::env::temp_dir().join("finetune_base.safetensors");

    // 1. Train on task A and save.
    let g: Graph = Graph::new();
    let mut base = new_model(&g, 0)?;
    let opts = FitOptions::new(150)
        .batch_size(32)
        .loss(Loss::BceWithLogits)
        .verbosity(if json {
            Verbosity::Silent
        } else {
            Verbosity::Bar
        });
    fit(&mut base, &task_a, &mut Adam::new(0.01), &opts)?;
    let acc_a = accuracy(&mut base, &task_a)?;
    save_safetensors(&base, &path)?;
    let file = std::fs::read(&path)
        .map_err(|e| tapegrad::Error::Invalid(format!("{}: {e}", path.display())))?;
    let tensors = read_safetensors(&file)?;

    // 2. Load into a fresh model with other random weights.
    let mut tuned = new_model(&g, 99)?;
    let differed = predict(&mut tuned, &task_b)? != predict(&mut base, &task_b)?;
    load_safetensors(&mut tuned, &path)?;
    let same_after_load = predict(&mut tuned, &task_b)? == predict(&mut base, &task_b)?;
    let acc_b_before = accuracy(&mut tuned, &task_b)?;

    // 3. Freeze layer 0, train layers 1 and 2 on task B.
    let frozen_before = first_layer(&tuned);
    let opts = FitOptions::new(100)
        .batch_size(32)
        .loss(Loss::BceWithLogits)
        .freeze("layers.0.")
        .verbosity(if json {
            Verbosity::Silent
        } else {
            Verbosity::Bar
        });
    fit(&mut tuned, &task_b, &mut Adam::new(0.01), &opts)?;
    let acc_b_after = accuracy(&mut tuned, &task_b)?;
    let frozen_unchanged = first_layer(&tuned)
        .iter()
        .zip(&frozen_before)
        .all(|(a, b)| a.to_bits() == b.to_bits());

    if json {
        println!(
            "{{\"task_a_accuracy\":{acc_a},\"task_b_before\":{acc_b_before},\"task_b_after\":{acc_b_after},\"loaded_exactly\":{same_after_load},\"frozen_unchanged\":{frozen_unchanged}}}"
        );
        return Ok(());
    }
    println!(
        "1. trained an MLP 2-16-16-1 on task A (two moons): accuracy {:.1}%",
        acc_a * 100.0
    );
    println!("   saved to {} ({} bytes):", path.display(), file.len());
    for t in &tensors {
        println!("     {:<16} {:<4} {:?}", t.name, t.dtype, t.shape);
    }
    println!(
        "2. a fresh model (other random weights{}) loaded the file: predictions {} the saved model's",
        if differed {
            ", different predictions"
        } else {
            ""
        },
        if same_after_load {
            "identical to"
        } else {
            "DIFFERENT from"
        }
    );
    println!(
        "   on task B (the moons rotated by 40° and shifted) it scores {:.1}%",
        acc_b_before * 100.0
    );
    println!(
        "3. froze layers.0 ({} values), trained layers.1 and layers.2 on task B for 100 epochs:",
        frozen_before.len()
    );
    println!("   task B accuracy {:.1}%", acc_b_after * 100.0);
    println!(
        "   the frozen layer is {}",
        if frozen_unchanged {
            "bit for bit unchanged"
        } else {
            "CHANGED (a bug)"
        }
    );
    Ok(())
}
