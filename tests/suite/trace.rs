//! The backward trace and the graph pictures, checked against `backward` and independent parsers.

use std::collections::HashMap;

use tapegrad::trace::{DEFAULT_LIMIT, Dot, TextStyle, Trace};
use tapegrad::{Error, Graph, Var};

/// Every number the trace derives must be the one `backward` computes, bit for bit:
/// the final gradient of every handle in `vs`, the upstream gradient of every step (which is
/// the node's final gradient: all contributions arrive before a node is visited), and the last
/// accumulated value of every input.
fn assert_matches_backward(g: &Graph, loss: Var<'_>, vs: &[Var<'_>]) -> Trace {
    let grads = g.backward(loss);
    let trace = Trace::new(g, loss).with_limit(None);
    for &v in vs {
        assert_eq!(trace.grad(v), Some(grads[v]), "gradient of {v:?}");
    }
    let mut last: HashMap<usize, f64> = HashMap::new();
    for step in trace.steps() {
        let node = trace.node(step.node).expect("a step's node is traced");
        assert_eq!(step.upstream, node.grad, "upstream at n{}", step.node);
        assert!(!node.op.is_leaf(), "leaves take no step");
        for c in &step.inputs {
            if let Some(acc) = c.accumulated {
                last.insert(c.input, acc);
            }
        }
    }
    for n in trace.nodes() {
        if let Some(&acc) = last.get(&n.id) {
            assert_eq!(acc, n.grad, "last accumulated value of n{}", n.id);
        }
    }
    assert_eq!(trace.loss().grad, 1.0);
    trace
}

#[test]
fn x_times_x_accumulates_both_operands() {
    let g = Graph::new();
    let x = g.var_named("x", 3.0);
    let y = x * x;
    let trace = assert_matches_backward(&g, y, &[x, y]);
    // One step; ∂(ab)/∂a = b = 3 goes to x, then ∂(ab)/∂b = a = 3 goes to x again: 6 = 2x.
    assert_eq!(trace.steps().len(), 1);
    let step = &trace.steps()[0];
    let got: Vec<_> = step
        .inputs
        .iter()
        .map(|c| (c.input, c.partial, c.sent, c.accumulated))
        .collect();
    assert_eq!(
        got,
        [
            (0, Some(3.0), Some(3.0), Some(3.0)),
            (0, Some(3.0), Some(3.0), Some(6.0))
        ]
    );
}

#[test]
fn diamond_sums_two_paths() {
    // x → a = sin x, b = 2x → y = a·b; dy/dx = cos x · 2x + sin x · 2.
    let g = Graph::new();
    let x = g.var_named("x", 0.7);
    let a = x.sin();
    let two = g.constant(2.0);
    let b = x * two;
    let y = a * b;
    let trace = assert_matches_backward(&g, y, &[x, a, two, b, y]);
    let want = 0.7_f64.cos() * 1.4 + 0.7_f64.sin() * 2.0;
    assert!((trace.grad(x).unwrap() - want).abs() < 1e-15);
    // x receives twice: once from b = x·2 and once from a = sin x; the second sum is the total.
    let to_x: Vec<f64> = trace
        .steps()
        .iter()
        .flat_map(|s| &s.inputs)
        .filter(|c| c.input == 0)
        .filter_map(|c| c.accumulated)
        .collect();
    assert_eq!(to_x.len(), 2);
    assert_eq!(to_x[1], trace.grad(x).unwrap());
    assert_ne!(to_x[0], to_x[1]);
}

