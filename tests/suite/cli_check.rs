//! `tapegrad check` and `tapegrad grad --check-nan`, run as a user would.

use std::process::{Command, Output};

fn tapegrad(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tapegrad"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn correct_formulas_pass_with_status_0() {
    // f = x²y + sin y: ∂f/∂x = 2xy, ∂f/∂y = x² + cos y
    let o = tapegrad(&[
        "check",
        "x^2*y + sin(y)",
        "--d",
        "x=2*x*y",
        "--d",
        "y=x^2 + cos(y)",
        "--samples",
        "60",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("PASS, 60 points: 60 compared"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_wrong_formula_fails_with_status_1_and_names_the_variable() {
    // ∂f/∂y of x²y is x², not 2x: the x-vs-x² mix-up
    let o = tapegrad(&[
        "check",
        "x^2*y",
        "--d",
        "x=2*x*y",
        "--d",
        "y=2*x",
        "--samples",
        "40",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(out.contains("FAIL"), "{out}");
    let y_row = out
        .lines()
        .find(|l| l.trim_start().starts_with("y "))
        .expect("a row for y");
    assert!(y_row.contains("FAIL"), "{out}");
    let x_row = out
        .lines()
        .find(|l| l.trim_start().starts_with("x "))
        .expect("a row for x");
    assert!(x_row.contains("ok"), "{out}");
    assert!(out.contains("y: worst point at x = "), "{out}");
}

#[test]
fn json_report_has_the_three_numbers_at_the_worst_point() {
    let o = tapegrad(&[
        "check",
        "exp(2*x)",
        "--d",
        "x=exp(2*x)",
        "--at",
        "x=0.5",
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("one JSON object");
    assert_eq!(v["verdict"], "FAIL");
    let worst = &v["variables"][0]["worst"];
    // formula e^(2x) = e at x = ½; autograd 2e^(2x) = 2e; relative error |e − 2e| / 2e = ½
    let e = std::f64::consts::E;
    assert!((worst["formula"].as_f64().unwrap() - e).abs() < 1e-12);
    assert!((worst["autograd"].as_f64().unwrap() - 2.0 * e).abs() < 1e-12);
    assert!((worst["finite_difference"].as_f64().unwrap() - 2.0 * e).abs() < 1e-6);
    assert!((worst["rel_err"].as_f64().unwrap() - 0.5).abs() < 1e-12);
    assert_eq!(worst["point"]["x"], 0.5);
}

#[test]
fn without_formulas_the_engine_checks_itself() {
    let o = tapegrad(&["check", "tanh(w*x + b)", "--samples", "25", "--seed", "3"]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("(random, seed 3)"));
}

#[test]
fn kinks_are_skipped_not_reported() {
    // relu and abs near 0 on a narrow range: points that straddle the kink are skipped
    let o = tapegrad(&[
        "check",
        "relu(x) + abs(x)",
        "--d",
        "x=1 + 1",
        "--range",
        "0.000001:2",
        "--samples",
        "30",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[test]
fn nothing_compared_is_not_a_pass() {
    let o = tapegrad(&[
        "check",
        "log(x)",
        "--d",
        "x=1/x",
        "--range",
        "-5:-1",
        "--samples",
        "10",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("INCONCLUSIVE"), "{}", stdout(&o));
}

#[test]
fn bad_input_exits_2_with_one_line() {
    for (args, message) in [
        (
            vec!["check", "x*y", "--d", "x=tahn(y)"],
            "error in --d x: error at 1:1: unknown function 'tahn' (did you mean 'tanh'?)\n  \
             tahn(y)\n  ^",
        ),
        (
            vec!["check", "x*y", "--d", "x=q"],
            "error in --d x: error at 1:1: 'q' is not a variable of the expression\n  q\n  ^",
        ),
        (
            vec!["check", "x*y", "--d", "x"],
            "error: --d 'x': expected NAME=FORMULA, like x=2*x",
        ),
        (
            vec!["check", "x*y", "--d", "x=y", "--d", "x=y"],
            "error: --d 'x=y': 'x' has two formulas",
        ),
        (
            vec!["check", "x*y", "--range", "3:1"],
            "error: --range '3:1': expected LO:HI with LO < HI, like -3:3",
        ),
        (
            vec!["check", "x*y", "--d", "z=1", "--at", "x=1,y=2"],
            "error: --d z: 'z' is not a variable of the expression (its variables: x, y)",
        ),
        (
            vec!["check", "x*y", "--d", "x=y", "--d", "z=1"],
            "error: --d z: 'z' is not a variable of the expression (its variables: x, y)",
        ),
        (
            vec!["check", "x*y", "--d", "x=y", "--at", "x=1,y=2,z=3"],
            "error: --at z: 'z' is not a variable of the expression (its variables: x, y)",
        ),
        (
            vec!["check", "x*y", "--at", "x=1"],
            "error at 1:3: 'y' has no value; give it a value with --at y=...",
        ),
        (
            vec!["check", "2 + 3"],
            "error: the expression has no variables to check",
        ),
    ] {
        let o = tapegrad(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert_eq!(stderr(&o), format!("{message}\n"), "{args:?}");
        assert!(stdout(&o).is_empty());
    }
}

#[test]
fn grad_check_nan_names_the_op() {
    let o = tapegrad(&["grad", "y = log(x); y*2", "--at", "x=0", "--check-nan"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        stderr(&o),
        "anomaly: non-finite value in forward: `log` at node n1 produced -inf from input(s) [0]\n"
    );
    let o = tapegrad(&["grad", "sqrt(x)*3", "--at", "x=0", "--check-nan"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("upstream 3 × local partial inf = inf"),
        "{}",
        stderr(&o)
    );
    // without the flag the infinities are printed, and with it a finite case is unchanged
    assert_eq!(
        tapegrad(&["grad", "sqrt(x)*3", "--at", "x=0"])
            .status
            .code(),
        Some(0)
    );
    let o = tapegrad(&["grad", "sqrt(x)*3", "--at", "x=4", "--check-nan", "--json"]);
    assert_eq!(
        stdout(&o),
        "{\"value\": 6.0, \"vars\": [\"x\"], \"grad\": [0.75]}\n"
    );
}

#[test]
fn a_formula_off_by_a_sign_or_a_factor_of_2_says_so() {
    for (formula, line) in [
        (
            "x=-2*x",
            "x: the formula is −1 × autograd at every point: a sign error?",
        ),
        (
            "x=4*x",
            "x: the formula is 2 × autograd at every point: a factor of 2?",
        ),
        (
            "x=x",
            "x: the formula is 0.5 × autograd at every point: a factor of 2?",
        ),
    ] {
        let o = tapegrad(&["check", "x^2", "--d", formula, "--samples", "20"]);
        assert_eq!(o.status.code(), Some(1));
        let out = stdout(&o);
        assert!(out.lines().any(|l| l.trim() == line), "{formula}: {out}");
    }
    // Wrong in another way: no hint.
    let o = tapegrad(&["check", "x^2", "--d", "x=x^2", "--samples", "20"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!stdout(&o).contains("at every point"), "{}", stdout(&o));
}
