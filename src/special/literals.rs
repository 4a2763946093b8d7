//! Reference values of the special kernels from mpmath, read from `literals.tsv` (written by
//! `python3 tools/special_literals.py > src/special/literals.tsv`): the constants by name and
//! each kernel's points `(x, f(x))`.

/// The table, compiled in so the tests need no file at run time.
const TABLE: &str = include_str!("literals.tsv");

/// The lines of `text` that are not blank or `#` comments, each split into its three
/// whitespace-separated fields: `kernel x value` (also the format of the sweep files) or
/// `const NAME value`. Panics with the line for any other shape.
pub(super) fn rows(text: &str) -> impl Iterator<Item = [&str; 3]> {
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            match fields[..] {
                [a, b, c] => [a, b, c],
                _ => panic!("bad literal line {line:?}: want three fields"),
            }
        })
}

/// `v` as an f64, which it must be.
pub(super) fn number(v: &str) -> f64 {
    v.parse()
        .unwrap_or_else(|_| panic!("bad number {v:?} in the literals"))
}

/// The points `(x, f(x))` of the kernel `name`, in the table's order. Panics if it has none.
pub(super) fn points(name: &str) -> Vec<(f64, f64)> {
    let p: Vec<_> = rows(TABLE)
        .filter(|r| r[0] == name)
        .map(|r| (number(r[1]), number(r[2])))
        .collect();
    assert!(!p.is_empty(), "no literals for {name}");
    p
}

/// The constant `name`. Panics if the table does not have it.
pub(super) fn constant(name: &str) -> f64 {
    let r = rows(TABLE).find(|r| r[0] == "const" && r[1] == name);
    number(r.unwrap_or_else(|| panic!("no constant {name} in the literals"))[2])
}
