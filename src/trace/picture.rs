//! What a picture of the graph shows: one box per node, one edge per operand, and what a box
//! holds (its fields and colours). The DOT writer (`dot`) and the SVG writer (`svg`) both take
//! their boxes from here, so the two pictures agree and the imports run one way: `dot` calls
//! `svg` to draw, and `svg` needs nothing from `dot`.

use slotmap::SecondaryMap;

use super::num::fmt_num;
use super::rule::op_symbol;
use crate::real::Float;
use crate::scalar::Var;
use crate::tape::{Grads, Graph, NodeKey, Op};

/// How a node is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A leaf that takes a gradient (an input or parameter): highlighted.
    Param,
    /// A leaf that takes no gradient.
    Const,
    /// A computed node that feeds others.
    Computed,
    /// A computed node nothing reads (the loss, usually).
    Output,
}

pub(crate) struct PicNode {
    /// Record id: the `n3` of the label.
    pub(crate) id: usize,
    /// The name, or `n{id}`.
    pub(crate) label: String,
    /// Whether the label is a given name.
    pub(crate) named: bool,
    /// Short op symbol for computed nodes (`*`, `tanh`), `None` for leaves.
    pub(crate) op: Option<String>,
    pub(crate) kind: Kind,
    pub(crate) value: f64,
    pub(crate) grad: Option<f64>,
    /// Operands, as indices into the picture's nodes (always smaller than this node's).
    pub(crate) inputs: Vec<usize>,
}

/// Every live node of the graph, in record order, with values and (optionally) gradients.
pub(crate) fn build<T: Float>(graph: &Graph<T>, grads: Option<&Grads<T>>) -> Vec<PicNode> {
    let views = graph.nodes();
    let mut id_of: SecondaryMap<NodeKey, u32> = SecondaryMap::with_capacity(views.len());
    for (i, v) in views.iter().enumerate() {
        id_of.insert(v.key, i as u32);
    }
    let mut read = vec![false; views.len()];
    for v in &views {
        for &k in &v.inputs {
            read[id_of[k] as usize] = true;
        }
    }
    // A store from another graph answers nothing: the picture shows no gradients then.
    let grads = grads.filter(|s| {
        views
            .first()
            .is_none_or(|v| s.try_get(Var::new(graph, v.key)).is_ok())
    });
    views
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            let kind = match v.op {
                Op::Var => Kind::Param,
                Op::Const => Kind::Const,
                _ if read[i] => Kind::Computed,
                _ => Kind::Output,
            };
            PicNode {
                id: i,
                label: v.name.clone().unwrap_or_else(|| format!("n{i}")),
                named: v.name.is_some(),
                op: (!v.op.is_leaf()).then(|| op_symbol(v.op)),
                kind,
                value: v.value.to_f64(),
                grad: grads.map(|s| s.get(Var::new(graph, v.key)).to_f64()),
                inputs: v.inputs.iter().map(|&k| id_of[k] as usize).collect(),
            }
        })
        .collect()
}

/// The fields of a node's box, left to right: op (computed nodes), label, data, grad.
pub(crate) fn fields(n: &PicNode, precision: usize) -> Vec<String> {
    let mut f = Vec::with_capacity(4);
    if let Some(op) = &n.op {
        f.push(op.clone());
    }
    f.push(n.label.clone());
    f.push(format!("data {}", fmt_num(n.value, precision)));
    if let Some(g) = n.grad {
        f.push(format!("grad {}", fmt_num(g, precision)));
    }
    f
}

/// Fill and border colours of a node's box.
pub(crate) fn colors(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::Param => ("#dbeafe", "#1d4ed8"),
        Kind::Const => ("#f3f4f6", "#6b7280"),
        Kind::Computed => ("#ffffff", "#374151"),
        Kind::Output => ("#dcfce7", "#15803d"),
    }
}
