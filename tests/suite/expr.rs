//! The expression language: values and gradients against hand derivations, sharing and
//! rebinding, precedence, every error message, printing back, and inputs too large or too deep
//! for a recursive parser.

use approx::assert_relative_eq;
use proptest::prelude::*;
use tapegrad::expr::{Pos, Program};
use tapegrad::{Error, Graph};

/// Value and gradient (in `at` order) of `src`, through the graph.
fn grad(src: &str, at: &[(&str, f64)]) -> (f64, Vec<f64>) {
    let p = Program::parse(src).unwrap_or_else(|e| panic!("{src}: {e}"));
    let g = Graph::new();
    let vars: Vec<_> = at.iter().map(|&(n, v)| (n, g.var(v))).collect();
    let y = p.eval(&g, &vars).unwrap();
    let grads = g.backward(y);
    // The plain-number evaluation runs the same rules: the same bits.
    let plain: Vec<_> = at.to_vec();
    let v = p.eval_f64(&plain).unwrap();
    assert!(
        v.to_bits() == y.value().to_bits() || (v.is_nan() && y.value().is_nan()),
        "{src}: eval_f64 {v} vs graph {}",
        y.value()
    );
    (y.value(), vars.iter().map(|&(_, x)| grads[x]).collect())
}

fn value(src: &str) -> f64 {
    Program::parse(src).unwrap().eval_f64(&[]).unwrap()
}

fn parse_err(src: &str) -> String {
    match Program::parse(src) {
        Ok(p) => panic!("{src:?} parsed as {p}"),
        Err(e) => e.to_string(),
    }
}

// ---------------------------------------------------------------- values and gradients

#[test]
fn elementary_functions_and_their_derivatives() {
    let t = 0.5f64.tanh();
    let s = (-0.3f64).exp() / (1.0 + (-0.3f64).exp());
    let cases: &[(&str, f64, f64, f64)] = &[
        // (expression, x, value, d/dx)
        ("exp(x)", 0.5, 0.5f64.exp(), 0.5f64.exp()), // (eˣ)' = eˣ
        ("log(x)", 4.0, 4f64.ln(), 0.25),            // (ln x)' = 1/x
        ("tanh(x)", 0.5, t, 1.0 - t * t),            // tanh' = 1 − tanh²
        ("sigmoid(x)", 0.0, 0.5, 0.25),              // σ' = σ(1 − σ) = ¼ at 0
        ("sigmoid(x)", -0.3, s, s * (1.0 - s)),      // eˣ/(1 + eˣ) for x < 0
        ("relu(x)", 2.0, 2.0, 1.0),                  // slope 1 for x > 0
        ("relu(x)", -1.0, 0.0, 0.0),                 // slope 0 for x < 0
        ("relu(x)", 0.0, 0.0, 0.0),                  // relu'(0) = 0
        ("sin(x)", 1.0, 1f64.sin(), 1f64.cos()),     // sin' = cos
        ("cos(x)", 1.0, 1f64.cos(), -1f64.sin()),    // cos' = −sin
        ("sqrt(x)", 4.0, 2.0, 0.25),                 // 1/(2√x)
        ("sqrt(x)", 0.0, 0.0, f64::INFINITY),        // √ at 0: derivative +∞
        ("abs(x)", -3.0, 3.0, -1.0),                 // sign(x)
        ("abs(x)", 0.0, 0.0, 0.0),                   // abs'(0) = 0
        ("max(x, 0)", 0.0, 0.0, 0.5),                // a tie splits ½ / ½, unlike relu
        ("min(x, 1)", 0.5, 0.5, 1.0),                // x is the smaller
        ("exp(x)", 710.0, f64::INFINITY, f64::INFINITY), // overflow: inf, derivative inf
        ("tanh(x)", 400.0, 1.0, 0.0),                // saturated: exactly 0
        ("sigmoid(x)", -800.0, 0.0, 0.0),            // no NaN from e^800
    ];
    for &(src, x, want, dwant) in cases {
        let (v, d) = grad(src, &[("x", x)]);
        assert_eq!((v, d[0]), (want, dwant), "{src} at x = {x}");
    }
}

