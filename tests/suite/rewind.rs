//! `mark` / `rewind` / `clear`: parameters survive, freed handles are clear errors (never a wrong
//! number), recycled slots never make old gradients answer for a new node, and capacity is
//! reused from step to step.

use slotmap::Key;
use tapegrad::{Error, Grads, Graph, NodeKey};

/// The arena slot of a key (its index without the version), to show that a slot was reused.
fn slot(k: NodeKey) -> u32 {
    k.data().as_ffi() as u32
}

#[test]
fn parameters_survive_and_the_loop_trains() {
    // Minimise (3w − 1)² by gradient descent: dL/dw = 6(3w − 1); the minimum is w = 1/3.
    let g = Graph::new();
    let w = g.var_named("w", 0.0);
    let step = g.mark();
    for _ in 0..200 {
        let loss = (w * 3.0 - 1.0).powi(2);
        let dw = g.backward(loss)[w];
        assert_eq!(dw, 6.0 * (3.0 * w.value() - 1.0));
        g.rewind(step);
        g.set_value(w, w.value() - 0.02 * dw).unwrap();
    }
    assert_eq!(g.len(), 1);
    assert!((w.value() - 1.0 / 3.0).abs() < 1e-12);
    assert_eq!(g.name(w.key()).as_deref(), Some("w"));
}

#[test]
fn freed_handles_are_stale_errors() {
    let g = Graph::new();
    let w = g.var(2.0);
    let m = g.mark();
    let y = w * w;
    g.rewind(m);
    let stale = |r: Result<_, Error>, op: &str| match r {
        Err(Error::StaleHandle { op: got }) => assert_eq!(got, op),
        other => panic!("{op}: expected StaleHandle, got {other:?}"),
    };
    stale(y.try_value().map(|_| ()), "value");
    stale(y.try_exp().map(|_| ()), "exp");
    stale(y.try_ln().map(|_| ()), "log");
    stale(y.try_powi(2).map(|_| ()), "powi");
    stale(y.try_neg().map(|_| ()), "neg");
    stale(y.try_add(w).map(|_| ()), "+");
    stale(w.try_mul(y).map(|_| ()), "*");
    stale(w.try_maximum(y).map(|_| ()), "max");
    stale(y.try_detach().map(|_| ()), "value");
    stale(g.try_backward(y).map(|_| ()), "backward");
    stale(g.try_grad_graph(y, &[w]).map(|_| ()), "grad_graph");
    stale(g.try_grad_graph(w * 1.0, &[y]).map(|_| ()), "grad_graph");
    stale(g.try_hessian(y, &[w]).map(|_| ()), "grad_graph");
    stale(g.try_hvp(y, &[w], &[1.0]).map(|_| ()), "grad_graph");
    stale(g.try_sum(&[w, y]).map(|_| ()), "sum");
    stale(g.set_value(y, 1.0), "set_value");
    stale(g.op(y).map(|_| ()), "op");
    stale(g.set_name(y, "y"), "set_name");
    // The parameter is untouched by all of this.
    assert_eq!(w.value(), 2.0);
    assert_eq!(format!("{y:?}"), "Var(<freed>)");
}

#[test]
#[should_panic(expected = "was given a variable whose node was freed by rewind/clear")]
fn operator_on_a_freed_handle_panics_clearly() {
    let g = Graph::new();
    let w = g.var(2.0);
    let m = g.mark();
    let y = w.exp();
    g.rewind(m);
    let _ = y + w;
}

#[test]
#[should_panic(expected = "`backward` was given a variable whose node was freed")]
fn backward_from_a_freed_handle_panics_clearly() {
    let g = Graph::new();
    let w = g.var(2.0);
    g.clear();
    let _ = g.backward(w);
}

#[test]
#[should_panic(expected = "`value` was given a variable whose node was freed")]
fn value_of_a_freed_handle_panics_clearly() {
    let g = Graph::new();
    let w = g.var(2.0);
    let m = g.mark();
    let y = w.sin();
    g.rewind(m);
    let _ = y.value();
}

#[test]
fn recycled_slots_never_answer_for_the_wrong_node() {
    let g = Graph::new();
    let w = g.var(2.0);
    let m = g.mark();
    // y = 5w: dy/dw = 5 and dy/dy = 1.
    let y = w * 5.0;
    g.set_name(y, "y").unwrap();
    let old = g.backward(y);
    assert_eq!((old[w], old[y]), (5.0, 1.0));
    g.rewind(m);

    // z = w + 1 reuses the freed slots (the constant 1 takes 5's slot, z takes y's).
    let z = w + 1.0;
    assert_eq!(
        slot(z.key()),
        slot(y.key()),
        "the test needs a recycled slot"
    );
    assert_ne!(z.key(), y.key());
    // The old store answers for the node it was computed for, never for its successor.
    assert_eq!(old[z], 0.0);
    assert_eq!(old[w], 5.0);
    assert_eq!(old[y], 1.0);
    // Names do not leak into the recycled slot either.
    assert_eq!(g.name(z.key()), None);
    // And the new sweep knows nothing of y.
    let new = g.backward(z);
    assert_eq!((new[w], new[z], new[y]), (1.0, 1.0, 0.0));
}

