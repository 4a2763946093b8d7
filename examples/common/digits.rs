//! What the digits examples (`digits`, `quantize`, `distill`) share: their command line, the
//! stratified 75/25 split standardized on the training rows, and training a tensor MLP with
//! Adam and early stopping, so every example measures the same model on the same split.

#![allow(dead_code)] // each example uses its own part

use std::path::PathBuf;

use rand::{SeedableRng, rngs::StdRng};
use tapegrad::data::{self, Dataset, Standardizer};
use tapegrad::nn::Init;
use tapegrad::nn::optim::Adam;
use tapegrad::nn::scalar::Activation;
use tapegrad::nn::tensor::Mlp;
use tapegrad::nn::train::{
    EarlyStopping, FitOptions, History, Loss, Metric, Trainable, Validation, Verbosity, evaluate,
    fit,
};
use tapegrad::{Graph, Result};

/// Adam's learning rate, the batch size, the early-stopping patience and the most epochs.
pub const LR: f64 = 1e-3;
pub const BATCH: usize = 32;
pub const PATIENCE: usize = 10;
pub const MAX_EPOCHS: usize = 200;

/// `--json`, `--seed N`, `--verbose 0|1|2` (Keras' levels: silent, a progress bar, a line per
/// epoch; 1 unless `--json`) and `--out PATH` (what the example writes, or its default).
pub struct Args {
    pub json: bool,
    pub seed: u64,
    pub verbose: Option<Verbosity>,
    pub out: PathBuf,
}

impl Args {
    /// Parses the command line; a usage message and exit status 2 for anything else.
    pub fn parse(program: &str, default_out: PathBuf) -> Args {
        let usage = || -> ! {
            eprintln!("usage: {program} [--json] [--seed N] [--verbose 0|1|2] [--out PATH]");
            std::process::exit(2)
        };
        let mut args = Args {
            json: false,
            seed: 0,
            verbose: None,
            out: default_out,
        };
        let mut it = std::env::args().skip(1);
        while let Some(a) = it.next() {
            match a.as_str() {
                "--json" => args.json = true,
                "--seed" => {
                    args.seed = it
                        .next()
                        .and_then(|s| s.parse().ok())
                        .unwrap_or_else(|| usage())
                }
                "--verbose" => {
                    args.verbose = Some(match it.next().as_deref() {
                        Some("0") => Verbosity::Silent,
                        Some("1") => Verbosity::Bar,
                        Some("2") => Verbosity::Epochs,
                        _ => usage(),
                    })
                }
                "--out" => args.out = it.next().map(PathBuf::from).unwrap_or_else(|| usage()),
                _ => usage(),
            }
        }
        args
    }

    /// What `fit` prints: `--verbose`, else a bar unless the output is `--json`.
    pub fn verbosity(&self) -> Verbosity {
        match (self.verbose, self.json) {
            (Some(v), _) => v,
            (None, true) => Verbosity::Silent,
            (None, false) => Verbosity::Bar,
        }
    }
}

/// The digits split 75/25, stratified by class (seeded), with the pixels standardized by the
/// training rows' means and deviations.
pub fn split(seed: u64) -> Result<(Dataset, Dataset)> {
    let (train, test, _) = split_keeping_raw(seed)?;
    Ok((train, test))
}

/// [`split`], and the test rows' raw pixels (0 to 16, ink on paper) as well: the digit a
/// person would recognise, where the standardized pixels make a grey mosaic.
pub fn split_keeping_raw(seed: u64) -> Result<(Dataset, Dataset, Dataset)> {
    let digits = data::digits();
    let split = data::stratified_split(&digits.labels()?, 0.25, seed)?;
    let (mut train, raw_test) = (digits.select(&split.train), digits.select(&split.test));
    let mut test = raw_test.clone();
    let scaler = Standardizer::fit(&train);
    scaler.transform(&mut train)?;
    scaler.transform(&mut test)?;
    Ok((train, test, raw_test))
}

/// A tensor MLP of `sizes` (ReLU hidden layers, 10 logits, He initialization, f32).
pub fn mlp<'g>(g: &'g Graph<f32>, sizes: &[usize], seed: u64) -> Result<Mlp<'g, f32>> {
    let mut rng = StdRng::seed_from_u64(seed);
    Mlp::try_new(
        g,
        sizes,
        Activation::Relu,
        Activation::Linear,
        Init::HeUniform,
        &mut rng,
    )
}

/// The options every digits model trains with: softmax cross-entropy, Adam's mini-batches,
/// 10% of the training rows held out for early stopping (best weights restored).
pub fn options(seed: u64, verbosity: Verbosity) -> FitOptions {
    FitOptions::new(MAX_EPOCHS)
        .batch_size(BATCH)
        .seed(seed)
        .loss(Loss::CrossEntropy)
        .metrics(&[Metric::Accuracy])
        .validation(Validation::Split(0.1))
        .early_stopping(EarlyStopping::new(PATIENCE))
        .verbosity(verbosity)
}

/// Trains `model` on `train` with [`options`] and a fresh Adam.
pub fn train<M: Trainable<f32>>(
    model: &mut M,
    train: &Dataset,
    seed: u64,
    verbosity: Verbosity,
) -> Result<History> {
    fit(model, train, &mut Adam::new(LR), &options(seed, verbosity))
}

/// Test accuracy of `model` on `test`.
pub fn accuracy<M: Trainable<f32>>(model: &mut M, test: &Dataset) -> Result<f64> {
    let e = evaluate(model, test, Loss::CrossEntropy, &[Metric::Accuracy])?;
    Ok(e.get(Metric::Accuracy).unwrap_or(f64::NAN))
}
