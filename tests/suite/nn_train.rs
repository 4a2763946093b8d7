//! The training loop, early stopping, schedules, clipping, freezing, metrics and model
//! selection, on small problems with the scalar-neuron MLP.

use rand::{SeedableRng, rngs::StdRng};
use tapegrad::data::{Dataset, k_fold};
use tapegrad::nn::Init;
use tapegrad::nn::optim::{Adam, Optimizer, Sgd};
use tapegrad::nn::scalar::{Activation, Mlp};
use tapegrad::nn::schedule::{ReduceLrOnPlateau, StepLr};
use tapegrad::nn::train::{
    Clip, ConfusionMatrix, CvScore, EarlyStopping, FitOptions, Grid, Loss, LrSchedule, Metric,
    MlpModel, Trainable, Validation, Verbosity, accuracy, cross_validate, evaluate, fit, mse,
    predict, r2, search,
};
use tapegrad::{Error, Graph, data};

fn mlp<'g>(g: &'g Graph, sizes: &[usize], seed: u64) -> MlpModel<'g> {
    let mut rng = StdRng::seed_from_u64(seed);
    MlpModel::new(Mlp::new(
        g,
        sizes,
        Activation::Tanh,
        Activation::Linear,
        Init::XavierUniform,
        &mut rng,
    ))
}

/// y = 2x − 1 on 16 points of [−1, 1].
fn line() -> Dataset {
    let x: Vec<f64> = (0..16).map(|i| -1.0 + 2.0 * i as f64 / 15.0).collect();
    let y = x.iter().map(|v| 2.0 * v - 1.0).collect();
    Dataset::new(x, 1, y).unwrap()
}

#[test]
fn fit_reaches_a_loss_threshold_deterministically() {
    let run = || {
        let g = Graph::new();
        let mut model = mlp(&g, &[2, 6, 1], 3);
        let opts = FitOptions::new(150)
            .batch_size(2)
            .loss(Loss::BceWithLogits)
            .metrics(&[Metric::Accuracy])
            .seed(5)
            .verbosity(Verbosity::Silent);
        let h = fit(&mut model, &data::xor(), &mut Adam::new(0.05), &opts).unwrap();
        (h, model.flat_values())
    };
    let (h1, w1) = run();
    let (h2, w2) = run();
    assert_eq!(h1, h2, "same seed, same history");
    assert_eq!(w1, w2, "same seed, same weights");
    assert!(h1.last("loss").unwrap() < 0.05, "{:?}", h1.last("loss"));
    assert_eq!(h1.last("accuracy"), Some(1.0));
    assert_eq!(h1.epochs(), 150);
    assert_eq!(h1.names(), &["loss", "accuracy", "lr"]);
}

#[test]
fn a_different_shuffle_seed_gives_a_different_run() {
    let run = |seed| {
        let g = Graph::new();
        let mut model = mlp(&g, &[1, 4, 1], 0);
        let opts = FitOptions::new(3)
            .batch_size(4)
            .seed(seed)
            .verbosity(Verbosity::Silent);
        fit(&mut model, &line(), &mut Sgd::new(0.1), &opts).unwrap();
        model.flat_values()
    };
    assert_ne!(run(1), run(2));
}

#[test]
fn epoch_loss_is_the_mean_of_the_batch_losses_and_full_batch_matches_evaluate() {
    // One full batch, no shuffle, lr 0: the epoch loss is the loss of the initial model.
    let g = Graph::new();
    let mut model = mlp(&g, &[1, 3, 1], 9);
    let data = line();
    let before = evaluate(&mut model, &data, Loss::Mse, &[]).unwrap().loss;
    let opts = FitOptions::new(1)
        .batch_size(data.len())
        .shuffle(false)
        .verbosity(Verbosity::Silent);
    let h = fit(&mut model, &data, &mut Sgd::new(0.0), &opts).unwrap();
    assert!((h.last("loss").unwrap() - before).abs() < 1e-12);
}

