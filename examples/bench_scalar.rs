//! Scalar tape throughput: how many nanoseconds a recorded node costs, forward and backward.
//!
//! ```text
//! cargo run --release --example bench_scalar -- chain 1000000
//! cargo run --release --example bench_scalar -- wide 1000000
//! ```
//!
//! Prints one JSON line: `{"workload", "n", "nodes", "reps", "ns_per_node", "median_s",
//! "value", "grad", "peak_rss_kb"}`. `nodes` counts the nodes recorded in the timed part.
//!
//! - **chain**: leaves x0 = 0.5, a = 0.9, b = 0.1; N times x = tanh(x·a + b) (3 nodes each);
//!   backward from the last x; `grad` = [∂x/∂x0, ∂x/∂a, ∂x/∂b].
//! - **wide**: n leaves xᵢ = i/n made before timing; y = x₀·x₀ + x₁·x₁ + … as a left-to-right
//!   chain of adds (2n − 1 nodes); `grad` = [∂y/∂x₀, ∂y/∂x₁, ∂y/∂xₙ₋₁].
//!
//! Each repetition records the forward pass and runs [`Graph::backward_into`]; before
//! each repetition (untimed) the tape is rewound to a mark made after the leaves, so the arena's and the
//! gradient store's capacity is reused (the steady state of a training loop). The median of
//! the repetitions is reported, and the result is checked against an independent computation
//! (forward-mode derivatives for chain, the closed form for wide): a mismatch is reported on
//! stderr with exit status 1. Compare with `bench_vec_tape`, a hand-written `Vec` tape.

#[path = "common/bench.rs"]
mod bench;

use tapegrad::{Grads, Graph, Var};

fn main() {
    let (workload, n) = bench::args("bench_scalar");
    let (nodes, median_s, value, grad) = match workload.as_str() {
        "chain" => chain(n),
        _ => wide(n),
    };
    bench::Report {
        system: None,
        workload: &workload,
        n,
        nodes,
        median_s,
        value,
        grad,
    }
    .print();
    bench::verify(&workload, n, value, grad);
}

/// The chain's forward pass: `n` times x = tanh(x·a + b).
fn tanh_chain<'g>(x0: Var<'g>, a: Var<'g>, b: Var<'g>, n: usize) -> Var<'g> {
    let mut x = x0;
    for _ in 0..n {
        x = (x * a + b).tanh();
    }
    x
}

/// The wide sum's forward pass: x₀·x₀ + x₁·x₁ + …, added left to right.
fn sum_of_squares<'g>(xs: &[Var<'g>]) -> Var<'g> {
    let mut y = xs[0] * xs[0];
    for &x in &xs[1..] {
        y += x * x;
    }
    y
}

/// N times x = tanh(x·a + b).
fn chain(n: usize) -> (usize, f64, f64, [f64; 3]) {
    let g = Graph::new();
    let (x0, a, b) = (g.var(0.5), g.var(0.9), g.var(0.1));
    let mark = g.mark();
    let mut grads = Grads::new();
    let (median_s, (value, grad)) = bench::median_of(
        || g.rewind(mark),
        || {
            let x = tanh_chain(x0, a, b, n);
            g.backward_into(x, &mut grads).expect("live handle");
            (x.value(), [grads[x0], grads[a], grads[b]])
        },
    );
    (3 * n, median_s, value, grad)
}

/// y = x₀·x₀ + x₁·x₁ + … + xₙ₋₁·xₙ₋₁, added left to right.
fn wide(n: usize) -> (usize, f64, f64, [f64; 3]) {
    let g = Graph::new();
    let xs: Vec<_> = (0..n).map(|i| g.var(i as f64 / n as f64)).collect();
    let mark = g.mark();
    let mut grads = Grads::new();
    let (median_s, (value, grad)) = bench::median_of(
        || g.rewind(mark),
        || {
            let y = sum_of_squares(&xs);
            g.backward_into(y, &mut grads).expect("live handle");
            let x1 = xs[1.min(n - 1)];
            (y.value(), [grads[xs[0]], grads[x1], grads[xs[n - 1]]])
        },
    );
    (2 * n - 1, median_s, value, grad)
}
