//! Forward mode (`transform`, `functional::{jvp, jacfwd, linearize, hessian_fwd}`): every
//! scalar op's JVP by both methods against finite differences of the forward values and
//! against reverse mode; forward-over-reverse Hessians against reverse-over-reverse and hand
//! derivations; f32; bad input.

use crate::common;

use common::{assert_all_close, assert_close};
use tapegrad::transform::JvpMethod;
use tapegrad::{Error, Graph, Tensor, Var, functional};

/// Every scalar op once, in four outputs of three inputs (all away from kinks at `P`).
fn every_op<'g>(v: &[Var<'g>]) -> Vec<Var<'g>> {
    let (x, y, z) = (v[0], v[1], v[2]);
    vec![
        x.exp() * y.sin() - (x * z).ln() / y.cos(),
        (x.tanh() + y.sigmoid()).powi(3) + z.abs().sqrt() - (-x).relu(),
        x.maximum(y) * y.minimum(z) + (x / y).powf(1.7),
        x.graph().sum(&[x, y * z, z.powi(-2), x]),
    ]
}

const P: [f64; 3] = [0.6, 1.3, 0.9];

/// The outputs of `every_op` as plain numbers (a graph used only for its forward values).
fn values(x: &[f64]) -> Vec<f64> {
    let g = Graph::new();
    let xs: Vec<_> = x.iter().map(|&v| g.var(v)).collect();
    every_op(&xs).iter().map(|y| y.value()).collect()
}

#[test]
fn jacfwd_matches_finite_differences_and_reverse_mode() {
    let fd = common::jacobian(values, &P);
    let fwd = functional::jacfwd(every_op, &P);
    let rev = functional::jacobian(every_op, &P);
    for (i, (row_f, row_r)) in fwd.iter().zip(&rev).enumerate() {
        for (j, (&d, fd)) in row_f.iter().zip(&fd[i]).enumerate() {
            assert!(
                (d - fd.value).abs() <= 1e-7 * d.abs().max(1.0) + 10.0 * fd.error,
                "∂f{i}/∂x{j}: forward {d}, finite differences {} ± {}",
                fd.value,
                fd.error
            );
        }
        assert_all_close(row_f, row_r, 1e-14, &format!("row {i} forward vs reverse"));
    }
}

#[test]
fn tangents_and_transpose_agree_for_many_directions_at_once() {
    let g = Graph::new();
    let xs: Vec<_> = P.iter().map(|&v| g.var(v)).collect();
    let ys = every_op(&xs);
    let dirs: [&[f64]; 3] = [&[1.0, 0.0, 0.0], &[0.5, -2.0, 3.0], &[0.0, 0.0, 0.0]];
    let before = g.len();
    let t = g
        .try_jvp_with(JvpMethod::Tangents, &ys, &xs, &dirs)
        .unwrap();
    let r = g
        .try_jvp_with(JvpMethod::Transpose, &ys, &xs, &dirs)
        .unwrap();
    assert_eq!(g.len(), before, "nothing is left on the tape");
    let rev = functional::jacobian(every_op, &P);
    for (d, v) in dirs.iter().enumerate() {
        // J·v from the reverse-mode Jacobian
        let want: Vec<f64> = rev
            .iter()
            .map(|row| row.iter().zip(*v).map(|(a, b)| a * b).sum())
            .collect();
        assert_all_close(&t[d], &want, 1e-14, "tangents");
        assert_all_close(&r[d], &want, 1e-14, "transpose");
    }
    assert_eq!(t[2], vec![0.0; 4]);
}

/// f(x, y, z) = x·y·z + eˣ·sin y + z²/y, as in tests/functional.rs:
/// ∇f = (yz + eˣ sin y, xz + eˣ cos y − z²/y², xy + 2z/y).
fn f<'g>(v: &[Var<'g>]) -> Var<'g> {
    let (x, y, z) = (v[0], v[1], v[2]);
    x * y * z + x.exp() * y.sin() + z * z / y
}

