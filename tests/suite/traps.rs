//! The classic traps of reverse-mode autodiff: a node used more than once, diamonds, running
//! backward twice, gradients of gradients, kinks under `grad_graph`, very deep graphs (sweep and
//! drop without recursion), and a `Sum` that lists an operand twice.
//! Each test carries its hand derivation.

use crate::common;

use common::{assert_all_close, assert_close, tanh_chain};
use tapegrad::{Graph, Op, Var};

#[test]
fn x_times_x_is_2x() {
    // y = x·x: one leaf on both inputs of one node. dy/dx = x + x = 2x = 6 at x = 3.
    let g = Graph::new();
    let x = g.var(3.0);
    let y = x * x;
    assert_eq!(y.value(), 9.0);
    assert_eq!(g.backward(y)[x], 6.0);
    // Both inputs of the product are the same leaf: no copy was made.
    let nodes = g.nodes();
    assert_eq!(nodes.len(), 2);
    assert_eq!(nodes[1].inputs, vec![x.key(), x.key()]);
}

#[test]
fn x_plus_x_is_2() {
    // y = x + x: dy/dx = 1 + 1 = 2, whatever x is.
    let g = Graph::new();
    let x = g.var(-7.25);
    assert_eq!(g.backward(x + x)[x], 2.0);
    // x − x is 0 everywhere, so its derivative is 1 − 1 = 0 (not 1 from only one path).
    assert_eq!(g.backward(x - x)[x], 0.0);
    // x / x = 1: derivative 1/x − x/x² = 0.
    assert_eq!(g.backward(x / x)[x], 0.0);
}

#[test]
fn a_node_used_on_twenty_paths() {
    // u = sin x is one node; y = Σ_{k=1}^{20} k·u = 210·u, so dy/du = 210, dy/dx = 210·cos x.
    let g = Graph::new();
    let x = g.var(0.4);
    let u = x.sin();
    let mut y = g.constant(0.0);
    for k in 1..=20 {
        y += f64::from(k) * u;
    }
    let grads = g.backward(y);
    assert_close(grads[u], 210.0, 1e-15, "dy/du");
    assert_close(grads[x], 210.0 * 0.4_f64.cos(), 1e-14, "dy/dx");

    // A leaf added to itself along 20 separate nodes: y = x + x + … (20 terms), dy/dx = 20.
    let mut y = x;
    for _ in 1..20 {
        y += x;
    }
    assert_eq!(g.backward(y)[x], 20.0);
}

#[test]
fn diamond() {
    // a → b = sin a, a → c = eᵃ, (b, c) → d = b·c.
    // dd/da = cos a · eᵃ + sin a · eᵃ = eᵃ (sin a + cos a): both paths must be summed.
    let g = Graph::new();
    let a = g.var(0.7);
    let b = a.sin();
    let c = a.exp();
    let d = b * c;
    let grads = g.backward(d);
    let e = 0.7_f64.exp();
    assert_close(
        grads[a],
        e * (0.7_f64.sin() + 0.7_f64.cos()),
        1e-15,
        "dd/da",
    );
    assert_close(grads[b], e, 1e-15, "dd/db = c");
    assert_close(grads[c], 0.7_f64.sin(), 1e-15, "dd/dc = b");
}

#[test]
fn stacked_diamonds_are_linear_not_exponential() {
    // v_{k+1} = sin v_k + cos v_k: 200 diamonds in a row, 2²⁰⁰ paths from the output to x.
    // Forward-mode recurrence: d_{k+1} = (cos v_k − sin v_k) · d_k, d_0 = 1.
    let g = Graph::new();
    let x = g.var(0.3);
    let (mut v, mut vf, mut d) = (x, 0.3_f64, 1.0_f64);
    for _ in 0..200 {
        v = v.sin() + v.cos();
        d *= vf.cos() - vf.sin();
        vf = vf.sin() + vf.cos();
    }
    assert_eq!(v.value(), vf);
    assert_close(g.backward(v)[x], d, 1e-12, "d v_200 / dx");
}

