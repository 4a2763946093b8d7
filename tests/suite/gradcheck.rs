//! Gradient checking: correct formulas pass, subtly wrong ones fail naming the right variable,
//! kinks and domain edges never cause false alarms, NaN/inf is never a pass, and the reported
//! numbers match an independent computation.

use approx::assert_relative_eq;
use tapegrad::gradcheck::{
    CheckKind, FormulaOptions, FormulaReport, GradcheckOptions, Points, Status, Variable, Verdict,
    check_formula, gradcheck, gradcheck_jacobian, gradgradcheck, try_gradcheck,
};
use tapegrad::{Error, Var};

/// A scalar function of the variables, as the checks take it.
type F = for<'g> fn(&[Var<'g>]) -> Var<'g>;
/// A hand-derived partial derivative.
type D = fn(&[f64]) -> f64;

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

fn step(z: f64) -> f64 {
    if z > 0.0 { 1.0 } else { 0.0 }
}

/// A function, its hand-derived gradient, and where to sample it.
struct Case {
    what: &'static str,
    f: F,
    d: [D; 2],
    range: (f64, f64),
}

/// Correct hand derivations, covering every primitive (the derivation is the formula).
fn correct_cases() -> Vec<Case> {
    vec![
        Case {
            what: "exp(x·y)",
            f: |v| (v[0] * v[1]).exp(),
            d: [
                |p| p[1] * (p[0] * p[1]).exp(),
                |p| p[0] * (p[0] * p[1]).exp(),
            ],
            range: (-1.5, 1.5),
        },
        Case {
            // ∂/∂x ln(x² + 1)·y = 2xy / (x² + 1)
            what: "ln(x² + 1)·y",
            f: |v| (v[0] * v[0] + 1.0).ln() * v[1],
            d: [
                |p| 2.0 * p[0] * p[1] / (p[0] * p[0] + 1.0),
                |p| (p[0] * p[0] + 1.0).ln(),
            ],
            range: (-3.0, 3.0),
        },
        Case {
            // tanh' = 1 − tanh²
            what: "tanh(2x − y)",
            f: |v| (2.0 * v[0] - v[1]).tanh(),
            d: [
                |p| 2.0 * (1.0 - (2.0 * p[0] - p[1]).tanh().powi(2)),
                |p| -(1.0 - (2.0 * p[0] - p[1]).tanh().powi(2)),
            ],
            range: (-2.0, 2.0),
        },
        Case {
            // σ' = σ(1 − σ)
            what: "sigmoid(x·y)",
            f: |v| (v[0] * v[1]).sigmoid(),
            d: [
                |p| {
                    let s = sigmoid(p[0] * p[1]);
                    p[1] * s * (1.0 - s)
                },
                |p| {
                    let s = sigmoid(p[0] * p[1]);
                    p[0] * s * (1.0 - s)
                },
            ],
            range: (-3.0, 3.0),
        },
        Case {
            what: "relu(x)·y",
            f: |v| v[0].relu() * v[1],
            d: [|p| p[1] * step(p[0]), |p| p[0].max(0.0)],
            range: (-3.0, 3.0),
        },
        Case {
            what: "sin(x)·cos(y)",
            f: |v| v[0].sin() * v[1].cos(),
            d: [|p| p[0].cos() * p[1].cos(), |p| -p[0].sin() * p[1].sin()],
            range: (-3.0, 3.0),
        },
        Case {
            // ∂/∂x √(x² + y² + 1) = x / √(…)
            what: "sqrt(x² + y² + 1)",
            f: |v| (v[0] * v[0] + v[1] * v[1] + 1.0).sqrt(),
            d: [
                |p| p[0] / (p[0] * p[0] + p[1] * p[1] + 1.0).sqrt(),
                |p| p[1] / (p[0] * p[0] + p[1] * p[1] + 1.0).sqrt(),
            ],
            range: (-3.0, 3.0),
        },
        Case {
            // ∂/∂x |x − y|·x = sign(x − y)·x + |x − y|;  ∂/∂y = −sign(x − y)·x
            what: "abs(x − y)·x",
            f: |v| (v[0] - v[1]).abs() * v[0],
            d: [
                |p| (p[0] - p[1]).signum() * p[0] + (p[0] - p[1]).abs(),
                |p| -(p[0] - p[1]).signum() * p[0],
            ],
            range: (-3.0, 3.0),
        },
        Case {
            // ∂/∂x x³/y = 3x²/y;  ∂/∂y = −x³/y²  (y sampled away from 0 by the domain skip)
            what: "x³ / y",
            f: |v| v[0].powi(3) / v[1],
            d: [
                |p| 3.0 * p[0] * p[0] / p[1],
                |p| -p[0].powi(3) / (p[1] * p[1]),
            ],
            range: (0.5, 3.0),
        },
        Case {
            // ∂/∂x x^2.5·y = 2.5·x^1.5·y; NaN for x < 0 is outside the domain
            what: "x^2.5·y",
            f: |v| v[0].powf(2.5) * v[1],
            d: [|p| 2.5 * p[0].powf(1.5) * p[1], |p| p[0].powf(2.5)],
            range: (-1.0, 3.0),
        },
        Case {
            // ∂/∂x [max(x, y) + min(x, 2y)] = [x > y] + [x < 2y]; ∂/∂y = [y > x] + 2·[2y < x]
            what: "max(x, y) + min(x, 2y)",
            f: |v| v[0].maximum(v[1]) + v[0].minimum(2.0 * v[1]),
            d: [
                |p| step(p[0] - p[1]) + step(2.0 * p[1] - p[0]),
                |p| step(p[1] - p[0]) + 2.0 * step(p[0] - 2.0 * p[1]),
            ],
            range: (-3.0, 3.0),
        },
        Case {
            // −Σ(x, x·y, −3y): ∂x = −(1 + y), ∂y = −(x − 3)
            what: "−sum(x, x·y, −3y)",
            f: |v| -v[0].graph().sum(&[v[0], v[0] * v[1], -3.0 * v[1]]),
            d: [|p| -(1.0 + p[1]), |p| -(p[0] - 3.0)],
            range: (-3.0, 3.0),
        },
        Case {
            // chain rule through two inner functions: ∂/∂x sin(x²)·e^(−y²) = 2x cos(x²) e^(−y²)
            what: "sin(x²)·exp(−y²)",
            f: |v| (v[0] * v[0]).sin() * (-(v[1] * v[1])).exp(),
            d: [
                |p| 2.0 * p[0] * (p[0] * p[0]).cos() * (-(p[1] * p[1])).exp(),
                |p| -2.0 * p[1] * (p[0] * p[0]).sin() * (-(p[1] * p[1])).exp(),
            ],
            range: (-2.0, 2.0),
        },
    ]
}

