//! The numerics DESIGN.md holds the engine to, and the conventions at kinks, in f64 and f32.

use tapegrad::rules::{Fn1, Fn2};
use tapegrad::{Graph, Op, functional};

/// (value, derivative) of a one-variable function at `x`, by `backward`.
fn value_and_derivative(
    x0: f64,
    f: impl for<'g> Fn(tapegrad::Var<'g>) -> tapegrad::Var<'g>,
) -> (f64, f64) {
    let g = Graph::new();
    let x = g.var(x0);
    let y = f(x);
    (y.value(), g.backward(y)[x])
}

#[test]
fn tanh_saturates_with_derivative_exactly_zero() {
    // tanh(±400) rounds to ±1, so tanh' = 1 − y² is exactly 0 (not a tiny or NaN value).
    assert_eq!(value_and_derivative(400.0, |x| x.tanh()), (1.0, 0.0));
    assert_eq!(value_and_derivative(-400.0, |x| x.tanh()), (-1.0, 0.0));
    // The second derivative −2y(1 − y²) is 0 as well.
    let g = Graph::new();
    let x = g.var(400.0);
    assert_eq!(g.hessian(x.tanh(), &[x]), vec![vec![0.0]]);
}

#[test]
fn sigmoid_saturates_without_nan() {
    // σ(800) = 1 and σ(−800) = 0: e^800 overflows, a naive 1/(1 + e^−x) or e^x/(1 + e^x) gives
    // NaN on one side. σ' = y(1 − y) = 0 exactly at both ends, and so is σ'' = σ'(1 − 2y).
    assert_eq!(value_and_derivative(800.0, |x| x.sigmoid()), (1.0, 0.0));
    assert_eq!(value_and_derivative(-800.0, |x| x.sigmoid()), (0.0, 0.0));
    for x0 in [800.0, -800.0] {
        let g = Graph::new();
        let x = g.var(x0);
        assert_eq!(g.hessian(x.sigmoid(), &[x]), vec![vec![0.0]]);
    }
    // Far out but not saturated: σ(−40) = e⁻⁴⁰/(1 + e⁻⁴⁰), σ' = e⁻⁴⁰/(1 + e⁻⁴⁰)², both ≈ e⁻⁴⁰
    // to full relative precision (no cancellation).
    let e = (-40.0_f64).exp();
    let (y, d) = value_and_derivative(-40.0, |x| x.sigmoid());
    assert!((y - e / (1.0 + e)).abs() <= 1e-15 * y);
    assert!((d - e / (1.0 + e).powi(2)).abs() <= 1e-15 * d);
    // σ(0) = ½, σ'(0) = ¼.
    assert_eq!(value_and_derivative(0.0, |x| x.sigmoid()), (0.5, 0.25));
}

#[test]
fn exp_overflows_to_infinity_with_infinite_derivative() {
    // e^710 > f64::MAX: value ∞, derivative eˣ = ∞ (not NaN).
    let (y, d) = value_and_derivative(710.0, |x| x.exp());
    assert_eq!((y, d), (f64::INFINITY, f64::INFINITY));
    // e^709 is finite, and so is its derivative, which equals it exactly.
    let (y, d) = value_and_derivative(709.0, |x| x.exp());
    assert!(y.is_finite());
    assert_eq!(d, y);
}

#[test]
fn sqrt_at_zero_has_infinite_derivative() {
    // √0 = 0, d√x/dx = 1/(2√x) = +∞ at 0.
    assert_eq!(
        value_and_derivative(0.0, |x| x.sqrt()),
        (0.0, f64::INFINITY)
    );
    // √4 = 2, derivative 1/4.
    assert_eq!(value_and_derivative(4.0, |x| x.sqrt()), (2.0, 0.25));
}

#[test]
fn ln_edges() {
    // ln 0 = −∞ with derivative 1/0 = +∞; ln of a negative number is NaN.
    assert_eq!(
        value_and_derivative(0.0, |x| x.ln()),
        (f64::NEG_INFINITY, f64::INFINITY)
    );
    let (y, _) = value_and_derivative(-1.0, |x| x.ln());
    assert!(y.is_nan());
    // log is ln.
    assert_eq!(value_and_derivative(4.0, |x| x.log()), (4.0_f64.ln(), 0.25));
}