#[test]
fn backward_twice_gives_the_same_answer() {
    // f = x²y + sin x: ∂f/∂x = 2xy + cos x, ∂f/∂y = x². No hidden `grad +=` between calls.
    let g = Graph::new();
    let (x, y) = (g.var(1.5), g.var(-2.0));
    let f = x * x * y + x.sin();
    let other = x.exp() * y;
    let first = g.backward(f).wrt(&[x, y]);
    let _ = g.backward(other); // another loss in between changes nothing
    let second = g.backward(f).wrt(&[x, y]);
    assert_eq!(first, second);
    assert_close(first[0], 2.0 * 1.5 * -2.0 + 1.5_f64.cos(), 1e-15, "∂f/∂x");
    assert_eq!(first[1], 2.25);

    // The same store reused by backward_into is overwritten, not accumulated into.
    let mut store = tapegrad::Grads::new();
    g.backward_into(f, &mut store).unwrap();
    g.backward_into(f, &mut store).unwrap();
    assert_eq!(store.wrt(&[x, y]), first);
    g.backward_into(other, &mut store).unwrap();
    // ∂(eˣ·y)/∂x = eˣ·y, ∂/∂y = eˣ
    assert_eq!(
        store.wrt(&[x, y]),
        vec![1.5_f64.exp() * -2.0, 1.5_f64.exp()]
    );
}

#[test]
fn the_loss_may_be_a_leaf() {
    // d x / d x = 1; every other leaf gets 0.
    let g = Graph::new();
    let (x, y) = (g.var(4.0), g.var(5.0));
    let grads = g.backward(x);
    assert_eq!((grads[x], grads[y]), (1.0, 0.0));
    assert_eq!(g.hessian(x, &[x, y]), vec![vec![0.0; 2]; 2]);
}

#[test]
fn nodes_recorded_after_the_loss_take_no_part() {
    // y = x², then z = 3y is recorded later: backward(y) sees only y's graph.
    let g = Graph::new();
    let x = g.var(2.0);
    let y = x * x;
    let z = y * 3.0;
    let grads = g.backward(y);
    assert_eq!(grads[x], 4.0);
    assert_eq!(grads[z], 0.0);
    assert_eq!(g.backward(z)[x], 12.0);
}

#[test]
fn grad_of_grad_of_x_cubed() {
    // y = x³: y' = 3x² = 12, y'' = 6x = 12, y''' = 6, y'''' = 0 at x = 2.
    let g = Graph::new();
    let x = g.var(2.0);
    let y = x.powi(3);
    let d1 = g.grad_graph(y, &[x])[0];
    let d2 = g.grad_graph(d1, &[x])[0];
    let d3 = g.grad_graph(d2, &[x])[0];
    assert_eq!((d1.value(), d2.value(), d3.value()), (12.0, 12.0, 6.0));
    assert_eq!(g.backward(d2)[x], 6.0);
    assert_eq!(g.backward(d3)[x], 0.0);
    // Written as x·x·x instead (three uses of one leaf), the same numbers.
    let y = x * x * x;
    let d1 = g.grad_graph(y, &[x])[0];
    let d2 = g.grad_graph(d1, &[x])[0];
    assert_eq!(
        (d1.value(), d2.value(), g.backward(d2)[x]),
        (12.0, 12.0, 6.0)
    );
}

/// A function of one recorded variable.
type Unary = fn(Var) -> Var;

#[test]
fn third_derivatives_of_elementary_functions() {
    // (d/dx)³ of: sin x = −cos x; e^{2x} = 8e^{2x}; 1/x = −6/x⁴; ln x = 2/x³;
    // tanh x = −2 sech²x (1 − 3 tanh²x) = −2(1 − t²)(1 − 3t²).
    let x0 = 0.8_f64;
    let t = x0.tanh();
    let cases: [(Unary, f64); 5] = [
        (|x| x.sin(), -x0.cos()),
        (|x| (x * 2.0).exp(), 8.0 * (2.0 * x0).exp()),
        (|x| x.powi(-1), -6.0 / x0.powi(4)),
        (|x| x.ln(), 2.0 / x0.powi(3)),
        (|x| x.tanh(), -2.0 * (1.0 - t * t) * (1.0 - 3.0 * t * t)),
    ];
    for (i, (f, want)) in cases.into_iter().enumerate() {
        let g = Graph::new();
        let x = g.var(x0);
        let d1 = g.grad_graph(f(x), &[x])[0];
        let d2 = g.grad_graph(d1, &[x])[0];
        assert_close(g.backward(d2)[x], want, 1e-13, &format!("case {i}"));
    }
}

