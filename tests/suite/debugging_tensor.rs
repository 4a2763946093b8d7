//! Issue: debugging aids for tensors — anomaly mode on tensor ops (forward and backward),
//! tensor gradient hooks, and no-grad scopes around tensor ops.

use std::cell::RefCell;
use std::rc::Rc;

use tapegrad::{Anomaly, AnomalyPhase, Error, Graph};

fn anomaly(e: Error) -> Anomaly {
    match e {
        Error::Anomaly(a) => *a,
        other => panic!("expected an anomaly, got {other}"),
    }
}

#[test]
fn forward_anomalies_name_the_op_the_element_and_its_inputs() {
    let g = Graph::new();
    g.set_detect_anomaly(true);
    let before = g.len();

    // log of a zero element: ln 0 = −inf at element [1]
    let x = g.tensor(&[1.0, 0.0, 2.0], &[3]);
    let a = anomaly(x.try_ln().unwrap_err());
    assert_eq!((a.phase, a.op), (AnomalyPhase::Forward, "log"));
    assert_eq!(a.element, Some(vec![1]));
    assert_eq!((a.inputs, a.output), (vec![0.0], Some(f64::NEG_INFINITY)));

    // 0/0 with broadcasting: [[1, 0], [2, 3]] / [1, 0] is NaN at [0, 1], from 0 and 0
    let num = g.tensor(&[1.0, 0.0, 2.0, 3.0], &[2, 2]);
    let den = g.tensor(&[1.0, 0.0], &[2]);
    let a = anomaly(num.try_div(den).unwrap_err());
    assert_eq!((a.op, a.element.clone()), ("/", Some(vec![0, 1])));
    assert_eq!(a.inputs, vec![0.0, 0.0]);
    assert!(a.output.unwrap().is_nan());

    // sqrt of a negative element: √−1 = NaN at [1, 0]
    let m = g.tensor(&[4.0, 9.0, -1.0, 1.0], &[2, 2]);
    let a = anomaly(m.try_sqrt().unwrap_err());
    assert_eq!((a.op, a.element.clone()), ("sqrt", Some(vec![1, 0])));
    assert_eq!(a.inputs, vec![-1.0]);

    // exp overflow: e^800 = inf
    let e = g.tensor(&[1.0, 800.0], &[2]);
    let (a, line) = (anomaly(e.try_exp().unwrap_err()), line!());
    assert_eq!(
        (a.op, a.output, a.element.clone()),
        ("exp", Some(f64::INFINITY), Some(vec![1]))
    );
    let at = a.location.expect("built in anomaly mode");
    assert_eq!((at.file(), at.line()), (file!(), line));
    assert_eq!(
        a.to_string(),
        format!(
            "non-finite value in forward: `exp` at node n5 produced inf at element [1] from \
             input(s) [800], built at {at}"
        )
    );

    // matmul overflow: 1e200 · 1e200 = inf; no single input value produces an element
    let p = g.tensor(&[1.0, 1e200], &[1, 2]);
    let q = g.tensor(&[1.0, 1e200], &[2, 1]);
    let a = anomaly(p.try_matmul(q).unwrap_err());
    assert_eq!((a.op, a.element.clone()), ("matmul", Some(vec![0, 0])));
    assert!(a.inputs.is_empty());
    assert!(!a.to_string().contains("from input"), "{a}");

    // The failed ops recorded nothing: only the 7 leaves are on the tape.
    assert_eq!(g.len(), before + 7);
}

#[test]
#[should_panic(expected = "non-finite value in forward: `log`")]
fn tensor_operator_forms_panic_with_the_anomaly() {
    let g = Graph::new();
    g.set_detect_anomaly(true);
    let _ = g.tensor(&[1.0, 0.0], &[2]).ln();
}

