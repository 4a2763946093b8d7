"""The numbers micrograd itself produces, for the Python package's tests.

    pip install micrograd ./python   # in a venv outside the repository
    python tools/python/micrograd_reference.py > python/tests/micrograd_reference.json

Runs micrograd (never a dependency of tapegrad; installed only to make this file) on the
expressions of its README and of its engine tests (test_sanity_check, test_more_ops), on a
repeated backward() without zero_grad, and on the first steps of its moons demo with tapegrad's
moons data (tapegrad is imported only for that data), and prints the results as JSON.
"""

import json
import os
import sys

from micrograd.engine import Value
from micrograd.nn import MLP

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "python", "examples"))
import moons  # noqa: E402  (the demo's training loop, shared with the package's example)


def sanity_check():
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    return {"y.data": y.data, "x.grad": x.grad}


def more_ops():
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return {"g.data": g.data, "a.grad": a.grad, "b.grad": b.grad}


def twice():
    x = Value(3.0)
    y = x * x + x
    y.backward()
    first = x.grad
    y.backward()
    return {"after one": first, "after two": x.grad}


def demo(steps=3):
    X, y = moons.moons()
    history = moons.train(Value, MLP, X, y, steps, log=None)
    return {"loss": [h[0] for h in history], "accuracy": [h[1] for h in history]}


print(
    json.dumps(
        {
            "test_sanity_check": sanity_check(),
            "test_more_ops": more_ops(),
            "backward_twice": twice(),
            "moons": demo(),
        },
        indent=2,
    )
)
