//! [`FitOptions`] and the pieces it is made of.

use crate::builder::setters;
use crate::data::Dataset;
use crate::nn::schedule::{CosineLr, ExponentialLr, LinearLr, ReduceLrOnPlateau, Schedule, StepLr};

use super::{Loss, Metric};

/// Where [`fit`](super::fit) gets the data it reports `val_*` numbers on (and that early
/// stopping and reduce-on-plateau watch).
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Validation {
    /// No validation data.
    #[default]
    None,
    /// Hold out this fraction of the training rows, the **last** ⌈fraction·n⌉ rows in the data's
    /// order, before any shuffling (Keras' `validation_split`). Shuffle the data first if its
    /// order means something.
    Split(f64),
    /// Validate on this data set (Keras' `validation_data`).
    Data(Dataset),
}

/// Gradient clipping applied to every batch's gradients before the optimizer step (frozen
/// tensors excluded).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Clip {
    /// Rescale so the global Euclidean norm is at most this
    /// ([`clip_grad_norm`](crate::nn::clip::clip_grad_norm)).
    Norm(f64),
    /// Clamp every gradient into [−v, v] ([`clip_grad_value`](crate::nn::clip::clip_grad_value)).
    Value(f64),
}

/// A learning-rate schedule for [`fit`](super::fit), stepped once per epoch.
#[derive(Clone, Debug, PartialEq)]
pub enum LrSchedule {
    /// [`StepLr`], set before each epoch.
    Step(StepLr),
    /// [`ExponentialLr`], set before each epoch.
    Exponential(ExponentialLr),
    /// [`CosineLr`], set before each epoch.
    Cosine(CosineLr),
    /// [`LinearLr`], set before each epoch.
    Linear(LinearLr),
    /// [`ReduceLrOnPlateau`], fed the validation loss (the training loss without validation
    /// data) after each epoch; its starting rate is set before the first.
    Plateau(ReduceLrOnPlateau),
}

impl LrSchedule {
    /// The closed-form rate at `epoch`, `None` for reduce-on-plateau.
    pub(crate) fn closed_form(&self, epoch: usize) -> Option<f64> {
        match self {
            LrSchedule::Step(s) => Some(s.lr(epoch)),
            LrSchedule::Exponential(s) => Some(s.lr(epoch)),
            LrSchedule::Cosine(s) => Some(s.lr(epoch)),
            LrSchedule::Linear(s) => Some(s.lr(epoch)),
            LrSchedule::Plateau(_) => None,
        }
    }
}

/// Early stopping as Keras' `EarlyStopping` callback: watch the validation loss (the training
/// loss when there is no validation data); an epoch improves on the best so far when its loss is
/// below best − `min_delta`; training stops once `patience` epochs in a row have not improved.
/// With `restore_best_weights`, the parameters of the best epoch are put back at the end of
/// training (whether it stopped early or ran all its epochs).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EarlyStopping {
    /// Epochs without improvement tolerated before stopping (0 stops at the first one).
    pub patience: usize,
    /// The smallest decrease that counts as an improvement.
    pub min_delta: f64,
    /// Put back the best epoch's parameters at the end.
    pub restore_best_weights: bool,
}

impl EarlyStopping {
    /// Stop after `patience` epochs without improvement; `min_delta` 0, best weights restored.
    pub fn new(patience: usize) -> Self {
        EarlyStopping {
            patience,
            min_delta: 0.0,
            restore_best_weights: true,
        }
    }

    setters!(f64: min_delta);

    /// Turns restoring the best weights on or off.
    pub fn restore_best_weights(mut self, on: bool) -> Self {
        self.restore_best_weights = on;
        self
    }
}

/// What [`fit`](super::fit) tells about its progress, as Keras' `verbose=0 / 1 / 2`. It writes
/// on stderr, so a program's own output on stdout stays clean; [`fit_with_log`](super::fit_with_log)
/// writes to any `Write` instead.
///
/// Every printed loss and metric goes through [`format_metric`](super::format_metric) (four
/// significant digits: `0.6931`, `1.2e-5`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Verbosity {
    /// Nothing (Keras' `verbose=0`).
    Silent,
    /// One progress bar over the whole run, updated in place at most ten times a second: the
    /// epochs done as its position and the elapsed and remaining time on its first line, the
    /// latest epoch's losses and metrics on its second (Keras' `verbose=1`), on stderr. It is
    /// drawn only when stdout and stderr are both terminals (so a log file or a pipe gets
    /// nothing) and needs the `progress` feature: without the feature, or off a terminal, this
    /// is [`Silent`](Verbosity::Silent). Once training ends the bar
    /// stays, with a line saying where early stopping stopped.
    #[default]
    Bar,
    /// One line per epoch, terminal or not, with or without the `progress` feature (Keras'
    /// `verbose=2`): `epoch 3/10 - loss: 0.6931 - accuracy: 0.75 - lr: 0.001`, then a line
    /// saying where early stopping stopped and which epoch's weights it restored.
    Epochs,
}