fn run(f: F, d: [D; 2], options: &FormulaOptions) -> FormulaReport {
    let vars = [
        Variable::new("x").derivative(d[0]),
        Variable::new("y").derivative(d[1]),
    ];
    check_formula(f, &vars, options).expect("valid input")
}

fn failing(report: &FormulaReport) -> Vec<&str> {
    report.failures().map(|v| v.name.as_str()).collect()
}

#[test]
fn correct_formulas_pass_for_every_function() {
    for case in correct_cases() {
        let options = FormulaOptions::default()
            .samples(60)
            .seed(11)
            .range(case.range.0, case.range.1);
        let report = run(case.f, case.d, &options);
        assert!(report.passed(), "{}:\n{report}", case.what);
        assert_eq!(report.verdict(), Verdict::Pass);
        // Most points are compared: skipping is for the few near a kink or off the domain.
        assert!(report.checked >= 20, "{}:\n{report}", case.what);
        assert_eq!(report.skipped_kink, 0, "{}:\n{report}", case.what);
        assert_eq!(
            report.checked + report.skipped_kink + report.skipped_domain,
            60
        );
        for v in &report.variables {
            assert_eq!((v.checked, v.failed), (report.checked, 0), "{}", case.what);
        }
    }
}

#[test]
fn the_engine_passes_gradcheck_and_gradgradcheck_on_every_case() {
    // Points away from every kink, inside every domain.
    for case in correct_cases() {
        for point in [[0.7, 1.3], [1.9, 0.6], [1.1, 2.4]] {
            let o = GradcheckOptions::default();
            let r = gradcheck(case.f, &point, o);
            assert!(r.passed(), "{} at {point:?}:\n{r}", case.what);
            let rr = gradgradcheck(case.f, &point, o);
            assert!(rr.passed(), "{} at {point:?}:\n{rr}", case.what);
            assert_eq!((r.components.len(), rr.components.len()), (2, 4));
            // The analytical gradient is the hand-derived one.
            for (j, d) in case.d.iter().enumerate() {
                let c = r.get(0, j).unwrap();
                assert_relative_eq!(c.analytical, d(&point), max_relative = 1e-12);
            }
        }
    }
}

