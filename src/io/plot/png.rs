//! The PNG backend every picture is drawn on: plotters' bitmap backend with its text drawn
//! here.
//!
//! plotters 0.3.7 places each glyph at the pen position without its left side bearing and at
//! a whole pixel, so every glyph sits up to two pixels left of where the font puts it: the
//! spaces between letters vary ("l a b e l"-like gaps after narrow letters). Here each glyph is
//! outlined at its exact (sub-pixel) pen position, kerning included, and drawn where its
//! bounding box says; the text's box and anchor are plotters' own, so layouts do not move.

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont, point};
use plotters::prelude::*;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};

/// The embedded DejaVu Sans, the only font the pictures use (registered as `sans-serif`).
fn font() -> Option<&'static FontRef<'static>> {
    static FONT: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    FONT.get_or_init(|| FontRef::try_from_slice(dejavu::sans::regular()).ok())
        .as_ref()
}

/// A PNG file being drawn.
pub(crate) struct Png<'a>(BitMapBackend<'a>);

impl<'a> Png<'a> {
    pub(crate) fn new(path: &'a std::path::Path, size: (u32, u32)) -> Self {
        Png(BitMapBackend::new(path, size))
    }
}

type Failure<'a> = DrawingErrorKind<<BitMapBackend<'a> as DrawingBackend>::ErrorType>;

impl<'a> DrawingBackend for Png<'a> {
    type ErrorType = <BitMapBackend<'a> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.0.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), Failure<'a>> {
        self.0.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), Failure<'a>> {
        self.0.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), Failure<'a>> {
        self.0.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), Failure<'a>> {
        self.0.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), Failure<'a>> {
        self.0.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), Failure<'a>> {
        self.0.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), Failure<'a>> {
        self.0.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), Failure<'a>> {
        self.0.fill_polygon(vert, style)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), Failure<'a>> {
        self.0.blit_bitmap(pos, size, src)
    }

    /// plotters' text drawing (the same box, anchor and rotation) with each glyph placed at
    /// its exact pen position plus its side bearing.
    fn draw_text<TStyle: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &TStyle,
        pos: BackendCoord,
    ) -> Result<(), Failure<'a>> {
        let color = style.color();
        let Some(font) = font() else {
            return self.0.draw_text(text, style, pos);
        };
        if color.alpha == 0.0 {
            return Ok(());
        }
        let ((min_x, min_y), (max_x, max_y)) = style
            .layout_box(text)
            .map_err(|e| DrawingErrorKind::FontError(Box::new(e)))?;
        let (width, height) = (max_x - min_x, max_y - min_y);
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => -width,
            HPos::Center => -width / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -height / 2,
            VPos::Bottom => -height,
        };
        let trans = style.transform();
        let (w, h) = self.get_size();
        let size = style.size() as f32;
        let scaled = font.as_scaled(PxScale::from(size));
        let mut caret = 0f32;
        let mut prev = None;
        for c in text.chars() {
            let id = font.glyph_id(c);
            if let Some(p) = prev {
                caret += scaled.kern(p, id);
            }
            prev = Some(id);
            let glyph = id.with_scale_and_position(size, point(caret, 0.0));
            caret += scaled.h_advance(id);
            let Some(outline) = font.outline_glyph(glyph) else {
                continue; // a space
            };
            let bounds = outline.px_bounds();
            // plotters' vertical placement: the glyph's top at half the size plus its bearing.
            let (gx, gy) = (bounds.min.x as i32, (size / 2.0 + bounds.min.y) as i32);
            let mut result = Ok(());
            outline.draw(|x, y, coverage| {
                if result.is_err() || coverage <= 0.0 {
                    return;
                }
                let (x, y) =
                    trans.transform(gx + x as i32 + dx - min_x, gy + y as i32 + dy - min_y);
                let (x, y) = (pos.0 + x, pos.1 + y);
                if x >= 0 && x < w as i32 && y >= 0 && y < h as i32 {
                    let ink = BackendColor {
                        alpha: color.alpha * f64::from(coverage.min(1.0)),
                        rgb: color.rgb,
                    };
                    result = self.0.draw_pixel((x, y), ink);
                }
            });
            result?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first column with ink when "l" is drawn with its box's left edge at x = 20.
    fn first_ink(draw: impl FnOnce(&mut [u8])) -> usize {
        let (w, h) = (60usize, 40usize);
        let mut buf = vec![255u8; w * h * 3];
        draw(&mut buf);
        (0..w)
            .find(|&x| (0..h).any(|y| buf[(y * w + x) * 3] < 200))
            .expect("some ink")
    }

    #[test]
    fn a_glyph_keeps_its_left_side_bearing() {
        super::super::register_font();
        let style = ("sans-serif", 20).into_font().color(&BLACK);
        let ours = first_ink(|buf| {
            let mut png = Png(BitMapBackend::with_buffer(buf, (60, 40)));
            png.draw_text("l", &style, (20, 10)).unwrap();
            png.present().unwrap();
        });
        let plotters = first_ink(|buf| {
            let mut bitmap = BitMapBackend::with_buffer(buf, (60, 40));
            bitmap.draw_text("l", &style, (20, 10)).unwrap();
            bitmap.present().unwrap();
        });
        // DejaVu Sans' "l": a left side bearing of 193 font units; a 20 px scale is 20 px
        // from ascent to descent (2384 units), so 193 · 20 / 2384 = 1.62 px.
        let font = font().unwrap();
        let bearing = font
            .as_scaled(PxScale::from(20.0))
            .h_side_bearing(font.glyph_id('l'));
        assert!((bearing - 1.619).abs() < 0.01, "{bearing}");
        assert_eq!(ours, 21, "ink from 20 + 1.62 px");
        assert_eq!(
            plotters, 20,
            "plotters drops the bearing (if this fails, it was fixed)"
        );
    }
}
