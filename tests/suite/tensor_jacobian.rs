//! Jacobians and Hessians of functions of a tensor (`functional::{jacobian_tensor,
//! jacrev_tensor, jacfwd_tensor, hessian_tensor}`): shape `out.shape + in.shape`, against
//! finite differences, against the scalar versions of the same function, reverse against
//! forward, f64 and f32.

use crate::common;

use common::assert_close;
use tapegrad::functional::{self, Array};
use tapegrad::{Error, Graph, Tensor, Var};

const W: [f64; 4] = [0.8, -0.3, 0.5, 1.1];
const X: [f64; 6] = [0.4, -0.7, 0.2, 0.9, -0.1, 0.6];

/// y = tanh(W·x) ⊙ x + Σ eˣ for W (2, 2) and x (2, 3): shape (2, 3).
fn f_tensor<'g, T: tapegrad::Float>(x: Tensor<'g, T>) -> Tensor<'g, T> {
    let g = x.graph();
    let w: Vec<T> = W.iter().map(|&v| T::from_f64(v)).collect();
    let w = g.tensor_const(&w, &[2, 2]);
    w.matmul(x).tanh() * x + x.exp().sum()
}

/// The same function in scalars: y[i][k] = tanh(Σⱼ W[i][j]·x[j][k])·x[i][k] + Σ eˣ.
fn f_scalar<'g>(x: &[Var<'g>]) -> Vec<Var<'g>> {
    let g = x[0].graph();
    let total = g.sum(&x.iter().map(|v| v.exp()).collect::<Vec<_>>());
    let mut out = Vec::new();
    for i in 0..2 {
        for k in 0..3 {
            let s = x[k] * W[i * 2] + x[3 + k] * W[i * 2 + 1];
            out.push(s.tanh() * x[i * 3 + k] + total);
        }
    }
    out
}

fn values(x: &[f64]) -> Vec<f64> {
    let g = Graph::new();
    f_tensor(g.tensor(x, &[2, 3])).to_vec()
}

#[test]
fn jacobian_has_shape_out_plus_in_and_matches_finite_differences() {
    let x = Array::new(X.to_vec(), &[2, 3]).unwrap();
    let j = functional::jacobian_tensor(f_tensor, &x).unwrap();
    assert_eq!(j.shape(), &[2, 3, 2, 3]);
    let fd = common::jacobian(values, &X);
    for (i, row) in fd.iter().enumerate() {
        for (k, d) in row.iter().enumerate() {
            let got = j.at(&[i / 3, i % 3, k / 3, k % 3]).unwrap();
            assert!(
                (got - d.value).abs() <= 1e-8 + 10.0 * d.error,
                "J[{i}][{k}] = {got}, finite differences {} ± {}",
                d.value,
                d.error
            );
        }
    }
    // Reverse rows and forward columns give the same matrix; so does the scalar version.
    let rev = functional::jacrev_tensor(f_tensor, &x).unwrap();
    let fwd = functional::jacfwd_tensor(f_tensor, &x).unwrap();
    let scalar = functional::jacobian(f_scalar, &X);
    assert_eq!(rev.shape(), fwd.shape());
    for (i, row) in scalar.iter().enumerate() {
        for (k, &s) in row.iter().enumerate() {
            let r = rev.data()[i * 6 + k];
            assert_close(r, s, 1e-13, &format!("tensor vs scalar J[{i}][{k}]"));
            assert_close(fwd.data()[i * 6 + k], r, 1e-14, "forward vs reverse");
        }
    }
}

#[test]
fn more_outputs_than_inputs_takes_forward_columns() {
    // y = x ⊗ c (outer product with a constant, by broadcasting): (2,) → (2, 4), J[i, k, j] =
    // c[k]·[i = j]
    const C: [f64; 4] = [1.0, -2.0, 0.5, 3.0];
    fn f<'g>(x: Tensor<'g>) -> Tensor<'g> {
        x.reshape(&[2, 1]) * x.graph().tensor_const(&C, &[1, 4])
    }
    let x = Array::new(vec![0.3, -0.8], &[2]).unwrap();
    let j = functional::jacobian_tensor(f, &x).unwrap();
    assert_eq!(j.shape(), &[2, 4, 2]);
    for i in 0..2 {
        for (k, &ck) in C.iter().enumerate() {
            for jj in 0..2 {
                let want = if i == jj { ck } else { 0.0 };
                assert_eq!(j.at(&[i, k, jj]).unwrap(), want);
            }
        }
    }
    assert_eq!(j, functional::jacrev_tensor(f, &x).unwrap());
}

