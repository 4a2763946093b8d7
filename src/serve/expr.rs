//! The expression view's endpoints: parse, and value, gradient, Hessian, picture and trace.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::{ApiError, JsonBody};
use super::{App, Limits};
use crate::expr::Program;
use crate::trace::{Dot, Trace, json_num};
use crate::{Graph, Var};

/// `POST /api/parse`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ParseRequest {
    expr: String,
}

/// `POST /api/expr`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExprRequest {
    expr: String,
    #[serde(default)]
    at: BTreeMap<String, f64>,
    #[serde(default)]
    hessian: bool,
}

pub(crate) async fn parse(
    State(app): State<Arc<App>>,
    JsonBody(request): JsonBody<ParseRequest>,
) -> Result<Json<Value>, ApiError> {
    let program = checked_program(&request.expr, &app.limits)?;
    Ok(Json(json!({
        "program": program.to_string(),
        "inputs": program.inputs(),
    })))
}

pub(crate) async fn evaluate(
    State(app): State<Arc<App>>,
    JsonBody(request): JsonBody<ExprRequest>,
) -> Result<Json<Value>, ApiError> {
    // The work is bounded by the limits but is CPU work: off the async threads, so the request
    // time limit can answer while it runs.
    tokio::task::spawn_blocking(move || answer(&request, &app.limits))
        .await
        .map_err(|e| ApiError::internal(format!("the evaluation failed: {e}")))?
        .map(Json)
}

/// Parses `source` after checking its length, then checks its depth.
fn checked_program(source: &str, limits: &Limits) -> Result<Program, ApiError> {
    let chars = source.chars().count();
    if chars > limits.max_expr_chars {
        return Err(ApiError::bad_request(format!(
            "the expression has {chars} characters, more than the limit of {}",
            limits.max_expr_chars
        )));
    }
    let program = Program::parse(source)?;
    let depth = depth(&program);
    if depth > limits.max_expr_depth {
        return Err(ApiError::bad_request(format!(
            "the expression is {depth} operations deep, more than the limit of {}",
            limits.max_expr_depth
        )));
    }
    Ok(program)
}

/// The longest chain of operations from a leaf (input or number) to any instruction.
fn depth(program: &Program) -> usize {
    let code = program.instructions();
    let mut depth = vec![0usize; code.len()];
    for (i, instr) in code.iter().enumerate() {
        depth[i] = instr
            .operands()
            .map(|a| depth[a as usize] + 1)
            .max()
            .unwrap_or(0);
    }
    depth.into_iter().max().unwrap_or(0)
}

/// Value, gradient, picture, trace and (when asked for) Hessian of the request's expression.
fn answer(request: &ExprRequest, limits: &Limits) -> Result<Value, ApiError> {
    let program = checked_program(&request.expr, limits)?;
    let inputs = program.inputs();
    if let Some(extra) = request.at.keys().find(|k| !inputs.contains(k)) {
        return Err(ApiError::bad_request(format!(
            "'{extra}' is not an input of the expression (its inputs: {})",
            inputs.join(", ")
        )));
    }
    let mut point = Vec::with_capacity(inputs.len());
    for (i, name) in inputs.iter().enumerate() {
        let Some(&v) = request.at.get(name) else {
            return Err(program
                .input_position(i)
                .error(format!("'{name}' has no value; give it one in \"at\""))
                .into());
        };
        point.push((name.as_str(), v));
    }

    let g = Graph::new();
    let vars: Vec<Var<'_>> = point.iter().map(|&(n, v)| g.var_named(n, v)).collect();
    let bindings: Vec<(&str, Var<'_>)> = point
        .iter()
        .map(|&(n, _)| n)
        .zip(vars.iter().copied())
        .collect();
    let y = program.eval(&g, &bindings)?;
    if g.len() > limits.max_expr_nodes {
        return Err(ApiError::bad_request(format!(
            "the expression records {} nodes, more than the limit of {}",
            g.len(),
            limits.max_expr_nodes
        )));
    }
    let grads = g.try_backward(y)?;
    let svg = Dot::new(&g).with_grads(&grads).to_svg()?;
    let trace = Trace::try_new(&g, y)?.with_limit(None).to_json_value();
    let numbers = |xs: &[f64]| xs.iter().map(|&x| json_num(x)).collect::<Vec<_>>();
    let mut out = json!({
        "value": json_num(y.value()),
        "vars": inputs,
        "grad": numbers(&grads.wrt(&vars)),
        "svg": svg,
        "trace": trace,
    });
    if request.hessian {
        let rows: Vec<Value> = g
            .try_hessian(y, &vars)?
            .iter()
            .map(|row| Value::from(numbers(row)))
            .collect();
        out["hessian"] = Value::from(rows);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_counts_the_longest_chain() {
        let d = |s: &str| depth(&Program::parse(s).unwrap());
        assert_eq!(d("x"), 0);
        assert_eq!(d("2"), 0);
        assert_eq!(d("tanh(w*x + b)"), 3); // *, +, tanh
        assert_eq!(d("((((x))))"), 0); // parentheses add no operation
        assert_eq!(d("h = x*x; h*h + 1"), 3);
        assert_eq!(d(&format!("{}x", "-".repeat(9))), 9);
    }
}
