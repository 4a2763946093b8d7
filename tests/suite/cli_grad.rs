//! `tapegrad grad`: the JSON contract, the human table, the Hessian, and every error path
//! (exit status 2, one line on stderr).

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::{Value, json};

/// Runs `tapegrad` with `args`, feeding `stdin`.
fn run_with_stdin(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tapegrad"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the tapegrad binary runs");
    let mut input = child.stdin.take().unwrap();
    let text = stdin.to_string();
    // Write from another thread so a large input cannot deadlock against the output pipes.
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(text.as_bytes());
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

fn run(args: &[&str]) -> Output {
    run_with_stdin(args, "")
}

/// Successful run: stdout as text.
fn ok(args: &[&str]) -> String {
    let out = run(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{args:?} failed: {stderr}");
    assert!(stderr.is_empty(), "{args:?} wrote to stderr: {stderr}");
    String::from_utf8(out.stdout).unwrap()
}

/// Successful `--json` run: the one object printed.
fn json_of(args: &[&str]) -> Value {
    let text = ok(args);
    assert_eq!(text.lines().count(), 1, "one line of JSON: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// Failed run: exit status 2, nothing on stdout, exactly one line on stderr; returns it.
fn fails(args: &[&str]) -> String {
    let out = run(args);
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    assert!(out.stdout.is_empty(), "{args:?} printed to stdout");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "one line on stderr: {stderr:?}");
    stderr.trim_end().to_string()
}

#[test]
fn json_has_exactly_the_documented_shape() {
    // f = x²y + sin y at (1.5, −2):
    //   ∂f/∂x = 2xy = −6, ∂f/∂y = x² + cos y
    //   H = [[2y, 2x], [2x, −sin y]] = [[−4, 3], [3, −sin(−2)]]
    let (x, y) = (1.5f64, -2.0f64);
    let text = ok(&["grad", "x^2 * y + sin(y)", "--at", "x=1.5,y=-2", "--json"]);
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        v,
        json!({
            "value": x * x * y + y.sin(),
            "vars": ["x", "y"],
            "grad": [2.0 * x * y, x * x + y.cos()],
        })
    );
    // Keys in the documented order.
    assert!(text.starts_with("{\"value\": "), "{text}");
    let (vars, grad) = (
        text.find("\"vars\"").unwrap(),
        text.find("\"grad\"").unwrap(),
    );
    assert!(vars < grad);

    let v = json_of(&[
        "grad",
        "x^2 * y + sin(y)",
        "--at",
        "x=1.5,y=-2",
        "--json",
        "--hessian",
    ]);
    assert_eq!(
        v["hessian"],
        json!([[2.0 * y, 2.0 * x], [2.0 * x, -y.sin()]])
    );
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    let mut want = vec!["value", "vars", "grad", "hessian"];
    want.sort();
    assert_eq!(keys, want);
}

#[test]
fn vars_follow_the_at_order_and_unused_ones_get_zero() {
    // f = x·y: ∂f/∂y = x = 2, ∂f/∂x = y = 3, ∂f/∂z = 0 (z is not in f); H has 1s off the diagonal
    let v = json_of(&[
        "grad",
        "x*y",
        "--at",
        "y=3",
        "--at",
        "z=7,x=2",
        "--json",
        "--hessian",
    ]);
    assert_eq!(
        v,
        json!({
            "value": 6.0,
            "vars": ["y", "z", "x"],
            "grad": [2.0, 0.0, 3.0],
            "hessian": [[0.0, 0.0, 1.0], [0.0, 0.0, 0.0], [1.0, 0.0, 0.0]],
        })
    );
}

#[test]
fn sharing_and_hessian_values() {
    // x·x: one leaf twice, so d/dx = 2x = 6 and d²/dx² = 2
    let v = json_of(&["grad", "x*x", "--at", "x=3", "--json", "--hessian"]);
    assert_eq!(
        v,
        json!({"value": 9.0, "vars": ["x"], "grad": [6.0], "hessian": [[2.0]]})
    );
    // x³ at −2: 3x² = 12, 6x = −12
    let v = json_of(&["grad", "x^3", "--at", "x=-2", "--json", "--hessian"]);
    assert_eq!(v["grad"], json!([12.0]));
    assert_eq!(v["hessian"], json!([[-12.0]]));
    // No variables at all: a constant.
    let v = json_of(&["grad", "2^-1 * 3", "--json", "--hessian"]);
    assert_eq!(
        v,
        json!({"value": 1.5, "vars": [], "grad": [], "hessian": []})
    );
}

#[test]
fn non_finite_numbers_are_strings() {
    // e^710 overflows: value and derivative inf
    let v = json_of(&["grad", "exp(x)", "--at", "x=710", "--json"]);
    assert_eq!(v, json!({"value": "inf", "vars": ["x"], "grad": ["inf"]}));
    // √x at 0: value 0, derivative +inf, second derivative −1/(4x^1.5) = −inf
    let v = json_of(&["grad", "sqrt(x)", "--at", "x=0", "--json", "--hessian"]);
    assert_eq!(
        v,
        json!({"value": 0.0, "vars": ["x"], "grad": ["inf"], "hessian": [["-inf"]]})
    );
    // ln 0 = −inf with derivative 1/0 = inf; √−1 is nan
    let v = json_of(&["grad", "log(x)", "--at", "x=0", "--json"]);
    assert_eq!((&v["value"], &v["grad"]), (&json!("-inf"), &json!(["inf"])));
    let v = json_of(&["grad", "sqrt(x)", "--at", "x=-1", "--json"]);
    assert_eq!((&v["value"], &v["grad"]), (&json!("nan"), &json!(["nan"])));
}

#[test]
fn human_table() {
    // f = x·y at (3, −2): value −6, ∂f/∂x = y = −2, ∂f/∂y = x = 3, numbers aligned
    assert_eq!(
        ok(&["grad", "x*y", "--at", "x=3,y=-2"]),
        "value  -6\n∂f/∂x  -2\n∂f/∂y   3\n"
    );
    // f = x²·y at (0.5, −4): value −1, ∇ = (2xy, x²) = (−4, 0.25), H = [[2y, 2x], [2x, 0]]
    assert_eq!(
        ok(&["grad", "x^2*y", "--at", "x=0.5,y=-4", "--hessian"]),
        "value  -1\n\
         ∂f/∂x  -4\n\
         ∂f/∂y   0.25\n\
         \n\
         Hessian  x   y\n\
         x        -8  1\n\
         y         1  0\n"
    );
    assert_eq!(
        ok(&["grad", "exp(x)", "--at", "x=710"]),
        "value  inf\n∂f/∂x  inf\n"
    );
}

#[test]
fn expression_from_stdin_or_a_file_and_leading_minus() {
    let out = run_with_stdin(&["grad", "-", "--at", "x=2", "--json"], "y = x*x;\ny*y\n");
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    // x⁴ at 2: 16, 4x³ = 32
    assert_eq!(v["value"], json!(16.0));
    assert_eq!(v["grad"], json!([32.0]));

    let path = std::env::temp_dir().join(format!("tapegrad-cli-{}.expr", std::process::id()));
    std::fs::write(&path, "tanh(x)").unwrap();
    let arg = format!("@{}", path.display());
    let v = json_of(&["grad", &arg, "--at", "x=0", "--json"]);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(v["grad"], json!([1.0]));

    // An expression that starts with '-' is still the expression, not an option.
    let v = json_of(&["grad", "-x^2", "--at", "x=3", "--json"]);
    assert_eq!((&v["value"], &v["grad"]), (&json!(-9.0), &json!([-6.0])));
}

#[test]
fn a_million_term_sum_and_deep_nesting() {
    // Σ x over 10⁶ terms = 10⁶·x, derivative 10⁶ (too long for one argv entry, so via stdin)
    let n = 1_000_000;
    let src = vec!["x"; n].join("+");
    let out = run_with_stdin(&["grad", "-", "--at", "x=0.5", "--json"], &src);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["value"], json!(n as f64 * 0.5));
    assert_eq!(v["grad"], json!([n as f64]));

    // 200,000 nested parentheses around sin(x): value sin x, derivative cos x
    let depth = 200_000;
    let src = format!("{}sin(x){}", "(".repeat(depth), ")".repeat(depth));
    let out = run_with_stdin(&["grad", "-", "--at", "x=1", "--json"], &src);
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["grad"], json!([1f64.cos()]));
}