#[test]
fn early_stopping_stops_after_patience_and_restores_the_best_weights() {
    // Train on y = 2x − 1, validate on the opposite line: training makes validation worse
    // almost from the start, so the best epoch is early and training stops `patience` later.
    let g = Graph::new();
    let mut model = mlp(&g, &[1, 4, 1], 1);
    let train = line();
    let mut val = line();
    for y in val.targets_mut() {
        *y = -*y;
    }
    let patience = 3;
    let opts = FitOptions::new(200)
        .batch_size(4)
        .validation(Validation::Data(val.clone()))
        .early_stopping(EarlyStopping::new(patience))
        .verbosity(Verbosity::Silent);
    let h = fit(&mut model, &train, &mut Adam::new(0.05), &opts).unwrap();
    let best = h.best_epoch.expect("a best epoch");
    let stopped = h.stopped_epoch.expect("stopped early");
    assert_eq!(
        stopped,
        best + patience,
        "Keras: stop after `patience` bad epochs"
    );
    assert_eq!(h.epochs(), stopped + 1);
    let val_loss = h.column("val_loss").unwrap();
    let min = val_loss.iter().copied().fold(f64::INFINITY, f64::min);
    assert_eq!(val_loss[best], min);
    assert!(val_loss[stopped] > val_loss[best]);
    // The model now has the best epoch's weights: its validation loss is that epoch's.
    let now = evaluate(&mut model, &val, Loss::Mse, &[]).unwrap().loss;
    assert_eq!(now, val_loss[best]);
}

#[test]
fn early_stopping_without_restore_keeps_the_last_weights() {
    let g = Graph::new();
    let mut model = mlp(&g, &[1, 4, 1], 1);
    let mut val = line();
    for y in val.targets_mut() {
        *y = -*y;
    }
    let opts = FitOptions::new(200)
        .batch_size(4)
        .validation(Validation::Data(val.clone()))
        .early_stopping(EarlyStopping::new(2).restore_best_weights(false))
        .verbosity(Verbosity::Silent);
    let h = fit(&mut model, &line(), &mut Adam::new(0.05), &opts).unwrap();
    let now = evaluate(&mut model, &val, Loss::Mse, &[]).unwrap().loss;
    assert_eq!(now, h.last("val_loss").unwrap());
    assert!(now > h.column("val_loss").unwrap()[h.best_epoch.unwrap()]);
}

#[test]
fn min_delta_counts_small_improvements_as_none() {
    // With lr 0 nothing changes: every epoch after the first fails to improve.
    let g = Graph::new();
    let mut model = mlp(&g, &[1, 2, 1], 0);
    let opts = FitOptions::new(50)
        .early_stopping(EarlyStopping::new(4).min_delta(1e-3))
        .verbosity(Verbosity::Silent);
    let h = fit(&mut model, &line(), &mut Sgd::new(0.0), &opts).unwrap();
    assert_eq!((h.best_epoch, h.stopped_epoch), (Some(0), Some(4)));
}

#[test]
fn validation_split_holds_out_the_last_rows() {
    let g = Graph::new();
    let mut model = mlp(&g, &[1, 2, 1], 0);
    let data = line();
    let opts = FitOptions::new(1)
        .validation(Validation::Split(0.25))
        .verbosity(Verbosity::Silent);
    let h = fit(&mut model, &data, &mut Sgd::new(0.0), &opts).unwrap();
    let last4 = data.select(&[12, 13, 14, 15]);
    let e = evaluate(&mut model, &last4, Loss::Mse, &[]).unwrap();
    assert_eq!(h.last("val_loss"), Some(e.loss));
    let bad = FitOptions::new(1)
        .validation(Validation::Split(1.0))
        .verbosity(Verbosity::Silent);
    let err = fit(&mut model, &data, &mut Sgd::new(0.0), &bad).unwrap_err();
    assert!(err.to_string().contains("validation split"), "{err}");
}