#[test]
fn a_sign_error_fails_and_names_the_variable() {
    // f = x·y²: ∂x = y², ∂y = 2xy, written as −2xy
    let report = run(
        |v| v[0] * v[1] * v[1],
        [|p| p[1] * p[1], |p| -2.0 * p[0] * p[1]],
        &FormulaOptions::default(),
    );
    assert_eq!(report.verdict(), Verdict::Fail);
    assert_eq!(failing(&report), ["y"]);
    let y = report.variable("y").unwrap();
    let w = y.worst.as_ref().unwrap();
    // At the worst point the formula is the negated autograd value: relative error 2.
    assert_relative_eq!(w.formula.unwrap(), -w.autograd, max_relative = 1e-12);
    assert_relative_eq!(w.rel_err, 2.0, max_relative = 1e-12);
    let text = report.to_string();
    assert!(text.contains("FAIL"), "{text}");
    assert!(text.contains("y: worst point at x = "), "{text}");
}

#[test]
fn a_factor_of_two_fails_and_names_the_variable() {
    // f = x²y: ∂x = 2xy, written as 4xy
    let report = run(
        |v| v[0] * v[0] * v[1],
        [|p| 4.0 * p[0] * p[1], |p| p[0] * p[0]],
        &FormulaOptions::default(),
    );
    assert_eq!(failing(&report), ["x"]);
    let w = report.variable("x").unwrap().worst.clone().unwrap();
    assert_relative_eq!(w.rel_err, 1.0, max_relative = 1e-12);
    assert_eq!(report.variable("y").unwrap().verdict, Verdict::Pass);
}

#[test]
fn a_missing_inner_derivative_fails_and_names_the_variable() {
    // f = sin(x²) + y: ∂x = 2x·cos(x²), written as cos(x²)
    let report = run(
        |v| (v[0] * v[0]).sin() + v[1],
        [|p| (p[0] * p[0]).cos(), |_| 1.0],
        &FormulaOptions::default(),
    );
    assert_eq!(failing(&report), ["x"]);
    // It agrees only where 2x ≈ 1 or cos(x²) ≈ 0: almost every point disagrees.
    let x = report.variable("x").unwrap();
    assert!(x.failed * 10 > x.checked * 9, "{report}");
}

#[test]
fn x_instead_of_x_squared_fails_and_names_the_variable() {
    // f = x³/3 + x·y: ∂x = x² + y, written as x + y
    let report = run(
        |v| v[0].powi(3) / 3.0 + v[0] * v[1],
        [|p| p[0] + p[1], |p| p[0]],
        &FormulaOptions::default(),
    );
    assert_eq!(failing(&report), ["x"]);
}

#[test]
fn relu_at_zero_is_skipped_not_a_false_alarm() {
    // The user's convention relu'(0) = 1 differs from the engine's 0 only at the kink itself.
    let vars = [
        Variable::new("x").derivative(|p| if p[0] >= 0.0 { p[1] } else { 0.0 }),
        Variable::new("y").derivative(|p| p[0].max(0.0)),
    ];
    let options =
        FormulaOptions::default().at(vec![vec![0.0, 2.0], vec![1.0, 2.0], vec![-1.0, 2.0]]);
    let report = check_formula(|v| v[0].relu() * v[1], &vars, &options).unwrap();
    assert!(report.passed(), "{report}");
    assert_eq!((report.checked, report.skipped_kink), (2, 1));
    assert!(report.to_string().contains("skipped 1 point near kinks"));
}

#[test]
fn a_point_within_the_step_of_a_kink_is_skipped_one_farther_away_is_checked() {
    // Engine self-test (no formula) of |x − 0.5|: at 0.5 + 3e-7 the central difference with
    // eps = 1e-6 straddles the kink and gives 0.3 instead of 1; that point must be skipped.
    let vars = [Variable::new("x")];
    let points = vec![vec![0.5 + 3e-7], vec![0.5 + 1e-3], vec![-1.0]];
    let options = FormulaOptions::default().at(points);
    let report = check_formula(|v| (v[0] - 0.5).abs(), &vars, &options).unwrap();
    assert!(report.passed(), "{report}");
    assert_eq!((report.checked, report.skipped_kink), (2, 1));
}

