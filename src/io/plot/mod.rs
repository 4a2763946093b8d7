//! Plots drawn with plotters, as PNG or SVG chosen by the file's extension: a [`History`]'s
//! loss curves ([`History::plot`], [`History::plot_with`]), predictions against the truth
//! ([`plot_predictions`]) and a model search's fold scores ([`SearchReport::plot`]). Every
//! number on an axis is printed by [`format_metric`].
//!
//! [`History`]: crate::nn::train::History
//! [`History::plot`]: crate::nn::train::History::plot
//! [`History::plot_with`]: crate::nn::train::History::plot_with
//! [`SearchReport::plot`]: crate::nn::train::SearchReport::plot
//! [`format_metric`]: crate::nn::train::format_metric

mod loss;
mod picture;
mod png;
mod predictions;
mod search;

use std::path::Path;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::error::{Error, Result};

pub use loss::LossPlot;
pub(crate) use png::Png;
pub use predictions::plot_predictions;

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

/// matplotlib's first four colours (tab10).
const COLORS: [RGBColor; 4] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
];

/// A picture that can be drawn on any plotters backend, over the white background
/// [`draw_on`] fills first.
trait Figure {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String>;
}

/// Draws `figure` into `path` (`size` pixels), a PNG or an SVG file as its extension says.
fn save(path: &Path, size: (u32, u32), figure: &impl Figure) -> Result<()> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    register_font();
    let fail = |e: String| Error::Invalid(format!("cannot draw {}: {e}", path.display()));
    match ext.as_deref() {
        Some("png") => draw_on(Png::new(path, size), figure).map_err(fail),
        Some("svg") => draw_on(SVGBackend::new(path, size), figure).map_err(fail),
        _ => Err(Error::Invalid(format!(
            "cannot plot to {}: the file name must end in .png or .svg",
            path.display()
        ))),
    }
}

/// Draws `figure` on the whole of `backend`, white first, and writes it out.
fn draw_on<DB: DrawingBackend>(
    backend: DB,
    figure: &impl Figure,
) -> std::result::Result<(), String> {
    let root = backend.into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    figure.draw(&root)?;
    root.present().map_err(|e| e.to_string())
}

/// plotters' drawing error as text.
fn err<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> String {
    e.to_string()
}

/// The smallest and largest finite value, or `None` when there is none.
fn finite_range(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values.filter(|v| v.is_finite()).fold(None, |r, v| match r {
        None => Some((v, v)),
        Some((lo, hi)) => Some((v.min(lo), v.max(hi))),
    })
}
