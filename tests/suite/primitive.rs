//! User-defined primitives: declared once over `Real`, used on `Var` and (elementwise, with
//! broadcasting) on `Tensor`, recorded as one node, differentiated once and twice, in forward
//! mode, shown by name in traces and pictures, checked by `check_primitive`, and refused with
//! a clear `Error` when declared or applied wrongly.
//!
//! Every expected derivative is derived by hand in a comment next to it, or compared with
//! central differences of a plain-`f64` formula written independently of the primitive.

use proptest::prelude::*;
use tapegrad::functional::{Array, hessian_tensor, jvp_tensor};
use tapegrad::gradcheck::{CheckKind, PrimitiveCheckOptions, check_primitive, try_check_primitive};
use tapegrad::primitive::PrimitiveProblem;
use tapegrad::trace::{Dot, TextStyle, Trace};
use tapegrad::transform::JvpMethod;
use tapegrad::{Error, Graph, Op, Primitive, Real, Tensor, TensorOp};

/// softsign(x) = x / (1 + |x|); softsign'(x) = 1 / (1 + |x|)².
#[derive(Clone, Copy)]
struct Softsign;

impl Primitive for Softsign {
    fn name(&self) -> &'static str {
        "softsign"
    }
    fn arity(&self) -> usize {
        1
    }
    fn forward<R: Real>(&self, x: &[R]) -> R {
        x[0] / (x[0].lit(1.0) + x[0].abs())
    }
    fn pullback<R: Real>(&self, x: &[R], _y: R, g: R) -> Vec<R> {
        let d = x[0].lit(1.0) + x[0].abs();
        vec![g / (d * d)]
    }
}

/// hypot(a, b) = √(a² + b²); ∂/∂a = a/y, ∂/∂b = b/y (reusing the output y).
#[derive(Clone, Copy)]
struct Hypot;

impl Primitive for Hypot {
    fn name(&self) -> &'static str {
        "hypot"
    }
    fn arity(&self) -> usize {
        2
    }
    fn forward<R: Real>(&self, x: &[R]) -> R {
        (x[0] * x[0] + x[1] * x[1]).sqrt()
    }
    fn pullback<R: Real>(&self, x: &[R], y: R, g: R) -> Vec<R> {
        vec![g * x[0] / y, g * x[1] / y]
    }
}

/// fma(a, b, c) = a·b + c; ∂ = (b, a, 1). Three inputs.
#[derive(Clone, Copy)]
struct Fma;

impl Primitive for Fma {
    fn name(&self) -> &'static str {
        "fma"
    }
    fn arity(&self) -> usize {
        3
    }
    fn forward<R: Real>(&self, x: &[R]) -> R {
        x[0] * x[1] + x[2]
    }
    fn pullback<R: Real>(&self, x: &[R], _y: R, g: R) -> Vec<R> {
        vec![g * x[1], g * x[0], g]
    }
}

/// hinge²(x) = max(x, 0)² = x²·step(x); its derivative 2x·step(x), its second 2·step(x):
/// decided through `Real::step`, which a tensor answers element by element.
#[derive(Clone, Copy)]
struct HingeSq;

impl Primitive for HingeSq {
    fn name(&self) -> &'static str {
        "hinge_sq"
    }
    fn arity(&self) -> usize {
        1
    }
    fn forward<R: Real>(&self, x: &[R]) -> R {
        x[0] * x[0] * x[0].step()
    }
    fn pullback<R: Real>(&self, x: &[R], _y: R, g: R) -> Vec<R> {
        vec![g * x[0].lit(2.0) * x[0] * x[0].step()]
    }
}

/// |x|³; derivative 3x²·sign(x), second derivative 6x·sign(x) = 6|x|.
#[derive(Clone, Copy)]
struct AbsCube;

impl Primitive for AbsCube {
    fn name(&self) -> &'static str {
        "abs_cube"
    }
    fn arity(&self) -> usize {
        1
    }
    fn forward<R: Real>(&self, x: &[R]) -> R {
        let a = x[0].abs();
        a * a * a
    }
    fn pullback<R: Real>(&self, x: &[R], _y: R, g: R) -> Vec<R> {
        vec![g * x[0].lit(3.0) * x[0] * x[0] * x[0].sign()]
    }
}

