//! Model selection: K-fold cross-validation, grid search and random search, reported as
//! mean ± standard deviation over the folds.

use std::fmt;

use rand::{RngExt, SeedableRng, rngs::StdRng};

use crate::data::{Dataset, Split};
use crate::error::{Error, Result};

/// Scores of one setting over the folds, with their mean and standard deviation.
///
/// The standard deviation is the population one, √(Σ(sᵢ − mean)²/k), as scikit-learn's examples
/// report `scores.std()` (NumPy's default).
///
/// ```
/// use tapegrad::nn::train::CvScore;
/// let s = CvScore::new(vec![0.9, 1.0, 0.8]).unwrap();
/// assert!((s.mean - 0.9).abs() < 1e-12);
/// assert!((s.std - (0.02f64 / 3.0).sqrt()).abs() < 1e-12);
/// assert_eq!(s.to_string(), "0.9000 ± 0.0816");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct CvScore {
    /// One score per fold, in fold order.
    pub scores: Vec<f64>,
    /// The mean of the scores.
    pub mean: f64,
    /// Their population standard deviation.
    pub std: f64,
}

impl CvScore {
    /// Summarises the scores; an error for none.
    pub fn new(scores: Vec<f64>) -> Result<Self> {
        if scores.is_empty() {
            return Err(Error::Invalid("no scores to summarise".into()));
        }
        let k = scores.len() as f64;
        let mean = scores.iter().sum::<f64>() / k;
        let var = scores.iter().map(|s| (s - mean) * (s - mean)).sum::<f64>() / k;
        Ok(CvScore {
            scores,
            mean,
            std: var.sqrt(),
        })
    }
}

impl fmt::Display for CvScore {
    /// `mean ± std` with four decimals.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.4} ± {:.4}", self.mean, self.std)
    }
}

/// K-fold cross-validation: for each fold, `score(train, test)` trains a fresh model on the
/// fold's training rows and returns its score on the test rows. Make the folds with
/// [`k_fold`](crate::data::k_fold) or [`stratified_k_fold`](crate::data::stratified_k_fold);
/// fit any preprocessing (a [`Standardizer`](crate::data::Standardizer)) inside `score`, on
/// `train` only.
///
/// ```
/// use tapegrad::data::{Dataset, k_fold};
/// use tapegrad::nn::train::cross_validate;
/// let data = Dataset::new(vec![1.0, 2.0, 3.0, 4.0], 1, vec![1.0, 2.0, 3.0, 4.0]).unwrap();
/// let folds = k_fold(data.len(), 2, None).unwrap();
/// // "Model": predict the training mean; score: the test rows' mean absolute error.
/// let cv = cross_validate(&data, &folds, |train, test| {
///     let m = train.targets().iter().sum::<f64>() / train.len() as f64;
///     Ok(test.targets().iter().map(|y| (y - m).abs()).sum::<f64>() / test.len() as f64)
/// }).unwrap();
/// assert_eq!(cv.scores, vec![2.0, 2.0]);
/// ```
pub fn cross_validate(
    data: &Dataset,
    folds: &[Split],
    mut score: impl FnMut(&Dataset, &Dataset) -> Result<f64>,
) -> Result<CvScore> {
    let mut scores = Vec::with_capacity(folds.len());
    for (i, fold) in folds.iter().enumerate() {
        if let Some(&bad) = fold
            .train
            .iter()
            .chain(&fold.test)
            .find(|&&r| r >= data.len())
        {
            return Err(Error::Invalid(format!(
                "fold {i} names row {bad}, but the data has {} rows",
                data.len()
            )));
        }
        scores.push(score(&data.select(&fold.train), &data.select(&fold.test))?);
    }
    CvScore::new(scores)
}

/// One combination of hyperparameters: named numbers (a choice among non-numeric options is
/// given by its index).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Setting {
    values: Vec<(String, f64)>,
}

impl Setting {
    /// A setting from (name, value) pairs.
    pub fn new(values: Vec<(String, f64)>) -> Self {
        Setting { values }
    }

