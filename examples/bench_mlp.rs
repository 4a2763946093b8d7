//! Benchmark "mlp": one training step of a 784 → 256 (ReLU) → 10 classifier on a batch of 128
//! in f32 — forward, mean softmax cross-entropy, backward, Adam (lr 1e-3) — timed as the
//! median over 200 steps after 20 warm-up steps. Prints one JSON line.
//!
//! ```text
//! cargo run --release --example bench_mlp
//! {"workload":"mlp","batch":128,"steps":200,"ms_per_step":..,"gflops":..,"loss_first":..,
//!  "loss_last":..,"allocs_per_step":..}
//! ```
//!
//! `allocs_per_step` counts every allocation of the process during the timed steps. tapegrad's
//! own share is 0 in the steady state (buffers come from the tape's pool and the `Grads`
//! pool); the `gemm` crate allocates its packing buffers on each call (about 2–3 per product,
//! 5 products per step).
//!
//! The batch is synthetic (fixed pseudo-random pixels and labels), so the loss falls as the
//! network memorizes it. Allocations are counted by a global allocator that wraps the system
//! one. The update is the crate's [`Adam`] (PyTorch's formula and defaults: β = (0.9, 0.999),
//! ε = 1e-8) over each parameter's slice of one flat state vector, in place, without
//! allocating after the first step.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use tapegrad::nn::functional::cross_entropy;
use tapegrad::nn::optim::{Adam, TensorOptimizer};
use tapegrad::{Grads, Graph, Tensor};

/// Counts every allocation (and reallocation) made by the process.
struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so the
// `GlobalAlloc` contract holds exactly as it does for `System`; the counter is a relaxed atomic.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded unchanged (see above).
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged (see above).
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded unchanged (see above).
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded unchanged (see above).
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const BATCH: usize = 128;
const IN: usize = 784;
const HIDDEN: usize = 256;
const OUT: usize = 10;
const WARMUP: usize = 20;
const STEPS: usize = 200;

/// PyTorch's default initialization for a linear layer: uniform(±1/√fan_in).
fn uniform(rng: &mut StdRng, n: usize, fan_in: usize) -> Vec<f32> {
    let k = 1.0 / (fan_in as f32).sqrt();
    (0..n).map(|_| rng.random_range(-k..k)).collect()
}

fn main() {
    let mut rng = StdRng::seed_from_u64(0);
    let x_data: Vec<f32> = (0..BATCH * IN)
        .map(|_| rng.random_range(0.0..1.0))
        .collect();
    let labels: Vec<usize> = (0..BATCH).map(|_| rng.random_range(0..OUT)).collect();

    let g = Graph::<f32>::default();
    let w1 = g.tensor(&uniform(&mut rng, IN * HIDDEN, IN), &[IN, HIDDEN]);
    let b1 = g.tensor(&uniform(&mut rng, HIDDEN, IN), &[HIDDEN]);
    let w2 = g.tensor(&uniform(&mut rng, HIDDEN * OUT, HIDDEN), &[HIDDEN, OUT]);
    let b2 = g.tensor(&uniform(&mut rng, OUT, HIDDEN), &[OUT]);
    let params: [Tensor<'_, f32>; 4] = [w1, b1, w2, b2];
    let mut opt = TensorOptimizer::new(&params, Adam::<f32>::new(1e-3));
    let mut grads = Grads::new();
    let mark = g.mark();

    let mut times = Vec::with_capacity(STEPS);
    let (mut loss_first, mut loss_last) = (0.0, 0.0);
    let mut allocs = 0;
    for step in 0..WARMUP + STEPS {
        if step == WARMUP {
            allocs = ALLOCS.load(Ordering::Relaxed);
        }
        let t0 = Instant::now();
        let x = g.tensor_const(&x_data, &[BATCH, IN]);
        let h = (x.matmul(w1) + b1).relu();
        let logits = h.matmul(w2) + b2;
        let loss = cross_entropy(logits, &labels);
        g.backward_into(loss, &mut grads).expect("backward");
        opt.step(&grads);
        let value = loss.value();
        g.rewind(mark);
        let dt = t0.elapsed();
        if step >= WARMUP {
            times.push(dt.as_secs_f64() * 1e3);
        }
        if step == 0 {
            loss_first = value;
        }
        loss_last = value;
    }
    let allocs = ALLOCS.load(Ordering::Relaxed) - allocs;
    times.sort_by(f64::total_cmp);
    let ms = times[STEPS / 2];
    // The fastest step: on a machine shared with other work, closer to the quiet-machine time.
    let ms_min = times[0];
    // FLOPs actually needed per step: forward x@W1 and h@W2, backward ∂W1 = xᵀG, ∂W2 = hᵀG and
    // ∂h = G W2ᵀ (no ∂x: the input takes no gradient).
    let flops = 2.0 * (BATCH * IN * HIDDEN * 2 + BATCH * HIDDEN * OUT * 3) as f64;
    println!(
        "{{\"workload\":\"mlp\",\"batch\":{BATCH},\"steps\":{STEPS},\"ms_per_step\":{ms:.4},\
         \"ms_min\":{ms_min:.4},\"gflops\":{:.1},\"loss_first\":{loss_first},\"loss_last\":{loss_last},\
         \"allocs_per_step\":{}}}",
        flops / (ms * 1e-3) / 1e9,
        allocs as f64 / STEPS as f64
    );
}
