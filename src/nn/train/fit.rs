//! [`fit`], [`evaluate`] and [`predict`]: the Keras-style training loop.

use std::borrow::Cow;

use crate::data::{Batches, Dataset};
use crate::error::{Error, Result};
use crate::nn::clip::clip_grad_value;
use crate::nn::optim::Optimizer;
use crate::real::Float;

use super::progress::{Ending, Progress, Sink};
use super::{Clip, FitOptions, History, Loss, LrSchedule, Metric, Trainable, Validation};

/// The loss and metrics of a model on one data set, from [`evaluate`].
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// The loss.
    pub loss: f64,
    /// Each requested metric with its value, in the order asked.
    pub metrics: Vec<(Metric, f64)>,
}

impl Evaluation {
    /// The value of `metric`, if it was computed.
    pub fn get(&self, metric: Metric) -> Option<f64> {
        self.metrics
            .iter()
            .find(|(m, _)| *m == metric)
            .map(|&(_, v)| v)
    }
}

/// Trains `model` on `data` with `opt` as `options` say, and returns the per-epoch
/// [`History`].
///
/// Each epoch: the learning rate is set from a closed-form [`LrSchedule`]; the training rows are
/// reshuffled (seeded) and cut into mini-batches; for each batch the model computes the loss and
/// its gradient, the gradient is clipped ([`Clip`]) and `opt` updates every tensor that is not
/// frozen. After the epoch the history gets `loss` (the mean of the batch losses over the epoch,
/// as Keras reports it), the metrics on the training rows with the end-of-epoch parameters, and
/// with validation data `val_loss` and the `val_` metrics, and `lr`. Reduce-on-plateau is then fed
/// `val_loss` (`loss` without validation data), and early stopping decides whether to go on.
///
/// While it trains it prints on stderr what [`FitOptions::verbosity`] asks: nothing, one
/// progress bar (on a terminal), or a line per epoch ([`fit_with_log`] writes them elsewhere).
///
/// The optimizer is borrowed, not owned, so its state carries over into a later `fit`.
/// Errors: a data set whose rows do not have the model's number of inputs, outputs that do not
/// suit the loss, a batch size of 0, a validation fraction outside (0, 1), a loss that becomes
/// NaN or infinite (named with its epoch and batch), and the model's and optimizer's own errors.
pub fn fit<T: Float, M: Trainable<T> + ?Sized>(
    model: &mut M,
    data: &Dataset,
    opt: &mut dyn Optimizer<T>,
    options: &FitOptions,
) -> Result<History> {
    train(model, data, opt, options, Sink::Stderr)
}

/// [`fit`], with its progress written to `log` instead of stderr. A writer is not a terminal,
/// so [`Verbosity::Epochs`](super::Verbosity::Epochs) writes its lines there and the other two
/// write nothing (as Keras' `verbose=1` draws no bar into a log file); an error writing `log`
/// stops training.
///
/// ```
/// use tapegrad::{Graph, data};
/// use tapegrad::nn::{Init, optim::Sgd, scalar::{Activation, Mlp}};
/// use tapegrad::nn::train::{FitOptions, Loss, MlpModel, Verbosity, fit_with_log};
///
/// let g = Graph::new();
/// let mlp = Mlp::new(&g, &[2, 1], Activation::Linear, Activation::Linear, Init::PyTorch, 0);
/// let mut model = MlpModel::new(mlp);
/// let opts = FitOptions::new(3).loss(Loss::BceWithLogits).verbosity(Verbosity::Epochs);
/// let mut log = Vec::new();
/// fit_with_log(&mut model, &data::xor(), &mut Sgd::new(0.1), &opts, &mut log).unwrap();
/// let log = String::from_utf8(log).unwrap();
/// assert_eq!(log.lines().count(), 3);
/// assert!(log.starts_with("epoch 1/3 - loss: "));
/// ```
pub fn fit_with_log<T: Float, M: Trainable<T> + ?Sized>(
    model: &mut M,
    data: &Dataset,
    opt: &mut dyn Optimizer<T>,
    options: &FitOptions,
    log: &mut dyn std::io::Write,
) -> Result<History> {
    train(model, data, opt, options, Sink::Writer(log))
}

