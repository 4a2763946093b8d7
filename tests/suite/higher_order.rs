//! Gradients of gradients in use: Newton's method, a gradient penalty, Hessians of recorded
//! gradients, derivatives with respect to intermediate nodes, and the cost of recording.

use crate::common;

use common::{assert_all_close, assert_close};
use tapegrad::{Graph, Var};

#[test]
fn newton_converges_quadratically_with_the_engines_hessian() {
    // f(x, y) = e^(x+y) + x² + 2y² is strictly convex. By hand:
    //   ∇f = (s + 2x, s + 4y) with s = e^(x+y),  H = [[s + 2, s], [s, s + 4]].
    // Newton: p ← p − H⁻¹∇f. Its fixed point has ∇f = 0, checked with the hand formula.
    let g = Graph::new();
    let (x, y) = (g.var(1.0), g.var(-1.0));
    let step = g.mark();
    let mut norms = Vec::new();
    for _ in 0..8 {
        let f = (x + y).exp() + x * x + 2.0 * y * y;
        let grad = g.backward(f).wrt(&[x, y]);
        let h = g.hessian(f, &[x, y]);
        g.rewind(step);
        let det = h[0][0] * h[1][1] - h[0][1] * h[1][0];
        let dx = (h[1][1] * grad[0] - h[0][1] * grad[1]) / det;
        let dy = (h[0][0] * grad[1] - h[1][0] * grad[0]) / det;
        g.set_value(x, x.value() - dx).unwrap();
        g.set_value(y, y.value() - dy).unwrap();
        norms.push(grad[0].hypot(grad[1]));
    }
    let (px, py) = (x.value(), y.value());
    let s = (px + py).exp();
    assert!((s + 2.0 * px).abs() < 1e-14 && (s + 4.0 * py).abs() < 1e-14);
    // Quadratic convergence: once small, the gradient norm at least squares each step.
    let k = norms.iter().position(|&n| n < 1e-2).expect("converges");
    assert!(norms[k + 1] <= 10.0 * norms[k] * norms[k], "{norms:?}");
    assert_eq!(g.len(), 2);
}

#[test]
fn gradient_penalty_differentiates_through_the_gradient() {
    // L = f + λ|∇f|² (a WGAN-GP-style penalty). ∇L = ∇f + 2λ·H·∇f.
    // f(x, y) = x²y + sin y:  ∇f = (2xy, x² + cos y),  H = [[2y, 2x], [2x, −sin y]].
    let lambda = 0.3;
    let g = Graph::new();
    let (x, y) = (g.var(0.8), g.var(-1.1));
    let f = x * x * y + y.sin();
    let df = g.grad_graph(f, &[x, y]);
    let loss = f + lambda * (df[0] * df[0] + df[1] * df[1]);
    let got = g.backward(loss).wrt(&[x, y]);
    let (xv, yv) = (0.8_f64, -1.1_f64);
    let grad = [2.0 * xv * yv, xv * xv + yv.cos()];
    let h = [[2.0 * yv, 2.0 * xv], [2.0 * xv, -yv.sin()]];
    let want: Vec<f64> = (0..2)
        .map(|i| grad[i] + 2.0 * lambda * (h[i][0] * grad[0] + h[i][1] * grad[1]))
        .collect();
    assert_all_close(&got, &want, 1e-14, "∇L");
}

#[test]
fn hessian_of_a_recorded_gradient_is_a_third_derivative() {
    // f = x³y²: ∂f/∂x = 3x²y², whose Hessian is [[6y², 12xy], [12xy, 6x²]].
    let g = Graph::new();
    let (x, y) = (g.var(2.0), g.var(-3.0));
    let f = x.powi(3) * y.powi(2);
    let dfdx = g.grad_graph(f, &[x])[0];
    assert_eq!(dfdx.value(), 3.0 * 4.0 * 9.0);
    assert_eq!(
        g.hessian(dfdx, &[x, y]),
        vec![vec![54.0, -72.0], vec![-72.0, 24.0]]
    );
}

