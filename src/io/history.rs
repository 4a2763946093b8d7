//! Writing a [`History`] as CSV and JSON.

use std::io::Write;
use std::path::Path;

use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::nn::train::History;

fn io_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Invalid(format!("cannot write {}: {e}", path.display()))
}

/// A number for JSON: finite values as numbers, the others as the strings `"nan"`, `"inf"`,
/// `"-inf"` (as the `tapegrad` command prints them).
fn json_number(v: f64) -> Value {
    match serde_json::Number::from_f64(v) {
        Some(n) => Value::Number(n),
        None if v.is_nan() => Value::String("nan".into()),
        None if v > 0.0 => Value::String("inf".into()),
        None => Value::String("-inf".into()),
    }
}

impl History {
    /// Writes the history as CSV (Keras' `CSVLogger` layout): a header `epoch,loss,…`, then one
    /// line per epoch, the epoch counted from 0 and every value printed so that it parses back
    /// to the same `f64`.
    ///
    /// ```
    /// use tapegrad::nn::train::History;
    /// let mut h = History::new(vec!["loss".into(), "lr".into()]);
    /// h.push(vec![0.5, 0.01]).unwrap();
    /// let mut out = Vec::new();
    /// h.write_csv(&mut out).unwrap();
    /// assert_eq!(String::from_utf8(out).unwrap(), "epoch,loss,lr\n0,0.5,0.01\n");
    /// ```
    pub fn write_csv(&self, mut out: impl Write) -> Result<()> {
        let mut text = String::from("epoch");
        for n in self.names() {
            text.push(',');
            text.push_str(n);
        }
        text.push('\n');
        for (e, row) in self.rows().iter().enumerate() {
            text.push_str(&e.to_string());
            for v in row {
                text.push(',');
                text.push_str(&v.to_string());
            }
            text.push('\n');
        }
        out.write_all(text.as_bytes())
            .map_err(|e| Error::Invalid(format!("cannot write the history: {e}")))
    }

    /// [`write_csv`](History::write_csv) to a file.
    pub fn save_csv(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let file = std::fs::File::create(path).map_err(|e| io_err(path, e))?;
        self.write_csv(std::io::BufWriter::new(file))
    }

    /// The history as a JSON object in Keras' `history.history` layout, one array per column,
    /// plus `epoch` (0-based) and, when early stopping ran, `best_epoch` and `stopped_epoch`
    /// (null if it did not stop). Non-finite values are the strings `"nan"`, `"inf"`, `"-inf"`.
    ///
    /// ```
    /// use tapegrad::nn::train::History;
    /// let mut h = History::new(vec!["loss".into()]);
    /// h.push(vec![0.25]).unwrap();
    /// assert_eq!(h.to_json().to_string(), r#"{"epoch":[0],"loss":[0.25]}"#);
    /// ```
    pub fn to_json(&self) -> Value {
        let mut map = Map::new();
        map.insert(
            "epoch".into(),
            Value::Array((0..self.epochs()).map(|e| Value::from(e as u64)).collect()),
        );
        for (j, n) in self.names().iter().enumerate() {
            let col = self.rows().iter().map(|r| json_number(r[j])).collect();
            map.insert(n.clone(), Value::Array(col));
        }
        if self.best_epoch.is_some() || self.stopped_epoch.is_some() {
            let opt = |e: Option<usize>| e.map_or(Value::Null, |e| Value::from(e as u64));
            map.insert("best_epoch".into(), opt(self.best_epoch));
            map.insert("stopped_epoch".into(), opt(self.stopped_epoch));
        }
        Value::Object(map)
    }

    /// [`to_json`](History::to_json) written to a file.
    pub fn save_json(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        std::fs::write(path, format!("{}\n", self.to_json())).map_err(|e| io_err(path, e))
    }
}
