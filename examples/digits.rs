//! Handwritten digits: a tensor MLP on the 8×8 images of scikit-learn's digits set.
//!
//! 1797 images, a stratified 75/25 train/test split, pixels standardized on the training rows,
//! an MLP 64-256-10 of tensor layers (ReLU, softmax cross-entropy on 10 logits, f32), Adam
//! (lr 1e-3) with mini-batches of 32, 10% of the training rows held out for early stopping
//! (patience 10, best weights restored). Prints the per-epoch history, the test accuracy and the
//! confusion matrix, and writes the loss curves on a log axis with the restored epoch marked
//! (`plots/digits_loss.png`, or `--out PATH`, `.png` or `.svg`) and next to them two pictures:
//! the weights of the 64 first-layer units the output layer relies on most, as 8×8 images
//! (`digits_weights.png`), and what one test image (drawn as written, 0–16 ink) activates
//! (`digits_activations.png`); one line `wrote FILE` for each.
//!
//! Each layer is a matmul, a broadcast add and an activation on the whole batch, so an epoch
//! is a few milliseconds; the scalar-neuron `Mlp` (one node per multiply-add) stays for the
//! small teaching examples (`xor`, `moons`).
//! Run with `cargo run --release --example digits` (`-- --json` prints
//! `{"test_accuracy":..,"epochs":..}`; `--seed N` changes the split and the weights;
//! `--verbose 0|1|2` is Keras' verbosity).

#[path = "common/digits.rs"]
mod common;
#[path = "common/plots.rs"]
mod plots;

use std::time::Instant;

use tapegrad::io::LossPlot;
use tapegrad::nn::train::{ConfusionMatrix, Loss, predict_classes};
use tapegrad::{Graph, Result};

const SIZES: [usize; 3] = [64, 256, 10];

fn main() {
    if let Err(e) = run() {
        eprintln!("digits: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let args = common::Args::parse("digits", plots::dir().join("digits_loss.png"));
    let (train, test, raw_test) = common::split_keeping_raw(args.seed)?;
    let g = Graph::<f32>::default();
    let mut model = common::mlp(&g, &SIZES, args.seed)?;
    let description = model.to_string();

    let start = Instant::now();
    let history = common::train(&mut model, &train, args.seed, args.verbosity())?;
    let seconds = start.elapsed().as_secs_f64();
    let test_accuracy = common::accuracy(&mut model, &test)?;
    let epochs = history.epochs();
    plots::make_parent(&args.out)?;
    // The training loss falls over three decades: a log axis keeps its tail readable.
    history.plot_with(&args.out, &LossPlot::new().log_scale(true))?;
    let weights_png = args.out.with_file_name("digits_weights.png");
    let activations_png = args.out.with_file_name("digits_activations.png");
    model.draw_first_layer((8, 8), 64, &weights_png)?;
    // The model sees the standardized pixels; the picture shows the digit as it was written.
    let sample: Vec<f32> = test.row(0).iter().map(|&v| v as f32).collect();
    model.draw_activations_showing(&sample, raw_test.row(0), (8, 8), &activations_png)?;

    if args.json {
        println!(
            "{{\"test_accuracy\":{test_accuracy:.6},\"epochs\":{epochs},\"seconds\":{seconds:.3}}}"
        );
        return Ok(());
    }
    println!(
        "digits: {} training rows ({} of them held out for validation), {} test rows, 8×8 pixels",
        train.len(),
        (train.len() as f64 * 0.1).ceil(),
        test.len()
    );
    println!("model: {description}");
    println!(
        "loss: softmax cross-entropy; Adam lr {}, batches of {}, early stopping patience {}\n",
        common::LR,
        common::BATCH,
        common::PATIENCE
    );
    println!("epoch  loss     accuracy  val_loss  val_accuracy");
    let cols = ["loss", "accuracy", "val_loss", "val_accuracy"].map(|c| history.column(c));
    for e in 0..epochs {
        let v = |j: usize| cols[j].as_ref().map_or(f64::NAN, |c| c[e]);
        println!(
            "{:>5}  {:.4}   {:.4}    {:.4}    {:.4}",
            e + 1,
            v(0),
            v(1),
            v(2),
            v(3)
        );
    }
    match (history.stopped_epoch, history.best_epoch) {
        (Some(s), Some(b)) => println!(
            "early stopping after epoch {}; restored the weights of epoch {} (best val_loss)",
            s + 1,
            b + 1
        ),
        (None, Some(b)) => println!("ran all epochs; restored the weights of epoch {}", b + 1),
        _ => {}
    }
    println!(
        "\ntraining time: {seconds:.2} s ({:.1} ms per epoch)",
        seconds * 1e3 / epochs.max(1) as f64
    );
    println!("test accuracy {:.2}%\n", test_accuracy * 100.0);
    let predicted: Vec<usize> = predict_classes(&mut model, &test, Loss::CrossEntropy)?
        .into_iter()
        .map(|c| c as usize)
        .collect();
    let cm = ConfusionMatrix::new(&test.labels()?, &predicted, 10)?;
    println!("confusion matrix (rows: true digit, columns: predicted):\n{cm}\n");
    println!(
        "pictures: the loss curves, the first-layer weights, what test image 0 (a {}) activates",
        test.targets()[0]
    );
    for path in [&args.out, &weights_png, &activations_png] {
        plots::wrote(path);
    }
    Ok(())
}
