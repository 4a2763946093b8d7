//! `tapegrad.grad`, `tapegrad.hessian` and `tapegrad.check`: the command line's `grad` and
//! `check` on an expression string, returning what their `--json` prints as Python data.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use tapegrad::expr::Program;
use tapegrad::gradcheck::{
    ExpressionFormula, FormulaOptions, GradcheckOptions, PointCheck, check_expression,
};
use tapegrad::{Graph, Var};

use crate::errors::{IntoPy, PyRes, guard};

/// The keyword arguments as `(name, value)` in the order given, checked to give every input of
/// `program` a value.
fn point(program: &Program, kwargs: Option<&Bound<'_, PyDict>>) -> PyRes<Vec<(String, f64)>> {
    let mut point = Vec::new();
    if let Some(kw) = kwargs {
        for (k, v) in kw.iter() {
            point.push((k.extract::<String>()?, v.extract::<f64>()?));
        }
    }
    for (i, name) in program.inputs().iter().enumerate() {
        if !point.iter().any(|(n, _)| n == name) {
            return Err(PyValueError::new_err(format!(
                "error at {}: '{name}' has no value; give it one as a keyword argument, {name}=...",
                program.input_position(i)
            )));
        }
    }
    Ok(point)
}

/// Value, variables, gradient and (if asked) Hessian, as `tapegrad grad --json` prints them.
fn grad_report<'py>(
    py: Python<'py>,
    expr: &str,
    kwargs: Option<&Bound<'py, PyDict>>,
    hessian: bool,
) -> PyRes<Bound<'py, PyDict>> {
    let program = Program::parse(expr).py()?;
    let point = point(&program, kwargs)?;
    let (value, grad, hess) = guard(|| {
        let g = Graph::new();
        let vars: Vec<Var<'_>> = point.iter().map(|(n, v)| g.var_named(n, *v)).collect();
        let bindings: Vec<(&str, Var<'_>)> = point
            .iter()
            .zip(&vars)
            .map(|((n, _), &v)| (n.as_str(), v))
            .collect();
        let y = program.eval(&g, &bindings).py()?;
        let grad = g.try_backward(y).py()?.wrt(&vars);
        let hess = if hessian {
            Some(g.try_hessian(y, &vars).py()?)
        } else {
            None
        };
        Ok((y.try_value().py()?, grad, hess))
    })?;
    let out = PyDict::new(py);
    out.set_item("value", value)?;
    let names: Vec<&str> = point.iter().map(|(n, _)| n.as_str()).collect();
    out.set_item("vars", names)?;
    out.set_item("grad", grad)?;
    if let Some(h) = hess {
        out.set_item("hessian", h)?;
    }
    Ok(out)
}

/// `grad("x*y + sin(x)", x=3, y=-2)` → `{"value": …, "vars": ["x", "y"], "grad": [∂f/∂x, ∂f/∂y]}`.
#[pyfunction]
#[pyo3(signature = (expr, **at))]
pub fn grad<'py>(
    py: Python<'py>,
    expr: &str,
    at: Option<&Bound<'py, PyDict>>,
) -> PyRes<Bound<'py, PyDict>> {
    grad_report(py, expr, at, false)
}

/// As [`grad`], plus `"hessian"`: the matrix ∂²f/∂a∂b as a list of rows, in `vars` order.
#[pyfunction]
#[pyo3(signature = (expr, **at))]
pub fn hessian<'py>(
    py: Python<'py>,
    expr: &str,
    at: Option<&Bound<'py, PyDict>>,
) -> PyRes<Bound<'py, PyDict>> {
    grad_report(py, expr, at, true)
}

/// A `d=` formula, parsed, with where each of its inputs sits among the variables.
struct Formula {
    name: String,
    source: String,
    program: Program,
}

/// `(lo, hi)` as a finite, non-empty range.
fn range(obj: &Bound<'_, PyAny>, what: &str) -> PyRes<(f64, f64)> {
    let bad = || {
        PyValueError::new_err(format!(
            "{what}: expected (lo, hi) with lo < hi, like (-3, 3)"
        ))
    };
    let (lo, hi): (f64, f64) = obj.extract().map_err(|_| bad())?;
    if !(lo.is_finite() && hi.is_finite() && lo < hi) {
        return Err(bad());
    }
    Ok((lo, hi))
}

/// The hand-derived formulas `d` against the engine and finite differences (or, without `d`,
/// the engine against finite differences), as `tapegrad check --json` reports it.
#[pyfunction]
#[pyo3(signature = (expr, d = None, at = None, samples = 100, seed = 0, range = None,
                    eps = 1e-6, atol = 1e-5, rtol = 1e-3))]
