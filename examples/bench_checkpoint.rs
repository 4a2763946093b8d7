//! Benchmark "checkpoint": an LSTM unrolled over 240 steps (ten times `lstm_sine`'s 24; batch
//! 32, 1 input, 16 hidden units, a linear head predicting the next value at every step, mean
//! squared error, f64), its gradient taken without checkpoints and with a checkpoint every k
//! steps (k = 8, 16, 24, 48; a segment is k cell steps with their predictions and their part
//! of the loss, and returns (h, c, that part)).
//!
//! Each configuration runs in a process of its own (this program started again with
//! `--child K`), so its peak resident memory (`VmHWM`) is its own; the rounds alternate the
//! configurations (none, 8, 16, 24, 48, none, 8, …) and each child times `REPS` forward +
//! backward passes (median). Also reported: the most nodes on the tape at once (after the
//! forward pass, or while a segment is recomputed), and the largest difference between a
//! configuration's gradient and the unchecked one (computed in this process). Prints one JSON
//! line:
//!
//! ```text
//! cargo run --release --example bench_checkpoint
//! {"workload":"checkpoint","steps":240,"batch":32,"hidden":16,"rounds":..,"configs":[
//!   {"every":0,"peak_rss_kb":..,"peak_rss_kb_range":[..],"peak_nodes":..,"ms":..,
//!    "ms_range":[..],"max_grad_diff":0},..]}
//! ```

#[path = "common/rss.rs"]
mod rss;

use std::cell::Cell;
use std::process::Command;
use std::time::Instant;

use rand::{RngExt, SeedableRng, rngs::StdRng};
use tapegrad::nn::Init;
use tapegrad::nn::scalar::Activation;
use tapegrad::nn::tensor::{Linear, LstmCell};
use tapegrad::transform::Checkpoints;
use tapegrad::{Graph, Result, Tensor, Var};

const BATCH: usize = 32;
const LEN: usize = 240;
const HIDDEN: usize = 16;
const EVERY: [usize; 5] = [0, 8, 16, 24, 48];
const ROUNDS: usize = 5;
const REPS: usize = 5;

/// Noisy sine waves: `BATCH` rows of `LEN + 1` values.
fn waves() -> Vec<f64> {
    let mut rng = StdRng::seed_from_u64(0);
    let mut v = Vec::with_capacity(BATCH * (LEN + 1));
    for _ in 0..BATCH {
        let phase = rng.random_range(0.0..std::f64::consts::TAU);
        v.extend(
            (0..=LEN).map(|t| (0.35 * t as f64 + phase).sin() + rng.random_range(-0.05..0.05)),
        );
    }
    v
}

/// Steps `t0 .. t0 + xs.len()` from the state `s = [h, c]`: the new state and the sum of the
/// squared errors of their predictions.
fn steps<'g>(
    g: &'g Graph,
    (cell, head): (LstmCell<'g>, Linear<'g>),
    xs: &[(Tensor<'g>, Tensor<'g>)],
    s: &[Tensor<'g>],
) -> Result<Vec<Tensor<'g>>> {
    let (mut h, mut c) = (s[0], s[1]);
    let mut err = Vec::with_capacity(xs.len());
    for &(x, y) in xs {
        (h, c) = cell.try_forward(x, (h, c))?;
        err.push(head.try_forward(h)?.try_sub(y)?.try_powi(2)?.try_sum()?);
    }
    Ok(vec![h, c, g.try_sum(&err)?.as_tensor()])
}

