//! The expression language: a tiny calculator language for writing a function once and getting
//! its value, gradient and Hessian — from Rust, from tests, and from the `tapegrad` command.
//!
//! ```text
//! program  := { assign ';' } expr            statements separated by ';', whitespace ignored
//! assign   := IDENT '=' expr                 binds IDENT to ONE node shared by every later use
//! expr     := term { ('+' | '-') term }      left-associative
//! term     := unary { ('*' | '/') unary }    left-associative
//! unary    := '-' unary | power              -x^2 == -(x^2)
//! power    := atom [ '^' exponent ]          exponent is a constant: x^2, x^-1, x^(-1.5), x^0.5
//! exponent := [ '-' ] NUMBER | '(' [ '-' ] NUMBER ')'
//! atom     := NUMBER | IDENT | FUNC '(' expr { ',' expr } ')' | '(' expr ')'
//! NUMBER   := [0-9]+ ( '.' [0-9]+ )? ( [eE] [+-]? [0-9]+ )?
//! FUNC     := a name in FUNCTIONS           exp, log, tanh, …: one argument; max, min: two
//! ```
//!
//! The functions are those of [`FUNCTIONS`], one per row of the primitive table;
//! `log` is the natural logarithm. Names are letters (any alphabet), digits and `_`, starting
//! with a letter or `_`; function names are reserved.
//!
//! # Meaning
//! - A name used before it is assigned is an **input** of the program ([`Program::inputs`], in
//!   order of first use); its value is given when the program is evaluated.
//! - Every use of a name is **the same node**: in `x * x` one leaf is used twice, so
//!   d/dx = 2x; in `h = tanh(x); h * h` the `tanh` is computed once.
//! - Assigning a name again **rebinds** it; the right-hand side still sees the old binding, so
//!   `c = c + (c + 1)` doubles `c` and adds one, as in Python.
//! - `x ^ k` with an integer-valued constant `k` is repeated multiplication (negative bases are
//!   fine); other exponents use `powf` (NaN for a negative base). The exponent must be a number:
//!   for `x ^ y` write `exp(y * log(x))`.
//!
//! # Use
//! Parse once with [`Program::parse`], then evaluate as often as needed: on a [`Graph`](crate::Graph) to get
//! derivatives ([`Program::eval`]), or with plain numbers ([`Program::eval_f64`]), e.g. for
//! finite differences.
//!
//! ```
//! use tapegrad::Graph;
//! use tapegrad::expr::Program;
//!
//! let p = Program::parse("h = tanh(w * x + b); h * h")?;
//! assert_eq!(p.inputs(), ["w", "x", "b"]);
//!
//! let g = Graph::new();
//! let (w, x, b) = (g.var(0.5), g.var(2.0), g.var(-1.0));
//! let y = p.eval(&g, &[("w", w), ("x", x), ("b", b)])?;
//! let grads = g.backward(y);
//! // y = h², h = tanh(u), u = w·x + b = 0  =>  h = 0 and ∂y/∂w = 2h·(1 − h²)·x = 0
//! assert_eq!((y.value(), grads[w]), (0.0, 0.0));
//!
//! // The same program on plain numbers:
//! let v = p.eval_f64(&[("w", 1.0), ("x", 2.0), ("b", -1.0)])?;
//! assert_eq!(v, 1f64.tanh().powi(2));
//! # Ok::<(), tapegrad::Error>(())
//! ```
//!
//! # Errors
//! Every syntax error is an [`Error::Parse`] with a 1-based line and
//! column (in characters) and, where there is one, a hint:
//!
//! ```
//! use tapegrad::expr::Program;
//! let e = Program::parse("1 + 2*tahn(x)").unwrap_err();
//! assert_eq!(e.to_string(), "error at 1:7: unknown function 'tahn' (did you mean 'tanh'?)");
//! ```
//!
//! # Why a flat program
//! A parsed program is a list of instructions, each referring to earlier ones by index (SSA
//! form), not a tree of boxes. Parsing, evaluating, printing and dropping are all loops, so a
//! million-term sum or 200,000 nested parentheses need no deep recursion anywhere; the parser
//! keeps its pending operators on an explicit stack.

mod display;
mod eval;
mod func;
mod lexer;
mod parser;

use std::fmt;

pub use func::{FUNCTIONS, is_function};
pub use lexer::{is_name_continue, is_name_start};

use crate::error::Error;
use crate::rules::{Fn1, Fn2};

/// A 1-based line and column (counted in characters) in a program's source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pos {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub col: usize,
}

impl Pos {
    /// An [`Error::Parse`] at this position.
    pub fn error(self, message: impl Into<String>) -> Error {
        Error::Parse {
            line: self.line,
            col: self.col,
            message: message.into(),
        }
    }
}