#[test]
fn max_and_min_ties_are_skipped() {
    // max(x, y) + min(x, y) = x + y, but the user wrote each derivative as two strict steps,
    // which are both 0 at a tie (the engine splits a tie ½/½ and gets 1): only the tie points
    // disagree, and they are skipped.
    let strict = |a: f64, b: f64| step(a - b) + step(b - a);
    let vars = [
        Variable::new("x").derivative(move |p| strict(p[0], p[1])),
        Variable::new("y").derivative(move |p| strict(p[1], p[0])),
    ];
    let points = vec![
        vec![1.0, 1.0],
        vec![2.0, 1.0],
        vec![0.5, 3.0],
        vec![-2.0, -2.0],
    ];
    let options = FormulaOptions::default().at(points);
    let report =
        check_formula(|v| v[0].maximum(v[1]) + v[0].minimum(v[1]), &vars, &options).unwrap();
    assert!(report.passed(), "{report}");
    assert_eq!((report.checked, report.skipped_kink), (2, 2));
}

#[test]
fn every_point_skipped_is_inconclusive_not_a_pass() {
    let vars = [Variable::new("x").derivative(|p| p[0].signum())];
    let options = FormulaOptions::default().at(vec![vec![0.0]]);
    let report = check_formula(|v| v[0].abs(), &vars, &options).unwrap();
    assert_eq!(report.verdict(), Verdict::Inconclusive);
    assert!(!report.passed());
    assert_eq!(report.variables[0].verdict, Verdict::Inconclusive);
    let text = report.to_string();
    assert!(
        text.contains("INCONCLUSIVE") && text.contains("not a pass"),
        "{text}"
    );
}

#[test]
fn points_outside_the_domain_are_skipped_and_counted() {
    // ln x on [−2, 2): about half the points are outside the domain.
    let vars = [Variable::new("x").derivative(|p| 1.0 / p[0])];
    let options = FormulaOptions::default()
        .samples(100)
        .seed(5)
        .range(-2.0, 2.0);
    let report = check_formula(|v| v[0].ln(), &vars, &options).unwrap();
    assert!(report.passed(), "{report}");
    assert!(
        report.skipped_domain > 30 && report.checked > 30,
        "{report}"
    );
    assert_eq!(report.checked + report.skipped_domain, 100);
    assert!(report.to_string().contains("outside the domain"));
}

#[test]
fn a_function_nan_everywhere_is_inconclusive() {
    let vars = [Variable::new("x").derivative(|_| 0.0)];
    let report = check_formula(
        |v| (-1.0 - v[0] * v[0]).sqrt(),
        &vars,
        &FormulaOptions::default().samples(10),
    )
    .unwrap();
    assert_eq!(report.verdict(), Verdict::Inconclusive);
    assert_eq!(report.skipped_domain, 10);
    assert!(report.to_string().contains("10 points outside the domain"));
}

#[test]
fn a_nan_or_inf_formula_where_the_function_is_finite_fails_clearly() {
    // f = x², formula 2x·√x/√x: right for x > 0, NaN for x < 0.
    let vars = [Variable::new("x").derivative(|p| 2.0 * p[0] * p[0].sqrt() / p[0].sqrt())];
    let report = check_formula(|v| v[0] * v[0], &vars, &FormulaOptions::default()).unwrap();
    assert_eq!(report.verdict(), Verdict::Fail);
    let x = report.variable("x").unwrap();
    assert!(x.non_finite_formula > 0 && x.non_finite_formula == x.failed);
    assert!(x.worst.as_ref().unwrap().formula.unwrap().is_nan());
    let text = report.to_string();
    assert!(
        text.contains("NaN") && text.contains("the formula is NaN or inf"),
        "{text}"
    );

    let vars = [Variable::new("x").derivative(|_| f64::INFINITY)];
    let report = check_formula(|v| v[0] * v[0], &vars, &FormulaOptions::default()).unwrap();
    assert_eq!(report.verdict(), Verdict::Fail);
    assert!(report.to_string().contains("inf"));
}

#[test]
fn gradcheck_reports_non_finite_derivatives_as_failures() {
    // √x at 0: value 0, derivative +inf, and x − eps is outside the domain.
    let r = gradcheck(|v| v[0].sqrt(), &[0.0], GradcheckOptions::default());
    assert!(!r.passed());
    let c = r.get(0, 0).unwrap();
    assert_eq!(c.analytical, f64::INFINITY);
    assert_eq!(c.status, Status::NonFinite);
    assert_eq!(c.excess, f64::INFINITY);
    let text = r.to_string();
    assert!(
        text.contains("NOT FINITE") && text.contains("never as a pass"),
        "{text}"
    );

    // ln x at −1: NaN everywhere.
    let r = gradcheck(|v| v[0].ln(), &[-1.0], GradcheckOptions::default());
    assert_eq!(r.get(0, 0).unwrap().status, Status::NonFinite);
    assert!(!r.passed());
}

