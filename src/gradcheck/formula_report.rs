//! [`FormulaReport`]: what [`check_formula`](super::check_formula) returns.

use std::fmt;

use super::options::GradcheckOptions;
use super::table::{Table, err, num, point, short};

/// The outcome of a check over many points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every compared point agrees.
    Pass,
    /// At least one point disagrees (or the formula is NaN/inf where the function is finite).
    Fail,
    /// Every point was skipped (near a kink or outside the domain): nothing was compared, so
    /// this is not a pass.
    Inconclusive,
}

impl Verdict {
    /// `PASS`, `FAIL` or `INCONCLUSIVE`.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Inconclusive => "INCONCLUSIVE",
        }
    }
}

/// The three numbers at one point for one variable.
#[derive(Clone, Debug, PartialEq)]
pub struct PointCheck {
    /// The point (one value per variable, in order).
    pub point: Vec<f64>,
    /// The hand-derived formula's value, if the variable has a formula.
    pub formula: Option<f64>,
    /// The engine's ∂f/∂x.
    pub autograd: f64,
    /// The central finite difference.
    pub finite_difference: f64,
    /// `|formula − autograd|`, or `|autograd − finite difference|` without a formula.
    pub abs_err: f64,
    /// `abs_err` relative to the autograd value (resp. the finite difference), 0 when they
    /// are equal and ∞ when only the reference is 0.
    pub rel_err: f64,
    /// `abs_err / (atol + rtol·|reference|)`: below 1 agrees; ∞ for a non-finite number.
    pub excess: f64,
}

/// The verdict for one variable.
#[derive(Clone, Debug, PartialEq)]
pub struct VariableReport {
    /// The variable's name.
    pub name: String,
    /// True when a hand-derived formula was given; otherwise the engine is checked against
    /// finite differences (a self-test).
    pub has_formula: bool,
    /// Points compared.
    pub checked: usize,
    /// Points where the checked pair disagrees (formula vs autograd, or autograd vs finite
    /// difference without a formula), including points where the formula is not finite.
    pub failed: usize,
    /// Of `failed`: points where the formula is NaN or infinite although the function and its
    /// autograd gradient are finite there.
    pub non_finite_formula: usize,
    /// Points where autograd and the finite difference disagree (with a formula, a warning: the
    /// verdict is about the formula against the engine).
    pub fd_disagreements: usize,
    /// The point farthest from agreement (largest excess) among the compared ones.
    pub worst: Option<PointCheck>,
    /// For a failed formula that is −1, 2 or ½ times autograd at every compared point, what
    /// that suggests ("… a sign error?", "… a factor of 2?").
    pub likely_cause: Option<String>,
    /// Pass, fail, or inconclusive when no point was compared.
    pub verdict: Verdict,
}

/// The result of [`check_formula`](super::check_formula): per variable the verdict and its worst
/// point with the formula, autograd and finite-difference values, plus how many points were
/// skipped and why.
///
/// For f = sin(x)·y² with ∂f/∂y written as sin(x)·y (the 2 forgotten):
///
/// ```text
/// check_formula: FAIL, 20 points: 20 compared (random, seed 7)
///   agree when |formula − autograd| ≤ 1e-5 + 1e-3·|autograd|; finite differences: central, eps = 1e-6
///   variable  status  agree       formula      autograd   finite diff  abs err  rel err
///   x             ok  20/20  0.4627714286  0.4627714286  0.4627714286  1.1e-16  2.4e-16
///   y           FAIL   0/20  -2.649679754  -5.299359508  -5.299359509    2.6e0   5.0e-1
///   x: closest call at x = -0.5188760495, y = -0.7300104682
///   y: worst point at x = -1.365016337, y = 2.706787817
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct FormulaReport {
    /// One report per variable, in the order the function receives them.
    pub variables: Vec<VariableReport>,
    /// Points tried.
    pub points: usize,
    /// Points compared (tried minus skipped).
    pub checked: usize,
    /// Points skipped because the finite-difference stencil straddles a kink or pole (relu or
    /// abs at 0, a max/min tie, a division by a value changing sign, a value-dependent branch).
    pub skipped_kink: usize,
    /// Points skipped because the function, its gradient or a finite-difference neighbour is
    /// NaN or infinite there (outside the domain).
    pub skipped_domain: usize,
    /// The seed of the random points, if they were random.
    pub seed: Option<u64>,
    /// Step and tolerances used.
    pub options: GradcheckOptions,
}