/// Failed parse: exit status 2, nothing on stdout, the message then the source line and a
/// caret under the column on stderr (as the playground shows it); returns stderr.
fn parse_fails(args: &[&str]) -> String {
    let out = run(args);
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    assert!(out.stdout.is_empty(), "{args:?} printed to stdout");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        stderr.lines().count(),
        3,
        "message, source, caret: {stderr:?}"
    );
    stderr
}

#[test]
fn syntax_errors_exit_2_with_position_caret_and_hint() {
    assert_eq!(
        parse_fails(&["grad", "1 + 2*tahn(x)", "--at", "x=1"]),
        "error at 1:7: unknown function 'tahn' (did you mean 'tanh'?)\n  1 + 2*tahn(x)\n        ^\n"
    );
    assert_eq!(
        parse_fails(&["grad", "x +", "--at", "x=1"]),
        "error at 1:4: unexpected end of input: expected a number, a name or '('\n  x +\n     ^\n"
    );
    assert_eq!(
        parse_fails(&["grad", "max(x)", "--at", "x=1"]),
        "error at 1:1: max takes 2 arguments, but 1 was given\n  max(x)\n  ^\n"
    );
    assert!(
        parse_fails(&["grad", "x^y", "--at", "x=1,y=2"])
            .starts_with("error at 1:3: the exponent after '^' must be a constant number")
    );
    assert_eq!(
        parse_fails(&["grad", "x^2^3", "--at", "x=1"]),
        "error at 1:4: '^' cannot follow an exponent: write (x^a)^b, or x^c with the product \
         c = a*b\n  x^2^3\n     ^\n"
    );
    assert_eq!(
        parse_fails(&["grad", "", "--at", "x=1"]),
        "error at 1:1: empty program: expected an expression\n  \n  ^\n"
    );
    // A number with two points gets a hint about the number, not about where numbers start.
    assert_eq!(
        parse_fails(&["grad", "x ^ 2.5.1", "--at", "x=1"]),
        "error at 1:5: malformed number '2.5.1': a number has at most one '.'\n  x ^ 2.5.1\n      ^\n"
    );
    // The caret line is the line of the error in a multi-line program.
    let out = run_with_stdin(&["grad", "-", "--at", "a=1"], "b = a;\nb + sinn(a)");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8(out.stderr).unwrap(),
        "error at 2:5: unknown function 'sinn' (did you mean 'sin'?)\n  b + sinn(a)\n      ^\n"
    );
}

