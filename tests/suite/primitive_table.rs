//! Every row of the primitive table, checked against independent sources: its local partial
//! against central differences of its forward, its recorded second derivative against central
//! differences of its partial, the partial the trace prints against the table's, and its name
//! in the expression language.

use tapegrad::expr::{FUNCTIONS, Program};
use tapegrad::rules::{Fn1, Fn2};
use tapegrad::trace::Trace;
use tapegrad::{Graph, Real};

/// Points away from every kink (relu, abs, leaky_relu, elu at 0; max/min ties) and inside
/// the domains of log and sqrt where positive.
const POINTS: [f64; 6] = [-1.7, -0.4, 0.3, 0.7, 1.9, 3.2];

/// The central difference (f(x + h) − f(x − h)) / 2h with h = 1e-6·max(1, |x|): truncation
/// error ~h²·f‴ ≈ 1e-12, rounding ~ε·|f|/h ≈ 1e-10, so 1e-7 relative leaves a wide margin.
fn central(f: impl Fn(f64) -> f64, x: f64) -> f64 {
    let h = 1e-6 * x.abs().max(1.0);
    (f(x + h) - f(x - h)) / (2.0 * h)
}

fn close(got: f64, want: f64, what: &str) {
    let tol = 1e-7 * want.abs().max(1.0);
    assert!((got - want).abs() <= tol, "{what}: {got} vs {want}");
}

/// Every function of one input: the rows, and two powers.
fn unary() -> Vec<Fn1> {
    let mut fs = Fn1::ALL.to_vec();
    fs.extend([Fn1::Powi(3), Fn1::Powi(-2)]);
    fs
}

fn partial1(f: Fn1, x: f64) -> f64 {
    f.local(x, f.eval(x)).value(x)
}

#[test]
fn each_unary_partial_is_the_derivative_of_its_forward() {
    for f in unary() {
        for x in POINTS {
            if !f.eval(x).is_finite() {
                continue; // log and sqrt of a negative
            }
            let what = format!("∂{}/∂a at {x}", f.name());
            close(partial1(f, x), central(|x| f.eval(x), x), &what);
        }
    }
}

#[test]
fn each_unary_second_derivative_recorded_is_the_derivative_of_its_partial() {
    for f in unary() {
        for x0 in POINTS {
            if !f.eval(x0).is_finite() {
                continue;
            }
            let g = Graph::new();
            let x = g.var(x0);
            let y = x.apply1(f);
            let dy = g.grad_graph(y, &[x])[0];
            assert_eq!(dy.value(), partial1(f, x0), "{} at {x0}", f.name());
            let d2 = g.backward(dy)[x];
            let what = format!("∂²{}/∂a² at {x0}", f.name());
            close(d2, central(|x| partial1(f, x), x0), &what);
        }
    }
}

#[test]
fn each_binary_partial_is_the_derivative_of_its_forward() {
    for &f in Fn2::ALL {
        for (a, b) in [(0.7, -1.3), (1.9, 0.4), (-0.6, 2.5)] {
            // Powf's exponent is a constant: only ∂/∂a exists, and the base must be positive.
            let (a, b) = if f == Fn2::Powf { (a.abs(), b) } else { (a, b) };
            let (la, lb) = f.locals(a, b, f.eval(a, b));
            let what = format!("∂({})/∂a at ({a}, {b})", f.name());
            close(la.value(a), central(|a| f.eval(a, b), a), &what);
            match lb {
                Some(lb) => {
                    let what = format!("∂({})/∂b at ({a}, {b})", f.name());
                    close(lb.value(b), central(|b| f.eval(a, b), b), &what);
                }
                None => assert_eq!(f, Fn2::Powf),
            }
        }
    }
}

/// The trace prints the partial the sweep multiplied by: the table's, bit for bit.
#[test]
fn the_trace_prints_the_tables_partials() {
    for f in unary() {
        let x0 = 0.7;
        let g = Graph::new();
        let x = g.var(x0);
        let y = x.apply1(f);
        let trace = Trace::new(&g, y);
        let step = &trace.steps()[0];
        assert_eq!(
            step.inputs[0].partial,
            Some(partial1(f, x0)),
            "{}",
            f.name()
        );
    }
    for &f in Fn2::ALL {
        let (a0, b0) = (0.7, 1.5);
        let g = Graph::new();
        let (a, b) = (g.var(a0), g.var(b0));
        let y = a.apply2(f, b);
        let trace = Trace::new(&g, y);
        let (la, lb) = f.locals(a0, b0, f.eval(a0, b0));
        let step = &trace.steps()[0];
        assert_eq!(step.inputs[0].partial, Some(la.value(a0)), "{}", f.name());
        assert_eq!(
            step.inputs[1].partial,
            lb.map(|l| l.value(b0)),
            "{}",
            f.name()
        );
    }
}

/// Every function with a name in the language is called by it, and gives the table's value
/// and partial through the expression language.
#[test]
fn the_language_calls_every_public_function_by_its_table_name() {
    assert_eq!(FUNCTIONS.len(), Fn1::PUBLIC.len() + Fn2::PUBLIC.len());
    for &f in Fn1::PUBLIC {
        let p = Program::parse(&format!("{}(x)", f.name())).unwrap();
        let x0 = 0.7;
        let g = Graph::new();
        let x = g.var(x0);
        let y = p.eval(&g, &[("x", x)]).unwrap();
        assert_eq!(y.value(), f.eval(x0), "{}", f.name());
        assert_eq!(g.backward(y)[x], partial1(f, x0), "{}", f.name());
    }
    for &f in Fn2::PUBLIC {
        let p = Program::parse(&format!("{}(a, b)", f.name())).unwrap();
        let g = Graph::new();
        let (a, b) = (g.var(0.7), g.var(1.5));
        let y = p.eval(&g, &[("a", a), ("b", b)]).unwrap();
        assert_eq!(y.value(), f.eval(0.7, 1.5), "{}", f.name());
    }
}
