//! Benchmark "jvp": the Jacobian of f: Rⁿ → Rᵐ by forward mode ([`Graph::jacfwd`]: the JVPs
//! along the n unit vectors, pushed as n tangent lanes through one sweep) against reverse mode
//! (one backward sweep per output, m of them), for n ≪ m and n ≫ m. Each sweep walks the same
//! record, so forward mode costs about n passes' worth of work and reverse mode m: the time
//! ratio reverse / forward should follow m / n.
//!
//! The same run times one JVP (a single direction v) by each of the two forward-mode methods
//! of [`JvpMethod`]: tangents pushed through the pullbacks (one numeric sweep, nothing recorded)
//! against the transpose trick (record the VJP once, then one sweep of it), and checks they
//! agree (`jvp_max_abs_diff`).
//!
//! f(x) = (tanh(s·wᵢ + x_{i mod n}))ᵢ with s = Σⱼ sin(j·xⱼ): about 3n + 4m nodes, every
//! output reading every input. Timed in alternation (forward, reverse, forward, …), medians
//! and ranges over the rounds; both Jacobians are compared (`max_abs_diff`). Prints one JSON
//! line:
//!
//! ```text
//! cargo run --release --example bench_jvp
//! {"workload":"jvp","cases":[{"n":..,"m":..,"fwd_ms":..,"fwd_ms_range":[..],"rev_ms":..,
//!   "rev_ms_range":[..],"rev_over_fwd":..,"m_over_n":..,"max_abs_diff":..,"tangents_ms":..,
//!   "transpose_ms":..,"transpose_over_tangents":..,"jvp_max_abs_diff":..},..]}
//! ```

use std::time::Instant;

use tapegrad::transform::JvpMethod;
use tapegrad::{Grads, Graph, Var};

const ROUNDS: usize = 11;

/// The outputs of f on the leaves `x`.
fn f<'g>(g: &'g Graph, x: &[Var<'g>], m: usize) -> Vec<Var<'g>> {
    let terms: Vec<Var<'g>> = x
        .iter()
        .enumerate()
        .map(|(j, &xj)| (xj * (j as f64 + 1.0)).sin())
        .collect();
    let s = g.sum(&terms);
    (0..m)
        .map(|i| (s * (0.01 * i as f64 - 0.3) + x[i % x.len()]).tanh())
        .collect()
}

fn stats(v: &mut [f64]) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

fn case(n: usize, m: usize) -> String {
    let g = Graph::new();
    let x: Vec<Var<'_>> = (0..n)
        .map(|j| g.var(0.1 + 0.7 * j as f64 / n as f64))
        .collect();
    let ys = f(&g, &x, m);
    let (mut fwd, mut rev) = (Vec::new(), Vec::new());
    let (mut tangents, mut transpose) = (Vec::new(), Vec::new());
    let v: Vec<f64> = (0..n).map(|j| 1.0 - 2.0 * (j % 2) as f64).collect();
    let mut store = Grads::new();
    let (mut max_abs_diff, mut jvp_max_abs_diff) = (0.0_f64, 0.0_f64);
    for round in 0..=ROUNDS {
        let t0 = Instant::now();
        let jf = g.jacfwd(&ys, &x);
        let t1 = Instant::now();
        let jr: Vec<Vec<f64>> = ys
            .iter()
            .map(|&y| {
                g.backward_into(y, &mut store).expect("backward");
                store.wrt(&x)
            })
            .collect();
        let t2 = Instant::now();
        let by_tangents = g.try_jvp_with(JvpMethod::Tangents, &ys, &x, &[&v]);
        let t3 = Instant::now();
        let by_transpose = g.try_jvp_with(JvpMethod::Transpose, &ys, &x, &[&v]);
        let t4 = Instant::now();
        if round > 0 {
            fwd.push((t1 - t0).as_secs_f64() * 1e3);
            rev.push((t2 - t1).as_secs_f64() * 1e3);
            tangents.push((t3 - t2).as_secs_f64() * 1e3);
            transpose.push((t4 - t3).as_secs_f64() * 1e3);
        }
        let (a, b) = (
            by_tangents.expect("tangents"),
            by_transpose.expect("transpose"),
        );
        for (a, b) in a.iter().flatten().zip(b.iter().flatten()) {
            jvp_max_abs_diff = jvp_max_abs_diff.max((a - b).abs());
        }
        for (a, b) in jf.iter().flatten().zip(jr.iter().flatten()) {
            max_abs_diff = max_abs_diff.max((a - b).abs());
        }
    }
    let (f, flo, fhi) = stats(&mut fwd);
    let (r, rlo, rhi) = stats(&mut rev);
    let (t, _, _) = stats(&mut tangents);
    let (p, _, _) = stats(&mut transpose);
    format!(
        "{{\"n\":{n},\"m\":{m},\"nodes\":{},\"fwd_ms\":{f:.3},\"fwd_ms_range\":[{flo:.3},{fhi:.3}],\
         \"rev_ms\":{r:.3},\"rev_ms_range\":[{rlo:.3},{rhi:.3}],\"rev_over_fwd\":{:.3},\
         \"m_over_n\":{:.3},\"max_abs_diff\":{max_abs_diff:e},\"tangents_ms\":{t:.3},\
         \"transpose_ms\":{p:.3},\"transpose_over_tangents\":{:.2},\
         \"jvp_max_abs_diff\":{jvp_max_abs_diff:e}}}",
        g.len(),
        r / f,
        m as f64 / n as f64,
        p / t
    )
}

fn main() {
    let cases: Vec<String> = [(10, 1000), (1000, 10), (100, 100)]
        .iter()
        .map(|&(n, m)| case(n, m))
        .collect();
    println!(
        "{{\"workload\":\"jvp\",\"rounds\":{ROUNDS},\"cases\":[{}]}}",
        cases.join(",")
    );
}