#[test]
fn two_argument_functions() {
    // max(x, y) at (1, 2) = y: ∂/∂x = 0, ∂/∂y = 1; min the other way round.
    assert_eq!(
        grad("max(x, y)", &[("x", 1.0), ("y", 2.0)]),
        (2.0, vec![0.0, 1.0])
    );
    assert_eq!(
        grad("min(x, y)", &[("x", 1.0), ("y", 2.0)]),
        (1.0, vec![1.0, 0.0])
    );
    assert_eq!(
        grad("max(x, y)", &[("x", 1.0), ("y", 1.0)]),
        (1.0, vec![0.5, 0.5])
    );
}

#[test]
fn composite_expressions_match_hand_derivations() {
    // f = x·y + sin x: ∂f/∂x = y + cos x, ∂f/∂y = x
    let (v, d) = grad("x*y + sin(x)", &[("x", 3.0), ("y", -2.0)]);
    assert_eq!(v, -6.0 + 3f64.sin());
    assert_eq!(d, vec![-2.0 + 3f64.cos(), 3.0]);

    // One neuron: s = σ(w·x + b) at w = ½, x = 2, b = −1, so u = 0 and s = ½, s(1 − s) = ¼.
    // ∂s/∂w = ¼·x = ½, ∂s/∂x = ¼·w = ⅛, ∂s/∂b = ¼
    let (v, d) = grad("sigmoid(w*x + b)", &[("w", 0.5), ("x", 2.0), ("b", -1.0)]);
    assert_eq!((v, d), (0.5, vec![0.5, 0.125, 0.25]));

    // Softplus ln(1 + eˣ): derivative eˣ / (1 + eˣ) = σ(x)
    let (v, d) = grad("log(1 + exp(x))", &[("x", 0.7)]);
    assert_relative_eq!(v, (1.0 + 0.7f64.exp()).ln(), epsilon = 1e-15);
    assert_relative_eq!(d[0], 1.0 / (1.0 + (-0.7f64).exp()), epsilon = 1e-15);

    // x / y: (1/y, −x/y²) at (3, 4)
    let (_, d) = grad("x / y", &[("x", 3.0), ("y", 4.0)]);
    assert_eq!(d, vec![0.25, -3.0 / 16.0]);

    // √(x² + y²) at (3, 4) = 5: ∇ = (x, y)/5
    let (v, d) = grad("sqrt(x^2 + y^2)", &[("x", 3.0), ("y", 4.0)]);
    assert_eq!(v, 5.0);
    assert_relative_eq!(d[0], 0.6, epsilon = 1e-15);
    assert_relative_eq!(d[1], 0.8, epsilon = 1e-15);

    // e^(−x²) at 1: derivative −2x·e^(−x²) = −2/e
    let (v, d) = grad("exp(-x^2)", &[("x", 1.0)]);
    assert_relative_eq!(v, (-1f64).exp(), epsilon = 1e-15);
    assert_relative_eq!(d[0], -2.0 * (-1f64).exp(), epsilon = 1e-15);

    // (x − y)² / 2: (x − y, −(x − y)) at (5, 2)
    assert_eq!(
        grad("(x - y)^2 / 2", &[("x", 5.0), ("y", 2.0)]),
        (4.5, vec![3.0, -3.0])
    );
}

#[test]
fn powers() {
    // Integer powers are repeated multiplication, negative bases included: (x³)' = 3x²
    assert_eq!(grad("x^3", &[("x", -2.0)]), (-8.0, vec![12.0]));
    assert_eq!(grad("x^2.0", &[("x", -3.0)]), (9.0, vec![-6.0]));
    // x⁻¹ at 2 = ½, derivative −x⁻² = −¼
    assert_eq!(grad("x^-1", &[("x", 2.0)]), (0.5, vec![-0.25]));
    // x^(−1.5) at 4 = 1/8, derivative −1.5·x^(−2.5) = −1.5/32
    assert_eq!(grad("x^(-1.5)", &[("x", 4.0)]), (0.125, vec![-0.046875]));
    // x^0.5 at 4 = 2, derivative 0.5·x^(−0.5) = ¼
    assert_eq!(grad("x ^ 0.5", &[("x", 4.0)]), (2.0, vec![0.25]));
    // A non-integer power of a negative base is NaN, as powf is.
    assert!(grad("x^0.5", &[("x", -1.0)]).0.is_nan());
    assert_eq!(value("2^-1"), 0.5);
    assert_eq!(value("(-2)^3"), -8.0);
}