#[test]
fn grad_graph_through_kinks() {
    // relu, abs, max and min have step derivatives, which are constants on the recorded
    // backward pass: their own derivative is 0 away from the kink.
    let g = Graph::new();
    for x0 in [1.5, -1.5] {
        let x = g.var(x0);
        // f = relu(x)·x = x² for x > 0, 0 for x < 0: f' = 2·relu(x), f'' = 2·[x > 0].
        let f = x.relu() * x;
        let d1 = g.grad_graph(f, &[x])[0];
        assert_eq!(d1.value(), 2.0 * x0.max(0.0));
        assert_eq!(g.backward(d1)[x], if x0 > 0.0 { 2.0 } else { 0.0 });
        // f = |x|·x: f' = 2|x|, f'' = 2·sign x.
        let f = x.abs() * x;
        let d1 = g.grad_graph(f, &[x])[0];
        assert_eq!(d1.value(), 2.0 * x0.abs());
        assert_eq!(g.backward(d1)[x], 2.0 * x0.signum());
    }
    // f = max(x, y)·x. At (2, 1) f = x²: ∇f = (2x, 0), H = [[2, 0], [0, 0]].
    // At (1, 2) f = x·y: ∇f = (y, x), H = [[0, 1], [1, 0]].
    for ((x0, y0), grad, hess) in [
        ((2.0, 1.0), [4.0, 0.0], [[2.0, 0.0], [0.0, 0.0]]),
        ((1.0, 2.0), [2.0, 1.0], [[0.0, 1.0], [1.0, 0.0]]),
    ] {
        let (x, y) = (g.var(x0), g.var(y0));
        let f = x.maximum(y) * x;
        let d: Vec<f64> = g.grad_graph(f, &[x, y]).iter().map(|v| v.value()).collect();
        assert_eq!(d, grad);
        assert_eq!(g.hessian(f, &[x, y]), hess.map(Vec::from).to_vec());
        // min(x, y)·x swaps the two regions: x² where x < y (∇ = (2x, 0)), xy elsewhere.
        let f = x.minimum(y) * x;
        let (gm, hm) = if x0 < y0 {
            ([2.0 * x0, 0.0], [[2.0, 0.0], [0.0, 0.0]])
        } else {
            ([y0, x0], [[0.0, 1.0], [1.0, 0.0]])
        };
        let d: Vec<f64> = g.grad_graph(f, &[x, y]).iter().map(|v| v.value()).collect();
        assert_eq!(d, gm);
        assert_eq!(g.hessian(f, &[x, y]), hm.map(Vec::from).to_vec());
    }
}

#[test]
fn sum_with_a_repeated_operand() {
    // s = Σ(x, x, y, x) = 3x + y: ∂s/∂x = 3 (once per listing), ∂s/∂y = 1.
    let g = Graph::new();
    let (x, y) = (g.var(1.25), g.var(-4.0));
    let s = g.sum(&[x, x, y, x]);
    assert_eq!(s.value(), 3.0 * 1.25 - 4.0);
    assert_eq!(g.backward(s).wrt(&[x, y]), vec![3.0, 1.0]);
    // Recorded: t = Σ(x·y, x·y, x) = 2xy + x; ∇t = (2y + 1, 2x); H = [[0, 2], [2, 0]].
    let p = x * y;
    let t = g.sum(&[p, p, x]);
    let d: Vec<f64> = g.grad_graph(t, &[x, y]).iter().map(|v| v.value()).collect();
    assert_eq!(d, vec![-7.0, 2.5]);
    assert_eq!(g.hessian(t, &[x, y]), vec![vec![0.0, 2.0], vec![2.0, 0.0]]);
    // The empty sum is 0 and depends on nothing.
    let e = g.sum(&[]);
    assert_eq!(e.value(), 0.0);
    assert_eq!(g.backward(e).wrt(&[x, y]), vec![0.0, 0.0]);
}

/// Builds DESIGN.md's chain workload: x ← tanh(x·a + b), `n` times (3 nodes per step).
fn build_chain(g: &Graph, n: usize) -> (Var<'_>, Var<'_>, Var<'_>, Var<'_>) {
    let (x0, a, b) = (g.var(0.5), g.var(0.9), g.var(0.1));
    let mut x = x0;
    for _ in 0..n {
        x = (x * a + b).tanh();
    }
    (x, x0, a, b)
}

/// Checks the chain's value and gradient against the forward-mode recurrence in plain f64.
fn check_chain(n: usize) {
    let g = Graph::with_capacity(3 * n + 3);
    let (x, x0, a, b) = build_chain(&g, n);
    assert_eq!(g.len(), 3 * n + 3);
    let (want, da, db) = tanh_chain(n, 0.5, 0.9, 0.1);
    // The forward pass does the same float operations as the recurrence.
    assert_eq!(x.value(), want);
    let grads = g.backward(x);
    // Reverse mode sums the same products in another order: equal to rounding.
    assert_close(grads[a], da, 1e-12, "dx/da");
    assert_close(grads[b], db, 1e-12, "dx/db");
    // dx_n/dx_0 = Π a·(1 − x_k²) → 0 for a long chain (|a·tanh'| < 1).
    assert!(grads[x0].abs() < 1e-100);
}

