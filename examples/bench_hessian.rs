//! Benchmark "hessian": the Hessian of the extended Rosenbrock function of 100 inputs,
//! f(x) = Σᵢ 100·(x₂ᵢ² − x₂ᵢ₊₁)² + (x₂ᵢ − 1)², by forward-over-reverse
//! ([`Graph::hessian_fwd`]: the gradient recorded once, then its Jacobian in one forward
//! sweep of 100 tangent lanes) against reverse-over-reverse ([`Graph::hessian`]: the same
//! recorded gradient, then one backward sweep per row), timed in alternation, medians and
//! ranges. Both are checked against the hand Hessian, block-diagonal with 2 × 2 blocks
//! [[1200a² − 400b + 2, −400a], [−400a, 200]] for (a, b) = (x₂ᵢ, x₂ᵢ₊₁). Prints one JSON line:
//!
//! ```text
//! cargo run --release --example bench_hessian
//! {"workload":"hessian","n":100,"rounds":..,"fwd_ms":..,"fwd_ms_range":[..],"rev_ms":..,
//!  "rev_ms_range":[..],"rev_over_fwd":..,"max_abs_diff":..,"max_abs_err_hand":..}
//! ```

use std::time::Instant;

use tapegrad::{Graph, Var};

const N: usize = 100;
const ROUNDS: usize = 21;

fn rosenbrock<'g>(g: &'g Graph, x: &[Var<'g>]) -> Var<'g> {
    let terms: Vec<Var<'g>> = x
        .chunks(2)
        .map(|p| 100.0 * (p[0] * p[0] - p[1]).powi(2) + (p[0] - 1.0).powi(2))
        .collect();
    g.sum(&terms)
}

fn hand(x: &[f64]) -> Vec<Vec<f64>> {
    let mut h = vec![vec![0.0; x.len()]; x.len()];
    for i in (0..x.len()).step_by(2) {
        let (a, b) = (x[i], x[i + 1]);
        h[i][i] = 1200.0 * a * a - 400.0 * b + 2.0;
        h[i][i + 1] = -400.0 * a;
        h[i + 1][i] = -400.0 * a;
        h[i + 1][i + 1] = 200.0;
    }
    h
}

fn stats(v: &mut [f64]) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

fn main() {
    let point: Vec<f64> = (0..N).map(|i| -1.2 + 0.03 * i as f64).collect();
    let want = hand(&point);
    let g = Graph::new();
    let x: Vec<Var<'_>> = point.iter().map(|&v| g.var(v)).collect();
    let y = rosenbrock(&g, &x);
    let (mut fwd, mut rev) = (Vec::new(), Vec::new());
    let (mut diff, mut err) = (0.0_f64, 0.0_f64);
    for round in 0..=ROUNDS {
        let t0 = Instant::now();
        let hf = g.hessian_fwd(y, &x);
        let t1 = Instant::now();
        let hr = g.hessian(y, &x);
        let t2 = Instant::now();
        if round > 0 {
            fwd.push((t1 - t0).as_secs_f64() * 1e3);
            rev.push((t2 - t1).as_secs_f64() * 1e3);
        }
        for ((a, b), w) in hf
            .iter()
            .flatten()
            .zip(hr.iter().flatten())
            .zip(want.iter().flatten())
        {
            diff = diff.max((a - b).abs());
            err = err.max((a - w).abs()).max((b - w).abs());
        }
    }
    let (f, flo, fhi) = stats(&mut fwd);
    let (r, rlo, rhi) = stats(&mut rev);
    println!(
        "{{\"workload\":\"hessian\",\"n\":{N},\"rounds\":{ROUNDS},\"fwd_ms\":{f:.3},\
         \"fwd_ms_range\":[{flo:.3},{fhi:.3}],\"rev_ms\":{r:.3},\"rev_ms_range\":[{rlo:.3},{rhi:.3}],\
         \"rev_over_fwd\":{:.3},\"max_abs_diff\":{diff:e},\"max_abs_err_hand\":{err:e}}}",
        r / f
    );
}
