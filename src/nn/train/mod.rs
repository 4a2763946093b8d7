//! Training: a Keras-style [`fit`] loop with validation, early stopping, learning-rate schedules,
//! gradient clipping, frozen tensors and Keras-like progress output ([`Verbosity`]); [`evaluate`] and [`predict`];
//! metrics; a [`History`] of every epoch; and model selection by K-fold cross-validation, grid
//! search and random search.
//!
//! The loop works on any [`Trainable`] model: something that computes a loss and its gradient on
//! a batch of rows and exposes its parameters as named tensors of flat values. [`MlpModel`]
//! makes the scalar-neuron [`Mlp`](crate::nn::scalar::Mlp) one.
//!
//! ```
//! use rand::{SeedableRng, rngs::StdRng};
//! use tapegrad::{Graph, data};
//! use tapegrad::nn::{Init, optim::Adam, scalar::{Activation, Mlp}};
//! use tapegrad::nn::train::{FitOptions, Loss, Metric, MlpModel, Verbosity, evaluate, fit};
//!
//! let xor = data::xor();
//! let g = Graph::new();
//! let mlp = Mlp::new(&g, &[2, 8, 1], Activation::Tanh, Activation::Linear,
//!                    Init::XavierUniform, &mut StdRng::seed_from_u64(1));
//! let mut model = MlpModel::new(mlp);
//! let opts = FitOptions::new(300).batch_size(4).loss(Loss::BceWithLogits)
//!     .verbosity(Verbosity::Silent);
//! let history = fit(&mut model, &xor, &mut Adam::new(0.05), &opts).unwrap();
//! assert!(history.last("loss").unwrap() < 0.1);
//! let e = evaluate(&mut model, &xor, Loss::BceWithLogits, &[Metric::Accuracy]).unwrap();
//! assert_eq!(e.get(Metric::Accuracy), Some(1.0));
//! ```

mod fit;
mod format;
mod history;
mod loss;
mod metrics;
mod mlp_model;
mod model;
mod options;
mod progress;
mod select;

pub use fit::{Evaluation, evaluate, fit, fit_with_log, predict, predict_classes};
pub use format::format_metric;
pub use history::History;
pub use loss::Loss;
pub(crate) use loss::label;
pub use metrics::{ConfusionMatrix, Metric, accuracy, mse, r2};
pub use mlp_model::MlpModel;
pub(crate) use model::batch_rows;
pub use model::{ParamMut, TensorInfo, Trainable};
pub use options::{Clip, EarlyStopping, FitOptions, LrSchedule, Validation, Verbosity};
pub use select::{CvScore, Dist, Grid, RandomSpace, SearchReport, Setting, cross_validate, search};
