//! The mpmath reference points of `values.tsv` (written by
//! `python3 tools/primitive_tails.py > tests/suite/primitive_tails/values.tsv`).

/// (name, x, f(x), f'(x), f''(x)), every value the f64 nearest to the exact one.
pub type Point = (&'static str, f64, f64, f64, f64);

/// Every point of the table, in its order. Panics with the line for one that is not a name
/// and four numbers, or for an empty table (so no test passes over nothing).
pub fn values() -> Vec<Point> {
    let points: Vec<Point> = include_str!("values.tsv")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|line| {
            let num = |v: &str| {
                v.parse::<f64>()
                    .unwrap_or_else(|_| panic!("bad number {v:?} in {line:?}"))
            };
            match line.split('\t').collect::<Vec<_>>()[..] {
                [name, x, f, d1, d2] => (name, num(x), num(f), num(d1), num(d2)),
                _ => panic!("bad line {line:?}: want a name and four numbers"),
            }
        })
        .collect();
    assert!(!points.is_empty(), "values.tsv has no points");
    points
}