#[test]
fn numbers() {
    assert_eq!(value("1.5e-3"), 1.5e-3);
    assert_eq!(value("2E+2"), 200.0);
    assert_eq!(value("2e2"), 200.0);
    assert_eq!(value("007.50"), 7.5);
    assert_eq!(value("1e-400"), 0.0); // underflow to 0 is fine; overflow is an error
}

#[test]
fn micrograd_sanity_check_in_the_language() {
    // micrograd test_engine.py: y = -20, dy/dx = 46
    let src = "z = 2*x + 2 + x; q = relu(z) + z*x; h = relu(z*z); h + q + q*x";
    assert_eq!(grad(src, &[("x", -4.0)]), (-20.0, vec![46.0]));
}

#[test]
fn micrograd_more_ops_in_the_language() {
    // micrograd's `c += c + 1` is `c = c + (c + 1)`: the right side sees the old c.
    let src = "
        c = a + b;
        d = a * b + b^3;
        c = c + (c + 1);
        c = c + (1 + c + (-a));
        d = d + (d * 2 + relu(b + a));
        d = d + (3 * d + relu(b - a));
        e = c - d;
        f = e^2;
        g = f / 2;
        g = g + 10 / f;
        g";
    let (v, d) = grad(src, &[("a", -4.0), ("b", 2.0)]);
    assert_relative_eq!(v, 24.70408163265306, epsilon = 1e-12);
    assert_relative_eq!(d[0], 138.83381924198252, epsilon = 1e-10);
    assert_relative_eq!(d[1], 645.5772594752186, epsilon = 1e-10);
}

// ---------------------------------------------------------------- sharing and rebinding

#[test]
fn every_use_of_a_name_is_one_node() {
    // x·x: one leaf on two paths, d/dx = 2x (not x)
    assert_eq!(grad("x*x", &[("x", 3.0)]), (9.0, vec![6.0]));
    assert_eq!(grad("x+x", &[("x", 3.0)]), (6.0, vec![2.0]));
    // y = x², y·y = x⁴: d/dx = 4x³ = 32 at 2
    assert_eq!(grad("y = x*x; y*y", &[("x", 2.0)]), (16.0, vec![32.0]));
    // Diamond: a = 2x, f = (a + 1)(3a) = (2x + 1)·6x: f' = 12x + 6(2x + 1) = 24x + 6
    assert_eq!(
        grad("a = x*2; b = a + 1; c = a * 3; b*c", &[("x", 1.0)]),
        (18.0, vec![30.0])
    );
    // h used on 20 paths: d/dx Σ h = 20(1 − h²)
    let src = format!("h = tanh(x); {}", vec!["h"; 20].join(" + "));
    let (v, d) = grad(&src, &[("x", 0.5)]);
    let h = 0.5f64.tanh();
    assert_relative_eq!(v, 20.0 * h, epsilon = 1e-14);
    assert_relative_eq!(d[0], 20.0 * (1.0 - h * h), epsilon = 1e-14);
    // The graph holds one tanh node, not twenty.
    let p = Program::parse(&src).unwrap();
    let g = Graph::new();
    let x = g.var(0.5);
    p.eval(&g, &[("x", x)]).unwrap();
    let tanhs = g.nodes().iter().filter(|n| n.op.name() == "tanh").count();
    assert_eq!(tanhs, 1);
}

#[test]
fn rebinding_sees_the_old_binding() {
    // c₁ = x + (x + 1) = 2x + 1; c₂ = c₁²: value 9 and derivative 2c₁·2 = 12 at x = 1
    assert_eq!(
        grad("c = x; c = c + (c + 1); c = c * c; c", &[("x", 1.0)]),
        (9.0, vec![12.0])
    );
    // y keeps the input x; the later x is the constant 10: f = 10(x + 1), f' = 10
    let p = Program::parse("y = x + 1; x = 10; x * y").unwrap();
    assert_eq!(p.inputs(), ["x"]);
    assert_eq!(
        grad("y = x + 1; x = 10; x * y", &[("x", 2.0)]),
        (30.0, vec![10.0])
    );
}

