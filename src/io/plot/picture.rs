//! Pictures of what a tensor [`Mlp`] learned, as PNG files drawn with plotters: its first
//! layer's weights as a grid of images, and the activations one input row produces.

use std::path::Path;

use plotters::prelude::*;

use super::{Png, register_font};
use crate::error::{Error, Result};
use crate::nn::tensor::Mlp;
use crate::nn::train::Loss;
use crate::real::Float;

/// The diverging colour of `v` in [−1, 1]: blue for −1, white for 0, red for +1 (ColorBrewer's
/// RdBu ends), clamped outside.
fn diverging(v: f64) -> RGBColor {
    let v = if v.is_finite() {
        v.clamp(-1.0, 1.0)
    } else {
        0.0
    };
    let (end, t) = if v < 0.0 {
        ((33.0, 102.0, 172.0), -v)
    } else {
        ((178.0, 24.0, 43.0), v)
    };
    let mix = |e: f64| (255.0 + (e - 255.0) * t).round() as u8;
    RGBColor(mix(end.0), mix(end.1), mix(end.2))
}

/// The grey of `v` in [0, 1]: white for 0, black for 1 (ink on paper).
fn ink(v: f64) -> RGBColor {
    let g = (255.0
        * (1.0
            - if v.is_finite() {
                v.clamp(0.0, 1.0)
            } else {
                0.0
            }))
    .round() as u8;
    RGBColor(g, g, g)
}

/// The largest |v|, or 1 when every value is 0 (so a blank map stays blank, not NaN).
fn max_abs(values: &[f64]) -> f64 {
    let m = values.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    if m > 0.0 { m } else { 1.0 }
}

type Area<'a> = DrawingArea<Png<'a>, plotters::coord::Shift>;

/// A canvas for a PNG file; an error unless `path` ends in `.png`.
fn canvas(path: &Path, size: (u32, u32)) -> Result<Area<'_>> {
    let png = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("png"));
    if !png {
        return Err(Error::Invalid(format!(
            "cannot draw {}: the file name must end in .png",
            path.display()
        )));
    }
    register_font();
    let root = Png::new(path, size).into_drawing_area();
    root.fill(&WHITE).map_err(|e| draw_error(path, e))?;
    Ok(root)
}

fn draw_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Invalid(format!("cannot draw {}: {e}", path.display()))
}

/// Draws `values` (`h × w`, row-major) as square cells of `cell` pixels with their top-left
/// corner at `at`, coloured by `color`, with a thin grey frame.
fn image(
    area: &Area<'_>,
    at: (i32, i32),
    (h, w): (usize, usize),
    cell: i32,
    values: &[f64],
    color: impl Fn(f64) -> RGBColor,
) -> std::result::Result<(), String> {
    let s = |e: DrawingAreaErrorKind<_>| e.to_string();
    for (i, &v) in values.iter().enumerate() {
        let (r, c) = ((i / w) as i32, (i % w) as i32);
        let x = at.0 + c * cell;
        let y = at.1 + r * cell;
        area.draw(&Rectangle::new(
            [(x, y), (x + cell, y + cell)],
            color(v).filled(),
        ))
        .map_err(s)?;
    }
    let (x1, y1) = (at.0 + w as i32 * cell, at.1 + h as i32 * cell);
    area.draw(&Rectangle::new([at, (x1, y1)], RGBColor(160, 160, 160)))
        .map_err(s)
}

fn text(area: &Area<'_>, s: &str, at: (i32, i32), size: u32) -> std::result::Result<(), String> {
    area.draw(&Text::new(
        s.to_string(),
        at,
        ("sans-serif", size).into_font(),
    ))
    .map_err(|e| e.to_string())
}

/// Columns and rows of a grid of `n` tiles about twice as wide as it is tall.
fn grid(n: usize) -> (usize, usize) {
    let cols = ((2 * n) as f64).sqrt().ceil().max(1.0) as usize;
    (cols, n.div_ceil(cols))
}

