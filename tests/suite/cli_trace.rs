//! `tapegrad trace` and `tapegrad dot`, run as a user would.

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

#[test]
fn trace_json_has_one_entry_per_step_and_the_engines_gradients() {
    // y = tanh(w·x + b) at w = 0.5, x = 2, b = −0.3: u = 0.7, ∂y/∂u = 1 − tanh²(0.7),
    // ∂y/∂w = ∂y/∂u · x, ∂y/∂x = ∂y/∂u · w, ∂y/∂b = ∂y/∂u
    let o = tapegrad(&[
        "trace",
        "tanh(w*x + b)",
        "--at",
        "w=0.5,x=2,b=-0.3",
        "--format",
        "json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("JSON");
    let steps = v["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 3); // tanh, +, *
    let du = 1.0 - 0.7_f64.tanh().powi(2);
    let grad = |name: &str| {
        v["gradients"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["name"] == name)
            .unwrap()["grad"]
            .as_f64()
            .unwrap()
    };
    assert!((grad("w") - du * 2.0).abs() < 1e-15);
    assert!((grad("x") - du * 0.5).abs() < 1e-15);
    assert!((grad("b") - du).abs() < 1e-15);
    assert_eq!(steps[0]["inputs"][0]["rule"], "∂tanh(a)/∂a = 1 − y²");
}

#[test]
fn trace_text_ascii_and_markdown_with_a_limit() {
    let expr = "h = tanh(w*x + b); h*h";
    let o = tapegrad(&[
        "trace",
        expr,
        "--at",
        "w=0.5,x=2,b=-1",
        "--ascii",
        "--limit",
        "2",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.is_ascii(), "{out}");
    assert!(out.contains("... 3 more steps (limit 2 rows)"), "{out}");
    let o = tapegrad(&[
        "trace",
        expr,
        "--at",
        "w=0.5,x=2,b=-1",
        "--format",
        "markdown",
    ]);
    assert!(stdout(&o).contains("| step |"), "{}", stdout(&o));
}

#[test]
fn trace_check_nan_names_the_op() {
    let o = tapegrad(&["trace", "sqrt(x) * 2", "--at", "x=0", "--check-nan"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.starts_with("anomaly: non-finite gradient in backward: `sqrt`"),
        "{err}"
    );
}

#[test]
fn dot_prints_one_box_per_node_and_one_edge_per_operand() {
    let o = tapegrad(&["dot", "x*x + y", "--at", "x=3,y=1"]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.starts_with("digraph"));
    // nodes: x, y, x*x, (x*x)+y; edges: x→*, x→*, *→+, y→+
    assert_eq!(out.lines().filter(|l| l.contains("[label=")).count(), 4);
    assert_eq!(out.lines().filter(|l| l.contains("->")).count(), 4);
    assert!(out.contains("grad 6"), "{out}");
}

#[test]
fn dot_writes_svg_files() {
    let path = std::env::temp_dir().join(format!("tapegrad-cli-{}.svg", std::process::id()));
    let o = tapegrad(&[
        "dot",
        "tanh(w*x + b)",
        "--at",
        "w=0.5,x=2,b=-0.3",
        "-o",
        path.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    let svg = std::fs::read_to_string(&path).unwrap();
    // With -o the command says what it wrote.
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        format!(
            "wrote {} (SVG picture of 6 nodes, {} bytes)\n",
            path.display(),
            svg.len()
        )
    );
    std::fs::remove_file(&path).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    assert_eq!(doc.root_element().tag_name().name(), "svg");
}

#[test]
fn bad_input_exits_2() {
    let o = tapegrad(&[
        "dot",
        "x*x",
        "--at",
        "x=1",
        "--format",
        "svg",
        "--max-nodes",
        "1",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("more than the 1 an SVG picture draws"));
    let o = tapegrad(&["trace", "x*", "--at", "x=1"]);
    assert_eq!(o.status.code(), Some(2));
    // A parse error: the message, the expression and a caret under the column.
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "error at 1:3: unexpected end of input: expected a number, a name or '('\n  x*\n    ^\n"
    );
    let o = tapegrad(&["trace", "x", "--format", "yaml"]);
    assert_eq!(o.status.code(), Some(2));
}
