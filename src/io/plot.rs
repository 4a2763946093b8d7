//! Drawing a [`History`]'s loss curves with plotters, as PNG or SVG.

use std::path::Path;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::{Error, Result};
use crate::nn::train::History;

/// Registers the embedded DejaVu Sans as plotters' `sans-serif`, once (no system fonts needed).
pub(crate) fn register_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The embedded font is valid TrueType; a failure would only lose the text.
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            dejavu::sans::regular(),
        );
    });
}

const COLORS: [RGBColor; 4] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
];

impl History {
    /// Draws every column whose name ends in `loss` (`loss`, `val_loss`) against the epoch
    /// (counted from 1) with a legend, 800×500 pixels, as a PNG or an SVG file chosen by the
    /// extension of `path` (`.png` or `.svg`). Errors for another extension, a history with no
    /// epoch or no loss column, or a file that cannot be written.
    pub fn plot(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
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
        register_font();
        let size = (800, 500);
        let fail = |e: String| Error::Invalid(format!("cannot draw {}: {e}", path.display()));
        match ext.as_deref() {
            Some("png") => {
                draw(BitMapBackend::new(path, size).into_drawing_area(), &curves).map_err(fail)
            }
            Some("svg") => {
                draw(SVGBackend::new(path, size).into_drawing_area(), &curves).map_err(fail)
            }
            _ => Err(Error::Invalid(format!(
                "cannot plot to {}: the file name must end in .png or .svg",
                path.display()
            ))),
        }
    }
}

fn draw<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    curves: &[(String, Vec<f64>)],
) -> std::result::Result<(), String> {
    let s = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(s)?;
    let epochs = curves[0].1.len();
    let finite = curves
        .iter()
        .flat_map(|(_, v)| v)
        .copied()
        .filter(|v| v.is_finite());
    let (lo, hi) = finite.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
        (a.min(v), b.max(v))
    });
    let (lo, hi) = if lo.is_finite() { (lo, hi) } else { (0.0, 1.0) };
    let pad = ((hi - lo) * 0.05).max(1e-12);
    let mut chart = ChartBuilder::on(&root)
        .caption("loss per epoch", ("sans-serif", 24))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(1f64..(epochs.max(2)) as f64, (lo - pad)..(hi + pad))
        .map_err(s)?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc("loss")
        .draw()
        .map_err(s)?;
    for (i, (name, values)) in curves.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        let points = values
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_finite())
            .map(|(e, &v)| ((e + 1) as f64, v));
        chart
            .draw_series(LineSeries::new(points, color.stroke_width(2)))
            .map_err(s)?
            .label(name.as_str())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(s)?;
    root.present().map_err(s)
}
