//! [`Standardizer`]: zero mean, unit variance per feature, fitted on training data.

use super::Dataset;
use crate::error::{Error, Result};

/// Per-column mean and standard deviation, fitted on training data and applied to any data:
/// x ← (x − mean) / scale (scikit-learn's `StandardScaler`: population standard deviation, and a
/// constant column gets scale 1 so it becomes 0, not NaN).
///
/// Fit on the training split only, then transform both splits: the test set must not leak into
/// the statistics.
///
/// ```
/// use tapegrad::data::{Dataset, Standardizer};
/// let mut train = Dataset::new(vec![1.0, 5.0, 3.0, 5.0], 2, vec![0.0, 1.0]).unwrap();
/// let s = Standardizer::fit(&train);
/// assert_eq!((s.mean(), s.scale()), (&[2.0, 5.0][..], &[1.0, 1.0][..]));
/// s.transform(&mut train).unwrap();
/// assert_eq!(train.features(), &[-1.0, 0.0, 1.0, 0.0]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Standardizer {
    mean: Vec<f64>,
    scale: Vec<f64>,
}

impl Standardizer {
    /// Fits the features of `data`.
    pub fn fit(data: &Dataset) -> Self {
        Self::fit_columns(data.features(), data.n_features())
    }

    /// Fits row-major values with `n_cols` columns (e.g. regression targets with `n_cols` = 1).
    /// A trailing partial row is ignored; `n_cols` = 0 gives an empty standardizer.
    pub fn fit_columns(values: &[f64], n_cols: usize) -> Self {
        if n_cols == 0 {
            return Standardizer {
                mean: Vec::new(),
                scale: Vec::new(),
            };
        }
        let rows = values.len() / n_cols;
        let mut mean = vec![0.0; n_cols];
        for row in values.chunks_exact(n_cols) {
            for (m, v) in mean.iter_mut().zip(row) {
                *m += v;
            }
        }
        for m in &mut mean {
            *m /= rows.max(1) as f64;
        }
        let mut var = vec![0.0; n_cols];
        for row in values.chunks_exact(n_cols) {
            for ((s, v), m) in var.iter_mut().zip(row).zip(&mean) {
                *s += (v - m) * (v - m);
            }
        }
        let scale = var
            .iter()
            .map(|s| {
                let sd = (s / rows.max(1) as f64).sqrt();
                if sd > 0.0 && sd.is_finite() { sd } else { 1.0 }
            })
            .collect();
        Standardizer { mean, scale }
    }

    /// The fitted means.
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }

    /// The fitted scales (standard deviations; 1 for constant columns).
    pub fn scale(&self) -> &[f64] {
        &self.scale
    }

    /// Standardizes `data`'s features in place; errors if its number of features differs.
    pub fn transform(&self, data: &mut Dataset) -> Result<()> {
        let n = data.n_features();
        self.transform_columns(data.features_mut(), n)
    }

    /// Standardizes row-major values with `n_cols` columns in place.
    pub fn transform_columns(&self, values: &mut [f64], n_cols: usize) -> Result<()> {
        self.map_columns(values, n_cols, |v, m, s| (v - m) / s)
    }

    /// Undoes [`transform_columns`](Standardizer::transform_columns): x ← x·scale + mean.
    pub fn inverse_transform_columns(&self, values: &mut [f64], n_cols: usize) -> Result<()> {
        self.map_columns(values, n_cols, |v, m, s| v * s + m)
    }

    /// Replaces each value v of column j by `f(v, mean[j], scale[j])`, after [`check`](Self::check).
    fn map_columns(
        &self,
        values: &mut [f64],
        n_cols: usize,
        f: impl Fn(f64, f64, f64) -> f64,
    ) -> Result<()> {
        if self.check(values, n_cols)? {
            return Ok(());
        }
        for row in values.chunks_exact_mut(n_cols) {
            for ((v, &m), &s) in row.iter_mut().zip(&self.mean).zip(&self.scale) {
                *v = f(*v, m, s);
            }
        }
        Ok(())
    }

    /// Errors on a column count that does not fit; true when there is nothing to do.
    fn check(&self, values: &[f64], n_cols: usize) -> Result<bool> {
        if n_cols != self.mean.len() || (n_cols > 0 && values.len() % n_cols != 0) {
            return Err(Error::Shape {
                op: "Standardizer",
                lhs: vec![self.mean.len()],
                rhs: vec![values.len(), n_cols],
            });
        }
        Ok(n_cols == 0)
    }
}
