//! Keras-style regression on the diabetes data: `fit`, `evaluate`, `predict`, next to linear
//! least squares.
//!
//! 442 patients, 10 baseline variables, target = disease progression one year later. An 80/20
//! split; features and target standardized on the training rows; an MLP 10-32-1 (ReLU) trained
//! with Adam (L2 weight decay 0.1) on the mean squared error, 20% of the training rows held out for early stopping.
//! The test MSE and R² are reported in the target's own units next to ordinary least squares
//! (the normal equations XᵀX·w = Xᵀy with an intercept, solved here by Gaussian elimination).
//! On this data both explain about half the variance (R² ≈ 0.5) and the network does not beat
//! the straight line: the relation is mostly linear and the noise is large, so extra capacity
//! only overfits (without the weight decay the MLP's R² drops to about 0.4).
//!
//! Writes the loss curves with the restored epoch marked (`plots/regression_loss.png`) and the
//! test patients' predictions against the truth (`plots/regression_predictions.png`), one line
//! `wrote FILE` each. Run with `cargo run --release --example regression` (`-- --json` prints
//! one line).

#[path = "common/plots.rs"]
mod plots;

use rand::{SeedableRng, rngs::StdRng};
use tapegrad::data::{self, Dataset, Standardizer};
use tapegrad::io::plot_predictions;
use tapegrad::nn::Init;
use tapegrad::nn::optim::Adam;
use tapegrad::nn::scalar::{Activation, Mlp};
use tapegrad::nn::train::{
    EarlyStopping, FitOptions, Loss, Metric, MlpModel, Validation, Verbosity, evaluate, fit, mse,
    predict, r2,
};
use tapegrad::{Error, Graph, Result};

const SEED: u64 = 0;