/// |x|³ with the sign decided through `to_f64`, the mistake `Real::sign` exists to avoid.
#[derive(Clone, Copy)]
struct AbsCubeBranchy;

impl Primitive for AbsCubeBranchy {
    fn name(&self) -> &'static str {
        "abs_cube_branchy"
    }
    fn arity(&self) -> usize {
        1
    }
    fn forward<R: Real>(&self, x: &[R]) -> R {
        AbsCube.forward(x)
    }
    fn pullback<R: Real>(&self, x: &[R], _y: R, g: R) -> Vec<R> {
        let d = g * x[0].lit(3.0) * x[0] * x[0];
        vec![if x[0].to_f64() > 0.0 { d } else { -d }]
    }
}

/// ln x as a primitive, to produce non-finite values on purpose.
#[derive(Clone, Copy)]
struct Log;

impl Primitive for Log {
    fn name(&self) -> &'static str {
        "my_log"
    }
    fn arity(&self) -> usize {
        1
    }
    fn forward<R: Real>(&self, x: &[R]) -> R {
        x[0].ln()
    }
    fn pullback<R: Real>(&self, x: &[R], _y: R, g: R) -> Vec<R> {
        vec![g / x[0]]
    }
}

/// softsign with a planted mistake: the square is missing from the derivative.
#[derive(Clone, Copy)]
struct SoftsignWrong;

impl Primitive for SoftsignWrong {
    fn name(&self) -> &'static str {
        "softsign_wrong"
    }
    fn arity(&self) -> usize {
        1
    }
    fn forward<R: Real>(&self, x: &[R]) -> R {
        Softsign.forward(x)
    }
    fn pullback<R: Real>(&self, x: &[R], _y: R, g: R) -> Vec<R> {
        vec![g / (x[0].lit(1.0) + x[0].abs())]
    }
}

/// softsign whose pullback is right in value but freezes the partial into a constant (decided
/// through `to_f64`): first order passes, second order cannot.
#[derive(Clone, Copy)]
struct SoftsignFrozen;

impl Primitive for SoftsignFrozen {
    fn name(&self) -> &'static str {
        "softsign_frozen"
    }
    fn arity(&self) -> usize {
        1
    }
    fn forward<R: Real>(&self, x: &[R]) -> R {
        Softsign.forward(x)
    }
    fn pullback<R: Real>(&self, x: &[R], _y: R, g: R) -> Vec<R> {
        let d = 1.0 + x[0].to_f64().abs();
        vec![g * g.lit(1.0 / (d * d))]
    }
}

/// A pullback that forgets its second contribution.
#[derive(Clone, Copy)]
struct ShortPullback;

impl Primitive for ShortPullback {
    fn name(&self) -> &'static str {
        "short_pullback"
    }
    fn arity(&self) -> usize {
        2
    }
    fn forward<R: Real>(&self, x: &[R]) -> R {
        x[0] * x[1]
    }
    fn pullback<R: Real>(&self, x: &[R], _y: R, g: R) -> Vec<R> {
        vec![g * x[1]]
    }
}

/// Independent plain-f64 softsign.
fn softsign(x: f64) -> f64 {
    x / (1.0 + x.abs())
}

