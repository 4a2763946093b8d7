//! Losses, activations and penalties: values against their textbook formulas, gradients
//! against the stated derivatives and against central finite differences.

use tapegrad::functional::value_and_grad;
use tapegrad::nn::scalar::loss::{
    bce_with_logits, hinge, mae, mean, mse, softmax_cross_entropy, try_mse,
    try_softmax_cross_entropy,
};
use tapegrad::nn::scalar::{Activation, l1_penalty, l2_penalty, leaky_relu, logsumexp, softmax};
use tapegrad::{Error, Graph, Var};

/// Central differences (f(x + h) − f(x − h)) / 2h for each coordinate.
fn finite_diff(f: impl for<'g> Fn(&[Var<'g>]) -> Var<'g> + Copy, x: &[f64]) -> Vec<f64> {
    let h = 1e-6;
    (0..x.len())
        .map(|i| {
            let (mut up, mut down) = (x.to_vec(), x.to_vec());
            up[i] += h;
            down[i] -= h;
            (value_and_grad(f, &up).0 - value_and_grad(f, &down).0) / (2.0 * h)
        })
        .collect()
}

/// The tape's gradient matches central differences (points chosen away from kinks).
fn check_fd(f: impl for<'g> Fn(&[Var<'g>]) -> Var<'g> + Copy, x: &[f64]) {
    let (_, grad) = value_and_grad(f, x);
    let fd = finite_diff(f, x);
    for (i, (a, n)) in grad.iter().zip(&fd).enumerate() {
        assert!(
            (a - n).abs() <= 1e-6 * (1.0 + a.abs()),
            "coordinate {i}: autograd {a} vs finite difference {n}"
        );
    }
}

const P: [f64; 4] = [0.3, -1.2, 2.5, 0.05];
const Y: [f64; 4] = [1.0, -0.5, 2.0, 0.7];

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

#[test]
fn mse_value_and_gradient() {
    let (v, grad) = value_and_grad(|p| mse(p, &Y), &P);
    let expect: f64 = P.iter().zip(Y).map(|(p, y)| (p - y) * (p - y)).sum::<f64>() / 4.0;
    assert!((v - expect).abs() < 1e-15);
    for i in 0..4 {
        assert!((grad[i] - 2.0 * (P[i] - Y[i]) / 4.0).abs() < 1e-15); // 2(p − y)/n
    }
    check_fd(|p| mse(p, &Y), &P);
}

#[test]
fn mae_value_and_gradient() {
    let (v, grad) = value_and_grad(|p| mae(p, &Y), &P);
    let expect: f64 = P.iter().zip(Y).map(|(p, y)| (p - y).abs()).sum::<f64>() / 4.0;
    assert!((v - expect).abs() < 1e-15);
    for i in 0..4 {
        assert_eq!(grad[i], (P[i] - Y[i]).signum() / 4.0); // sign(p − y)/n
    }
    check_fd(|p| mae(p, &Y), &P);
    // At p = y the convention abs'(0) = 0 applies.
    assert_eq!(value_and_grad(|p| mae(p, &[1.0]), &[1.0]).1, vec![0.0]);
}

#[test]
fn bce_with_logits_value_and_gradient() {
    let z = [0.3, -4.0, 12.0, 0.0];
    let t = [1.0, 0.0, 0.25, 1.0];
    let (v, grad) = value_and_grad(|p| bce_with_logits(p, &t), &z);
    // −y ln σ(z) − (1 − y) ln(1 − σ(z)), fine in f64 for these moderate logits.
    let expect: f64 = z
        .iter()
        .zip(t)
        .map(|(&z, y)| -y * sigmoid(z).ln() - (1.0 - y) * (1.0 - sigmoid(z)).ln())
        .sum::<f64>()
        / 4.0;
    assert!((v - expect).abs() < 1e-9, "{v} vs {expect}");
    for i in 0..4 {
        // σ(z) − y, including z = 0 exactly (max's tie split and abs'(0) = 0 combine to it).
        assert!(
            (grad[i] - (sigmoid(z[i]) - t[i]) / 4.0).abs() < 1e-15,
            "coordinate {i}"
        );
    }
    check_fd(|p| bce_with_logits(p, &t), &[0.3, -4.0, 12.0, 0.5]);
}

