//! The `tapegrad` command line: argument definitions and the pieces subcommands share.
//!
//! One file per subcommand (`grad.rs`, …), each with an `Args` struct and a `run` function
//! returning `Result<ExitCode, Failure>`. Shared here: reading the expression (`EXPR`, `-` for
//! standard input, `@FILE`), parsing `--at x=1.5,y=-2`, number formatting for tables and JSON,
//! and the error convention: bad input prints one line on stderr and exits with status 2.
//!
//! To add a subcommand: a new file with `#[derive(Args)] struct XArgs` (flatten [`ExprArgs`]
//! for `EXPR --at ...`) and `fn run(XArgs) -> Result<ExitCode, Failure>`, one variant in
//! [`Command`] and one arm in [`main`]. `?` turns a `tapegrad::Error` into a [`Failure`]; a
//! subcommand that has a verdict (a failed check) returns its own `ExitCode` instead.

mod check;
mod dot;
mod grad;
#[cfg(feature = "serve")]
mod serve;
mod table;
mod trace;

use std::collections::HashSet;
use std::io::{self, Read, Write};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use tapegrad::expr::{self, Program};
use tapegrad::{Graph, Var};

/// Exact gradients and Hessians of expressions, from the shell.
#[derive(Parser, Debug)]
#[command(name = "tapegrad", version)]
#[command(after_help = language_help())]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The expression language, shown under `--help`; the functions are the language's own list.
fn language_help() -> String {
    format!(
        "Expressions: + - * / and unary -, x^k with a constant k (x^2, x^-1, x^(0.5)),\n\
         the functions {},\n\
         and assignments before the final expression: \"h = tanh(w*x + b); h*h\".\n\
         Every use of a name is the same node.",
        expr::FUNCTIONS.join(" ")
    )
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Value, gradient and (with --hessian) Hessian of EXPR at a point.
    ///
    /// Example: tapegrad grad "x^2 * y + sin(y)" --at x=1.5,y=-2 --hessian
    Grad(grad::GradArgs),
    /// Check hand-derived partial derivatives (--d x=FORMULA) against the engine and finite
    /// differences, at --at or at random points; exit 1 when one disagrees.
    ///
    /// Example: tapegrad check "x^2 * y" --d x="2*x*y" --d y="x^2" --samples 200
    Check(check::CheckArgs),
    /// The backward sweep step by step: for every node the upstream gradient, each local
    /// partial with its rule, the contribution sent and the gradient accumulated so far.
    ///
    /// Example: tapegrad trace "tanh(w*x + b)" --at w=0.5,x=2,b=-1
    Trace(trace::TraceArgs),
    /// The graph as a picture: GraphViz DOT, or SVG drawn without graphviz (-o graph.svg).
    ///
    /// Example: tapegrad dot "tanh(w*x + b)" --at w=0.5,x=2,b=-1 -o neuron.svg
    Dot(dot::DotArgs),
    /// The browser playground: the graph of an expression and its backward sweep step by
    /// step, and a small network training live. Listens on 127.0.0.1 unless told otherwise.
    ///
    /// Example: tapegrad serve --port 8000, then open http://127.0.0.1:8000/
    #[cfg(feature = "serve")]
    Serve(serve::ServeArgs),
}

/// Runs the command line; the process exit status.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Grad(args) => grad::run(args),
        Command::Check(args) => check::run(args),
        Command::Trace(args) => trace::run(args),
        Command::Dot(args) => dot::run(args),
        #[cfg(feature = "serve")]
        Command::Serve(args) => serve::run(args),
    };
    match result {
        Ok(code) => code,
        Err(failure) => {
            eprintln!("{}", failure.0);
            ExitCode::from(2)
        }
    }
}

/// Bad input: one line for stderr; the command exits with status 2.
#[derive(Debug)]
pub struct Failure(String);

impl Failure {
    /// A failure with a message that does not come from the library (`error: ` is prepended).
    pub fn new(message: impl std::fmt::Display) -> Self {
        Failure(format!("error: {message}"))
    }
}

impl From<tapegrad::Error> for Failure {
    fn from(e: tapegrad::Error) -> Self {
        match e {
            // Parse errors already read "error at 1:7: ...".
            tapegrad::Error::Parse { .. } => Failure(one_line(&e.to_string())),
            _ => Failure::new(one_line(&e.to_string())),
        }
    }
}