#[test]
fn relu_at_zero_has_derivative_zero() {
    // relu'(0) = 0 (PyTorch's choice); 1 on the right, 0 on the left.
    assert_eq!(value_and_derivative(0.0, |x| x.relu()), (0.0, 0.0));
    assert_eq!(value_and_derivative(-0.0, |x| x.relu()), (0.0, 0.0));
    assert_eq!(value_and_derivative(1e-300, |x| x.relu()), (1e-300, 1.0));
    assert_eq!(value_and_derivative(-3.0, |x| x.relu()), (0.0, 0.0));
}

#[test]
fn abs_at_zero_has_derivative_zero() {
    // abs'(0) = sign(0) = 0; ±1 elsewhere.
    assert_eq!(value_and_derivative(0.0, |x| x.abs()), (0.0, 0.0));
    assert_eq!(value_and_derivative(-2.5, |x| x.abs()), (2.5, -1.0));
    assert_eq!(value_and_derivative(2.5, |x| x.abs()), (2.5, 1.0));
}

#[test]
fn max_and_min_split_a_tie_evenly() {
    let g = Graph::new();
    let (x, y) = (g.var(1.5), g.var(1.5));
    let grads = g.backward(x.maximum(y));
    assert_eq!((grads[x], grads[y]), (0.5, 0.5));
    let grads = g.backward(x.minimum(y));
    assert_eq!((grads[x], grads[y]), (0.5, 0.5));
    // max(x, 0) at x = 0 has derivative ½, unlike relu.
    let x = g.var(0.0);
    let zero = g.constant(0.0);
    assert_eq!(g.backward(x.maximum(zero))[x], 0.5);
    assert_eq!(g.backward(x.minimum(zero))[x], 0.5);
    // max(x, x) is x: the two halves add back up to 1.
    assert_eq!(g.backward(x.maximum(x))[x], 1.0);
    // Away from a tie the larger (smaller) input takes all.
    let (a, b) = (g.var(2.0), g.var(-1.0));
    let grads = g.backward(a.maximum(b));
    assert_eq!((grads[a], grads[b]), (1.0, 0.0));
    let grads = g.backward(a.minimum(b));
    assert_eq!((grads[a], grads[b]), (0.0, 1.0));
}

#[test]
fn nan_propagates() {
    // NaN in, NaN out (as in PyTorch), for the ops whose forward takes a branch.
    let g = Graph::new();
    let x = g.var(f64::NAN);
    let one = g.constant(1.0);
    for y in [
        x.relu(),
        x.abs(),
        x.maximum(one),
        one.maximum(x),
        x.minimum(one),
        x.sigmoid(),
    ] {
        assert!(y.value().is_nan(), "{:?}", g.op(y));
    }
}

#[test]
fn powi_with_a_negative_base() {
    // xᵏ by repeated multiplication, derivative k·xᵏ⁻¹, at x = −2:
    // k = 3: −8, 3·4 = 12; k = 2: 4, 2·(−2) = −4; k = −1: −½, −1·(−2)⁻² = −¼;
    // k = −2: ¼, −2·(−2)⁻³ = ¼; k = 0: 1, 0; k = 1: −2, 1.
    for (k, want) in [
        (3, (-8.0, 12.0)),
        (2, (4.0, -4.0)),
        (-1, (-0.5, -0.25)),
        (-2, (0.25, 0.25)),
        (0, (1.0, 0.0)),
        (1, (-2.0, 1.0)),
    ] {
        assert_eq!(value_and_derivative(-2.0, |x| x.powi(k)), want, "k = {k}");
    }
    // x⁰ at 0 is 1 with derivative 0 (not 0·0⁻¹ = NaN); x¹ at 0 has derivative 1.
    assert_eq!(value_and_derivative(0.0, |x| x.powi(0)), (1.0, 0.0));
    assert_eq!(value_and_derivative(0.0, |x| x.powi(1)), (0.0, 1.0));
    // Second derivative of x⁻¹ at −2: 2x⁻³ = −¼.
    let g = Graph::new();
    let x = g.var(-2.0);
    assert_eq!(g.hessian(x.powi(-1), &[x]), vec![vec![-0.25]]);
}