impl<T: Float> Mlp<'_, T> {
    /// Writes the first layer's weights to a PNG file: each unit's incoming weights (a row of
    /// `layers.0.weight`) drawn as an `h × w` image, red for positive and blue for negative,
    /// each unit scaled to its own largest |weight| so its pattern shows, labelled with its
    /// index. At most `max_units` units are drawn: those the next layer weighs most (the
    /// largest Euclidean norm of their column of `layers.1.weight`), most important first; a
    /// one-layer model's units are drawn in order. Errors unless `h · w` is the number of
    /// inputs and `path` ends in `.png`.
    pub fn draw_first_layer(
        &self,
        (h, w): (usize, usize),
        max_units: usize,
        path: impl AsRef<Path>,
    ) -> Result<()> {
        let path = path.as_ref();
        let first = self.layers()[0];
        self.check_image("draw_first_layer", (h, w))?;
        let weights: Vec<f64> = first
            .weight()
            .try_to_vec()?
            .iter()
            .map(|v| v.to_f64())
            .collect();
        let n = first.nout();
        let mut units: Vec<usize> = (0..n).collect();
        if let Some(next) = self.layers().get(1) {
            let w2 = next.weight().try_to_vec()?;
            let norm =
                |u: usize| -> f64 { w2.chunks_exact(n).map(|row| row[u].to_f64().powi(2)).sum() };
            units.sort_by(|&a, &b| norm(b).total_cmp(&norm(a)));
        }
        units.truncate(max_units.max(1));
        let (cols, rows) = grid(units.len());
        let cell = (64 / h.max(w)).max(2) as i32;
        let (tw, th) = (w as i32 * cell, h as i32 * cell + 14);
        let (gap, top) = (8, 56);
        let size = (
            (cols as i32 * (tw + gap) + gap) as u32,
            (top + rows as i32 * (th + gap) + gap) as u32,
        );
        // At least wide enough for the two lines of title.
        let root = canvas(path, (size.0.max(640), size.1))?;
        let which = if units.len() == n {
            format!("its {n} units")
        } else {
            format!(
                "the {} of its {n} units the next layer weighs most",
                units.len()
            )
        };
        let draw = || -> std::result::Result<(), String> {
            text(
                &root,
                &format!(
                    "first layer: {which}, each unit's {} input weights as an {h}×{w} image",
                    h * w
                ),
                (gap, 8),
                16,
            )?;
            text(
                &root,
                "red: positive weight, blue: negative; each unit scaled to its own max |w|",
                (gap, 32),
                14,
            )?;
            for (i, &u) in units.iter().enumerate() {
                let row = &weights[u * h * w..(u + 1) * h * w];
                let m = max_abs(row);
                let at = (
                    gap + (i % cols) as i32 * (tw + gap),
                    top + (i / cols) as i32 * (th + gap),
                );
                image(&root, at, (h, w), cell, row, |v| diverging(v / m))?;
                text(
                    &root,
                    &format!("#{u}"),
                    (at.0, at.1 + h as i32 * cell + 1),
                    11,
                )?;
            }
            root.present().map_err(|e| e.to_string())
        };
        draw().map_err(|e| draw_error(path, e))
    }

    /// Writes the activations one input row `x` produces to a PNG file:
    /// [`draw_activations_showing`](Mlp::draw_activations_showing) with `x` itself as the
    /// picture of the input.
    pub fn draw_activations(
        &self,
        x: &[T],
        (h, w): (usize, usize),
        path: impl AsRef<Path>,
    ) -> Result<()> {
        let shown: Vec<f64> = x.iter().map(|v| v.to_f64()).collect();
        self.draw_activations_showing(x, &shown, (h, w), path)
    }

    /// Writes the activations one input row `x` produces to a PNG file: `shown`, the input as
    /// a person would recognise it (the raw pixels of an image the model sees standardized),
    /// as an `h × w` image, dark for high values; each hidden layer's activations as a grid of
    /// cells (dark for high, scaled to the layer's largest); the input the model sees weighted
    /// by each of the eight most active first-layer units' weights (wᵤᵢ·xᵢ, red where a pixel
    /// pushes the unit up, blue where it holds it down), with the unit and its activation; and
    /// the softmax of the outputs as bars, the predicted class in red. Errors unless `x` is one
    /// row, `h · w` is the number of inputs and of values in `shown`, and `path` ends in `.png`.
    pub fn draw_activations_showing(
        &self,
        x: &[T],
        shown: &[f64],
        (h, w): (usize, usize),
        path: impl AsRef<Path>,
    ) -> Result<()> {
        let path = path.as_ref();
        self.check_image("draw_activations", (h, w))?;
        if self.rows(x)? != 1 {
            return Err(Error::Shape {
                op: "draw_activations",
                lhs: vec![1, self.layers()[0].nin()],
                rhs: vec![x.len()],
            });
        }
        if shown.len() != h * w {
            return Err(Error::Shape {
                op: "draw_activations",
                lhs: vec![h, w],
                rhs: vec![shown.len()],
            });
        }
        let f64s = |v: &[T]| v.iter().map(|v| v.to_f64()).collect::<Vec<f64>>();
        let layers: Vec<Vec<f64>> = self.activations(x)?.iter().map(|a| f64s(a)).collect();
        let input = f64s(x);
        let weights = f64s(&self.layers()[0].weight().try_to_vec()?);
        let probs = f64s(&self.predict_proba(x)?);

        let cell = (160 / h.max(w)).max(2) as i32;
        let (gap, top) = (16, 40);
        let hidden = &layers[..layers.len() - 1];
        let hidden_w: i32 = hidden
            .iter()
            .map(|a| grid(a.len()).0 as i32 * 14 + gap)
            .sum();
        let width =
            (gap + w as i32 * cell + gap + hidden_w + 10 * 34 + gap).max(8 * 84 + gap) as u32;
        // Title, the top row of maps, then the row of weighted inputs with their captions.
        let height = (top + 12 + h as i32 * cell + 24 + 22 + h as i32 * 9 + 24) as u32;
        let root = canvas(path, (width, height))?;
        let predicted = Loss::CrossEntropy.predicted_class(&probs) as usize;
        let draw = || -> std::result::Result<(), String> {
            text(
                &root,
                &format!("one input through {self}; predicted class {predicted}"),
                (gap, 10),
                18,
            )?;
            let mut x0 = gap;
            text(&root, "input", (x0, top - 4), 14)?;
            let (lo, hi) = shown
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| {
                    (a.min(v), b.max(v))
                });
            let span = if hi > lo { hi - lo } else { 1.0 };
            image(&root, (x0, top + 12), (h, w), cell, shown, |v| {
                ink((v - lo) / span)
            })?;
            x0 += w as i32 * cell + gap;
            for (l, a) in hidden.iter().enumerate() {
                let (cols, rows) = grid(a.len());
                let m = max_abs(a);
                text(
                    &root,
                    &format!("layer {l}: {} units", a.len()),
                    (x0, top - 4),
                    14,
                )?;
                image(&root, (x0, top + 12), (rows, cols), 14, a, |v| ink(v / m))?;
                x0 += cols as i32 * 14 + gap;
            }
            text(&root, "softmax of the outputs", (x0, top - 4), 14)?;
            let bar_h = h as i32 * cell - 18;
            for (k, &p) in probs.iter().enumerate() {
                let bx = x0 + k as i32 * 34;
                let by = top + 12 + bar_h;
                let color = if k == predicted {
                    RGBColor(214, 39, 40)
                } else {
                    RGBColor(31, 119, 180)
                };
                root.draw(&Rectangle::new(
                    [(bx, by - (p * bar_h as f64) as i32), (bx + 26, by)],
                    color.filled(),
                ))
                .map_err(|e| e.to_string())?;
                text(&root, &k.to_string(), (bx + 9, by + 2), 14)?;
            }
            let y0 = top + 12 + h as i32 * cell + 24;
            text(
                &root,
                "input × weights of the 8 most active units of layer 0 (red: pushes the unit up, blue: down)",
                (gap, y0),
                14,
            )?;
            let mut order: Vec<usize> = (0..layers[0].len()).collect();
            order.sort_by(|&a, &b| layers[0][b].total_cmp(&layers[0][a]));
            for (i, &u) in order.iter().take(8).enumerate() {
                let contrib: Vec<f64> = weights[u * h * w..(u + 1) * h * w]
                    .iter()
                    .zip(&input)
                    .map(|(w, x)| w * x)
                    .collect();
                let m = max_abs(&contrib);
                let at = (gap + i as i32 * 84, y0 + 22);
                image(&root, at, (h, w), 9, &contrib, |v| diverging(v / m))?;
                text(
                    &root,
                    &format!("#{u}: {:.2}", layers[0][u]),
                    (at.0, at.1 + h as i32 * 9 + 4),
                    12,
                )?;
            }
            root.present().map_err(|e| e.to_string())
        };
        draw().map_err(|e| draw_error(path, e))
    }

    fn check_image(&self, op: &'static str, (h, w): (usize, usize)) -> Result<()> {
        let nin = self.layers()[0].nin();
        if h * w != nin {
            return Err(Error::Shape {
                op,
                lhs: vec![nin],
                rhs: vec![h, w],
            });
        }
        Ok(())
    }
}
