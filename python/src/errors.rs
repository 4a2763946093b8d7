//! tapegrad's errors as Python exceptions, and the guard that keeps Rust panics on this side.

use std::panic::{AssertUnwindSafe, catch_unwind};

use pyo3::PyErr;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use tapegrad::Error;

/// A tapegrad error as the exception Python code expects: bad input (a parse error, a shape
/// mismatch, a stale or foreign value, an invalid argument) is a `ValueError` carrying the
/// crate's message.
pub fn to_py(e: Error) -> PyErr {
    PyValueError::new_err(e.to_string())
}

/// `Result` with a Python exception.
pub type PyRes<T> = Result<T, PyErr>;

/// Runs `f`, turning a Rust panic into a `RuntimeError` with the panic's message, so that no
/// panic unwinds into the interpreter (where PyO3 would raise `PanicException`, which is not
/// an `Exception` and escapes `except Exception:`).
pub fn guard<R>(f: impl FnOnce() -> PyRes<R>) -> PyRes<R> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| payload.downcast_ref::<&str>().copied())
                .unwrap_or("a Rust panic without a message");
            Err(PyRuntimeError::new_err(format!(
                "internal error in tapegrad (please report it): {msg}"
            )))
        }
    }
}

/// Extension trait: `.py()?` on a tapegrad result.
pub trait IntoPy<R> {
    /// The result with the error mapped by [`to_py`].
    fn py(self) -> PyRes<R>;
}

impl<R> IntoPy<R> for tapegrad::Result<R> {
    fn py(self) -> PyRes<R> {
        self.map_err(to_py)
    }
}
