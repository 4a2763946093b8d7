//! `tapegrad dot EXPR --at ... [-o graph.dot | graph.svg] [--format dot|svg]`: the graph as a
//! picture, each node with its value and gradient.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use tapegrad::Graph;
use tapegrad::trace::{DEFAULT_MAX_SVG_NODES, Dot, PICTURE_PRECISION};

use super::{ExprArgs, Failure, print_out, record};

/// Picture formats of `tapegrad dot`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// GraphViz DOT text.
    Dot,
    /// SVG, drawn in pure Rust (no graphviz needed).
    Svg,
}

/// Arguments of `tapegrad dot`.
#[derive(Args, Debug)]
pub struct DotArgs {
    #[command(flatten)]
    pub expr: ExprArgs,

    /// Write the picture to FILE instead of standard output; a name ending in .svg selects SVG.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Picture format (default: from the output file's extension, else DOT).
    #[arg(long, value_enum)]
    pub format: Option<Format>,

    /// Significant digits of values and gradients in the boxes.
    #[arg(long, value_name = "DIGITS", default_value_t = PICTURE_PRECISION)]
    pub precision: usize,

    /// Draw SVG pictures of up to N nodes (bigger ones are refused; DOT has no limit).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_SVG_NODES)]
    pub max_nodes: usize,
}

/// Runs `tapegrad dot`.
pub fn run(args: DotArgs) -> Result<ExitCode, Failure> {
    let program = args.expr.program()?;
    let point = args.expr.point(&program)?;
    let g = Graph::new();
    let (_, y) = record(&g, &program, &point)?;
    let grads = g.try_backward(y)?;
    let format = args.format.unwrap_or_else(|| {
        let svg = args
            .output
            .as_ref()
            .and_then(|p| p.extension())
            .is_some_and(|e| e.eq_ignore_ascii_case("svg"));
        if svg { Format::Svg } else { Format::Dot }
    });
    let dot = Dot::new(&g)
        .with_grads(&grads)
        .with_precision(args.precision)
        .with_max_svg_nodes(args.max_nodes);
    let picture = match format {
        Format::Dot => dot.to_string(),
        Format::Svg => dot.to_svg()?,
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, &picture)
                .map_err(|e| Failure::new(format!("cannot write '{}': {e}", path.display())))?;
            // Say what was written: with -o nothing else appears on the terminal.
            let what = match format {
                Format::Dot => "GraphViz DOT",
                Format::Svg => "SVG",
            };
            print_out(&format!(
                "wrote {} ({what} picture of {} nodes, {} bytes)\n",
                path.display(),
                g.len(),
                picture.len()
            ))?;
        }
        None => print_out(&picture)?,
    }
    Ok(ExitCode::SUCCESS)
}