/// Central difference of `f` at `x` with step 1e-6.
fn central(f: impl Fn(f64) -> f64, x: f64) -> f64 {
    let h = 1e-6;
    (f(x + h) - f(x - h)) / (2.0 * h)
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * (1.0 + b.abs())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// On scalars: one node, the forward's value, and backward against central differences of
    /// an independent formula (points within 1e-3 of the kink at 0 are left out: there the
    /// second derivative jumps, the first does not, but the stencil must not straddle it).
    #[test]
    fn scalar_gradient_matches_finite_differences(x in -6.0f64..6.0) {
        prop_assume!(x.abs() > 1e-3);
        let g = Graph::new();
        let v = g.var(x);
        let y = v.apply(&Softsign);
        prop_assert!(matches!(g.op(y).unwrap(), Op::Primitive { .. }), "one primitive node");
        prop_assert_eq!(g.len(), 2);
        prop_assert_eq!(y.value(), softsign(x));
        let want = central(softsign, x);
        prop_assert!(close(g.backward(y)[v], want, 1e-7), "{} vs {}", g.backward(y)[v], want);
    }

    /// Two inputs inside a larger expression: ∂/∂a and ∂/∂b of hypot(a, b)·a against central
    /// differences of √(a² + b²)·a.
    #[test]
    fn binary_in_an_expression_matches_finite_differences(a in 0.2f64..4.0, b in -4.0f64..4.0) {
        let g = Graph::new();
        let (va, vb) = (g.var(a), g.var(b));
        let y = g.apply(&Hypot, &[va, vb]) * va;
        let grads = g.backward(y);
        let f = |a: f64, b: f64| (a * a + b * b).sqrt() * a;
        prop_assert!(close(grads[va], central(|t| f(t, b), a), 1e-7));
        prop_assert!(close(grads[vb], central(|t| f(a, t), b), 1e-7));
    }

    /// On a tensor, elementwise: ∂(Σ wᵢ·softsign(xᵢ))/∂xᵢ against central differences, and
    /// the primitive is one tensor node.
    #[test]
    fn tensor_gradient_matches_finite_differences(
        xs in prop::collection::vec(-5.0f64..5.0, 6),
    ) {
        prop_assume!(xs.iter().all(|x| x.abs() > 1e-3));
        let w = [1.0, -2.0, 0.5, 3.0, -1.0, 2.0];
        let g = Graph::new();
        let x = g.tensor(&xs, &[2, 3]);
        let s = x.apply(&Softsign);
        prop_assert!(matches!(g.tensor_op(s).unwrap(), TensorOp::Primitive { .. }), "one tensor node");
        let loss = (s * g.tensor_const(&w, &[2, 3])).sum();
        let grads = g.backward(loss);
        for (i, (&xi, &wi)) in xs.iter().zip(&w).enumerate() {
            let want = wi * central(softsign, xi);
            prop_assert!(close(grads.tensor(x)[i], want, 1e-7));
        }
    }

    /// Broadcasting: hypot(a, b) with a of shape (2, 3) and b of shape (3): b's gradient is
    /// summed over the broadcast axis; both against central differences.
    #[test]
    fn broadcast_tensor_gradient_matches_finite_differences(
        a in prop::collection::vec(0.5f64..3.0, 6),
        b in prop::collection::vec(-3.0f64..3.0, 3),
    ) {
        let g = Graph::new();
        let (ta, tb) = (g.tensor(&a, &[2, 3]), g.tensor(&b, &[3]));
        let y = g.apply_tensors(&Hypot, &[ta, tb]);
        prop_assert_eq!(y.shape(), vec![2, 3]);
        let grads = g.backward(y.sum());
        let total = |a: &[f64], b: &[f64]| -> f64 {
            (0..6).map(|i| (a[i] * a[i] + b[i % 3] * b[i % 3]).sqrt()).sum()
        };
        for i in 0..6 {
            let fd = central(|t| { let mut a2 = a.clone(); a2[i] = t; total(&a2, &b) }, a[i]);
            prop_assert!(close(grads.tensor(ta)[i], fd, 1e-7));
        }
        for j in 0..3 {
            let fd = central(|t| { let mut b2 = b.clone(); b2[j] = t; total(&a, &b2) }, b[j]);
            prop_assert!(close(grads.tensor(tb)[j], fd, 1e-7));
        }
    }
}

/// Grad of grad, through the recorded pullback: softsign'' = −2·sign(x) / (1 + |x|)³.
/// At x = 2: f' = 1/9, f'' = −2/27. At x = −1: f' = 1/4, f'' = 2/8 = 1/4.
#[test]
fn grad_of_grad_matches_the_hand_derivation() {
    let g = Graph::new();
    for (x, d1, d2) in [(2.0, 1.0 / 9.0, -2.0 / 27.0), (-1.0, 0.25, 0.25)] {
        let v = g.var(x);
        let y = v.apply(&Softsign);
        let dy = g.grad_graph(y, &[v])[0];
        assert!((dy.value() - d1).abs() < 1e-15);
        assert!((g.backward(dy)[v] - d2).abs() < 1e-15);
    }
}

