//! A small table writer: aligned columns with Unicode or ASCII borders, or Markdown.

/// Where a column's text sits in its cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Right,
}

/// The output format of a table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    /// `┌─┬─┐` box drawing.
    Unicode,
    /// `+-+-+` borders.
    Ascii,
    /// A GitHub-flavoured Markdown table.
    Markdown,
}

enum Row {
    Cells(Vec<String>),
    /// A rule between groups of rows (a step of several inputs); Markdown has none.
    Rule,
}

/// Rows of text cells under a header; notes are printed after the table.
pub(crate) struct Table {
    header: Vec<String>,
    align: Vec<Align>,
    rows: Vec<Row>,
    notes: Vec<String>,
}

impl Table {
    pub(crate) fn new(columns: &[(&str, Align)]) -> Self {
        Table {
            header: columns.iter().map(|c| c.0.to_string()).collect(),
            align: columns.iter().map(|c| c.1).collect(),
            rows: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Appends a row; missing cells are empty.
    pub(crate) fn row(&mut self, mut cells: Vec<String>) {
        cells.resize(self.header.len(), String::new());
        self.rows.push(Row::Cells(cells));
    }

    /// Appends a rule between groups (ignored at the very start).
    pub(crate) fn rule(&mut self) {
        if matches!(self.rows.last(), Some(Row::Cells(_))) {
            self.rows.push(Row::Rule);
        }
    }

    /// A line printed under the table (e.g. "… 12 more steps").
    pub(crate) fn note(&mut self, text: String) {
        self.notes.push(text);
    }

    pub(crate) fn render(&self, format: Format) -> String {
        let mut out = String::new();
        if format == Format::Markdown {
            self.markdown(&mut out);
        } else {
            self.boxed(&mut out, format == Format::Unicode);
        }
        for n in &self.notes {
            out.push_str(n);
            out.push('\n');
        }
        out
    }

    fn widths(&self, cell: impl Fn(&str) -> usize) -> Vec<usize> {
        let mut w: Vec<usize> = self.header.iter().map(|h| cell(h)).collect();
        for r in &self.rows {
            if let Row::Cells(c) = r {
                for (wi, s) in w.iter_mut().zip(c) {
                    *wi = (*wi).max(cell(s));
                }
            }
        }
        w
    }

    fn boxed(&self, out: &mut String, unicode: bool) {
        let w = self.widths(width);
        // (left, fill, joint, right) for top, middle and bottom borders; vertical bar.
        let (top, mid, bottom, bar) = if unicode {
            (
                ['┌', '─', '┬', '┐'],
                ['├', '─', '┼', '┤'],
                ['└', '─', '┴', '┘'],
                '│',
            )
        } else {
            (
                ['+', '-', '+', '+'],
                ['+', '-', '+', '+'],
                ['+', '-', '+', '+'],
                '|',
            )
        };
        let border = |out: &mut String, [l, f, j, r]: [char; 4]| {
            out.push(l);
            for (i, &wi) in w.iter().enumerate() {
                if i > 0 {
                    out.push(j);
                }
                out.extend(std::iter::repeat_n(f, wi + 2));
            }
            out.push(r);
            out.push('\n');
        };
        let line = |out: &mut String, cells: &[String], header: bool| {
            out.push(bar);
            for (i, (s, &wi)) in cells.iter().zip(&w).enumerate() {
                let pad = wi - width(s);
                out.push(' ');
                if self.align[i] == Align::Right && !header {
                    out.extend(std::iter::repeat_n(' ', pad));
                    out.push_str(s);
                } else {
                    out.push_str(s);
                    out.extend(std::iter::repeat_n(' ', pad));
                }
                out.push(' ');
                out.push(bar);
            }
            out.push('\n');
        };
        border(out, top);
        line(out, &self.header, true);
        border(out, mid);
        for r in &self.rows {
            match r {
                Row::Cells(c) => line(out, c, false),
                Row::Rule => border(out, mid),
            }
        }
        border(out, bottom);
    }

    fn markdown(&self, out: &mut String) {
        let esc = |s: &str| s.replace('|', "\\|");
        let w = self.widths(|s| width(&esc(s)).max(3));
        let line = |out: &mut String, cells: &[String]| {
            out.push('|');
            for (i, (s, &wi)) in cells.iter().zip(&w).enumerate() {
                let s = esc(s);
                let pad = wi - width(&s);
                out.push(' ');
                if self.align[i] == Align::Right {
                    out.extend(std::iter::repeat_n(' ', pad));
                    out.push_str(&s);
                } else {
                    out.push_str(&s);
                    out.extend(std::iter::repeat_n(' ', pad));
                }
                out.push_str(" |");
            }
            out.push('\n');
        };
        line(out, &self.header);
        out.push('|');
        for (i, &wi) in w.iter().enumerate() {
            out.push(' ');
            match self.align[i] {
                Align::Left => out.extend(std::iter::repeat_n('-', wi)),
                Align::Right => {
                    out.extend(std::iter::repeat_n('-', wi - 1));
                    out.push(':');
                }
            }
            out.push_str(" |");
        }
        out.push('\n');
        for r in &self.rows {
            if let Row::Cells(c) = r {
                line(out, c);
            }
        }
    }
}

/// Display width: one column per character (the tables use no wide characters).
fn width(s: &str) -> usize {
    s.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut t = Table::new(&[("name", Align::Left), ("value", Align::Right)]);
        t.row(vec!["w".into(), "0.5".into()]);
        t.rule();
        t.row(vec!["a|b".into(), "-12".into()]);
        t.note("… 3 more".into());
        t
    }

    #[test]
    fn unicode_box() {
        let want = "\
┌──────┬───────┐
│ name │ value │
├──────┼───────┤
│ w    │   0.5 │
├──────┼───────┤
│ a|b  │   -12 │
└──────┴───────┘
… 3 more
";
        assert_eq!(sample().render(Format::Unicode), want);
    }

    #[test]
    fn ascii_box() {
        let want = "\
+------+-------+
| name | value |
+------+-------+
| w    |   0.5 |
+------+-------+
| a|b  |   -12 |
+------+-------+
… 3 more
";
        assert_eq!(sample().render(Format::Ascii), want);
    }

    #[test]
    fn markdown_escapes_pipes() {
        let want = "\
| name | value |
| ---- | ----: |
| w    |   0.5 |
| a\\|b |   -12 |
… 3 more
";
        assert_eq!(sample().render(Format::Markdown), want);
    }
}