#[test]
fn inputs_are_free_names_in_order_of_first_use() {
    let p = Program::parse("t = b * a;\n  t + c + a").unwrap();
    assert_eq!(p.inputs(), ["b", "a", "c"]);
    assert_eq!(p.input_position(0), Pos { line: 1, col: 5 });
    assert_eq!(p.input_position(2), Pos { line: 2, col: 7 });
    // Columns count characters, not bytes.
    let p = Program::parse("θ*θ + φ").unwrap();
    assert_eq!(p.inputs(), ["θ", "φ"]);
    assert_eq!(p.input_position(1), Pos { line: 1, col: 7 });
    assert!(Program::parse("2 * 3").unwrap().inputs().is_empty());
}

#[test]
fn eval_binding_rules() {
    let p = Program::parse("x + y").unwrap();
    // Extra names are ignored; a missing one is an error at its first use.
    assert_eq!(p.eval_f64(&[("x", 1.0), ("y", 2.0), ("z", 9.0)]), Ok(3.0));
    assert_eq!(
        p.eval_f64(&[("x", 1.0)]).unwrap_err().to_string(),
        "error at 1:5: 'y' has no value"
    );
    assert!(matches!(
        p.eval_f64(&[("x", 1.0), ("y", 2.0), ("x", 3.0)]),
        Err(Error::Invalid(_))
    ));
    assert_eq!(p.eval_f64_values(&[1.0, 2.0]), Ok(3.0));
    assert!(matches!(p.eval_f64_values(&[1.0]), Err(Error::Invalid(_))));

    // Nodes of another graph are refused before anything is recorded.
    let (g, h) = (Graph::new(), Graph::new());
    let (x, y) = (h.var(1.0), g.var(2.0));
    let e = p.eval(&g, &[("x", x), ("y", y)]).unwrap_err();
    assert!(matches!(e, Error::ForeignGraph { .. }));
    assert_eq!(g.len(), 1);
}

#[test]
fn assigned_names_label_their_nodes() {
    let p = Program::parse("h = tanh(x); y = h * 2; y + 1").unwrap();
    let g = Graph::new();
    let x = g.var_named("x", 0.5);
    let out = p.eval(&g, &[("x", x)]).unwrap();
    let names: Vec<_> = g.nodes().into_iter().filter_map(|n| n.name).collect();
    assert_eq!(names, ["x", "h", "y"]);
    // `y = x` does not rename the input's node.
    let p = Program::parse("y = x; y").unwrap();
    assert_eq!(p.eval(&g, &[("x", x)]).unwrap(), x);
    assert_eq!(g.name(x.key()).as_deref(), Some("x"));
    assert_eq!(g.backward(out)[x], 2.0 * (1.0 - 0.5f64.tanh().powi(2)));
}

#[test]
fn hessian_of_a_program() {
    // f = x²y: ∇f = (2xy, x²), H = [[2y, 2x], [2x, 0]] = [[4, 2], [2, 0]] at (1, 2)
    let p = Program::parse("x*x*y").unwrap();
    let g = Graph::new();
    let (x, y) = (g.var(1.0), g.var(2.0));
    let f = p.eval(&g, &[("x", x), ("y", y)]).unwrap();
    assert_eq!(g.hessian(f, &[x, y]), vec![vec![4.0, 2.0], vec![2.0, 0.0]]);
}

// ---------------------------------------------------------------- precedence

#[test]
fn precedence_and_associativity() {
    assert_eq!(value("2-3-4"), -5.0); // (2 − 3) − 4, not 2 − (3 − 4) = 3
    assert_eq!(value("2/4/8"), 0.0625); // (2/4)/8, not 2/(4/8) = 4
    assert_eq!(value("2+3*4"), 14.0);
    assert_eq!(value("(2+3)*4"), 20.0);
    assert_eq!(value("1 + 2 * 3 - 4 / 2"), 5.0);
    assert_eq!(value("-2^2"), -4.0); // −(2²)
    assert_eq!(value("(-2)^2"), 4.0);
    assert_eq!(value("2*-3"), -6.0);
    assert_eq!(value("- - 3"), 3.0);
    assert_eq!(value("1 - 2 + 3"), 2.0); // (1 − 2) + 3, not 1 − 5
    // −x² = −(x²): value −9 and derivative −2x = −6 at 3
    assert_eq!(grad("-x^2", &[("x", 3.0)]), (-9.0, vec![-6.0]));
    assert_eq!(grad("(-x)^2", &[("x", 3.0)]), (9.0, vec![6.0]));
    // Structure, seen through printing: unary minus binds tighter than * but looser than ^.
    let show = |s: &str| Program::parse(s).unwrap().to_string();
    assert_eq!(show("-x*y"), "-x * y");
    assert_eq!(show("-(x*y)"), "-(x * y)");
    assert_eq!(show("-x^2"), "-x^2");
    assert_eq!(show("(-x)^2"), "(-x)^2");
    assert_eq!(show("a-b-c"), "a - b - c");
    assert_eq!(show("a-(b-c)"), "a - (b - c)");
    assert_eq!(show("a+(b+c)"), "a + (b + c)");
    assert_eq!(show("a/(b*c)"), "a / (b * c)");
    assert_eq!(show("(a*b)/c"), "a * b / c");
}