#[test]
fn gradcheck_at_a_kink_fails_and_says_why() {
    // relu'(0) = 0 by convention; the central difference there is ½.
    let r = gradcheck(|v| v[0].relu(), &[0.0], GradcheckOptions::default());
    assert!(!r.passed());
    let c = r.get(0, 0).unwrap();
    assert_eq!((c.analytical, c.kink), (0.0, Some("relu")));
    assert_relative_eq!(c.numerical, 0.5, max_relative = 1e-9);
    assert!(r.to_string().contains("crosses relu"));
}

#[test]
fn gradcheck_numbers_match_an_independent_computation() {
    // f(x, y) = x³·y; ∂f/∂x = 3x²y, ∂f/∂y = x³. With a large step the truncation error is
    // known exactly: ((x + h)³ − (x − h)³) / 2h = 3x² + h², so the numerical ∂f/∂x is
    // 3x²y + h²y (abs err h²|y|), and ∂f/∂y (linear in y) is exact up to rounding.
    let (x, y, h) = (1.3_f64, -0.7_f64, 1e-3_f64);
    let o = GradcheckOptions::default().eps(h);
    let r = gradcheck(|v| v[0].powi(3) * v[1], &[x, y], o).with_names(&["x", "y"]);
    assert_eq!(r.kind, CheckKind::Gradient);
    assert_relative_eq!(r.outputs[0], x.powi(3) * y, max_relative = 1e-15);
    let analytical = [3.0 * x * x * y, x.powi(3)];
    let numerical = [3.0 * x * x * y + h * h * y, x.powi(3)];
    for j in 0..2 {
        let c = r.get(0, j).unwrap();
        assert_relative_eq!(c.analytical, analytical[j], max_relative = 1e-14);
        assert_relative_eq!(c.numerical, numerical[j], max_relative = 1e-11);
        assert_eq!(c.abs_err, (c.analytical - c.numerical).abs());
        assert_eq!(c.rel_err, c.abs_err / c.numerical.abs());
        assert_eq!(c.excess, c.abs_err / (1e-5 + 1e-3 * c.numerical.abs()));
        assert_eq!(c.status, Status::Pass);
    }
    let cx = r.get(0, 0).unwrap();
    assert_relative_eq!(cx.abs_err, h * h * y.abs(), max_relative = 1e-5);
    assert_relative_eq!(
        cx.rel_err,
        h * h * y.abs() / numerical[0].abs(),
        max_relative = 1e-5
    );
    assert!(r.get(0, 1).unwrap().abs_err < 1e-10);
    assert_eq!(r.worst().unwrap().input, 0);
    assert_eq!(r.label(cx), "∂f/∂x");
    let text = r.to_string();
    assert!(text.contains("worst ∂f/∂x: abs err 7.0e-7"), "{text}");
    assert!(text.contains("at x = 1.3, y = -0.7"), "{text}");

    // A tolerance below the truncation error turns the same numbers into a failure.
    let strict = gradcheck(|v| v[0].powi(3) * v[1], &[x, y], o.atol(1e-8).rtol(1e-8));
    assert_eq!(strict.failures().map(|c| c.input).collect::<Vec<_>>(), [0]);
    assert_eq!(strict.get(0, 0).unwrap().status, Status::Mismatch);
    assert!(strict.to_string().contains("FAIL (1 of 2)"));
}

#[test]
fn richardson_extrapolation_is_more_accurate_with_a_large_step() {
    // eˣ at 1 with eps = 1e-3: the plain central difference is off by about e·eps²/6 ≈ 4.5e-7,
    // Richardson's (4·D(h/2) − D(h)) / 3 by about e·eps⁴/480 (below rounding).
    let o = GradcheckOptions::default().eps(1e-3);
    let plain = gradcheck(|v| v[0].exp(), &[1.0], o);
    let rich = gradcheck(|v| v[0].exp(), &[1.0], o.richardson(true));
    let e = 1.0_f64.exp();
    let d = |h: f64| ((1.0 + h).exp() - (1.0 - h).exp()) / (2.0 * h);
    let (cp, cr) = (plain.get(0, 0).unwrap(), rich.get(0, 0).unwrap());
    assert_relative_eq!(cp.numerical, d(1e-3), max_relative = 1e-14);
    assert_relative_eq!(
        cr.numerical,
        (4.0 * d(5e-4) - d(1e-3)) / 3.0,
        max_relative = 1e-14
    );
    assert_relative_eq!(cp.abs_err, e * 1e-6 / 6.0, max_relative = 1e-3);
    assert!(cr.abs_err < 1e-10, "{rich}");
    assert!(rich.to_string().contains("Richardson"));
}