    /// The value of `name`; [`Error::Invalid`] naming the known ones if there is none.
    pub fn get(&self, name: &str) -> Result<f64> {
        self.values
            .iter()
            .find(|(n, _)| n == name)
            .map(|&(_, v)| v)
            .ok_or_else(|| {
                let known: Vec<&str> = self.values.iter().map(|(n, _)| n.as_str()).collect();
                Error::Invalid(format!(
                    "no hyperparameter \"{name}\" (the setting has: {})",
                    known.join(", ")
                ))
            })
    }

    /// The (name, value) pairs.
    pub fn values(&self) -> &[(String, f64)] {
        &self.values
    }
}

impl fmt::Display for Setting {
    /// `lr=0.01 hidden=32`, each value with at most four significant digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .values
            .iter()
            .map(|(n, v)| format!("{n}={}", short(*v)))
            .collect();
        write!(f, "{}", parts.join(" "))
    }
}

/// A number with four significant digits, trailing zeros dropped (`0.02899`, `16`, `0.1`).
fn short(v: f64) -> String {
    if v == 0.0 || !v.is_finite() || (v.fract() == 0.0 && v.abs() < 1e15) {
        return v.to_string();
    }
    let digits = (3 - v.abs().log10().floor() as i32).clamp(0, 17) as usize;
    let s = format!("{v:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A grid of hyperparameters: every combination of the values of its axes (scikit-learn's
/// `ParameterGrid`), the last axis varying fastest.
///
/// ```
/// use tapegrad::nn::train::Grid;
/// let grid = Grid::new().axis("lr", &[0.1, 0.01]).axis("hidden", &[8.0, 16.0, 32.0]);
/// let settings = grid.settings();
/// assert_eq!(settings.len(), 6);
/// assert_eq!(settings[1].to_string(), "lr=0.1 hidden=16");
/// let odd = Grid::new().axis("lr", &[0.0123456, 2.5e-5, 1234.5678]).settings();
/// let shown: Vec<String> = odd.iter().map(|s| s.to_string()).collect();
/// assert_eq!(shown, ["lr=0.01235", "lr=0.000025", "lr=1235"]);
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Grid {
    axes: Vec<(String, Vec<f64>)>,
}

impl Grid {
    /// An empty grid (one empty setting).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an axis.
    pub fn axis(mut self, name: impl Into<String>, values: &[f64]) -> Self {
        self.axes.push((name.into(), values.to_vec()));
        self
    }

    /// Every combination (none if an axis is empty).
    pub fn settings(&self) -> Vec<Setting> {
        let mut out = vec![Setting::default()];
        for (name, values) in &self.axes {
            out = out
                .iter()
                .flat_map(|s| {
                    values.iter().map(move |&v| {
                        let mut s = s.clone();
                        s.values.push((name.clone(), v));
                        s
                    })
                })
                .collect();
        }
        out
    }
}

/// How [`RandomSpace`] draws one hyperparameter.
#[derive(Clone, Debug, PartialEq)]
pub enum Dist {
    /// Uniform in [lo, hi).
    Uniform(f64, f64),
    /// Log-uniform in [lo, hi) (both positive): e^U(ln lo, ln hi), for learning rates.
    LogUniform(f64, f64),
    /// A whole number uniform in lo..=hi.
    Int(i64, i64),
    /// One of these values, each equally likely.
    Choice(Vec<f64>),
}

/// A space to sample settings from for random search (scikit-learn's `ParameterSampler`).
///
/// ```
/// use tapegrad::nn::train::{Dist, RandomSpace};
/// let space = RandomSpace::new().param("lr", Dist::LogUniform(1e-4, 1e-1))
///                               .param("hidden", Dist::Choice(vec![16.0, 32.0]));
/// let settings = space.sample(5, 0).unwrap();
/// assert_eq!(settings.len(), 5);
/// let lr = settings[0].get("lr").unwrap();
/// assert!((1e-4..1e-1).contains(&lr));
/// assert_eq!(space.sample(5, 0).unwrap(), settings); // seeded
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
pub struct RandomSpace {
    params: Vec<(String, Dist)>,
}

impl RandomSpace {
    /// An empty space.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a hyperparameter.
    pub fn param(mut self, name: impl Into<String>, dist: Dist) -> Self {
        self.params.push((name.into(), dist));
        self
    }

    /// `n` settings drawn with `seed`; an error names a distribution with bad bounds.
    pub fn sample(&self, n: usize, seed: u64) -> Result<Vec<Setting>> {
        for (name, d) in &self.params {
            let ok = match d {
                Dist::Uniform(lo, hi) => lo < hi && lo.is_finite() && hi.is_finite(),
                Dist::LogUniform(lo, hi) => *lo > 0.0 && lo < hi && hi.is_finite(),
                Dist::Int(lo, hi) => lo <= hi,
                Dist::Choice(v) => !v.is_empty(),
            };
            if !ok {
                return Err(Error::Invalid(format!(
                    "hyperparameter \"{name}\": bad distribution {d:?}"
                )));
            }
        }
        let mut rng = StdRng::seed_from_u64(seed);
        Ok((0..n)
            .map(|_| {
                Setting::new(
                    self.params
                        .iter()
                        .map(|(name, d)| {
                            let v = match d {
                                Dist::Uniform(lo, hi) => rng.random_range(*lo..*hi),
                                Dist::LogUniform(lo, hi) => {
                                    rng.random_range(lo.ln()..hi.ln()).exp()
                                }
                                Dist::Int(lo, hi) => rng.random_range(*lo..=*hi) as f64,
                                Dist::Choice(v) => v[rng.random_range(0..v.len())],
                            };
                            (name.clone(), v)
                        })
                        .collect(),
                )
            })
            .collect())
    }
}

/// The cross-validated score of every setting tried by [`search`].
#[derive(Clone, Debug, PartialEq)]
pub struct SearchReport {
    /// Each setting with its score, in the order tried.
    pub results: Vec<(Setting, CvScore)>,
    /// The index in `results` of the best mean score.
    pub best: usize,
}

impl SearchReport {
    /// The best setting and its score.
    pub fn best(&self) -> &(Setting, CvScore) {
        &self.results[self.best]
    }
}

impl fmt::Display for SearchReport {
    /// One line per setting, `mean ± std  setting`, the best marked with `*`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, (s, cv)) in self.results.iter().enumerate() {
            let mark = if i == self.best { '*' } else { ' ' };
            writeln!(f, "{mark} {cv}  {s}")?;
        }
        Ok(())
    }
}

