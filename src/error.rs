//! The crate's one error type.
//!
//! Every fallible operation returns [`Result<T>`](Result). Operator forms (`a + b`, `x.exp()`)
//! panic with the same message; their `try_*` twins return the error instead.

use std::fmt;

/// Everything that can go wrong in tapegrad, with enough context to fix it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Two handles from different [`Graph`](crate::Graph)s were combined in one operation.
    #[error(
        "`{op}` combines variables from two different graphs; create every variable of one \
         expression on the same Graph"
    )]
    ForeignGraph {
        /// The operation that received the foreign handle.
        op: &'static str,
    },
    /// A handle refers to a node that was freed by [`Graph::rewind`](crate::Graph::rewind) or
    /// [`Graph::clear`](crate::Graph::clear).
    #[error(
        "`{op}` was given a variable whose node was freed by rewind/clear; \
         keep values that must survive a step (parameters) before the mark"
    )]
    StaleHandle {
        /// The operation that received the stale handle.
        op: &'static str,
    },
    /// A [`Mark`](crate::Mark) from another graph, or one already rewound past.
    #[error("invalid mark: {0}")]
    InvalidMark(&'static str),
    /// Only leaves (variables and constants) may have their value set.
    #[error(
        "cannot set the value of a computed node ({op}); only leaves created with var/constant can be set"
    )]
    NotALeaf {
        /// The op of the node.
        op: &'static str,
    },
    /// Tensor shapes that do not fit together. The message says what does not fit for the ops
    /// where "a vs b" alone would mislead (`matmul`'s inner dimensions, `as_var`'s rank).
    #[error("{}", shape_message(op, lhs, rhs))]
    Shape {
        /// The operation.
        op: &'static str,
        /// Shape of the left (or only) operand.
        lhs: Vec<usize>,
        /// Shape of the right operand, or the requested shape.
        rhs: Vec<usize>,
    },
    /// A syntax or name error in the expression language, at a 1-based line and column.
    #[error("error at {}: {message}", Pos { line: *line, col: *col })]
    Parse {
        /// 1-based line.
        line: usize,
        /// 1-based column (in characters).
        col: usize,
        /// What is wrong, with a hint where there is one.
        message: String,
    },
    /// A CSV file that cannot be read as numbers: the data row (1-based, the header not
    /// counted), its line in the file (1-based, what an editor shows) and the 1-based column;
    /// the message says each once, e.g. `data row 7 (line 8), column 2 "x2": "abc" is not a
    /// number`.
    #[error("{message}")]
    Csv {
        /// 1-based data row (the header not counted).
        row: usize,
        /// 1-based line in the file.
        line: usize,
        /// 1-based column.
        col: usize,
        /// What is wrong, with the row, line and column.
        message: String,
    },
    /// Anomaly mode found a NaN or infinity: where, in which op, from which numbers.
    #[error("{0}")]
    Anomaly(Box<crate::anomaly::Anomaly>),
    /// A user-defined [`Primitive`](crate::Primitive) applied to the wrong number of inputs,
    /// or whose pullback returned the wrong number of contributions.
    #[error("{}", ProblemMessage { name, problem })]
    Primitive {
        /// The primitive's name.
        name: &'static str,
        /// What is wrong.
        problem: PrimitiveProblem,
    },
    /// An argument outside what the function accepts.
    #[error("invalid argument: {0}")]
    Invalid(String),
    /// A checkpointed segment that cannot be recomputed as it ran: its outputs were freed by
    /// rewind, or running it again gave other values or shapes (parameters changed between
    /// the forward and the backward pass, or the segment is not deterministic).
    #[error("checkpoint segment {segment}: {problem}")]
    Checkpoint {
        /// The segment, numbered from 0 in the order the segments were recorded.
        segment: usize,
        /// What went wrong, and what to do about it.
        problem: String,
    },
    /// A model file (safetensors) that is malformed or does not fit the model: the tensor it
    /// is about (`None` when the header as a whole is wrong) and what is wrong with it.
    #[error("{}", ModelFileMessage { file: file.as_deref(), tensor: tensor.as_deref(), problem })]
    ModelFile {
        /// The file's path, when it was read from a file.
        file: Option<String>,
        /// The tensor's name.
        tensor: Option<String>,
        /// What is wrong.
        problem: ModelFileProblem,
    },
}

