//! [`Loss`]: the training loss chosen by name, evaluated on recorded outputs or plain numbers.

use crate::error::{Error, Result};
use crate::nn::scalar::loss as scalar_loss;
use crate::real::Float;
use crate::scalar::Var;
use crate::tensor::Tensor;

/// Which loss [`fit`](super::fit) minimises. Each is the mean over the rows of a per-row loss,
/// the same formulas as [`nn::scalar::loss`](crate::nn::scalar::loss):
///
/// | variant | outputs per row | target | per-row loss |
/// |---|---|---|---|
/// | [`Mse`](Loss::Mse) | 1 | a value y | (p − y)² |
/// | [`Mae`](Loss::Mae) | 1 | a value y | \|p − y\| |
/// | [`BceWithLogits`](Loss::BceWithLogits) | 1 logit z | 0 or 1 | max(z, 0) − z·y + ln(1 + e^(−\|z\|)) |
/// | [`Hinge`](Loss::Hinge) | 1 score s | −1 or +1 | max(0, 1 − y·s) |
/// | [`CrossEntropy`](Loss::CrossEntropy) | k logits z | a class c in 0..k | logsumexp(z) − z_c |
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Loss {
    /// Mean squared error (regression).
    #[default]
    Mse,
    /// Mean absolute error (regression).
    Mae,
    /// Binary cross-entropy on a logit (PyTorch's `BCEWithLogitsLoss`), targets 0/1.
    BceWithLogits,
    /// Hinge loss on a score, targets ±1.
    Hinge,
    /// Softmax cross-entropy on logits (PyTorch's `CrossEntropyLoss`), targets class indices.
    CrossEntropy,
}