/// The loop of [`fit`], reporting its progress to `sink`.
fn train<T: Float, M: Trainable<T> + ?Sized>(
    model: &mut M,
    data: &Dataset,
    opt: &mut dyn Optimizer<T>,
    options: &FitOptions,
    sink: Sink<'_>,
) -> Result<History> {
    check_data(model, data, "training")?;
    options.loss.check_outputs(model.n_outputs())?;
    let (train, val) = split_validation(data, &options.validation)?;
    if let Some(v) = &val {
        check_data(model, v, "validation")?;
    }
    let mut batches = Batches::new(
        train.len(),
        options.batch_size,
        options.shuffle.then_some(options.seed),
    )?;

    let mut names = vec!["loss".to_string()];
    names.extend(options.metrics.iter().map(|m| m.name().to_string()));
    if val.is_some() {
        names.push("val_loss".into());
        names.extend(options.metrics.iter().map(|m| format!("val_{}", m.name())));
    }
    names.push("lr".into());
    let mut history = History::new(names);

    let frozen: Vec<bool> = model
        .tensors()
        .iter()
        .map(|t| options.is_frozen(&t.name))
        .collect();
    let total = model.num_parameters();
    let mut plateau = match &options.schedule {
        Some(LrSchedule::Plateau(p)) => {
            opt.set_learning_rate(p.lr());
            Some(p.clone())
        }
        _ => None,
    };
    let mut stopper = options.early_stopping.map(Stopper::new);
    let mut progress = Progress::new(options.verbosity, sink, options.epochs);
    let (mut xb, mut yb) = (Vec::new(), Vec::new());

    for epoch in 0..options.epochs {
        if let Some(lr) = options.schedule.as_ref().and_then(|s| s.closed_form(epoch)) {
            opt.set_learning_rate(lr);
        }
        let lr = opt.learning_rate();
        let (mut loss_sum, mut seen) = (0.0, 0usize);
        for (b, rows) in batches.epoch().enumerate() {
            xb.clear();
            yb.clear();
            for &i in rows {
                xb.extend_from_slice(train.row(i));
                yb.push(train.targets()[i]);
            }
            let l = model.loss_and_grad(&xb, &yb, options.loss)?;
            if !l.is_finite() {
                return Err(Error::Invalid(format!(
                    "the training loss became {l} in epoch {} at batch {}; lower the learning \
                     rate or clip the gradients",
                    epoch + 1,
                    b + 1
                )));
            }
            loss_sum += l * rows.len() as f64;
            seen += rows.len();
            clip(model, options.clip, &frozen)?;
            opt.try_begin_step(total)?;
            model.update_params(&mut |p| {
                if frozen[p.index] {
                    Ok(())
                } else {
                    opt.try_update(p.offset, p.values, p.grads)
                }
            })?;
        }
        let train_loss = loss_sum / seen.max(1) as f64;
        let mut row = vec![train_loss];
        if !options.metrics.is_empty() {
            let e = evaluate(model, &train, options.loss, &options.metrics)?;
            row.extend(e.metrics.iter().map(|&(_, v)| v));
        }
        let mut monitored = train_loss;
        if let Some(v) = &val {
            let e = evaluate(model, v, options.loss, &options.metrics)?;
            monitored = e.loss;
            row.push(e.loss);
            row.extend(e.metrics.iter().map(|&(_, v)| v));
        }
        row.push(lr);
        progress.epoch(epoch, history.names(), &row)?;
        history.push(row)?;
        if let Some(p) = plateau.as_mut() {
            opt.set_learning_rate(p.step(monitored));
        }
        if let Some(s) = stopper.as_mut() {
            if s.observe(epoch, monitored, &*model) {
                history.stopped_epoch = Some(epoch);
                break;
            }
        }
    }
    if let Some(s) = stopper {
        history.best_epoch = s.best_epoch;
        if s.rule.restore_best_weights {
            if let Some(best) = s.best_weights {
                model.set_flat_values(&best)?;
                history.restored_epoch = s.best_epoch;
            }
        }
    }
    let monitored = if val.is_some() { "val_loss" } else { "loss" };
    progress.finish(&Ending {
        stopped: history.stopped_epoch,
        restored: history
            .restored_epoch
            .and_then(|b| Some((b, history.column(monitored)?[b]))),
        monitored,
    })?;
    Ok(history)
}

/// Early stopping's state.
struct Stopper<T> {
    rule: super::EarlyStopping,
    best: f64,
    best_epoch: Option<usize>,
    best_weights: Option<Vec<T>>,
    wait: usize,
}

impl<T: Float> Stopper<T> {
    fn new(rule: super::EarlyStopping) -> Self {
        Stopper {
            rule,
            best: f64::INFINITY,
            best_epoch: None,
            best_weights: None,
            wait: 0,
        }
    }

    /// Records an epoch's monitored loss; true when training should stop.
    fn observe<M: Trainable<T> + ?Sized>(&mut self, epoch: usize, value: f64, model: &M) -> bool {
        if value < self.best - self.rule.min_delta.abs() {
            self.best = value;
            self.best_epoch = Some(epoch);
            self.wait = 0;
            if self.rule.restore_best_weights {
                let weights = self.best_weights.get_or_insert_with(Vec::new);
                weights.clear();
                model.read_params(&mut |_, v| weights.extend_from_slice(v));
            }
            false
        } else {
            self.wait += 1;
            self.wait >= self.rule.patience
        }
    }
}