impl fmt::Display for Pos {
    /// `line:col`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// One step of a [`Program`]. Operands are indices of earlier instructions.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum Instr {
    /// The value of input number `i` (see [`Program::inputs`]).
    Input(u32),
    /// A number literal (non-negative and finite).
    Const(f64),
    /// `f(a)`: negation, a one-argument function, or `a ^ k` for an integer `k`
    /// ([`Fn1::Powi`]).
    Unary(Fn1, u32),
    /// `a + b`, `a - b`, `a * b`, `a / b`, `max(a, b)` or `min(a, b)`.
    Binary(Fn2, u32, u32),
    /// `a ^ c` for a constant `c` that is not an integer.
    Powf(u32, f64),
}

impl Instr {
    /// The instructions this one reads, in operand order.
    pub fn operands(&self) -> impl Iterator<Item = u32> {
        let (a, b) = match *self {
            Instr::Input(_) | Instr::Const(_) => (None, None),
            Instr::Unary(_, a) | Instr::Powf(a, _) => (Some(a), None),
            Instr::Binary(_, a, b) => (Some(a), Some(b)),
        };
        a.into_iter().chain(b)
    }
}

/// A parsed program: a flat list of instructions plus the names it reads and binds.
///
/// Parse once, evaluate many times. See the [module docs](self) for the language.
///
/// `Display` prints the program back in the language, with the fewest parentheses that keep
/// its structure; parsing the printed text gives the same program.
///
/// ```
/// use tapegrad::expr::Program;
/// let p = Program::parse("c = a + b;  c = c * (c + 1);  -(c^2) / ((2))")?;
/// assert_eq!(p.to_string(), "c = a + b; c = c * (c + 1); -c^2 / 2");
/// assert_eq!(Program::parse(&p.to_string())?, p);
/// # Ok::<(), tapegrad::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Program {
    code: Vec<Instr>,
    /// Input names, in order of first use.
    inputs: Vec<String>,
    /// Where each input is first used.
    input_pos: Vec<Pos>,
    /// The instruction of each input.
    input_instr: Vec<u32>,
    /// The assignments, in order: (name, instruction bound).
    statements: Vec<(String, u32)>,
    /// The instruction whose value is the program's value.
    result: u32,
}

impl PartialEq for Program {
    /// Same instructions, inputs and assignments; where the source put them does not matter.
    fn eq(&self, other: &Self) -> bool {
        self.code == other.code
            && self.inputs == other.inputs
            && self.statements == other.statements
            && self.result == other.result
    }
}

impl Program {
    /// Parses a program, or returns the first [`Error::Parse`] in it.
    ///
    /// ```
    /// use tapegrad::expr::Program;
    /// let p = Program::parse("y = x^2; y + y")?;
    /// assert_eq!(p.inputs(), ["x"]);
    /// assert_eq!(p.eval_f64(&[("x", 3.0)])?, 18.0);
    ///
    /// let e = Program::parse("max(x)").unwrap_err();
    /// assert_eq!(e.to_string(), "error at 1:1: max takes 2 arguments, but 1 was given");
    /// # Ok::<(), tapegrad::Error>(())
    /// ```
    pub fn parse(src: &str) -> crate::Result<Program> {
        parser::parse(src)
    }

    /// The names the program reads without assigning them first, in order of first use.
    pub fn inputs(&self) -> &[String] {
        &self.inputs
    }

    /// Where input number `i` (in [`inputs`](Program::inputs) order) is first used.
    /// Panics if `i` is out of range.
    ///
    /// ```
    /// use tapegrad::expr::{Pos, Program};
    /// let p = Program::parse("a = 1;\nx * a + y")?;
    /// assert_eq!(p.input_position(1), Pos { line: 2, col: 9 }); // y
    /// # Ok::<(), tapegrad::Error>(())
    /// ```
    pub fn input_position(&self, i: usize) -> Pos {
        self.input_pos[i]
    }

    /// The instructions, in evaluation order; each refers to earlier ones by index.
    pub fn instructions(&self) -> &[Instr] {
        &self.code
    }

    /// The index of the instruction whose value is the program's value.
    pub fn result(&self) -> usize {
        self.result as usize
    }

    /// The assignments in order, each as (name, index of the instruction bound to it).
    pub fn assignments(&self) -> impl Iterator<Item = (&str, usize)> {
        self.statements
            .iter()
            .map(|(name, i)| (name.as_str(), *i as usize))
    }

    /// Number of instructions.
    pub fn len(&self) -> usize {
        self.code.len()
    }

    /// Always false: a program has at least its final expression.
    pub fn is_empty(&self) -> bool {
        self.code.is_empty()
    }
}
