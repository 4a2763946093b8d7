//! A [`History`]'s loss curves.

use std::path::Path;

use plotters::coord::Shift;
use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::types::RangedCoordu32;
use plotters::prelude::*;

use super::{COLORS, Figure, err, finite_range, save};
use crate::error::{Error, Result};
use crate::nn::train::{History, format_metric};

/// How [`History::plot_with`] draws the loss curves.
///
/// ```
/// use tapegrad::io::LossPlot;
/// let style = LossPlot::new().log_scale(true);
/// assert!(style.log_scale);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LossPlot {
    /// A logarithmic loss axis, for a loss that falls over orders of magnitude (values ≤ 0
    /// are left out).
    pub log_scale: bool,
}

impl LossPlot {
    /// A linear loss axis.
    pub fn new() -> Self {
        Self::default()
    }

    /// Turns the logarithmic loss axis on or off.
    pub fn log_scale(mut self, on: bool) -> Self {
        self.log_scale = on;
        self
    }
}

impl History {
    /// [`plot_with`](History::plot_with) and a linear loss axis.
    pub fn plot(&self, path: impl AsRef<Path>) -> Result<()> {
        self.plot_with(path, &LossPlot::new())
    }

    /// Draws every column whose name ends in `loss` (`loss`, `val_loss`) against the epoch
    /// (counted from 1, integer ticks) with a legend, 800×500 pixels, as a PNG or an SVG file
    /// chosen by the extension of `path` (`.png` or `.svg`). When early stopping restored its
    /// best weights ([`History::restored_epoch`]) a dashed vertical line marks that epoch.
    /// Errors for another extension, a history with no epoch or no loss column, a log scale
    /// with no positive loss, or a file that cannot be written.
    pub fn plot_with(&self, path: impl AsRef<Path>, style: &LossPlot) -> Result<()> {
        let curves: Vec<(String, Vec<f64>)> = self
            .names()
            .iter()
            .filter(|n| n.ends_with("loss"))
            .filter_map(|n| Some((n.clone(), self.column(n)?)))
            .collect();
        if curves.is_empty() || self.epochs() == 0 {
            return Err(Error::Invalid(
                "nothing to plot: the history has no epoch or no loss column".into(),
            ));
        }
        let shown = |v: f64| v.is_finite() && (!style.log_scale || v > 0.0);
        let values = curves.iter().flat_map(|(_, c)| c.iter().copied());
        let Some((lo, hi)) = finite_range(values.filter(|&v| shown(v))) else {
            return Err(Error::Invalid(
                "nothing to plot: a log scale needs a positive loss".into(),
            ));
        };
        let figure = Curves {
            curves,
            lo,
            hi,
            log: style.log_scale,
            restored: self.restored_epoch,
        };
        save(path.as_ref(), (800, 500), &figure)
    }
}

struct Curves {
    curves: Vec<(String, Vec<f64>)>,
    lo: f64,
    hi: f64,
    log: bool,
    restored: Option<usize>,
}

impl Figure for Curves {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        let epochs = self.curves[0].1.len() as u32;
        // Epochs are whole numbers: an integer axis from 1 puts its ticks on them.
        let x = 1..epochs.max(2);
        let mut builder = ChartBuilder::on(root);
        builder
            .caption("loss per epoch", ("sans-serif", 24))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(70);
        if self.log {
            // A tenth of a decade of room above and below.
            let (lo, hi) = (self.lo / 1.25, self.hi * 1.25);
            let chart = builder
                .build_cartesian_2d(x, (lo..hi).log_scale())
                .map_err(err)?;
            self.plot(chart, (lo, hi))
        } else {
            let pad = ((self.hi - self.lo) * 0.05).max(1e-12);
            let (lo, hi) = (self.lo - pad, self.hi + pad);
            let chart = builder.build_cartesian_2d(x, lo..hi).map_err(err)?;
            self.plot(chart, (lo, hi))
        }
    }
}

impl Curves {
    fn plot<'a, DB: DrawingBackend + 'a, Y: Ranged<ValueType = f64> + ValueFormatter<f64>>(
        &self,
        mut chart: ChartContext<'a, DB, Cartesian2d<RangedCoordu32, Y>>,
        (lo, hi): (f64, f64),
    ) -> std::result::Result<(), String> {
        let epochs = self.curves[0].1.len();
        chart
            .configure_mesh()
            .x_desc("epoch")
            .y_desc(if self.log { "loss (log scale)" } else { "loss" })
            .x_labels(epochs.clamp(2, 10))
            .x_label_formatter(&|e| e.to_string())
            .y_label_formatter(&|v| format_metric(*v))
            .draw()
            .map_err(err)?;
        for (i, (name, values)) in self.curves.iter().enumerate() {
            let color = COLORS[i % COLORS.len()];
            let points = values
                .iter()
                .enumerate()
                .filter(|(_, v)| v.is_finite() && (!self.log || **v > 0.0))
                .map(|(e, &v)| (e as u32 + 1, v));
            chart
                .draw_series(LineSeries::new(points, color.stroke_width(2)))
                .map_err(err)?
                .label(name.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                });
        }
        if let Some(b) = self.restored {
            let e = b as u32 + 1;
            let grey = RGBColor(90, 90, 90);
            chart
                .draw_series(DashedLineSeries::new(
                    [(e, lo), (e, hi)],
                    6,
                    4,
                    grey.stroke_width(1),
                ))
                .map_err(err)?
                .label(format!("restored weights: epoch {e}"))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], grey));
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(err)
    }
}
