//! A model search's scores: every setting's fold scores, mean and standard deviation.

use std::path::Path;

use plotters::coord::Shift;
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

use super::{COLORS, Figure, err, finite_range, save};
use crate::error::{Error, Result};
use crate::nn::train::{SearchReport, format_metric};

impl SearchReport {
    /// Draws one row per setting (labelled as [`Setting`](crate::nn::train::Setting) prints
    /// it): each fold's score as a small dot (the folds a little apart in height, so ties
    /// show), the mean as a large one with a bar of ± one
    /// standard deviation, the best setting in red; `score` names the axis (e.g. "validation
    /// accuracy"). 800 pixels wide, 60 + 36 per setting high, PNG or SVG as the extension of
    /// `path` says. Errors for a report with no finite score, another extension, or a file
    /// that cannot be written.
    pub fn plot(&self, path: impl AsRef<Path>, score: &str) -> Result<()> {
        let scores = self.results.iter().flat_map(|(_, cv)| {
            cv.scores
                .iter()
                .copied()
                .chain([cv.mean - cv.std, cv.mean + cv.std])
        });
        let Some((lo, hi)) = finite_range(scores) else {
            return Err(Error::Invalid("nothing to plot: no finite score".into()));
        };
        let pad = ((hi - lo) * 0.05).max(1e-3);
        let height = 60 + 36 * self.results.len().max(1) as u32 + 40;
        let figure = Scores {
            report: self,
            score,
            range: (lo - pad, hi + pad),
        };
        save(path.as_ref(), (800, height), &figure)
    }
}

struct Scores<'a> {
    report: &'a SearchReport,
    score: &'a str,
    range: (f64, f64),
}

impl Figure for Scores<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        let labels: Vec<String> = self
            .report
            .results
            .iter()
            .map(|(s, _)| s.to_string())
            .collect();
        // About 8 pixels a character at 14 pixels, and room for the tick.
        let label_width =
            labels.iter().map(|l| l.chars().count()).max().unwrap_or(1) as u32 * 8 + 16;
        let n = labels.len();
        let mut chart = ChartBuilder::on(root)
            .caption(
                format!(
                    "{} per setting: small dots the folds, large dot and bar mean ± std, red the best",
                    self.score
                ),
                ("sans-serif", 16),
            )
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(label_width)
            // An integer range includes its end: 0..n - 1 is n rows.
            .build_cartesian_2d(self.range.0..self.range.1, (0..n.max(1) - 1).into_segmented())
            .map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(self.score)
            .x_label_formatter(&|v| format_metric(*v))
            .y_labels(n)
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => labels.get(*i).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .disable_y_mesh()
            .draw()
            .map_err(err)?;
        for (i, (_, cv)) in self.report.results.iter().enumerate() {
            let best = i == self.report.best;
            let color = if best { COLORS[3] } else { COLORS[0] };
            let row = || SegmentValue::CenterOf(i);
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(cv.mean - cv.std, row()), (cv.mean + cv.std, row())],
                    color.stroke_width(2),
                )))
                .map_err(err)?;
            chart
                .draw_series(cv.scores.iter().enumerate().map(|(k, &s)| {
                    // Folds often tie (a score is a count over a few rows): each fold gets its
                    // own height in the row, so tied dots stay apart.
                    let dy = (2 * k as i32 - (cv.scores.len() as i32 - 1)) * 3;
                    EmptyElement::at((s, row())) + Circle::new((0, dy), 3, color.mix(0.5).filled())
                }))
                .map_err(err)?;
            chart
                .draw_series(std::iter::once(Circle::new(
                    (cv.mean, row()),
                    6,
                    color.filled(),
                )))
                .map_err(err)?;
        }
        Ok(())
    }
}
