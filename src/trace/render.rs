//! A [`Trace`] as text tables, Markdown and JSON.

use std::fmt;

use serde_json::{Value, json};

use super::num::{fmt_num, json_num};
use super::rule::{TextStyle, computes_text, partial_text, summary, tensor_rule_text};
use super::sweep::{Step, TensorSent, Trace, TraceNode};
use super::table::{Align, Format, Table};
use crate::rules::Fn2;
use crate::tape::Op;
use crate::tensor::TensorOp;

impl Trace {
    /// The trace as aligned tables: the forward record, the steps of the reverse sweep, and the
    /// gradients of the variables. Unicode uses box drawing and math symbols; ASCII is 7-bit.
    pub fn to_text(&self, style: TextStyle) -> String {
        let format = match style {
            TextStyle::Unicode => Format::Unicode,
            TextStyle::Ascii => Format::Ascii,
        };
        self.render(format, style)
    }

    /// The trace as GitHub-flavoured Markdown: a heading and a table per section.
    pub fn to_markdown(&self) -> String {
        self.render(Format::Markdown, TextStyle::Unicode)
    }

    /// The trace as one pretty-printed JSON object (see [`to_json_value`](Trace::to_json_value)).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(&self.to_json_value()).expect("a JSON value serializes")
    }

    /// The trace as JSON:
    ///
    /// ```text
    /// {"loss": "n5",
    ///  "forward": [{"id": "n0", "name": "w", "op": "var", "computes": "var",
    ///               "inputs": [], "value": 0.5}, …],
    ///  "steps": [{"step": 1, "node": "n5", "op": "tanh", "upstream": 1.0,
    ///             "inputs": [{"input": "n4", "rule": "∂tanh(a)/∂a = 1 − y²",
    ///                         "partial": 1.0, "sent": 1.0, "accumulated": 1.0}],
    ///             "omitted_inputs": 0}, …],
    ///  "gradients": [{"id": "n0", "name": "w", "value": 0.5, "grad": 2.0}, …],
    ///  "omitted_nodes": 0, "omitted_steps": 0, "omitted_gradients": 0}
    /// ```
    ///
    /// One entry per node, per step, per input of a step and per variable, each list cut at the
    /// limit ([`with_limit`](Trace::with_limit)) with the `omitted_*` fields counting the
    /// rest. Numbers keep every digit; non-finite ones are the strings `"inf"`, `"-inf"`,
    /// `"nan"`; a contribution that is not sent (the constant exponent of `a^c`) has `null`
    /// numbers.
    pub fn to_json_value(&self) -> Value {
        let limit = self.limit.unwrap_or(usize::MAX);
        let id = |i: usize| format!("n{i}");
        let forward: Vec<Value> = self
            .nodes
            .iter()
            .take(limit)
            .map(|n| {
                let mut v = json!({
                    "id": id(n.id),
                    "name": n.name,
                    "op": n.op.name(),
                    "computes": self.computes(n, TextStyle::Unicode),
                    "inputs": n.inputs.iter().map(|&i| id(i)).collect::<Vec<_>>(),
                    "value": json_num(n.value),
                });
                if let Some(t) = &n.tensor {
                    v["op"] = t.op.name().into();
                    v["shape"] = json!(t.shape);
                    v["value"] = json_list(&t.value);
                }
                v
            })
            .collect();
        let opt = |x: Option<f64>| x.map_or(Value::Null, json_num);
        let steps: Vec<Value> = self
            .steps
            .iter()
            .take(limit)
            .enumerate()
            .map(|(k, s)| {
                let inputs: Vec<Value> = s
                    .inputs
                    .iter()
                    .take(limit)
                    .enumerate()
                    .map(|(j, c)| {
                        let mut v = json!({
                            "input": id(c.input),
                            "rule": self.rule(s, j, None, 1, TextStyle::Unicode),
                            "partial": opt(c.partial),
                            "sent": opt(c.sent),
                            "accumulated": opt(c.accumulated),
                        });
                        if let Some(t) = s.tensor.as_ref().and_then(|t| t.inputs.get(j)) {
                            v["shape"] = json!(t.shape);
                            v["sent"] = t.sent.as_deref().map_or(Value::Null, json_list);
                        }
                        v
                    })
                    .collect();
                let mut v = json!({
                    "step": k + 1,
                    "node": id(s.node),
                    "op": s.op.name(),
                    "upstream": json_num(s.upstream),
                    "omitted_inputs": s.inputs.len() - inputs.len(),
                    "inputs": inputs,
                });
                if let Some(t) = &s.tensor {
                    v["op"] = t.op.name().into();
                    v["shape"] = json!(t.shape);
                    v["upstream"] = json_list(&t.upstream);
                }
                v
            })
            .collect();
        let gradients: Vec<Value> = self
            .variables()
            .take(limit)
            .map(|n| {
                let mut v = json!({
                    "id": id(n.id),
                    "name": n.name,
                    "value": json_num(n.value),
                    "grad": json_num(n.grad),
                });
                if let Some(t) = &n.tensor {
                    v["shape"] = json!(t.shape);
                    v["value"] = json_list(&t.value);
                    v["grad"] = json_list(&t.grad);
                }
                v
            })
            .collect();
        json!({
            "loss": id(self.loss().id),
            "omitted_nodes": self.nodes.len() - forward.len(),
            "omitted_steps": self.steps.len() - steps.len(),
            "omitted_gradients": self.variables().count() - gradients.len(),
            "forward": forward,
            "steps": steps,
            "gradients": gradients,
        })
    }

    /// The variables (leaves that take a gradient, scalar or tensor) the loss depends on.
    fn variables(&self) -> impl Iterator<Item = &TraceNode> {
        self.nodes.iter().filter(|n| n.is_variable())
    }

    /// The rule of input `j` of step `s` as a line: the scalar rule with its partial, or for a
    /// tensor op its name and the shapes the gradient goes between.
    fn rule(
        &self,
        s: &Step,
        j: usize,
        partial: Option<f64>,
        sig: usize,
        style: TextStyle,
    ) -> String {
        let c = &s.inputs[j];
        match &s.tensor {
            Some(t) => {
                let to = t.inputs.get(j).map_or(&[][..], |i| &i.shape[..]);
                // An elementwise op's rule is the scalar one, applied element by element.
                match elementwise(t.op) {
                    Some(op) => {
                        let arrow = if style == TextStyle::Unicode {
                            "→"
                        } else {
                            "->"
                        };
                        let rule = partial_text(op, c.operand, None, sig, style);
                        format!("{rule}, {:?} {arrow} {to:?}", t.shape)
                    }
                    None => {
                        let (name, n) = (t.op.name(), s.inputs.len());
                        tensor_rule_text(name, c.operand, n, &t.shape, to, style)
                    }
                }
            }
            None => partial_text(s.op, c.operand, partial, sig, style),
        }
    }

    /// A value or gradient of node `n` for a table: its number, or a tensor's summary.
    fn cell(&self, n: &TraceNode, grad: bool, style: TextStyle) -> String {
        match &n.tensor {
            Some(t) => {
                let x = if grad { &t.grad } else { &t.value };
                summary(&t.shape, x, self.precision, style)
            }
            None => self.num(if grad { n.grad } else { n.value }),
        }
    }

    /// What a node computes, with its inputs' labels; the constant exponent of `a^c` is
    /// shown by its value (`x^0.5`), as it was written.
    fn computes(&self, n: &TraceNode, style: TextStyle) -> String {
        let mut labels: Vec<String> = n.inputs.iter().map(|&i| self.label(i)).collect();
        if let Some(t) = &n.tensor {
            return match (t.op, elementwise(t.op)) {
                (TensorOp::Var, _) => "var".into(),
                (TensorOp::Const, _) => "const".into(),
                (_, Some(op)) => computes_text(op, &labels, style),
                (op, None) => format!("{}({})", op.name(), labels.join(", ")),
            };
        }
        if let (Op::Binary(Fn2::Powf, _, _), Some(c)) = (n.op, n.inputs.get(1))
            && let Some(c) = self.node(*c).filter(|c| c.name.is_none())
        {
            labels[1] = fmt_num(c.value, self.precision);
        }
        computes_text(n.op, &labels, style)
    }

    /// A number with the trace's precision (always with an ASCII minus, so it can be pasted).
    fn num(&self, x: f64) -> String {
        fmt_num(x, self.precision)
    }

    fn render(&self, format: Format, style: TextStyle) -> String {
        let uni = style == TextStyle::Unicode;
        let limit = self.limit.unwrap_or(usize::MAX);
        let more = |n: usize, one: &str, many: &str| {
            let dots = if uni { "…" } else { "..." };
            let what = if n == 1 { one } else { many };
            format!("{dots} {n} more {what} (limit {limit} rows)")
        };
        let heading = |title: &str| match format {
            Format::Markdown => format!("#### {title}\n\n"),
            _ => format!("{title}\n"),
        };
        let para = |text: &str| match format {
            Format::Markdown => format!("{text}\n\n"),
            _ => format!("{text}\n"),
        };
        let loss = self.loss();
        let mut out = String::new();

        // Forward record.
        out.push_str(&heading(&format!(
            "Forward pass: the {} {} depends on, in record order",
            match self.nodes.len() {
                1 => "1 node".to_string(),
                n => format!("{n} nodes"),
            },
            loss.label()
        )));
        let mut fwd = Table::new(&[
            ("node", Align::Left),
            ("name", Align::Left),
            ("computes", Align::Left),
            ("value", Align::Right),
        ]);
        for n in self.nodes.iter().take(limit) {
            fwd.row(vec![
                format!("n{}", n.id),
                n.name.clone().unwrap_or_default(),
                self.computes(n, style),
                self.cell(n, false, style),
            ]);
        }
        if self.nodes.len() > limit {
            fwd.note(more(self.nodes.len() - limit, "node", "nodes"));
        }
        out.push_str(&fwd.render(format));
        out.push('\n');

        // Reverse sweep.
        let (dl, dy, times) = if uni {
            ("∂L/∂y", "∂y/∂input", "×")
        } else {
            ("dL/dy", "dy/dinput", "*")
        };
        out.push_str(&heading(&format!(
            "Backward pass: {} from the loss {}, newest node first.",
            match self.steps.len() {
                1 => "1 step".to_string(),
                n => format!("{n} steps"),
            },
            loss.label()
        )));
        out.push_str(&para(&format!(
            "Each input receives upstream {times} local partial \
             (in a rule, a and b are the node's inputs and y its value)."
        )));
        let upstream = format!("upstream {dl}");
        let local = format!("local partial {dy}");
        let sent = format!("sent = upstream {times} local");
        let acc = if uni {
            "∂L/∂input so far"
        } else {
            "dL/dinput so far"
        };
        let mut bwd = Table::new(&[
            ("step", Align::Right),
            ("node", Align::Left),
            (&upstream, Align::Right),
            ("input", Align::Left),
            (&local, Align::Left),
            (&sent, Align::Right),
            (acc, Align::Right),
        ]);
        let mut rows = 0;
        'steps: for (k, s) in self.steps.iter().enumerate() {
            for (j, c) in s.inputs.iter().enumerate() {
                if rows == limit {
                    let left_in_step = s.inputs.len() - j;
                    let left_steps = self.steps.len() - k - usize::from(j > 0);
                    if j > 0 {
                        let step = k + 1;
                        bwd.note(more(
                            left_in_step,
                            &format!("input of step {step}"),
                            &format!("inputs of step {step}"),
                        ));
                    }
                    if left_steps > 0 {
                        bwd.note(more(left_steps, "step", "steps"));
                    }
                    break 'steps;
                }
                rows += 1;
                if j == 0 {
                    bwd.rule();
                }
                let dash = || String::from(if uni { "—" } else { "-" });
                let first = j == 0;
                bwd.row(vec![
                    if first {
                        (k + 1).to_string()
                    } else {
                        String::new()
                    },
                    if first {
                        self.step_node(s, style)
                    } else {
                        String::new()
                    },
                    if !first {
                        String::new()
                    } else if let Some(t) = &s.tensor {
                        summary(&t.shape, &t.upstream, self.precision, style)
                    } else {
                        self.num(s.upstream)
                    },
                    self.label(c.input),
                    self.rule(s, j, c.partial, self.precision, style),
                    match s.tensor.as_ref().and_then(|t| t.inputs.get(j)) {
                        Some(TensorSent {
                            shape,
                            sent: Some(d),
                        }) => summary(shape, d, self.precision, style),
                        _ => c.sent.map_or_else(dash, |x| self.num(x)),
                    },
                    c.accumulated.map_or_else(dash, |x| self.num(x)),
                ]);
            }
        }
        out.push_str(&bwd.render(format));
        out.push('\n');

        // Result.
        let del = if uni { "∂" } else { "d" };
        let dvar = format!("{del}L/{del}variable");
        out.push_str(&heading(&format!(
            "Gradients: {del}{}/{del}variable for every variable it depends on",
            loss.label()
        )));
        let mut res = Table::new(&[
            ("variable", Align::Left),
            ("value", Align::Right),
            (&dvar, Align::Right),
        ]);
        let vars: Vec<&TraceNode> = self.variables().collect();
        for n in vars.iter().take(limit) {
            res.row(vec![
                n.label(),
                self.cell(n, false, style),
                self.cell(n, true, style),
            ]);
        }
        if vars.len() > limit {
            res.note(more(vars.len() - limit, "variable", "variables"));
        }
        out.push_str(&res.render(format));
        out
    }

    /// `n5 = tanh(n4)`; just the name when a node is named after what it computes.
    fn step_node(&self, s: &Step, style: TextStyle) -> String {
        let n = self.node(s.node).expect("a step's node is in the trace");
        let (label, computes) = (n.label(), self.computes(n, style));
        if label == computes || label == self.computes(n, TextStyle::Ascii) {
            label
        } else {
            format!("{label} = {computes}")
        }
    }
}

impl fmt::Display for Trace {
    /// The Unicode text tables of [`to_text`](Trace::to_text).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text(TextStyle::Unicode))
    }
}

/// Every element of a tensor as JSON numbers.
fn json_list(x: &[f64]) -> Value {
    Value::Array(x.iter().map(|&v| json_num(v)).collect())
}

/// The scalar op an elementwise tensor op applies to each element (its inputs' slots
/// meaningless), so that it reads and derives as the scalar one does.
fn elementwise(op: TensorOp) -> Option<Op> {
    match op {
        TensorOp::Unary(f) => Some(Op::Unary(f, 0)),
        TensorOp::Binary(f) => Some(Op::Binary(f, 0, 0)),
        _ => None,
    }
}
