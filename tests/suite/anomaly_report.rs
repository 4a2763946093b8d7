//! Issue: anomaly reports point at the line of the caller's code that built the op, and one
//! backward report names every op that made a non-finite gradient.

use tapegrad::tensor::{Conv2dOptions, Pool2dOptions};
use tapegrad::{Anomaly, AnomalyPhase, Error, Graph};

fn anomaly(e: Error) -> Anomaly {
    match e {
        Error::Anomaly(a) => *a,
        other => panic!("expected an anomaly, got {other}"),
    }
}

/// Evaluates a fallible op and returns its anomaly with the line the op was written on.
macro_rules! at {
    ($op:expr) => {
        (anomaly($op.unwrap_err()), line!())
    };
}

/// The anomaly was built at `line` of this file.
#[track_caller]
fn built_here(a: &Anomaly, line: u32) {
    let at = a.location.unwrap_or_else(|| panic!("no location in `{a}`"));
    assert_eq!((at.file(), at.line()), (file!(), line), "the op `{}`", a.op);
    assert!(
        a.to_string()
            .contains(&format!("built at {}:{line}:", file!())),
        "{a}"
    );
}

#[test]
fn a_forward_anomaly_of_a_scalar_op_names_the_callers_line() {
    let g = Graph::new();
    g.set_detect_anomaly(true);
    let (zero, big, neg) = (g.var(0.0), g.var(800.0), g.var(-1.0));
    let cases = [
        at!(zero.try_ln()),
        at!(zero.try_div(zero)),
        at!(big.try_exp()),
        at!(neg.try_sqrt()),
        at!(neg.try_powf(0.5)),
        at!(big.try_powi(200)),
        at!(big.try_mul(g.var(f64::MAX))),
        at!(g.try_sum(&[g.var(f64::MAX), g.var(f64::MAX)])),
    ];
    for (a, line) in &cases {
        assert_eq!(a.phase, AnomalyPhase::Forward);
        built_here(a, *line);
    }
}

#[test]
fn the_operator_forms_panic_with_the_line_that_built_the_op() {
    let g = Graph::new();
    g.set_detect_anomaly(true);
    let zero = g.var(0.0);
    let line = line!() + 1;
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| 1.0 / zero)).unwrap_err();
    let message = err
        .downcast_ref::<String>()
        .expect("a formatted panic message");
    assert!(message.contains("`/`"), "{message}");
    assert!(
        message.contains(&format!("built at {}:{line}:", file!())),
        "{message}"
    );
}

#[test]
fn a_forward_anomaly_of_a_tensor_op_names_the_callers_line() {
    // Leaves are taken as given; each op below makes a non-finite value from the infinite
    // element of `x` (or from an overflow), so each is reported where it is written.
    let g = Graph::new();
    g.set_detect_anomaly(true);
    let x = g.tensor(&[1.0, f64::INFINITY, 3.0, 4.0], &[2, 2]);
    let big = g.tensor(&[1e200, 1e200, 1e200, 1e200], &[2, 2]);
    let img = g.tensor(&[f64::INFINITY; 16], &[1, 1, 4, 4]);
    let k = g.tensor(&[1.0; 4], &[1, 1, 2, 2]);
    let cases = [
        at!(x.try_ln()),
        at!(x.try_exp()),
        at!(big.try_mul(big)),
        at!(big.try_matmul(big)),
        at!(x.try_sum()),
        at!(x.try_sum_axes(&[0], false)),
        at!(x.try_mean()),
        at!(x.try_amax(&[1], true)),
        at!(x.try_softmax(1)),
        at!(x.try_log_softmax(1)),
        at!(x.try_reshape(&[4])),
        at!(x.try_transpose(0, 1)),
        at!(x.try_narrow(1, 1, 1)),
        at!(x.try_broadcast_to(&[3, 2, 2])),
        at!(g.try_concat(&[x, x], 0)),
        at!(x.try_take_along_axis(&[1, 1], &[2, 1], 1)),
        at!(x.try_powf(2.0)),
        at!(img.try_conv2d(k, None, Conv2dOptions::default())),
        at!(img.try_max_pool2d(Pool2dOptions::new(2))),
        at!(x.try_index(1, 1)),
        at!(x.try_select(x, x)),
        at!(x.try_maximum(x)),
    ];
    for (a, line) in &cases {
        assert_eq!(a.phase, AnomalyPhase::Forward);
        built_here(a, *line);
    }
}