// ---------------------------------------------------------------- printing back

#[test]
fn printing_back() {
    let cases = [
        ("x*x", "x * x"),
        (
            "c = a + b;  c = c * (c + 1);  -(c^2) / ((2))",
            "c = a + b; c = c * (c + 1); -c^2 / 2",
        ),
        ("x^(-1.5) + x^-1 + x^0.5", "x^-1.5 + x^-1 + x^0.5"),
        ("max(x, 0) + exp(-x)", "max(x, 0) + exp(-x)"),
        ("1e300 * x + 0.000001", "1e300 * x + 1e-6"),
        ("y = x; x = 3; x + y", "y = x; x = 3; x + y"),
        ("h = tanh(x);\nh*h", "h = tanh(x); h * h"),
        ("(x^2)^3", "(x^2)^3"),
        ("--x", "--x"),
    ];
    for (src, want) in cases {
        let p = Program::parse(src).unwrap();
        assert_eq!(p.to_string(), want, "{src}");
        assert_eq!(Program::parse(want).unwrap(), p, "{want} parses back");
    }
}

// ---------------------------------------------------------------- errors

#[test]
fn every_error_has_a_position_and_a_message() {
    let cases = [
        (
            "1 + 2*tahn(x)",
            "error at 1:7: unknown function 'tahn' (did you mean 'tanh'?)",
        ),
        (
            "ln(x)",
            "error at 1:1: unknown function 'ln' (did you mean 'log'?)",
        ),
        (
            "foo(x)",
            "error at 1:1: unknown function 'foo' (the functions are exp, log, tanh, \
             sigmoid, relu, sin, cos, sqrt, abs, softplus, log1p, expm1, erf, erfc, gelu, \
             leaky_relu, elu, atan, silu, max, min; for a product write foo*(...))",
        ),
        (
            "x = 2; 3 + x(1)",
            "error at 1:12: 'x' is a variable, not a function (write x*(...) for a product)",
        ),
        (
            "max(x)",
            "error at 1:1: max takes 2 arguments, but 1 was given",
        ),
        (
            "1 + min(1, 2, 3)",
            "error at 1:5: min takes 2 arguments, but 3 were given",
        ),
        (
            "exp(x, y)",
            "error at 1:1: exp takes 1 argument, but 2 were given",
        ),
        (
            "exp()",
            "error at 1:1: exp takes 1 argument, but 0 were given",
        ),
        (
            "x^y",
            "error at 1:3: the exponent after '^' must be a constant number (like x^2, x^-1 \
             or x^(0.5)), but found 'y'; for a variable exponent write exp(y*log(x))",
        ),
        (
            "x^(-y)",
            "error at 1:5: the exponent after '^' must be a constant number (like x^2, x^-1 \
             or x^(0.5)), but found 'y'; for a variable exponent write exp(y*log(x))",
        ),
        (
            "x^(1+1)",
            "error at 1:5: expected ')' after the exponent (an exponent is a single constant \
             number) but found '+'",
        ),
        (
            "x^2^3",
            "error at 1:4: '^' cannot follow an exponent: write (x^a)^b, or x^c with the \
             product c = a*b",
        ),
        (
            "x^",
            "error at 1:3: unexpected end of input: expected a constant exponent after '^'",
        ),
        ("x # y", "error at 1:3: unexpected character '#'"),
        (
            "x +",
            "error at 1:4: unexpected end of input: expected a number, a name or '('",
        ),
        ("", "error at 1:1: empty program: expected an expression"),
        (
            "  \n ",
            "error at 2:2: empty program: expected an expression",
        ),
        (
            "1.",
            "error at 1:3: malformed number '1.': expected a digit after '.'",
        ),
        (
            ".5",
            "error at 1:1: a number must start with a digit (write 0.5, not .5)",
        ),
        (
            "2 * 1e+",
            "error at 1:8: malformed number '1e+': expected a digit in the exponent",
        ),
        ("1e999", "error at 1:1: number '1e999' is too large for f64"),
        (
            "exp = 2; exp",
            "error at 1:1: cannot assign to 'exp': it is a built-in function; choose another name",
        ),
        (
            "sin + 1",
            "error at 1:1: 'sin' is a function, not a variable; call it as sin(...)",
        ),
        (
            "2x",
            "error at 1:2: expected an operator but found 'x' (write 2*x for a product)",
        ),
        (
            "(x) (y)",
            "error at 1:5: expected an operator but found '(' (write '*' for a product)",
        ),
        (
            "x^2 3",
            "error at 1:5: expected an operator but found number 3 (write '*' for a product)",
        ),
        (
            "(x + 1",
            "error at 1:1: this '(' is not closed before the end of the input: expected ')'",
        ),
        (
            "y = max(x, 1; y",
            "error at 1:5: the call max( is not closed before ';' at 1:13: expected ')'",
        ),
        ("x + 1)", "error at 1:6: unmatched ')'"),
        (
            "x; y",
            "error at 1:2: ';' ends an assignment, but this statement is not `name = expression`",
        ),
        (
            "x = 1",
            "error at 1:6: the program ends with an assignment to 'x'; add the expression to \
             evaluate after a ';' (e.g. `x = ...; x`)",
        ),
        (
            "x = 1;",
            "error at 1:7: unexpected end of input: expected the expression to evaluate after ';'",
        ),
        (
            "x = y = 1; x",
            "error at 1:7: unexpected '=': an assignment `name = expression;` must begin a \
             statement",
        ),
        (
            "x ** 2",
            "error at 1:4: expected a number, a name or '(' but found '*' (powers are written x^2)",
        ),
        (
            "1, 2",
            "error at 1:2: ',' separates the arguments of a function call and cannot appear \
             outside one",
        ),
        (
            "max(x,)",
            "error at 1:7: expected a number, a name or '(' but found ')'",
        ),
        (
            "()",
            "error at 1:2: empty parentheses: expected an expression inside '()'",
        ),
        (
            "a = 1;\nb = a +\n  tahn(a); b",
            "error at 3:3: unknown function 'tahn' (did you mean 'tanh'?)",
        ),
    ];
    for (src, want) in cases {
        assert_eq!(parse_err(src), want, "source: {src:?}");
        // Each is an Error::Parse whose fields agree with the text.
        let Err(Error::Parse { line, col, .. }) = Program::parse(src) else {
            panic!("{src:?} is not a parse error");
        };
        assert!(want.starts_with(&format!("error at {line}:{col}: ")));
    }
}

