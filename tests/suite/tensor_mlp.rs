//! Scalar-vs-tensor agreement: the same small MLP (3 → 4 tanh → 2, batch 3, mean softmax
//! cross-entropy) written with scalar `Var`s and with tensors gives the same loss and the same
//! gradients; and a training loop with mark/rewind keeps the tape from growing.

use crate::tensor_common;

use tapegrad::nn::functional::cross_entropy;
use tapegrad::{Graph, Var};
use tensor_common::data;

const B: usize = 3;
const I: usize = 3;
const H: usize = 4;
const O: usize = 2;

struct Params {
    x: Vec<f64>,
    w1: Vec<f64>,
    b1: Vec<f64>,
    w2: Vec<f64>,
    b2: Vec<f64>,
    labels: Vec<usize>,
}

fn params() -> Params {
    Params {
        x: data(B * I, 1, -1.0, 1.0),
        w1: data(I * H, 2, -1.0, 1.0),
        b1: data(H, 3, -0.5, 0.5),
        w2: data(H * O, 4, -1.0, 1.0),
        b2: data(O, 5, -0.5, 0.5),
        labels: vec![1, 0, 1],
    }
}

/// The scalar version: every weight a `Var`, every sum written out.
fn scalar(p: &Params) -> (f64, Vec<Vec<f64>>) {
    let g = Graph::new();
    let vars = |v: &[f64]| -> Vec<Var> { v.iter().map(|&x| g.var(x)).collect() };
    let (w1, b1, w2, b2) = (vars(&p.w1), vars(&p.b1), vars(&p.w2), vars(&p.b2));
    let mut losses = Vec::new();
    for r in 0..B {
        let h: Vec<Var> = (0..H)
            .map(|j| {
                let terms: Vec<Var> = (0..I).map(|i| w1[i * H + j] * p.x[r * I + i]).collect();
                (g.sum(&terms) + b1[j]).tanh()
            })
            .collect();
        let z: Vec<Var> = (0..O)
            .map(|k| {
                let terms: Vec<Var> = (0..H).map(|j| h[j] * w2[j * O + k]).collect();
                g.sum(&terms) + b2[k]
            })
            .collect();
        // −log softmax(z)[label] = ln Σ eᶻ − z[label]
        let exps: Vec<Var> = z.iter().map(|v| v.exp()).collect();
        losses.push(g.sum(&exps).ln() - z[p.labels[r]]);
    }
    let loss = g.sum(&losses) / B as f64;
    let grads = g.backward(loss);
    let gs = [&w1, &b1, &w2, &b2].map(|ps| grads.wrt(ps)).to_vec();
    (loss.value(), gs)
}

/// The tensor version.
fn tensor(p: &Params) -> (f64, Vec<Vec<f64>>) {
    let g = Graph::new();
    let x = g.tensor_const(&p.x, &[B, I]);
    let w1 = g.tensor(&p.w1, &[I, H]);
    let b1 = g.tensor(&p.b1, &[H]);
    let w2 = g.tensor(&p.w2, &[H, O]);
    let b2 = g.tensor(&p.b2, &[O]);
    let h = (x.matmul(w1) + b1).tanh();
    let z = h.matmul(w2) + b2;
    let loss = cross_entropy(z, &p.labels);
    let grads = g.backward(loss);
    let gs = [w1, b1, w2, b2].map(|t| grads.tensor(t).to_vec()).to_vec();
    (loss.value(), gs)
}

#[test]
fn scalar_and_tensor_mlps_agree() {
    let p = params();
    let (ls, gs) = scalar(&p);
    let (lt, gt) = tensor(&p);
    assert!((ls - lt).abs() < 1e-12, "loss {ls} vs {lt}");
    for (k, (a, b)) in gs.iter().zip(&gt).enumerate() {
        assert_eq!(a.len(), b.len());
        for (e, (x, y)) in a.iter().zip(b).enumerate() {
            assert!((x - y).abs() < 1e-12, "param {k} element {e}: {x} vs {y}");
        }
    }
}

#[test]
fn training_with_rewind_keeps_the_tape_flat_and_learns() {
    let p = params();
    let g = Graph::new();
    let w1 = g.tensor(&p.w1, &[I, H]);
    let b1 = g.tensor(&p.b1, &[H]);
    let w2 = g.tensor(&p.w2, &[H, O]);
    let b2 = g.tensor(&p.b2, &[O]);
    let mark = g.mark();
    let len = g.len();
    let mut grads = tapegrad::Grads::new();
    let mut losses = vec![];
    let mut stale = None;
    for _ in 0..50 {
        let x = g.tensor_const(&p.x, &[B, I]);
        let h = (x.matmul(w1) + b1).tanh();
        let loss = cross_entropy(h.matmul(w2) + b2, &p.labels);
        g.backward_into(loss, &mut grads).unwrap();
        for t in [w1, b1, w2, b2] {
            let d = grads.tensor(t);
            g.update_tensor(t, |w| w.iter_mut().zip(d).for_each(|(w, d)| *w -= 0.5 * d))
                .unwrap();
        }
        losses.push(loss.value());
        stale = Some(h);
        g.rewind(mark);
        assert_eq!(g.len(), len);
    }
    assert!(losses[49] < 0.5 * losses[0], "{losses:?}");
    // A handle to a freed intermediate is a clear error, not a wrong number.
    assert!(matches!(
        stale.unwrap().try_to_vec(),
        Err(tapegrad::Error::StaleHandle { .. })
    ));
}

#[test]
fn f32_graph_agrees_with_f64() {
    let p = params();
    let (l64, g64) = tensor(&p);
    let f = |v: &[f64]| -> Vec<f32> { v.iter().map(|&x| x as f32).collect() };
    let g = Graph::<f32>::default();
    let x = g.tensor_const(&f(&p.x), &[B, I]);
    let w1 = g.tensor(&f(&p.w1), &[I, H]);
    let b1 = g.tensor(&f(&p.b1), &[H]);
    let w2 = g.tensor(&f(&p.w2), &[H, O]);
    let b2 = g.tensor(&f(&p.b2), &[O]);
    let loss = cross_entropy((x.matmul(w1) + b1).tanh().matmul(w2) + b2, &p.labels);
    let grads = g.backward(loss);
    assert!((f64::from(loss.value()) - l64).abs() < 1e-5);
    for (t, want) in [w1, b1, w2, b2].iter().zip(&g64) {
        for (a, b) in grads.tensor(*t).iter().zip(want) {
            assert!((f64::from(*a) - b).abs() < 1e-5, "{a} vs {b}");
        }
    }
}
