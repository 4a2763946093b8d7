//! What a node records: its operation as plain data.

use super::PrimName;
use crate::rules::{Fn1, Fn2};

/// The operation that produced a node, with its inputs as slot indices.
///
/// Plain data, never a closure: keeping the op lets the tape be printed, traced, exported and
/// differentiated again. Inputs are 32-bit slot indices, checked when the node is recorded;
/// a node's inputs always outlive it (rewind frees nodes newest first).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Op {
    /// A leaf that takes a gradient (a variable or parameter).
    Var,
    /// A leaf that takes no gradient (a constant, or a detached value).
    Const,
    /// `f(a)`.
    Unary(Fn1, u32),
    /// `f(a, b)`.
    Binary(Fn2, u32, u32),
    /// `Σ operands[start .. start + len]`.
    Sum {
        /// First operand's position in the tape's operand list.
        start: u32,
        /// Number of operands.
        len: u32,
    },
    /// A user-defined [`Primitive`](crate::Primitive) of scalars, recorded as one node.
    Primitive {
        /// The node's entry in the tape's list of primitive nodes (the primitive and its
        /// inputs).
        node: u32,
        /// The primitive's name and arity.
        name: PrimName,
    },
    /// A tensor node: the index of its op, shape and buffer in the tape's tensor list
    /// (see [`Graph::tensor_op`](crate::Graph::tensor_op)).
    Tensor(u32),
}

impl Op {
    /// A short name: `var`, `const`, `tanh`, `+`, `sum`, …; a primitive's own name.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Var => "var",
            Op::Const => "const",
            Op::Unary(f, _) => f.name(),
            Op::Binary(f, _, _) => f.name(),
            Op::Sum { .. } => "sum",
            Op::Primitive { name, .. } => name.as_str(),
            Op::Tensor(_) => "tensor",
        }
    }

    /// True for leaves (`Var` and `Const`).
    pub fn is_leaf(&self) -> bool {
        matches!(self, Op::Var | Op::Const)
    }
}