#[test]
fn one_backward_report_names_every_op_that_made_a_non_finite_gradient() {
    let g = Graph::new();
    g.set_detect_anomaly(true);
    let (x, z) = (g.var(0.0), g.var(0.0));
    let w = g.tensor(&[4.0, 0.0], &[2]);
    let rx = x.sqrt(); // √0: the local partial 1/(2√0) is +inf
    let line_x = line!() - 1;
    let through = (z + 0.0).abs(); // passes the inf below on: not reported
    let rz = through.powf(0.5); // d/dz z^0.5 = 0.5 z^-0.5 = +inf at 0
    let line_z = line!() - 1;
    let rw = w.sqrt().sum(); // the second element of √w has an infinite partial
    let line_w = line!() - 1;
    let loss = rx * 2.0 + rz + rw;
    let a = anomaly(g.try_backward(loss).unwrap_err());
    let ops: Vec<_> = a
        .ops()
        .map(|o| (o.op, o.location.map(|l| l.line())))
        .collect();
    assert_eq!(
        ops,
        vec![
            ("sqrt", Some(line_w)),
            ("^", Some(line_z)),
            ("sqrt", Some(line_x)),
        ],
        "{a}"
    );
    for o in a.ops() {
        assert_eq!(o.phase, AnomalyPhase::Backward);
        assert!(o.backward.unwrap().upstream.is_none_or(f64::is_finite));
    }
    let text = a.to_string();
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(
        text.contains("2 more ops made a non-finite gradient in the same sweep"),
        "{text}"
    );
    // Without anomaly mode the same sweep gives ∞ for x, and for z abs'(0) · ∞ = 0 · ∞ = NaN
    // (abs carried the ∞ on: it is not in the report).
    g.set_detect_anomaly(false);
    let grads = g.backward(loss);
    assert_eq!(grads[x], f64::INFINITY);
    assert!(grads[z].is_nan());
}

#[test]
fn ops_recorded_before_anomaly_mode_was_on_have_no_location() {
    let g = Graph::new();
    let x = g.var(0.0);
    let y = x.sqrt();
    g.set_detect_anomaly(true);
    let a = anomaly(g.try_backward(y).unwrap_err());
    assert_eq!((a.op, a.location, a.others.len()), ("sqrt", None, 0));
    assert!(!a.to_string().contains("built at"), "{a}");
}

#[test]
fn a_recorded_backward_pass_names_every_node_that_made_a_non_finite_value() {
    // d/dx √x = 1/(2√x) and d/dy ln y = 1/y: both are infinite at 0, each made from finite
    // inputs; the nodes that add them up only carry the infinity on.
    let g = Graph::new();
    g.set_detect_anomaly(true);
    let (x, y) = (g.var(0.0), g.var(1.0));
    let f = x.sqrt() + (y - 1.0).abs().sqrt();
    let a = anomaly(g.try_grad_graph(f, &[x, y]).unwrap_err());
    assert_eq!(a.phase, AnomalyPhase::Backward);
    assert_eq!(a.ops().count(), 2, "{a}");
    assert!(a.ops().all(|o| o.output.is_some_and(|v| !v.is_finite())));
    let text = a.to_string();
    assert!(
        text.contains("1 more op made a non-finite value in the same sweep"),
        "{text}"
    );
}

#[test]
fn an_expression_reports_the_line_that_evaluated_it() {
    let g = Graph::new();
    g.set_detect_anomaly(true);
    let p = tapegrad::expr::Program::parse("log(x) + 1").unwrap();
    let x = g.var(0.0);
    let (a, line) = at!(p.eval(&g, &[("x", x)]));
    assert_eq!(a.op, "log");
    built_here(&a, line);
}

/// ln(x) as a user primitive: the forward is −∞ at 0, the pullback g/x infinite there.
#[derive(Clone, Copy)]
struct Log;

impl tapegrad::Primitive for Log {
    fn name(&self) -> &'static str {
        "mylog"
    }
    fn arity(&self) -> usize {
        1
    }
    fn forward<R: tapegrad::Real>(&self, x: &[R]) -> R {
        x[0].ln()
    }
    fn pullback<R: tapegrad::Real>(&self, x: &[R], _y: R, g: R) -> Vec<R> {
        vec![g / x[0]]
    }
}

#[test]
fn a_user_primitive_is_reported_where_it_was_applied() {
    let g = Graph::new();
    g.set_detect_anomaly(true);
    let zero = g.var(0.0);
    let (a, line) = at!(zero.try_apply(&Log));
    assert_eq!((a.phase, a.op), (AnomalyPhase::Forward, "mylog"));
    built_here(&a, line);
    let t = g.tensor(&[1.0, 0.0], &[2]);
    let (a, line) = at!(t.try_apply(&Log));
    assert_eq!((a.op, a.element.clone()), ("mylog", Some(vec![1])));
    built_here(&a, line);
}