#[test]
fn step_schedule_sets_the_rate_of_each_epoch() {
    let g = Graph::new();
    let mut model = mlp(&g, &[1, 2, 1], 0);
    let opts = FitOptions::new(5)
        .schedule(LrSchedule::Step(StepLr::new(0.1, 2, 0.5)))
        .verbosity(Verbosity::Silent);
    let h = fit(&mut model, &line(), &mut Sgd::new(1.0), &opts).unwrap();
    assert_eq!(h.column("lr").unwrap(), vec![0.1, 0.1, 0.05, 0.05, 0.025]);
}

#[test]
fn reduce_on_plateau_is_fed_the_validation_loss() {
    // lr 0: the validation loss never improves after epoch 0; patience 1 → the rate drops by
    // the factor after two bad epochs (epochs 1 and 2), so epoch 3 runs at 0.5·lr.
    let g = Graph::new();
    let mut model = mlp(&g, &[1, 2, 1], 0);
    let plateau = ReduceLrOnPlateau::new(0.0).patience(1).factor(0.5);
    let opts = FitOptions::new(5)
        .validation(Validation::Data(line()))
        .schedule(LrSchedule::Plateau(plateau))
        .verbosity(Verbosity::Silent);
    let mut opt = Sgd::new(123.0);
    let h = fit(&mut model, &line(), &mut opt, &opts).unwrap();
    assert_eq!(h.column("lr").unwrap(), vec![0.0; 5]);

    // The same with a rate too small to improve the loss by the relative threshold 1e-4, so
    // the reduction is visible.
    let plateau = ReduceLrOnPlateau::new(1e-6).patience(1).factor(0.5);
    let opts = opts.schedule(LrSchedule::Plateau(plateau));
    let h = fit(&mut model, &line(), &mut opt, &opts).unwrap();
    assert_eq!(
        h.column("lr").unwrap(),
        vec![1e-6, 1e-6, 1e-6, 0.5e-6, 0.5e-6]
    );
    assert_eq!(opt.learning_rate(), 0.25e-6);
}

#[test]
fn clipping_by_value_bounds_each_sgd_step() {
    let g = Graph::new();
    let mut model = mlp(&g, &[1, 4, 1], 2);
    let before = model.flat_values();
    let opts = FitOptions::new(1)
        .batch_size(16)
        .clip(Clip::Value(1e-3))
        .verbosity(Verbosity::Silent);
    fit(&mut model, &line(), &mut Sgd::new(1.0), &opts).unwrap();
    for (a, b) in before.iter().zip(model.flat_values()) {
        assert!((a - b).abs() <= 1e-3 + 1e-15, "{a} → {b}");
    }
}

#[test]
fn clipping_by_norm_bounds_the_global_step() {
    let g = Graph::new();
    let mut model = mlp(&g, &[1, 4, 1], 2);
    let before = model.flat_values();
    let opts = FitOptions::new(1)
        .batch_size(16)
        .clip(Clip::Norm(0.01))
        .verbosity(Verbosity::Silent);
    fit(&mut model, &line(), &mut Sgd::new(1.0), &opts).unwrap();
    let step: f64 = before
        .iter()
        .zip(model.flat_values())
        .map(|(a, b)| (a - b) * (a - b))
        .sum::<f64>()
        .sqrt();
    assert!(step <= 0.01 && step > 0.009, "step norm {step}");
}

#[test]
fn frozen_tensors_do_not_change() {
    let g = Graph::new();
    let mut model = mlp(&g, &[1, 4, 1], 2);
    let first_layer = |m: &MlpModel| {
        let mut v = Vec::new();
        m.read_params(&mut |info, vals| {
            if info.name.starts_with("layers.0.") {
                v.extend_from_slice(vals);
            }
        });
        v
    };
    let before = model.flat_values();
    let frozen_before = first_layer(&model);
    let opts = FitOptions::new(5)
        .freeze("layers.0.")
        .verbosity(Verbosity::Silent);
    fit(&mut model, &line(), &mut Adam::new(0.01), &opts).unwrap();
    assert_eq!(first_layer(&model), frozen_before);
    assert_ne!(model.flat_values(), before, "the last layer trained");
}

