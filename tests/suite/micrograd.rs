//! micrograd's two engine tests (test/test_engine.py), with the numbers PyTorch gives there.

// The test mirrors the Python line by line, `c += c + 1` included.
#![allow(clippy::misrefactored_assign_op)]

use approx::assert_relative_eq;
use tapegrad::Graph;

#[test]
fn sanity_check() {
    let g = Graph::new();
    let x = g.var(-4.0);
    let z = 2.0 * x + 2.0 + x;
    let q = z.relu() + z * x;
    let h = (z * z).relu();
    let y = h + q + q * x;
    assert_eq!(y.value(), -20.0);
    assert_eq!(g.backward(y)[x], 46.0);
}

#[test]
fn more_ops() {
    let g = Graph::new();
    let a = g.var(-4.0);
    let b = g.var(2.0);
    let mut c = a + b;
    let mut d = a * b + b.powi(3);
    c += c + 1.0;
    c += 1.0 + c + (-a);
    d += d * 2.0 + (b + a).relu();
    d += 3.0 * d + (b - a).relu();
    let e = c - d;
    let f = e.powi(2);
    let mut gg = f / 2.0;
    gg += 10.0 / f;
    assert_relative_eq!(gg.value(), 24.70408163265306, epsilon = 1e-12);
    let grads = g.backward(gg);
    assert_relative_eq!(grads[a], 138.83381924198252, epsilon = 1e-10);
    assert_relative_eq!(grads[b], 645.5772594752186, epsilon = 1e-10);
}