/// hypot at (3, 4), y = 5. ∂²y/∂a² = b²/y³, ∂²y/∂a∂b = −ab/y³, ∂²y/∂b² = a²/y³:
/// H = [[16, −12], [−12, 9]] / 125. Reverse-over-reverse, forward-over-reverse and H·v.
#[test]
fn hessian_and_hvp_match_the_hand_derivation() {
    let g = Graph::new();
    let (a, b) = (g.var(3.0), g.var(4.0));
    let y = g.apply(&Hypot, &[a, b]);
    let want = [[16.0 / 125.0, -12.0 / 125.0], [-12.0 / 125.0, 9.0 / 125.0]];
    for h in [g.hessian(y, &[a, b]), g.hessian_fwd(y, &[a, b])] {
        for i in 0..2 {
            for j in 0..2 {
                assert!((h[i][j] - want[i][j]).abs() < 1e-15, "{h:?}");
            }
        }
    }
    // H·(1, 2) = (16 − 24, −12 + 18) / 125
    let hv = g.hvp(y, &[a, b], &[1.0, 2.0]);
    assert!((hv[0] + 8.0 / 125.0).abs() < 1e-15 && (hv[1] - 6.0 / 125.0).abs() < 1e-15);
    // Three inputs: fma(a, b, c) = ab + c, H = [[0, 1, 0], [1, 0, 0], [0, 0, 0]].
    let c = g.var(7.0);
    let f = g.apply(&Fma, &[a, b, c]);
    assert_eq!(f.value(), 19.0);
    let h = g.hessian(f, &[a, b, c]);
    assert_eq!(
        h,
        vec![vec![0.0, 1.0, 0.0], vec![1.0, 0.0, 0.0], vec![0.0; 3]]
    );
}

/// Value-dependent pullbacks on tensors decide element by element through `step` and `sign`.
/// Σ hinge²(x): H = diag(2·step(x)); at (1.5, −0.5, 2): diag(2, 0, 2).
/// Σ |x|³: H = diag(6|x|); at (1.5, −0.5, 2): diag(9, 3, 12).
#[test]
fn tensor_hessians_of_step_and_sign_pullbacks() {
    let x = Array::new(vec![1.5, -0.5, 2.0], &[3]).unwrap();
    let h = hessian_tensor(|t: Tensor| t.apply(&HingeSq).sum(), &x).unwrap();
    assert_eq!(h.shape(), &[3, 3]);
    assert_eq!(h.data(), &[2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 2.0]);
    let h = hessian_tensor(|t: Tensor| t.apply(&AbsCube).sum(), &x).unwrap();
    assert_eq!(h.data(), &[9.0, 0.0, 0.0, 0.0, 3.0, 0.0, 0.0, 0.0, 12.0]);
    // The same on scalars, where step and sign are constants of the graph.
    let g = Graph::new();
    for (xi, want) in [(1.5, 9.0), (-0.5, 3.0), (2.0, 12.0)] {
        let v = g.var(xi);
        assert_eq!(g.hessian(v.apply(&AbsCube), &[v]), vec![vec![want]]);
    }
    // The vocabulary itself: step(0) = 0, sign(0) = 0, elementwise on a tensor.
    let t = g.tensor(&[-2.0, 0.0, 3.0], &[3]);
    assert_eq!(Real::step(t).to_vec(), vec![0.0, 0.0, 1.0]);
    assert_eq!(Real::sign(t).to_vec(), vec![-1.0, 0.0, 1.0]);
    assert_eq!((Real::step(0.0_f64), Real::sign(-0.0_f32)), (0.0, 0.0));
    assert!(Real::sign(f64::NAN).is_nan());
}

/// Forward mode: J·v of hypot at (3, 4) along (1, 2) is (3·1 + 4·2)/5 = 2.2, by tangents and
/// by the transpose trick; on a tensor, J·v of softsign is v / (1 + |x|)².
#[test]
fn jvp_through_a_primitive() {
    let g = Graph::new();
    let (a, b) = (g.var(3.0), g.var(4.0));
    let y = g.apply(&Hypot, &[a, b]);
    for m in [JvpMethod::Tangents, JvpMethod::Transpose] {
        let jv = g.try_jvp_with(m, &[y], &[a, b], &[&[1.0, 2.0]]).unwrap();
        assert!((jv[0][0] - 2.2).abs() < 1e-15, "{m:?}: {jv:?}");
    }
    let lin = g.linearize(&[y], &[a, b]);
    assert!((lin.apply(&[0.0, 5.0])[0] - 4.0).abs() < 1e-15); // 4/5 · 5
    let x = Array::new(vec![1.0, -3.0], &[2]).unwrap();
    let (s, jv) = jvp_tensor(|t: Tensor| t.apply(&Softsign), &x, &[2.0, 1.0]).unwrap();
    assert_eq!(s.data(), &[0.5, -0.75]);
    assert_eq!(jv.data(), &[0.5, 1.0 / 16.0]); // 2/(1+1)², 1/(1+3)²
}