/// `model file PATH: tensor "NAME" PROBLEM`.
struct ModelFileMessage<'a> {
    file: Option<&'a str>,
    tensor: Option<&'a str>,
    problem: &'a ModelFileProblem,
}

impl fmt::Display for ModelFileMessage<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("model file")?;
        if let Some(file) = self.file {
            write!(f, " {file}")?;
        }
        f.write_str(": ")?;
        if let Some(tensor) = self.tensor {
            write!(f, "tensor {tensor:?} ")?;
        }
        write!(f, "{}", self.problem)
    }
}

/// The message of [`Error::Shape`].
fn shape_message(op: &str, lhs: &[usize], rhs: &[usize]) -> String {
    let x = |s: &[usize]| {
        s.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("x")
    };
    match op {
        // NumPy's rule: a 1-D operand is a row on the left and a column on the right.
        "matmul" if !lhs.is_empty() && !rhs.is_empty() => {
            let k = lhs[lhs.len() - 1];
            let k2 = rhs[rhs.len().saturating_sub(2)];
            if k != k2 {
                let count =
                    |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
                format!(
                    "`matmul`: {lhs:?} and {rhs:?} cannot be multiplied: the inner dimensions \
                     differ ({} on the left, {} on the right; as PyTorch says, \
                     mat1 and mat2 shapes cannot be multiplied ({} and {})); did you mean to \
                     transpose one of them (`.transpose(-2, -1)`)?",
                    count(k, "column"),
                    count(k2, "row"),
                    x(lhs),
                    x(rhs)
                )
            } else {
                format!(
                    "`matmul`: the batch dimensions of {lhs:?} and {rhs:?} do not broadcast \
                     (everything before the last two dimensions must be equal or 1)"
                )
            }
        }
        "as_var" => format!(
            "`as_var` needs a scalar (rank-0) tensor, got shape {lhs:?}: backward needs a \
             scalar loss, so reduce the tensor first (`.sum()` or `.mean()`), or for a \
             vector-Jacobian product multiply by an upstream tensor u of shape {lhs:?} and sum: \
             `(t * u).sum()`"
        ),
        _ => format!("shape mismatch in `{op}`: {lhs:?} vs {rhs:?}"),
    }
}

/// `line:col` for error messages.
struct Pos {
    line: usize,
    col: usize,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// `Result` with tapegrad's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Unwraps a result of an infallible operator form, panicking with the error's message.
#[track_caller]
pub(crate) fn or_panic<T>(r: Result<T>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("tapegrad: {e}"),
    }
}

/// [`Error::Shape`] named `op` (the length wanted, then the length given) unless `got` is
/// `expected`: the check of one length against another that many operations make.
pub(crate) fn same_len(op: &'static str, expected: usize, got: usize) -> Result<()> {
    if got != expected {
        return Err(Error::Shape {
            op,
            lhs: vec![expected],
            rhs: vec![got],
        });
    }
    Ok(())
}

