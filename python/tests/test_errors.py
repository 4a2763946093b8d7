"""Errors are the Python exceptions Python code expects; a Rust panic is a RuntimeError."""

import pytest

import tapegrad
from tapegrad import Tensor, Value, _core


def test_type_errors():
    with pytest.raises(TypeError, match="real number"):
        Value("1.0")
    with pytest.raises(TypeError):
        Value(1.0) + "a"
    with pytest.raises(TypeError):
        "a" * Value(1.0)
    with pytest.raises(TypeError, match="constant"):
        Value(2.0) ** Value(3.0)
    with pytest.raises(TypeError):
        Value(1.0).data = "x"


def test_zero_division_where_python_raises_it():
    with pytest.raises(ZeroDivisionError):
        Value(1.0) / 0
    with pytest.raises(ZeroDivisionError):
        10.0 / Value(0.0)
    with pytest.raises(ZeroDivisionError):
        Value(0.0) ** -1


def test_domain_and_range_errors_as_math_raises_them():
    with pytest.raises(ValueError, match="math domain error"):
        Value(0.0).log()
    with pytest.raises(ValueError, match="math domain error"):
        Value(-1.0).log()
    with pytest.raises(ValueError, match="math domain error"):
        Value(-8.0) ** 0.5
    with pytest.raises(OverflowError):
        Value(1000.0).exp()


def test_computed_values_cannot_be_assigned():
    y = Value(1.0) * 2
    with pytest.raises(ValueError, match="computed node"):
        y.data = 3.0


def test_rust_errors_carry_the_rust_message():
    with pytest.raises(ValueError, match=r"error at 1:5"):
        tapegrad.grad("x * y", x=1.0)
    with pytest.raises(ValueError, match="cannot be multiplied"):
        Tensor([[1.0, 2.0]]) @ Tensor([[1.0, 2.0]])


def test_a_rust_panic_becomes_a_runtime_error():
    with pytest.raises(RuntimeError, match="internal error in tapegrad.*boom"):
        _core._panic_for_test("boom")
    # The interpreter and the tape are fine afterwards.
    x = Value(2.0)
    (x * x).backward()
    assert x.grad == 4.0


def test_a_value_used_on_another_thread_is_a_runtime_error():
    import threading

    v = Value(1.0)
    seen = []

    def work():
        try:
            v.data
        except RuntimeError as e:  # not PanicException: nothing unwinds into Python
            seen.append(str(e))
        w = Value(2.0)  # this thread's own tape works
        (w * w).backward()
        seen.append(w.grad)

    t = threading.Thread(target=work)
    t.start()
    t.join()
    assert "another thread" in seen[0] and seen[1] == 4.0


def test_a_value_dropped_on_another_thread_is_released_by_its_own():
    import threading

    tapegrad.collect()
    base = tapegrad.tape_stats()["referenced"]
    box = [Value(1.0) * 3]
    assert tapegrad.tape_stats()["referenced"] == base + 1
    t = threading.Thread(target=box.clear)  # the last reference dies on that thread
    t.start()
    t.join()
    Value(0.0)  # the next operation here applies the release
    assert tapegrad.tape_stats()["referenced"] == base
