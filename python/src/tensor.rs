//! `tapegrad.Tensor`: an n-dimensional array on the thread's tape, from and to NumPy.
//!
//! Arrays cross the boundary as raw `float64` bytes (`ndarray.tobytes()` and
//! `numpy.frombuffer`), so NumPy is a runtime import of this module only, not a build
//! dependency. `.grad` accumulates over `backward()` calls like `Value.grad`.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyTuple};

use crate::errors::{IntoPy, PyRes, guard};
use crate::state::{self, Grad, T, graph};
use crate::value::Value;
use tapegrad::NodeKey;

/// An array that remembers how it was computed (a key and its owner thread, as `Value`).
#[pyclass(frozen, module = "tapegrad", name = "Tensor")]
pub struct Tensor {
    key: NodeKey,
    owner: u64,
}

impl Drop for Tensor {
    fn drop(&mut self) {
        state::release(self.owner, self.key);
    }
}

impl Tensor {
    fn wrap(t: T) -> Tensor {
        state::register(Grad::Tensor(t, Vec::new()));
        Tensor {
            key: t.key(),
            owner: state::thread_token(),
        }
    }

    /// The node's handle; a `RuntimeError` on another thread than the one that made it.
    fn t(&self) -> PyRes<T> {
        state::check_owner(self.owner)?;
        Ok(state::tensor_of(self.key))
    }
}

/// `values` with `shape` as a new NumPy array (writable, float64).
fn to_numpy<'py>(py: Python<'py>, values: &[f64], shape: &[usize]) -> PyRes<Bound<'py, PyAny>> {
    let bytes: Vec<u8> = values.iter().flat_map(|x| x.to_ne_bytes()).collect();
    let np = py.import("numpy")?;
    let kw = PyDict::new(py);
    kw.set_item("dtype", "float64")?;
    let flat = np.call_method("frombuffer", (PyBytes::new(py, &bytes),), Some(&kw))?;
    flat.call_method1("reshape", (PyTuple::new(py, shape)?,))?
        .call_method0("copy")
}

/// An array-like as row-major float64 values and a shape.
fn from_numpy(obj: &Bound<'_, PyAny>) -> PyRes<(Vec<f64>, Vec<usize>)> {
    let np = obj.py().import("numpy")?;
    let kw = PyDict::new(obj.py());
    kw.set_item("dtype", "float64")?;
    let arr = np
        .call_method("ascontiguousarray", (obj,), Some(&kw))
        .map_err(|e| PyTypeError::new_err(format!("Tensor(data): not a numeric array: {e}")))?;
    let shape: Vec<usize> = arr.getattr("shape")?.extract()?;
    let raw = arr.call_method0("tobytes")?;
    let bytes = raw.cast::<PyBytes>()?.as_bytes();
    let values = bytes
        .chunks_exact(8)
        .map(|c| f64::from_ne_bytes(c.try_into().expect("chunks of 8 bytes")))
        .collect();
    Ok((values, shape))
}

/// `other` as a tensor node: a `Tensor`'s own, a `Value` as a rank-0 tensor, a number as a
/// rank-0 constant; `None` for anything else.
fn operand(other: &Bound<'_, PyAny>) -> PyRes<Option<T>> {
    if let Ok(t) = other.cast::<Tensor>() {
        return t.get().t().map(Some);
    }
    if let Ok(v) = other.cast::<Value>() {
        return Ok(Some(v.get().var()?.as_tensor()));
    }
    match other.extract::<f64>() {
        Ok(c) => Ok(Some(graph().try_tensor_const(&[c], &[]).py()?)),
        Err(_) => Ok(None),
    }
}