fn main() {
    if let Err(e) = run() {
        eprintln!("regression: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let json = std::env::args().any(|a| a == "--json");
    let diabetes = data::diabetes();
    let split = data::train_test_split(diabetes.len(), 0.2, SEED)?;
    let (mut train, mut test) = (diabetes.select(&split.train), diabetes.select(&split.test));
    let x_scaler = Standardizer::fit(&train);
    x_scaler.transform(&mut train)?;
    x_scaler.transform(&mut test)?;
    let y_scaler = Standardizer::fit_columns(train.targets(), 1);
    y_scaler.transform_columns(train.targets_mut(), 1)?;
    let test_y: Vec<f64> = test.targets().to_vec(); // original units
    y_scaler.transform_columns(test.targets_mut(), 1)?;

    // Linear least squares on the same standardized training rows.
    let w = least_squares(&train)?;
    let mut ls_pred: Vec<f64> = test
        .rows()
        .map(|r| w[0] + r.iter().zip(&w[1..]).map(|(x, b)| x * b).sum::<f64>())
        .collect();
    y_scaler.inverse_transform_columns(&mut ls_pred, 1)?;

    // The network.
    let g: Graph = Graph::with_capacity(20_000);
    let mlp = Mlp::try_new(
        &g,
        &[10, 32, 1],
        Activation::Relu,
        Activation::Linear,
        Init::HeUniform,
        &mut StdRng::seed_from_u64(SEED),
    )?;
    let description = mlp.to_string();
    let mut model = MlpModel::new(mlp);
    let options = FitOptions::new(300)
        .batch_size(16)
        .seed(SEED)
        .loss(Loss::Mse)
        .metrics(&[Metric::R2])
        .validation(Validation::Split(0.2))
        .early_stopping(EarlyStopping::new(15))
        .verbosity(if json {
            Verbosity::Silent
        } else {
            Verbosity::Bar
        });
    let history = fit(
        &mut model,
        &train,
        &mut Adam::new(3e-3).weight_decay(0.1),
        &options,
    )?;
    let scaled = evaluate(&mut model, &test, Loss::Mse, &[Metric::R2])?;
    let mut nn_pred = predict(&mut model, &test)?;
    y_scaler.inverse_transform_columns(&mut nn_pred, 1)?;

    let (nn_mse, nn_r2) = (mse(&nn_pred, &test_y)?, r2(&nn_pred, &test_y)?);
    let (ls_mse, ls_r2) = (mse(&ls_pred, &test_y)?, r2(&ls_pred, &test_y)?);
    let loss_png = plots::file("regression_loss.png")?;
    history.plot(&loss_png)?;
    let predictions_png = plots::file("regression_predictions.png")?;
    plot_predictions(
        &predictions_png,
        "diabetes test patients: predicted against true progression",
        &test_y,
        &[
            ("MLP 10-32-1", &nn_pred),
            ("linear least squares", &ls_pred),
        ],
    )?;
    if json {
        println!(
            "{{\"test_mse\":{nn_mse:.3},\"test_r2\":{nn_r2:.4},\"lstsq_mse\":{ls_mse:.3},\"lstsq_r2\":{ls_r2:.4},\"epochs\":{}}}",
            history.epochs()
        );
        return Ok(());
    }
    println!(
        "diabetes: {} patients, {} features; {} training rows, {} test rows",
        diabetes.len(),
        diabetes.n_features(),
        train.len(),
        test.len()
    );
    println!(
        "model: {description}; MSE on the standardized target, Adam lr 3e-3 with weight decay 0.1, batches of 16"
    );
    let (best, stopped) = (history.best_epoch, history.stopped_epoch);
    println!(
        "trained {} epochs{}; best val_loss {:.4} at epoch {}",
        history.epochs(),
        if stopped.is_some() {
            " (early stopping)"
        } else {
            ""
        },
        best.and_then(|b| history.column("val_loss").map(|c| c[b]))
            .unwrap_or(f64::NAN),
        best.map_or(0, |b| b + 1)
    );
    println!(
        "evaluate() on the test rows (standardized target): loss {:.4}, R² {:.4}\n",
        scaled.loss,
        scaled.get(Metric::R2).unwrap_or(f64::NAN)
    );
    println!("test set, target in its own units:");
    println!("  model                    MSE        R²");
    println!("  MLP 10-32-1          {nn_mse:>9.1}   {nn_r2:.4}");
    println!("  linear least squares {ls_mse:>9.1}   {ls_r2:.4}");
    println!("\nfirst five test patients: target, MLP, least squares");
    for i in 0..5 {
        println!(
            "  {:>6.1}  {:>7.1}  {:>7.1}",
            test_y[i], nn_pred[i], ls_pred[i]
        );
    }
    println!();
    plots::wrote(&loss_png);
    plots::wrote(&predictions_png);
    Ok(())
}

/// Ordinary least squares with an intercept: solves (AᵀA)·w = Aᵀy for A = [1 | X] by Gaussian
/// elimination with partial pivoting. Returns [intercept, coefficients…].
fn least_squares(data: &Dataset) -> Result<Vec<f64>> {
    let p = data.n_features() + 1;
    let mut a = vec![0.0; p * p];
    let mut b = vec![0.0; p];
    for (row, &y) in data.rows().zip(data.targets()) {
        let x: Vec<f64> = std::iter::once(1.0).chain(row.iter().copied()).collect();
        for i in 0..p {
            b[i] += x[i] * y;
            for j in 0..p {
                a[i * p + j] += x[i] * x[j];
            }
        }
    }
    for col in 0..p {
        let pivot = (col..p)
            .max_by(|&i, &j| a[i * p + col].abs().total_cmp(&a[j * p + col].abs()))
            .unwrap_or(col);
        if a[pivot * p + col].abs() < 1e-12 {
            return Err(Error::Invalid("the normal equations are singular".into()));
        }
        for j in 0..p {
            a.swap(col * p + j, pivot * p + j);
        }
        b.swap(col, pivot);
        for i in col + 1..p {
            let f = a[i * p + col] / a[col * p + col];
            for j in col..p {
                a[i * p + j] -= f * a[col * p + j];
            }
            b[i] -= f * b[col];
        }
    }
    let mut w = vec![0.0; p];
    for i in (0..p).rev() {
        let s: f64 = (i + 1..p).map(|j| a[i * p + j] * w[j]).sum();
        w[i] = (b[i] - s) / a[i * p + i];
    }
    Ok(w)
}
