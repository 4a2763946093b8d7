//! `tapegrad trace EXPR --at ... [--format text|markdown|json] [--ascii] [--limit N]`:
//! the reverse sweep, step by step.

use std::process::ExitCode;

use clap::{Args, ValueEnum};
use tapegrad::Graph;
use tapegrad::trace::{DEFAULT_LIMIT, DEFAULT_PRECISION, TextStyle, Trace};

use super::grad::anomaly_exit;
use super::{ExprArgs, Failure, print_out, record};

/// Output formats of `tapegrad trace`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    /// Aligned tables (Unicode box drawing; `--ascii` for plain ASCII).
    Text,
    /// Markdown tables.
    Markdown,
    /// One JSON object with the forward record and every step.
    Json,
}

/// Arguments of `tapegrad trace`.
#[derive(Args, Debug)]
pub struct TraceArgs {
    #[command(flatten)]
    pub expr: ExprArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Plain ASCII tables instead of Unicode box drawing (text format).
    #[arg(long)]
    pub ascii: bool,

    /// At most N rows per table; the rest is summarised as "… N more steps".
    #[arg(long, value_name = "N", default_value_t = DEFAULT_LIMIT)]
    pub limit: usize,

    /// Print every row, however many.
    #[arg(long, conflicts_with = "limit")]
    pub no_limit: bool,

    /// Significant digits of the numbers in tables (JSON keeps every digit).
    #[arg(long, value_name = "DIGITS", default_value_t = DEFAULT_PRECISION)]
    pub precision: usize,

    /// Stop at the first NaN or infinity, forward or backward, naming the op that made it;
    /// exit status 1 when one is found.
    #[arg(long)]
    pub check_nan: bool,
}

/// Runs `tapegrad trace`.
pub fn run(args: TraceArgs) -> Result<ExitCode, Failure> {
    let program = args.expr.program()?;
    let point = args.expr.point(&program)?;
    let g = Graph::new();
    g.set_detect_anomaly(args.check_nan);
    let traced = (|| {
        let (_, y) = record(&g, &program, &point)?;
        if args.check_nan {
            g.try_backward(y)?;
        }
        Trace::try_new(&g, y)
    })();
    let trace = match traced {
        Ok(t) => t,
        Err(e) => return anomaly_exit(e),
    };
    let trace = trace
        .with_limit((!args.no_limit).then_some(args.limit))
        .with_precision(args.precision);
    let style = if args.ascii {
        TextStyle::Ascii
    } else {
        TextStyle::Unicode
    };
    let mut out = match args.format {
        Format::Text => trace.to_text(style),
        Format::Markdown => trace.to_markdown(),
        Format::Json => trace.to_json(),
    };
    if !out.ends_with('\n') {
        out.push('\n');
    }
    print_out(&out)?;
    Ok(ExitCode::SUCCESS)
}