/// Everything [`fit`](super::fit) does besides the model, the data and the optimizer.
///
/// The defaults: 10 epochs, batches of 32, shuffled with seed 0, MSE, no metric, no
/// validation, no schedule, no clipping, no early stopping, nothing frozen, a progress bar
/// ([`Verbosity::Bar`], drawn only when stdout and stderr are terminals).
///
/// ```
/// use tapegrad::nn::train::{EarlyStopping, FitOptions, Loss, Metric, Validation, Verbosity};
/// let opts = FitOptions::new(100)
///     .batch_size(16)
///     .loss(Loss::CrossEntropy)
///     .metrics(&[Metric::Accuracy])
///     .validation(Validation::Split(0.2))
///     .early_stopping(EarlyStopping::new(5))
///     .verbosity(Verbosity::Epochs);
/// assert_eq!((opts.epochs, opts.batch_size), (100, 16));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct FitOptions {
    /// The most epochs to run.
    pub epochs: usize,
    /// Rows per mini-batch (the last batch of an epoch may be smaller).
    pub batch_size: usize,
    /// Reshuffle the training rows every epoch.
    pub shuffle: bool,
    /// Seed of the shuffling (the same seed gives the same batches).
    pub seed: u64,
    /// The loss to minimise.
    pub loss: Loss,
    /// Metrics to report for the training and the validation data.
    pub metrics: Vec<Metric>,
    /// Validation data.
    pub validation: Validation,
    /// A learning-rate schedule.
    pub schedule: Option<LrSchedule>,
    /// Gradient clipping.
    pub clip: Option<Clip>,
    /// Early stopping.
    pub early_stopping: Option<EarlyStopping>,
    /// Tensors whose name starts with one of these prefixes are not updated (fine-tuning).
    pub frozen: Vec<String>,
    /// What to print while training: nothing, one progress bar, or a line per epoch.
    pub verbosity: Verbosity,
}

impl Default for FitOptions {
    fn default() -> Self {
        FitOptions {
            epochs: 10,
            batch_size: 32,
            shuffle: true,
            seed: 0,
            loss: Loss::Mse,
            metrics: Vec::new(),
            validation: Validation::None,
            schedule: None,
            clip: None,
            early_stopping: None,
            frozen: Vec::new(),
            verbosity: Verbosity::Bar,
        }
    }
}

impl FitOptions {
    /// The defaults with `epochs` epochs.
    pub fn new(epochs: usize) -> Self {
        FitOptions {
            epochs,
            ..Self::default()
        }
    }

    setters!(
        usize: batch_size; bool: shuffle; u64: seed;
        Loss: loss; Validation: validation; Verbosity: verbosity
    );

    /// Sets the metrics.
    pub fn metrics(mut self, metrics: &[Metric]) -> Self {
        self.metrics = metrics.to_vec();
        self
    }

    /// Sets a learning-rate schedule.
    pub fn schedule(mut self, schedule: LrSchedule) -> Self {
        self.schedule = Some(schedule);
        self
    }

    /// Sets gradient clipping.
    pub fn clip(mut self, clip: Clip) -> Self {
        self.clip = Some(clip);
        self
    }

    /// Sets early stopping.
    pub fn early_stopping(mut self, early_stopping: EarlyStopping) -> Self {
        self.early_stopping = Some(early_stopping);
        self
    }

    /// Freezes the tensors whose names start with `prefix` (e.g. `layers.0.`).
    pub fn freeze(mut self, prefix: impl Into<String>) -> Self {
        self.frozen.push(prefix.into());
        self
    }

    /// `true` is [`Verbosity::Bar`], `false` [`Verbosity::Silent`].
    #[deprecated(note = "use `.verbosity(Verbosity::Bar)` or `.verbosity(Verbosity::Silent)`")]
    pub fn progress(self, progress: bool) -> Self {
        self.verbosity(if progress {
            Verbosity::Bar
        } else {
            Verbosity::Silent
        })
    }

    pub(crate) fn is_frozen(&self, name: &str) -> bool {
        self.frozen.iter().any(|p| name.starts_with(p.as_str()))
    }
}