/// Clips the gradients of the tensors that are not frozen.
fn clip<T: Float, M: Trainable<T> + ?Sized>(
    model: &mut M,
    clip: Option<Clip>,
    frozen: &[bool],
) -> Result<()> {
    match clip {
        None => Ok(()),
        Some(Clip::Value(v)) => model.update_params(&mut |p| {
            if !frozen[p.index] {
                clip_grad_value(p.grads, v);
            }
            Ok(())
        }),
        Some(Clip::Norm(max_norm)) => {
            let mut sq = 0.0;
            model.update_params(&mut |p| {
                if !frozen[p.index] {
                    sq += p.grads.iter().map(|g| g.to_f64() * g.to_f64()).sum::<f64>();
                }
                Ok(())
            })?;
            let coef = max_norm / (sq.sqrt() + 1e-6);
            if coef >= 1.0 {
                return Ok(());
            }
            model.update_params(&mut |p| {
                if !frozen[p.index] {
                    // clip_grad_norm's rescaling, with the norm over all tensors.
                    for g in p.grads.iter_mut() {
                        *g = *g * T::from_f64(coef);
                    }
                }
                Ok(())
            })
        }
    }
}

fn check_data<T: Float, M: Trainable<T> + ?Sized>(
    model: &M,
    data: &Dataset,
    what: &str,
) -> Result<()> {
    if data.is_empty() {
        return Err(Error::Invalid(format!("the {what} data has no rows")));
    }
    if data.n_features() != model.n_inputs() {
        return Err(Error::Invalid(format!(
            "the {what} data has {} features per row, the model takes {} inputs",
            data.n_features(),
            model.n_inputs()
        )));
    }
    Ok(())
}

/// The training rows and the validation data.
fn split_validation<'a>(
    data: &'a Dataset,
    validation: &'a Validation,
) -> Result<(Cow<'a, Dataset>, Option<Cow<'a, Dataset>>)> {
    match validation {
        Validation::None => Ok((Cow::Borrowed(data), None)),
        Validation::Data(v) => Ok((Cow::Borrowed(data), Some(Cow::Borrowed(v)))),
        Validation::Split(f) => {
            let n = data.len();
            let n_val = (f * n as f64).ceil() as usize;
            if !(*f > 0.0 && *f < 1.0) || n_val == 0 || n_val >= n {
                return Err(Error::Invalid(format!(
                    "validation split {f} of {n} rows must be in (0, 1) and leave rows on both sides"
                )));
            }
            let train: Vec<usize> = (0..n - n_val).collect();
            let val: Vec<usize> = (n - n_val..n).collect();
            Ok((
                Cow::Owned(data.select(&train)),
                Some(Cow::Owned(data.select(&val))),
            ))
        }
    }
}

/// The model's outputs for every row of `data`, row-major (`n_outputs` per row), computed
/// without recording.
pub fn predict<T: Float, M: Trainable<T> + ?Sized>(
    model: &mut M,
    data: &Dataset,
) -> Result<Vec<f64>> {
    check_data(model, data, "prediction")?;
    let mut out = Vec::with_capacity(data.len() * model.n_outputs());
    model.predict_into(data.features(), &mut out)?;
    Ok(out)
}

/// The class each row of `data` is predicted to be, in the targets' coding (see
/// [`Loss::predicted_class`]).
pub fn predict_classes<T: Float, M: Trainable<T> + ?Sized>(
    model: &mut M,
    data: &Dataset,
    loss: Loss,
) -> Result<Vec<f64>> {
    let out = predict(model, data)?;
    let k = model.n_outputs();
    Ok(out
        .chunks_exact(k)
        .map(|r| loss.predicted_class(r))
        .collect())
}

/// The loss and the metrics of `model` on `data`, computed without recording.
pub fn evaluate<T: Float, M: Trainable<T> + ?Sized>(
    model: &mut M,
    data: &Dataset,
    loss: Loss,
    metrics: &[Metric],
) -> Result<Evaluation> {
    let out = predict(model, data)?;
    let k = model.n_outputs();
    let y = data.targets();
    let loss_value = loss.value(&out, k, y)?;
    let mut values = Vec::with_capacity(metrics.len());
    for &m in metrics {
        let v = match m {
            Metric::Accuracy => {
                let pred: Vec<f64> = out
                    .chunks_exact(k)
                    .map(|r| loss.predicted_class(r))
                    .collect();
                super::accuracy(&pred, y)?
            }
            Metric::Mse | Metric::R2 => {
                let first: Vec<f64> = out.chunks_exact(k).map(|r| r[0]).collect();
                if m == Metric::Mse {
                    super::mse(&first, y)?
                } else {
                    super::r2(&first, y)?
                }
            }
        };
        values.push((m, v));
    }
    Ok(Evaluation {
        loss: loss_value,
        metrics: values,
    })
}
