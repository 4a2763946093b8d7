"""tapegrad.grad / hessian / check mirror `tapegrad grad` and `tapegrad check`."""

import math

import pytest

import tapegrad


def test_grad_returns_value_vars_and_gradient():
    r = tapegrad.grad("x * y + sin(x)", x=3.0, y=-2.0)
    # f = xy + sin x: ∂f/∂x = y + cos x, ∂f/∂y = x
    assert r == {
        "value": 3.0 * -2.0 + math.sin(3.0),
        "vars": ["x", "y"],
        "grad": [-2.0 + math.cos(3.0), 3.0],
    }


def test_hessian():
    r = tapegrad.hessian("x * y + sin(x)", x=3.0, y=-2.0)
    # ∂²f/∂x² = −sin x, ∂²f/∂x∂y = 1, ∂²f/∂y² = 0
    assert r["hessian"] == [[-math.sin(3.0), 1.0], [1.0, 0.0]]


def test_unused_variables_have_gradient_zero():
    assert tapegrad.grad("x * x", x=2.0, z=1.0)["grad"] == [4.0, 0.0]


def test_check_passes_a_right_formula_and_fails_a_wrong_one():
    good = tapegrad.check("sin(x) * y^2", d={"x": "cos(x) * y^2", "y": "2 * sin(x) * y"}, samples=20)
    assert good["verdict"] == "PASS" and good["checked"] == 20 and good["seed"] == 0
    bad = tapegrad.check("sin(x) * y^2", d={"y": "sin(x) * y"}, samples=20, seed=7)
    assert bad["verdict"] == "FAIL"
    by_name = {v["name"]: v for v in bad["variables"]}
    assert by_name["x"]["verdict"] == "PASS" and by_name["x"]["formula"] is None
    assert by_name["y"]["failed"] == 20
    worst = by_name["y"]["worst"]
    assert set(worst["point"]) == {"x", "y"}
    assert worst["autograd"] == pytest.approx(2 * worst["formula"], rel=1e-9)
    assert "FAIL" in bad["text"]


def test_check_at_a_point_and_in_a_range():
    r = tapegrad.check("x^3", d={"x": "3*x^2"}, at={"x": 1.5})
    assert r["verdict"] == "PASS" and r["points"] == 1 and r["seed"] is None
    r = tapegrad.check("log(x)", d={"x": "1/x"}, range={"x": (0.5, 4)}, samples=10)
    assert r["verdict"] == "PASS" and r["skipped_domain"] == 0


def test_bad_input_is_a_value_error():
    with pytest.raises(ValueError, match="'y' has no value"):
        tapegrad.grad("x * y", x=1.0)
    with pytest.raises(ValueError, match="error at"):
        tapegrad.grad("x *", x=1.0)
    with pytest.raises(ValueError, match=r"d\['x'\]"):
        tapegrad.check("x", d={"x": "2 *"})
    with pytest.raises(ValueError, match="lo < hi"):
        tapegrad.check("x", range=(3, 1))
    with pytest.raises(ValueError, match="not a variable"):
        tapegrad.check("x", d={"x": "q"})