#[test]
fn mixed_partials_agree() {
    // f = sin(xy) + x³y: ∂²f/∂x∂y = cos(xy) − xy·sin(xy) + 3x², the same both ways round.
    let g = Graph::new();
    let (x, y) = (g.var(0.7), g.var(1.9));
    let f = (x * y).sin() + x.powi(3) * y;
    let h = g.hessian(f, &[x, y]);
    let p: f64 = 0.7 * 1.9;
    let want = p.cos() - p * p.sin() + 3.0 * 0.49;
    assert_close(h[0][1], want, 1e-15, "H[0][1]");
    assert_close(h[1][0], want, 1e-15, "H[1][0]");
    // The diagonal: ∂²/∂x² = −y² sin(xy) + 6xy, ∂²/∂y² = −x² sin(xy).
    assert_close(h[0][0], -1.9 * 1.9 * p.sin() + 6.0 * p, 1e-15, "H[0][0]");
    assert_close(h[1][1], -0.49 * p.sin(), 1e-15, "H[1][1]");
}

#[test]
fn hvp_equals_the_gradient_of_a_directional_derivative() {
    // H·v = ∇⟨∇f, v⟩, built by hand from grad_graph and Graph::sum.
    let g = Graph::new();
    let xs: Vec<Var> = [0.4, -0.3, 1.2].iter().map(|&v| g.var(v)).collect();
    let f = (xs[0] * xs[1]).exp() + xs[2].tanh() * xs[0] + xs[1].powi(4);
    let v = [0.5, 2.0, -1.0];
    let df = g.grad_graph(f, &xs);
    let terms: Vec<Var> = df.iter().zip(v).map(|(&d, vi)| d * vi).collect();
    let by_hand = g.backward(g.sum(&terms)).wrt(&xs);
    assert_all_close(&g.hvp(f, &xs, &v), &by_hand, 1e-15, "H·v");
}

#[test]
fn derivatives_with_respect_to_an_intermediate_node() {
    // y = u² with u = x + 1 recorded: ∂y/∂u = 2u; d(2u)/du = 2, d(2u)/dx = 2.
    let g = Graph::new();
    let x = g.var(2.0);
    let u = x + 1.0;
    let y = u * u;
    let dydu = g.grad_graph(y, &[u])[0];
    assert_eq!(dydu.value(), 6.0);
    let grads = g.backward(dydu);
    assert_eq!((grads[u], grads[x]), (2.0, 2.0));
    // A variable the loss does not depend on gets a constant 0, differentiable again.
    let z = g.var(5.0);
    let dz = g.grad_graph(y, &[z])[0];
    assert_eq!(dz.value(), 0.0);
    assert_eq!(g.backward(dz).wrt(&[x, z]), vec![0.0, 0.0]);
}

#[test]
fn detach_blocks_higher_derivatives_too() {
    // y = x·x.detach(): dy/dx = x.detach() = 3 (a constant), so d²y/dx² = 0.
    let g = Graph::new();
    let x = g.var(3.0);
    let y = x * x.detach();
    let d = g.grad_graph(y, &[x])[0];
    assert_eq!(d.value(), 3.0);
    assert_eq!(g.backward(d)[x], 0.0);
    assert_eq!(g.hessian(y, &[x]), vec![vec![0.0]]);
}

#[test]
fn recording_a_gradient_costs_linear_nodes() {
    // A 1,000-step chain x ← tanh(a·x + b): grad_graph adds a bounded number of nodes per step
    // (no blow-up with depth), and its Hessian entries are finite.
    let g = Graph::new();
    let (a, b) = (g.var(0.9), g.var(0.1));
    let mut x = g.var(0.5);
    for _ in 0..1000 {
        x = (x * a + b).tanh();
    }
    let before = g.len();
    let d = g.grad_graph(x, &[a, b]);
    let added = g.len() - before;
    assert!(
        added <= 12 * 3000,
        "grad_graph recorded {added} nodes for 3000"
    );
    assert_eq!(
        [d[0].value(), d[1].value()].to_vec(),
        g.backward(x).wrt(&[a, b])
    );
}