#[test]
fn bce_with_logits_is_stable() {
    let g = Graph::new();
    let z = [g.var(1000.0), g.var(-1000.0)];
    let l = bce_with_logits(&z, &[0.0, 1.0]); // each term ≈ 1000
    assert_eq!(l.value(), 1000.0);
    let grads = g.backward(l);
    assert_eq!((grads[z[0]], grads[z[1]]), (0.5, -0.5)); // (σ(±1000) − y)/2
}

#[test]
fn hinge_value_and_gradient() {
    let s = [0.3, -2.0, 0.8, 1.5];
    let y = [1.0, -1.0, -1.0, 1.0];
    let (v, grad): (f64, _) = value_and_grad(|p| hinge(p, &y), &s);
    // margins y·s = 0.3, 2, −0.8, 1.5 → losses 0.7, 0, 1.8, 0
    assert!((v - (0.7 + 1.8) / 4.0).abs() < 1e-15);
    assert_eq!(grad, vec![-0.25, 0.0, 0.25, 0.0]); // −y/n where the margin is < 1
    check_fd(|p| hinge(p, &y), &s);
}

#[test]
fn softmax_cross_entropy_value_and_gradient() {
    let z = [1.0, 2.0, 0.5, -1.0, 0.0, 3.0];
    let labels = [1, 2];
    fn f<'g>(p: &[Var<'g>]) -> Var<'g> {
        softmax_cross_entropy(&[&p[..3], &p[3..]], &[1, 2])
    }
    let (v, grad) = value_and_grad(f, &z);
    let mut expect = 0.0;
    for (row, &c) in z.chunks(3).zip(&labels) {
        let total: f64 = row.iter().map(|v| v.exp()).sum();
        expect += total.ln() - row[c];
        for (j, &zj) in row.iter().enumerate() {
            let s = zj.exp() / total;
            let k = if row.as_ptr() == z.as_ptr() { j } else { 3 + j };
            let want = (s - if j == c { 1.0 } else { 0.0 }) / 2.0; // (softmax − one-hot)/n
            assert!((grad[k] - want).abs() < 1e-15, "logit {k}");
        }
    }
    assert!((v - expect / 2.0).abs() < 1e-14);
    check_fd(f, &z);
}

#[test]
fn softmax_cross_entropy_is_stable() {
    let g = Graph::new();
    let z = vec![g.var(1000.0), g.var(0.0)];
    let l = softmax_cross_entropy(std::slice::from_ref(&z), &[1]);
    assert_eq!(l.value(), 1000.0);
    let grads = g.backward(l);
    assert_eq!((grads[z[0]], grads[z[1]]), (1.0, -1.0));
}

#[test]
fn softmax_and_logsumexp() {
    let z: [f64; 3] = [0.5, -1.0, 2.0];
    // ∂ logsumexp/∂zᵢ = softmax(z)ᵢ
    let (v, grad) = value_and_grad(|p| logsumexp(p), &z);
    let total: f64 = z.iter().map(|v| v.exp()).sum();
    assert!((v - total.ln()).abs() < 1e-15);
    for i in 0..3 {
        assert!((grad[i] - z[i].exp() / total).abs() < 1e-15);
    }
    check_fd(|p| logsumexp(p), &z);
    // ∂s₀/∂zⱼ = s₀(δ₀ⱼ − sⱼ)
    let (s0, g0) = value_and_grad(|p| softmax(p)[0], &z);
    let s: Vec<f64> = z.iter().map(|v| v.exp() / total).collect();
    assert!((s0 - s[0]).abs() < 1e-15);
    for j in 0..3 {
        let want = s[0] * (if j == 0 { 1.0 } else { 0.0 } - s[j]);
        assert!((g0[j] - want).abs() < 1e-15);
    }
    check_fd(|p| softmax(p)[2], &z);
}

