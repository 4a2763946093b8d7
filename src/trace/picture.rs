//! What a picture of the graph shows: one box per node, one edge per operand.

use slotmap::SecondaryMap;

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
