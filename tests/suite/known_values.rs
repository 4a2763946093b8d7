//! Numbers published in other projects' documentation, reproduced exactly (or to the printed
//! precision), each with its hand derivation. micrograd's two engine tests are in micrograd.rs.

use crate::common;

use common::{assert_all_close, assert_close};
use tapegrad::{Graph, Var, functional};

#[test]
fn pytorch_blitz_autograd_tutorial() {
    // PyTorch "Autograd: automatic differentiation" (60-minute blitz): x = ones(2, 2),
    // y = x + 2, z = y·y·3, out = z.mean() → out = 27 and d(out)/dx = 4.5 everywhere.
    // By hand: out = ¼ Σ 3(xᵢ + 2)², ∂out/∂xᵢ = (3/2)(xᵢ + 2) = 4.5 at xᵢ = 1.
    let g = Graph::new();
    let x: Vec<Var> = (0..4).map(|_| g.var(1.0)).collect();
    let z: Vec<Var> = x.iter().map(|&xi| (xi + 2.0) * (xi + 2.0) * 3.0).collect();
    let out = g.sum(&z) / 4.0;
    assert_eq!(out.value(), 27.0);
    assert_eq!(g.backward(out).wrt(&x), vec![4.5; 4]);
}

#[test]
fn pytorch_gentle_introduction_to_autograd() {
    // PyTorch "A Gentle Introduction to torch.autograd": a = [2, 3], b = [6, 4],
    // Q = 3a³ − b², Q.backward(gradient = [1, 1]) → a.grad = 9a² = [36, 81], b.grad = −2b = [−12, −8].
    // (Backward with an all-ones gradient is backward of ΣQ.)
    let g = Graph::new();
    let a = [g.var(2.0), g.var(3.0)];
    let b = [g.var(6.0), g.var(4.0)];
    let q: Vec<Var> = (0..2).map(|i| a[i].powi(3) * 3.0 - b[i].powi(2)).collect();
    assert_eq!((q[0].value(), q[1].value()), (-12.0, 65.0));
    let grads = g.backward(g.sum(&q));
    assert_eq!(grads.wrt(&a), vec![36.0, 81.0]);
    assert_eq!(grads.wrt(&b), vec![-12.0, -8.0]);
}

#[test]
fn pytorch_func_hessian_and_jacrev_docs() {
    // torch.func.hessian's example: f(x) = Σ sin xᵢ has Hessian diag(−sin x).
    // torch.func.jacrev's example: the Jacobian of elementwise sin is diag(cos x).
    let x = [0.3, -1.2, 2.5, 0.0, -3.0];
    let h = functional::hessian(|v: &[Var]| v[0].graph().sum(&sines(v)), &x);
    let j = functional::jacobian(sines, &x);
    for i in 0..x.len() {
        for k in 0..x.len() {
            let (hd, jd) = if i == k {
                (-x[i].sin(), x[i].cos())
            } else {
                (0.0, 0.0)
            };
            assert_eq!(h[i][k], hd, "H[{i}][{k}]");
            assert_eq!(j[i][k], jd, "J[{i}][{k}]");
        }
    }
}

fn sines<'g>(v: &[Var<'g>]) -> Vec<Var<'g>> {
    v.iter().map(|x| x.sin()).collect()
}

#[test]
fn pytorch_autograd_functional_hvp_doc() {
    // torch.autograd.functional.hvp's example differentiates pow_reducer(x) = Σ xᵢ³ with v = 1:
    // H = diag(6x), so H·v = 6x ⊙ v.
    let x = [0.25, 0.5, 0.75, 1.0];
    let v = [1.0, 1.0, 1.0, 1.0];
    fn pow_reducer<'g>(p: &[Var<'g>]) -> Var<'g> {
        let cubes: Vec<Var<'g>> = p.iter().map(|x| x.powi(3)).collect();
        p[0].graph().sum(&cubes)
    }
    let hv = functional::hvp(pow_reducer, &x, &v).unwrap();
    assert_eq!(hv, x.map(|xi| 6.0 * xi).to_vec());
}

