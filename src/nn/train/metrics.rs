//! Metrics on plain predictions: accuracy, confusion matrix, mean squared error, R².

use std::fmt;

use crate::error::{Error, Result};

/// A metric [`fit`](super::fit) and [`evaluate`](super::evaluate) report besides the loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metric {
    /// The fraction of rows whose predicted class
    /// ([`Loss::predicted_class`](super::Loss::predicted_class)) equals the target.
    Accuracy,
    /// Mean squared error of the first output against the target.
    Mse,
    /// Coefficient of determination R² of the first output against the target.
    R2,
}

impl Metric {
    /// The column name in a [`History`](super::History): `accuracy`, `mse`, `r2`.
    pub fn name(self) -> &'static str {
        match self {
            Metric::Accuracy => "accuracy",
            Metric::Mse => "mse",
            Metric::R2 => "r2",
        }
    }

    /// True when a larger value is better.
    pub fn higher_is_better(self) -> bool {
        !matches!(self, Metric::Mse)
    }
}

fn same_len(op: &'static str, a: usize, b: usize) -> Result<()> {
    if a != b || a == 0 {
        return Err(Error::Shape {
            op,
            lhs: vec![a],
            rhs: vec![b],
        });
    }
    Ok(())
}

/// The fraction of positions where `predicted` equals `target`; [`Error::Shape`] for empty or
/// mismatched inputs.
///
/// ```
/// use tapegrad::nn::train::accuracy;
/// assert_eq!(accuracy(&[1.0, 0.0, 2.0, 2.0], &[1.0, 1.0, 2.0, 0.0]).unwrap(), 0.5);
/// ```
pub fn accuracy(predicted: &[f64], target: &[f64]) -> Result<f64> {
    same_len("accuracy", predicted.len(), target.len())?;
    let hits = predicted.iter().zip(target).filter(|(p, t)| p == t).count();
    Ok(hits as f64 / target.len() as f64)
}

/// Mean squared error (1/n)·Σ (pᵢ − yᵢ)².
///
/// ```
/// use tapegrad::nn::train::mse;
/// assert_eq!(mse(&[1.0, 3.0], &[0.0, 1.0]).unwrap(), 2.5);
/// ```
pub fn mse(predicted: &[f64], target: &[f64]) -> Result<f64> {
    same_len("mse", predicted.len(), target.len())?;
    let s: f64 = predicted
        .iter()
        .zip(target)
        .map(|(p, y)| (p - y) * (p - y))
        .sum();
    Ok(s / target.len() as f64)
}

/// The coefficient of determination R² = 1 − Σ(yᵢ − pᵢ)² / Σ(yᵢ − ȳ)² (scikit-learn's
/// `r2_score`): 1 for a perfect fit, 0 for predicting the mean, negative for worse. Constant
/// targets give 1 if predicted exactly, else 0 (as scikit-learn does).
///
/// ```
/// use tapegrad::nn::train::r2;
/// // ȳ = 2, Σ(y − ȳ)² = 2, Σ(y − p)² = 0.25
/// assert_eq!(r2(&[1.5, 2.0, 3.0], &[1.0, 2.0, 3.0]).unwrap(), 0.875);
/// ```
pub fn r2(predicted: &[f64], target: &[f64]) -> Result<f64> {
    same_len("r2", predicted.len(), target.len())?;
    let mean = target.iter().sum::<f64>() / target.len() as f64;
    let ss_tot: f64 = target.iter().map(|y| (y - mean) * (y - mean)).sum();
    let ss_res: f64 = predicted
        .iter()
        .zip(target)
        .map(|(p, y)| (y - p) * (y - p))
        .sum();
    if ss_tot == 0.0 {
        return Ok(if ss_res == 0.0 { 1.0 } else { 0.0 });
    }
    Ok(1.0 - ss_res / ss_tot)
}

/// A confusion matrix: `count(t, p)` rows of true class t predicted as class p.
///
/// ```
/// use tapegrad::nn::train::ConfusionMatrix;
/// let cm = ConfusionMatrix::new(&[0, 1, 1, 2], &[0, 1, 0, 2], 3).unwrap();
/// assert_eq!((cm.count(0, 0), cm.count(1, 0), cm.count(1, 1)), (1, 1, 1));
/// assert_eq!(cm.accuracy(), 0.75);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfusionMatrix {
    n: usize,
    counts: Vec<usize>,
}

impl ConfusionMatrix {
    /// Counts the pairs (target, predicted) over `n_classes` classes; an error for mismatched
    /// lengths or a class outside 0..n_classes.
    pub fn new(target: &[usize], predicted: &[usize], n_classes: usize) -> Result<Self> {
        same_len("confusion_matrix", target.len(), predicted.len())?;
        let mut counts = vec![0; n_classes * n_classes];
        for (i, (&t, &p)) in target.iter().zip(predicted).enumerate() {
            if t >= n_classes || p >= n_classes {
                return Err(Error::Invalid(format!(
                    "confusion matrix: row {i} has class {t} / prediction {p}, outside 0..{n_classes}"
                )));
            }
            counts[t * n_classes + p] += 1;
        }
        Ok(ConfusionMatrix {
            n: n_classes,
            counts,
        })
    }

    /// The number of classes.
    pub fn n_classes(&self) -> usize {
        self.n
    }

    /// Rows of true class `t` predicted as `p`.
    pub fn count(&self, t: usize, p: usize) -> usize {
        self.counts[t * self.n + p]
    }

    /// The diagonal's share of all rows.
    pub fn accuracy(&self) -> f64 {
        let total: usize = self.counts.iter().sum();
        let diag: usize = (0..self.n).map(|c| self.count(c, c)).sum();
        diag as f64 / total.max(1) as f64
    }
}

impl fmt::Display for ConfusionMatrix {
    /// A table: one row per true class, one column per predicted class.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let w = self
            .counts
            .iter()
            .max()
            .map_or(1, |m| m.to_string().len())
            .max(self.n.saturating_sub(1).to_string().len())
            .max(2);
        write!(f, "true\\pred")?;
        for p in 0..self.n {
            write!(f, " {p:>w$}")?;
        }
        for t in 0..self.n {
            write!(f, "\n{t:>9}")?;
            for p in 0..self.n {
                write!(f, " {:>w$}", self.count(t, p))?;
            }
        }
        Ok(())
    }
}
