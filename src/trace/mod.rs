//! Seeing backpropagation: a step-by-step trace of the reverse sweep, and pictures of the graph.
//!
//! - [`Trace`]: for one loss, the forward record and then every step of the backward pass —
//!   the upstream gradient arriving at each node, the local partial of each input with its rule
//!   (`∂tanh(a)/∂a = 1 − y² = 0.42`), the contribution sent, and the gradient accumulated so far.
//!   As an aligned table (Unicode or ASCII), Markdown, or JSON. The trace is an observer of
//!   [`Graph::backward`](crate::Graph::backward)'s own loop, so its numbers are backward's.
//!   Tensor ops are traced with their shapes; text summarizes each tensor (shape, norm, first
//!   elements), JSON has every element.
//! - [`Dot`]: the graph in GraphViz DOT, micrograd's `draw_dot` style (one box per node:
//!   label, op, data, grad), and [`Dot::to_svg`], the same picture as SVG drawn in pure Rust,
//!   so no graphviz install is needed.
//!
//! Nodes are labelled by their position in the record, `n0`, `n1`, …, or by their name when
//! they have one ([`Graph::var_named`](crate::Graph::var_named)); the trace and the pictures use
//! the same labels.
//!
//! ```
//! use tapegrad::Graph;
//! use tapegrad::trace::{Dot, TextStyle, Trace};
//!
//! let g = Graph::new();
//! let x = g.var_named("x", 3.0);
//! let y = x * x;
//! let trace = Trace::new(&g, y);
//! // One step: the product sends b·1 = 3 to its first operand, then a·1 = 3 to its second;
//! // both are x, which ends with 6 = 2x.
//! let acc: Vec<_> = trace.steps()[0].inputs.iter().map(|c| c.accumulated).collect();
//! assert_eq!(acc, [Some(3.0), Some(6.0)]);
//! println!("{}", trace.to_text(TextStyle::Ascii));
//!
//! let grads = g.backward(y);
//! let dot = Dot::new(&g).with_grads(&grads).to_string();
//! assert!(dot.starts_with("digraph"));
//! let svg = Dot::new(&g).with_grads(&grads).to_svg().unwrap();
//! assert!(svg.contains("<svg"));
//! ```
//!
//! Nothing here recurses: the forward record is one pass, the sweep one reverse loop, and the
//! layout of the pictures works layer by layer, so graphs of any depth are fine.

mod dot;
mod layout;
mod num;
mod picture;
mod render;
mod rule;
mod svg;
mod sweep;
mod table;

pub use dot::{DEFAULT_MAX_SVG_NODES, Dot, PICTURE_PRECISION};
#[cfg(feature = "serve")]
pub(crate) use num::json_num;
pub use rule::TextStyle;
pub use sweep::{
    Contribution, DEFAULT_LIMIT, DEFAULT_PRECISION, Step, TensorData, TensorSent, TensorStep,
    Trace, TraceNode,
};
