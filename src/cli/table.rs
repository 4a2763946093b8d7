//! Plain-text tables with numbers aligned on their decimal point.

/// One cell: text (left-aligned) or a number already formatted (aligned on its decimal point).
pub enum Cell {
    /// Left-aligned text.
    Text(String),
    /// A formatted number; its integer part is right-aligned, the rest left-aligned.
    Num(String),
}

/// Character count (the width a terminal shows for the text this crate prints).
fn width(s: &str) -> usize {
    s.chars().count()
}

/// Splits a formatted number into its integer part and the rest (`.5`, `e-7`, …).
fn split_number(s: &str) -> (&str, &str) {
    let at = s.find(['.', 'e']).unwrap_or(s.len());
    s.split_at(at)
}

/// Renders rows of cells, columns separated by two spaces, each line without trailing space.
pub fn render(rows: &[Vec<Cell>]) -> String {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    // Per column: widest integer part, widest rest, widest text.
    let mut int_w = vec![0; cols];
    let mut rest_w = vec![0; cols];
    let mut text_w = vec![0; cols];
    for row in rows {
        for (c, cell) in row.iter().enumerate() {
            match cell {
                Cell::Text(t) => text_w[c] = text_w[c].max(width(t)),
                Cell::Num(n) => {
                    let (i, r) = split_number(n);
                    int_w[c] = int_w[c].max(width(i));
                    rest_w[c] = rest_w[c].max(width(r));
                }
            }
        }
    }
    let col_w: Vec<usize> = (0..cols)
        .map(|c| text_w[c].max(int_w[c] + rest_w[c]))
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c > 0 {
                line.push_str("  ");
            }
            let text = match cell {
                Cell::Text(t) => t.clone(),
                Cell::Num(n) => {
                    let (i, r) = split_number(n);
                    format!("{}{i}{r}", " ".repeat(int_w[c] - width(i)))
                }
            };
            line.push_str(&text);
            line.push_str(&" ".repeat(col_w[c] - width(&text)));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_align_on_the_point() {
        let rows = vec![
            vec![Cell::Text("value".into()), Cell::Num("-4.5".into())],
            vec![Cell::Text("∂f/∂x".into()), Cell::Num("12".into())],
            vec![Cell::Text("∂f/∂y".into()), Cell::Num("1e-7".into())],
            vec![Cell::Text("∂f/∂z".into()), Cell::Num("inf".into())],
        ];
        assert_eq!(
            render(&rows),
            "value   -4.5\n∂f/∂x   12\n∂f/∂y    1e-7\n∂f/∂z  inf\n"
        );
    }
}
