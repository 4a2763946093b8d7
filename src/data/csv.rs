//! Reading numeric CSV files into a [`Dataset`], with errors that name the row and column.

use std::io::Read;
use std::path::Path;

use super::Dataset;
use crate::error::{Error, Result};

/// Which column holds the target.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub enum Target {
    /// The last column (the default).
    #[default]
    Last,
    /// The column at this 0-based index.
    Column(usize),
    /// The column with this header name (needs a header).
    Named(String),
}

/// How to read a CSV file. Every field but the header's must be a finite number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvOptions {
    /// The first line holds column names.
    pub header: bool,
    /// Where the target is; every other column is a feature.
    pub target: Target,
    /// The field separator (default `,`).
    pub delimiter: u8,
}

impl Default for CsvOptions {
    /// A header line, the target in the last column, comma-separated.
    fn default() -> Self {
        CsvOptions {
            header: true,
            target: Target::Last,
            delimiter: b',',
        }
    }
}

impl CsvOptions {
    /// No header line, the target in the last column.
    pub fn no_header() -> Self {
        CsvOptions {
            header: false,
            ..Self::default()
        }
    }
}

/// Reads a data set from a CSV file; errors name the file, and for bad values the row and
/// column (see [`read_csv`]).
pub fn load_csv(path: impl AsRef<Path>, options: &CsvOptions) -> Result<Dataset> {
    let path = path.as_ref();
    let file = std::fs::File::open(path)
        .map_err(|e| Error::Invalid(format!("cannot open {}: {e}", path.display())))?;
    read_csv(file, options).map_err(|e| match e {
        Error::Csv {
            row,
            line,
            col,
            message,
        } => Error::Csv {
            row,
            line,
            col,
            message: format!("{}: {message}", path.display()),
        },
        Error::Invalid(m) => Error::Invalid(format!("{}: {m}", path.display())),
        other => other,
    })
}

/// Reads a data set from CSV text.
///
/// A value that is not a number, or a row of the wrong length, is [`Error::Csv`] with `row` =
/// the data row (1-based, the header not counted), `line` = its line in the file (what an
/// editor shows) and `col` = the 1-based column, and a message that says each once and names
/// the column:
///
/// ```
/// use tapegrad::{Error, data::{CsvOptions, read_csv}};
/// let text = "a,b,label\n1,2,0\n3,x,1\n";
/// let err = read_csv(text.as_bytes(), &CsvOptions::default()).unwrap_err();
/// assert!(matches!(err, Error::Csv { row: 2, line: 3, col: 2, .. }));
/// assert_eq!(err.to_string(), r#"data row 2 (line 3), column 2 "b": "x" is not a number"#);
///
/// let ok = read_csv("1,2,0\n3,4,1\n".as_bytes(), &CsvOptions::no_header()).unwrap();
/// assert_eq!((ok.len(), ok.n_features(), ok.targets()), (2, 2, &[0.0, 1.0][..]));
/// ```
pub fn read_csv(reader: impl Read, options: &CsvOptions) -> Result<Dataset> {
    let mut rdr = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(options.delimiter)
        .from_reader(reader);
    let mut names: Vec<String> = Vec::new();
    let mut ncols = None;
    let mut target = None;
    let mut x = Vec::new();
    let mut y = Vec::new();
    let mut record = ::csv::ByteRecord::new();
    let mut first = true;
    // Data rows read so far (the header is not one).
    let mut row = 0;
    loop {
        match rdr.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line() as usize);
                return Err(Error::Csv {
                    row: row + 1,
                    line,
                    col: 1,
                    message: format!("data row {} (line {line}): {e}", row + 1),
                });
            }
        }
        let line = record.position().map_or(0, |p| p.line() as usize);
        if first && options.header {
            first = false;
            names = record
                .iter()
                .map(|f| String::from_utf8_lossy(f).trim().to_string())
                .collect();
            ncols = Some(names.len());
            continue;
        }
        first = false;
        row += 1;
        let n = *ncols.get_or_insert(record.len());
        if record.len() != n {
            return Err(Error::Csv {
                row,
                line,
                col: record.len().min(n) + 1,
                message: format!(
                    "data row {row} (line {line}) has {} columns, expected {n}",
                    record.len()
                ),
            });
        }
        let t = match target {
            Some(t) => t,
            None => *target.insert(target_index(&options.target, n, &names)?),
        };
        for (j, field) in record.iter().enumerate() {
            let v = parse(field).ok_or_else(|| {
                let name = names
                    .get(j)
                    .map(|s| format!(" \"{s}\""))
                    .unwrap_or_default();
                Error::Csv {
                    row,
                    line,
                    col: j + 1,
                    message: format!(
                        "data row {row} (line {line}), column {}{name}: \"{}\" is not a number",
                        j + 1,
                        String::from_utf8_lossy(field).trim()
                    ),
                }
            })?;
            if j == t {
                y.push(v);
            } else {
                x.push(v);
            }
        }
    }
    let Some(n) = ncols else {
        return Err(Error::Invalid("the CSV text has no rows".into()));
    };
    if n < 2 {
        return Err(Error::Invalid(format!(
            "the CSV rows have {n} column(s); a feature and a target need at least 2"
        )));
    }
    let t = match target {
        Some(t) => t,
        None => target_index(&options.target, n, &names)?,
    };
    let ds = Dataset::new(x, n - 1, y)?;
    if names.is_empty() {
        return Ok(ds);
    }
    let features = names
        .iter()
        .enumerate()
        .filter(|&(j, _)| j != t)
        .map(|(_, s)| s.clone())
        .collect();
    ds.with_feature_names(features)
}

/// The 0-based target column among `n`.
fn target_index(target: &Target, n: usize, names: &[String]) -> Result<usize> {
    match target {
        Target::Last => Ok(n.saturating_sub(1)),
        Target::Column(j) if *j < n => Ok(*j),
        Target::Column(j) => Err(Error::Invalid(format!(
            "target column {j} (0-based) does not exist: the rows have {n} columns"
        ))),
        Target::Named(name) => names.iter().position(|s| s == name).ok_or_else(|| {
            Error::Invalid(format!(
                "no column named \"{name}\" in the header (columns: {})",
                names.join(", ")
            ))
        }),
    }
}

/// A finite number, surrounding spaces allowed.
fn parse(field: &[u8]) -> Option<f64> {
    let v: f64 = std::str::from_utf8(field).ok()?.trim().parse().ok()?;
    v.is_finite().then_some(v)
}