#[test]
fn jvp_is_the_gradient_along_v_by_hand() {
    let [x, y, z]: [f64; 3] = [0.5, 1.3, -0.7];
    let grad = [
        y * z + x.exp() * y.sin(),
        x * z + x.exp() * y.cos() - z * z / (y * y),
        x * y + 2.0 * z / y,
    ];
    let v = [0.25, -1.0, 2.0];
    let (value, jv) = functional::jvp(|v: &[Var]| vec![f(v)], &[x, y, z], &v).unwrap();
    assert_close(
        value[0],
        x * y * z + x.exp() * y.sin() + z * z / y,
        1e-15,
        "f",
    );
    let want: f64 = grad.iter().zip(v).map(|(a, b)| a * b).sum();
    assert_close(jv[0], want, 1e-14, "∇f·v");
    // linearize: the same numbers from one recording, for several directions
    let lin = functional::linearize(|v: &[Var]| vec![f(v)], &[x, y, z]);
    assert_eq!(lin.values(), &value[..]);
    assert_close(lin.jvp(&v).unwrap()[0], want, 1e-14, "linearized ∇f·v");
    for (i, d) in grad.iter().enumerate() {
        let mut e = [0.0; 3];
        e[i] = 1.0;
        assert_close(lin.jvp(&e).unwrap()[0], *d, 1e-14, "linearized ∂f");
    }
}

#[test]
fn forward_over_reverse_hessian_equals_reverse_over_reverse_and_hand() {
    let [x, y, z]: [f64; 3] = [0.5, 1.3, -0.7];
    let (e, s, c) = (x.exp(), y.sin(), y.cos());
    let hand = [
        [e * s, z + e * c, y],
        [
            z + e * c,
            -e * s + 2.0 * z * z / y.powi(3),
            x - 2.0 * z / (y * y),
        ],
        [y, x - 2.0 * z / (y * y), 2.0 / y],
    ];
    let fwd = functional::hessian_fwd(f, &[x, y, z]);
    let rev = functional::hessian(f, &[x, y, z]);
    for i in 0..3 {
        assert_all_close(&fwd[i], &hand[i], 1e-14, "forward-over-reverse vs hand");
        assert_all_close(&fwd[i], &rev[i], 1e-14, "forward-over-reverse vs reverse");
    }
    // On a Graph: nothing is left behind, and the matrix is the reverse one.
    let g = Graph::new();
    let xs: Vec<_> = [x, y, z].iter().map(|&v| g.var(v)).collect();
    let out = f(&xs);
    let n = g.len();
    let h = g.hessian_fwd(out, &xs);
    assert_eq!(g.len(), n);
    assert_eq!(h.len(), 3);
}

#[test]
fn f32_forward_mode() {
    fn f32f<'g>(v: &[Var<'g, f32>]) -> Var<'g, f32> {
        v[0] * v[0] * v[1] + v[1].tanh()
    }
    // ∇f = (2xy, x² + 1 − tanh²y), H = [[2y, 2x], [2x, −2 tanh y (1 − tanh²y)]]
    let (x, y) = (1.5f32, -0.5f32);
    let t = y.tanh();
    let (_, jv) = functional::jvp(|v: &[Var<f32>]| vec![f32f(v)], &[x, y], &[1.0, 2.0]).unwrap();
    let want = 2.0 * x * y + 2.0 * (x * x + 1.0 - t * t);
    assert!(
        (jv[0] - want).abs() <= 1e-6 * want.abs(),
        "{jv:?} vs {want}"
    );
    let h = functional::hessian_fwd(f32f, &[x, y]);
    let hand = [[2.0 * y, 2.0 * x], [2.0 * x, -2.0 * t * (1.0 - t * t)]];
    for i in 0..2 {
        for j in 0..2 {
            assert!(
                (h[i][j] - hand[i][j]).abs() <= 1e-6,
                "H[{i}][{j}] = {}",
                h[i][j]
            );
        }
    }
    assert_eq!(h, functional::hessian(f32f, &[x, y]));
}

/// The forward sweep follows the reverse sweep's conventions where they matter.
#[test]
fn conventions_shared_with_reverse_mode() {
    let g = Graph::new();
    let x = g.var(3.0);
    // An input that does not depend on x passes nothing, even where its derivative is ∞:
    // √0 has derivative ∞ but `c` is a constant, so d/dx (2x + √c) = 2, not NaN.
    let c = g.constant(0.0);
    let y = x * 2.0 + c.sqrt();
    assert_eq!(g.jvp(&[y], &[x], &[1.0]), vec![2.0]);
    assert_eq!(g.backward(y)[x], 2.0);
    // One node as both operands: d(x·x) = 2x.
    assert_eq!(g.jvp(&[x * x], &[x], &[1.0]), vec![6.0]);
    // A tie of max sends half to each side, as in reverse mode.
    let m = x.maximum(x * 1.0);
    assert_eq!(g.jvp(&[m], &[x], &[1.0]), vec![g.backward(m)[x]]);
    // wrt listed twice, and an intermediate node with its input: J·v = Σ ∂y/∂wⱼ vⱼ with
    // the reverse-mode partials (the input's includes the path through the intermediate).
    let h = x * x;
    let y = h.sin() + x;
    let grads = g.backward(y);
    let want = grads[x] * 1.0 + grads[h] * 0.5 + grads[x] * 2.0;
    let got = g.jvp(&[y], &[x, h, x], &[1.0, 0.5, 2.0])[0];
    assert_close(got, want, 1e-15, "intermediate wrt");
    let got = g
        .try_jvp_with(JvpMethod::Transpose, &[y], &[x, h, x], &[&[1.0, 0.5, 2.0]])
        .unwrap()[0][0];
    assert_close(got, want, 1e-15, "intermediate wrt, transpose");
    // An output older than every input, or the input itself.
    let old = g.constant(1.0) + 1.0;
    let z = g.var(1.0);
    assert_eq!(g.jvp(&[old, z], &[z], &[4.0]), vec![0.0, 4.0]);
}

