//! `functional::linearize_tensor`: the JVP of a tensor function at a point, recorded once and
//! applied to many directions, against `jvp_tensor` at the same point and against central
//! differences of the function, in f64 and f32.

use proptest::prelude::*;
use tapegrad::functional::{Array, jvp_tensor, linearize_tensor};
use tapegrad::{Error, Tensor};

/// f(x) = tanh(W·x) ⊙ x₀ + x², a matrix product, a broadcast and elementwise ops.
fn f<'g>(x: Tensor<'g>) -> Tensor<'g> {
    let w = x
        .graph()
        .tensor_const(&[0.5, -1.0, 2.0, 0.25, 1.5, -0.75], &[3, 2]);
    let wx = w.matmul(x.reshape(&[2, 1])).reshape(&[3]);
    let x0 = x.narrow(0, 0, 1);
    wx.tanh() * x0 + (x * x).sum()
}

/// The same function on plain numbers (an independent evaluation for finite differences).
fn f_plain(x: &[f64]) -> Vec<f64> {
    let w = [[0.5, -1.0], [2.0, 0.25], [1.5, -0.75]];
    let sq = x[0] * x[0] + x[1] * x[1];
    w.iter()
        .map(|r| (r[0] * x[0] + r[1] * x[1]).tanh() * x[0] + sq)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// One linearization, three directions: each equals jvp_tensor and the central difference
    /// (f(x + hv) − f(x − hv)) / 2h.
    #[test]
    fn matches_jvp_tensor_and_finite_differences(
        x in prop::collection::vec(-2.0f64..2.0, 2),
        dirs in prop::collection::vec(prop::collection::vec(-1.0f64..1.0, 2), 3),
    ) {
        let xa = Array::new(x.clone(), &[2]).unwrap();
        let lin = linearize_tensor(f, &xa).unwrap();
        prop_assert_eq!(lin.values().shape(), &[3]);
        for v in &dirs {
            let jv = lin.jvp(v).unwrap();
            let (_, want) = jvp_tensor(f, &xa, v).unwrap();
            let h = 1e-6;
            let plus: Vec<f64> = x.iter().zip(v).map(|(a, b)| a + h * b).collect();
            let minus: Vec<f64> = x.iter().zip(v).map(|(a, b)| a - h * b).collect();
            let (fp, fm) = (f_plain(&plus), f_plain(&minus));
            for i in 0..3 {
                prop_assert!((jv.data()[i] - want.data()[i]).abs() < 1e-12);
                let fd = (fp[i] - fm[i]) / (2.0 * h);
                prop_assert!((jv.data()[i] - fd).abs() < 1e-6 * (1.0 + fd.abs()));
            }
        }
    }
}

/// f32, and linearity: J(2v + w) = 2Jv + Jw; a direction of the wrong length is an error.
#[test]
fn f32_linearity_and_bad_directions() {
    let x = Array::new(vec![0.5_f32, -1.0, 2.0], &[3]).unwrap();
    // f(x) = x·sin x elementwise: J = diag(sin x + x cos x)
    let lin = linearize_tensor(|t: Tensor<'_, f32>| t * t.sin(), &x).unwrap();
    let d = |x: f32| x.sin() + x * x.cos();
    let jv = lin.jvp(&[1.0, 1.0, 1.0]).unwrap();
    for (got, &xi) in jv.data().iter().zip(x.data()) {
        assert!((got - d(xi)).abs() < 1e-6);
    }
    let (a, b) = (
        lin.jvp(&[1.0, 0.0, -2.0]).unwrap(),
        lin.jvp(&[0.0, 3.0, 1.0]).unwrap(),
    );
    let c = lin.jvp(&[2.0, 3.0, -3.0]).unwrap();
    for i in 0..3 {
        assert!((c.data()[i] - (2.0 * a.data()[i] + b.data()[i])).abs() < 1e-5);
    }
    assert!(matches!(lin.jvp(&[1.0]), Err(Error::Shape { .. })));
}
