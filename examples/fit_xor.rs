//! XOR trained by `fit` for many short epochs: what each of Keras' verbosity levels prints.
//!
//! A 2-8-1 tanh network, BCE with logits, Adam (lr 0.05), the four points as one batch, 10,000
//! epochs of a few microseconds each, so drawing the progress could cost more than training.
//! `--verbose 1` (the default) draws one bar on stderr that updates in place, `--verbose 2`
//! prints a line per epoch, `--verbose 0` nothing; `--epochs N` changes the run's length. Run
//! with `cargo run --release --example fit_xor -- --verbose 1`.

use std::time::Instant;

use tapegrad::nn::Init;
use tapegrad::nn::optim::Adam;
use tapegrad::nn::scalar::{Activation, Mlp};
use tapegrad::nn::train::{FitOptions, Loss, MlpModel, Verbosity, fit, format_metric};
use tapegrad::{Graph, Result, data};

fn main() {
    let (mut epochs, mut verbosity) = (10_000, Verbosity::Bar);
    let usage = || -> ! {
        eprintln!("usage: fit_xor [--epochs N] [--verbose 0|1|2]");
        std::process::exit(2)
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--epochs" => {
                epochs = it
                    .next()
                    .and_then(|s| s.parse().ok())
                    .unwrap_or_else(|| usage())
            }
            "--verbose" => {
                verbosity = match it.next().as_deref() {
                    Some("0") => Verbosity::Silent,
                    Some("1") => Verbosity::Bar,
                    Some("2") => Verbosity::Epochs,
                    _ => usage(),
                }
            }
            _ => usage(),
        }
    }
    if let Err(e) = run(epochs, verbosity) {
        eprintln!("fit_xor: {e}");
        std::process::exit(1);
    }
}

fn run(epochs: usize, verbosity: Verbosity) -> Result<()> {
    let g = Graph::new();
    let mlp = Mlp::try_new(
        &g,
        &[2, 8, 1],
        Activation::Tanh,
        Activation::Linear,
        Init::XavierUniform,
        1,
    )?;
    let mut model = MlpModel::new(mlp);
    let options = FitOptions::new(epochs)
        .batch_size(4)
        .loss(Loss::BceWithLogits)
        .verbosity(verbosity);
    let start = Instant::now();
    let history = fit(&mut model, &data::xor(), &mut Adam::new(0.05), &options)?;
    println!(
        "final loss {} after {} epochs in {:.3} s",
        format_metric(history.last("loss").unwrap_or(f64::NAN)),
        history.epochs(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}