#[test]
fn tanh_chain_recurrence_reproduces_the_published_numbers() {
    // DESIGN.md's check values for N = 1,000,000 (plain f64, no tape: fast even in debug).
    let (x, da, db) = tanh_chain(1_000_000, 0.5, 0.9, 0.1);
    assert_close(x, 0.5015959675361122, 1e-15, "x");
    assert_close(da, 1.1499715244795448, 1e-13, "dx/da");
    assert_close(db, 2.292625138372453, 1e-13, "dx/db");
}

#[test]
fn deep_tanh_chain() {
    // 250,000 steps (750,000 nodes): the default-run size, well under 2 s in the test profile
    // (the full size below takes about 0.6 s there on the development machine).
    check_chain(250_000);
}

/// The full 1,000,000-deep chain (3,000,000 nodes). Run it in release:
/// `cargo test --release --test suite traps:: -- --ignored`
#[test]
#[ignore = "full size: run with `cargo test --release --test suite traps:: -- --ignored`"]
fn deep_tanh_chain_full_size() {
    check_chain(1_000_000);
    let g = Graph::new();
    let (x, _, a, b) = build_chain(&g, 1_000_000);
    let grads = g.backward(x);
    assert_close(x.value(), 0.5015959675361122, 1e-15, "x");
    assert_close(grads[a], 1.1499715244795448, 1e-12, "dx/da");
    assert_close(grads[b], 2.292625138372453, 1e-12, "dx/db");
}

#[test]
fn wide_sums() {
    // DESIGN.md's "wide" workload at 200,000 leaves: y = x₀·x₀ + x₁·x₁ + … as a left-to-right
    // chain of adds, xᵢ = i/n. ∂y/∂xᵢ = 2xᵢ exactly (a product by 2 is exact in binary).
    let n = 200_000;
    let g = Graph::new();
    let xs: Vec<Var> = (0..n).map(|i| g.var(i as f64 / n as f64)).collect();
    let mut y = xs[0] * xs[0];
    for &x in &xs[1..] {
        y += x * x;
    }
    let grads = g.backward(y);
    for (i, &x) in xs.iter().enumerate() {
        assert_eq!(grads[x], 2.0 * x.value(), "x{i}");
    }
    // The same as one Sum node with 200,000 operands, plus every leaf once more: 2xᵢ + 1.
    let squares: Vec<Var> = xs.iter().map(|&x| x * x).collect();
    let s = g.sum(&[g.sum(&squares), g.sum(&xs)]);
    let grads = g.backward(s);
    // (The three contributions 1, xᵢ, xᵢ are added in sweep order: equal up to rounding.)
    for &x in &xs {
        assert_close(grads[x], 2.0 * x.value() + 1.0, 1e-15, "∂s/∂x");
    }
}

#[test]
fn deep_graphs_need_no_stack() {
    // Record, sweep, record the sweep, and drop a 100,000-deep chain on a thread with a 128 KiB
    // stack: any recursion over depth (in backward, grad_graph, hessian or Drop) overflows it.
    let worker = std::thread::Builder::new()
        .stack_size(128 * 1024)
        .spawn(|| {
            let g = Graph::new();
            let (x, _, a, b) = build_chain(&g, 100_000);
            let grads = g.backward(x).wrt(&[a, b]);
            let recorded = g.grad_graph(x, &[a, b]);
            assert_eq!(recorded[0].value(), grads[0]);
            assert_eq!(recorded[1].value(), grads[1]);
            let h = g.hessian(x, &[a, b]);
            assert!(h.iter().flatten().all(|v| v.is_finite()));
            drop(g);
            // And a graph dropped without ever being differentiated.
            let g = Graph::new();
            let _ = build_chain(&g, 100_000);
        })
        .unwrap();
    worker.join().unwrap();
}

#[test]
fn hessian_of_the_chain_matches_differences_of_its_gradient() {
    // A 50-step chain: ∂²x/∂(a, b)² by differences of the exact gradient (tanh_chain).
    let grad = |p: &[f64]| {
        let (_, da, db) = tanh_chain(50, 0.5, p[0], p[1]);
        vec![da, db]
    };
    let fd = common::jacobian(grad, &[0.9, 0.1]);
    let g = Graph::new();
    let (x, _, a, b) = build_chain(&g, 50);
    let h = g.hessian(x, &[a, b]);
    for i in 0..2 {
        let fd_row: Vec<f64> = fd[i].iter().map(|d| d.value).collect();
        assert_all_close(&h[i], &fd_row, 1e-7, &format!("H[{i}]"));
    }
    assert!(matches!(g.op(x).unwrap(), Op::Unary(..)));
}
