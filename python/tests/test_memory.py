"""The per-thread tape frees what Python no longer references: a training loop stays flat."""

import os
import random
import resource
import sys

import tapegrad
from tapegrad import Value
from tapegrad.nn import MLP

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "examples"))
import moons  # noqa: E402


def test_dropped_values_are_freed():
    tapegrad.collect()
    base = tapegrad.tape_stats()["nodes"]
    x = Value(2.0)
    ys = [x * i for i in range(1000)]
    keep = ys[10]
    del ys
    # x, the product 10·x and its constant stay; the other 999 products and constants go.
    assert tapegrad.collect() == base + 3
    assert keep.data == 20.0
    keep.backward()
    assert x.grad == 10.0


def test_a_100_step_training_loop_stays_flat():
    X, y = moons.moons()
    nodes, peak_kb = [], []

    def log(_):
        nodes.append(tapegrad.tape_stats()["nodes"])
        peak_kb.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)

    random.seed(0)
    moons.train(Value, MLP, X, y, 100, log=log)
    # Every step records the same graph, so once the tape has reached its working size the
    # largest tape over the second half is no larger than over steps 10-50.
    assert max(nodes[50:]) <= max(nodes[10:50])
    # One step's graph is ~38k nodes; what is kept is at most the live step plus one more.
    assert max(nodes) < 4 * 38_500
    # Peak memory (resident set, KiB): no growth over the last 80 steps beyond allocator noise.
    assert peak_kb[-1] - peak_kb[19] < 2048, (peak_kb[19], peak_kb[-1])
