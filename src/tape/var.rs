//! [`Var`], the handle of a scalar node: defined with the tape it points into, so the tape's
//! own API (leaves, `backward`, gradient stores) can take and return it; its arithmetic and
//! math functions are added by the layer above (`scalar`).

use std::fmt;

use slotmap::{Key, KeyData};

use super::{Graph, NodeKey};
use crate::error::{Result, or_panic};
use crate::real::Float;

/// A scalar node on a [`Graph`]: a `Copy` handle `{ graph, key }`.
///
/// Arithmetic reads like math: `a * b + a.sin()`, `2.0 * x`, `x / y - 1.0`. Each operation
/// records one node. Combining handles of two graphs panics with a message that says so; the
/// `try_*` twins return [`Error`](crate::Error) instead.
#[derive(Clone, Copy)]
pub struct Var<'g, T: Float = f64> {
    pub(crate) graph: &'g Graph<T>,
    /// The node's [`NodeKey`] as one word (`KeyData::as_ffi`): a handle of two words is
    /// passed and returned in registers, where `{ graph, NodeKey }` (three fields) is returned
    /// through memory.
    key: u64,
}

impl<T: Float> fmt::Debug for Var<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.try_value() {
            Ok(v) => write!(f, "Var({v})"),
            Err(_) => write!(f, "Var(<freed>)"),
        }
    }
}

impl<T: Float> PartialEq for Var<'_, T> {
    /// Two handles are equal when they name the same node of the same graph.
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.graph, other.graph) && self.key == other.key
    }
}

impl<'g, T: Float> Var<'g, T> {
    #[inline(always)]
    pub(crate) fn new(graph: &'g Graph<T>, key: NodeKey) -> Self {
        Var {
            graph,
            key: key.data().as_ffi(),
        }
    }

    /// The graph this handle belongs to.
    pub fn graph(&self) -> &'g Graph<T> {
        self.graph
    }

    /// The node's key in the graph's arena.
    #[inline(always)]
    pub fn key(&self) -> NodeKey {
        KeyData::from_ffi(self.key).into()
    }

    /// The node's value. Panics for a handle freed by rewind; see [`try_value`](Var::try_value).
    #[track_caller]
    pub fn value(self) -> T {
        or_panic(self.try_value())
    }

    /// The node's value, or [`Error::StaleHandle`](crate::Error::StaleHandle).
    pub fn try_value(self) -> Result<T> {
        self.graph.value_of(self)
    }
}