#[test]
fn grads_from_before_clear_do_not_match_new_nodes() {
    let g = Graph::new();
    let x = g.var(3.0);
    let y = x * x;
    let old = g.backward(y);
    g.clear();
    assert_eq!(g.len(), 0);
    let a = g.var(1.0);
    let b = a * a;
    // clear() frees every slot; the new nodes take the old ones (in whatever order).
    let mut new_slots = [slot(a.key()), slot(b.key())];
    let mut old_slots = [slot(x.key()), slot(y.key())];
    new_slots.sort();
    old_slots.sort();
    assert_eq!(new_slots, old_slots, "the test needs recycled slots");
    assert_eq!((old[a], old[b]), (0.0, 0.0));
    assert_eq!((old[x], old[y]), (6.0, 1.0));
    assert!(matches!(x.try_value(), Err(Error::StaleHandle { .. })));
}

#[test]
fn steps_reuse_the_same_slots_and_length() {
    let g = Graph::new();
    let (w, b) = (g.var(0.5), g.var(-0.25));
    let m = g.mark();
    let mut store = Grads::new();
    let mut first_slots: Option<Vec<u32>> = None;
    for step in 0..5 {
        let x = g.constant(f64::from(step));
        let loss = ((w * x + b).tanh() - 0.3).powi(2);
        let len = g.len();
        g.backward_into(loss, &mut store).unwrap();
        let slots: Vec<u32> = g.nodes().iter().map(|n| slot(n.key)).collect();
        match &first_slots {
            None => first_slots = Some(slots),
            Some(s) => assert_eq!(&slots, s, "step {step} used other slots"),
        }
        // w, b; then x, w·x, +b, tanh, 0.3, −, powi.
        assert_eq!(len, 2 + 7);
        g.rewind(m);
        assert_eq!(g.len(), 2);
    }
}

#[test]
fn marks_from_another_graph_or_rewound_past_are_invalid() {
    let (g1, g2) = (Graph::new(), Graph::new());
    let _ = g1.var(1.0);
    let m2 = g2.mark();
    match g1.try_rewind(m2) {
        Err(e @ Error::InvalidMark(_)) => assert!(e.to_string().contains("another graph")),
        other => panic!("expected InvalidMark, got {other:?}"),
    }
    assert_eq!(g1.len(), 1);

    let early = g1.mark();
    let _ = g1.var(2.0) * 3.0;
    let late = g1.mark();
    g1.rewind(early);
    g1.rewind(early); // rewinding to the same mark again is a no-op
    assert!(matches!(g1.try_rewind(late), Err(Error::InvalidMark(_))));
    assert_eq!(g1.len(), 1);
}

#[test]
#[should_panic(expected = "invalid mark: it was made on another graph")]
fn rewinding_to_a_foreign_mark_panics_clearly() {
    let (g1, g2) = (Graph::new(), Graph::new());
    g1.rewind(g2.mark());
}

#[test]
fn only_leaves_can_be_set() {
    let g = Graph::new();
    let (x, c) = (g.var(1.0), g.constant(2.0));
    let y = x * c;
    assert_eq!(g.set_value(y, 0.0), Err(Error::NotALeaf { op: "*" }));
    g.set_value(x, 4.0).unwrap();
    g.set_value(c, 0.5).unwrap();
    assert_eq!((x.value(), c.value()), (4.0, 0.5));
    // Recorded values do not change by themselves: rebuild to see the new inputs.
    assert_eq!(y.value(), 2.0);
    assert_eq!((x * c).value(), 2.0);
}

#[test]
fn hessian_and_hvp_leave_the_tape_and_user_marks_alone() {
    let g = Graph::new();
    let (x, y) = (g.var(1.0), g.var(2.0));
    let m = g.mark();
    let f = x * x * y; // H = [[2y, 2x], [2x, 0]]
    let len = g.len();
    assert_eq!(g.hessian(f, &[x, y]), vec![vec![4.0, 2.0], vec![2.0, 0.0]]);
    assert_eq!(g.hvp(f, &[x, y], &[1.0, -1.0]), vec![2.0, 2.0]);
    assert_eq!(g.len(), len);
    assert_eq!(f.value(), 2.0);
    g.rewind(m);
    assert_eq!(g.len(), 2);
}