/// Axes for a reduction: `None` is every axis.
fn axes(axis: Option<&Bound<'_, PyAny>>) -> PyRes<Option<Vec<isize>>> {
    match axis {
        None => Ok(None),
        Some(a) if a.is_none() => Ok(None),
        Some(a) => match a.extract::<isize>() {
            Ok(i) => Ok(Some(vec![i])),
            Err(_) => Ok(Some(a.extract::<Vec<isize>>().map_err(|_| {
                PyTypeError::new_err("axis must be None, an int or a tuple of ints")
            })?)),
        },
    }
}

#[derive(Clone, Copy)]
enum Arith {
    Add,
    Sub,
    Mul,
    Div,
    MatMul,
}

impl Tensor {
    fn binary(
        &self,
        py: Python<'_>,
        other: &Bound<'_, PyAny>,
        op: Arith,
        reflected: bool,
    ) -> PyRes<Py<PyAny>> {
        guard(|| {
            let me = self.t()?;
            state::collect_if_due();
            let Some(o) = operand(other)? else {
                return Ok(py.NotImplemented());
            };
            let (a, b) = if reflected { (o, me) } else { (me, o) };
            let r = match op {
                Arith::Add => a.try_add(b),
                Arith::Sub => a.try_sub(b),
                Arith::Mul => a.try_mul(b),
                Arith::Div => a.try_div(b),
                Arith::MatMul => a.try_matmul(b),
            }
            .py()?;
            Ok(Py::new(py, Tensor::wrap(r))?.into_any())
        })
    }

    fn unary(&self, f: impl FnOnce(T) -> tapegrad::Result<T>) -> PyRes<Tensor> {
        guard(|| {
            let me = self.t()?;
            state::collect_if_due();
            Ok(Tensor::wrap(f(me).py()?))
        })
    }

    fn reduce(&self, axis: Option<&Bound<'_, PyAny>>, keepdims: bool, mean: bool) -> PyRes<Tensor> {
        let axes = axes(axis)?;
        self.unary(|t| match (axes, mean) {
            (None, false) if !keepdims => t.try_sum().map(|v| v.as_tensor()),
            (None, true) if !keepdims => t.try_mean().map(|v| v.as_tensor()),
            (axes, mean) => {
                let all: Vec<isize> = (0..t.try_shape()?.len() as isize).collect();
                let axes = axes.unwrap_or(all);
                if mean {
                    t.try_mean_axes(&axes, keepdims)
                } else {
                    t.try_sum_axes(&axes, keepdims)
                }
            }
        })
    }
}

#[pymethods]
impl Tensor {
    /// `Tensor(data)`: a leaf that takes a gradient, from a NumPy array or anything
    /// `numpy.asarray` accepts (converted to float64).
    #[new]
    fn py_new(data: &Bound<'_, PyAny>) -> PyRes<Tensor> {
        let (values, shape) = from_numpy(data)?;
        guard(|| {
            state::collect_if_due();
            Ok(Tensor::wrap(graph().try_tensor(&values, &shape).py()?))
        })
    }

