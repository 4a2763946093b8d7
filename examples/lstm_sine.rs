//! An LSTM learns to predict the next value of a noisy sine wave.
//!
//! Each training step draws a fresh batch of 32 sequences y_t = sin(0.35·t + φ) + ε, t = 0..24,
//! with a random phase φ per sequence and noise ε ~ N(0, 0.05²), all generated here from a
//! seed. An `LstmCell` (1 input, 16 hidden units) reads y_0 … y_23 one step at a time,
//! unrolled on the tape, and a `Linear` layer maps each hidden state to a prediction of the
//! next value; the loss is the mean squared error over all steps. One backward pass through the
//! 24 unrolled steps gives every gradient (backpropagation through time), whose global norm is
//! clipped to 0.1 before each Adam step (`TensorOptimizer::clip_grad_norm`, PyTorch's
//! `clip_grad_norm_` then `optimizer.step()`): the large gradients of the first steps are
//! scaled down, later ones pass unchanged.
//!
//! The loss falls from 0.57 (about the variance of the wave) to 0.008 over the last 20 steps,
//! against 0.066 for predicting "the next value equals this one" and a noise floor (the
//! variance of ε) of 0.0025; about 14 ms per step in release on a 2-core machine. Run with
//! `cargo run --release --example lstm_sine` (`-- --json` prints one line
//! `{"initial_loss":..,"final_loss":..,"persistence_loss":..,"steps":..,"clipped_steps":..,..}`).

use std::time::Instant;

use rand::{RngExt, SeedableRng, rngs::StdRng};
use rand_distr::{Distribution, Normal};
use tapegrad::nn::Init;
use tapegrad::nn::optim::{Adam, TensorOptimizer};
use tapegrad::nn::scalar::Activation;
use tapegrad::nn::tensor::{Linear, LstmCell};
use tapegrad::{Grads, Graph, Result, Tensor};

const BATCH: usize = 32;
const LEN: usize = 24;
const HIDDEN: usize = 16;
const STEPS: usize = 300;
const NOISE: f64 = 0.05;
/// The largest global gradient norm an Adam step sees.
const MAX_NORM: f64 = 0.1;

fn main() {
    if let Err(e) = run() {
        eprintln!("lstm_sine: {e}");
        std::process::exit(1);
    }
}

/// A batch of noisy sine waves, `BATCH` rows of `LEN + 1` values.
fn batch(rng: &mut StdRng) -> Vec<f64> {
    let noise = Normal::new(0.0, NOISE).expect("a valid standard deviation");
    let mut v = Vec::with_capacity(BATCH * (LEN + 1));
    for _ in 0..BATCH {
        let phase = rng.random_range(0.0..std::f64::consts::TAU);
        v.extend((0..=LEN).map(|t| (0.35 * t as f64 + phase).sin() + noise.sample(rng)));
    }
    v
}

/// The mean squared error of predicting y_{t+1} from y_0 … y_t, t = 0..LEN, recorded.
fn loss<'g>(
    g: &'g Graph,
    cell: &LstmCell<'g>,
    head: &Linear<'g>,
    waves: &[f64],
) -> Result<tapegrad::Var<'g>> {
    let at = |t: usize| -> Vec<f64> { waves.chunks(LEN + 1).map(|w| w[t]).collect() };
    let xs = (0..LEN)
        .map(|t| g.try_tensor_const(&at(t), &[BATCH, 1]))
        .collect::<Result<Vec<Tensor>>>()?;
    let zeros = g.zeros(&[BATCH, HIDDEN]);
    let (hs, _) = cell.unroll(&xs, (zeros, zeros))?;
    let preds = hs
        .iter()
        .map(|&h| head.try_forward(h))
        .collect::<Result<Vec<Tensor>>>()?;
    let pred = g.try_concat(&preds, 1)?; // (BATCH, LEN): column t predicts y_{t+1}
    let targets: Vec<f64> = waves
        .chunks(LEN + 1)
        .flat_map(|w| w[1..].to_vec())
        .collect();
    let target = g.try_tensor_const(&targets, &[BATCH, LEN])?;
    (pred - target).try_powi(2)?.try_mean()
}

fn run() -> Result<()> {
    let json = std::env::args().any(|a| a == "--json");
    let mut rng = StdRng::seed_from_u64(0);
    let g = Graph::new();
    let cell = LstmCell::try_new(&g, 1, HIDDEN, &mut rng)?;
    let head = Linear::try_new(&g, HIDDEN, 1, Activation::Linear, Init::PyTorch, &mut rng)?;
    let mut params: Vec<Tensor> = cell.parameters().iter().map(|p| p.1).collect();
    params.extend([head.weight(), head.bias()]);
    let total: usize = params.iter().map(|p| p.numel()).sum();

    let mut opt = TensorOptimizer::new(&params, Adam::new(1e-2)).clip_grad_norm(MAX_NORM);
    let mut grads = Grads::new();
    let mut losses = Vec::with_capacity(STEPS);
    let mut persistence = 0.0;
    let mut clipped = 0;
    let start = Instant::now();
    let mark = g.mark();
    for step in 0..STEPS {
        let waves = batch(&mut rng);
        // Predicting y_{t+1} = y_t, for reference.
        persistence += waves
            .chunks(LEN + 1)
            .flat_map(|w| w.windows(2).map(|p| (p[1] - p[0]).powi(2)))
            .sum::<f64>()
            / (BATCH * LEN) as f64
            / STEPS as f64;
        let l = loss(&g, &cell, &head, &waves)?;
        losses.push(l.value());
        g.backward_into(l, &mut grads)?;
        g.rewind(mark);
        let norm = opt.try_step(&grads)?;
        clipped += usize::from(norm > MAX_NORM);
        if !json && (step % 25 == 0 || step == STEPS - 1) {
            println!(
                "step {:>3}  loss {:.5}  gradient norm {norm:.3}{}",
                step + 1,
                losses[step],
                if norm > MAX_NORM { " (clipped)" } else { "" }
            );
        }
    }
    let ms_per_step = start.elapsed().as_secs_f64() * 1e3 / STEPS as f64;
    let tail = &losses[STEPS - 20..];
    let final_loss = tail.iter().sum::<f64>() / tail.len() as f64;
    if json {
        println!(
            "{{\"initial_loss\":{:.6},\"final_loss\":{final_loss:.6},\
             \"persistence_loss\":{persistence:.6},\"steps\":{STEPS},\"clipped_steps\":{clipped},\
             \"ms_per_step\":{ms_per_step:.3}}}",
            losses[0]
        );
        return Ok(());
    }
    println!(
        "\nLSTM 1 → {HIDDEN} → linear 1, {total} parameters, {STEPS} Adam steps (lr 1e-2) on \
         fresh batches of {BATCH} waves of {LEN} steps; gradient norm clipped to {MAX_NORM} \
         at {clipped} of them"
    );
    println!(
        "loss {:.4} at the first step, {final_loss:.4} over the last 20 (noise floor {:.4}, \
         predicting the last value {persistence:.4}); {ms_per_step:.1} ms per step",
        losses[0],
        NOISE * NOISE
    );
    Ok(())
}