#[test]
fn jax_quickstart_derivatives_of_tanh() {
    // JAX quickstart: grad(jnp.tanh)(2.0) prints 0.070650816 and grad(grad(grad(jnp.tanh)))(2.0)
    // prints 0.25265405 (float32). By hand, with t = tanh 2:
    //   tanh' = 1 − t², tanh'' = −2t(1 − t²), tanh''' = −2(1 − t²)(1 − 3t²).
    let t = 2.0_f64.tanh();
    let exact = [
        1.0 - t * t,
        -2.0 * t * (1.0 - t * t),
        -2.0 * (1.0 - t * t) * (1.0 - 3.0 * t * t),
    ];
    let g = Graph::new();
    let x = g.var(2.0);
    let d1 = g.grad_graph(x.tanh(), &[x])[0];
    let d2 = g.grad_graph(d1, &[x])[0];
    let d3 = g.backward(d2)[x];
    assert_all_close(
        &[d1.value(), d2.value(), d3],
        &exact,
        1e-14,
        "tanh derivatives",
    );
    // The same in f32, against the digits JAX prints.
    let g = Graph::<f32>::default();
    let x = g.var(2.0_f32);
    let d1 = g.grad_graph(x.tanh(), &[x])[0];
    let d2 = g.grad_graph(d1, &[x])[0];
    let d3 = g.backward(d2)[x];
    assert!(
        (d1.value() - 0.070650816).abs() <= 2e-7 * 0.0707,
        "{}",
        d1.value()
    );
    assert!((d3 - 0.25265405).abs() <= 1e-6 * 0.2527, "{d3}");
}

/// SciPy's Rosenbrock function Σᵢ 100(xᵢ₊₁ − xᵢ²)² + (1 − xᵢ)².
fn rosen<'g>(x: &[Var<'g>]) -> Var<'g> {
    let terms: Vec<Var<'g>> = x
        .windows(2)
        .map(|w| 100.0 * (w[1] - w[0].powi(2)).powi(2) + (1.0 - w[0]).powi(2))
        .collect();
    x[0].graph().sum(&terms)
}

fn tenths(n: usize) -> Vec<f64> {
    (0..n).map(|i| 0.1 * i as f64).collect()
}

#[test]
fn scipy_rosenbrock_docs() {
    // scipy.optimize.rosen / rosen_der / rosen_hess / rosen_hess_prod examples.
    // By hand, with dᵢ = xᵢ₊₁ − xᵢ²:
    //   ∂f/∂xᵢ = −400xᵢdᵢ − 2(1 − xᵢ) + 200dᵢ₋₁,
    //   ∂²f/∂xᵢ² = 1200xᵢ² − 400xᵢ₊₁ + 2 (+200 if i > 0), ∂²f/∂xᵢ∂xᵢ₊₁ = −400xᵢ.
    // rosen(0.1·arange(10)) = 76.56
    let (value, _) = functional::value_and_grad(rosen, &tenths(10));
    assert_close(value, 76.56, 1e-14, "rosen");
    // rosen_der(0.1·arange(9))
    let grad = functional::grad(rosen, &tenths(9));
    let want = [-2.0, 10.6, 15.6, 13.4, 6.4, -3.0, -12.4, -19.4, 62.0];
    assert_all_close(&grad, &want, 1e-13, "rosen_der");
    // rosen_hess(0.1·arange(4))
    let h = functional::hessian(rosen, &tenths(4));
    let want = [
        [-38.0, 0.0, 0.0, 0.0],
        [0.0, 134.0, -40.0, 0.0],
        [0.0, -40.0, 130.0, -80.0],
        [0.0, 0.0, -80.0, 200.0],
    ];
    for (i, row) in h.iter().enumerate() {
        assert_all_close(row, &want[i], 1e-13, &format!("rosen_hess[{i}]"));
    }
    // rosen_hess_prod(0.1·arange(9), 0.5·arange(9))
    let p: Vec<f64> = (0..9).map(|i| 0.5 * i as f64).collect();
    let hp = functional::hvp(rosen, &tenths(9), &p).unwrap();
    let want = [
        0.0, 27.0, -10.0, -95.0, -192.0, -265.0, -278.0, -195.0, -180.0,
    ];
    assert_all_close(&hp, &want, 1e-13, "rosen_hess_prod");
}