    /// The values as a new NumPy array.
    fn numpy<'py>(&self, py: Python<'py>) -> PyRes<Bound<'py, PyAny>> {
        let t = self.t()?;
        to_numpy(py, &t.try_to_vec().py()?, &t.try_shape().py()?)
    }

    /// The shape, as a tuple.
    #[getter]
    fn shape<'py>(&self, py: Python<'py>) -> PyRes<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.t()?.try_shape().py()?)
    }

    /// ∂out/∂self (an array of this tensor's shape) summed over every `out.backward()` since
    /// the last `zero_grad()`; zeros before the first.
    #[getter]
    fn grad<'py>(&self, py: Python<'py>) -> PyRes<Bound<'py, PyAny>> {
        let shape = self.t()?.try_shape().py()?;
        let mut g = state::tensor_grad(self.key);
        if g.is_empty() {
            g = vec![0.0; shape.iter().product()];
        }
        to_numpy(py, &g, &shape)
    }

    /// Resets `.grad` to zeros.
    fn zero_grad(&self) -> PyRes<()> {
        state::check_owner(self.owner)?;
        state::clear_tensor_grad(self.key);
        Ok(())
    }

    /// Adds ∂self/∂v to the `.grad` of every `Tensor` and `Value` still referenced; `self`
    /// must have one element (reduce it with `.sum()` or `.mean()` first).
    fn backward(&self) -> PyRes<()> {
        guard(|| {
            let me = self.t()?;
            let shape = me.try_shape().py()?;
            if shape.iter().product::<usize>() != 1 {
                return Err(PyValueError::new_err(format!(
                    "backward() needs a tensor with one element, not shape {shape:?}; \
                     reduce it with .sum() or .mean() first"
                )));
            }
            let t = if shape.is_empty() {
                me
            } else {
                me.try_reshape(&[]).py()?
            };
            state::backward(t.try_as_var().py()?).py()
        })
    }

    /// The one element of a one-element tensor as a `Value` on the same tape (gradients
    /// flow through it). Recorded as a sum, so the `Value` has a node of its own.
    fn item(&self) -> PyRes<Value> {
        guard(|| {
            let me = self.t()?;
            state::collect_if_due();
            let shape = me.try_shape().py()?;
            if shape.iter().product::<usize>() != 1 {
                return Err(PyValueError::new_err(format!(
                    "item() needs a tensor with one element, not shape {shape:?}"
                )));
            }
            Ok(Value::wrap(me.try_sum().py()?))
        })
    }

    #[pyo3(signature = (axis = None, keepdims = false))]
    fn sum(&self, axis: Option<&Bound<'_, PyAny>>, keepdims: bool) -> PyRes<Tensor> {
        self.reduce(axis, keepdims, false)
    }

    #[pyo3(signature = (axis = None, keepdims = false))]
    fn mean(&self, axis: Option<&Bound<'_, PyAny>>, keepdims: bool) -> PyRes<Tensor> {
        self.reduce(axis, keepdims, true)
    }

    #[pyo3(signature = (*shape))]
    fn reshape(&self, shape: Vec<usize>) -> PyRes<Tensor> {
        self.unary(|t| t.try_reshape(&shape))
    }

    /// The transpose of the last two axes.
    #[getter]
    #[allow(non_snake_case)]
    fn T(&self) -> PyRes<Tensor> {
        self.unary(|t| t.try_transpose(-2, -1))
    }

    fn relu(&self) -> PyRes<Tensor> {
        self.unary(|t| t.try_relu())
    }

    fn tanh(&self) -> PyRes<Tensor> {
        self.unary(|t| t.try_tanh())
    }

    fn exp(&self) -> PyRes<Tensor> {
        self.unary(|t| t.try_exp())
    }

    fn log(&self) -> PyRes<Tensor> {
        self.unary(|t| t.try_ln())
    }

    fn sigmoid(&self) -> PyRes<Tensor> {
        self.unary(|t| t.try_sigmoid())
    }

    fn __neg__(&self) -> PyRes<Tensor> {
        self.unary(|t| t.try_neg())
    }

    fn __pow__(&self, exponent: f64, modulo: Option<&Bound<'_, PyAny>>) -> PyRes<Tensor> {
        if modulo.is_some_and(|m| !m.is_none()) {
            return Err(PyTypeError::new_err(
                "pow() with a modulus is not supported",
            ));
        }
        self.unary(|t| t.try_powf(exponent))
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

    fn __matmul__(&self, py: Python<'_>, o: &Bound<'_, PyAny>) -> PyRes<Py<PyAny>> {
        self.binary(py, o, Arith::MatMul, false)
    }

    fn __rmatmul__(&self, py: Python<'_>, o: &Bound<'_, PyAny>) -> PyRes<Py<PyAny>> {
        self.binary(py, o, Arith::MatMul, true)
    }

    fn __repr__(&self, py: Python<'_>) -> PyRes<String> {
        let arr = self.numpy(py)?;
        Ok(format!("Tensor({})", arr.repr()?))
    }
}