#[allow(clippy::too_many_arguments)]
pub fn check<'py>(
    py: Python<'py>,
    expr: &str,
    d: Option<&Bound<'py, PyDict>>,
    at: Option<&Bound<'py, PyDict>>,
    samples: usize,
    seed: u64,
    range: Option<&Bound<'py, PyAny>>,
    eps: f64,
    atol: f64,
    rtol: f64,
) -> PyRes<Bound<'py, PyDict>> {
    let program = Program::parse(expr).py()?;
    let given = match at {
        Some(at) => Some(point(&program, Some(at))?),
        None => None,
    };
    let mut formulas = Vec::new();
    if let Some(d) = d {
        for (k, v) in d.iter() {
            let name: String = k.extract()?;
            let source: String = v.extract()?;
            let program = Program::parse(&source).map_err(|e| {
                PyValueError::new_err(format!("error in d['{name}']: {}", e.to_string().trim()))
            })?;
            formulas.push(Formula {
                name,
                source: source.trim().to_string(),
                program,
            });
        }
    }
    // The variables: the `at` names in order, or the expression's inputs then any `d` name.
    let mut names: Vec<String> = match &given {
        Some(point) => point.iter().map(|(n, _)| n.clone()).collect(),
        None => program.inputs().to_vec(),
    };
    for f in &formulas {
        if !names.contains(&f.name) {
            if given.is_some() {
                return Err(PyValueError::new_err(format!(
                    "d['{0}']: '{0}' has no value; give it one in at",
                    f.name
                )));
            }
            names.push(f.name.clone());
        }
    }
    if names.is_empty() {
        return Err(PyValueError::new_err(
            "the expression has no variables to check",
        ));
    }
    let resolved = formulas
        .iter()
        .map(|f| {
            ExpressionFormula::new(&f.name, f.program.clone(), &names)
                .map_err(|e| PyValueError::new_err(format!("error in d['{}']: {}", f.name, e)))
        })
        .collect::<PyRes<Vec<_>>>()?;
    let opts = GradcheckOptions::default().eps(eps).atol(atol).rtol(rtol);
    opts.validate().py()?;
    let mut options = FormulaOptions::default().check(opts);
    let mut ranges = vec![None; names.len()];
    if let Some(r) = range {
        if let Ok(per) = r.cast::<PyDict>() {
            for (k, v) in per.iter() {
                let name: String = k.extract()?;
                let Some(i) = names.iter().position(|n| *n == name) else {
                    return Err(PyValueError::new_err(format!(
                        "range['{name}']: '{name}' is not a variable of the expression"
                    )));
                };
                ranges[i] = Some(self::range(&v, &format!("range['{name}']"))?);
            }
        } else {
            let (lo, hi) = self::range(r, "range")?;
            options = options.range(lo, hi);
        }
    }
    options = match &given {
        Some(point) => options.at(vec![point.iter().map(|&(_, v)| v).collect()]),
        None => options.samples(samples).seed(seed),
    };
    let report = guard(|| check_expression(&program, &names, &resolved, &ranges, &options).py())?;

    let point_dict = |p: &PointCheck| -> PyRes<Bound<'py, PyDict>> {
        let out = PyDict::new(py);
        let coords = PyDict::new(py);
        for (n, &v) in names.iter().zip(&p.point) {
            coords.set_item(n, v)?;
        }
        out.set_item("point", coords)?;
        out.set_item("formula", p.formula)?;
        out.set_item("autograd", p.autograd)?;
        out.set_item("finite_difference", p.finite_difference)?;
        out.set_item("abs_err", p.abs_err)?;
        out.set_item("rel_err", p.rel_err)?;
        Ok(out)
    };
    let vars = PyList::empty(py);
    for v in &report.variables {
        let e = PyDict::new(py);
        e.set_item("name", &v.name)?;
        let source = formulas
            .iter()
            .find(|f| f.name == v.name)
            .map(|f| &f.source);
        e.set_item("formula", source)?;
        e.set_item("verdict", v.verdict.label())?;
        e.set_item("checked", v.checked)?;
        e.set_item("failed", v.failed)?;
        match &v.worst {
            Some(p) => e.set_item("worst", point_dict(p)?)?,
            None => e.set_item("worst", py.None())?,
        }
        vars.append(e)?;
    }
    let out = PyDict::new(py);
    out.set_item("verdict", report.verdict().label())?;
    out.set_item("vars", &names)?;
    out.set_item("points", report.points)?;
    out.set_item("checked", report.checked)?;
    out.set_item("skipped_kink", report.skipped_kink)?;
    out.set_item("skipped_domain", report.skipped_domain)?;
    out.set_item("seed", report.seed)?;
    out.set_item("variables", vars)?;
    out.set_item("text", report.to_string())?;
    Ok(out)
}