#[test]
fn check_formula_worst_point_and_numbers_are_right() {
    // f = x², formula 4x (factor 2). excess = 2|x| / (1e-5 + 1e-3·2|x|) grows with |x|,
    // so of the given points the worst is x = −2: formula −8, autograd −4, rel err 1.
    let vars = [Variable::new("x").derivative(|p| 4.0 * p[0])];
    let options = FormulaOptions::default().at(vec![vec![0.5], vec![-2.0], vec![1.5]]);
    let report = check_formula(|v| v[0] * v[0], &vars, &options).unwrap();
    assert_eq!(report.seed, None);
    let x = report.variable("x").unwrap();
    assert_eq!((x.checked, x.failed, x.fd_disagreements), (3, 3, 0));
    let w = x.worst.as_ref().unwrap();
    assert_eq!(w.point, vec![-2.0]);
    assert_eq!(w.formula, Some(-8.0));
    assert_eq!(w.autograd, -4.0);
    let fd = ((-2.0_f64 + 1e-6).powi(2) - (-2.0_f64 - 1e-6).powi(2)) / 2e-6;
    assert_relative_eq!(w.finite_difference, fd, max_relative = 1e-12);
    assert_eq!((w.abs_err, w.rel_err), (4.0, 1.0));
    let text = report.to_string();
    for needle in ["-8", "-4", "4.0e0", "1.0e0", "x: worst point at x = -2"] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
}

#[test]
fn without_a_formula_the_engine_is_checked_against_finite_differences() {
    // sin(1e5·x): with eps = 1e-6 the central difference is off by (k·eps)²/6 ≈ 0.17 % —
    // more than rtol. A correct formula still passes (it is compared with autograd, and the
    // disagreement is a warning); the self-test fails; Richardson fixes the difference.
    let f: F = |v| (v[0] * 1e5).sin();
    let options = FormulaOptions::default().samples(40).seed(3);
    let with = [Variable::new("x").derivative(|p| 1e5 * (1e5 * p[0]).cos())];
    let report = check_formula(f, &with, &options).unwrap();
    assert!(report.passed(), "{report}");
    assert!(report.variables[0].fd_disagreements > 0);
    assert!(report.to_string().contains("warning"));

    let without = [Variable::new("x")];
    let report = check_formula(f, &without, &options).unwrap();
    assert_eq!(report.verdict(), Verdict::Fail, "{report}");
    assert!(!report.variables[0].has_formula);

    let precise = options
        .clone()
        .check(GradcheckOptions::default().richardson(true));
    let report = check_formula(f, &without, &precise).unwrap();
    assert!(report.passed(), "{report}");
}

#[test]
fn random_points_are_seeded_and_inside_each_range() {
    let vars = || {
        [
            Variable::new("a").derivative(|p| p[1]).range(10.0, 11.0),
            Variable::new("b").derivative(|p| p[0]),
        ]
    };
    let options = FormulaOptions::default()
        .samples(25)
        .seed(42)
        .range(-0.5, 0.5);
    let f: F = |v| v[0] * v[1];
    let first = check_formula(f, &vars(), &options).unwrap();
    let again = check_formula(f, &vars(), &options).unwrap();
    let other = check_formula(f, &vars(), &options.clone().seed(43)).unwrap();
    assert_eq!(first, again);
    assert_ne!(first.variables[0].worst, other.variables[0].worst);
    assert_eq!(first.seed, Some(42));
    assert_eq!(
        options.points,
        Points::Random {
            samples: 25,
            seed: 42
        }
    );
    for v in &first.variables {
        let p = &v.worst.as_ref().unwrap().point;
        assert!(
            (10.0..11.0).contains(&p[0]) && (-0.5..0.5).contains(&p[1]),
            "{p:?}"
        );
    }
}