/// One forward and backward pass with a checkpoint every `every` steps (0: none): the
/// gradients of the parameters, and the most nodes the tape held.
fn run(
    g: &Graph,
    model: (LstmCell<'_>, Linear<'_>),
    every: usize,
    w: &[f64],
) -> Result<(Vec<Vec<f64>>, usize)> {
    let (cell, head) = model;
    let mut params: Vec<Tensor<'_>> = cell.parameters().iter().map(|p| p.1).collect();
    params.extend([head.weight(), head.bias()]);
    let mark = g.mark();
    let at = |t: usize| -> Vec<f64> { w.chunks(LEN + 1).map(|r| r[t]).collect() };
    let xs = (0..LEN)
        .map(|t| {
            Ok((
                g.try_tensor_const(&at(t), &[BATCH, 1])?,
                g.try_tensor_const(&at(t + 1), &[BATCH, 1])?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let peak = std::rc::Rc::new(Cell::new(0));
    let ck = Checkpoints::new(g);
    let zeros = g.zeros(&[BATCH, HIDDEN]);
    let mut state = [zeros, zeros];
    let mut parts: Vec<Var<'_>> = Vec::new();
    let k = if every == 0 { LEN } else { every };
    for chunk in xs.chunks(k) {
        let out = if every == 0 {
            steps(g, model, chunk, &state)?
        } else {
            let chunk = chunk.to_vec();
            let peak = peak.clone();
            ck.checkpoint(&state, move |_, s| {
                let out = steps(g, model, &chunk, s);
                peak.set(peak.get().max(g.len()));
                out
            })?
        };
        state = [out[0], out[1]];
        parts.push(out[2].try_as_var()?);
    }
    let loss = g.try_sum(&parts)? / (BATCH * LEN) as f64;
    peak.set(peak.get().max(g.len()));
    let grads = if every == 0 {
        let grads = g.try_backward(loss)?;
        params
            .iter()
            .map(|&p| grads.try_tensor(p).map(<[f64]>::to_vec))
            .collect::<Result<Vec<_>>>()?
    } else {
        ck.try_backward(loss, &params)?
    };
    drop(ck);
    g.try_rewind(mark)?;
    Ok((grads, peak.get()))
}

fn model(g: &Graph) -> Result<(LstmCell<'_>, Linear<'_>)> {
    let mut rng = StdRng::seed_from_u64(1);
    let cell = LstmCell::try_new(g, 1, HIDDEN, &mut rng)?;
    let head = Linear::try_new(g, HIDDEN, 1, Activation::Linear, Init::PyTorch, &mut rng)?;
    Ok((cell, head))
}

/// One configuration in this process: `peak_rss_kb peak_nodes median_ms`.
fn child(every: usize) -> Result<()> {
    let w = waves();
    let g = Graph::new();
    let m = model(&g)?;
    let mut ms = Vec::with_capacity(REPS);
    let mut nodes = 0;
    for _ in 0..REPS {
        let t0 = Instant::now();
        let (_, peak) = run(&g, m, every, &w)?;
        ms.push(t0.elapsed().as_secs_f64() * 1e3);
        nodes = peak;
    }
    ms.sort_by(f64::total_cmp);
    println!("{} {nodes} {}", rss::peak_rss_kb(), ms[REPS / 2]);
    Ok(())
}

fn stats(v: &mut [f64]) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, k] = &args[..] {
        if flag == "--child" {
            return child(
                k.parse()
                    .map_err(|_| tapegrad::Error::Invalid(format!("--child {k}")))?,
            );
        }
    }
    // Gradients of every configuration against the unchecked one, in this process.
    let w = waves();
    let g = Graph::new();
    let m = model(&g)?;
    let (plain, _) = run(&g, m, 0, &w)?;
    let diffs: Vec<f64> = EVERY
        .iter()
        .map(|&k| {
            let (d, _) = run(&g, m, k, &w)?;
            Ok(d.iter()
                .flatten()
                .zip(plain.iter().flatten())
                .map(|(a, b)| (a - b).abs() / b.abs().max(1.0))
                .fold(0.0, f64::max))
        })
        .collect::<Result<_>>()?;
    let exe = std::env::current_exe().expect("the benchmark's own path");
    let mut rss = vec![Vec::new(); EVERY.len()];
    let mut ms = vec![Vec::new(); EVERY.len()];
    let mut nodes = vec![0; EVERY.len()];
    for _ in 0..ROUNDS {
        for (i, k) in EVERY.iter().enumerate() {
            let out = Command::new(&exe)
                .args(["--child", &k.to_string()])
                .output()
                .expect("a child run");
            let line = String::from_utf8_lossy(&out.stdout);
            let f: Vec<f64> = line
                .split_whitespace()
                .filter_map(|s| s.parse().ok())
                .collect();
            assert_eq!(
                f.len(),
                3,
                "child --child {k}: {line} {}",
                String::from_utf8_lossy(&out.stderr)
            );
            rss[i].push(f[0]);
            nodes[i] = f[1] as usize;
            ms[i].push(f[2]);
        }
    }
    let configs: Vec<String> = EVERY
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let (r, rlo, rhi) = stats(&mut rss[i]);
            let (t, tlo, thi) = stats(&mut ms[i]);
            format!(
                "{{\"every\":{k},\"peak_rss_kb\":{r},\"peak_rss_kb_range\":[{rlo},{rhi}],\
                 \"peak_nodes\":{},\"ms\":{t:.1},\"ms_range\":[{tlo:.1},{thi:.1}],\
                 \"max_grad_diff\":{:e}}}",
                nodes[i], diffs[i]
            )
        })
        .collect();
    println!(
        "{{\"workload\":\"checkpoint\",\"steps\":{LEN},\"batch\":{BATCH},\"hidden\":{HIDDEN},\
         \"rounds\":{ROUNDS},\"reps\":{REPS},\"configs\":[{}]}}",
        configs.join(",")
    );
    Ok(())
}
