//! Handwritten digits with a small convolutional network, next to a tensor MLP trained the same
//! way on the same split.
//!
//! The 8×8 digits of the `digits` example, the same stratified 75/25 train/test split and
//! per-pixel standardization. The CNN reads each row as a 1×8×8 image:
//! conv 3×3 (8 channels, padding 1, ReLU) → max pool 2×2 → conv 3×3 (16 channels, padding 1,
//! ReLU) → max pool 2×2 → 64 features → dense 32 (ReLU) → 10 logits. The MLP is 64-32-10
//! (ReLU). Both: softmax cross-entropy, Adam 3e-3, batches of 32, 10% of the training rows held
//! out for early stopping (patience 5, best weights restored).
//!
//! Prints both models, their test accuracy and time per epoch. Run with
//! `cargo run --release --example cnn_digits` (`-- --seed N` for another split and
//! initialization; `-- --json` prints one line
//! `{"test_accuracy":..,"mlp_test_accuracy":..,"epochs":..,"ms_per_epoch":..,..}`).

use std::time::Instant;

use rand::{SeedableRng, rngs::StdRng};
use tapegrad::data::{self, Dataset, Standardizer};
use tapegrad::nn::Init;
use tapegrad::nn::optim::Adam;
use tapegrad::nn::scalar::Activation;
use tapegrad::nn::tensor::{Cnn, Conv2d, Layer2d, MaxPool2d, Mlp};
use tapegrad::nn::train::{
    EarlyStopping, FitOptions, Loss, Metric, Trainable, Validation, Verbosity, evaluate, fit,
};
use tapegrad::tensor::{Conv2dOptions, Pool2dOptions};
use tapegrad::{Graph, Result};

fn main() {
    if let Err(e) = run() {
        eprintln!("cnn_digits: {e}");
        std::process::exit(1);
    }
}

/// What one model's training gave.
struct Outcome {
    description: String,
    test_accuracy: f64,
    epochs: usize,
    ms_per_epoch: f64,
}

/// Trains `model` with the shared options and scores it on `test`.
fn train(
    model: &mut (impl Trainable<f64> + std::fmt::Display),
    (train, test): (&Dataset, &Dataset),
    seed: u64,
    verbosity: Verbosity,
) -> Result<Outcome> {
    let options = FitOptions::new(100)
        .batch_size(32)
        .seed(seed)
        .loss(Loss::CrossEntropy)
        .metrics(&[Metric::Accuracy])
        .validation(Validation::Split(0.1))
        .early_stopping(EarlyStopping::new(5))
        .verbosity(verbosity);
    let start = Instant::now();
    let history = fit(model, train, &mut Adam::new(3e-3), &options)?;
    let seconds = start.elapsed().as_secs_f64();
    let eval = evaluate(model, test, Loss::CrossEntropy, &[Metric::Accuracy])?;
    let epochs = history.epochs();
    Ok(Outcome {
        description: model.to_string(),
        test_accuracy: eval.get(Metric::Accuracy).unwrap_or(f64::NAN),
        epochs,
        ms_per_epoch: seconds * 1e3 / epochs.max(1) as f64,
    })
}

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let json = args.iter().any(|a| a == "--json");
    let seed = match args.iter().position(|a| a == "--seed") {
        Some(i) => match args.get(i + 1).and_then(|s| s.parse().ok()) {
            Some(s) => s,
            None => {
                eprintln!("usage: cnn_digits [--json] [--seed N]");
                std::process::exit(2);
            }
        },
        None => 0,
    };

    let digits = data::digits();
    let split = data::stratified_split(&digits.labels()?, 0.25, seed)?;
    let (mut train_set, mut test_set) = (digits.select(&split.train), digits.select(&split.test));
    // The CNN reads the pixels as an image, scaled to [0, 1] (intensities 0..16): standardizing
    // each pixel on its own would blow up the nearly constant border pixels.
    let (mut train_img, mut test_img) = (train_set.clone(), test_set.clone());
    for d in [&mut train_img, &mut test_img] {
        d.features_mut().iter_mut().for_each(|v| *v /= 16.0);
    }
    let scaler = Standardizer::fit(&train_set);
    scaler.transform(&mut train_set)?;
    scaler.transform(&mut test_set)?;

    let g: Graph = Graph::new();
    let mut rng = StdRng::seed_from_u64(seed);
    let same = Conv2dOptions::default().padding(1);
    let (relu, init) = (Activation::Relu, Init::HeUniform);
    let pool = Layer2d::MaxPool(MaxPool2d(Pool2dOptions::new(2)));
    let features = vec![
        Layer2d::Conv(Conv2d::try_new(&g, 1, 8, 3, same, relu, init, &mut rng)?),
        pool,
        Layer2d::Conv(Conv2d::try_new(&g, 8, 16, 3, same, relu, init, &mut rng)?),
        pool,
    ];
    let head = Mlp::try_new(&g, &[64, 32, 10], relu, Activation::Linear, init, &mut rng)?;
    let mut cnn = Cnn::try_new([1, 8, 8], features, head)?;
    let verbosity = if json {
        Verbosity::Silent
    } else {
        Verbosity::Bar
    };
    let cnn_out = train(&mut cnn, (&train_img, &test_img), seed, verbosity)?;

    let mut mlp = Mlp::try_new(&g, &[64, 32, 10], relu, Activation::Linear, init, &mut rng)?;
    let mlp_out = train(&mut mlp, (&train_set, &test_set), seed, verbosity)?;

    if json {
        println!(
            "{{\"test_accuracy\":{:.6},\"epochs\":{},\"ms_per_epoch\":{:.2},\
             \"mlp_test_accuracy\":{:.6},\"mlp_epochs\":{},\"mlp_ms_per_epoch\":{:.2}}}",
            cnn_out.test_accuracy,
            cnn_out.epochs,
            cnn_out.ms_per_epoch,
            mlp_out.test_accuracy,
            mlp_out.epochs,
            mlp_out.ms_per_epoch
        );
        return Ok(());
    }
    println!(
        "digits: {} images of 8×8 pixels, {} training rows (10% held out for early stopping), {} test rows\n",
        digits.len(),
        train_set.len(),
        test_set.len()
    );
    for o in [&cnn_out, &mlp_out] {
        println!("{}", o.description);
        println!(
            "  test accuracy {:.2}%, {} epochs, {:.1} ms per epoch\n",
            o.test_accuracy * 100.0,
            o.epochs,
            o.ms_per_epoch
        );
    }
    let diff = (cnn_out.test_accuracy - mlp_out.test_accuracy) * 100.0;
    let verdict = if diff > 0.0 { "beats" } else { "does not beat" };
    println!(
        "the CNN {verdict} the MLP by {:.2} percentage points ({} of {} test images)",
        diff.abs(),
        (diff.abs() / 100.0 * test_set.len() as f64).round(),
        test_set.len()
    );
    Ok(())
}
