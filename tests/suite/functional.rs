//! `tapegrad::functional`: grad, value_and_grad, hessian, hvp and jacobian of Rust closures.

use crate::common;

use common::{assert_all_close, assert_close};
use tapegrad::{Error, Var, functional};

/// f(x, y, z) = x·y·z + eˣ·sin y + z²/y.
/// ∇f = (yz + eˣ sin y, xz + eˣ cos y − z²/y², xy + 2z/y).
/// H = [[eˣ sin y, z + eˣ cos y, y],
///      [z + eˣ cos y, −eˣ sin y + 2z²/y³, x − 2z/y²],
///      [y, x − 2z/y², 2/y]].
fn f<'g>(v: &[Var<'g>]) -> Var<'g> {
    let (x, y, z) = (v[0], v[1], v[2]);
    x * y * z + x.exp() * y.sin() + z * z / y
}

fn grad_by_hand([x, y, z]: [f64; 3]) -> [f64; 3] {
    [
        y * z + x.exp() * y.sin(),
        x * z + x.exp() * y.cos() - z * z / (y * y),
        x * y + 2.0 * z / y,
    ]
}

fn hessian_by_hand([x, y, z]: [f64; 3]) -> [[f64; 3]; 3] {
    let (e, s, c) = (x.exp(), y.sin(), y.cos());
    [
        [e * s, z + e * c, y],
        [
            z + e * c,
            -e * s + 2.0 * z * z / y.powi(3),
            x - 2.0 * z / (y * y),
        ],
        [y, x - 2.0 * z / (y * y), 2.0 / y],
    ]
}

const P: [f64; 3] = [0.5, 1.3, -0.7];

#[test]
fn grad_and_value_and_grad() {
    let [x, y, z] = P;
    let value = x * y * z + x.exp() * y.sin() + z * z / y;
    let (v, g) = functional::value_and_grad(f, &P);
    assert_close(v, value, 1e-15, "f");
    assert_all_close(&g, &grad_by_hand(P), 1e-14, "∇f");
    assert_eq!(functional::grad(f, &P), g);
}

#[test]
fn hessian_matches_the_hand_derivation() {
    let h = functional::hessian(f, &P);
    let want = hessian_by_hand(P);
    for i in 0..3 {
        assert_all_close(&h[i], &want[i], 1e-14, &format!("H[{i}]"));
    }
}

#[test]
fn hvp_is_hessian_times_vector() {
    let v = [1.0, -2.0, 0.5];
    let hv = functional::hvp(f, &P, &v).unwrap();
    let h = hessian_by_hand(P);
    let want: Vec<f64> = h
        .iter()
        .map(|row| row.iter().zip(&v).map(|(a, b)| a * b).sum())
        .collect();
    assert_all_close(&hv, &want, 1e-14, "H·v");
    // A basis vector picks out a column.
    let col = functional::hvp(f, &P, &[0.0, 0.0, 1.0]).unwrap();
    assert_all_close(&col, &[h[0][2], h[1][2], h[2][2]], 1e-14, "H·e₂");
}

#[test]
fn hvp_rejects_a_vector_of_the_wrong_length() {
    for v in [&[1.0, 2.0][..], &[1.0, 2.0, 3.0, 4.0][..], &[][..]] {
        assert_eq!(
            functional::hvp(f, &P, v),
            Err(Error::Shape {
                op: "hvp",
                lhs: vec![3],
                rhs: vec![v.len()]
            })
        );
    }
}

#[test]
fn jacobian_of_polar_to_cartesian() {
    // (r, θ) ↦ (r cos θ, r sin θ, r²): J = [[cos θ, −r sin θ], [sin θ, r cos θ], [2r, 0]].
    let (r, t) = (2.0_f64, 0.6_f64);
    let j = functional::jacobian(
        |v: &[Var]| vec![v[0] * v[1].cos(), v[0] * v[1].sin(), v[0] * v[0]],
        &[r, t],
    );
    let want = [
        [t.cos(), -r * t.sin()],
        [t.sin(), r * t.cos()],
        [2.0 * r, 0.0],
    ];
    assert_eq!(j.len(), 3);
    for i in 0..3 {
        assert_all_close(&j[i], &want[i], 1e-15, &format!("J[{i}]"));
    }
    // det of the first two rows is r.
    assert_close(j[0][0] * j[1][1] - j[0][1] * j[1][0], r, 1e-15, "det");
}

