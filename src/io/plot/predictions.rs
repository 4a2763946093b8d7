//! Predictions against the truth, as a scatter plot.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{COLORS, Figure, err, finite_range, save};
use crate::error::{Error, Result};
use crate::nn::train::format_metric;

/// Draws each of `series` (a name and one prediction per row) against `truth` as dots, the
/// true value across and the prediction up, with the diagonal where a perfect model's dots
/// would lie and a legend; 640×640 pixels, PNG or SVG as the extension of `path` says, under
/// the caption `title`. Errors for a series whose length is not `truth`'s, no finite value,
/// another extension, or a file that cannot be written.
///
/// ```no_run
/// use tapegrad::io::plot_predictions;
/// let truth = [1.0, 2.0, 3.0];
/// plot_predictions("fit.png", "test rows", &truth, &[("model", &[1.1, 1.9, 3.2])]).unwrap();
/// ```
pub fn plot_predictions(
    path: impl AsRef<Path>,
    title: &str,
    truth: &[f64],
    series: &[(&str, &[f64])],
) -> Result<()> {
    for (name, p) in series {
        if p.len() != truth.len() {
            return Err(Error::Invalid(format!(
                "cannot plot \"{name}\": {} predictions for {} true values",
                p.len(),
                truth.len()
            )));
        }
    }
    let all = truth
        .iter()
        .chain(series.iter().flat_map(|(_, p)| p.iter()))
        .copied();
    let Some((lo, hi)) = finite_range(all) else {
        return Err(Error::Invalid(
            "nothing to plot: no finite prediction".into(),
        ));
    };
    let pad = ((hi - lo) * 0.05).max(1e-12);
    let figure = Scatter {
        title,
        truth,
        series,
        range: (lo - pad, hi + pad),
    };
    save(path.as_ref(), (640, 640), &figure)
}

struct Scatter<'a> {
    title: &'a str,
    truth: &'a [f64],
    series: &'a [(&'a str, &'a [f64])],
    range: (f64, f64),
}

impl Figure for Scatter<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        let (lo, hi) = self.range;
        let mut chart = ChartBuilder::on(root)
            .caption(self.title, ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(60)
            .build_cartesian_2d(lo..hi, lo..hi)
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc("true value")
            .y_desc("predicted value")
            .x_label_formatter(&|v| format_metric(*v))
            .y_label_formatter(&|v| format_metric(*v))
            .draw()
            .map_err(err)?;
        let grey = RGBColor(120, 120, 120);
        chart
            .draw_series(DashedLineSeries::new(
                [(lo, lo), (hi, hi)],
                6,
                4,
                grey.into(),
            ))
            .map_err(err)?
            .label("prediction = truth")
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], grey));
        for (i, (name, predicted)) in self.series.iter().enumerate() {
            let color = COLORS[i % COLORS.len()];
            let dots = self
                .truth
                .iter()
                .zip(predicted.iter())
                .filter(|(t, p)| t.is_finite() && p.is_finite())
                .map(move |(&t, &p)| Circle::new((t, p), 3, color.mix(0.7).filled()));
            chart
                .draw_series(dots)
                .map_err(err)?
                .label(*name)
                .legend(move |(x, y)| Circle::new((x + 10, y), 4, color.filled()));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()
            .map_err(err)
    }
}
