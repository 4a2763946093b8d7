//! Issue: debugging aids — anomaly mode, gradient hooks, no-grad scopes.

use std::cell::RefCell;
use std::rc::Rc;

use tapegrad::{AnomalyPhase, Error, Graph};

fn anomaly(e: Error) -> tapegrad::Anomaly {
    match e {
        Error::Anomaly(a) => *a,
        other => panic!("expected an anomaly, got {other}"),
    }
}

#[test]
fn forward_anomalies_name_the_op_and_its_inputs() {
    let g = Graph::new();
    g.set_detect_anomaly(true);
    let (zero, neg, big) = (g.var(0.0), g.var(-1.0), g.var(800.0));

    let a = anomaly(zero.try_ln().unwrap_err()); // ln 0 = −inf
    assert_eq!(
        (a.phase, a.op, a.output),
        (AnomalyPhase::Forward, "log", Some(f64::NEG_INFINITY))
    );
    assert_eq!(a.inputs, vec![0.0]);
    assert!(a.to_string().contains("`log`"), "{a}");

    let a = anomaly(zero.try_div(zero).unwrap_err()); // 0/0 = NaN
    assert_eq!((a.op, a.inputs.clone()), ("/", vec![0.0, 0.0]));
    assert!(a.output.unwrap().is_nan());

    let a = anomaly(neg.try_sqrt().unwrap_err()); // √−1 = NaN
    assert_eq!((a.op, a.inputs.clone()), ("sqrt", vec![-1.0]));

    let a = anomaly(big.try_exp().unwrap_err()); // e^800 overflows
    assert_eq!((a.op, a.output), ("exp", Some(f64::INFINITY)));
    // The failed op recorded nothing.
    assert_eq!(g.len(), 3);
}

#[test]
#[should_panic(expected = "non-finite value in forward: `log`")]
fn operator_form_panics_with_the_anomaly() {
    let g = Graph::new();
    g.set_detect_anomaly(true);
    let _ = g.var(0.0).ln();
}

#[test]
fn backward_anomaly_names_upstream_and_local_partial() {
    let g = Graph::new();
    g.set_detect_anomaly(true);
    let x = g.var(0.0);
    let y = x.sqrt() * 3.0; // sqrt(0) = 0 is finite; d sqrt/dx at 0 = +inf
    let a = anomaly(g.try_backward(y).unwrap_err());
    assert_eq!(a.phase, AnomalyPhase::Backward);
    assert_eq!(a.op, "sqrt");
    let step = a.backward.expect("backward details");
    // upstream ∂y/∂sqrt = 3, local ∂sqrt/∂x = 1/(2·0) = inf
    assert_eq!(
        (step.upstream, step.local, step.contribution),
        (Some(3.0), Some(f64::INFINITY), f64::INFINITY)
    );
    assert_eq!(step.input, 0);
    assert!(
        a.to_string().contains("upstream 3 × local partial inf"),
        "{a}"
    );
}

#[test]
fn no_false_alarm_on_finite_graphs() {
    let g = Graph::new();
    g.set_detect_anomaly(true);
    let (x, y) = (g.var(0.3), g.var(-1.7));
    let f = (x * y).tanh() + (x / y).exp() + (x * x + 1.0).ln() + y.abs().sqrt() + x.maximum(y);
    let grads = g.try_backward(f).expect("finite graph");
    g.set_detect_anomaly(false);
    let plain = g.backward(f);
    assert_eq!(grads.wrt(&[x, y]), plain.wrt(&[x, y]));
    // tanh(400) has derivative exactly 0: finite, no alarm.
    g.set_detect_anomaly(true);
    let z = g.var(400.0);
    assert_eq!(g.try_backward(z.tanh()).unwrap()[z], 0.0);
}

#[test]
fn anomaly_mode_off_lets_non_finite_values_through() {
    let g = Graph::new();
    let x = g.var(0.0);
    assert_eq!(x.ln().value(), f64::NEG_INFINITY);
    assert_eq!(g.backward(x.sqrt())[x], f64::INFINITY);
}

