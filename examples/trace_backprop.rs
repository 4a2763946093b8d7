//! Backpropagation through one neuron, step by step: the trace table of the reverse sweep, and
//! the graph as SVG (drawn in pure Rust) and GraphViz DOT.
//!
//! ```text
//! cargo run --example trace_backprop                  # files go to the system temp dir
//! cargo run --example trace_backprop -- out/neuron.svg # neuron.svg and neuron.dot in out/
//! cargo run --example trace_backprop -- out/ --ascii   # a directory, and a 7-bit table
//! ```
//!
//! The neuron is the one of micrograd's lecture: o = tanh(x1·w1 + x2·w2 + b), with the bias
//! chosen so that n = x1·w1 + x2·w2 + b = 0.8814 and o = 0.7071, where tanh'(n) = 1 − o² = 0.5.

use std::path::PathBuf;
use std::process::ExitCode;

use tapegrad::Graph;
use tapegrad::trace::{Dot, TextStyle, Trace};

fn main() -> ExitCode {
    let mut style = TextStyle::Unicode;
    let mut out: Option<PathBuf> = None;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--ascii" => style = TextStyle::Ascii,
            "-h" | "--help" => {
                println!("usage: trace_backprop [OUT.svg | OUT_DIR] [--ascii]");
                return ExitCode::SUCCESS;
            }
            _ if out.is_none() => out = Some(PathBuf::from(arg)),
            _ => {
                eprintln!(
                    "error: unexpected argument '{arg}' (usage: trace_backprop [OUT.svg | OUT_DIR] [--ascii])"
                );
                return ExitCode::from(2);
            }
        }
    }

    let g = Graph::new();
    let x1 = g.var_named("x1", 2.0);
    let x2 = g.var_named("x2", 0.0);
    let w1 = g.var_named("w1", -3.0);
    let w2 = g.var_named("w2", 1.0);
    let b = g.var_named("b", 6.881_373_587_019_543);
    let x1w1 = x1 * w1;
    let x2w2 = x2 * w2;
    let sum = x1w1 + x2w2;
    let n = sum + b;
    let o = n.tanh();
    for (v, name) in [
        (x1w1, "x1·w1"),
        (x2w2, "x2·w2"),
        (sum, "x1·w1 + x2·w2"),
        (n, "n"),
        (o, "o"),
    ] {
        g.set_name(v, name).expect("a live node of this graph");
    }

    let trace = Trace::new(&g, o).with_precision(4);
    println!("{}", trace.to_text(style));

    let grads = g.backward(o);
    let dot = Dot::new(&g).with_grads(&grads);
    let (svg_path, dot_path) = match out {
        Some(p) if p.extension().is_some_and(|e| e == "svg") => {
            let d = p.with_extension("dot");
            (p, d)
        }
        Some(dir) => (dir.join("neuron.svg"), dir.join("neuron.dot")),
        None => {
            let dir = std::env::temp_dir().join("tapegrad_trace_backprop");
            (dir.join("neuron.svg"), dir.join("neuron.dot"))
        }
    };
    let svg = match dot.to_svg() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(parent) = svg_path.parent().filter(|p| !p.as_os_str().is_empty())
        && let Err(e) = std::fs::create_dir_all(parent)
    {
        eprintln!("error: cannot create {}: {e}", parent.display());
        return ExitCode::FAILURE;
    }
    for (path, text) in [(&svg_path, svg), (&dot_path, dot.to_string())] {
        if let Err(e) = std::fs::write(path, text) {
            eprintln!("error: cannot write {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    println!("wrote {} (open it in a browser)", svg_path.display());
    println!(
        "wrote {} (`dot -Tpng` draws it with graphviz)",
        dot_path.display()
    );
    ExitCode::SUCCESS
}