#[test]
fn unicode_minus_reads_as_minus() {
    // U+2212, as the crate's traces print it: `x − 1` and `−x` work.
    let v = json_of(&[
        "grad",
        "x \u{2212} 3*y + \u{2212}x",
        "--at",
        "x=2,y=1",
        "--json",
    ]);
    assert_eq!(v["value"], -3.0);
    assert_eq!(v["grad"], json!([0.0, -3.0]));
}

#[test]
fn missing_values_name_the_variable_and_its_position() {
    assert_eq!(
        fails(&["grad", "x + y", "--at", "x=1"]),
        "error at 1:5: 'y' has no value; give it a value with --at y=..."
    );
    assert_eq!(
        fails(&["grad", "h = tanh(w*x); h*h"]),
        "error at 1:10: 'w' has no value; give it a value with --at w=..."
    );
}

#[test]
fn malformed_at_exits_2() {
    let cases = [
        ("x=abc", "error: --at 'x=abc': 'abc' is not a number"),
        ("x", "error: --at 'x': expected NAME=VALUE, like x=1.5"),
        ("x=1,x=2", "error: --at 'x=2': 'x' is given a value twice"),
        ("x=1,", "error: --at 'x=1,': an entry is empty"),
        ("2x=1", "error: --at '2x=1': '2x' is not a variable name"),
        ("=1", "error: --at '=1': '' is not a variable name"),
        (
            "exp=1",
            "error: --at 'exp=1': 'exp' is a function name, not a variable",
        ),
    ];
    for (at, want) in cases {
        assert_eq!(fails(&["grad", "x", "--at", at]), want, "--at {at}");
    }
    // Duplicates across repeated --at too.
    assert_eq!(
        fails(&["grad", "x", "--at", "x=1", "--at", "x=2"]),
        "error: --at 'x=2': 'x' is given a value twice"
    );
}

#[test]
fn unreadable_expression_file_exits_2() {
    let msg = fails(&["grad", "@no/such/file.expr", "--at", "x=1"]);
    assert!(
        msg.starts_with("error: cannot read the expression from 'no/such/file.expr': "),
        "{msg}"
    );
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    for args in [
        &["grad"][..],
        &["gard", "x"],
        &["grad", "x", "--bogus"],
        &[],
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty());
    }
    let help = ok(&["grad", "--help"]);
    assert!(help.contains("--hessian") && help.contains("--at"));
    assert!(help.contains("--jvp") && help.contains("--hvp"));
    assert!(ok(&["--help"]).contains("grad"));
}