#[test]
fn bad_inputs_are_clear_errors() {
    let g = Graph::new();
    let mut model = mlp(&g, &[2, 3, 1], 0);
    let err = fit(
        &mut model,
        &line(),
        &mut Sgd::new(0.1),
        &FitOptions::new(1).verbosity(Verbosity::Silent),
    )
    .unwrap_err();
    assert!(
        err.to_string()
            .contains("1 features per row, the model takes 2 inputs"),
        "{err}"
    );
    let err = fit(
        &mut model,
        &data::xor(),
        &mut Sgd::new(0.1),
        &FitOptions::new(1)
            .loss(Loss::CrossEntropy)
            .verbosity(Verbosity::Silent),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("cross_entropy needs at least 2"),
        "{err}"
    );
    let err = fit(
        &mut model,
        &data::xor(),
        &mut Sgd::new(0.1),
        &FitOptions::new(1)
            .batch_size(0)
            .verbosity(Verbosity::Silent),
    )
    .unwrap_err();
    assert!(matches!(err, Error::Invalid(_)), "{err}");
    // A diverging run is stopped with the epoch and batch named.
    let mut big = data::xor();
    for x in big.features_mut() {
        *x *= 1e200;
    }
    let err = fit(
        &mut model,
        &big,
        &mut Sgd::new(1e300),
        &FitOptions::new(3)
            .batch_size(4)
            .verbosity(Verbosity::Silent),
    )
    .unwrap_err();
    // The first step blows the weights up; the second epoch's loss is infinite.
    assert!(
        err.to_string()
            .contains("the training loss became inf in epoch 2 at batch 1"),
        "{err}"
    );
}

#[test]
fn metrics_match_hand_computed_values() {
    assert_eq!(
        accuracy(&[0.0, 1.0, 2.0, 1.0, 0.0], &[0.0, 1.0, 1.0, 1.0, 2.0]).unwrap(),
        0.6
    );
    // (0.5² + 0² + 1.5²)/3 = 2.5/3
    assert_eq!(mse(&[1.5, 2.0, 1.5], &[1.0, 2.0, 3.0]).unwrap(), 2.5 / 3.0);
    // ȳ = 2, SS_tot = 2, SS_res = 2.5: R² = 1 − 1.25
    assert_eq!(r2(&[1.5, 2.0, 1.5], &[1.0, 2.0, 3.0]).unwrap(), -0.25);
    assert_eq!(r2(&[2.0, 2.0, 2.0], &[1.0, 2.0, 3.0]).unwrap(), 0.0);
    assert_eq!(r2(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0]).unwrap(), 1.0);
    assert!(matches!(mse(&[1.0], &[1.0, 2.0]), Err(Error::Shape { .. })));
    assert!(accuracy(&[], &[]).is_err());

    let cm = ConfusionMatrix::new(&[0, 0, 1, 1, 1, 2], &[0, 1, 1, 1, 2, 2], 3).unwrap();
    let rows: Vec<Vec<usize>> = (0..3)
        .map(|t| (0..3).map(|p| cm.count(t, p)).collect())
        .collect();
    assert_eq!(rows, vec![vec![1, 1, 0], vec![0, 2, 1], vec![0, 0, 1]]);
    assert_eq!(cm.accuracy(), 4.0 / 6.0);
    assert_eq!(
        cm.to_string(),
        "true\\pred  0  1  2\n        0  1  1  0\n        1  0  2  1\n        2  0  0  1"
    );
    let err = ConfusionMatrix::new(&[0, 3], &[0, 0], 3).unwrap_err();
    assert!(err.to_string().contains("row 1 has class 3"), "{err}");
}

