//! Gradient checking of functions of tensors: correct functions pass (matmul, softmax,
//! broadcasting, reductions), a wrong gradient is caught at the right element, kinks are
//! skipped rather than failed, NaN/inf is never a pass, and the numbers match an independent
//! computation.

use crate::tensor_common;

use approx::assert_relative_eq;
use tapegrad::gradcheck::{
    CheckKind, GradcheckOptions, Status, TensorInput, gradcheck_tensors, gradgradcheck_tensors,
    try_gradcheck_tensors,
};
use tapegrad::tensor::{Conv2dOptions, Pool2dOptions};
use tapegrad::{Error, Tensor, Var};
use tensor_common::data;

/// A scalar function of tensors, as the checks take it.
type F = for<'g> fn(&[Tensor<'g>]) -> Var<'g>;

fn input(shape: &[usize], seed: u64) -> TensorInput {
    let n = shape.iter().product();
    TensorInput::new(&data(n, seed, -1.0, 1.0), shape)
}

/// Σ y ⊙ R for fixed pseudo-random weights R: every element of a tensor output counts, each
/// with its own weight, so the check compares the whole vector–Jacobian product.
fn weighted<'g>(y: Tensor<'g>) -> Var<'g> {
    let r = y
        .graph()
        .tensor_const(&data(y.numel(), 99, -1.0, 1.0), &y.shape());
    (y * r).sum()
}

fn correct_cases() -> Vec<(&'static str, F, Vec<TensorInput>)> {
    vec![
        (
            "matmul + bias + tanh",
            |t| weighted((t[0].matmul(t[1]) + t[2]).tanh()),
            vec![input(&[3, 4], 1), input(&[4, 2], 2), input(&[2], 3)],
        ),
        (
            "batched matmul",
            |t| weighted(t[0].matmul(t[1])),
            vec![input(&[2, 2, 3], 4), input(&[3, 2], 5)],
        ),
        (
            "softmax",
            |t| weighted(t[0].softmax(-1)),
            vec![input(&[2, 4], 6)],
        ),
        (
            "log_softmax cross-entropy",
            |t| {
                let labels = t[0].graph().try_one_hot(&[2, 0, 1], 3).unwrap();
                -(t[0].log_softmax(1) * labels).sum() / 3.0
            },
            vec![input(&[3, 3], 7)],
        ),
        (
            "broadcasting: column times row over a matrix",
            |t| weighted(t[0] * t[1] / (t[2] * t[2] + 1.0)),
            vec![input(&[3, 1], 8), input(&[4], 9), input(&[3, 4], 10)],
        ),
        (
            "reductions: sum, mean over axes, max",
            |t| {
                let s = t[0].sum_axes(&[0], false);
                let m = t[0].mean_axes(&[1], true);
                weighted(s.exp()) + weighted(m * m) + t[0].amax(&[1], false).sum()
            },
            vec![input(&[3, 4], 11)],
        ),
        (
            "elementwise: exp, log, sqrt, sigmoid",
            |t| weighted((t[0] * t[0] + 1.0).ln() + (t[0].exp() + 0.5).sqrt() + t[0].sigmoid()),
            vec![input(&[2, 3], 12)],
        ),
        (
            "conv2d, tanh, max_pool2d",
            |t| {
                let conv = t[0].conv2d(t[1], Some(t[2]), Conv2dOptions::default());
                weighted(conv.tanh().max_pool2d(Pool2dOptions::new(2).stride(1)))
            },
            vec![
                input(&[1, 1, 4, 4], 15),
                input(&[2, 1, 2, 2], 16),
                input(&[2], 17),
            ],
        ),
        (
            "a scalar input among tensors",
            |t| weighted(t[0] * t[1]),
            vec![input(&[], 13), input(&[3], 14)],
        ),
    ]
}

#[test]
fn correct_tensor_functions_pass_gradcheck_and_gradgradcheck() {
    let o = GradcheckOptions::default();
    for (what, f, inputs) in correct_cases() {
        let r = gradcheck_tensors(f, &inputs, o);
        assert!(r.passed(), "{what}:\n{r}");
        let n: usize = inputs.iter().map(|i| i.values.len()).sum();
        assert_eq!(r.components.len(), n, "{what}");
        assert_eq!(r.skipped().count(), 0, "{what}:\n{r}");
        assert!(r.components.iter().all(|c| c.passed()), "{what}");
        let rr = gradgradcheck_tensors(f, &inputs, o);
        assert!(rr.passed(), "{what}:\n{rr}");
        assert_eq!(rr.components.len(), n * n, "{what}");
    }
}

