//! Train/test splits (plain and stratified) and K-fold cross-validation indices.

use rand::{SeedableRng, rngs::StdRng, seq::SliceRandom};

use crate::error::{Error, Result};

/// Row indices of a training part and a test part.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Split {
    /// Rows to train on.
    pub train: Vec<usize>,
    /// Rows to evaluate on.
    pub test: Vec<usize>,
}

/// The number of test rows for a fraction, as scikit-learn counts it: ⌈fraction · n⌉, which must
/// leave at least one row on each side.
fn test_count(n: usize, fraction: f64) -> Result<usize> {
    if !(fraction > 0.0 && fraction < 1.0) {
        return Err(Error::Invalid(format!(
            "test fraction {fraction} must be strictly between 0 and 1"
        )));
    }
    let k = (fraction * n as f64).ceil() as usize;
    if k == 0 || k >= n {
        return Err(Error::Invalid(format!(
            "a test fraction of {fraction} of {n} rows leaves an empty train or test part"
        )));
    }
    Ok(k)
}

/// A random split of rows 0..n: ⌈test_fraction · n⌉ test rows, the rest for training, each part
/// in random order. The same `seed` gives the same split.
///
/// ```
/// let s = tapegrad::data::train_test_split(10, 0.25, 0).unwrap();
/// assert_eq!((s.train.len(), s.test.len()), (7, 3));
/// ```
pub fn train_test_split(n: usize, test_fraction: f64, seed: u64) -> Result<Split> {
    let k = test_count(n, test_fraction)?;
    let mut idx: Vec<usize> = (0..n).collect();
    idx.shuffle(&mut StdRng::seed_from_u64(seed));
    let train = idx.split_off(k);
    Ok(Split { train, test: idx })
}

/// A random split that keeps each class's share in both parts (scikit-learn's
/// `train_test_split(..., stratify=y)`): ⌈test_fraction · n⌉ test rows, shared out over the
/// classes in proportion to their sizes (rounded down, the leftover rows going to the classes
/// with the largest remainders), so each class's test count is within one of its exact share.
///
/// ```
/// let labels = [0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1];
/// let s = tapegrad::data::stratified_split(&labels, 0.25, 0).unwrap();
/// let test_ones = s.test.iter().filter(|&&i| labels[i] == 1).count();
/// assert_eq!((s.test.len(), test_ones), (3, 2));
/// ```
pub fn stratified_split(labels: &[usize], test_fraction: f64, seed: u64) -> Result<Split> {
    let n = labels.len();
    let k = test_count(n, test_fraction)?;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut classes = by_class(labels);
    // Exact shares k·nᶜ/n, rounded down; the rest by largest remainder (then by class).
    let mut take: Vec<usize> = classes.iter().map(|c| c.len() * k / n).collect();
    let mut order: Vec<usize> = (0..classes.len()).collect();
    order.sort_by_key(|&c| std::cmp::Reverse((classes[c].len() * k) % n));
    let mut left = k - take.iter().sum::<usize>();
    for &c in order.iter().cycle() {
        if left == 0 {
            break;
        }
        if take[c] < classes[c].len() {
            take[c] += 1;
            left -= 1;
        }
    }
    let mut split = Split::default();
    for (rows, &t) in classes.iter_mut().zip(&take) {
        rows.shuffle(&mut rng);
        split.test.extend_from_slice(&rows[..t]);
        split.train.extend_from_slice(&rows[t..]);
    }
    split.train.shuffle(&mut rng);
    split.test.shuffle(&mut rng);
    Ok(split)
}

/// The rows of each class, classes 0..=max label (empty classes included).
fn by_class(labels: &[usize]) -> Vec<Vec<usize>> {
    let n_classes = labels.iter().max().map_or(0, |m| m + 1);
    let mut classes = vec![Vec::new(); n_classes];
    for (i, &c) in labels.iter().enumerate() {
        classes[c].push(i);
    }
    classes
}

/// K-fold cross-validation over rows 0..n (scikit-learn's `KFold`): the rows, shuffled when a
/// seed is given, are cut into `k` consecutive folds, the first n mod k of them one row larger.
/// Fold i tests on its rows and trains on all others, so every row is tested exactly once.
///
/// ```
/// let folds = tapegrad::data::k_fold(5, 2, None).unwrap();
/// assert_eq!(folds[0].test, vec![0, 1, 2]);
/// assert_eq!(folds[1].train, vec![0, 1, 2]);
/// ```
pub fn k_fold(n: usize, k: usize, seed: Option<u64>) -> Result<Vec<Split>> {
    check_folds(n, k)?;
    let mut idx: Vec<usize> = (0..n).collect();
    if let Some(s) = seed {
        idx.shuffle(&mut StdRng::seed_from_u64(s));
    }
    let mut fold_of = vec![0; n];
    let mut start = 0;
    for f in 0..k {
        let size = n / k + usize::from(f < n % k);
        for &i in &idx[start..start + size] {
            fold_of[i] = f;
        }
        start += size;
    }
    Ok(folds_from(&idx, &fold_of, k))
}

/// K-fold cross-validation that keeps class proportions in every fold: each class's rows
/// (shuffled when a seed is given) are dealt to the folds in turn, continuing across classes,
/// so every fold's count of each class is within one of the others'. Every row is tested
/// exactly once.
///
/// ```
/// let labels = [0, 0, 0, 1, 1, 1];
/// let folds = tapegrad::data::stratified_k_fold(&labels, 3, Some(1)).unwrap();
/// for f in &folds {
///     assert_eq!(f.test.iter().filter(|&&i| labels[i] == 1).count(), 1);
/// }
/// ```
pub fn stratified_k_fold(labels: &[usize], k: usize, seed: Option<u64>) -> Result<Vec<Split>> {
    let n = labels.len();
    check_folds(n, k)?;
    let mut rng = seed.map(StdRng::seed_from_u64);
    let mut fold_of = vec![0; n];
    let mut next = 0;
    for mut rows in by_class(labels) {
        if let Some(r) = rng.as_mut() {
            rows.shuffle(r);
        }
        for i in rows {
            fold_of[i] = next % k;
            next += 1;
        }
    }
    let idx: Vec<usize> = (0..n).collect();
    Ok(folds_from(&idx, &fold_of, k))
}

fn check_folds(n: usize, k: usize) -> Result<()> {
    if k < 2 || k > n {
        return Err(Error::Invalid(format!(
            "K-fold needs 2 ≤ k ≤ the number of rows; got k = {k} for {n} rows"
        )));
    }
    Ok(())
}

/// Splits from a fold number per row, rows listed in the order of `idx`.
fn folds_from(idx: &[usize], fold_of: &[usize], k: usize) -> Vec<Split> {
    (0..k)
        .map(|f| {
            let (test, train) = idx.iter().partition(|&&i| fold_of[i] == f);
            Split { train, test }
        })
        .collect()
}
