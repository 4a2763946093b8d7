"""Tensors from and to NumPy, with backward and .grad as arrays (checked against NumPy)."""

import numpy as np
import pytest

from tapegrad import Tensor, Value


def test_numpy_round_trip_is_exact():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(3, 4, 2))
    t = Tensor(a)
    assert t.shape == (3, 4, 2)
    out = t.numpy()
    assert out.dtype == np.float64 and out.flags.writeable
    np.testing.assert_array_equal(out, a)
    np.testing.assert_array_equal(Tensor(np.float32([1.5, 2.5])).numpy(), [1.5, 2.5])
    np.testing.assert_array_equal(Tensor([[1, 2]]).numpy(), [[1.0, 2.0]])
    np.testing.assert_array_equal(Tensor(np.asfortranarray(a[:, :, 0])).numpy(), a[:, :, 0])


def test_matmul_loss_gradient_matches_the_closed_form():
    rng = np.random.default_rng(1)
    A, x = rng.normal(size=(4, 3)), rng.normal(size=(3, 1))
    tA, tx = Tensor(A), Tensor(x)
    loss = ((tA @ tx) ** 2).sum()
    loss.backward()
    r = A @ x
    assert loss.numpy() == pytest.approx(float((r**2).sum()), rel=1e-12)
    # L = |Ax|²: ∂L/∂x = 2Aᵀ(Ax), ∂L/∂A = 2(Ax)xᵀ
    np.testing.assert_allclose(tx.grad, 2 * A.T @ r, rtol=1e-12)
    np.testing.assert_allclose(tA.grad, 2 * r @ x.T, rtol=1e-12)


def test_elementwise_broadcasting_and_reductions_against_finite_differences():
    rng = np.random.default_rng(2)
    a0, b0 = rng.uniform(0.5, 2.0, size=(2, 3)), rng.uniform(0.5, 2.0, size=(3,))

    def f(a, b):
        return ((a * b + 1.0).log().tanh() / (b + 2.0) - a.sigmoid() + a.exp() * 0.1).mean()

    a, b = Tensor(a0), Tensor(b0)
    y = f(a, b)
    y.backward()
    eps = 1e-6
    for t, x0 in ((a, a0), (b, b0)):
        num = np.zeros_like(x0)
        for i in np.ndindex(x0.shape):
            hi, lo = x0.copy(), x0.copy()
            hi[i] += eps
            lo[i] -= eps
            args_hi = (Tensor(hi), Tensor(b0)) if t is a else (Tensor(a0), Tensor(hi))
            args_lo = (Tensor(lo), Tensor(b0)) if t is a else (Tensor(a0), Tensor(lo))
            num[i] = (f(*args_hi).numpy() - f(*args_lo).numpy()) / (2 * eps)
        np.testing.assert_allclose(t.grad, num, rtol=1e-6, atol=1e-9)


def test_axis_reductions_reshape_and_transpose():
    a = np.arange(6.0).reshape(2, 3)
    t = Tensor(a)
    np.testing.assert_array_equal(t.sum(axis=0).numpy(), a.sum(axis=0))
    np.testing.assert_array_equal(t.mean(axis=1, keepdims=True).numpy(), a.mean(axis=1, keepdims=True))
    np.testing.assert_array_equal(t.sum(axis=(0, 1)).numpy(), a.sum())
    np.testing.assert_array_equal(t.reshape(3, 2).numpy(), a.reshape(3, 2))
    np.testing.assert_array_equal(t.T.numpy(), a.T)
    np.testing.assert_array_equal((-t).relu().numpy(), np.zeros((2, 3)))
    np.testing.assert_array_equal((1 - t).numpy(), 1 - a)
    np.testing.assert_array_equal((2 / (t + 1)).numpy(), 2 / (a + 1))


def test_grad_accumulates_and_zero_grad_resets():
    t = Tensor([1.0, 2.0])
    np.testing.assert_array_equal(t.grad, [0.0, 0.0])
    y = (t * t).sum()
    y.backward()
    y.backward()
    np.testing.assert_array_equal(t.grad, [4.0, 8.0])  # 2 × 2t
    t.zero_grad()
    y.backward()
    np.testing.assert_array_equal(t.grad, [2.0, 4.0])


def test_tensors_and_values_share_the_tape():
    w = Value(3.0)
    t = Tensor([1.0, 2.0])
    y = (t * w).sum()  # ∂/∂w = Σt = 3, ∂/∂t = w
    y.backward()
    assert w.grad == 3.0
    np.testing.assert_array_equal(t.grad, [3.0, 3.0])
    v = y.item() * 2
    assert isinstance(v, Value) and v.data == 18.0


def test_errors():
    with pytest.raises(ValueError, match="one element"):
        Tensor([1.0, 2.0]).backward()
    with pytest.raises(ValueError, match="shape mismatch"):
        Tensor([1.0, 2.0]) + Tensor([1.0, 2.0, 3.0])
    with pytest.raises(TypeError):
        Tensor(["a", "b"])
    with pytest.raises(TypeError):
        Tensor([1.0]) + "a"


def test_item_needs_one_element():
    with pytest.raises(ValueError, match="one element"):
        Tensor([1.0, 2.0]).item()
    assert Tensor([[2.5]]).item().data == 2.5
