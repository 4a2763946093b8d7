//! Knowledge distillation: the loss and its gradient against a hand computation, against
//! central finite differences and against the closed form; its limits; `Distill` as a model.

use proptest::prelude::*;
use rand::{SeedableRng, rngs::StdRng};
use tapegrad::Graph;
use tapegrad::nn::Init;
use tapegrad::nn::distill::{Distill, distillation_loss};
#[cfg(feature = "datasets")]
use tapegrad::nn::optim::Adam;
use tapegrad::nn::scalar::Activation;
use tapegrad::nn::tensor::Mlp;
#[cfg(feature = "datasets")]
use tapegrad::nn::train::{FitOptions, Verbosity, fit};
use tapegrad::nn::train::{Loss, Trainable};

fn softmax(z: &[f64]) -> Vec<f64> {
    let m = z.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = z.iter().map(|v| (v - m).exp()).collect();
    let s: f64 = e.iter().sum();
    e.into_iter().map(|v| v / s).collect()
}

/// The loss's value and its gradient with respect to the student's logits, from the engine.
fn engine(
    s: &[f64],
    t: &[f64],
    labels: &[usize],
    k: usize,
    tau: f64,
    alpha: f64,
) -> (f64, Vec<f64>) {
    let g = Graph::new();
    let st = g.tensor(s, &[labels.len(), k]);
    let l = distillation_loss(st, t, labels, tau, alpha).unwrap();
    (l.value(), g.backward(l).tensor(st).to_vec())
}

/// One row, two classes: student logits s = (1, 0), teacher t = (0, 2), τ = 2, α = 0.25,
/// label 1.
///   p = softmax(t/τ) = softmax(0, 1) = (1/(1+e), e/(1+e)) = (0.268941…, 0.731058…)
///   q = softmax(s/τ) = softmax(0.5, 0) = (0.622459…, 0.377540…)
///   KL(p‖q) = Σ pᵢ ln(pᵢ/qᵢ) = 0.268941·ln(0.268941/0.622459) + 0.731058·ln(0.731058/0.377540)
///           = 0.257403…
///   CE = −ln softmax(1, 0)₁ = ln(1 + e) = 1.313261…
///   L = α·τ²·KL + (1 − α)·CE = 0.25·4·0.257403 + 0.75·1.313261 = 1.242349…
///   ∂L/∂s₀ = α·τ·(q₀ − p₀) + (1 − α)·softmax(s)₀ = 0.5·0.353518 + 0.75·0.731058 = 0.725052…
///   ∂L/∂s₁ = −∂L/∂s₀ (softmax gradients sum to 0 over a row)
#[test]
fn hand_computed_value_and_gradient() {
    let (l, grad) = engine(&[1.0, 0.0], &[0.0, 2.0], &[1], 2, 2.0, 0.25);
    assert!((l - 1.2423494302455582).abs() < 1e-14, "{l}");
    assert!((grad[0] - 0.7250528888884334).abs() < 1e-14, "{grad:?}");
    assert!((grad[1] + 0.7250528888884334).abs() < 1e-14, "{grad:?}");
}

/// α = 0 is the plain cross-entropy; α = 1 with a teacher equal to the student is 0 with
/// gradient 0.
#[test]
fn limits() {
    let s = [0.3, -1.2, 2.0, 0.5, 0.1, -0.4];
    let g = Graph::new();
    let st = g.tensor(&s, &[2, 3]);
    let ce = Loss::CrossEntropy
        .try_tensor(st, &[2.0, 0.0])
        .unwrap()
        .value();
    let (l, _) = engine(&s, &[9.0, 1.0, -3.0, 0.0, 0.0, 4.0], &[2, 0], 3, 3.0, 0.0);
    assert!((l - ce).abs() < 1e-14);
    let (l, grad) = engine(&s, &s, &[2, 0], 3, 5.0, 1.0);
    assert!(l.abs() < 1e-14, "{l}");
    assert!(grad.iter().all(|d| d.abs() < 1e-14), "{grad:?}");
}