/// The primitive's name in the trace (its computes column and its rule line), in DOT and
/// SVG pictures, and in an anomaly report.
#[test]
fn traces_pictures_and_anomalies_name_the_primitive() {
    let g = Graph::new();
    let x = g.var_named("x", 1.0);
    let y = x.apply(&Softsign) * 2.0;
    let trace = Trace::new(&g, y);
    let text = trace.to_text(TextStyle::Unicode);
    assert!(text.contains("softsign(x)"), "{text}");
    assert!(text.contains("∂softsign(a)/∂a = pullback = 0.25"), "{text}");
    assert_eq!(trace.grad(x), Some(0.5)); // 2 · 1/(1 + 1)²
    let ascii = trace.to_text(TextStyle::Ascii);
    assert!(
        ascii.contains("d softsign(a)/da = pullback = 0.25"),
        "{ascii}"
    );
    let two = g.apply(&Hypot, &[x, x]);
    let t2 = Trace::new(&g, two).to_text(TextStyle::Ascii);
    assert!(
        t2.contains("hypot(x, x)") && t2.contains("d hypot(a, b)/db"),
        "{t2}"
    );
    let grads = g.backward(y);
    assert!(
        Dot::new(&g)
            .with_grads(&grads)
            .to_string()
            .contains("softsign")
    );
    assert!(Dot::new(&g).to_svg().unwrap().contains("softsign"));

    // Forward: a non-finite value refused in anomaly mode, the tape left as it was.
    g.set_detect_anomaly(true);
    let before = g.len();
    let neg = g.var(-1.0);
    let Err(Error::Anomaly(a)) = neg.try_apply(&Log) else {
        panic!("ln(−1) must be an anomaly")
    };
    assert_eq!((a.op, g.len()), ("my_log", before + 1));
    let t = g.tensor(&[1.0, -1.0], &[2]);
    let Err(Error::Anomaly(a)) = t.try_apply(&Log) else {
        panic!("ln(−1) must be an anomaly")
    };
    assert_eq!((a.op, a.element.clone()), ("my_log", Some(vec![1])));
    // Backward: d ln x at 0⁺… is fine; at a value whose partial overflows it is reported with
    // the primitive's name and its local partial.
    let tiny = g.var(1e-320);
    let l = tiny.apply(&Log);
    let Err(Error::Anomaly(a)) = g.try_backward(l) else {
        panic!("1/1e-320 overflows to inf")
    };
    let step = a.backward.unwrap();
    assert_eq!((a.op, step.local), ("my_log", Some(f64::INFINITY)));
}

/// A pullback with a planted mistake is caught, first order, and the report names the
/// primitive; a pullback frozen into constants passes first order and fails second order.
#[test]
fn check_primitive_catches_planted_mistakes() {
    let opts = PrimitiveCheckOptions::default();
    let good = check_primitive(&Softsign, &opts);
    assert!(good.passed(), "{good}");
    assert_eq!(good.reports.len(), 2 * opts.points + 2);
    assert!(check_primitive(&Hypot, &opts).passed());
    assert!(check_primitive(&Fma, &opts).passed());
    assert!(check_primitive(&AbsCube, &opts).passed());

    let wrong = check_primitive(&SoftsignWrong, &opts);
    assert!(!wrong.passed());
    let first = wrong.failures().next().unwrap();
    assert_eq!(first.kind, CheckKind::Gradient);
    let text = wrong.to_string();
    assert!(text.contains("`softsign_wrong`: FAIL"), "{text}");
    assert!(text.contains("∂f/∂x0") && text.contains("FAIL\n"), "{text}");

    let frozen = check_primitive(&SoftsignFrozen, &opts);
    assert!(!frozen.passed());
    assert!(
        frozen
            .failures()
            .all(|r| r.kind == CheckKind::SecondDerivative)
    );

    // A pullback that branches on `to_f64`: right on numbers and on recorded scalars, wrong
    // once recorded on a tensor (whose to_f64 is NaN): only the tensor second order fails.
    let branchy = check_primitive(&AbsCubeBranchy, &opts);
    assert!(!branchy.passed());
    let failed: Vec<_> = branchy.failures().collect();
    assert_eq!(failed.len(), 1, "{branchy}");
    assert_eq!(failed[0].kind, CheckKind::SecondDerivative);
    assert!(!failed[0].tensors.is_empty());
    assert!(
        check_primitive(&AbsCube, &opts)
            .reports
            .iter()
            .all(|r| r.passed())
    );

    // ln outside its domain: those points are skipped, not failed.
    let log = check_primitive(&Log, &opts);
    assert!(log.passed() && log.skipped > 0, "{log}");
}