/// A 2-2-1 network with tanh hidden units, a linear output and a squared error; returns the
/// loss and every handle made.
fn net_221(g: &Graph) -> (Var<'_>, Vec<Var<'_>>) {
    let mut all = Vec::new();
    let x = [g.var_named("x1", 0.5), g.var_named("x2", -1.5)];
    all.extend(x);
    let mut h = Vec::new();
    for (j, (w, b)) in [([0.3, -0.8], 0.1), ([-0.6, 0.2], -0.05)]
        .iter()
        .enumerate()
    {
        let w1 = g.var_named(&format!("w{}1", j + 1), w[0]);
        let w2 = g.var_named(&format!("w{}2", j + 1), w[1]);
        let b = g.var_named(&format!("b{}", j + 1), *b);
        let (p1, p2) = (w1 * x[0], w2 * x[1]);
        let s = p1 + p2 + b;
        let hj = s.tanh();
        all.extend([w1, w2, b, p1, p2, s, hj]);
        h.push(hj);
    }
    let (v1, v2, c) = (
        g.var_named("v1", 0.9),
        g.var_named("v2", -0.4),
        g.var_named("c", 0.2),
    );
    let out = v1 * h[0] + v2 * h[1] + c;
    let loss = (out - 1.0).powi(2);
    all.extend([v1, v2, c, out, loss]);
    (loss, all)
}

#[test]
fn network_221_every_accumulated_value_is_backwards() {
    let g = Graph::new();
    let (loss, all) = net_221(&g);
    let trace = assert_matches_backward(&g, loss, &all);
    // One step per computed node the loss depends on.
    let computed = trace.nodes().iter().filter(|n| !n.op.is_leaf()).count();
    assert_eq!(trace.steps().len(), computed);
    // The sweep visits nodes newest first.
    let order: Vec<usize> = trace.steps().iter().map(|s| s.node).collect();
    assert!(order.windows(2).all(|w| w[0] > w[1]));
}

#[test]
fn f32_graphs_trace_in_f32_arithmetic() {
    let g = Graph::<f32>::default();
    let (w, x) = (g.var(0.3), g.var(1.7));
    let y = (w * x).sigmoid() / (x + 1.0);
    let grads = g.backward(y);
    let trace = Trace::new(&g, y);
    assert_eq!(trace.grad(w), Some(f64::from(grads[w])));
    assert_eq!(trace.grad(x), Some(f64::from(grads[x])));
}

#[test]
fn only_what_the_loss_depends_on_is_traced() {
    let g = Graph::new();
    let x = g.var(1.0);
    let unused = g.var(5.0);
    let _other = unused.exp();
    let y = x.exp();
    let _later = y * 2.0;
    let trace = Trace::new(&g, y);
    let ids: Vec<usize> = trace.nodes().iter().map(|n| n.id).collect();
    assert_eq!(ids, [0, 3]);
    assert_eq!(trace.grad(unused), None);
    assert_eq!(trace.loss().id, 3);
}

#[test]
fn constant_exponent_receives_nothing() {
    let g = Graph::new();
    let x = g.var(4.0);
    let y = x.powf(0.5);
    let trace = assert_matches_backward(&g, y, &[x]);
    let c = trace.steps()[0].inputs[1];
    assert_eq!((c.partial, c.sent, c.accumulated), (None, None, None));
    let text = trace.to_text(TextStyle::Unicode);
    assert!(text.contains("∂(a^c)/∂c = 0 (constant exponent)"), "{text}");
    assert!(text.contains("n2 = n0^0.5"), "{text}");
}

#[test]
fn a_leaf_loss_has_no_steps() {
    let g = Graph::new();
    let x = g.var(2.0);
    let trace = Trace::new(&g, x);
    assert!(trace.steps().is_empty());
    assert_eq!(trace.grad(x), Some(1.0));
    assert!(trace.to_text(TextStyle::Ascii).contains("0 steps"));
}

#[test]
fn bad_handles_are_errors_not_panics() {
    let (g, h) = (Graph::new(), Graph::new());
    let y = h.var(1.0);
    assert!(matches!(
        Trace::try_new(&g, y),
        Err(Error::ForeignGraph { .. })
    ));
    let m = g.mark();
    let z = g.var(1.0).exp();
    g.rewind(m);
    assert!(matches!(
        Trace::try_new(&g, z),
        Err(Error::StaleHandle { .. })
    ));
}

