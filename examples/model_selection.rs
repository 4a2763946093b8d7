//! Model selection on iris: stratified 5-fold cross-validation, a grid search and a random
//! search over hyperparameters, each setting reported as mean ± standard deviation of the
//! validation accuracy over the folds.
//!
//! For each setting and fold a fresh MLP 4-h-3 (tanh) is trained with Adam on softmax
//! cross-entropy for 60 epochs, its features standardized on the fold's training rows only.
//! The grid tries hidden sizes {2, 8} × learning rates {0.001, 0.01, 0.05}; the random search
//! draws 6 settings with a log-uniform learning rate in [10⁻³, 10⁻¹] and a hidden size in 2..=16.
//! Writes each search's fold scores, mean and standard deviation per setting
//! (`plots/model_selection_grid.png`, `plots/model_selection_random.png`), one line
//! `wrote FILE` each. Run with `cargo run --release --example model_selection` (`-- --json`
//! prints the best setting of each search as one line).

#[path = "common/plots.rs"]
mod plots;

use rand::{SeedableRng, rngs::StdRng};
use tapegrad::data::{self, Dataset, Standardizer};
use tapegrad::nn::Init;
use tapegrad::nn::optim::Adam;
use tapegrad::nn::scalar::{Activation, Mlp};
use tapegrad::nn::train::{
    Dist, FitOptions, Grid, Loss, Metric, MlpModel, RandomSpace, SearchReport, Setting, Verbosity,
    evaluate, fit, search,
};
use tapegrad::{Graph, Result};

const SEED: u64 = 0;
const FOLDS: usize = 5;

fn main() {
    if let Err(e) = run() {
        eprintln!("model_selection: {e}");
        std::process::exit(1);
    }
}

/// Trains one setting on `train` and returns its accuracy on `test`.
fn score(setting: &Setting, train: &Dataset, test: &Dataset) -> Result<f64> {
    let (mut train, mut test) = (train.clone(), test.clone());
    let scaler = Standardizer::fit(&train);
    scaler.transform(&mut train)?;
    scaler.transform(&mut test)?;
    let hidden = setting.get("hidden")? as usize;
    let g: Graph = Graph::new();
    let mlp = Mlp::try_new(
        &g,
        &[4, hidden, 3],
        Activation::Tanh,
        Activation::Linear,
        Init::XavierUniform,
        &mut StdRng::seed_from_u64(SEED),
    )?;
    let mut model = MlpModel::new(mlp);
    let options = FitOptions::new(60)
        .batch_size(16)
        .seed(SEED)
        .loss(Loss::CrossEntropy)
        .verbosity(Verbosity::Silent);
    fit(
        &mut model,
        &train,
        &mut Adam::new(setting.get("lr")?),
        &options,
    )?;
    let e = evaluate(&mut model, &test, Loss::CrossEntropy, &[Metric::Accuracy])?;
    Ok(e.get(Metric::Accuracy).unwrap_or(0.0))
}

fn run() -> Result<()> {
    let json = std::env::args().any(|a| a == "--json");
    let iris = data::iris();
    let folds = data::stratified_k_fold(&iris.labels()?, FOLDS, Some(SEED))?;

    let grid = Grid::new()
        .axis("hidden", &[2.0, 8.0])
        .axis("lr", &[0.001, 0.01, 0.05]);
    let grid_report = search(&grid.settings(), &iris, &folds, true, score)?;

    let space = RandomSpace::new()
        .param("lr", Dist::LogUniform(1e-3, 1e-1))
        .param("hidden", Dist::Int(2, 16));
    let random_report = search(&space.sample(6, SEED)?, &iris, &folds, true, score)?;
    let grid_png = plots::file("model_selection_grid.png")?;
    grid_report.plot(&grid_png, "validation accuracy")?;
    let random_png = plots::file("model_selection_random.png")?;
    random_report.plot(&random_png, "validation accuracy")?;

    if json {
        let best = |r: &SearchReport| {
            let (s, cv) = r.best();
            format!(
                "{{\"setting\":\"{s}\",\"mean\":{:.4},\"std\":{:.4}}}",
                cv.mean, cv.std
            )
        };
        println!(
            "{{\"grid\":{},\"random\":{}}}",
            best(&grid_report),
            best(&random_report)
        );
        return Ok(());
    }
    println!(
        "iris: {} flowers, {} features, 3 classes; stratified {FOLDS}-fold cross-validation",
        iris.len(),
        iris.n_features()
    );
    println!(
        "each fold: MLP 4-h-3 (tanh), Adam, softmax cross-entropy, 60 epochs, batches of 16\n"
    );
    println!("grid search (validation accuracy, mean ± std over the folds; * = best):");
    print!("{grid_report}");
    println!("\nrandom search, 6 draws (lr log-uniform in [0.001, 0.1], hidden in 2..=16):");
    print!("{random_report}");
    let (s, cv) = grid_report.best();
    println!(
        "\nbest grid setting: {s} with {cv}; its fold scores: {:?}",
        cv.scores
            .iter()
            .map(|v| (v * 1000.0).round() / 1000.0)
            .collect::<Vec<_>>()
    );
    println!();
    plots::wrote(&grid_png);
    plots::wrote(&random_png);
    Ok(())
}