#[test]
fn loss_values_match_hand_computed_values_and_the_recorded_losses() {
    // BCE with logits: z = 0, y = 1 → ln 2; z = 2, y = 0 → 2 + ln(1 + e⁻²).
    let bce = Loss::BceWithLogits
        .value(&[0.0, 2.0], 1, &[1.0, 0.0])
        .unwrap();
    let want = (2f64.ln() + 2.0 + (-2f64).exp().ln_1p()) / 2.0;
    assert!((bce - want).abs() < 1e-15);
    // Hinge: s = 0.5, y = 1 → 0.5; s = −2, y = −1 → 0.
    assert_eq!(
        Loss::Hinge.value(&[0.5, -2.0], 1, &[1.0, -1.0]).unwrap(),
        0.25
    );
    assert_eq!(Loss::Mae.value(&[1.0, -3.0], 1, &[0.0, 1.0]).unwrap(), 2.5);
    // Cross-entropy: logits (1, 2, 3), class 2 → ln(e + e² + e³) − 3.
    let ce = Loss::CrossEntropy
        .value(&[1.0, 2.0, 3.0], 3, &[2.0])
        .unwrap();
    let want = (1f64.exp() + 2f64.exp() + 3f64.exp()).ln() - 3.0;
    assert!((ce - want).abs() < 1e-14);
    let err = Loss::CrossEntropy
        .value(&[1.0, 2.0], 2, &[2.0])
        .unwrap_err();
    assert!(
        err.to_string().contains("not a class index in 0..2"),
        "{err}"
    );

    // The plain value equals the loss recorded on the graph, for every loss.
    let g = Graph::new();
    let outputs = [0.3, -1.2, 2.5, 0.0];
    let cases: [(Loss, usize, Vec<f64>); 5] = [
        (Loss::Mse, 1, vec![1.0, 0.0, 2.0, -1.0]),
        (Loss::Mae, 1, vec![1.0, 0.0, 2.0, -1.0]),
        (Loss::BceWithLogits, 1, vec![1.0, 0.0, 1.0, 0.0]),
        (Loss::Hinge, 1, vec![1.0, -1.0, 1.0, -1.0]),
        (Loss::CrossEntropy, 2, vec![1.0, 0.0]),
    ];
    for (loss, k, y) in cases {
        let rows: Vec<Vec<_>> = outputs
            .chunks(k)
            .map(|r| r.iter().map(|&v| g.var(v)).collect())
            .collect();
        let recorded = loss.scalar(&rows, &y).unwrap().value();
        let plain = loss.value(&outputs, k, &y).unwrap();
        assert!(
            (recorded - plain).abs() < 1e-14,
            "{loss:?}: {recorded} vs {plain}"
        );
    }
}

#[test]
fn evaluate_and_predict_agree_with_the_model() {
    let g = Graph::new();
    let mut model = mlp(&g, &[2, 3, 2], 4);
    let xor = data::xor();
    let out = predict(&mut model, &xor).unwrap();
    assert_eq!(out.len(), 8);
    let direct = model.mlp().clone();
    use tapegrad::nn::scalar::Module;
    assert_eq!(&out[2..4], direct.predict(xor.row(1)).as_slice());
    let e = evaluate(&mut model, &xor, Loss::CrossEntropy, &[Metric::Accuracy]).unwrap();
    let classes: Vec<f64> = out
        .chunks(2)
        .map(|r| if r[1] > r[0] { 1.0 } else { 0.0 })
        .collect();
    assert_eq!(
        e.get(Metric::Accuracy),
        Some(accuracy(&classes, xor.targets()).unwrap())
    );
    assert_eq!(
        e.loss,
        Loss::CrossEntropy.value(&out, 2, xor.targets()).unwrap()
    );
}