#[test]
fn richardson_extrapolation_tightens_the_check() {
    // With eps = 1e-3 and Richardson the error is O(eps⁴): a tolerance of 1e-9 holds.
    let o = GradcheckOptions::default()
        .eps(1e-3)
        .richardson(true)
        .atol(1e-9)
        .rtol(1e-9);
    let (what, f, inputs) = correct_cases().swap_remove(2);
    let r = gradcheck_tensors(f, &inputs, o);
    assert!(r.passed(), "{what}:\n{r}");
    assert!(r.to_string().contains("Richardson"));
}

#[test]
fn the_report_numbers_match_an_independent_computation() {
    // f(W, x) = Σᵢ (W·x)ᵢ²: ∂f/∂W_ij = 2 (W·x)ᵢ xⱼ, ∂f/∂x_j = Σᵢ 2 (W·x)ᵢ W_ij.
    let (w, x) = ([0.5, -1.0, 2.0, 0.25, 1.5, -0.75], [1.0, -2.0, 0.5]);
    let f = |w: &[f64], x: &[f64]| -> f64 {
        (0..2)
            .map(|i| (0..3).map(|j| w[3 * i + j] * x[j]).sum::<f64>().powi(2))
            .sum()
    };
    let wx: Vec<f64> = (0..2)
        .map(|i| (0..3).map(|j| w[3 * i + j] * x[j]).sum())
        .collect();
    let r = gradcheck_tensors(
        |t| {
            let y = t[0].matmul(t[1]);
            (y * y).sum()
        },
        &[
            TensorInput::new(&w, &[2, 3]).named("W"),
            TensorInput::new(&x, &[3, 1]).named("x"),
        ],
        GradcheckOptions::default(),
    );
    assert!(r.passed(), "{r}");
    assert_eq!(r.kind, CheckKind::Gradient);
    assert_eq!(r.outputs, vec![f(&w, &x)]);
    let h = 1e-6;
    for i in 0..2 {
        for j in 0..3 {
            let c = r.get_element(0, &[i, j]).unwrap();
            assert_relative_eq!(c.analytical, 2.0 * wx[i] * x[j], max_relative = 1e-14);
            // the central difference, computed here in plain arithmetic
            let (mut wp, mut wm) = (w, w);
            wp[3 * i + j] += h;
            wm[3 * i + j] -= h;
            let numerical = (f(&wp, &x) - f(&wm, &x)) / (2.0 * h);
            // equal up to the rounding of f in another summation order (~1e-16·|f| / h)
            assert_relative_eq!(c.numerical, numerical, max_relative = 1e-8);
            assert_eq!(c.abs_err, (c.analytical - c.numerical).abs());
            assert_eq!(c.rel_err, c.abs_err / c.numerical.abs());
            assert_eq!(r.label(c), format!("∂f/∂W[{i}, {j}]"));
            assert_eq!(r.element(c.input), Some((0, vec![i, j])));
        }
    }
    for j in 0..3 {
        let c = r.get_element(1, &[j, 0]).unwrap();
        let by_hand = 2.0 * (wx[0] * w[j] + wx[1] * w[3 + j]);
        assert_relative_eq!(c.analytical, by_hand, max_relative = 1e-14);
        assert_eq!(c.input, 6 + j); // x's elements come after W's six
    }
    assert_eq!(r.column(1, &[2, 0]), Some(8));
    assert_eq!(r.column(1, &[3, 0]), None);
    // The table names every element by tensor and multi-index, aligned.
    let text = r.to_string();
    assert!(text.starts_with("gradcheck: PASS, 9 components"), "{text}");
    assert!(
        text.contains("at W of shape [2, 3], x of shape [3, 1]"),
        "{text}"
    );
    let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("  ∂f/∂")).collect();
    assert_eq!(rows.len(), 9, "{text}");
    assert!(rows[0].trim_start().starts_with("∂f/∂W[0, 0]"), "{text}");
    assert!(rows[8].trim_start().starts_with("∂f/∂x[2, 0]"), "{text}");
    let width = rows[0].chars().count();
    assert!(rows.iter().all(|l| l.chars().count() == width), "{text}");
}

