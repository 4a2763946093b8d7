//! [`Dot`]: a picture of the graph, as GraphViz DOT or as SVG drawn without graphviz.

use std::fmt::{self, Display};

use super::picture::{Kind, build, colors, fields};
use crate::error::Result;
use crate::real::Float;
use crate::tape::{Grads, Graph};

/// Significant digits of the numbers in a picture (micrograd prints four decimals).
pub const PICTURE_PRECISION: usize = 4;

/// The largest graph [`Dot::to_svg`] draws unless told otherwise: beyond it a picture is no
/// longer readable, and the SVG would be megabytes.
pub const DEFAULT_MAX_SVG_NODES: usize = 2000;

/// A picture of a [`Graph`], micrograd `draw_dot` style: one box per node with its label, op,
/// data and (given a gradient store) grad, and an edge from each input. Variables (parameters,
/// inputs) are blue, constants grey, the output green; named nodes show their names.
///
/// `Display` writes GraphViz DOT (`dot -Tsvg` draws it); [`to_svg`](Dot::to_svg) draws the
/// picture itself, in pure Rust. Neither recurses, so any depth of graph is fine.
///
/// ```
/// use tapegrad::Graph;
/// use tapegrad::trace::Dot;
///
/// let g = Graph::new();
/// let (w, x) = (g.var_named("w", -3.0), g.var_named("x", 2.0));
/// let y = (w * x).relu();
/// let grads = g.backward(y);
/// let dot = Dot::new(&g).with_grads(&grads).to_string();
/// assert!(dot.contains(r#"n0 [label="{ w | data -3 | grad 0 }""#));
/// assert!(dot.contains("n2 -> n3;"));
/// let svg = Dot::new(&g).with_grads(&grads).to_svg().unwrap();
/// assert_eq!(svg.matches(r#"class="shape""#).count(), 4);
/// ```
#[derive(Clone, Copy)]
pub struct Dot<'a, T: Float = f64> {
    graph: &'a Graph<T>,
    grads: Option<&'a Grads<T>>,
    precision: usize,
    max_svg_nodes: usize,
}

impl<'a, T: Float> Dot<'a, T> {
    /// A picture of every node on `graph`, in record order.
    pub fn new(graph: &'a Graph<T>) -> Self {
        Dot {
            graph,
            grads: None,
            precision: PICTURE_PRECISION,
            max_svg_nodes: DEFAULT_MAX_SVG_NODES,
        }
    }

    /// Shows each node's gradient from `grads` (a store from [`Graph::backward`]). A store
    /// from another graph is ignored.
    pub fn with_grads(mut self, grads: &'a Grads<T>) -> Self {
        self.grads = Some(grads);
        self
    }

    /// Significant digits of the numbers shown (default [`PICTURE_PRECISION`]).
    pub fn with_precision(mut self, digits: usize) -> Self {
        self.precision = digits.max(1);
        self
    }

    /// The largest graph [`to_svg`](Dot::to_svg) draws (default [`DEFAULT_MAX_SVG_NODES`]).
    pub fn with_max_svg_nodes(mut self, n: usize) -> Self {
        self.max_svg_nodes = n;
        self
    }

    /// The picture as an SVG document, laid out and drawn in pure Rust (no graphviz).
    ///
    /// Layers run left to right as in `rankdir=LR`: leaves first, each node one layer after
    /// its deepest input. The work is O(n log n) in the number of nodes; a graph larger than
    /// the limit ([`with_max_svg_nodes`](Dot::with_max_svg_nodes)) is refused with
    /// [`Error::Invalid`](crate::Error::Invalid) rather than drawn unreadably.
    pub fn to_svg(&self) -> Result<String> {
        let n = self.graph.len();
        if n > self.max_svg_nodes {
            return Err(crate::Error::Invalid(format!(
                "the graph has {n} nodes, more than the {} an SVG picture draws; raise the \
                 limit (Dot::with_max_svg_nodes, or --max-nodes of `tapegrad dot`) or use the DOT output",
                self.max_svg_nodes
            )));
        }
        let nodes = build(self.graph, self.grads);
        Ok(super::svg::draw(&nodes, self.precision))
    }
}

/// A record-label field: `{ } | < > " \` are escaped, control characters become spaces.
fn record_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '{' | '}' | '|' | '<' | '>' | '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

impl<T: Float> Display for Dot<'_, T> {
    /// GraphViz DOT: `digraph tapegrad { rankdir=LR; n0 [shape=record, label=…]; n0 -> n2; … }`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nodes = build(self.graph, self.grads);
        f.write_str("digraph tapegrad {\n")?;
        f.write_str("  rankdir=LR;\n")?;
        f.write_str("  node [shape=record, fontname=\"Helvetica\", fontsize=11];\n")?;
        let mut label = String::new();
        for n in &nodes {
            label.clear();
            label.push_str("{ ");
            for (i, field) in fields(n, self.precision).iter().enumerate() {
                if i > 0 {
                    label.push_str(" | ");
                }
                label.push_str(&record_escape(field));
            }
            label.push_str(" }");
            let (fill, line) = colors(n.kind);
            write!(f, "  n{} [label=\"{label}\"", n.id)?;
            if n.kind != Kind::Computed {
                write!(f, ", style=filled, fillcolor=\"{fill}\", color=\"{line}\"")?;
            }
            if n.named {
                f.write_str(", penwidth=2")?;
            }
            f.write_str("];\n")?;
        }
        for n in &nodes {
            for &i in &n.inputs {
                writeln!(f, "  n{} -> n{};", nodes[i].id, n.id)?;
            }
        }
        f.write_str("}\n")
    }
}
