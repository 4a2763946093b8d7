//! Kink detection by inspecting the recorded graph.
//!
//! A finite difference is meaningless across a kink (relu or abs at 0, a max/min tie) or a pole
//! (a division by, or negative power of, a value that changes sign). Rather than guess a
//! distance, the check records the graph at the point and at every point of the
//! finite-difference stencil and compares, node by node, which side of each kink the inputs
//! are on. If any differ — or the closure recorded a different sequence of ops, i.e. it
//! branched on a value — the stencil straddles a kink. An exact tie at the point itself (where
//! the derivative is only a convention) is caught the same way: the tie is its own side.

use crate::tensor::store;
use crate::{Graph, Op, TensorOp};

/// The recorded ops and, for every kink or pole (every element of one, for a tensor op), its
/// name and the side its inputs are on.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Signature {
    ops: Vec<Op>,
    tensor_ops: Vec<TensorOp>,
    sides: Vec<(&'static str, i8)>,
}

impl Signature {
    /// Reads the graph as recorded now: the same information as [`Graph::nodes`], read in
    /// place (a check records the function a few times per point).
    pub(crate) fn of(g: &Graph) -> Self {
        let t = g.tape();
        let val = |i: u32| t.vals[i as usize];
        let mut ops = Vec::with_capacity(t.order.len());
        let mut tensor_ops = Vec::new();
        let mut sides = Vec::new();
        for &k in &t.order {
            let op = t.op(k);
            ops.push(op);
            let (name, side) = match op {
                Op::Unary(f, a) => match f.kink() {
                    Some(name) => (name, val(a)),
                    None => continue,
                },
                Op::Binary(f, a, b) => match f.kink_side(val(a), val(b)) {
                    Some(side) => side,
                    None => continue,
                },
                Op::Tensor(ti) => {
                    tensor_ops.push(store(&t).nodes[ti as usize].op);
                    crate::tensor::kink_sides(&t, ti, |name, v| sides.push((name, sign(v))));
                    continue;
                }
                _ => continue,
            };
            sides.push((name, sign(side)));
        }
        Signature {
            ops,
            tensor_ops,
            sides,
        }
    }

    /// What `other` (recorded at a nearby point) crossed relative to `self`, if anything.
    pub(crate) fn crossed(&self, other: &Signature) -> Option<&'static str> {
        if self.ops != other.ops || self.tensor_ops != other.tensor_ops {
            return Some("a branch in the function");
        }
        self.sides
            .iter()
            .zip(&other.sides)
            .find(|(a, b)| a != b)
            .map(|((name, _), _)| *name)
    }
}

/// −1, 0, 1, or 2 for NaN (so a NaN on one side only counts as a change).
fn sign(v: f64) -> i8 {
    if v > 0.0 {
        1
    } else if v < 0.0 {
        -1
    } else if v == 0.0 {
        0
    } else {
        2
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Var;

    fn sig(x: f64, f: impl for<'g> Fn(Var<'g>) -> Var<'g>) -> Signature {
        let g = Graph::new();
        f(g.var(x));
        Signature::of(&g)
    }

    fn relu(x: Var<'_>) -> Var<'_> {
        x.relu()
    }
    fn tie(x: Var<'_>) -> Var<'_> {
        x.maximum(x * 0.0 + 1.0)
    }
    fn pole(x: Var<'_>) -> Var<'_> {
        1.0 / x
    }
    fn branch(x: Var<'_>) -> Var<'_> {
        if x.value() > 0.0 { x } else { -x }
    }

    #[test]
    fn sides_of_each_kink() {
        assert_eq!(sig(1.0, relu).crossed(&sig(2.0, relu)), None);
        assert_eq!(sig(0.0, relu).crossed(&sig(1e-9, relu)), Some("relu"));
        assert_eq!(sig(1.0, tie).crossed(&sig(1.0 + 1e-6, tie)), Some("max"));
        assert_eq!(sig(2.0, tie).crossed(&sig(3.0, tie)), None);
        assert_eq!(
            sig(-1e-7, pole).crossed(&sig(1e-7, pole)),
            Some("a pole of /")
        );
        assert_eq!(
            sig(-1e-7, branch).crossed(&sig(1e-7, branch)),
            Some("a branch in the function")
        );
    }
}
