//! Number formatting and aligned text tables for the reports' `Display`.

use std::fmt;

/// A value with 10 significant digits, trailing zeros trimmed; `NaN`, `inf`, `-inf` spelled out.
pub(crate) fn num(v: f64) -> String {
    if !v.is_finite() {
        return non_finite(v).into();
    }
    if v == 0.0 {
        return "0".into();
    }
    let mag = v.abs().log10().floor();
    if (-4.0..9.0).contains(&mag) {
        let decimals = (9.0 - mag) as usize;
        trim_zeros(&format!("{v:.decimals$}"))
    } else {
        let s = format!("{v:.9e}");
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        format!("{}e{exp}", trim_zeros(mantissa))
    }
}

/// An error magnitude with 2 significant digits (`3.1e-11`), `0` for an exact match.
pub(crate) fn err(v: f64) -> String {
    if !v.is_finite() {
        return non_finite(v).into();
    }
    if v == 0.0 {
        return "0".into();
    }
    format!("{v:.1e}")
}

/// A tolerance or step as written in code: `1e-6`, `0.001`.
pub(crate) fn short(v: f64) -> String {
    if !v.is_finite() {
        return non_finite(v).into();
    }
    let plain = format!("{v}");
    let sci = format!("{v:e}");
    if sci.len() < plain.len() { sci } else { plain }
}

/// `x = 1.5, y = -2`.
pub(crate) fn point(names: &[String], values: &[f64]) -> String {
    names
        .iter()
        .zip(values)
        .map(|(n, &v)| format!("{n} = {}", num(v)))
        .collect::<Vec<_>>()
        .join(", ")
}

fn non_finite(v: f64) -> &'static str {
    if v.is_nan() {
        "NaN"
    } else if v > 0.0 {
        "inf"
    } else {
        "-inf"
    }
}

fn trim_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

/// A table whose first column is left-aligned and the others right-aligned.
pub(crate) struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    pub(crate) fn new(header: &[&str]) -> Self {
        Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    pub(crate) fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Writes every line with `indent` in front; all lines have the same width.
    pub(crate) fn write(&self, f: &mut fmt::Formatter<'_>, indent: &str) -> fmt::Result {
        let cols = self.header.len();
        let mut width = vec![0; cols];
        for line in std::iter::once(&self.header).chain(&self.rows) {
            for (w, cell) in width.iter_mut().zip(line) {
                *w = (*w).max(cell.chars().count());
            }
        }
        for line in std::iter::once(&self.header).chain(&self.rows) {
            f.write_str(indent)?;
            for (c, w) in width.iter().enumerate() {
                let cell = line.get(c).map_or("", String::as_str);
                if c == 0 {
                    write!(f, "{cell:<w$}")?;
                } else {
                    write!(f, "  {cell:>w$}")?;
                }
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_like_math() {
        assert_eq!(num(-2.0), "-2");
        assert_eq!(num(0.25), "0.25");
        assert_eq!(num(1.0 / 3.0), "0.3333333333");
        assert_eq!(num(123456.789), "123456.789");
        assert_eq!(num(1.5e-7), "1.5e-7");
        assert_eq!(num(f64::NAN), "NaN");
        assert_eq!(num(f64::NEG_INFINITY), "-inf");
        assert_eq!(err(3.14159e-11), "3.1e-11");
        assert_eq!(err(0.0), "0");
        assert_eq!(short(1e-6), "1e-6");
        assert_eq!(short(0.001), "1e-3");
        assert_eq!(short(0.5), "0.5");
    }
}
