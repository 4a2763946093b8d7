//! The forward pass of a `Neuron`, `Layer` or `MLP` in one call from Python.
//!
//! Why: micrograd's modules make one Python call per multiply and add; a `Plan` holds the
//! parameters' nodes and runs every neuron of every layer in Rust, recording the same nodes
//! micrograd's `sum((wi*xi for wi, xi in zip(w, x)), b)` would (b first, then each product in
//! order, so the numbers are micrograd's), and hands back only the outputs as `Value`s.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyList;

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::errors::{IntoPy, PyRes, guard};
use crate::state::{self, V, graph};
use crate::value::{Value, not_a_number, operand};

struct Neuron {
    w: Vec<V>,
    b: V,
    nonlin: bool,
}

/// A neuron as Python passes it: weights, bias, whether a ReLU follows.
type NeuronArg<'py> = (Vec<PyRef<'py, Value>>, PyRef<'py, Value>, bool);

type Layers = Vec<Vec<Neuron>>;

static NEXT_PLAN: AtomicU64 = AtomicU64::new(1);

thread_local! {
    /// The layers of every live plan made on this thread, by plan id (the handles stay on
    /// their thread, like those of `Value`s).
    static PLANS: RefCell<HashMap<u64, Layers>> = RefCell::new(HashMap::new());
}

/// A compiled chain of layers over fixed parameter nodes.
#[pyclass(frozen, module = "tapegrad._core")]
pub struct Plan {
    id: u64,
    owner: u64,
    nin: usize,
}

/// Forgets plan `id` of this thread and releases its parameters' nodes.
pub fn drop_plan(id: u64) {
    let layers = PLANS
        .try_with(|p| p.borrow_mut().remove(&id))
        .ok()
        .flatten();
    let me = state::thread_token();
    for n in layers.iter().flatten().flatten() {
        for v in n.w.iter().chain([&n.b]) {
            state::release(me, v.key());
        }
    }
}

impl Drop for Plan {
    fn drop(&mut self) {
        if state::thread_token() == self.owner {
            drop_plan(self.id);
        } else {
            state::defer(self.owner, state::Pending::Plan(self.id));
        }
    }
}

#[pymethods]
impl Plan {
    /// `Plan(layers)`: each layer a list of neurons `(weights, bias, nonlin)`, the weights and
    /// bias `Value`s; each layer reads the previous one's outputs.
    #[new]
    fn new(layers: Vec<Vec<NeuronArg<'_>>>) -> PyRes<Plan> {
        let Some(nin) = layers.first().and_then(|l| l.first()).map(|n| n.0.len()) else {
            return Err(PyValueError::new_err("a plan needs at least one neuron"));
        };
        let mut width = nin;
        let mut out = Vec::with_capacity(layers.len());
        for (i, layer) in layers.into_iter().enumerate() {
            if layer.is_empty() {
                return Err(PyValueError::new_err(format!("layer {i} has no neurons")));
            }
            let mut ns = Vec::with_capacity(layer.len());
            for (j, (w, b, nonlin)) in layer.into_iter().enumerate() {
                if w.len() != width {
                    return Err(PyValueError::new_err(format!(
                        "neuron {j} of layer {i} has {} weights but its layer has {width} inputs",
                        w.len()
                    )));
                }
                ns.push(Neuron {
                    w: w.iter().map(|v| v.var()).collect::<PyRes<_>>()?,
                    b: b.var()?,
                    nonlin,
                });
            }
            width = ns.len();
            out.push(ns);
        }
        // The plan holds the parameters' nodes itself, so they stay if the Values go.
        for n in out.iter().flatten() {
            for &v in n.w.iter().chain([&n.b]) {
                state::register_var(v);
            }
        }
        let id = NEXT_PLAN.fetch_add(1, Ordering::Relaxed);
        PLANS.with(|p| p.borrow_mut().insert(id, out));
        Ok(Plan {
            id,
            owner: state::thread_token(),
            nin,
        })
    }

    /// The outputs for the inputs `x` (`Value`s or numbers): one `Value` when the last layer
    /// has one neuron, else a list, as micrograd returns.
    fn __call__(&self, py: Python<'_>, x: &Bound<'_, PyAny>) -> PyRes<Py<PyAny>> {
        let items: Vec<Bound<'_, PyAny>> = x.try_iter()?.collect::<PyResult<_>>()?;
        if items.len() != self.nin {
            return Err(PyValueError::new_err(format!(
                "expected {} inputs, got {}",
                self.nin,
                items.len()
            )));
        }
        guard(|| {
            state::check_owner(self.owner)?;
            state::collect_if_due();
            let mut xs = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let v = operand(item)?.ok_or_else(|| not_a_number(item, &format!("input {i}")))?;
                xs.push(v);
            }
            let outs = PLANS.with(|p| forward(&p.borrow()[&self.id], xs))?;
            if outs.len() == 1 {
                return Ok(Py::new(py, Value::wrap(outs[0]))?.into_any());
            }
            let values: Vec<Value> = outs.into_iter().map(Value::wrap).collect();
            Ok(PyList::new(py, values)?.into_any().unbind())
        })
    }
}

/// The outputs of `layers` for the inputs `xs`.
fn forward(layers: &Layers, mut xs: Vec<V>) -> PyRes<Vec<V>> {
    let g = graph();
    let mut terms = Vec::new();
    for layer in layers {
        let mut next = Vec::with_capacity(layer.len());
        for n in layer {
            terms.clear();
            terms.push(n.b);
            for (&w, &x) in n.w.iter().zip(&xs) {
                terms.push(w.try_mul(x).py()?);
            }
            let act = g.try_sum(&terms).py()?;
            next.push(if n.nonlin { act.try_relu().py()? } else { act });
        }
        xs = next;
    }
    Ok(xs)
}