#[test]
fn backward_anomaly_names_the_element_upstream_and_local_partial() {
    let g = Graph::new();
    g.set_detect_anomaly(true);
    let x = g.tensor(&[1.0, 0.0, 4.0], &[3]);
    // sqrt(x) is finite, but d sqrt/dx = 1/(2√x) is +inf at the zero element
    let loss = (x.sqrt() * 3.0).sum();
    let a = anomaly(g.try_backward(loss).unwrap_err());
    assert_eq!((a.phase, a.op), (AnomalyPhase::Backward, "sqrt"));
    assert_eq!(a.element, Some(vec![1]));
    assert_eq!((a.inputs.clone(), a.output), (vec![0.0], Some(0.0)));
    let step = a.backward.expect("backward details");
    // upstream ∂loss/∂sqrt(x)₁ = 3, local ∂sqrt/∂x at 0 = inf
    assert_eq!(
        (step.upstream, step.local, step.contribution, step.input),
        (Some(3.0), Some(f64::INFINITY), f64::INFINITY, 0)
    );
    let built = format!(", built at {}", a.location.expect("built in anomaly mode"));
    assert!(
        a.to_string().ends_with(&format!(
            "upstream 3 × local partial inf = inf sent to input 0 at element [1]{built}"
        )),
        "{a}"
    );
}

#[test]
fn backward_anomaly_of_a_binary_op_gives_the_partial_of_the_right_input() {
    let g = Graph::new();
    g.set_detect_anomaly(true);
    let a = g.tensor(&[2.0, 3.0], &[2]);
    let b = g.tensor(&[1.0, 1e-300], &[2]);
    // y = a / b = [2, 3e300] is finite; ∂y/∂a = 1/b = [1, 1e300] too, but
    // ∂y/∂b = −a/b² = −3e600 = −inf at element [1]
    let loss = (a / b).sum();
    let err = anomaly(g.try_backward(loss).unwrap_err());
    assert_eq!((err.op, err.element.clone()), ("/", Some(vec![1])));
    let step = err.backward.unwrap();
    assert_eq!(step.input, 1);
    assert_eq!(step.upstream, Some(1.0));
    assert_eq!(step.local, Some(f64::NEG_INFINITY));
    assert_eq!(err.inputs, vec![3.0, 1e-300]);
}

#[test]
fn backward_anomaly_of_a_matmul_names_the_input_and_element() {
    let g = Graph::new();
    g.set_detect_anomaly(true);
    let a = g.tensor(&[1e-200, 1e-200], &[1, 2]);
    let b = g.tensor(&[1e200, 1.0], &[2, 1]);
    let c = g.tensor_const(&[1e200], &[1, 1]);
    // forward: a @ b = 1 + 1e-200, times 1e200: finite. backward: ∂/∂a = c · bᵀ = [1e400, 1e200]
    let loss = (a.matmul(b) * c).sum();
    let err = anomaly(g.try_backward(loss).unwrap_err());
    assert_eq!((err.op, err.element.clone()), ("matmul", Some(vec![0, 0])));
    let step = err.backward.unwrap();
    assert_eq!((step.input, step.contribution), (0, f64::INFINITY));
    // A matrix product has no single upstream number or local partial per element.
    assert_eq!((step.upstream, step.local), (None, None));
    let built = format!(
        ", built at {}",
        err.location.expect("built in anomaly mode")
    );
    assert!(
        err.to_string().ends_with(&format!(
            "`matmul` at node n3: contribution inf sent to input 0 at element [0, 0]{built}"
        )),
        "{err}"
    );
}

#[test]
fn the_recorded_tensor_backward_reports_its_first_non_finite_element() {
    let g = Graph::new();
    let x = g.tensor(&[0.0, 1.0], &[2]);
    let y = x.sqrt().sum(); // the recorded derivative 0.5 / √x is +inf at element [0]
    g.set_detect_anomaly(true);
    let a = anomaly(g.try_grad_graph_tensors(y, &[x]).unwrap_err());
    assert_eq!(a.phase, AnomalyPhase::Backward);
    assert_eq!(a.element, Some(vec![0]));
    assert_eq!(a.output, Some(f64::INFINITY));
    assert!(a.to_string().contains("recorded backward pass"), "{a}");
}