#[test]
fn cross_validation_reports_mean_and_population_std() {
    // Targets 1..=6, 3 folds of 2 rows (in order); "model": predict the training mean; score:
    // the test rows' mean absolute error. Fold 0 tests {1, 2} with mean 4.5 → 3.0;
    // fold 1 tests {3, 4} with mean 3.5 → 0.5; fold 2 tests {5, 6} with mean 2.5 → 3.0.
    let data = Dataset::new(vec![0.0; 6], 1, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
    let folds = k_fold(6, 3, None).unwrap();
    let mut tested = Vec::new();
    let cv = cross_validate(&data, &folds, |train, test| {
        tested.extend_from_slice(test.targets());
        let m = train.targets().iter().sum::<f64>() / train.len() as f64;
        Ok(test.targets().iter().map(|y| (y - m).abs()).sum::<f64>() / test.len() as f64)
    })
    .unwrap();
    tested.sort_by(f64::total_cmp);
    assert_eq!(
        tested,
        vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        "each row tested once"
    );
    assert_eq!(cv.scores, vec![3.0, 0.5, 3.0]);
    assert!((cv.mean - 6.5 / 3.0).abs() < 1e-15);
    // Σ(s − m)² = 2·(5/6)² + (5/3)² = 50/12; /3 → 25/18
    assert!((cv.std - (25.0f64 / 18.0).sqrt()).abs() < 1e-15);
    assert_eq!(CvScore::new(vec![2.0, 2.0]).unwrap().std, 0.0);
    assert!(CvScore::new(vec![]).is_err());
}

#[test]
fn grid_search_with_real_training_prefers_the_setting_that_learns() {
    // lr 0 cannot learn the line; lr 0.1 can: the search must pick it by mean validation MSE.
    let data = line();
    let folds = k_fold(data.len(), 2, Some(0)).unwrap();
    let settings = Grid::new().axis("lr", &[0.0, 0.1]).settings();
    let report = search(&settings, &data, &folds, false, |s, train, test| {
        let g = Graph::new();
        let mut model = mlp(&g, &[1, 4, 1], 0);
        let opts = FitOptions::new(30)
            .batch_size(4)
            .verbosity(Verbosity::Silent);
        fit(&mut model, train, &mut Adam::new(s.get("lr")?), &opts)?;
        Ok(evaluate(&mut model, test, Loss::Mse, &[])?.loss)
    })
    .unwrap();
    assert_eq!(report.results.len(), 2);
    assert_eq!(report.best().0.get("lr").unwrap(), 0.1);
    assert!(report.results[1].1.mean < report.results[0].1.mean);
    assert!(report.to_string().lines().nth(1).unwrap().starts_with('*'));
    let err = report.best().0.get("momentum").unwrap_err();
    assert!(err.to_string().contains("(the setting has: lr)"), "{err}");
}

#[test]
fn history_columns_follow_keras_names_and_classes_follow_the_loss() {
    let g = Graph::new();
    let mut model = mlp(&g, &[2, 3, 2], 4);
    let xor = data::xor();
    let opts = FitOptions::new(2)
        .loss(Loss::CrossEntropy)
        .metrics(&[Metric::Accuracy, Metric::Mse])
        .validation(Validation::Data(xor.clone()))
        .verbosity(Verbosity::Silent);
    let h = fit(&mut model, &xor, &mut Sgd::new(0.1), &opts).unwrap();
    assert_eq!(
        h.names(),
        &[
            "loss",
            "accuracy",
            "mse",
            "val_loss",
            "val_accuracy",
            "val_mse",
            "lr"
        ]
    );
    assert_eq!(h.rows().len(), 2);
    let out = predict(&mut model, &xor).unwrap();
    let classes =
        tapegrad::nn::train::predict_classes(&mut model, &xor, Loss::CrossEntropy).unwrap();
    for (c, r) in classes.iter().zip(out.chunks(2)) {
        assert_eq!(*c, if r[1] > r[0] { 1.0 } else { 0.0 });
    }
    assert_eq!(Loss::Hinge.predicted_class(&[-0.1]), -1.0);
    assert_eq!(Loss::BceWithLogits.predicted_class(&[0.2]), 1.0);
    assert_eq!(Loss::Mse.predicted_class(&[0.4]), 0.0);
    let err = model.set_flat_values(&[1.0]).unwrap_err();
    assert!(matches!(err, Error::Shape { .. }), "{err}");
}