#[test]
fn gradgradcheck_numbers_match_hand_second_derivatives() {
    // f = x²y + sin(xy):
    //   f_xx = 2y − y² sin(xy), f_xy = 2x + cos(xy) − xy sin(xy), f_yy = −x² sin(xy)
    let (x, y) = (0.8_f64, -1.1_f64);
    let s = (x * y).sin();
    let hand = [
        [2.0 * y - y * y * s, 2.0 * x + (x * y).cos() - x * y * s],
        [2.0 * x + (x * y).cos() - x * y * s, -x * x * s],
    ];
    let r = gradgradcheck(
        |v| v[0] * v[0] * v[1] + (v[0] * v[1]).sin(),
        &[x, y],
        Default::default(),
    )
    .with_names(&["x", "y"]);
    assert!(r.passed(), "{r}");
    assert_eq!(r.kind, CheckKind::SecondDerivative);
    for (i, row) in hand.iter().enumerate() {
        for (j, &h) in row.iter().enumerate() {
            let c = r.get(i, j).unwrap();
            assert_relative_eq!(c.analytical, h, max_relative = 1e-12);
            assert_relative_eq!(c.numerical, h, max_relative = 1e-6);
        }
    }
    assert_eq!(r.label(r.get(0, 1).unwrap()), "∂²f/∂x∂y");
    assert_eq!(r.label(r.get(1, 1).unwrap()), "∂²f/∂y²");
}

