//! Benchmark "per_example": per-example gradients (`vmap(grad)`) of the digits MLP
//! (64 → 256 ReLU → 10, f32, softmax cross-entropy per row) on a batch of 128 training rows:
//! [`Mlp::per_example_grads_into`] (one batched backward pass, then an outer product per row
//! and layer) against a loop of 128 single-row backward passes, both writing into buffers they
//! reuse, timed in alternation
//! (trick, loop, trick, loop, …), medians and ranges over the rounds. Prints one JSON line:
//!
//! ```text
//! cargo run --release --example bench_per_example
//! {"workload":"per_example","batch":128,"rounds":..,"trick_ms":..,"trick_ms_range":[..,..],
//!  "loop_ms":..,"loop_ms_range":[..,..],"speedup":..,"max_abs_diff":..}
//! ```
//!
//! Both produce the same `128 × 19 210` numbers (one gradient per row and parameter);
//! `max_abs_diff` is the largest difference between them (f32 rounding only).

#[path = "common/digits.rs"]
mod common;

use std::time::Instant;

use tapegrad::nn::tensor::Mlp;
use tapegrad::{Grads, Graph, Result, Tensor};

const BATCH: usize = 128;
const SIZES: [usize; 3] = [64, 256, 10];
const ROUNDS: usize = 21;

/// −log softmax(z)[label] for every row: `[rows, 1]`.
fn nll<'g>(z: Tensor<'g, f32>, labels: &[usize]) -> Result<Tensor<'g, f32>> {
    z.try_log_softmax(1)?
        .try_take_along_axis(labels, &[labels.len(), 1], 1)?
        .try_neg()
}

/// The per-example gradients by a backward pass per row, laid out as `per_example_grads`
/// lays them out: per parameter, `[rows, parameter shape]`.
fn by_loop(mlp: &Mlp<'_, f32>, x: &[f32], labels: &[usize], out: &mut [Vec<f32>]) -> Result<()> {
    let g = mlp.graph();
    let params: Vec<Tensor<'_, f32>> = mlp.named_parameters().iter().map(|p| p.1).collect();
    let mut store = Grads::new();
    let nin = SIZES[0];
    for (r, &label) in labels.iter().enumerate() {
        let mark = g.mark();
        let xr = g.try_tensor_const(&x[r * nin..(r + 1) * nin], &[1, nin])?;
        let loss = nll(mlp.try_forward(xr)?, &[label])?.try_sum()?;
        g.backward_into(loss, &mut store)?;
        for (buf, &p) in out.iter_mut().zip(&params) {
            let d = store.try_tensor(p)?;
            buf[r * d.len()..(r + 1) * d.len()].copy_from_slice(d);
        }
        g.try_rewind(mark)?;
    }
    Ok(())
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> Result<()> {
    let (train, _) = common::split(0)?;
    let x: Vec<f32> = (0..BATCH)
        .flat_map(|r| train.row(r).iter().map(|&v| v as f32))
        .collect();
    let labels = train.labels()?[..BATCH].to_vec();
    let g = Graph::<f32>::default();
    let mlp = common::mlp(&g, &SIZES, 0)?;
    let sizes: Vec<usize> = mlp
        .named_parameters()
        .iter()
        .map(|p| BATCH * p.1.numel())
        .collect();
    let mut looped: Vec<Vec<f32>> = sizes.iter().map(|&n| vec![0.0; n]).collect();
    let (mut trick_ms, mut loop_ms) = (Vec::new(), Vec::new());
    let mut max_abs_diff = 0.0_f32;
    let mut per = Vec::new();
    // One round of each to warm the pools and caches, then timed rounds in alternation.
    for round in 0..=ROUNDS {
        let t0 = Instant::now();
        mlp.per_example_grads_into(&x, |z| nll(z, &labels), &mut per)?;
        let t1 = Instant::now();
        by_loop(&mlp, &x, &labels, &mut looped)?;
        let t2 = Instant::now();
        if round > 0 {
            trick_ms.push((t1 - t0).as_secs_f64() * 1e3);
            loop_ms.push((t2 - t1).as_secs_f64() * 1e3);
        }
        for (a, b) in per.iter().zip(&looped) {
            for (u, v) in a.data().iter().zip(b) {
                max_abs_diff = max_abs_diff.max((u - v).abs());
            }
        }
    }
    let range = |v: &[f64]| {
        let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = v.iter().copied().fold(0.0, f64::max);
        format!("[{lo:.3},{hi:.3}]")
    };
    let (tr, lr) = (range(&trick_ms), range(&loop_ms));
    let (t, l) = (median(&mut trick_ms), median(&mut loop_ms));
    println!(
        "{{\"workload\":\"per_example\",\"batch\":{BATCH},\"rounds\":{ROUNDS},\
         \"trick_ms\":{t:.3},\"trick_ms_range\":{tr},\"loop_ms\":{l:.3},\"loop_ms_range\":{lr},\
         \"speedup\":{:.2},\"max_abs_diff\":{max_abs_diff:e}}}",
        l / t
    );
    Ok(())
}