// ---------------------------------------------------------------- size and depth

/// Runs `f` on a thread with the 2 MiB stack a test thread has by default.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn deep_nesting_needs_no_deep_stack() {
    on_small_stack(|| {
        const N: usize = 200_000;
        // 200,000 nested parentheses: parentheses make no nodes, so the program is just x.
        let src = format!("{}x{}", "(".repeat(N), ")".repeat(N));
        let p = Program::parse(&src).unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(grad(&src, &[("x", 0.5)]), (0.5, vec![1.0]));

        // 200,000 unary minuses: an even count is the identity, derivative 1.
        let src = format!("{}x", "-".repeat(N));
        let p = Program::parse(&src).unwrap();
        assert_eq!(p.len(), N + 1);
        assert_eq!(grad(&src, &[("x", 0.5)]), (0.5, vec![1.0]));
        let printed = p.to_string();
        assert_eq!(printed.len(), N + 1);
        assert_eq!(Program::parse(&printed).unwrap(), p);

        // 200,000 nested calls: relu(relu(…(x)…)) = x for x > 0, derivative 1.
        let src = format!("{}x{}", "relu(".repeat(N), ")".repeat(N));
        assert_eq!(grad(&src, &[("x", 0.5)]), (0.5, vec![1.0]));
        assert_eq!(Program::parse(&src).unwrap().to_string(), src);

        // A deep nesting error is reported, not overflowed: the outermost '(' stays open.
        let src = format!("{}x{}", "(".repeat(N), ")".repeat(N - 1));
        assert_eq!(
            parse_err(&src),
            "error at 1:1: this '(' is not closed before the end of the input: expected ')'"
        );
        // Right-nested sums: x + (x + (x + …)).
        let src = format!("{}x{}", "x + (".repeat(N), ")".repeat(N));
        let (v, d) = grad(&src, &[("x", 1.0)]);
        assert_eq!((v, d[0]), ((N + 1) as f64, (N + 1) as f64));
    });
}