#[test]
fn hooks_see_and_replace_the_gradient() {
    let g = Graph::new();
    let x = g.var(2.0);
    let h = x * x; // dh/dx = 2x = 4
    let y = h * 5.0; // dy/dh = 5
    let seen = Rc::new(RefCell::new(Vec::new()));
    let log = Rc::clone(&seen);
    let handle = g.register_hook(h, move |grad| {
        log.borrow_mut().push(grad);
        grad * 10.0
    });
    let grads = g.backward(y);
    assert_eq!(*seen.borrow(), vec![5.0]); // the hook saw dy/dh
    assert_eq!(grads[h], 50.0); // the stored gradient is the replaced one
    assert_eq!(grads[x], 200.0); // and it flowed on: 50 · 2x
    assert!(g.remove_hook(handle));
    assert!(!g.remove_hook(handle));
    assert_eq!(g.backward(y)[x], 20.0); // back to 5 · 4
}

#[test]
fn hooks_clip_per_node_and_chain_in_order() {
    let g = Graph::new();
    let (a, b) = (g.var(1.0), g.var(1.0));
    let y = a * 100.0 + b * 100.0;
    g.register_hook(a, |grad| grad.clamp(-1.0, 1.0));
    g.register_hook(b, |grad| grad + 1.0);
    g.register_hook(b, |grad| grad * 2.0); // runs second: (100 + 1) · 2
    let grads = g.backward(y);
    assert_eq!((grads[a], grads[b]), (1.0, 202.0));
}

#[test]
fn hooks_on_freed_nodes_go_away_with_them() {
    let g = Graph::new();
    let w = g.var(1.5);
    let m = g.mark();
    let h = w * 2.0;
    let handle = g.register_hook(h, |_| f64::NAN);
    g.rewind(m);
    assert!(!g.remove_hook(handle));
    let y = w * 2.0; // may reuse h's slot: the old hook must not fire
    assert_eq!(g.backward(y)[w], 2.0);
}

#[test]
fn no_grad_records_nothing() {
    let g = Graph::new();
    let w = g.var(2.0);
    let before = g.len();
    let (value, inner_grad) = g.no_grad(|| {
        let y = (w * 3.0).exp();
        assert!(!g.is_grad_enabled());
        (y.value(), g.backward(y)[w]) // y is a constant: no gradient reaches w
    });
    assert_eq!(g.len(), before);
    assert!(g.is_grad_enabled());
    assert_eq!((value, inner_grad), (6.0_f64.exp(), 0.0));
    // an optimizer update written with ops, applied to the leaf
    let lr = 0.1;
    let gw = g.backward(w * w)[w];
    g.no_grad(|| g.set_value(w, (w - lr * gw).value()).unwrap());
    assert_eq!(w.value(), 2.0 - 0.1 * 4.0);
    assert_eq!(g.len(), before + 1); // only the `w * w` recorded outside the scope
}

#[test]
fn no_grad_restores_even_after_a_panic() {
    let g = Graph::new();
    let w = g.var(1.0);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        g.no_grad(|| {
            let _ = w * 2.0;
            panic!("inside the scope")
        })
    }));
    assert!(r.is_err());
    assert!(g.is_grad_enabled());
    assert_eq!(g.len(), 1);
}

#[test]
fn recorded_backward_reports_its_first_non_finite_node() {
    let g = Graph::new();
    let x = g.var(0.0);
    let y = x.sqrt(); // the recorded derivative 0.5 / y is +inf at 0
    g.set_detect_anomaly(true);
    let before = g.len();
    let a = anomaly(g.try_grad_graph(y, &[x]).unwrap_err());
    assert_eq!(
        (a.phase, a.op, a.output),
        (AnomalyPhase::Backward, "/", Some(f64::INFINITY))
    );
    assert!(a.to_string().contains("recorded backward pass"), "{a}");
    assert!(g.detect_anomaly(), "anomaly mode is restored");
    assert!(g.len() > before);
}

#[test]
fn expressions_report_anomalies_as_errors() {
    let g = Graph::new();
    g.set_detect_anomaly(true);
    let x = g.var(0.0);
    let p = tapegrad::expr::Program::parse("y = log(x); y * 2").unwrap();
    let before = g.len();
    let a = anomaly(p.eval(&g, &[("x", x)]).unwrap_err());
    assert_eq!(a.op, "log");
    assert_eq!(g.len(), before, "a failed evaluation records nothing");
}