/// Grid or random search: cross-validates every setting (`score(setting, train, test)` trains
/// on one fold's training rows and scores on its test rows) and picks the best mean, the largest
/// when `higher_is_better` (accuracy, R²), else the smallest (a loss). Ties keep the first.
///
/// ```
/// use tapegrad::data::{Dataset, k_fold};
/// use tapegrad::nn::train::{Grid, search};
/// let data = Dataset::new(vec![0.0; 6], 1, vec![1.0, 2.0, 3.0, 1.0, 2.0, 3.0]).unwrap();
/// let folds = k_fold(6, 3, None).unwrap();
/// // "Model": predict the constant c; score: mean squared error.
/// let report = search(&Grid::new().axis("c", &[0.0, 2.0, 5.0]).settings(), &data, &folds,
///                     false, |s, _train, test| {
///     let c = s.get("c")?;
///     Ok(test.targets().iter().map(|y| (y - c) * (y - c)).sum::<f64>() / test.len() as f64)
/// }).unwrap();
/// assert_eq!(report.best().0.get("c").unwrap(), 2.0);
/// ```
pub fn search(
    settings: &[Setting],
    data: &Dataset,
    folds: &[Split],
    higher_is_better: bool,
    mut score: impl FnMut(&Setting, &Dataset, &Dataset) -> Result<f64>,
) -> Result<SearchReport> {
    if settings.is_empty() {
        return Err(Error::Invalid("no settings to search".into()));
    }
    let mut results = Vec::with_capacity(settings.len());
    let mut best = 0;
    for (i, s) in settings.iter().enumerate() {
        let cv = cross_validate(data, folds, |train, test| score(s, train, test))?;
        if i > 0 {
            let (m, b) = (cv.mean, results_mean(&results, best));
            if (higher_is_better && m > b) || (!higher_is_better && m < b) {
                best = i;
            }
        }
        results.push((s.clone(), cv));
    }
    Ok(SearchReport { results, best })
}

fn results_mean(results: &[(Setting, CvScore)], i: usize) -> f64 {
    results[i].1.mean
}