#[test]
fn no_false_alarm_on_finite_tensor_graphs() {
    let g = Graph::new();
    let w = g.tensor(&[0.5, -1.0, 0.25, 2.0, -0.75, 1.5], &[2, 3]);
    let x = g.tensor_const(&[1.0, -2.0, 0.5, 3.0], &[2, 2]);
    let b = g.tensor(&[0.1, -0.2, 0.3], &[3]);
    let grads = |anomaly: bool| {
        g.set_detect_anomaly(anomaly);
        let h = (x.matmul(w) + b).relu();
        let p = h.softmax(-1);
        let loss = (h.log_softmax(-1) * p).mean() + (w * w).sum().sqrt()
            - h.amax(&[1], false).sum()
            + (b.exp() + 1.0).ln().sum();
        let grads = g
            .try_backward(loss)
            .expect("a finite graph raises no alarm");
        (grads.tensor(w).to_vec(), grads.tensor(b).to_vec())
    };
    let (on, off) = (grads(true), grads(false));
    assert_eq!(on, off);
    assert!(on.0.iter().chain(&on.1).all(|v| v.is_finite()));
}

#[test]
fn tensor_hooks_see_and_replace_the_gradient() {
    let g = Graph::new();
    let w = g.tensor(&[1.0, 2.0, 3.0], &[3]);
    let h = w * 2.0; // dh/dw = 2
    let loss = (h * h).sum(); // dloss/dh = 2h = [4, 8, 12]
    let seen = Rc::new(RefCell::new(Vec::new()));
    let log = Rc::clone(&seen);
    let handle = g.register_tensor_hook(h, move |shape, grad| {
        log.borrow_mut().push((shape.to_vec(), grad.to_vec()));
        grad.iter_mut().for_each(|d| *d *= 0.5);
    });
    let grads = g.backward(loss);
    assert_eq!(*seen.borrow(), vec![(vec![3], vec![4.0, 8.0, 12.0])]);
    assert_eq!(grads.tensor(h), &[2.0, 4.0, 6.0]); // the stored gradient is the replaced one
    assert_eq!(grads.tensor(w), &[4.0, 8.0, 12.0]); // and it flowed on: 2 · [2, 4, 6]
    assert!(g.remove_hook(handle));
    assert!(!g.remove_hook(handle));
    assert_eq!(g.backward(loss).tensor(w), &[8.0, 16.0, 24.0]); // back to 2 · 2h
    assert_eq!(seen.borrow().len(), 1);
}

#[test]
fn a_tensor_hook_clips_one_tensors_gradient_by_norm() {
    let g = Graph::new();
    let w = g.tensor(&[1.0, 2.0, 3.0, 4.0], &[2, 2]);
    let v = g.tensor(&[1.0, 1.0], &[2, 1]);
    let y = w.matmul(v); // [[3], [7]]
    let loss = (y * y).sum(); // dloss/dy = 2y = [[6], [14]], norm √232
    g.register_tensor_hook(y, |shape, grad| {
        assert_eq!(shape, &[2, 1]);
        let norm = grad.iter().map(|d| d * d).sum::<f64>().sqrt();
        if norm > 1.0 {
            grad.iter_mut().for_each(|d| *d /= norm);
        }
    });
    let grads = g.backward(loss);
    // clipped dloss/dy = [6, 14] / √232; dloss/dw_ij = (dloss/dy_i) · v_j, dloss/dv = wᵀ·dy
    let n = 232.0_f64.sqrt();
    let (d0, d1) = (6.0 / n, 14.0 / n);
    assert_eq!(grads.tensor(w), &[d0, d0, d1, d1]);
    assert_eq!(grads.tensor(v), &[d0 + 3.0 * d1, 2.0 * d0 + 4.0 * d1]);
}