/// Bad declarations and uses are an `Error` a caller can match, never a panic in the sweep.
#[test]
fn bad_declarations_are_errors() {
    let g = Graph::new();
    let (a, b) = (g.var(1.0), g.var(2.0));
    let e = g.try_apply(&Softsign, &[a, b]).unwrap_err();
    assert_eq!(
        e,
        Error::Primitive {
            name: "softsign",
            problem: PrimitiveProblem::Arity {
                expected: 1,
                got: 2
            }
        }
    );
    assert!(e.to_string().contains("takes 1 input(s)"), "{e}");
    let t = g.tensor(&[1.0], &[1]);
    assert!(matches!(
        g.try_apply_tensors(&Hypot, &[t]),
        Err(Error::Primitive {
            problem: PrimitiveProblem::Arity {
                expected: 2,
                got: 1
            },
            ..
        })
    ));
    let s = g.tensor(&[1.0, 2.0], &[2]);
    let u = g.tensor(&[1.0, 2.0, 3.0], &[3]);
    assert!(matches!(
        g.try_apply_tensors(&Hypot, &[s, u]),
        Err(Error::Shape { .. })
    ));

    let short = Error::Primitive {
        name: "short_pullback",
        problem: PrimitiveProblem::Contributions {
            expected: 2,
            got: 1,
        },
    };
    let y = g.apply(&ShortPullback, &[a, b]);
    assert_eq!(g.try_backward(y).unwrap_err(), short);
    assert_eq!(g.try_grad_graph(y, &[a]).unwrap_err(), short);
    assert_eq!(g.try_jvp(&[y], &[a], &[1.0]).unwrap_err(), short);
    assert_eq!(Trace::try_new(&g, y).unwrap_err(), short);
    let ty = g.apply_tensors(&ShortPullback, &[s, s]).sum();
    assert_eq!(g.try_backward(ty).unwrap_err(), short);
    assert_eq!(g.try_grad_graph_tensors(ty, &[s]).unwrap_err(), short);
    let opts = PrimitiveCheckOptions::default();
    assert_eq!(
        try_check_primitive(&ShortPullback, &opts).unwrap_err(),
        short
    );
    assert!(
        short
            .to_string()
            .contains("returned 1 contribution(s) for its 2 input(s)")
    );
}

#[test]
#[should_panic(expected = "primitive `hypot` takes 2 input(s) (its arity()) but was applied to 1")]
fn the_panicking_form_says_what_to_fix() {
    let g = Graph::new();
    let a = g.var(1.0);
    let _ = g.apply(&Hypot, &[a]);
}

