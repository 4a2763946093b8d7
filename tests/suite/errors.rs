//! Handles from two graphs: operator forms panic with a message that says so, `try_*` twins
//! return `Error::ForeignGraph`, and a failed call leaves the graph as it was. Plus the messages
//! of the other `Error` variants.

use tapegrad::{Error, Grads, Graph, functional};

fn foreign<T: std::fmt::Debug>(r: Result<T, Error>, op: &str) {
    match r {
        Err(Error::ForeignGraph { op: got }) => assert_eq!(got, op),
        other => panic!("{op}: expected ForeignGraph, got {other:?}"),
    }
}

#[test]
#[should_panic(expected = "`+` combines variables from two different graphs")]
fn adding_handles_of_two_graphs_panics_clearly() {
    let (g1, g2) = (Graph::new(), Graph::new());
    let (a, b) = (g1.var(1.0), g2.var(2.0));
    let _ = a + b;
}

#[test]
#[should_panic(expected = "`max` combines variables from two different graphs")]
fn max_of_handles_of_two_graphs_panics_clearly() {
    let (g1, g2) = (Graph::new(), Graph::new());
    let _ = g1.var(1.0).maximum(g2.var(2.0));
}

#[test]
fn try_forms_return_foreign_graph() {
    let (g1, g2) = (Graph::new(), Graph::new());
    let (a, b) = (g1.var(1.0), g2.var(2.0));
    foreign(a.try_add(b), "+");
    foreign(a.try_sub(b), "-");
    foreign(b.try_mul(a), "*");
    foreign(a.try_div(b), "/");
    foreign(a.try_maximum(b), "max");
    foreign(a.try_minimum(b), "min");
    foreign(g1.try_backward(b), "backward");
    foreign(g1.try_grad_graph(a, &[b]), "grad_graph");
    foreign(g1.try_hessian(a * a, &[a, b]), "grad_graph");
    foreign(g1.try_hvp(a * a, &[b], &[1.0]), "grad_graph");
    foreign(g1.try_sum(&[a, b]), "sum");
    foreign(g1.set_value(b, 0.0), "set_value");
    foreign(g1.op(b), "op");
    let grads = g2.backward(b * 3.0);
    foreign(grads.try_get(a), "Grads::get");
    assert_eq!(grads.try_get(b), Ok(3.0));
}

#[test]
fn a_failed_call_leaves_the_graph_as_it_was() {
    let (g1, g2) = (Graph::new(), Graph::new());
    let (a, b) = (g1.var(1.5), g2.var(2.0));
    let y = a * a;
    let len = g1.len();
    assert!(g1.try_sum(&[a, y, b]).is_err());
    assert!(g1.try_hessian(y, &[a, b]).is_err());
    assert_eq!(g1.len(), len);
    // The operand list of sums is intact: Σ(a, a, y) = 2a + a², d/da = 2 + 2a = 5.
    let s = g1.sum(&[a, a, y]);
    assert_eq!(s.value(), 5.25);
    assert_eq!(g1.backward(s)[a], 5.0);
    assert_eq!(g1.hessian(s, &[a]), vec![vec![2.0]]);
}

#[test]
#[should_panic(expected = "`Grads[..]` combines variables from two different graphs")]
fn indexing_grads_with_another_graphs_var_panics_clearly() {
    let (g1, g2) = (Graph::new(), Graph::new());
    let (a, b) = (g1.var(1.0), g2.var(2.0));
    let grads = g1.backward(a * a);
    let _ = grads[b];
}

#[test]
#[should_panic(expected = "on an empty gradient store; fill it with Graph::backward_into first")]
fn indexing_an_empty_store_panics_clearly() {
    let g = Graph::new();
    let x = g.var(1.0);
    let _ = Grads::new()[x];
}

#[test]
#[should_panic(expected = "`backward` combines variables from two different graphs")]
fn backward_of_another_graphs_var_panics_clearly() {
    let (g1, g2) = (Graph::new(), Graph::new());
    let b = g2.var(2.0);
    let _ = g1.backward(b);
}

#[test]
fn two_graphs_side_by_side_stay_independent() {
    // The same expression on two graphs (and an f32 one) at different points:
    // f = x·sin x, f' = sin x + x cos x.
    let (g1, g2, g3) = (Graph::new(), Graph::new(), Graph::<f32>::default());
    let (x1, x2, x3) = (g1.var(1.0), g2.var(2.0), g3.var(2.0));
    let (f1, f2, f3) = (x1 * x1.sin(), x2 * x2.sin(), x3 * x3.sin());
    let d = |x: f64| x.sin() + x * x.cos();
    assert_eq!(g1.backward(f1)[x1], d(1.0));
    assert_eq!(g2.backward(f2)[x2], d(2.0));
    assert!((g3.backward(f3)[x3] - d(2.0) as f32).abs() < 1e-6);
    assert_eq!((g1.len(), g2.len(), g3.len()), (3, 3, 3));
}

#[test]
fn hvp_with_a_vector_of_the_wrong_length() {
    let g = Graph::new();
    let (x, y) = (g.var(1.0), g.var(2.0));
    let f = x * y;
    let want = Error::Shape {
        op: "hvp",
        lhs: vec![2],
        rhs: vec![3],
    };
    assert_eq!(g.try_hvp(f, &[x, y], &[1.0, 2.0, 3.0]), Err(want.clone()));
    assert_eq!(want.to_string(), "shape mismatch in `hvp`: [2] vs [3]");
    let r = functional::hvp(|v: &[tapegrad::Var]| v[0] * v[1], &[1.0, 2.0], &[1.0]);
    assert_eq!(
        r,
        Err(Error::Shape {
            op: "hvp",
            lhs: vec![2],
            rhs: vec![1]
        })
    );
}

#[test]
#[should_panic(expected = "tapegrad: shape mismatch in `hvp`: [1] vs [2]")]
fn hvp_operator_form_panics_with_the_shape() {
    let g = Graph::new();
    let x = g.var(1.0);
    let _ = g.hvp(x * x, &[x], &[1.0, 1.0]);
}

#[test]
fn messages_name_the_problem() {
    let cases = [
        (
            Error::ForeignGraph { op: "+" },
            "`+` combines variables from two different graphs",
        ),
        (
            Error::StaleHandle { op: "exp" },
            "`exp` was given a variable whose node was freed by rewind/clear",
        ),
        (
            Error::InvalidMark("it was made on another graph"),
            "invalid mark: it was made on another graph",
        ),
        (
            Error::NotALeaf { op: "tanh" },
            "cannot set the value of a computed node (tanh)",
        ),
        (
            Error::Parse {
                line: 1,
                col: 7,
                message: "unknown function 'tahn' (did you mean 'tanh'?)".into(),
            },
            "error at 1:7: unknown function 'tahn' (did you mean 'tanh'?)",
        ),
        (
            Error::Invalid("step must be positive".into()),
            "invalid argument: step must be positive",
        ),
    ];
    for (e, start) in cases {
        let msg = e.to_string();
        assert!(
            msg.starts_with(start),
            "{msg:?} should start with {start:?}"
        );
        assert!(!msg.contains('\n'), "one line: {msg:?}");
        // A std error, so it works with `?` into Box<dyn Error>.
        let boxed: Box<dyn std::error::Error> = Box::new(e);
        assert_eq!(boxed.to_string(), msg);
    }
}