/// Writes a `try_` function and its panicking twin from one argument list, so the two cannot
/// drift apart: the input is the twin's doc comment and `pub fn NAME;`, then the `try_` form
/// as it is written by hand (returning `Result<R>`); the output adds `NAME` with the same
/// arguments, returning `R`, `#[track_caller]`, panicking through [`or_panic`] with the
/// error's message.
macro_rules! with_panicking_twin {
    (
        $(#[$twin_attr:meta])*
        $twin_vis:vis fn $twin:ident;
        $(#[$attr:meta])*
        $vis:vis fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> Result<$ret:ty> $body:block
    ) => {
        $(#[$twin_attr])*
        #[track_caller]
        $twin_vis fn $twin($($arg: $ty),*) -> $ret {
            $crate::error::or_panic(Self::$name($($arg),*))
        }

        $(#[$attr])*
        $vis fn $name($($arg: $ty),*) -> Result<$ret> $body
    };
    // The same for a method taking `self` by value (matched as an ident, so that the body's
    // `self` is the caller's).
    (
        $(#[$twin_attr:meta])*
        $twin_vis:vis fn $twin:ident;
        $(#[$attr:meta])*
        $vis:vis fn $name:ident($self:ident $(, $arg:ident: $ty:ty)* $(,)?) -> Result<$ret:ty>
            $body:block
    ) => {
        $(#[$twin_attr])*
        #[track_caller]
        $twin_vis fn $twin($self $(, $arg: $ty)*) -> $ret {
            $crate::error::or_panic($self.$name($($arg),*))
        }

        $(#[$attr])*
        $vis fn $name($self $(, $arg: $ty)*) -> Result<$ret> $body
    };
}
pub(crate) use with_panicking_twin;

/// What is wrong with a primitive's declaration or use ([`Error::Primitive`](crate::Error)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PrimitiveProblem {
    /// It was applied to a number of inputs other than its [`arity`](crate::Primitive::arity).
    Arity {
        /// Its arity.
        expected: usize,
        /// How many inputs it was given.
        got: usize,
    },
    /// Its pullback returned a number of contributions other than its arity.
    Contributions {
        /// Its arity.
        expected: usize,
        /// How many contributions the pullback returned.
        got: usize,
    },
}

/// The message of [`Error::Primitive`](crate::Error::Primitive): what is wrong and what to fix.
pub(crate) struct ProblemMessage<'a> {
    pub(crate) name: &'a str,
    pub(crate) problem: &'a PrimitiveProblem,
}

impl fmt::Display for ProblemMessage<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.name;
        match *self.problem {
            PrimitiveProblem::Arity { expected, got } => write!(
                f,
                "primitive `{name}` takes {expected} input(s) (its arity()) but was applied to \
                 {got}; pass exactly {expected}, or fix arity()"
            ),
            PrimitiveProblem::Contributions { expected, got } => write!(
                f,
                "the pullback of primitive `{name}` returned {got} contribution(s) for its \
                 {expected} input(s); return one g·∂y/∂xⱼ per input, in input order"
            ),
        }
    }
}

/// What is wrong with a model file, or with one of its tensors.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ModelFileProblem {
    /// The file's header is not a safetensors header (too short, not JSON, not an object of
    /// tensors, longer than the file).
    Header(String),
    /// A tensor's entry in the header is malformed (a field missing or of the wrong type, an
    /// unknown dtype).
    Entry(String),
    /// A tensor's data does not fit: its byte range disagrees with its dtype and shape, lies
    /// outside the file, overlaps another tensor's or leaves a gap.
    Data(String),
    /// The model has the tensor and the file does not.
    Missing {
        /// The model's shape for it.
        shape: Vec<usize>,
        /// The tensors the file has.
        file_has: Vec<String>,
    },
    /// The file has a tensor the model does not (a different architecture).
    Unexpected,
    /// The tensor's dtype in the file is not the model's.
    Dtype {
        /// The dtype in the file.
        file: String,
        /// The dtype the model needs.
        model: String,
    },
    /// The tensor's dtype is not a floating-point type (reading values as numbers).
    NotFloat(String),
    /// The tensor's shape in the file is not the model's.
    Shape {
        /// The shape in the file.
        file: Vec<usize>,
        /// The shape the model needs.
        model: Vec<usize>,
    },
}

impl std::fmt::Display for ModelFileProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ModelFileProblem::Header(m) | ModelFileProblem::Entry(m) => f.write_str(m),
            ModelFileProblem::Data(m) => f.write_str(m),
            ModelFileProblem::Missing { shape, file_has } => write!(
                f,
                "(shape {shape:?}) is missing from the file (it has: {})",
                file_has.join(", ")
            ),
            ModelFileProblem::Unexpected => f.write_str(
                "is in the file but not in the model (the file is of a different architecture)",
            ),
            ModelFileProblem::Dtype { file, model } => {
                write!(f, "has dtype {file} in the file, the model needs {model}")
            }
            ModelFileProblem::NotFloat(dtype) => {
                write!(f, "has dtype {dtype}, not a floating-point type")
            }
            ModelFileProblem::Shape { file, model } => {
                write!(
                    f,
                    "has shape {file:?} in the file, the model needs {model:?}"
                )
            }
        }
    }
}