#[test]
fn million_term_sum() {
    on_small_stack(|| {
        const N: usize = 1_000_000;
        // f = Σ x·x over N terms = N·x², left-associative: a chain N deep. f' = 2N·x
        let mut src = String::with_capacity(6 * N);
        for i in 0..N {
            if i > 0 {
                src.push_str(" + ");
            }
            src.push_str("x*x");
        }
        let p = Program::parse(&src).unwrap();
        assert_eq!(p.len(), 1 + 2 * N - 1); // x, N products, N − 1 sums
        let g = Graph::new();
        let x = g.var(0.5);
        let f = p.eval(&g, &[("x", x)]).unwrap();
        assert_eq!(f.value(), N as f64 * 0.25);
        assert_eq!(g.backward(f)[x], 2.0 * N as f64 * 0.5);
        assert_eq!(p.eval_f64(&[("x", 0.5)]), Ok(N as f64 * 0.25));
        // Dropping the program and the graph is a loop, not a recursion.
        drop(p);
    });
}

// ---------------------------------------------------------------- random programs

/// Random expressions of the grammar over x, y and a, as source text.
fn arb_expr() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        Just("x".to_string()),
        Just("y".to_string()),
        Just("a".to_string()),
        (0u32..40).prop_map(|n| format!("{}", f64::from(n) / 8.0)),
    ];
    leaf.prop_recursive(5, 48, 2, |inner| {
        let f1 = prop::sample::select(vec![
            "exp", "log", "tanh", "sigmoid", "relu", "sin", "cos", "sqrt", "abs",
        ]);
        let op = prop::sample::select(vec!["+", "-", "*", "/"]);
        let exponent = prop::sample::select(vec!["2", "3", "-1", "0.5", "(-1.5)", "(2)"]);
        prop_oneof![
            (inner.clone(), op.clone(), inner.clone()).prop_map(|(a, o, b)| format!("{a} {o} {b}")),
            (inner.clone(), op, inner.clone()).prop_map(|(a, o, b)| format!("({a}) {o} ({b})")),
            inner.clone().prop_map(|a| format!("-{a}")),
            (f1, inner.clone()).prop_map(|(f, a)| format!("{f}({a})")),
            (prop::bool::ANY, inner.clone(), inner.clone())
                .prop_map(|(m, a, b)| format!("{}({a}, {b})", if m { "max" } else { "min" })),
            (inner, exponent).prop_map(|(a, e)| format!("({a})^{e}")),
        ]
    })
}

fn arb_program() -> impl Strategy<Value = String> {
    (arb_expr(), arb_expr(), arb_expr(), prop::bool::ANY).prop_map(|(e1, e2, e3, assign)| {
        if assign {
            format!("a = {e1}; a = a * ({e2}); {e3}")
        } else {
            e3
        }
    })
}

proptest! {
    #[test]
    fn printing_back_gives_the_same_program(src in arb_program()) {
        let p = Program::parse(&src).unwrap();
        let printed = p.to_string();
        let q = Program::parse(&printed).unwrap();
        prop_assert_eq!(&q, &p, "printed as {}", printed);
        prop_assert_eq!(q.to_string(), printed);
    }

    #[test]
    fn numbers_and_graph_agree_bit_for_bit(
        src in arb_program(),
        x in -3.0f64..3.0,
        y in -3.0f64..3.0,
        a in -3.0f64..3.0,
    ) {
        let p = Program::parse(&src).unwrap();
        let at = [("x", x), ("y", y), ("a", a)];
        let plain = p.eval_f64(&at).unwrap();
        let g = Graph::new();
        let vars: Vec<_> = at.iter().map(|&(n, v)| (n, g.var(v))).collect();
        let on_tape = p.eval(&g, &vars).unwrap().value();
        prop_assert!(
            plain.to_bits() == on_tape.to_bits() || (plain.is_nan() && on_tape.is_nan()),
            "{} vs {}", plain, on_tape
        );
    }
}
