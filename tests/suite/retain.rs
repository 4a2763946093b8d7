//! `Graph::retain`: what stays is exactly the roots' ancestors, with unchanged values and
//! gradients; what goes is stale; the tape keeps working after it.

use proptest::prelude::*;
use tapegrad::{Error, Graph, Var};

/// Records a random graph of `steps` ops over three leaves: each step combines two earlier
/// nodes (picked by `picks`) with one of add, mul, tanh, a three-operand sum, or a constant
/// scale. Returns every node in record order.
fn record<'g>(g: &'g Graph, steps: &[(u8, usize, usize)]) -> Vec<Var<'g>> {
    let mut vs = vec![g.var(0.7), g.var(-1.3), g.var(0.4)];
    for &(op, i, j) in steps {
        let (a, b) = (vs[i % vs.len()], vs[j % vs.len()]);
        let v = match op % 5 {
            0 => a + b,
            1 => a * b,
            2 => (a - b).tanh(),
            3 => g.sum(&[a, b, a]),
            _ => a * 0.5,
        };
        vs.push(v);
    }
    vs
}

proptest! {
    /// For random graphs and random roots: every root keeps its value and the gradient of every
    /// leaf; the tape holds exactly the roots' ancestors; the other nodes are stale.
    #[test]
    fn keeps_exactly_the_ancestors_of_the_roots(
        steps in prop::collection::vec((0u8..5, 0usize..64, 0usize..64), 1..40),
        picks in prop::collection::vec(0usize..64, 1..4),
    ) {
        let g = Graph::new();
        let vs = record(&g, &steps);
        let roots: Vec<Var<'_>> = picks.iter().map(|&p| vs[p % vs.len()]).collect();
        let leaves = &vs[..3];
        let before: Vec<(f64, Vec<f64>)> = roots
            .iter()
            .map(|&r| (r.value(), g.backward(r).wrt(leaves)))
            .collect();
        // The ancestors, found independently of retain: from the node snapshot, by key.
        let nodes = g.nodes();
        let mut needed: std::collections::HashSet<_> = roots.iter().map(|r| r.key()).collect();
        for n in nodes.iter().rev() {
            if needed.contains(&n.key) {
                needed.extend(n.inputs.iter().copied());
            }
        }
        let keys: Vec<_> = roots.iter().map(|r| r.key()).collect();
        let freed = g.retain(&keys).unwrap();
        prop_assert_eq!(freed, nodes.len() - needed.len());
        prop_assert_eq!(g.len(), needed.len());
        for v in &vs {
            prop_assert_eq!(v.try_value().is_ok(), needed.contains(&v.key()));
        }
        // Leaves that are not ancestors were freed; compare gradients of the ones still live.
        for (r, (value, grads)) in roots.iter().zip(&before) {
            prop_assert_eq!(r.value(), *value);
            let after = g.backward(*r);
            for (l, d) in leaves.iter().zip(grads) {
                if l.try_value().is_ok() {
                    prop_assert_eq!(after[*l], *d);
                }
            }
        }
        // Recording goes on in the freed slots, and differentiates correctly: d(r·x)/dx = r.
        let x = g.var(2.0);
        let y = roots[0] * x;
        prop_assert_eq!(g.backward(y)[x], roots[0].value());
    }
}

#[test]
fn sum_operands_are_packed_and_still_right() {
    let g = Graph::new();
    let (a, b) = (g.var(1.0), g.var(2.0));
    let garbage = g.sum(&[a, b, a, b, a]);
    let kept = g.sum(&[b, b, a]); // ∂/∂a = 1, ∂/∂b = 2
    assert_eq!(g.retain(&[kept.key()]).unwrap(), 1);
    assert!(matches!(
        garbage.try_value(),
        Err(Error::StaleHandle { .. })
    ));
    let grads = g.backward(kept);
    assert_eq!((kept.value(), grads[a], grads[b]), (5.0, 1.0, 2.0));
    let more = g.sum(&[kept, a]);
    assert_eq!((more.value(), g.backward(more)[a]), (6.0, 2.0));
}

#[test]
fn a_stale_root_is_an_error_and_frees_nothing() {
    let g = Graph::new();
    let x = g.var(1.0);
    let m = g.mark();
    let y = x * 2.0;
    g.rewind(m);
    let z = x + 1.0;
    assert!(matches!(
        g.retain(&[z.key(), y.key()]),
        Err(Error::StaleHandle { .. })
    ));
    assert_eq!(g.len(), 3);
}

#[test]
fn marks_from_before_a_freeing_retain_are_refused() {
    let g = Graph::new();
    let x = g.var(1.0);
    let m = g.mark();
    let _dead = x * 2.0;
    let live = x * 3.0;
    assert_eq!(g.retain(&[live.key()]).unwrap(), 2); // the product and its constant
    assert!(matches!(g.try_rewind(m), Err(Error::InvalidMark(_))));
    // A retain that frees nothing leaves marks valid.
    let m2 = g.mark();
    assert_eq!(g.retain(&[live.key()]).unwrap(), 0);
    g.try_rewind(m2).unwrap();
}

#[test]
fn tensor_nodes_are_freed_from_the_top_only() {
    let g = Graph::new();
    let t = g.tensor(&[1.0, 2.0], &[2]);
    let dead = t.tanh(); // below a kept tensor node: stays
    let kept = (t * t).sum(); // ∂/∂t = 2t
    let _top = t.exp(); // above every kept tensor node: freed
    let n = g.len();
    let freed = g.retain(&[kept.key()]).unwrap();
    assert_eq!(freed, 1);
    assert_eq!(g.len(), n - 1);
    assert!(dead.try_to_vec().is_ok());
    assert_eq!(g.backward(kept).tensor(t), &[2.0, 4.0]);
}