#[test]
fn second_derivatives_match_the_hand_hessian() {
    // f(x) = Σ xᵢ² · Σ xᵢ: ∂²f/∂xᵢ∂xⱼ = 2 δᵢⱼ Σx + 2xᵢ + 2xⱼ
    let x = [0.5, -1.0, 2.0];
    let r = gradgradcheck_tensors(
        |t| (t[0] * t[0]).sum() * t[0].sum(),
        &[TensorInput::new(&x, &[3]).named("x")],
        GradcheckOptions::default(),
    );
    assert!(r.passed(), "{r}");
    assert_eq!(r.kind, CheckKind::SecondDerivative);
    let sum: f64 = x.iter().sum();
    for i in 0..3 {
        for j in 0..3 {
            let by_hand = if i == j { 2.0 * sum } else { 0.0 } + 2.0 * x[i] + 2.0 * x[j];
            let c = r.get(i, j).unwrap();
            assert_relative_eq!(c.analytical, by_hand, max_relative = 1e-14);
        }
    }
    assert_eq!(r.label(r.get(0, 2).unwrap()), "∂²f/∂x[0]∂x[2]");
    assert_eq!(r.label(r.get(1, 1).unwrap()), "∂²f/∂x[1]²");
}

#[test]
fn a_wrong_gradient_is_caught_at_the_right_element() {
    // Plant a bug in the backward pass: a hook flips the sign of one element of the gradient
    // flowing through h = 2W, as a wrong rule would. f = Σ tanh(h) ⊙ R.
    let f: F = |t| {
        let h = t[0] * 2.0;
        t[0].graph().register_tensor_hook(h, |_, d| d[4] = -d[4]);
        weighted(h.tanh())
    };
    let r = gradcheck_tensors(
        f,
        &[input(&[2, 3], 21).named("W")],
        GradcheckOptions::default(),
    );
    assert!(!r.passed());
    let failed: Vec<_> = r.failures().collect();
    assert_eq!(failed.len(), 1, "{r}");
    assert_eq!(r.element(failed[0].input), Some((0, vec![1, 1])));
    assert_eq!(r.worst().unwrap().input, 4);
    assert_eq!(failed[0].status, Status::Mismatch);
    // the sign error: the engine's value is the negated numerical one
    assert_relative_eq!(
        failed[0].analytical,
        -failed[0].numerical,
        max_relative = 1e-6
    );
    let text = r.to_string();
    assert!(text.starts_with("gradcheck: FAIL (1 of 6)"), "{text}");
    assert!(text.contains("worst ∂f/∂W[1, 1]"), "{text}");
}