#[test]
fn jvp_and_hvp_in_json_and_the_table() {
    // f = x²y at (3, 2): ∇f = (2xy, x²) = (12, 9), H = [[2y, 2x], [2x, 0]] = [[4, 6], [6, 0]]
    //   ∇f·(1, 2) = 12 + 18 = 30;  H·(0, 1) = (6, 0)
    let text = ok(&[
        "grad",
        "x*x*y",
        "--at",
        "x=3,y=2",
        "--jvp",
        "x=1,y=2",
        "--hvp",
        "y=1",
        "--json",
        "--hessian",
    ]);
    assert_eq!(
        text,
        "{\"value\": 18.0, \"vars\": [\"x\", \"y\"], \"grad\": [12.0, 9.0], \"jvp\": 30.0, \
         \"hvp\": [6.0, 0.0], \"hessian\": [[4.0, 6.0], [6.0, 0.0]]}\n"
    );
    assert_eq!(
        ok(&[
            "grad", "x*x*y", "--at", "x=3,y=2", "--jvp", "x=1,y=2", "--hvp", "y=1"
        ]),
        "value  18\n∂f/∂x  12\n∂f/∂y   9\n∇f·v   30\nH·v     6  0\n"
    );
    // Either flag alone; `--hvp` entries follow the --at order, not the direction's.
    let v = json_of(&["grad", "x*x*y", "--at", "y=2,x=3", "--hvp", "x=1", "--json"]);
    assert_eq!(
        v,
        json!({"value": 18.0, "vars": ["y", "x"], "grad": [9.0, 12.0], "hvp": [6.0, 4.0]})
    );
    let v = json_of(&[
        "grad", "x*x*y", "--at", "x=3,y=2", "--jvp", "y=-1", "--json",
    ]);
    assert_eq!(
        v,
        json!({"value": 18.0, "vars": ["x", "y"], "grad": [12.0, 9.0], "jvp": -9.0})
    );
    assert_eq!(
        ok(&["grad", "x*x*y", "--at", "x=3,y=2", "--jvp", "x=0.5"]),
        "value  18\n∂f/∂x  12\n∂f/∂y   9\n∇f·v    6\n"
    );
    // Repeated like --at; an --at variable the expression does not use counts too.
    let v = json_of(&[
        "grad",
        "x*x*y",
        "--at",
        "x=3,y=2,z=5",
        "--jvp",
        "x=1",
        "--jvp",
        "z=4",
        "--hvp",
        "z=1",
        "--json",
    ]);
    assert_eq!(
        (&v["jvp"], &v["hvp"]),
        (&json!(12.0), &json!([0.0, 0.0, 0.0]))
    );
}

#[test]
fn jvp_and_hvp_with_transcendental_functions() {
    // f = x²y + sin y at (1.5, −2): ∇f = (2xy, x² + cos y), H = [[2y, 2x], [2x, −sin y]]
    let (x, y) = (1.5f64, -2.0f64);
    let v = json_of(&[
        "grad",
        "x^2 * y + sin(y)",
        "--at",
        "x=1.5,y=-2",
        "--jvp",
        "x=1,y=0.5",
        "--hvp",
        "x=0.25,y=-1",
        "--json",
    ]);
    let jvp = 2.0 * x * y + 0.5 * (x * x + y.cos());
    let hvp = [2.0 * y * 0.25 - 2.0 * x, 2.0 * x * 0.25 + y.sin()];
    assert!((v["jvp"].as_f64().unwrap() - jvp).abs() < 1e-14, "{v}");
    for (got, want) in v["hvp"].as_array().unwrap().iter().zip(hvp) {
        assert!((got.as_f64().unwrap() - want).abs() < 1e-14, "{v}");
    }
}

#[test]
fn bad_directions_exit_2() {
    let base = ["grad", "x*y", "--at", "x=1,y=2"];
    let cases: [(&str, &str, &str); 6] = [
        (
            "--jvp",
            "q=1",
            "error: --jvp names 'q', which --at does not give; add --at q=...",
        ),
        (
            "--hvp",
            "x=1,z=0",
            "error: --hvp names 'z', which --at does not give; add --at z=...",
        ),
        (
            "--jvp",
            "x=abc",
            "error: --jvp 'x=abc': 'abc' is not a number",
        ),
        (
            "--hvp",
            "y",
            "error: --hvp 'y': expected NAME=VALUE, like x=1.5",
        ),
        (
            "--jvp",
            "x=1,x=2",
            "error: --jvp 'x=2': 'x' is given a value twice",
        ),
        ("--hvp", "x=1,", "error: --hvp 'x=1,': an entry is empty"),
    ];
    for (flag, dir, want) in cases {
        let mut args = base.to_vec();
        args.extend([flag, dir, "--json"]);
        assert_eq!(fails(&args), want, "{flag} {dir}");
    }
    // A direction on an expression without variables names one --at does not give.
    assert_eq!(
        fails(&["grad", "2*3", "--jvp", "x=1"]),
        "error: --jvp names 'x', which --at does not give; add --at x=..."
    );
}