// k − 1 does not fit i32 for k = i32::MIN: the rule must not overflow.
#[test]
fn powi_with_the_most_negative_exponent() {
    // k = i32::MIN: at x = −1, xᵏ = 1 (k is even) and k·xᵏ⁻¹ = k·(−1)^(odd) = 2³¹.
    let (y, d) = value_and_derivative(-1.0, |x| x.powi(i32::MIN));
    assert_eq!(y, 1.0);
    assert_eq!(d, 2147483648.0);
    // At x = 2, 2^(−2³¹) underflows to 0, and so does the derivative k·2^(k−1).
    let (y, d) = value_and_derivative(2.0, |x| x.powi(i32::MIN));
    assert_eq!((y, d), (0.0, -0.0));
}

#[test]
fn integer_powf_is_recorded_as_powi() {
    let g = Graph::new();
    let x = g.var(-3.0);
    // c = 2.0 is an integer: recorded as powi, so a negative base works: (−3)² = 9, 2·(−3) = −6.
    let y = x.powf(2.0);
    assert!(matches!(g.op(y), Ok(Op::Unary(Fn1::Powi(2), _))));
    assert_eq!((y.value(), g.backward(y)[x]), (9.0, -6.0));
    let y = x.powf(-1.0);
    assert!(matches!(g.op(y), Ok(Op::Unary(Fn1::Powi(-1), _))));
    assert_eq!((y.value(), g.backward(y)[x]), (-1.0 / 3.0, -1.0 / 9.0));
    let y = x.powf(0.0);
    assert!(matches!(g.op(y), Ok(Op::Unary(Fn1::Powi(0), _))));
    // A fractional exponent is powf: NaN for a negative base, c·x^(c−1) for a positive one.
    let y = x.powf(0.5);
    assert!(matches!(g.op(y), Ok(Op::Binary(Fn2::Powf, _, _))));
    assert!(y.value().is_nan());
    let z = g.var(4.0);
    let y = z.powf(1.5);
    // 4^1.5 = 8, derivative 1.5·4^0.5 = 3; second derivative 0.75·4^−0.5 = 0.375.
    assert_eq!((y.value(), g.backward(y)[z]), (8.0, 3.0));
    assert_eq!(g.hessian(y, &[z]), vec![vec![0.375]]);
    // The exponent is a constant node (it takes no gradient): y's second input.
    let nodes = g.nodes();
    let node = |k| nodes.iter().find(|n| n.key == k).unwrap();
    let inputs = &node(y.key()).inputs;
    assert_eq!(inputs[0], z.key());
    assert_eq!(
        (node(inputs[1]).op, node(inputs[1]).value),
        (Op::Const, 1.5)
    );
}

#[test]
fn f32_graphs_work() {
    let g = Graph::<f32>::default();
    let (x, y) = (g.var(0.5_f32), g.var(-1.25_f32));
    // f = x²y + eˣ: ∇f = (2xy + eˣ, x²), H = [[2y + eˣ, 2x], [2x, 0]].
    let f = x * x * y + x.exp();
    let grads = g.backward(f);
    let e = 0.5_f32.exp();
    assert!((grads[x] - (2.0 * 0.5 * -1.25 + e)).abs() <= 1e-6);
    assert_eq!(grads[y], 0.25);
    let h = g.hessian(f, &[x, y]);
    assert!((h[0][0] - (2.0 * -1.25 + e)).abs() <= 1e-6);
    assert_eq!((h[0][1], h[1][0], h[1][1]), (1.0, 1.0, 0.0));
    // The same saturation guarantees in f32 (e^800 overflows much earlier there).
    for (x0, want) in [(800.0_f32, 1.0_f32), (-800.0, 0.0)] {
        let x = g.var(x0);
        let s = x.sigmoid();
        assert_eq!((s.value(), g.backward(s)[x]), (want, 0.0));
    }
    let x = g.var(400.0_f32);
    let t = x.tanh();
    assert_eq!((t.value(), g.backward(t)[x]), (1.0, 0.0));
    // f64 numbers mix into f32 expressions: 2.0 * x and x + 1.0_f32.
    let x = g.var(3.0_f32);
    let y = 2.0 * x + (x + 1.0_f32);
    assert_eq!((y.value(), g.backward(y)[x]), (10.0, 3.0));
    // And the functional API takes f32 too: d/dx sin x = cos x.
    let d = functional::grad(|v: &[tapegrad::Var<f32>]| v[0].sin(), &[1.0_f32]);
    assert!((d[0] - 1.0_f32.cos()).abs() <= 1e-7);
}
