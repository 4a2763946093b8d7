//! `tapegrad._core`: the Rust side of the `tapegrad` Python package.
//!
//! micrograd's `Value` and modules, tensors, pictures, traces and the command line's
//! `grad`/`check`, all on tapegrad's tape. The Python package (`tapegrad/`) re-exports these
//! and adds the pure-Python parts (the `nn` classes, the HTML of a trace).
#![deny(unsafe_code)]

mod errors;
mod expr;
mod net;
mod picture;
mod state;
mod tensor;
mod value;

use pyo3::prelude::*;
use tapegrad::trace::TextStyle;

use errors::{PyRes, guard};

/// The step-by-step backward pass of one value: `text`, `markdown` and `json` renderings.
#[pyclass(frozen, module = "tapegrad._core")]
struct TraceData {
    text: String,
    ascii: String,
    markdown: String,
    json: String,
}

#[pymethods]
impl TraceData {
    /// The aligned table, with Unicode rules (`ascii=True`: ASCII only).
    #[pyo3(signature = (ascii = false))]
    fn text(&self, ascii: bool) -> String {
        if ascii { &self.ascii } else { &self.text }.clone()
    }

    fn markdown(&self) -> String {
        self.markdown.clone()
    }

    /// The trace as JSON (the format of `tapegrad trace --json`).
    fn json(&self) -> String {
        self.json.clone()
    }
}

/// The backward trace of a `Value`.
#[pyfunction]
fn trace_of(value: PyRef<'_, value::Value>) -> PyRes<TraceData> {
    guard(|| {
        let t = picture::trace(value.var()?)?;
        Ok(TraceData {
            text: t.to_text(TextStyle::Unicode),
            ascii: t.to_text(TextStyle::Ascii),
            markdown: t.to_markdown(),
            json: t.to_json(),
        })
    })
}

/// `(X, y)`: `n_samples` points of two interleaving half circles with Gaussian `noise`, as
/// lists (rows of two floats, labels 0 and 1); the same `seed` gives the same points.
#[pyfunction]
#[pyo3(signature = (n_samples = 100, noise = 0.1, seed = 0))]
fn make_moons(n_samples: usize, noise: f64, seed: u64) -> PyRes<(Vec<Vec<f64>>, Vec<i64>)> {
    if !(noise.is_finite() && noise >= 0.0) {
        return Err(pyo3::exceptions::PyValueError::new_err(format!(
            "noise must be a finite number ≥ 0, not {noise}"
        )));
    }
    guard(|| {
        let d = tapegrad::data::moons(n_samples, noise, seed);
        let x = d.rows().map(<[f64]>::to_vec).collect();
        let y = d.targets().iter().map(|&t| t as i64).collect();
        Ok((x, y))
    })
}

/// `(referenced, on_tape)`: nodes Python holds, and nodes on this thread's tape.
#[pyfunction]
fn tape_counts() -> (usize, usize) {
    state::counts()
}

/// Frees every node Python no longer references now; returns the nodes left on the tape.
#[pyfunction]
fn collect() -> PyRes<usize> {
    guard(|| Ok(state::collect_now()))
}

/// Panics in Rust with `message`: the test that a panic reaches Python as a `RuntimeError`
/// (through the same guard as every other entry point), not as a crash or `PanicException`.
#[pyfunction]
fn _panic_for_test(message: &str) -> PyRes<()> {
    guard(|| panic!("{message}"))
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<value::Value>()?;
    m.add_class::<tensor::Tensor>()?;
    m.add_class::<net::Plan>()?;
    m.add_class::<TraceData>()?;
    m.add_function(wrap_pyfunction!(trace_of, m)?)?;
    m.add_function(wrap_pyfunction!(expr::grad, m)?)?;
    m.add_function(wrap_pyfunction!(expr::hessian, m)?)?;
    m.add_function(wrap_pyfunction!(expr::check, m)?)?;
    m.add_function(wrap_pyfunction!(make_moons, m)?)?;
    m.add_function(wrap_pyfunction!(tape_counts, m)?)?;
    m.add_function(wrap_pyfunction!(collect, m)?)?;
    m.add_function(wrap_pyfunction!(_panic_for_test, m)?)?;
    Ok(())
}