#[test]
fn jacobian_rows_are_gradients() {
    // Each row equals functional::grad of that output alone.
    let j = functional::jacobian(|v: &[Var]| vec![f(v), v[0] * v[2], v[1].exp()], &P);
    assert_eq!(j[0], functional::grad(f, &P));
    assert_eq!(j[1], vec![P[2], 0.0, P[0]]);
    assert_eq!(j[2], vec![0.0, P[1].exp(), 0.0]);
    // No outputs: no rows.
    let empty = functional::jacobian(|_: &[Var]| Vec::new(), &P);
    assert!(empty.is_empty());
}

#[test]
fn inputs_the_function_ignores_get_zero() {
    // g(x, y) = x²: ∇g = (2x, 0), H = [[2, 0], [0, 0]], H·(1, 1) = (2, 0).
    let x = [3.0, -4.0];
    assert_eq!(
        functional::grad(|v: &[Var]| v[0] * v[0], &x),
        vec![6.0, 0.0]
    );
    assert_eq!(
        functional::hessian(|v: &[Var]| v[0] * v[0], &x),
        vec![vec![2.0, 0.0], vec![0.0, 0.0]]
    );
    assert_eq!(
        functional::hvp(|v: &[Var]| v[0] * v[0], &x, &[1.0, 1.0]),
        Ok(vec![2.0, 0.0])
    );
    // A constant function: every derivative is 0.
    let (value, grad) = functional::value_and_grad(|v: &[Var]| v[0].graph().constant(5.0), &x);
    assert_eq!((value, grad), (5.0, vec![0.0, 0.0]));
}

/// Least squares L(w) = Σᵢ (w·xᵢ − yᵢ)² over captured data. Returning the closure with its
/// higher-ranked signature spelled out lets it be named and reused (a `let`-bound closure
/// would not infer `for<'g>`).
fn least_squares(data: &[(f64, f64)]) -> impl for<'g> Fn(&[Var<'g>]) -> Var<'g> + '_ {
    move |v| {
        let terms: Vec<Var> = data.iter().map(|&(x, y)| (v[0] * x - y).powi(2)).collect();
        v[0].graph().sum(&terms)
    }
}

#[test]
fn closures_can_capture_data() {
    // dL/dw = 2 Σ xᵢ(w·xᵢ − yᵢ), d²L/dw² = 2 Σ xᵢ².
    let data = [(1.0, 2.0), (2.0, 3.5), (3.0, 7.0)];
    let w = 1.5;
    let dl: f64 = data.iter().map(|&(x, y)| 2.0 * x * (w * x - y)).sum();
    let d2l: f64 = data.iter().map(|&(x, _)| 2.0 * x * x).sum();
    let loss = least_squares(&data);
    assert_close(functional::grad(&loss, &[w])[0], dl, 1e-15, "dL/dw");
    assert_close(
        functional::hessian(&loss, &[w])[0][0],
        d2l,
        1e-15,
        "d²L/dw²",
    );
    // An inline closure captures too.
    let g = functional::grad(|v: &[Var]| (v[0] * data[2].0 - data[2].1).powi(2), &[w]);
    assert_close(g[0], 2.0 * 3.0 * (w * 3.0 - 7.0), 1e-15, "one term");
}

/// h(x, y) = x·y²: ∇h = (y², 2xy), H = [[0, 2y], [2y, 2x]].
fn h<'g>(v: &[Var<'g, f32>]) -> Var<'g, f32> {
    v[0] * v[1] * v[1]
}

#[test]
fn f32_functional() {
    let x = [1.5_f32, -2.0_f32];
    assert_eq!(functional::value_and_grad(h, &x), (6.0, vec![4.0, -6.0]));
    assert_eq!(
        functional::hessian(h, &x),
        vec![vec![0.0, -4.0], vec![-4.0, 3.0]]
    );
    assert_eq!(functional::hvp(h, &x, &[1.0, 1.0]), Ok(vec![-4.0, -1.0]));
    assert_eq!(
        functional::jacobian(|v: &[Var<f32>]| vec![h(v)], &x),
        vec![vec![4.0, -6.0]]
    );
}
