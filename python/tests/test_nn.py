"""micrograd's nn API, and its moons demo converging with micrograd's numbers."""

import os
import random
import sys

import pytest

from tapegrad import Value
from tapegrad.nn import MLP, Layer, Neuron

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "examples"))
import moons  # noqa: E402


def test_constructors_and_parameters():
    random.seed(0)
    n = Neuron(3)
    assert len(n.parameters()) == 4 and n.nonlin
    assert repr(Neuron(2, nonlin=False)) == "LinearNeuron(2)"
    layer = Layer(2, 3)
    assert repr(layer) == "Layer of [ReLUNeuron(2), ReLUNeuron(2), ReLUNeuron(2)]"
    model = MLP(2, [16, 16, 1])
    assert len(model.parameters()) == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1
    assert repr(model).startswith("MLP of [Layer of [ReLUNeuron(2)")
    assert repr(model).endswith("Layer of [LinearNeuron(16)]]")


def test_weights_are_drawn_as_micrograd_draws_them():
    random.seed(42)
    n = Neuron(3)
    random.seed(42)
    expect = [random.uniform(-1, 1) for _ in range(3)]
    assert [w.data for w in n.w] == expect and n.b.data == 0.0


def test_forward_is_micrographs_neuron():
    n = Neuron(2)
    n.w[0].data, n.w[1].data, n.b.data = 0.3, -0.25, 0.125
    x = [Value(0.5), 2.0]  # Values and floats mix
    out = n(x)
    assert out.data == 0.0  # 0.125 + 0.15 - 0.5 < 0: the ReLU is off
    n.b.data = 1.0
    out = n(x)
    assert out.data == 1.0 + 0.3 * 0.5 + -0.25 * 2.0
    out.backward()
    # d relu(b + w·x) = (x0, x1, 1) for (w0, w1, b), and w0 for x0, when b + w·x > 0
    assert (n.w[0].grad, n.w[1].grad, n.b.grad, x[0].grad) == (0.5, 2.0, 1.0, 0.3)


def test_outputs_one_value_or_a_list():
    random.seed(2)
    assert isinstance(Layer(2, 1)([1.0, 2.0]), Value)
    out = Layer(2, 3)([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 3


def test_zero_grad_and_data_updates_reach_the_forward_pass():
    random.seed(3)
    model = MLP(2, [4, 1])
    y = model([1.0, -1.0])
    y.backward()
    assert any(p.grad != 0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0 for p in model.parameters())
    model.layers[-1].neurons[0].b.data += 1.0
    assert model([1.0, -1.0]).data == pytest.approx(y.data + 1.0, rel=1e-12)


def test_wrong_inputs_are_errors():
    random.seed(4)
    model = MLP(2, [3, 1])
    with pytest.raises(ValueError, match="expected 2 inputs, got 3"):
        model([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="input 1"):
        model([1.0, "x"])


def test_moons_demo_converges_with_micrographs_numbers(reference):
    X, y = moons.moons()
    history = moons.train(Value, MLP, X, y, 100, log=None)
    ref = reference["moons"]
    for (loss, acc, _), ref_loss, ref_acc in zip(history, ref["loss"], ref["accuracy"]):
        assert loss == pytest.approx(ref_loss, rel=1e-12)
        assert acc == ref_acc
    final_loss, final_acc, _ = history[-1]
    assert final_loss < 0.05 and final_acc >= 0.98


def test_side_by_side_with_micrograd_when_installed():
    mg = pytest.importorskip("micrograd.nn")
    from micrograd.engine import Value as MValue

    X, y = moons.moons()
    ours = moons.train(Value, MLP, X, y, 2, log=None)
    theirs = moons.train(MValue, mg.MLP, X, y, 2, log=None)
    for a, b in zip(ours, theirs):
        assert a[0] == pytest.approx(b[0], rel=1e-12) and a[1] == b[1]