#[test]
fn activations_and_their_derivatives() {
    let cases: [(Activation, f64, f64, f64); 9] = [
        // (activation, u, f(u), f'(u))
        (Activation::Linear, -1.5, -1.5, 1.0),
        (
            Activation::Tanh,
            0.5,
            0.5f64.tanh(),
            1.0 - 0.5f64.tanh().powi(2),
        ),
        (Activation::Relu, 2.0, 2.0, 1.0),
        (Activation::Relu, -2.0, 0.0, 0.0),
        (Activation::Relu, 0.0, 0.0, 0.0), // relu'(0) = 0
        (
            Activation::Sigmoid,
            1.0,
            sigmoid(1.0),
            sigmoid(1.0) * (1.0 - sigmoid(1.0)),
        ),
        (Activation::LeakyRelu(0.01), 3.0, 3.0, 1.0),
        (Activation::LeakyRelu(0.01), -3.0, -0.03, 0.01),
        (Activation::LeakyRelu(0.2), 0.0, 0.0, 0.2), // PyTorch's convention at 0
    ];
    for (act, u, fu, dfu) in cases {
        let g = Graph::new();
        let x = g.var(u);
        let y = act.apply(x);
        assert!((y.value() - fu).abs() < 1e-15, "{act:?} at {u}");
        assert!((g.backward(y)[x] - dfu).abs() < 1e-15, "{act:?}' at {u}");
        assert!((act.eval(u) - fu).abs() < 1e-15, "{act:?}.eval at {u}");
    }
    for u in [-0.7, 0.3, 1.9] {
        check_fd(|p| Activation::Tanh.apply(p[0]), &[u]);
        check_fd(|p| Activation::Sigmoid.apply(p[0]), &[u]);
        check_fd(|p| leaky_relu(p[0], 0.1), &[u]);
    }
}

#[test]
fn penalties() {
    let p = [0.5, -2.0, 0.0, 3.0];
    let (v2, g2) = value_and_grad(|x| l2_penalty(x), &p);
    assert_eq!(v2, 0.25 + 4.0 + 0.0 + 9.0);
    assert_eq!(g2, vec![1.0, -4.0, 0.0, 6.0]); // 2p
    let (v1, g1) = value_and_grad(|x| l1_penalty(x), &p);
    assert_eq!(v1, 5.5);
    assert_eq!(g1, vec![1.0, -1.0, 0.0, 1.0]); // sign(p), 0 at 0
    check_fd(|x| l2_penalty(x), &p);
    check_fd(|x| l1_penalty(x), &[0.5, -2.0, 3.0]);
}

#[test]
fn mean_of_terms() {
    let (v, grad) = value_and_grad(|x| mean(x), &[1.0, 2.0, 6.0]);
    assert_eq!(v, 3.0);
    assert_eq!(grad, vec![1.0 / 3.0; 3]);
}

#[test]
fn bad_inputs_are_errors() {
    let g = Graph::new();
    let p = [g.var(1.0), g.var(2.0)];
    assert!(matches!(try_mse(&p, &[1.0]), Err(Error::Shape { .. })));
    assert!(try_mse(&[], &[] as &[f64]).is_err());
    let err = try_softmax_cross_entropy(&[p.to_vec()], &[2]).unwrap_err();
    assert!(
        err.to_string().contains("row 0 has label 2 but 2 logits"),
        "{err}"
    );
}

/// Class labels are `usize` for the tensor losses too, and give the same loss as the same
/// classes written as `f64` targets.
#[test]
fn tensor_losses_take_usize_labels() {
    use tapegrad::nn::train::Loss;
    let g = Graph::new();
    let z = g.tensor(&[0.5, -1.0, 2.0, 0.0, 1.0, -0.5], &[2, 3]);
    let a = Loss::CrossEntropy.try_labels(z, &[2, 0]).unwrap();
    let b = Loss::CrossEntropy.try_tensor(z, &[2.0, 0.0]).unwrap();
    assert_eq!(a.value(), b.value());
    let s = g.tensor(&[0.5, -1.0], &[2, 1]);
    let a = Loss::BceWithLogits.try_labels(s, &[1, 0]).unwrap();
    let b = Loss::BceWithLogits.try_tensor(s, &[1.0, 0.0]).unwrap();
    assert_eq!(a.value(), b.value());
    assert!(matches!(
        Loss::BceWithLogits.try_labels(s, &[1, 2]),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        Loss::Mse.try_labels(s, &[1, 0]),
        Err(Error::Invalid(_))
    ));
}