/// A parse error as the playground shows it: the message, then the source line and a caret
/// under the column (so three lines on stderr: the one exception to one line, because the
/// caret is the point). `prefix` names where the source came from (`--d x: `).
pub fn parse_failure(prefix: &str, source: &str, e: tapegrad::Error) -> Failure {
    let tapegrad::Error::Parse { line, col, .. } = e else {
        return Failure::from(e);
    };
    let message = one_line(&e.to_string());
    let text = source.lines().nth(line.saturating_sub(1)).unwrap_or("");
    // Tabs keep their width in the caret line so the caret lands under the column.
    let pad: String = text
        .chars()
        .take(col.saturating_sub(1))
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    Failure(format!("{prefix}{message}\n  {text}\n  {pad}^"))
}

/// Joins a message's lines so stderr gets exactly one.
fn one_line(s: &str) -> String {
    s.lines().map(str::trim).collect::<Vec<_>>().join(" ")
}

/// The arguments every expression subcommand takes: the expression and the point.
#[derive(Args, Debug)]
pub struct ExprArgs {
    /// The expression, e.g. "x^2 * y + sin(y)"; `-` reads it from standard input and @FILE
    /// from a file (for long expressions).
    #[arg(value_name = "EXPR", allow_hyphen_values = true)]
    pub expr: String,

    /// Values of the variables: --at x=1.5,y=-2 (or repeated: --at x=1.5 --at y=-2).
    /// Variables are reported in this order.
    #[arg(long, value_name = "NAME=VALUE,...")]
    pub at: Vec<String>,
}

impl ExprArgs {
    /// Reads and parses the expression.
    pub fn program(&self) -> Result<Program, Failure> {
        let source = read_source(&self.expr)?;
        Program::parse(&source).map_err(|e| parse_failure("", &source, e))
    }

    /// The `--at` values, in the order given, after checking that every input of `program`
    /// has one.
    pub fn point(&self, program: &Program) -> Result<Vec<(String, f64)>, Failure> {
        let point = parse_at(&self.at)?;
        for (i, name) in program.inputs().iter().enumerate() {
            if !point.iter().any(|(n, _)| n == name) {
                return Err(Failure(format!(
                    "error at {}: '{name}' has no value; give it a value with --at {name}=...",
                    program.input_position(i)
                )));
            }
        }
        Ok(point)
    }
}

/// Records `program` on `g` with one named leaf per `--at` variable, used or not (an unused
/// one has gradient 0); returns the leaves in `--at` order and the output node.
pub fn record<'g>(
    g: &'g Graph,
    program: &Program,
    point: &[(String, f64)],
) -> tapegrad::Result<(Vec<Var<'g>>, Var<'g>)> {
    let vars: Vec<Var<'_>> = point.iter().map(|(n, v)| g.var_named(n, *v)).collect();
    let bindings: Vec<(&str, Var<'_>)> = point
        .iter()
        .zip(&vars)
        .map(|((n, _), &v)| (n.as_str(), v))
        .collect();
    let y = program.eval(g, &bindings)?;
    Ok((vars, y))
}

/// The expression text: the argument itself, standard input for `-`, a file for `@FILE`.
pub fn read_source(arg: &str) -> Result<String, Failure> {
    if arg == "-" {
        let mut s = String::new();
        io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| Failure::new(format!("cannot read the expression from stdin: {e}")))?;
        Ok(s)
    } else if let Some(path) = arg.strip_prefix('@') {
        std::fs::read_to_string(path)
            .map_err(|e| Failure::new(format!("cannot read the expression from '{path}': {e}")))
    } else {
        Ok(arg.to_string())
    }
}

/// Parses `--at` arguments: each is `NAME=VALUE` entries separated by commas. Names must be
/// variable names (not function names) and appear once; values are numbers (`inf` and `nan`
/// are accepted too).
pub fn parse_at(args: &[String]) -> Result<Vec<(String, f64)>, Failure> {
    parse_assignments("--at", args)
}

/// Parses a direction (`--jvp`, `--hvp`): entries as in `--at`, each naming a variable that
/// `point` gives; the result is in `point`'s order, 0 for a variable the direction leaves out.
pub fn parse_direction(
    flag: &str,
    args: &[String],
    point: &[(String, f64)],
) -> Result<Vec<f64>, Failure> {
    let mut v = vec![0.0; point.len()];
    for (name, value) in parse_assignments(flag, args)? {
        let Some(i) = point.iter().position(|(n, _)| *n == name) else {
            return Err(Failure::new(format!(
                "{flag} names '{name}', which --at does not give; add --at {name}=..."
            )));
        };
        v[i] = value;
    }
    Ok(v)
}