#[test]
fn text_table_reads_the_tanh_rule() {
    let g = Graph::new();
    let (w, x, b) = (
        g.var_named("w", 0.5),
        g.var_named("x", 2.0),
        g.var_named("b", -0.3),
    );
    let y = (w * x + b).tanh();
    let trace = Trace::new(&g, y).with_precision(4);
    let local = 1.0 - y.value() * y.value();
    let unicode = trace.to_text(TextStyle::Unicode);
    let want = format!("∂tanh(a)/∂a = 1 − y² = {local:.4}");
    assert!(unicode.contains(&want), "{unicode}");
    assert!(unicode.contains("∂(a·b)/∂a = b = 2"), "{unicode}");
    let ascii = trace.to_text(TextStyle::Ascii);
    assert!(ascii.is_ascii(), "{ascii}");
    assert!(ascii.contains("d tanh(a)/da = 1 - y^2"), "{ascii}");
    // Every line of a table has the same width.
    for style in [TextStyle::Unicode, TextStyle::Ascii] {
        let text = trace.to_text(style);
        for block in text.split("\n\n") {
            let widths: Vec<usize> = block
                .lines()
                .filter(|l| l.starts_with(['│', '┌', '├', '└', '|', '+']))
                .map(|l| l.chars().count())
                .collect();
            assert!(widths.windows(2).all(|p| p[0] == p[1]), "{block}");
        }
    }
    assert_eq!(trace.to_string(), unicode);
}

#[test]
fn markdown_is_tables_under_headings() {
    let g = Graph::new();
    let (loss, _) = net_221(&g);
    let md = Trace::new(&g, loss).to_markdown();
    assert_eq!(md.matches("#### ").count(), 3);
    let seps = md.lines().filter(|l| l.starts_with("| ---")).count();
    assert_eq!(seps, 3);
    for l in md.lines().filter(|l| l.starts_with('|')) {
        assert!(l.ends_with('|'), "{l}");
    }
}

