//! `tapegrad.Value`: micrograd's scalar `Value`, one node on the thread's tape.

use pyo3::exceptions::{PyOverflowError, PyTypeError, PyValueError, PyZeroDivisionError};
use pyo3::prelude::*;
use pyo3::types::PyFloat;

use crate::errors::{IntoPy, PyRes, guard};
use crate::picture;
use crate::state::{self, V, graph};
use tapegrad::NodeKey;

/// A scalar that remembers how it was computed (micrograd's `Value`).
///
/// It holds its node's key and the number of the thread whose tape holds the node; the handle
/// itself stays in that thread's registry.
#[pyclass(frozen, module = "tapegrad", name = "Value")]
pub struct Value {
    key: NodeKey,
    owner: u64,
}

impl Value {
    /// A Python object for `var`, registered so its node and ancestors stay on the tape.
    pub fn wrap(var: V) -> Value {
        state::register_var(var);
        Value {
            key: var.key(),
            owner: state::thread_token(),
        }
    }

    /// The node's handle; a `RuntimeError` on another thread than the one that made it.
    pub fn var(&self) -> PyRes<V> {
        state::check_owner(self.owner)?;
        Ok(state::var_of(self.key))
    }

    fn new_py(py: Python<'_>, var: V) -> PyRes<Py<PyAny>> {
        Ok(Py::new(py, Value::wrap(var))?.into_any())
    }
}

impl Drop for Value {
    fn drop(&mut self) {
        state::release(self.owner, self.key);
    }
}

/// `other` as a node: a `Value`'s own, a constant for a real number, `None` for anything else
/// (the operator then returns `NotImplemented`, and Python raises its usual `TypeError`).
pub fn operand(other: &Bound<'_, PyAny>) -> PyRes<Option<V>> {
    if let Ok(v) = other.cast::<Value>() {
        return v.get().var().map(Some);
    }
    Ok(other.extract::<f64>().ok().map(|x| graph().constant(x)))
}

/// `TypeError: {what} must be a real number, not '{type}'`.
pub fn not_a_number(obj: &Bound<'_, PyAny>, what: &str) -> pyo3::PyErr {
    let ty = obj
        .get_type()
        .name()
        .map_or_else(|_| "?".to_string(), |n| n.to_string());
    PyTypeError::new_err(format!(
        "{what} must be a real number or a Value, not '{ty}'"
    ))
}

#[derive(Clone, Copy)]
enum Arith {
    Add,
    Sub,
    Mul,
    Div,
}

/// `a ∘ b`; division by a zero value raises `ZeroDivisionError`, as float division does.
fn arith(a: V, b: V, op: Arith) -> PyRes<V> {
    match op {
        Arith::Add => a.try_add(b),
        Arith::Sub => a.try_sub(b),
        Arith::Mul => a.try_mul(b),
        Arith::Div => {
            if b.try_value().py()? == 0.0 {
                return Err(PyZeroDivisionError::new_err("float division by zero"));
            }
            a.try_div(b)
        }
    }
    .py()
}

/// `x ** c` for a constant `c`, with Python's errors for `0 ** negative` and
/// `negative ** fraction` (which would otherwise be an infinity or a NaN on the tape).
pub fn power(x: V, c: f64) -> PyRes<V> {
    let base = x.try_value().py()?;
    if base == 0.0 && c < 0.0 {
        return Err(PyZeroDivisionError::new_err(
            "0.0 cannot be raised to a negative power",
        ));
    }
    if base < 0.0 && c.fract() != 0.0 && c.is_finite() {
        return Err(PyValueError::new_err(format!(
            "a negative number ({base}) cannot be raised to the fractional power {c}: math domain error"
        )));
    }
    x.try_powf(c).py()
}

/// `ln x`, a `ValueError` for x ≤ 0 as `math.log` raises.
pub fn log(x: V) -> PyRes<V> {
    let v = x.try_value().py()?;
    if v <= 0.0 {
        return Err(PyValueError::new_err(format!(
            "log of a non-positive number ({v}): math domain error"
        )));
    }
    x.try_ln().py()
}

/// `eˣ`, an `OverflowError` when a finite x overflows, as `math.exp` raises.
pub fn exp(x: V) -> PyRes<V> {
    let v = x.try_value().py()?;
    if v.is_finite() && v.exp().is_infinite() {
        return Err(PyOverflowError::new_err(format!(
            "exp({v}) overflows: math range error"
        )));
    }
    x.try_exp().py()
}

impl Value {
    fn binary(
        &self,
        py: Python<'_>,
        other: &Bound<'_, PyAny>,
        op: Arith,
        reflected: bool,
    ) -> PyRes<Py<PyAny>> {
        guard(|| {
            let me = self.var()?;
            state::collect_if_due();
            let Some(o) = operand(other)? else {
                return Ok(py.NotImplemented());
            };
            let (a, b) = if reflected { (o, me) } else { (me, o) };
            Value::new_py(py, arith(a, b, op)?)
        })
    }

    fn unary(&self, f: impl FnOnce(V) -> PyRes<V>) -> PyRes<Value> {
        guard(|| {
            let me = self.var()?;
            state::collect_if_due();
            Ok(Value::wrap(f(me)?))
        })
    }
}