#[test]
fn bad_input_is_an_error() {
    let g = Graph::new();
    let x = g.var(1.0);
    let y = x * 2.0;
    assert!(matches!(
        g.try_jvp(&[y], &[x], &[1.0, 2.0]),
        Err(Error::Shape { op: "jvp", .. })
    ));
    assert!(matches!(
        functional::jvp(|v: &[Var]| vec![v[0]], &[1.0], &[]),
        Err(Error::Shape { op: "jvp", .. })
    ));
    let other = Graph::new();
    let w = other.var(1.0);
    assert!(matches!(
        g.try_jvp(&[y], &[w], &[1.0]),
        Err(Error::ForeignGraph { .. })
    ));
    let mark = g.mark();
    let z = x * 3.0;
    g.rewind(mark);
    assert!(matches!(
        g.try_jvp(&[z], &[x], &[1.0]),
        Err(Error::StaleHandle { .. })
    ));
    // The tangent sweep does not cover tensor ops: asked for explicitly, it says so.
    let xv = g.var(0.5);
    let t = g.tensor(&[1.0, 2.0], &[2]);
    let s = (t * xv).sum(); // d/dxv = Σ t = 3
    let err = g.try_jvp_with(JvpMethod::Tangents, &[s], &[xv], &[&[1.0]]);
    assert!(matches!(err, Err(Error::Invalid(_))), "{err:?}");
    // Auto takes the transpose trick there.
    assert_eq!(g.jvp(&[s], &[xv], &[1.0]), vec![3.0]);
}

#[test]
fn tensor_jvp_against_finite_differences_and_reverse() {
    // y = softmax(tanh(W·x), axis 0) for W (3, 2), x (2, 1); J·v against the Jacobian rows
    // from reverse mode, and against finite differences of the forward values.
    let w = [0.3, -1.2, 0.8, 0.5, -0.4, 1.1];
    let x0 = [0.7, -0.2];
    let fwd = |x: &[f64]| -> Vec<f64> {
        let g = Graph::new();
        let wt = g.tensor_const(&w, &[3, 2]);
        let xt = g.tensor(x, &[2, 1]);
        wt.matmul(xt).tanh().softmax(0).to_vec()
    };
    let v = [1.0, -0.5];
    let g = Graph::new();
    let wt = g.tensor_const(&w, &[3, 2]);
    let xt = g.tensor(&x0, &[2, 1]);
    let y: Tensor = wt.matmul(xt).tanh().softmax(0);
    let before = g.len();
    let jv = g.jvp_tensors(&[y], &[xt], &[&v]).unwrap().remove(0);
    assert_eq!(g.len(), before);
    let fd = common::jacobian(fwd, &x0);
    for (i, row) in fd.iter().enumerate() {
        let want: f64 = row.iter().zip(v).map(|(d, vj)| d.value * vj).sum();
        let err: f64 = row.iter().map(|d| d.error).sum();
        assert!(
            (jv[i] - want).abs() <= 1e-8 + 10.0 * err,
            "{i}: {} vs {want}",
            jv[i]
        );
        // the reverse-mode row i, dotted with v
        let yi = y.narrow(0, i, 1).sum();
        let grads = g.backward(yi);
        let rev: f64 = grads.tensor(xt).iter().zip(v).map(|(a, b)| a * b).sum();
        assert_close(jv[i], rev, 1e-14, "tensor jvp vs reverse");
    }
    assert!(matches!(
        g.jvp_tensors(&[y], &[xt], &[&[1.0]]),
        Err(Error::Shape {
            op: "jvp_tensors",
            ..
        })
    ));
}
