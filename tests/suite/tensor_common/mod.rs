//! Shared helpers for the tensor tests: deterministic data, and a gradient check of a tensor
//! function against central finite differences (and against its recorded gradient).

#![allow(dead_code)]

use tapegrad::{Graph, Tensor};

/// Deterministic pseudo-random numbers in [lo, hi) (a small LCG: no test depends on luck).
pub fn data(n: usize, seed: u64, lo: f64, hi: f64) -> Vec<f64> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            lo + (hi - lo) * ((s >> 11) as f64 / (1u64 << 53) as f64)
        })
        .collect()
}

/// An input of a checked function: its shape and values.
#[derive(Clone)]
pub struct Input {
    pub shape: Vec<usize>,
    pub values: Vec<f64>,
}

impl Input {
    pub fn new(shape: &[usize], seed: u64, lo: f64, hi: f64) -> Input {
        let n = shape.iter().product();
        Input {
            shape: shape.to_vec(),
            values: data(n, seed, lo, hi),
        }
    }
}

/// Evaluates L = Σ f(xs) ⊙ W for fixed pseudo-random weights W (so every output element
/// matters with a different weight).
fn loss<'g>(
    g: &'g Graph,
    xs: &[Tensor<'g>],
    f: &impl for<'a> Fn(&[Tensor<'a>]) -> Tensor<'a>,
) -> tapegrad::Var<'g> {
    let y = f(xs);
    let shape = y.shape();
    let w = g.tensor_const(&data(y.numel(), 99, -1.0, 1.0), &shape);
    (y * w).sum()
}

/// Checks ∂L/∂xᵢ from `backward` against central differences, and the recorded gradient
/// (`grad_graph_tensors`) against `backward`. Returns the largest relative error seen.
pub fn check_grad(inputs: &[Input], f: impl for<'a> Fn(&[Tensor<'a>]) -> Tensor<'a>) {
    let g = Graph::new();
    let xs: Vec<Tensor> = inputs
        .iter()
        .map(|i| g.tensor(&i.values, &i.shape))
        .collect();
    let l = loss(&g, &xs, &f);
    let grads = g.backward(l);
    let recorded = g.try_grad_graph_tensors(l, &xs).unwrap();
    let h = 1e-6;
    for (k, inp) in inputs.iter().enumerate() {
        let analytic = grads.tensor(xs[k]).to_vec();
        assert_eq!(analytic.len(), inp.values.len());
        let rec = recorded[k].to_vec();
        for (e, (a, r)) in analytic.iter().zip(&rec).enumerate() {
            assert!(
                (a - r).abs() <= 1e-9 * (1.0 + a.abs()),
                "input {k} element {e}: backward {a} vs recorded {r}"
            );
        }
        for e in 0..inp.values.len() {
            let eval = |delta: f64| {
                let g2 = Graph::new();
                let xs2: Vec<Tensor> = inputs
                    .iter()
                    .enumerate()
                    .map(|(j, i)| {
                        let mut v = i.values.clone();
                        if j == k {
                            v[e] += delta;
                        }
                        g2.tensor(&v, &i.shape)
                    })
                    .collect();
                loss(&g2, &xs2, &f).value()
            };
            let fd = (eval(h) - eval(-h)) / (2.0 * h);
            let a = analytic[e];
            assert!(
                (a - fd).abs() <= 1e-5 * (1.0 + a.abs().max(fd.abs())),
                "input {k} (shape {:?}) element {e}: backward {a} vs finite difference {fd}",
                inp.shape
            );
        }
    }
}

/// Checks H·v from `hvp_tensors` against central differences of the gradient.
pub fn check_hvp(inputs: &[Input], f: impl for<'a> Fn(&[Tensor<'a>]) -> tapegrad::Var<'a>) {
    let dirs: Vec<Vec<f64>> = inputs
        .iter()
        .enumerate()
        .map(|(k, i)| data(i.values.len(), 500 + k as u64, -1.0, 1.0))
        .collect();
    let grad_at = |t: f64| -> Vec<Vec<f64>> {
        let g = Graph::new();
        let xs: Vec<Tensor> = inputs
            .iter()
            .zip(&dirs)
            .map(|(i, d)| {
                let v: Vec<f64> = i.values.iter().zip(d).map(|(x, d)| x + t * d).collect();
                g.tensor(&v, &i.shape)
            })
            .collect();
        let grads = g.backward(f(&xs));
        xs.iter().map(|&x| grads.tensor(x).to_vec()).collect()
    };
    let g = Graph::new();
    let xs: Vec<Tensor> = inputs
        .iter()
        .map(|i| g.tensor(&i.values, &i.shape))
        .collect();
    let y = f(&xs);
    let v: Vec<&[f64]> = dirs.iter().map(|d| &d[..]).collect();
    let hv = g.try_hvp_tensors(y, &xs, &v).unwrap();
    let h = 1e-5;
    let (up, down) = (grad_at(h), grad_at(-h));
    for k in 0..inputs.len() {
        for e in 0..hv[k].len() {
            let fd = (up[k][e] - down[k][e]) / (2.0 * h);
            let a = hv[k][e];
            assert!(
                (a - fd).abs() <= 1e-5 * (1.0 + a.abs().max(fd.abs())),
                "hvp input {k} element {e}: {a} vs finite difference {fd}"
            );
        }
    }
}