#[pymethods]
impl Value {
    /// `Value(data, label=None)`: a leaf that takes a gradient.
    #[new]
    #[pyo3(signature = (data, label = None))]
    fn py_new(data: &Bound<'_, PyAny>, label: Option<&str>) -> PyRes<Value> {
        let x = data.extract::<f64>().map_err(|_| {
            PyTypeError::new_err(format!(
                "Value(data): data must be a real number, not '{}'",
                data.get_type()
                    .name()
                    .map_or_else(|_| "?".to_string(), |n| n.to_string())
            ))
        })?;
        guard(|| {
            state::collect_if_due();
            let g = graph();
            let v = match label {
                Some(name) => g.var_named(name, x),
                None => g.var(x),
            };
            Ok(Value::wrap(v))
        })
    }

    /// The value computed in the forward pass; assign it to update a parameter.
    #[getter]
    fn get_data(&self) -> PyRes<f64> {
        self.var()?.try_value().py()
    }

    #[setter]
    fn set_data(&self, x: f64) -> PyRes<()> {
        graph().set_value(self.var()?, x).py()
    }

    /// ∂out/∂self summed over every `out.backward()` since the last reset (`grad = 0`).
    #[getter]
    fn get_grad(&self) -> PyRes<f64> {
        state::check_owner(self.owner)?;
        Ok(state::scalar_grad(self.key))
    }

    #[setter]
    fn set_grad(&self, g: f64) -> PyRes<()> {
        state::check_owner(self.owner)?;
        state::set_scalar_grad(self.key, g);
        Ok(())
    }

    /// The display name given with `label=`, shown in pictures and traces.
    #[getter]
    fn label(&self) -> PyRes<Option<String>> {
        state::check_owner(self.owner)?;
        Ok(graph().name(self.key))
    }

    /// Adds ∂self/∂v to `v.grad` for every `Value` and `Tensor` still referenced.
    fn backward(&self) -> PyRes<()> {
        guard(|| state::backward(self.var()?).py())
    }

    fn relu(&self) -> PyRes<Value> {
        self.unary(|x| x.try_relu().py())
    }

    fn tanh(&self) -> PyRes<Value> {
        self.unary(|x| x.try_tanh().py())
    }

    fn exp(&self) -> PyRes<Value> {
        self.unary(exp)
    }

    fn log(&self) -> PyRes<Value> {
        self.unary(log)
    }

    fn sigmoid(&self) -> PyRes<Value> {
        self.unary(|x| x.try_sigmoid().py())
    }

    fn __neg__(&self) -> PyRes<Value> {
        self.unary(|x| x.try_neg().py())
    }

    fn __add__(&self, py: Python<'_>, o: &Bound<'_, PyAny>) -> PyRes<Py<PyAny>> {
        self.binary(py, o, Arith::Add, false)
    }

    fn __radd__(&self, py: Python<'_>, o: &Bound<'_, PyAny>) -> PyRes<Py<PyAny>> {
        self.binary(py, o, Arith::Add, true)
    }

    fn __sub__(&self, py: Python<'_>, o: &Bound<'_, PyAny>) -> PyRes<Py<PyAny>> {
        self.binary(py, o, Arith::Sub, false)
    }

    fn __rsub__(&self, py: Python<'_>, o: &Bound<'_, PyAny>) -> PyRes<Py<PyAny>> {
        self.binary(py, o, Arith::Sub, true)
    }

    fn __mul__(&self, py: Python<'_>, o: &Bound<'_, PyAny>) -> PyRes<Py<PyAny>> {
        self.binary(py, o, Arith::Mul, false)
    }

    fn __rmul__(&self, py: Python<'_>, o: &Bound<'_, PyAny>) -> PyRes<Py<PyAny>> {
        self.binary(py, o, Arith::Mul, true)
    }

    fn __truediv__(&self, py: Python<'_>, o: &Bound<'_, PyAny>) -> PyRes<Py<PyAny>> {
        self.binary(py, o, Arith::Div, false)
    }

    fn __rtruediv__(&self, py: Python<'_>, o: &Bound<'_, PyAny>) -> PyRes<Py<PyAny>> {
        self.binary(py, o, Arith::Div, true)
    }

    /// `self ** c` for a constant int or float `c` (micrograd's rule).
    fn __pow__(
        &self,
        py: Python<'_>,
        exponent: &Bound<'_, PyAny>,
        modulo: Option<&Bound<'_, PyAny>>,
    ) -> PyRes<Py<PyAny>> {
        if modulo.is_some_and(|m| !m.is_none()) {
            return Err(PyTypeError::new_err(
                "pow() with a modulus is not supported",
            ));
        }
        if exponent.cast::<Value>().is_ok() {
            return Err(PyTypeError::new_err(
                "Value ** Value: the exponent must be a constant int or float \
                 (for a variable exponent write (b * a.log()).exp())",
            ));
        }
        let Ok(c) = exponent.extract::<f64>() else {
            return Ok(py.NotImplemented());
        };
        guard(|| {
            let me = self.var()?;
            state::collect_if_due();
            Value::new_py(py, power(me, c)?)
        })
    }

    /// `Value(data=…, grad=…)`, as micrograd prints it.
    fn __repr__(&self, py: Python<'_>) -> PyRes<String> {
        let num = |x: f64| -> PyRes<String> { Ok(PyFloat::new(py, x).repr()?.to_string()) };
        Ok(format!(
            "Value(data={}, grad={})",
            num(self.get_data()?)?,
            num(self.get_grad()?)?
        ))
    }

    /// The graph that computes this value as an SVG picture: one box per node with its data
    /// and ∂self/∂node (the gradients `self.backward()` would add).
    fn draw(&self) -> PyRes<String> {
        guard(|| picture::svg(self.var()?))
    }

    /// Jupyter's hook: the picture inline, or nothing (plain repr) for a graph too large to draw.
    fn _repr_svg_(&self) -> Option<String> {
        guard(|| picture::svg(self.var()?)).ok()
    }
}