/// Bad hyperparameters and shapes are errors that say what is wrong.
#[test]
fn bad_input_is_a_clear_error() {
    let g = Graph::new();
    let st = g.tensor(&[0.0; 4], &[2, 2]);
    let e = distillation_loss(st, &[0.0; 4], &[0, 1], 0.0, 0.5).unwrap_err();
    assert!(e.to_string().contains("temperature"), "{e}");
    assert!(distillation_loss(st, &[0.0; 4], &[0, 1], 2.0, 1.5).is_err());
    assert!(distillation_loss(st, &[0.0; 3], &[0, 1], 2.0, 0.5).is_err());
    assert!(distillation_loss(st, &[0.0; 4], &[0, 2], 2.0, 0.5).is_err());
    let mut rng = StdRng::seed_from_u64(0);
    let mut student = Mlp::new(
        &g,
        &[2, 3, 2],
        Activation::Relu,
        Activation::Linear,
        Init::PyTorch,
        &mut rng,
    );
    let mut other = Mlp::new(
        &g,
        &[3, 3, 2],
        Activation::Relu,
        Activation::Linear,
        Init::PyTorch,
        &mut rng,
    );
    assert!(Distill::new(&mut student, &mut other, 2.0, 0.5).is_err());
    let mut teacher = Mlp::new(
        &g,
        &[2, 8, 2],
        Activation::Relu,
        Activation::Linear,
        Init::PyTorch,
        &mut rng,
    );
    let mut d = Distill::new(&mut student, &mut teacher, 2.0, 0.5).unwrap();
    let e = d.loss_and_grad(&[0.0, 1.0], &[1.0], Loss::Mse).unwrap_err();
    assert!(e.to_string().contains("cross_entropy"), "{e}");
}

#[cfg(feature = "datasets")]
/// Training a student by distillation through `fit` moves its parameters and only its own:
/// the teacher is read, never updated.
#[test]
fn distill_trains_the_student_only() {
    let g = Graph::new();
    let mut rng = StdRng::seed_from_u64(4);
    let iris = tapegrad::data::iris();
    let opts = FitOptions::new(5)
        .batch_size(16)
        .loss(Loss::CrossEntropy)
        .verbosity(Verbosity::Silent);
    let mut teacher = Mlp::new(
        &g,
        &[4, 16, 3],
        Activation::Relu,
        Activation::Linear,
        Init::HeUniform,
        &mut rng,
    );
    fit(&mut teacher, &iris, &mut Adam::new(0.01), &opts).unwrap();
    let mut student = Mlp::new(
        &g,
        &[4, 4, 3],
        Activation::Relu,
        Activation::Linear,
        Init::HeUniform,
        &mut rng,
    );
    let (t0, s0) = (teacher.flat_values(), student.flat_values());
    let mut d = Distill::new(&mut student, &mut teacher, 3.0, 0.7).unwrap();
    assert_eq!(d.num_parameters(), 4 * 4 + 4 + 3 * 4 + 3);
    fit(&mut d, &iris, &mut Adam::new(0.01), &opts).unwrap();
    assert_eq!(teacher.flat_values(), t0);
    assert_ne!(student.flat_values(), s0);
}

fn case() -> impl Strategy<Value = (usize, usize, Vec<f64>, Vec<f64>, Vec<usize>, f64, f64)> {
    (1usize..4, 2usize..5).prop_flat_map(|(rows, k)| {
        (
            Just(rows),
            Just(k),
            proptest::collection::vec(-4.0..4.0f64, rows * k),
            proptest::collection::vec(-6.0..6.0f64, rows * k),
            proptest::collection::vec(0..k, rows),
            0.5..8.0f64,
            0.0..=1.0f64,
        )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// The recorded gradient matches central differences of the loss and the closed form
    /// (α·τ·(q − p) + (1 − α)·(softmax(s) − onehot)) / rows.
    #[test]
    fn gradient_matches_finite_differences_and_closed_form(
        (rows, k, s, t, labels, tau, alpha) in case()
    ) {
        let (_, grad) = engine(&s, &t, &labels, k, tau, alpha);
        let eps = 1e-6;
        for i in 0..s.len() {
            let at = |d: f64| {
                let mut x = s.clone();
                x[i] += d;
                engine(&x, &t, &labels, k, tau, alpha).0
            };
            let fd = (at(eps) - at(-eps)) / (2.0 * eps);
            prop_assert!((grad[i] - fd).abs() <= 1e-7 + 1e-6 * fd.abs(), "{i}: {} vs {fd}", grad[i]);
        }
        for r in 0..rows {
            let row = r * k..(r + 1) * k;
            let p = softmax(&t[row.clone()].iter().map(|v| v / tau).collect::<Vec<_>>());
            let q = softmax(&s[row.clone()].iter().map(|v| v / tau).collect::<Vec<_>>());
            let sm = softmax(&s[row.clone()]);
            for i in 0..k {
                let onehot = if labels[r] == i { 1.0 } else { 0.0 };
                let want = (alpha * tau * (q[i] - p[i]) + (1.0 - alpha) * (sm[i] - onehot)) / rows as f64;
                prop_assert!((grad[r * k + i] - want).abs() < 1e-12);
            }
        }
    }
}
