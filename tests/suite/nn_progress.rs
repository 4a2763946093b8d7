//! What `fit` prints: the significant-digit formatter and the three verbosity levels, written
//! through `fit_with_log` so a test reads the exact output.

use tapegrad::Graph;
use tapegrad::data;
use tapegrad::nn::Init;
use tapegrad::nn::optim::Sgd;
use tapegrad::nn::scalar::{Activation, Mlp};
use tapegrad::nn::train::{
    EarlyStopping, FitOptions, Loss, Metric, MlpModel, Trainable, Validation, Verbosity,
    fit_with_log, format_metric,
};

#[test]
fn metrics_print_in_four_significant_digits() {
    // The expected strings are Python's `"%.4g" % v` with the exponent written as Rust writes
    // it (`1.2e-05` → `1.2e-5`, `1.235e+05` → `1.235e5`).
    let cases: [(f64, &str); 18] = [
        (std::f64::consts::LN_2, "0.6931"),
        (0.000012, "1.2e-5"),
        (0.75, "0.75"),
        (1.0, "1"),
        (0.0, "0"),
        (123456.0, "1.235e5"),
        (0.00099999, "0.001"), // rounds up to 1.000e-3, so fixed notation
        (0.0001234, "0.0001234"),
        (0.00012345, "0.0001234"),
        (9.99951, "10"),
        (-0.5, "-0.5"),
        (1e-300, "1e-300"),
        (2.5e-7, "2.5e-7"),
        (1234.5, "1234"), // a tie, to even
        (12345.0, "1.234e4"),
        (100.0, "100"),
        (f64::NAN, "nan"),
        (f64::NEG_INFINITY, "-inf"),
    ];
    for (v, want) in cases {
        assert_eq!(format_metric(v), want, "{v:e}");
    }
}

/// A 2-1 linear model with every parameter 0: its logit is 0 on every row, so its BCE is
/// ln 2 = 0.693147… and its accuracy on XOR ½, epoch after epoch when the learning rate is 0.
fn zero_model(g: &Graph) -> MlpModel<'_> {
    let mlp = Mlp::new(
        g,
        &[2, 1],
        Activation::Linear,
        Activation::Linear,
        Init::PyTorch,
        0,
    );
    let mut model = MlpModel::new(mlp);
    model.set_flat_values(&[0.0; 3]).unwrap();
    model
}

fn log_of(options: &FitOptions) -> String {
    let g = Graph::new();
    let mut model = zero_model(&g);
    let mut log = Vec::new();
    let xor = data::xor();
    fit_with_log(&mut model, &xor, &mut Sgd::new(0.0), options, &mut log).unwrap();
    String::from_utf8(log).unwrap()
}

fn options(verbosity: Verbosity) -> FitOptions {
    FitOptions::new(3)
        .batch_size(4)
        .loss(Loss::BceWithLogits)
        .metrics(&[Metric::Accuracy])
        .verbosity(verbosity)
}

#[test]
fn the_epochs_mode_prints_one_line_per_epoch() {
    assert_eq!(
        log_of(&options(Verbosity::Epochs)),
        "epoch 1/3 - loss: 0.6931 - accuracy: 0.5 - lr: 0\n\
         epoch 2/3 - loss: 0.6931 - accuracy: 0.5 - lr: 0\n\
         epoch 3/3 - loss: 0.6931 - accuracy: 0.5 - lr: 0\n"
    );
}

#[test]
fn the_epochs_mode_says_where_early_stopping_stopped() {
    let log = log_of(
        &FitOptions::new(10)
            .loss(Loss::BceWithLogits)
            .validation(Validation::Data(data::xor()))
            .early_stopping(EarlyStopping::new(1))
            .verbosity(Verbosity::Epochs),
    );
    // The loss never improves on epoch 1's, so patience 1 stops after epoch 2.
    assert_eq!(
        log,
        "epoch 1/10 - loss: 0.6931 - val_loss: 0.6931 - lr: 0\n\
         epoch 2/10 - loss: 0.6931 - val_loss: 0.6931 - lr: 0\n\
         early stopping after epoch 2; restored the weights of epoch 1 (val_loss 0.6931)\n"
    );
}

#[test]
fn silent_writes_nothing() {
    assert_eq!(log_of(&options(Verbosity::Silent)), "");
}

#[test]
fn the_bar_is_not_drawn_into_what_is_not_a_terminal() {
    assert_eq!(log_of(&options(Verbosity::Bar)), "");
}

#[test]
#[allow(deprecated)]
fn progress_bool_maps_to_a_verbosity() {
    assert_eq!(
        FitOptions::new(1).progress(false).verbosity,
        Verbosity::Silent
    );
    assert_eq!(FitOptions::new(1).progress(true).verbosity, Verbosity::Bar);
    assert_eq!(FitOptions::default().verbosity, Verbosity::Bar);
}