#[test]
fn f32_jacobian_is_close_to_f64() {
    let x32: Vec<f32> = X.iter().map(|&v| v as f32).collect();
    let j32 = functional::jacobian_tensor(f_tensor, &Array::new(x32, &[2, 3]).unwrap()).unwrap();
    let j64 =
        functional::jacobian_tensor(f_tensor, &Array::new(X.to_vec(), &[2, 3]).unwrap()).unwrap();
    assert_eq!(j32.shape(), j64.shape());
    for (a, b) in j32.data().iter().zip(j64.data()) {
        assert!(
            (f64::from(*a) - b).abs() <= 1e-5 * b.abs().max(1.0),
            "{a} vs {b}"
        );
    }
}

/// s(x) = Σ tanh(W·x)² + Σ x³ for x (2, 2).
fn s_tensor<'g, T: tapegrad::Float>(x: Tensor<'g, T>) -> Var<'g, T> {
    let g = x.graph();
    let w: Vec<T> = W.iter().map(|&v| T::from_f64(v)).collect();
    let w = g.tensor_const(&w, &[2, 2]);
    w.matmul(x).tanh().powi(2).sum() + x.powi(3).sum()
}

fn s_scalar<'g>(x: &[Var<'g>]) -> Var<'g> {
    let g = x[0].graph();
    let mut terms = Vec::new();
    for i in 0..2 {
        for k in 0..2 {
            let s = x[k] * W[i * 2] + x[2 + k] * W[i * 2 + 1];
            terms.push(s.tanh().powi(2));
        }
    }
    terms.extend(x.iter().map(|v| v.powi(3)));
    g.sum(&terms)
}

/// ∇s by reverse mode, as plain numbers (differenced for the Hessian check).
fn s_grad(x: &[f64]) -> Vec<f64> {
    let g = Graph::new();
    let xt = g.tensor(x, &[2, 2]);
    g.backward(s_tensor(xt)).tensor(xt).to_vec()
}

#[test]
fn hessian_has_shape_in_plus_in_and_matches_finite_differences_and_scalars() {
    let x0 = [0.4, -0.7, 0.2, 0.9];
    let x = Array::new(x0.to_vec(), &[2, 2]).unwrap();
    let h = functional::hessian_tensor(s_tensor, &x).unwrap();
    assert_eq!(h.shape(), &[2, 2, 2, 2]);
    let fd = common::jacobian(s_grad, &x0);
    let scalar = functional::hessian(s_scalar, &x0);
    for i in 0..4 {
        for k in 0..4 {
            let got = h.at(&[i / 2, i % 2, k / 2, k % 2]).unwrap();
            let d = fd[i][k];
            assert!(
                (got - d.value).abs() <= 1e-8 + 10.0 * d.error,
                "H[{i}][{k}] = {got}, finite differences {} ± {}",
                d.value,
                d.error
            );
            assert_close(got, scalar[i][k], 1e-13, "tensor vs scalar Hessian");
            assert_close(got, h.data()[k * 4 + i], 1e-14, "symmetry");
        }
    }
    let x32: Vec<f32> = x0.iter().map(|&v| v as f32).collect();
    let h32 = functional::hessian_tensor(s_tensor, &Array::new(x32, &[2, 2]).unwrap()).unwrap();
    for (a, b) in h32.data().iter().zip(h.data()) {
        assert!(
            (f64::from(*a) - b).abs() <= 1e-5 * b.abs().max(1.0),
            "{a} vs {b}"
        );
    }
}

#[test]
fn bad_input_is_an_error() {
    assert!(matches!(
        Array::new(vec![1.0, 2.0, 3.0], &[2, 2]),
        Err(Error::Shape {
            op: "Array::new",
            ..
        })
    ));
    let x = Array::new(vec![1.0, 2.0], &[2]).unwrap();
    assert!(matches!(
        x.at(&[2]),
        Err(Error::Shape {
            op: "Array::at",
            ..
        })
    ));
    assert!(matches!(
        functional::jvp_tensor(|t: Tensor| t * t, &x, &[1.0]),
        Err(Error::Shape {
            op: "jvp_tensors",
            ..
        })
    ));
    let (y, jv) = functional::jvp_tensor(|t: Tensor| t * t, &x, &[1.0, 1.0]).unwrap();
    assert_eq!((y.data(), jv.data()), (&[1.0, 4.0][..], &[2.0, 4.0][..]));
}
