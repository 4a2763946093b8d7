//! Synthetic data sets: XOR, two moons, a noisy line.

use rand::{Rng, SeedableRng, rngs::StdRng, seq::SliceRandom};
use rand_distr::{Distribution, Normal};

use super::Dataset;

/// The four XOR points: (0,0) → 0, (0,1) → 1, (1,0) → 1, (1,1) → 0.
///
/// ```
/// let xor = tapegrad::data::xor();
/// assert_eq!(xor.row(1), &[0.0, 1.0]);
/// assert_eq!(xor.targets(), &[0.0, 1.0, 1.0, 0.0]);
/// ```
pub fn xor() -> Dataset {
    let x = vec![0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0];
    Dataset::new(x, 2, vec![0.0, 1.0, 1.0, 0.0])
        .expect("4 rows of 2 features")
        .with_class_names(vec!["0".into(), "1".into()])
}

/// Two interleaving half circles, built as scikit-learn's `make_moons` builds them: ⌊n/2⌋
/// points on the upper half circle (cos t, sin t) for t evenly spaced over [0, π] (label 0),
/// the other ⌈n/2⌉ on the lower one (1 − cos t, 0.5 − sin t) (label 1); the rows are shuffled,
/// then Gaussian noise of standard deviation `noise` is added to every coordinate.
///
/// The same `seed` gives the same points (scikit-learn's numbers differ: another generator).
///
/// ```
/// let moons = tapegrad::data::moons(100, 0.1, 1);
/// assert_eq!((moons.len(), moons.n_features()), (100, 2));
/// assert_eq!(moons.labels().unwrap().iter().filter(|&&c| c == 1).count(), 50);
/// ```
pub fn moons(n: usize, noise: f64, seed: u64) -> Dataset {
    let n_out = n / 2;
    let n_in = n - n_out;
    let mut rows: Vec<([f64; 2], f64)> = Vec::with_capacity(n);
    for t in linspace_pi(n_out) {
        rows.push(([t.cos(), t.sin()], 0.0));
    }
    for t in linspace_pi(n_in) {
        rows.push(([1.0 - t.cos(), 1.0 - t.sin() - 0.5], 1.0));
    }
    let mut rng = StdRng::seed_from_u64(seed);
    rows.shuffle(&mut rng);
    let normal = Normal::new(0.0, noise.abs()).ok();
    let mut x = Vec::with_capacity(2 * n);
    let mut y = Vec::with_capacity(n);
    for (p, label) in rows {
        for v in p {
            let e = match &normal {
                Some(d) if noise != 0.0 => d.sample(&mut rng),
                _ => 0.0,
            };
            x.push(v + e);
        }
        y.push(label);
    }
    Dataset::new(x, 2, y)
        .expect("n rows of 2 features")
        .with_feature_names(vec!["x0".into(), "x1".into()])
        .expect("two names")
        .with_class_names(vec!["upper".into(), "lower".into()])
}

/// `k` points evenly spaced over [0, π], both ends included (NumPy's `linspace(0, π, k)`).
fn linspace_pi(k: usize) -> impl Iterator<Item = f64> {
    let step = if k > 1 {
        std::f64::consts::PI / (k - 1) as f64
    } else {
        0.0
    };
    (0..k).map(move |i| i as f64 * step)
}

/// `n` points of the line y = 3x + ε: x uniform in [−1, 1], ε Gaussian with standard deviation
/// `noise`. A model y = w·x + b fitted to it should find w ≈ 3, b ≈ 0.
///
/// ```
/// let line = tapegrad::data::linear(50, 0.0, 7);
/// let (x, y) = (line.row(3)[0], line.targets()[3]);
/// assert_eq!(y, 3.0 * x);
/// ```
pub fn linear(n: usize, noise: f64, seed: u64) -> Dataset {
    let mut rng = StdRng::seed_from_u64(seed);
    let normal = Normal::new(0.0, noise.abs()).ok();
    let mut x = Vec::with_capacity(n);
    let mut y = Vec::with_capacity(n);
    for _ in 0..n {
        let xi: f64 = rng.random_range(-1.0..=1.0);
        let e = match &normal {
            Some(d) if noise != 0.0 => d.sample(&mut rng),
            _ => 0.0,
        };
        x.push(xi);
        y.push(3.0 * xi + e);
    }
    Dataset::new(x, 1, y)
        .expect("n rows of 1 feature")
        .with_feature_names(vec!["x".into()])
        .expect("one name")
}
