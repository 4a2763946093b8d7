//! Synthetic data sets: XOR, two moons, a noisy line, and the 2-D classification sets of the
//! playground (two circles, XOR quadrants, two blobs).

use rand::{RngExt, SeedableRng, rngs::StdRng, seq::SliceRandom};
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
    two_classes(rows, noise, seed).with_class_names(vec!["upper".into(), "lower".into()])
}

/// Two concentric circles, built as scikit-learn's `make_circles` builds them: ⌊n/2⌋ points on
/// the unit circle (label 0) and the other ⌈n/2⌉ on the circle of radius `factor` (label 1),
/// each at angles evenly spaced over [0, 2π) (end excluded); the rows are shuffled, then
/// Gaussian noise of standard deviation `noise` is added to every coordinate. scikit-learn's
/// default `factor` is 0.8; a smaller one separates the classes more.
///
/// ```
/// let c = tapegrad::data::circles(100, 0.0, 0.5, 1);
/// let radius = |r: &[f64]| (r[0] * r[0] + r[1] * r[1]).sqrt();
/// for (r, &t) in c.rows().zip(c.targets()) {
///     let want = if t == 0.0 { 1.0 } else { 0.5 };
///     assert!((radius(r) - want).abs() < 1e-12);
/// }
/// ```
pub fn circles(n: usize, noise: f64, factor: f64, seed: u64) -> Dataset {
    let n_out = n / 2;
    let n_in = n - n_out;
    let ring = |k: usize, radius: f64, label: f64| {
        (0..k).map(move |i| {
            let t = std::f64::consts::TAU * i as f64 / k as f64;
            ([radius * t.cos(), radius * t.sin()], label)
        })
    };
    let rows = ring(n_out, 1.0, 0.0)
        .chain(ring(n_in, factor, 1.0))
        .collect();
    two_classes(rows, noise, seed).with_class_names(vec!["outer".into(), "inner".into()])
}

/// XOR as a cloud of points (TensorFlow Playground's "exclusive or"): `n` points uniform in the
/// square [−1, 1]², label 1 where exactly one coordinate is positive (the second and fourth
/// quadrants), 0 elsewhere; then Gaussian noise of standard deviation `noise` is added to every
/// coordinate (the labels stay those of the clean points).
///
/// ```
/// let x = tapegrad::data::xor_points(200, 0.0, 3);
/// for (r, &t) in x.rows().zip(x.targets()) {
///     assert_eq!(t == 1.0, (r[0] > 0.0) != (r[1] > 0.0));
/// }
/// ```
pub fn xor_points(n: usize, noise: f64, seed: u64) -> Dataset {
    // A seed of its own for the positions, so the noise stream is the one `two_classes` draws.
    let mut rng = StdRng::seed_from_u64(seed ^ 0x9e37_79b9_7f4a_7c15);
    let rows = (0..n)
        .map(|_| {
            let p: [f64; 2] = [rng.random_range(-1.0..=1.0), rng.random_range(-1.0..=1.0)];
            let label = f64::from(u8::from((p[0] > 0.0) != (p[1] > 0.0)));
            (p, label)
        })
        .collect();
    two_classes(rows, noise, seed).with_class_names(vec!["same sign".into(), "signs differ".into()])
}

/// Two round Gaussian blobs, a linearly separable problem: ⌊n/2⌋ points around (−1, −1)
/// (label 0) and the other ⌈n/2⌉ around (1, 1) (label 1), each coordinate with standard
/// deviation `spread`; the rows are shuffled.
///
/// ```
/// let b = tapegrad::data::blobs(100, 0.0, 1);
/// for (r, &t) in b.rows().zip(b.targets()) {
///     let c = if t == 0.0 { -1.0 } else { 1.0 };
///     assert_eq!(r, &[c, c]);
/// }
/// ```
pub fn blobs(n: usize, spread: f64, seed: u64) -> Dataset {
    let n_low = n / 2;
    let rows = (0..n)
        .map(|i| {
            if i < n_low {
                ([-1.0, -1.0], 0.0)
            } else {
                ([1.0, 1.0], 1.0)
            }
        })
        .collect();
    two_classes(rows, spread, seed).with_class_names(vec!["low".into(), "high".into()])
}

/// A 2-feature data set from labelled points: the rows shuffled with `seed`, then Gaussian noise
/// of standard deviation `noise` added to every coordinate (none for `noise` = 0).
fn two_classes(mut rows: Vec<([f64; 2], f64)>, noise: f64, seed: u64) -> Dataset {
    let n = rows.len();
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