/// `NAME=VALUE` entries separated by commas, from the arguments of option `flag`.
fn parse_assignments(flag: &str, args: &[String]) -> Result<Vec<(String, f64)>, Failure> {
    let mut out: Vec<(String, f64)> = Vec::new();
    let mut seen = HashSet::new();
    for arg in args {
        for entry in arg.split(',') {
            let bad = |why: String| Failure::new(format!("{flag} '{}': {why}", entry.trim()));
            if entry.trim().is_empty() {
                return Err(Failure::new(format!("{flag} '{arg}': an entry is empty")));
            }
            let Some((name, value)) = entry.split_once('=') else {
                return Err(bad("expected NAME=VALUE, like x=1.5".into()));
            };
            let (name, value) = (name.trim(), value.trim());
            if !is_name(name) {
                return Err(bad(format!("'{name}' is not a variable name")));
            }
            if expr::is_function(name) {
                return Err(bad(format!("'{name}' is a function name, not a variable")));
            }
            let v: f64 = value
                .parse()
                .map_err(|_| bad(format!("'{value}' is not a number")))?;
            if !seen.insert(name.to_string()) {
                return Err(bad(format!("'{name}' is given a value twice")));
            }
            out.push((name.to_string(), v));
        }
    }
    Ok(out)
}

/// True for a name the expression language accepts as a variable.
fn is_name(s: &str) -> bool {
    let mut cs = s.chars();
    cs.next().is_some_and(expr::is_name_start) && cs.all(expr::is_name_continue)
}

/// A number for people: shortest text that reads back to the same `f64`, scientific for very
/// large or small magnitudes; `inf`, `-inf`, `nan`.
pub fn human_number(v: f64) -> String {
    if v.is_nan() {
        "nan".into()
    } else if v.is_infinite() {
        if v > 0.0 { "inf" } else { "-inf" }.into()
    } else if v != 0.0 && !(1e-5..1e16).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// A number as JSON; non-finite numbers (which JSON lacks) are the strings "inf", "-inf",
/// "nan".
pub fn json_number(v: f64) -> String {
    match serde_json::Number::from_f64(v) {
        Some(n) => n.to_string(),
        None => format!("\"{}\"", human_number(v)),
    }
}

/// A list of numbers as a JSON array.
pub fn json_numbers(vs: &[f64]) -> String {
    let items: Vec<String> = vs.iter().map(|&v| json_number(v)).collect();
    format!("[{}]", items.join(", "))
}

/// A string as JSON.
pub fn json_string(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// Writes the command's output to stdout; a closed pipe (`| head`) is not an error.
pub fn print_out(text: &str) -> Result<(), Failure> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            Err(Failure::new(format!("cannot write the output: {e}")))
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(args: &[&str]) -> Result<Vec<(String, f64)>, String> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        parse_at(&args).map_err(|f| f.0)
    }

    #[test]
    fn at_lists_and_repeats_keep_order() {
        let want = vec![
            ("y".to_string(), -2.0),
            ("x".into(), 1.5),
            ("θ".into(), 0.0),
        ];
        assert_eq!(at(&["y=-2, x = 1.5", "θ=0"]), Ok(want));
        assert_eq!(at(&[]), Ok(vec![]));
    }

    #[test]
    fn at_errors() {
        assert_eq!(
            at(&["x=abc"]),
            Err("error: --at 'x=abc': 'abc' is not a number".into())
        );
        assert_eq!(
            at(&["x"]),
            Err("error: --at 'x': expected NAME=VALUE, like x=1.5".into())
        );
        assert_eq!(
            at(&["x=1", "x=2"]),
            Err("error: --at 'x=2': 'x' is given a value twice".into())
        );
        assert_eq!(
            at(&["2x=1"]),
            Err("error: --at '2x=1': '2x' is not a variable name".into())
        );
        assert_eq!(
            at(&["exp=1"]),
            Err("error: --at 'exp=1': 'exp' is a function name, not a variable".into())
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(json_number(2.0), "2.0");
        assert_eq!(json_number(-0.25), "-0.25");
        assert_eq!(json_number(f64::INFINITY), "\"inf\"");
        assert_eq!(json_number(f64::NEG_INFINITY), "\"-inf\"");
        assert_eq!(json_number(f64::NAN), "\"nan\"");
        assert_eq!(human_number(2.0), "2");
        assert_eq!(human_number(1e300), "1e300");
        assert_eq!(human_number(-1.5e-7), "-1.5e-7");
        assert_eq!(json_string("a\"b"), "\"a\\\"b\"");
    }
}