#[test]
fn kinks_are_skipped_not_failed() {
    // relu at an element exactly 0: relu'(0) = 0 by convention, the central difference is ½.
    let r = gradcheck_tensors(
        |t| (t[0].relu() * 3.0).sum(),
        &[TensorInput::new(&[1.0, 0.0, -2.0], &[3])],
        GradcheckOptions::default(),
    );
    assert!(r.passed(), "{r}");
    let skipped: Vec<_> = r.skipped().collect();
    assert_eq!(skipped.len(), 1);
    let c = skipped[0];
    assert_eq!((c.input, c.kink, c.analytical), (1, Some("relu"), 0.0));
    assert_relative_eq!(c.numerical, 1.5, max_relative = 1e-6);
    assert_eq!(r.worst().unwrap().status, Status::Pass);
    assert!(r.to_string().contains("(1 skipped at kinks)"), "{r}");
    assert!(r.to_string().contains("crosses relu"), "{r}");

    // A three-way tie of a max reduction: each maximum gets 1/3 by convention, but moving
    // one of them up or down gives a difference quotient of ½. Row 1 has no tie.
    let r = gradcheck_tensors(
        |t| t[0].amax(&[1], false).sum(),
        &[TensorInput::new(&[1.0, 1.0, 1.0, 0.5, 3.0, -1.0], &[2, 3])],
        GradcheckOptions::default(),
    );
    assert!(r.passed(), "{r}");
    let skipped: Vec<_> = r.skipped().map(|c| c.input).collect();
    assert_eq!(skipped, vec![0, 1, 2], "{r}");
    assert!(r.skipped().all(|c| c.kink == Some("max")));
    let row1: Vec<f64> = r.components[3..].iter().map(|c| c.analytical).collect();
    assert_eq!(row1, vec![0.0, 1.0, 0.0]);
    assert!(r.components[3..].iter().all(|c| c.passed()), "{r}");

    // The same three-way tie inside one 2×2 window of a max pool; the second window
    // (3, 0, −1, 2) has no tie and is checked as usual.
    let r = gradcheck_tensors(
        |t| t[0].max_pool2d(Pool2dOptions::new(2)).sum(),
        &[TensorInput::new(
            &[1.0, 1.0, 3.0, 0.0, 1.0, 0.5, -1.0, 2.0],
            &[1, 1, 2, 4],
        )],
        GradcheckOptions::default(),
    );
    assert!(r.passed(), "{r}");
    let skipped: Vec<_> = r.skipped().map(|c| c.input).collect();
    assert_eq!(skipped, vec![0, 1, 4], "{r}");
    assert!(r.skipped().all(|c| c.kink == Some("max pool")), "{r}");
    let second: Vec<f64> = [2, 3, 6, 7].map(|i| r.components[i].analytical).to_vec();
    assert_eq!(second, vec![1.0, 0.0, 0.0, 0.0]);

    // Where the convention is what the central difference gives (a tie of two splits ½ / ½,
    // abs'(0) = 0), the stencil still crosses the kink but the numbers agree: a pass.
    let cases: [(F, &str); 2] = [
        (|t| t[0].maximum(t[0] * 0.0 + 1.0).sum(), "max"),
        (|t| (t[0] - 1.0).abs().sum(), "abs"),
    ];
    for (f, kink) in cases {
        let r = gradcheck_tensors(
            f,
            &[TensorInput::new(&[1.0, 0.5, 3.0], &[3])],
            GradcheckOptions::default(),
        );
        assert!(r.passed(), "{kink}:\n{r}");
        assert_eq!(r.skipped().count(), 0);
        assert_eq!(r.components[0].kink, Some(kink), "{kink}:\n{r}");
        assert_eq!(r.components[0].status, Status::Pass);
    }
}

#[test]
fn nan_and_inf_are_reported_never_passed() {
    // sqrt at 0: the engine's derivative is +inf, the one-sided stencil gives NaN.
    let r = gradcheck_tensors(
        |t| t[0].sqrt().sum(),
        &[TensorInput::new(&[4.0, 0.0], &[2])],
        GradcheckOptions::default(),
    );
    assert!(!r.passed());
    let c = r.get_element(0, &[1]).unwrap();
    assert_eq!(c.status, Status::NonFinite);
    assert_eq!(c.analytical, f64::INFINITY);
    assert!(r.get_element(0, &[0]).unwrap().passed());
    assert_eq!(r.worst().unwrap().input, 1);
    let text = r.to_string();
    assert!(text.contains("NOT FINITE"), "{text}");
    assert!(text.contains("never as a pass"), "{text}");
}

#[test]
fn bad_input_is_a_clear_error() {
    let o = GradcheckOptions::default();
    let f: F = |t| t[0].sum();
    let e = try_gradcheck_tensors(f, &[TensorInput::new(&[1.0, 2.0, 3.0], &[2, 2])], o);
    assert!(matches!(e, Err(Error::Shape { .. })), "{e:?}");
    assert!(matches!(
        try_gradcheck_tensors(f, &[], o),
        Err(Error::Invalid(_))
    ));
    let empty = [TensorInput::new(&[], &[0])];
    assert!(matches!(
        try_gradcheck_tensors(f, &empty, o),
        Err(Error::Invalid(_))
    ));
    let bad = o.eps(-1.0);
    let one = [TensorInput::new(&[1.0], &[1])];
    assert!(matches!(
        try_gradcheck_tensors(f, &one, bad),
        Err(Error::Invalid(_))
    ));
}
