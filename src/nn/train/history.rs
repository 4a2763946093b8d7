//! [`History`]: per-epoch losses and metrics recorded by [`fit`](super::fit).

use crate::error::{Result, same_len};

/// One row per epoch, one named column per quantity, as Keras' `History.history`: `loss`, each
/// metric by name (`accuracy`, `mse`, `r2`), the same with a `val_` prefix when there is
/// validation data, and `lr`, the learning rate used in the epoch.
///
/// Write it with [`write_csv`](History::write_csv) / [`to_json`](History::to_json) and draw it
/// with [`plot`](History::plot) (in [`io`](crate::io)).
///
/// ```
/// use tapegrad::nn::train::History;
/// let mut h = History::new(vec!["loss".into(), "val_loss".into()]);
/// h.push(vec![1.0, 1.5]).unwrap();
/// h.push(vec![0.5, 0.9]).unwrap();
/// assert_eq!(h.column("val_loss").unwrap(), vec![1.5, 0.9]);
/// assert_eq!(h.epochs(), 2);
/// ```
#[derive(Clone, Debug, PartialEq, Default)]
pub struct History {
    names: Vec<String>,
    rows: Vec<Vec<f64>>,
    /// The epoch (0-based) whose weights early stopping kept as the best, if it ran.
    pub best_epoch: Option<usize>,
    /// The epoch (0-based) after which early stopping ended training, if it did.
    pub stopped_epoch: Option<usize>,
    /// The epoch (0-based) whose weights the model was given back at the end of training, when
    /// early stopping restored its best weights ([`EarlyStopping::restore_best_weights`](
    /// super::EarlyStopping::restore_best_weights)); loss-curve plots mark it.
    pub restored_epoch: Option<usize>,
}

impl History {
    /// An empty history with these columns.
    pub fn new(names: Vec<String>) -> Self {
        History {
            names,
            ..Default::default()
        }
    }

    /// Appends one epoch's values, one per column; [`Error::Shape`](crate::Error::Shape) for a
    /// wrong count.
    pub fn push(&mut self, values: Vec<f64>) -> Result<()> {
        same_len("History::push", self.names.len(), values.len())?;
        self.rows.push(values);
        Ok(())
    }

    /// The column names.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The rows, one per epoch, values in [`names`](History::names) order.
    pub fn rows(&self) -> &[Vec<f64>] {
        &self.rows
    }

    /// The number of epochs recorded.
    pub fn epochs(&self) -> usize {
        self.rows.len()
    }

    /// One column's values over the epochs, or `None` for an unknown name.
    pub fn column(&self, name: &str) -> Option<Vec<f64>> {
        let j = self.names.iter().position(|n| n == name)?;
        Some(self.rows.iter().map(|r| r[j]).collect())
    }

    /// The last epoch's value of a column.
    pub fn last(&self, name: &str) -> Option<f64> {
        self.column(name)?.last().copied()
    }
}
