"""The "mlp" workload in JAX (jit), the baseline `examples/bench_mlp.rs` is compared with.

f32, batch 128, 784 -> 256 (ReLU) -> 10, mean softmax cross-entropy, Adam lr 1e-3 (PyTorch's
defaults: betas 0.9/0.999, eps 1e-8); one jitted step = forward + backward + update; median over
200 steps after 20 warm-up. Prints one JSON line like the Rust example. Run it pinned to the same
two threads, e.g.:

    XLA_FLAGS=--xla_cpu_multi_thread_eigen=true python3 tools/bench_mlp_jax.py

Needs `pip install jax numpy` (benchmarking only; never a dependency of the crate).
"""

import json
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np

BATCH, NIN, NHID, NOUT = 128, 784, 256, 10
WARMUP, STEPS, LR, B1, B2, EPS = 20, 200, 1e-3, 0.9, 0.999, 1e-8


def init(rng):
    k1, k2, k3, k4 = jax.random.split(rng, 4)
    b1 = 1.0 / np.sqrt(NIN)
    b2 = 1.0 / np.sqrt(NHID)
    u = jax.random.uniform
    return {
        "w1": u(k1, (NIN, NHID), jnp.float32, -b1, b1),
        "b1": u(k2, (NHID,), jnp.float32, -b1, b1),
        "w2": u(k3, (NHID, NOUT), jnp.float32, -b2, b2),
        "b2": u(k4, (NOUT,), jnp.float32, -b2, b2),
    }


def loss_fn(p, x, y):
    h = jax.nn.relu(x @ p["w1"] + p["b1"])
    logits = h @ p["w2"] + p["b2"]
    logp = jax.nn.log_softmax(logits)
    return -jnp.mean(jnp.take_along_axis(logp, y[:, None], axis=1))


@jax.jit
def step(p, m, v, t, x, y):
    loss, g = jax.value_and_grad(loss_fn)(p, x, y)
    t = t + 1
    m = jax.tree.map(lambda m, g: B1 * m + (1 - B1) * g, m, g)
    v = jax.tree.map(lambda v, g: B2 * v + (1 - B2) * g * g, v, g)
    c1 = 1 - B1**t
    c2 = 1 - B2**t
    p = jax.tree.map(
        lambda p, m, v: p - LR * (m / c1) / (jnp.sqrt(v / c2) + EPS), p, m, v
    )
    return p, m, v, t, loss


def main():
    rng = np.random.default_rng(0)
    x = jnp.asarray(rng.random((BATCH, NIN), dtype=np.float32))
    y = jnp.asarray(rng.integers(0, NOUT, BATCH), dtype=jnp.int32)
    p = init(jax.random.PRNGKey(0))
    m = jax.tree.map(jnp.zeros_like, p)
    v = jax.tree.map(jnp.zeros_like, p)
    t = jnp.float32(0)
    times, losses = [], []
    for i in range(WARMUP + STEPS):
        start = time.perf_counter()
        p, m, v, t, loss = step(p, m, v, t, x, y)
        loss.block_until_ready()
        if i >= WARMUP:
            times.append(time.perf_counter() - start)
        losses.append(float(loss))
    print(json.dumps({
        "workload": "mlp",
        "system": "jax-jit",
        "ms_per_step": statistics.median(times) * 1e3,
        "ms_min": min(times) * 1e3,
        "loss_first": losses[0],
        "loss_last": losses[-1],
    }))


if __name__ == "__main__":
    main()