/// f32: the same rules run in single precision, scalar and tensor, against the f64 values.
#[test]
fn f32_graphs() {
    let g = Graph::<f32>::default();
    let x = g.var(2.0);
    let y = x.apply(&Softsign);
    assert_eq!(y.value(), 2.0 / 3.0);
    assert!((g.backward(y)[x] - 1.0 / 9.0).abs() < 1e-7);
    let d2 = g.backward(g.grad_graph(y, &[x])[0])[x];
    assert!((d2 + 2.0 / 27.0).abs() < 1e-7);
    let t = g.tensor(&[1.0, -3.0], &[2]);
    let grads = g.backward(t.apply(&Softsign).sum());
    assert_eq!(grads.tensor(t), &[0.25, 1.0 / 16.0]);
    let x = Array::new(vec![1.5_f32, -0.5], &[2]).unwrap();
    let h = hessian_tensor(|t: Tensor<'_, f32>| t.apply(&HingeSq).sum(), &x).unwrap();
    assert_eq!(h.data(), &[2.0, 0.0, 0.0, 0.0]);
}

/// Primitive nodes live on the tape like any other: rewind frees them, no-grad records a
/// constant, retain keeps what a root needs.
#[test]
fn rewind_no_grad_and_retain() {
    let g = Graph::new();
    let x = g.var(1.0);
    let mark = g.mark();
    for _ in 0..3 {
        let y = x.apply(&Softsign) + g.tensor(&[1.0], &[1]).apply(&Softsign).sum();
        assert_eq!(g.backward(y)[x], 0.25);
        g.rewind(mark);
    }
    assert_eq!(g.len(), 1);
    let op = g.no_grad(|| g.op(x.apply(&Softsign)).unwrap());
    assert_eq!(op, Op::Const);
    let old = x.apply(&HypotZero);
    let keep = x.apply(&Softsign);
    g.retain(&[x.key(), keep.key()]).unwrap();
    assert!(old.try_value().is_err());
    assert_eq!(g.backward(keep)[x], 0.25);
    let again = keep.apply(&Softsign);
    assert_eq!(again.value(), softsign(0.5));
    // A kept tensor primitive above a freed scalar one: its entry stays, the sweep finds it.
    let t = g.tensor(&[3.0], &[1]);
    let _old = x.apply(&HypotZero);
    let kept = t.apply(&Softsign).sum();
    g.retain(&[x.key(), t.key(), kept.key()]).unwrap();
    assert_eq!(g.backward(kept).tensor(t), &[1.0 / 16.0]);
    assert_eq!(g.hessian(x.apply(&Softsign), &[x]), vec![vec![-0.25]]);
}

/// A unary primitive made from `Hypot` with b = 0: |x| in disguise, to have a node that
/// retain frees.
#[derive(Clone, Copy)]
struct HypotZero;

impl Primitive for HypotZero {
    fn name(&self) -> &'static str {
        "hypot0"
    }
    fn arity(&self) -> usize {
        1
    }
    fn forward<R: Real>(&self, x: &[R]) -> R {
        Hypot.forward(&[x[0], x[0].lit(0.0)])
    }
    fn pullback<R: Real>(&self, x: &[R], y: R, g: R) -> Vec<R> {
        vec![Hypot.pullback(&[x[0], x[0].lit(0.0)], y, g)[0]]
    }
}

/// A scalar node mixed into a tensor primitive is a rank-0 tensor: it broadcasts, and its
/// gradient is the sum over the elements. hypot(t, s) with s = 4: ∂/∂s = Σ s / yᵢ.
#[test]
fn a_scalar_input_of_a_tensor_primitive() {
    let g = Graph::new();
    let s = g.var(4.0);
    let t = g.tensor(&[3.0, 0.0], &[2]);
    let y = g.apply_tensors(&Hypot, &[t, s.as_tensor()]);
    assert_eq!(y.to_vec(), vec![5.0, 4.0]);
    let grads = g.backward(y.sum());
    assert_eq!(grads[s], 4.0 / 5.0 + 1.0); // s/5 + s/4
    assert_eq!(grads.tensor(t), &[0.6, 0.0]); // t/y
    // And recorded: ∂²(Σ y)/∂s² = Σ t² / y³ = 9/125 + 0
    let ds = g.grad_graph(y.sum(), &[s])[0];
    assert!((g.backward(ds)[s] - 9.0 / 125.0).abs() < 1e-15);
}

/// On a `Var`, `step` and `sign` are constant nodes: their derivative is zero.
#[test]
fn step_and_sign_of_a_var_are_constants() {
    let g = Graph::new();
    let x = g.var(-2.5);
    let (st, sg) = (Real::step(x), Real::sign(x));
    assert_eq!((st.value(), sg.value()), (0.0, -1.0));
    assert_eq!(
        (g.op(st).unwrap(), g.op(sg).unwrap()),
        (Op::Const, Op::Const)
    );
    assert_eq!(g.backward(sg * x)[x], -1.0);
}
