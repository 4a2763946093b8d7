//! [`Dataset`]: rows of features with one target each.

use crate::error::{Error, Result};

/// A table of `len()` rows: `n_features()` features per row (row-major, `f64`) and one target per
/// row, a class index (0, 1, 2, …) or a regression value.
///
/// ```
/// use tapegrad::data::Dataset;
/// let ds = Dataset::new(vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0], 2, vec![0.0, 1.0, 0.0]).unwrap();
/// assert_eq!((ds.len(), ds.row(1)), (3, &[2.0, 3.0][..]));
/// assert_eq!(ds.labels().unwrap(), vec![0, 1, 0]);
/// assert_eq!(ds.select(&[2, 0]).features(), &[4.0, 5.0, 0.0, 1.0]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    x: Vec<f64>,
    n_features: usize,
    y: Vec<f64>,
    feature_names: Vec<String>,
    class_names: Vec<String>,
}

impl Dataset {
    /// A data set from row-major features (`n_features` per row) and one target per row.
    /// Errors if `x.len()` is not `n_features · y.len()` or `n_features` is 0.
    pub fn new(x: Vec<f64>, n_features: usize, y: Vec<f64>) -> Result<Self> {
        if n_features == 0 || x.len() != n_features * y.len() {
            return Err(Error::Shape {
                op: "Dataset::new",
                lhs: vec![x.len()],
                rhs: vec![y.len(), n_features],
            });
        }
        Ok(Dataset {
            x,
            n_features,
            y,
            feature_names: Vec::new(),
            class_names: Vec::new(),
        })
    }

    /// Names the features (columns); errors unless there is one name per feature.
    pub fn with_feature_names(mut self, names: Vec<String>) -> Result<Self> {
        if names.len() != self.n_features {
            return Err(Error::Shape {
                op: "with_feature_names",
                lhs: vec![self.n_features],
                rhs: vec![names.len()],
            });
        }
        self.feature_names = names;
        Ok(self)
    }

    /// Names the classes: `names[c]` is the name of label `c`.
    pub fn with_class_names(mut self, names: Vec<String>) -> Self {
        self.class_names = names;
        self
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }

    /// The number of features per row.
    pub fn n_features(&self) -> usize {
        self.n_features
    }

    /// All features, row-major.
    pub fn features(&self) -> &[f64] {
        &self.x
    }

    /// All features, row-major, to rescale in place.
    pub fn features_mut(&mut self) -> &mut [f64] {
        &mut self.x
    }

    /// The targets, one per row.
    pub fn targets(&self) -> &[f64] {
        &self.y
    }

    /// The targets, to transform in place (e.g. 0/1 labels to ±1).
    pub fn targets_mut(&mut self) -> &mut [f64] {
        &mut self.y
    }

    /// Row `i`'s features. Panics if `i >= len()`.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.x[i * self.n_features..(i + 1) * self.n_features]
    }

    /// The rows' features, in order.
    pub fn rows(&self) -> std::slice::ChunksExact<'_, f64> {
        self.x.chunks_exact(self.n_features)
    }

    /// Feature names (empty if none were given).
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// Class names (empty for regression data or if none were given).
    pub fn class_names(&self) -> &[String] {
        &self.class_names
    }

    /// The targets as class indices; an error names the first row whose target is not a
    /// non-negative integer.
    pub fn labels(&self) -> Result<Vec<usize>> {
        self.y
            .iter()
            .enumerate()
            .map(|(i, &t)| {
                if t >= 0.0 && t.fract() == 0.0 && t < u32::MAX as f64 {
                    Ok(t as usize)
                } else {
                    Err(Error::Invalid(format!(
                        "row {i}: target {t} is not a class index (a non-negative integer)"
                    )))
                }
            })
            .collect()
    }

    /// The number of classes: one more than the largest label (0 for an empty set).
    pub fn n_classes(&self) -> Result<usize> {
        Ok(self.labels()?.iter().max().map_or(0, |m| m + 1))
    }

    /// A new data set of the given rows, in the given order (repeats allowed).
    /// Panics on an index out of range.
    pub fn select(&self, rows: &[usize]) -> Dataset {
        let mut x = Vec::with_capacity(rows.len() * self.n_features);
        let mut y = Vec::with_capacity(rows.len());
        for &i in rows {
            x.extend_from_slice(self.row(i));
            y.push(self.y[i]);
        }
        Dataset {
            x,
            n_features: self.n_features,
            y,
            feature_names: self.feature_names.clone(),
            class_names: self.class_names.clone(),
        }
    }
}