impl FormulaReport {
    /// Fail if any variable fails; inconclusive if every point was skipped; else pass.
    pub fn verdict(&self) -> Verdict {
        if self.variables.iter().any(|v| v.verdict == Verdict::Fail) {
            Verdict::Fail
        } else if self.checked == 0 {
            Verdict::Inconclusive
        } else {
            Verdict::Pass
        }
    }

    /// True only for [`Verdict::Pass`].
    pub fn passed(&self) -> bool {
        self.verdict() == Verdict::Pass
    }

    /// The report of the variable called `name`.
    pub fn variable(&self, name: &str) -> Option<&VariableReport> {
        self.variables.iter().find(|v| v.name == name)
    }

    /// The variables that failed.
    pub fn failures(&self) -> impl Iterator<Item = &VariableReport> {
        self.variables.iter().filter(|v| v.verdict == Verdict::Fail)
    }

    /// "skipped 3 points near kinks, 1 outside the domain" (empty when nothing was skipped).
    pub fn skipped_text(&self) -> String {
        let mut parts = Vec::new();
        if self.skipped_kink > 0 {
            parts.push(format!("{} near kinks", plural(self.skipped_kink, "point")));
        }
        if self.skipped_domain > 0 {
            let what = if parts.is_empty() {
                plural(self.skipped_domain, "point")
            } else {
                self.skipped_domain.to_string()
            };
            parts.push(format!("{what} outside the domain"));
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("skipped {}", parts.join(", "))
        }
    }

    fn names(&self) -> Vec<String> {
        self.variables.iter().map(|v| v.name.clone()).collect()
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

impl fmt::Display for FormulaReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = self.verdict();
        write!(
            f,
            "check_formula: {}, {}: {} compared",
            verdict.label(),
            plural(self.points, "point"),
            self.checked
        )?;
        let skipped = self.skipped_text();
        if !skipped.is_empty() {
            write!(f, ", {skipped}")?;
        }
        if let Some(seed) = self.seed {
            write!(f, " (random, seed {seed})")?;
        }
        writeln!(f)?;
        if verdict == Verdict::Inconclusive {
            writeln!(
                f,
                "  every point was skipped, so nothing was compared: this is not a pass; \
                 try other points or a wider range"
            )?;
        }
        let o = &self.options;
        let method = if o.richardson {
            "central with Richardson extrapolation"
        } else {
            "central"
        };
        writeln!(
            f,
            "  agree when |formula − autograd| ≤ {} + {}·|autograd|; finite differences: {method}, \
             eps = {}",
            short(o.atol),
            short(o.rtol),
            short(o.eps)
        )?;
        if self.variables.iter().any(|v| !v.has_formula) {
            writeln!(
                f,
                "  a variable without a formula is checked autograd against finite differences"
            )?;
        }
        let mut t = Table::new(&[
            "variable",
            "status",
            "agree",
            "formula",
            "autograd",
            "finite diff",
            "abs err",
            "rel err",
        ]);
        for v in &self.variables {
            let status = match v.verdict {
                Verdict::Pass => "ok",
                Verdict::Fail => "FAIL",
                Verdict::Inconclusive => "inconclusive",
            };
            let mut row = vec![
                v.name.clone(),
                status.into(),
                format!("{}/{}", v.checked - v.failed, v.checked),
            ];
            match &v.worst {
                Some(w) => row.extend([
                    w.formula.map_or("—".into(), num),
                    num(w.autograd),
                    num(w.finite_difference),
                    err(w.abs_err),
                    err(w.rel_err),
                ]),
                None => row.extend(std::iter::repeat_n("—".to_string(), 5)),
            }
            t.row(row);
        }
        t.write(f, "  ")?;
        let names = self.names();
        for v in &self.variables {
            if let Some(w) = &v.worst {
                let which = if v.verdict == Verdict::Fail {
                    "worst point"
                } else {
                    "closest call"
                };
                writeln!(f, "  {}: {which} at {}", v.name, point(&names, &w.point))?;
            }
            if let Some(cause) = &v.likely_cause {
                writeln!(f, "  {}: {cause}", v.name)?;
            }
            if v.non_finite_formula > 0 {
                writeln!(
                    f,
                    "  {}: the formula is NaN or inf at {} where the function and autograd are \
                     finite",
                    v.name,
                    plural(v.non_finite_formula, "point")
                )?;
            }
            if v.has_formula && v.fd_disagreements > 0 {
                writeln!(
                    f,
                    "  {}: warning: autograd and finite differences disagree at {} (a badly \
                     conditioned function for this eps?)",
                    v.name,
                    plural(v.fd_disagreements, "point")
                )?;
            }
        }
        Ok(())
    }
}
