//! [`check_expression`]: [`check_formula`] for a function and formulas written in the expression
//! language — what `tapegrad check`, the Python package's `check` and the fuzz target share.

use super::formula::{FormulaOptions, Variable, check_formula};
use super::formula_report::FormulaReport;
use crate::expr::Program;
use crate::{Error, Result, Var};

/// A hand-derived partial derivative written in the expression language: the formula for
/// ∂f/∂`name`, an expression over the same variables as f.
///
/// ```
/// use tapegrad::expr::Program;
/// use tapegrad::gradcheck::ExpressionFormula;
/// let names = ["x".to_string(), "y".to_string()];
/// let ok = ExpressionFormula::new("x", Program::parse("2*x*y")?, &names)?;
/// assert_eq!(ok.name(), "x");
/// // A formula over a variable f does not have is an error at that variable.
/// let err = ExpressionFormula::new("x", Program::parse("2*z")?, &names).unwrap_err();
/// assert_eq!(err.to_string(), "error at 1:3: 'z' is not a variable of the expression");
/// # Ok::<(), tapegrad::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct ExpressionFormula {
    name: String,
    /// Where `name` sits among the variables.
    var: usize,
    program: Program,
    /// Where each input of `program` sits among the variables.
    slots: Vec<usize>,
    /// The variables the slots refer to.
    names: Vec<String>,
}

impl ExpressionFormula {
    /// The formula `program` for ∂f/∂`name`, where `names` are f's variables in the order a
    /// point lists them. An error ([`Error::Parse`], at the input's position in the formula)
    /// when the formula uses a variable that is not in `names`; [`Error::Invalid`] when `name`
    /// is not one of them.
    pub fn new(name: &str, program: Program, names: &[String]) -> Result<Self> {
        let Some(var) = names.iter().position(|n| n == name) else {
            return Err(Error::Invalid(format!(
                "a formula for ∂/∂{name}, but '{name}' is not a variable of the expression"
            )));
        };
        let slots = program
            .inputs()
            .iter()
            .enumerate()
            .map(|(i, input)| {
                names.iter().position(|n| n == input).ok_or_else(|| {
                    program
                        .input_position(i)
                        .error(format!("'{input}' is not a variable of the expression"))
                })
            })
            .collect::<Result<_>>()?;
        Ok(ExpressionFormula {
            name: name.to_string(),
            var,
            program,
            slots,
            names: names.to_vec(),
        })
    }

    /// The variable this is the formula for.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The formula as parsed.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// The formula's value at `point` (one value per variable); NaN where it is undefined.
    fn at(&self, point: &[f64]) -> f64 {
        let values: Vec<f64> = self.slots.iter().map(|&s| point[s]).collect();
        self.program.eval_f64_values(&values).unwrap_or(f64::NAN)
    }
}

/// Checks the hand-derived `formulas` for the partial derivatives of `program` against the
/// engine and finite differences, as [`check_formula`] does: `names` are the variables in the
/// order a point lists them (every input of `program` must be one; a variable the program does
/// not use has derivative 0), `ranges` optionally gives each variable its own sampling range
/// (`None` for the options' range; empty for none at all), and a variable without a formula is
/// still checked, engine against finite differences.
///
/// ```
/// use tapegrad::expr::Program;
/// use tapegrad::gradcheck::{ExpressionFormula, FormulaOptions, Verdict, check_expression};
/// let f = Program::parse("x^2 * y")?;
/// let names = f.inputs().to_vec();
/// let dx = ExpressionFormula::new("x", Program::parse("2*x*y")?, &names)?;
/// let dy = ExpressionFormula::new("y", Program::parse("x")?, &names)?; // wrong: ∂f/∂y = x²
/// let report = check_expression(&f, &names, &[dx, dy], &[], &FormulaOptions::default())?;
/// assert_eq!(report.verdict(), Verdict::Fail);
/// assert_eq!(report.variables[0].verdict, Verdict::Pass);
/// # Ok::<(), tapegrad::Error>(())
/// ```
pub fn check_expression(
    program: &Program,
    names: &[String],
    formulas: &[ExpressionFormula],
    ranges: &[Option<(f64, f64)>],
    options: &FormulaOptions,
) -> Result<FormulaReport> {
    if let Some((i, n)) = names
        .iter()
        .enumerate()
        .find(|(i, n)| names[..*i].contains(n))
    {
        return Err(Error::Invalid(format!(
            "'{n}' is listed twice among the variables (at {} and {i})",
            names.iter().position(|m| m == n).unwrap_or(0)
        )));
    }
    if let Some(i) = program.inputs().iter().position(|i| !names.contains(i)) {
        let input = &program.inputs()[i];
        return Err(program
            .input_position(i)
            .error(format!("'{input}' is not among the variables checked")));
    }
    if !ranges.is_empty() && ranges.len() != names.len() {
        return Err(Error::Invalid(format!(
            "{} ranges for {} variables: give one per variable (None for the default) or none",
            ranges.len(),
            names.len()
        )));
    }
    for (k, f) in formulas.iter().enumerate() {
        if f.names != names {
            return Err(Error::Invalid(format!(
                "the formula for ∂/∂{} was made for other variables than these",
                f.name
            )));
        }
        if formulas[..k].iter().any(|e| e.var == f.var) {
            return Err(Error::Invalid(format!("two formulas for ∂/∂{}", f.name)));
        }
    }
    let variables: Vec<Variable<'_>> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut v = Variable::new(name.clone());
            if let Some(&Some((lo, hi))) = ranges.get(i) {
                v = v.range(lo, hi);
            }
            if let Some(f) = formulas.iter().find(|f| f.var == i) {
                v = v.derivative(move |p: &[f64]| f.at(p));
            }
            v
        })
        .collect();
    check_formula(
        |vs| {
            let bindings: Vec<(&str, Var<'_>)> = names
                .iter()
                .map(String::as_str)
                .zip(vs.iter().copied())
                .collect();
            // Every input of the program is among the variables (checked above).
            program
                .eval(vs[0].graph(), &bindings)
                .expect("every input of the expression is a variable")
        },
        &variables,
        options,
    )
}