#[test]
fn hooks_on_rank_0_tensors_see_the_whole_gradient() {
    let g = Graph::new();
    let w = g.tensor(&[1.0, -2.0], &[2]);
    let s = (w * w).sum(); // a rank-0 tensor node, as a Var
    let loss = s * 3.0 + s * 4.0; // dloss/ds = 7, sent by two scalar ops
    let seen = Rc::new(RefCell::new(Vec::new()));
    let log = Rc::clone(&seen);
    g.register_hook(s, move |grad| {
        log.borrow_mut().push(grad);
        1.0
    });
    assert_eq!(g.backward(loss).tensor(w), &[2.0, -4.0]); // 1 · 2w
    assert_eq!(*seen.borrow(), vec![7.0]);
    // A tensor hook on the same node gets shape [] and the gradient the scalar hook left.
    let log = Rc::clone(&seen);
    g.register_tensor_hook(s.as_tensor(), move |shape, grad| {
        assert!(shape.is_empty());
        log.borrow_mut().push(grad[0]);
        grad[0] *= 0.5;
    });
    assert_eq!(g.backward(loss).tensor(w), &[1.0, -2.0]);
    assert_eq!(*seen.borrow(), vec![7.0, 7.0, 1.0]);
}

#[test]
fn hooks_run_in_order_once_per_sweep_and_only_where_the_sweep_goes() {
    let g = Graph::new();
    let w = g.tensor(&[1.0, 1.0], &[2]);
    let off_path = w.exp();
    let h = w * 5.0;
    let calls = Rc::new(RefCell::new(Vec::new()));
    let log = Rc::clone(&calls);
    g.register_tensor_hook(off_path, move |_, _| log.borrow_mut().push("off path"));
    let log = Rc::clone(&calls);
    g.register_tensor_hook(h, move |_, d| {
        log.borrow_mut().push("first");
        d.iter_mut().for_each(|d| *d += 1.0);
    });
    let log = Rc::clone(&calls);
    g.register_tensor_hook(h, move |_, d| {
        log.borrow_mut().push("second");
        d.iter_mut().for_each(|d| *d *= 2.0);
    });
    let loss = (h + h).sum(); // dloss/dh = 2, from one op using h twice
    assert_eq!(g.backward(loss).tensor(w), &[30.0, 30.0]); // (2 + 1) · 2 · 5
    assert_eq!(*calls.borrow(), vec!["first", "second"]);
}

#[test]
fn tensor_hooks_go_away_with_their_nodes() {
    let g = Graph::new();
    let w = g.tensor(&[1.5, 2.5], &[2]);
    let m = g.mark();
    let h = w * 2.0;
    let handle = g.register_tensor_hook(h, |_, d| d.fill(f64::NAN));
    g.rewind(m);
    assert!(!g.remove_hook(handle));
    let y = w * 2.0; // may reuse h's slot: the old hook must not fire
    assert_eq!(g.backward(y.sum()).tensor(w), &[2.0, 2.0]);
    assert!(matches!(
        g.try_register_tensor_hook(h, |_, _| {}),
        Err(Error::StaleHandle { .. })
    ));
    let other = Graph::new();
    let t = other.tensor(&[1.0], &[1]);
    assert!(matches!(
        g.try_register_tensor_hook(t, |_, _| {}),
        Err(Error::ForeignGraph { .. })
    ));
}

#[test]
fn no_grad_records_no_tensor_ops() {
    let g = Graph::new();
    let w = g.tensor(&[1.0, 2.0, 3.0, 4.0], &[2, 2]);
    let x = g.tensor_const(&[0.5, -1.0], &[2, 1]);
    let before = g.len();
    let (prediction, inner) = g.no_grad(|| {
        let y = w.matmul(x).tanh();
        assert!(!g.is_grad_enabled());
        let inner = g.backward(y.sum()).tensor(w).to_vec(); // y is a constant
        (y.to_vec(), inner)
    });
    assert_eq!(g.len(), before);
    assert_eq!(inner, vec![0.0; 4]);
    assert_eq!(prediction, vec![(-1.5_f64).tanh(), (-2.5_f64).tanh()]);
    // An optimizer update inside the scope changes the leaf and records nothing.
    let dw = g.backward((w * w).sum()).tensor(w).to_vec(); // 2w
    g.no_grad(|| {
        g.update_tensor(w, |v| {
            v.iter_mut().zip(&dw).for_each(|(v, d)| *v -= 0.25 * d)
        })
        .unwrap()
    });
    assert_eq!(w.to_vec(), vec![0.5, 1.0, 1.5, 2.0]);
    assert_eq!(g.len(), before + 2); // only w·w and its sum, recorded outside the scope
}