#[test]
fn json_has_one_entry_per_step() {
    let g = Graph::new();
    let (loss, all) = net_221(&g);
    let trace = Trace::new(&g, loss);
    let v: serde_json::Value = serde_json::from_str(&trace.to_json()).expect("valid JSON");
    let steps = v["steps"].as_array().unwrap();
    assert_eq!(steps.len(), trace.steps().len());
    assert_eq!(v["forward"].as_array().unwrap().len(), trace.nodes().len());
    assert_eq!(v["omitted_steps"], 0);
    assert_eq!(v["omitted_nodes"], 0);
    assert_eq!(v["loss"], format!("n{}", trace.loss().id));
    for (k, (js, s)) in steps.iter().zip(trace.steps()).enumerate() {
        assert_eq!(js["step"], k + 1);
        assert_eq!(js["node"], format!("n{}", s.node));
        assert_eq!(js["upstream"].as_f64(), Some(s.upstream));
        let ins = js["inputs"].as_array().unwrap();
        assert_eq!(ins.len(), s.inputs.len());
        for (ji, c) in ins.iter().zip(&s.inputs) {
            assert_eq!(ji["accumulated"].as_f64(), c.accumulated);
            assert_eq!(ji["sent"].as_f64(), c.sent);
            assert!(ji["rule"].as_str().unwrap().starts_with('∂'));
        }
    }
    let named: HashMap<&str, f64> = v["gradients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["name"].as_str().unwrap(), e["grad"].as_f64().unwrap()))
        .collect();
    // x1, x2, w11, w12, b1, w21, w22, b2, v1, v2, c: every variable, with backward's gradient.
    assert_eq!(named.len(), 11);
    let grads = g.backward(loss);
    for v in all {
        if let Some(name) = g.name(v.key()) {
            assert_eq!(named[name.as_str()], grads[v], "{name}");
        }
    }
}

#[test]
fn json_writes_non_finite_numbers_as_strings() {
    let g = Graph::new();
    let x = g.var(0.0);
    let y = x.sqrt(); // sqrt'(0) = +inf
    let v: serde_json::Value = serde_json::from_str(&Trace::new(&g, y).to_json()).unwrap();
    assert_eq!(v["steps"][0]["inputs"][0]["partial"], "inf");
    assert_eq!(v["gradients"][0]["grad"], "inf");
}

#[test]
fn limit_cuts_long_traces_with_a_count() {
    let g = Graph::new();
    let x = g.var(0.1);
    let mut y = x;
    for _ in 0..100 {
        y = y.sin();
    }
    let trace = Trace::new(&g, y).with_limit(Some(10));
    let text = trace.to_text(TextStyle::Unicode);
    // 100 steps of one input each: 10 shown, 90 counted.
    assert!(text.contains("… 90 more steps"), "{text}");
    assert!(text.contains("… 91 more nodes"), "{text}");
    assert!(text.lines().count() < 60, "{text}");
    let ascii = trace.to_text(TextStyle::Ascii);
    assert!(ascii.contains("... 90 more steps"), "{ascii}");
    let v: serde_json::Value = serde_json::from_str(&trace.to_json()).unwrap();
    assert_eq!(v["steps"].as_array().unwrap().len(), 10);
    assert_eq!(v["omitted_steps"], 90);
    assert_eq!(v["forward"].as_array().unwrap().len(), 10);
    assert_eq!(v["omitted_nodes"], 91);
    // A wide step is cut inside, and says how many of its inputs are left.
    let xs: Vec<_> = (0..30).map(|i| g.var(f64::from(i))).collect();
    let s = g.sum(&xs);
    let wide = Trace::new(&g, s)
        .with_limit(Some(5))
        .to_text(TextStyle::Ascii);
    assert!(wide.contains("... 25 more inputs of step 1"), "{wide}");
    let v: serde_json::Value =
        serde_json::from_str(&Trace::new(&g, s).with_limit(Some(5)).to_json()).unwrap();
    assert_eq!(v["steps"][0]["inputs"].as_array().unwrap().len(), 5);
    assert_eq!(v["steps"][0]["omitted_inputs"], 25);
    assert_eq!(v["gradients"].as_array().unwrap().len(), 5);
    assert_eq!(v["omitted_gradients"], 25);
}

/// Parses DOT with an independent parser (layout-rs) and counts node and edge statements.
fn parse_dot(dot: &str) -> (usize, usize) {
    use layout::gv::DotParser;
    use layout::gv::parser::ast::Stmt;
    let graph = DotParser::new(dot).process().expect("DOT parses");
    let mut nodes = 0;
    let mut edges = 0;
    for s in &graph.list.list {
        match s {
            Stmt::Node(_) => nodes += 1,
            Stmt::Edge(e) => edges += e.to.len(),
            _ => {}
        }
    }
    (nodes, edges)
}

#[test]
fn dot_parses_with_one_statement_per_node_and_operand() {
    let g = Graph::new();
    let (loss, _) = net_221(&g);
    let grads = g.backward(loss);
    let dot = Dot::new(&g).with_grads(&grads).to_string();
    let operands: usize = g.nodes().iter().map(|n| n.inputs.len()).sum();
    assert_eq!(parse_dot(&dot), (g.len(), operands));
    // Names are shown, parameters highlighted, gradients printed.
    assert!(dot.contains(r#"label="{ w11 | data 0.3 | grad "#), "{dot}");
    assert!(dot.contains("fillcolor=\"#dbeafe\""));
    // Without gradients, no grad field.
    assert!(!Dot::new(&g).to_string().contains("| grad"));
}

#[test]
fn dot_escapes_names() {
    let g = Graph::new();
    let x = g.var_named(r#"a|b{c}<d>"e\"#, 1.0);
    let y = x * x;
    let dot = Dot::new(&g).to_string();
    assert!(dot.contains(r#"a\|b\{c\}\<d\>\"e\\"#), "{dot}");
    assert_eq!(parse_dot(&dot), (2, 2));
    let svg = Dot::new(&g).to_svg().unwrap();
    roxmltree::Document::parse(&svg).expect("well-formed XML");
    let _ = y;
}

/// Parses the SVG as XML and returns (node groups, shapes, edges).
fn svg_counts(svg: &str) -> (usize, usize, usize) {
    let doc = roxmltree::Document::parse(svg).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    let class = |n: &roxmltree::Node<'_, '_>, c: &str| n.attribute("class") == Some(c);
    let groups = doc.descendants().filter(|n| class(n, "node")).count();
    let shapes = doc
        .descendants()
        .filter(|n| n.has_tag_name("rect") && class(n, "shape"))
        .count();
    let edges = doc
        .descendants()
        .filter(|n| n.has_tag_name("path") && class(n, "edge"))
        .count();
    (groups, shapes, edges)
}

#[test]
fn svg_is_well_formed_with_one_shape_per_node() {
    let g = Graph::new();
    let (loss, _) = net_221(&g);
    let grads = g.backward(loss);
    let svg = Dot::new(&g).with_grads(&grads).to_svg().unwrap();
    let operands: usize = g.nodes().iter().map(|n| n.inputs.len()).sum();
    assert_eq!(svg_counts(&svg), (g.len(), g.len(), operands));
    assert!(svg.contains(">w11</text>"));
    // An empty graph is an empty picture, still valid.
    let empty = Graph::new();
    assert_eq!(svg_counts(&Dot::new(&empty).to_svg().unwrap()), (0, 0, 0));
}

/// A chain of tanh neurons, 3 nodes a step: about `n` nodes, as deep as a graph gets.
fn deep_chain(g: &Graph, n: usize) -> Var<'_> {
    let (a, b) = (g.var_named("a", 0.9), g.var_named("b", 0.1));
    let mut x = g.var_named("x0", 0.5);
    while g.len() < n {
        x = (x * a + b).tanh();
    }
    x
}

#[test]
fn ten_thousand_nodes_refused_clearly_or_drawn() {
    let g = Graph::new();
    let y = deep_chain(&g, 10_000);
    let n = g.len();
    assert!(n >= 10_000);
    let grads = g.backward(y);
    let dot = Dot::new(&g).with_grads(&grads);
    // The default limit refuses, saying why and what to do.
    let err = dot.to_svg().unwrap_err().to_string();
    assert!(err.contains(&format!("{n} nodes")), "{err}");
    assert!(err.contains("with_max_svg_nodes"), "{err}");
    // Raised, it draws: valid XML, one shape per node, one path per operand.
    let svg = dot.with_max_svg_nodes(n).to_svg().unwrap();
    let operands: usize = g.nodes().iter().map(|v| v.inputs.len()).sum();
    assert_eq!(operands, (n - 3) / 3 * 5); // * and + take two operands, tanh one
    let (groups, shapes, edges) = svg_counts(&svg);
    assert_eq!((groups, shapes), (n, n));
    assert_eq!(edges, operands);
    // DOT streams the whole graph.
    assert_eq!(parse_dot(&dot.to_string()), (n, operands));
    // The trace renders the default number of rows, not 10,000.
    let text = Trace::new(&g, y).to_text(TextStyle::Unicode);
    assert!(text.contains("more steps"));
    assert!(text.lines().count() < 3 * DEFAULT_LIMIT + 40);
}

/// A tensor MLP (2 → 3 tanh → 1, a batch of 4, mean squared error): the trace follows the
/// reverse sweep through the tensor ops, and every number it ends with is `backward`'s.
#[test]
fn a_tensor_mlp_loss_is_traced_with_backwards_gradients_bit_for_bit() {
    use tapegrad::TensorOp;
    use tapegrad::nn::Init;
    use tapegrad::nn::functional::mse;
    use tapegrad::nn::scalar::Activation;
    use tapegrad::nn::tensor::Mlp;

    let g = Graph::new();
    let mlp = Mlp::new(
        &g,
        &[2, 3, 1],
        Activation::Tanh,
        Activation::Linear,
        Init::PyTorch,
        7_u64,
    );
    let x = g.tensor_const(&[0.5, -1.0, 1.5, 0.25, -0.75, 2.0, 0.0, -0.5], &[4, 2]);
    let y = g.tensor_const(&[1.0, -1.0, 0.5, 0.0], &[4, 1]);
    let loss = mse(mlp.forward(x), y);
    let grads = g.backward(loss);
    let trace = Trace::new(&g, loss).with_limit(None);

    // Every parameter's gradient, element by element, bit for bit.
    let params = mlp.named_parameters();
    assert_eq!(params.len(), 4);
    for (name, p) in &params {
        let node = trace
            .nodes()
            .iter()
            .find(|n| n.key == p.key())
            .unwrap_or_else(|| panic!("{name} is in the trace"));
        let t = node.tensor.as_ref().expect("a parameter is a tensor node");
        assert_eq!(t.op, TensorOp::Var);
        assert_eq!(t.shape, p.shape(), "{name}");
        let want: Vec<f64> = grads.tensor(*p).to_vec();
        assert_eq!(t.grad, want, "gradient of {name}");
        assert!(node.is_variable());
    }
    assert_eq!(trace.loss().grad, 1.0);

    // The steps name the tensor ops, with the node's shape and each input's.
    let tensor_steps: Vec<_> = trace
        .steps()
        .iter()
        .filter_map(|s| s.tensor.as_ref())
        .collect();
    let matmuls: Vec<_> = tensor_steps
        .iter()
        .filter(|t| matches!(t.op, TensorOp::MatMul { .. }))
        .collect();
    assert_eq!(matmuls.len(), 2, "one product per layer");
    // The last layer's product runs first: h (4, 3) @ Wᵀ, W of shape (1, 3) → (4, 1).
    let last = matmuls[0];
    assert_eq!(
        last.op,
        TensorOp::MatMul {
            ta: false,
            tb: true
        }
    );
    assert_eq!(last.shape, [4, 1]);
    let shapes: Vec<&[usize]> = last.inputs.iter().map(|i| &i.shape[..]).collect();
    assert_eq!(shapes, [&[4, 3][..], &[1, 3][..]]);
    assert!(
        tensor_steps
            .iter()
            .any(|t| t.op == TensorOp::Unary(tapegrad::rules::Fn1::Tanh))
    );
    // Each step's upstream has the node's shape, each contribution its input's.
    for s in trace.steps() {
        let Some(t) = &s.tensor else { continue };
        assert_eq!(t.upstream.len(), t.shape.iter().product::<usize>());
        assert_eq!(t.inputs.len(), s.inputs.len());
        for (ti, c) in t.inputs.iter().zip(&s.inputs) {
            let input = trace.node(c.input).expect("an input is traced");
            let shape = input.tensor.as_ref().map_or(vec![], |x| x.shape.clone());
            assert_eq!(ti.shape, shape);
            if let Some(d) = &ti.sent {
                assert_eq!(d.len(), shape.iter().product::<usize>());
            }
        }
    }
    // The input batch is a constant: it receives nothing from the first layer's product.
    let first = matmuls[1];
    assert!(first.inputs[0].sent.is_none() && first.inputs[1].sent.is_some());

    // Text shows ops with shapes and tensor summaries; JSON has the full tensors.
    let text = trace.to_text(TextStyle::Unicode);
    assert!(text.contains("∂matmul(a, b)/∂b: [4, 1] → [1, 3]"), "{text}");
    assert!(text.contains("‖·‖="), "{text}");
    // An elementwise op reads and derives as its scalar rule, element by element.
    assert!(
        text.contains("∂tanh(a)/∂a = 1 − y², [4, 3] → [4, 3]"),
        "{text}"
    );
    let ascii = trace.to_text(TextStyle::Ascii);
    assert!(ascii.is_ascii(), "{ascii}");
    let md = trace.to_markdown();
    assert_eq!(md.matches("#### ").count(), 3);
    let v: serde_json::Value = serde_json::from_str(&trace.to_json()).expect("valid JSON");
    for (name, p) in &params {
        let id = format!(
            "n{}",
            trace.nodes().iter().find(|n| n.key == p.key()).unwrap().id
        );
        let entry = v["gradients"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["id"] == id.as_str())
            .unwrap_or_else(|| panic!("{name} among the gradients"));
        let got: Vec<f64> = entry["grad"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect();
        assert_eq!(got, grads.tensor(*p), "JSON gradient of {name}");
        assert_eq!(entry["shape"], serde_json::json!(p.shape()));
    }
    let step = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["op"] == "matmul")
        .expect("a matmul step");
    assert_eq!(step["shape"], serde_json::json!([4, 1]));
    assert_eq!(step["upstream"].as_array().unwrap().len(), 4);
}