#[test]
fn gradgradcheck_passes_on_smooth_functions_of_three_variables() {
    let fs: [F; 4] = [
        |v| (v[0] * v[1] + v[2]).tanh() * v[0].exp(),
        |v| (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt().ln(),
        |v| (v[0] / v[1]).sigmoid() * v[2].cos(),
        |v| v[0].powf(1.5) * v[1].sin() + v[2].powi(-2),
    ];
    for (k, f) in fs.iter().enumerate() {
        for point in [[0.4, 1.2, -0.9], [1.7, -0.5, 2.2]] {
            let r = gradgradcheck(f, &point, GradcheckOptions::default());
            assert!(r.passed(), "function {k} at {point:?}:\n{r}");
            assert_eq!(r.components.len(), 9);
            // A Hessian is symmetric.
            for i in 0..3 {
                for j in 0..3 {
                    let (a, b) = (r.get(i, j).unwrap(), r.get(j, i).unwrap());
                    assert_relative_eq!(a.analytical, b.analytical, max_relative = 1e-12);
                }
            }
        }
    }
}

#[test]
fn gradcheck_jacobian_checks_every_output() {
    // f(x, y) = (xy, x/y, eˣ): J = [[y, x], [1/y, −x/y²], [eˣ, 0]]
    let (x, y) = (0.6_f64, 1.7_f64);
    let r = gradcheck_jacobian(
        |v| vec![v[0] * v[1], v[0] / v[1], v[0].exp()],
        &[x, y],
        GradcheckOptions::default(),
    );
    assert!(r.passed(), "{r}");
    assert_eq!((r.kind, r.components.len()), (CheckKind::Jacobian, 6));
    let hand = [[y, x], [1.0 / y, -x / (y * y)], [x.exp(), 0.0]];
    for (i, row) in hand.iter().enumerate() {
        for (j, &h) in row.iter().enumerate() {
            assert_relative_eq!(r.get(i, j).unwrap().analytical, h, max_relative = 1e-14);
        }
    }
    assert_eq!(r.label(r.get(2, 0).unwrap()), "∂f2/∂x0");
}

#[test]
fn tables_are_aligned() {
    let r = gradcheck(
        |v| v[0].powi(3) * v[1] + v[1].exp(),
        &[123.456, -0.001],
        GradcheckOptions::default(),
    );
    let report = run(
        |v| v[0] * v[1],
        [|p| p[1], |p| 2.0 * p[0]],
        &FormulaOptions::default(),
    );
    for (text, header) in [
        (r.to_string(), "component"),
        (report.to_string(), "variable"),
    ] {
        let lines: Vec<&str> = text.lines().collect();
        let start = lines
            .iter()
            .position(|l| l.trim_start().starts_with(header))
            .unwrap();
        let widths: Vec<usize> = lines[start..]
            .iter()
            .take_while(|l| !l.contains(": ") || l.contains('/'))
            .map(|l| l.chars().count())
            .collect();
        assert!(widths.len() >= 3, "{text}");
        assert!(widths.iter().all(|&w| w == widths[0]), "{widths:?}\n{text}");
    }
}

#[test]
fn bad_input_is_a_clear_error() {
    let f: F = |v| v[0] * v[1];
    let two = || [Variable::new("x"), Variable::new("y")];
    let err = |vars: &[Variable<'_>], o: FormulaOptions| match check_formula(f, vars, &o) {
        Err(Error::Invalid(msg)) => msg,
        other => panic!("expected an error, got {other:?}"),
    };
    assert!(err(&[], FormulaOptions::default()).contains("no variables"));
    let dup = [Variable::new("x"), Variable::new("x")];
    assert!(err(&dup, FormulaOptions::default()).contains("'x' is listed twice"));
    assert!(err(&two(), FormulaOptions::default().range(1.0, 1.0)).contains("LO < HI"));
    let ranged = [Variable::new("x").range(2.0, f64::NAN), Variable::new("y")];
    assert!(err(&ranged, FormulaOptions::default()).contains("'x'"));
    assert!(err(&two(), FormulaOptions::default().samples(0)).contains("at least 1"));
    let short = FormulaOptions::default().at(vec![vec![1.0, 2.0], vec![1.0]]);
    assert!(err(&two(), short).contains("point 2 has 1 values but there are 2 variables"));
    let nan = FormulaOptions::default().at(vec![vec![1.0, f64::NAN]]);
    assert!(err(&two(), nan).contains("non-finite"));
    let eps = FormulaOptions::default().check(GradcheckOptions::default().eps(0.0));
    assert!(err(&two(), eps).contains("eps"));
    let atol = FormulaOptions::default().check(GradcheckOptions::default().atol(-1.0));
    assert!(err(&two(), atol).contains("atol"));

    assert!(matches!(
        try_gradcheck(|v| v[0], &[], GradcheckOptions::default()),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        tapegrad::gradcheck::try_gradcheck_jacobian(|_| vec![], &[1.0], Default::default()),
        Err(Error::Invalid(msg)) if msg.contains("no outputs")
    ));
}

/// `check_expression`: the formulas of the expression language, and each misuse an error.
#[test]
fn check_expression_checks_formulas_and_refuses_misuse() {
    use tapegrad::expr::Program;
    use tapegrad::gradcheck::{ExpressionFormula, check_expression};
    let p = |s: &str| Program::parse(s).unwrap();
    let f = p("sin(x) * y");
    let names: Vec<String> = vec!["x".into(), "y".into()];
    // ∂f/∂x = cos(x)·y is right; ∂f/∂y = -sin(x) has the sign wrong.
    let dx = ExpressionFormula::new("x", p("cos(x) * y"), &names).unwrap();
    let dy = ExpressionFormula::new("y", p("-sin(x)"), &names).unwrap();
    let opts = FormulaOptions::default().samples(20);
    let report = check_expression(&f, &names, &[dx.clone(), dy], &[], &opts).unwrap();
    assert_eq!(report.variables[0].verdict, Verdict::Pass, "{report}");
    assert_eq!(report.variables[1].verdict, Verdict::Fail, "{report}");
    // Its own range for y only: every point has y in [5, 6).
    let ranged = [None, Some((5.0, 6.0))];
    let report = check_expression(&f, &names, std::slice::from_ref(&dx), &ranged, &opts).unwrap();
    assert!(report.passed(), "{report}");

    let message = |r: tapegrad::Result<_>| r.map(|_: FormulaReport| ()).unwrap_err().to_string();
    let twice = [dx.clone(), dx.clone()];
    assert_eq!(
        message(check_expression(&f, &names, &twice, &[], &opts)),
        "invalid argument: two formulas for ∂/∂x"
    );
    assert_eq!(
        message(check_expression(&f, &names, &[], &[None], &opts)),
        "invalid argument: 1 ranges for 2 variables: give one per variable (None for the default) or none"
    );
    let only_x: Vec<String> = vec!["x".into()];
    assert_eq!(
        message(check_expression(&f, &only_x, &[], &[], &opts)),
        "error at 1:10: 'y' is not among the variables checked"
    );
    let xyz: Vec<String> = vec!["x".into(), "y".into(), "z".into()];
    assert_eq!(
        message(check_expression(&f, &xyz, &[dx], &[], &opts)),
        "invalid argument: the formula for ∂/∂x was made for other variables than these"
    );
    let xx: Vec<String> = vec!["x".into(), "x".into()];
    assert_eq!(
        message(check_expression(&p("x"), &xx, &[], &[], &opts)),
        "invalid argument: 'x' is listed twice among the variables (at 0 and 1)"
    );
    assert_eq!(
        ExpressionFormula::new("w", p("1"), &names)
            .unwrap_err()
            .to_string(),
        "invalid argument: a formula for ∂/∂w, but 'w' is not a variable of the expression"
    );
}