impl Loss {
    /// A short name: `mse`, `mae`, `bce_with_logits`, `hinge`, `cross_entropy`.
    pub fn name(self) -> &'static str {
        match self {
            Loss::Mse => "mse",
            Loss::Mae => "mae",
            Loss::BceWithLogits => "bce_with_logits",
            Loss::Hinge => "hinge",
            Loss::CrossEntropy => "cross_entropy",
        }
    }

    /// True for the losses of classifiers (accuracy and confusion matrices make sense).
    pub fn is_classification(self) -> bool {
        matches!(self, Loss::BceWithLogits | Loss::Hinge | Loss::CrossEntropy)
    }

    /// Checks that `n_outputs` outputs per row suit this loss.
    pub fn check_outputs(self, n_outputs: usize) -> Result<()> {
        let ok = match self {
            Loss::CrossEntropy => n_outputs >= 2,
            _ => n_outputs == 1,
        };
        if ok {
            Ok(())
        } else {
            Err(Error::Invalid(format!(
                "loss {} needs {} output(s) per row, the model has {n_outputs}",
                self.name(),
                if self == Loss::CrossEntropy {
                    "at least 2"
                } else {
                    "exactly 1"
                }
            )))
        }
    }

    /// The loss recorded on a graph from each row's outputs (`outputs[i]` for row i) and the
    /// targets; its [`backward`](crate::Graph::backward) gives ∂loss/∂outputs.
    pub fn scalar<'g, T: Float>(
        self,
        outputs: &[Vec<Var<'g, T>>],
        targets: &[f64],
    ) -> Result<Var<'g, T>> {
        if outputs.len() != targets.len() {
            return Err(Error::Shape {
                op: "loss",
                lhs: vec![outputs.len()],
                rhs: vec![targets.len()],
            });
        }
        if self == Loss::CrossEntropy {
            let labels = labels(targets)?;
            return scalar_loss::try_softmax_cross_entropy(outputs, &labels);
        }
        let first: Vec<Var<'g, T>> = outputs
            .iter()
            .map(|row| {
                row.first()
                    .copied()
                    .ok_or_else(|| Error::Invalid("a row without outputs".into()))
            })
            .collect::<Result<_>>()?;
        let y: Vec<T> = targets.iter().map(|&t| T::from_f64(t)).collect();
        match self {
            Loss::Mse => scalar_loss::try_mse(&first, &y),
            Loss::Mae => scalar_loss::try_mae(&first, &y),
            Loss::BceWithLogits => scalar_loss::try_bce_with_logits(&first, &y),
            Loss::Hinge => scalar_loss::try_hinge(&first, &y),
            Loss::CrossEntropy => unreachable!("handled above"),
        }
    }

    /// The loss recorded on a graph from a batch of outputs `[rows, n_outputs]` (a tensor
    /// model's forward pass) and one target per row: the same formulas as
    /// [`scalar`](Loss::scalar), written with tensor ops. Cross-entropy is the fused, stable
    /// `−mean(log_softmax(z)[label])`; binary cross-entropy uses `max(z, 0)` (a tie at 0 splits,
    /// so ∂ℓ/∂z = σ(0) − y there as in the scalar form).
    ///
    /// ```
    /// use tapegrad::Graph;
    /// use tapegrad::nn::train::Loss;
    /// let g = Graph::new();
    /// let z = g.tensor(&[1.0, 3.0], &[2, 1]);
    /// let l = Loss::Mse.try_tensor(z, &[0.0, 1.0]).unwrap();
    /// assert_eq!(l.value(), 2.5);
    /// assert_eq!(g.backward(l).tensor(z), &[1.0, 2.0]); // 2(p − y)/n
    /// ```
    pub fn try_tensor<'g, T: Float>(
        self,
        outputs: Tensor<'g, T>,
        targets: &[f64],
    ) -> Result<Var<'g, T>> {
        let s = self.check_batch_shape(outputs, targets.len())?;
        if self == Loss::CrossEntropy {
            let labels = targets
                .iter()
                .map(|&y| label(y, s[1]))
                .collect::<Result<Vec<_>>>()?;
            return crate::nn::functional::try_cross_entropy(outputs, &labels);
        }
        let g = outputs.graph();
        let y: Vec<T> = targets.iter().map(|&t| T::from_f64(t)).collect();
        let y = g.try_tensor_const(&y, &s)?;
        let terms = match self {
            Loss::Mse => outputs.try_sub(y)?.try_powi(2)?,
            Loss::Mae => outputs.try_sub(y)?.try_abs()?,
            Loss::BceWithLogits => {
                let zero = g.constant(T::ZERO).as_tensor();
                let one = g.constant(T::ONE).as_tensor();
                let softplus = outputs
                    .try_abs()?
                    .try_neg()?
                    .try_exp()?
                    .try_add(one)?
                    .try_ln()?;
                outputs
                    .try_maximum(zero)?
                    .try_sub(outputs.try_mul(y)?)?
                    .try_add(softplus)?
            }
            Loss::Hinge => {
                let one = g.constant(T::ONE).as_tensor();
                one.try_sub(y.try_mul(outputs)?)?.try_relu()?
            }
            Loss::CrossEntropy => unreachable!("handled above"),
        };
        terms.try_mean()
    }

    /// [`try_tensor`](Loss::try_tensor) with class labels as `usize`, the crate's one label
    /// type (as [`Dataset::labels`](crate::data::Dataset::labels),
    /// [`take_along_axis`](crate::Tensor::take_along_axis) and
    /// [`nn::functional::cross_entropy`](crate::nn::functional::cross_entropy) take them): for
    /// [`CrossEntropy`](Loss::CrossEntropy) (a class in `0..n_outputs`) and
    /// [`BceWithLogits`](Loss::BceWithLogits) (class 0 or 1). The regression losses and
    /// [`Hinge`](Loss::Hinge) (±1) take values: an error here.
    ///
    /// ```
    /// use tapegrad::Graph;
    /// use tapegrad::nn::train::Loss;
    /// let g = Graph::new();
    /// let z = g.tensor(&[0.0, 0.0, 0.0, 0.0], &[2, 2]);
    /// let l = Loss::CrossEntropy.try_labels(z, &[1, 0]).unwrap();
    /// assert!((l.value() - 2f64.ln()).abs() < 1e-15);
    /// ```
    pub fn try_labels<'g, T: Float>(
        self,
        outputs: Tensor<'g, T>,
        labels: &[usize],
    ) -> Result<Var<'g, T>> {
        match self {
            Loss::CrossEntropy => {
                self.check_batch_shape(outputs, labels.len())?;
                crate::nn::functional::try_cross_entropy(outputs, labels)
            }
            Loss::BceWithLogits => {
                crate::tensor::check_labels("loss", labels, 2)?;
                let y: Vec<f64> = labels.iter().map(|&l| l as f64).collect();
                self.try_tensor(outputs, &y)
            }
            _ => Err(Error::Invalid(format!(
                "loss {} takes target values, not class labels; use try_tensor",
                self.name()
            ))),
        }
    }

    /// The shape of `outputs` if it is `[rows, outputs]` with `rows` the number of targets
    /// (`n`, at least one) and a number of outputs this loss takes; else the error.
    fn check_batch_shape<T: Float>(self, outputs: Tensor<'_, T>, n: usize) -> Result<Vec<usize>> {
        let s = outputs.try_shape()?;
        if s.len() != 2 || s[0] != n || n == 0 {
            return Err(Error::Shape {
                op: "loss",
                lhs: s,
                rhs: vec![n],
            });
        }
        self.check_outputs(s[1])?;
        Ok(s)
    }

    /// The loss of plain outputs (`n_outputs` per row, row-major) against the targets: the same
    /// number [`scalar`](Loss::scalar) records, computed in `f64`.
    ///
    /// ```
    /// use tapegrad::nn::train::Loss;
    /// assert_eq!(Loss::Mse.value(&[1.0, 3.0], 1, &[0.0, 1.0]).unwrap(), 2.5);
    /// let ce = Loss::CrossEntropy.value(&[0.0, 0.0], 2, &[1.0]).unwrap();
    /// assert!((ce - 2f64.ln()).abs() < 1e-15);
    /// ```
    pub fn value(self, outputs: &[f64], n_outputs: usize, targets: &[f64]) -> Result<f64> {
        self.check_outputs(n_outputs)?;
        if outputs.len() != n_outputs * targets.len() || targets.is_empty() {
            return Err(Error::Shape {
                op: "loss",
                lhs: vec![outputs.len()],
                rhs: vec![targets.len(), n_outputs],
            });
        }
        let rows = outputs.chunks_exact(n_outputs).zip(targets);
        let total: f64 = match self {
            Loss::Mse => rows.map(|(p, y)| (p[0] - y) * (p[0] - y)).sum(),
            Loss::Mae => rows.map(|(p, y)| (p[0] - y).abs()).sum(),
            Loss::BceWithLogits => rows
                .map(|(z, y)| z[0].max(0.0) - z[0] * y + (-z[0].abs()).exp().ln_1p())
                .sum(),
            Loss::Hinge => rows.map(|(s, y)| (1.0 - s[0] * y).max(0.0)).sum(),
            Loss::CrossEntropy => {
                let mut total = 0.0;
                for (z, &y) in rows {
                    let c = label(y, n_outputs)?;
                    total += logsumexp(z) - z[c];
                }
                total
            }
        };
        Ok(total / targets.len() as f64)
    }

    /// The class a row's outputs predict, in the targets' coding: the arg-max logit for
    /// [`CrossEntropy`](Loss::CrossEntropy), 1 or 0 by the logit's sign for
    /// [`BceWithLogits`](Loss::BceWithLogits), +1 or −1 by the score's sign for
    /// [`Hinge`](Loss::Hinge), and for the regression losses the nearest integer (so 0/1
    /// targets fitted by MSE are classified at 0.5).
    pub fn predicted_class(self, outputs: &[f64]) -> f64 {
        match self {
            Loss::CrossEntropy => argmax(outputs) as f64,
            Loss::BceWithLogits => f64::from(u8::from(outputs[0] > 0.0)),
            Loss::Hinge => {
                if outputs[0] > 0.0 {
                    1.0
                } else {
                    -1.0
                }
            }
            Loss::Mse | Loss::Mae => outputs[0].round(),
        }
    }
}

/// The index of the largest value (the first of ties); 0 for an empty slice.
pub(crate) fn argmax(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}

fn logsumexp(z: &[f64]) -> f64 {
    let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let m = if m.is_finite() { m } else { 0.0 };
    m + z.iter().map(|&v| (v - m).exp()).sum::<f64>().ln()
}

/// `y` as a class index in `0..n_classes`, or an error naming it.
pub(crate) fn label(y: f64, n_classes: usize) -> Result<usize> {
    if y >= 0.0 && y.fract() == 0.0 && (y as usize) < n_classes {
        Ok(y as usize)
    } else {
        Err(Error::Invalid(format!(
            "target {y} is not a class index in 0..{n_classes}"
        )))
    }
}

fn labels(targets: &[f64]) -> Result<Vec<usize>> {
    targets.iter().map(|&y| label(y, usize::MAX)).collect()
}
