//! [`check_formula`]: hand-derived partial derivatives against the engine and finite
//! differences, at many points.

use std::fmt;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use super::finite::{Session, central, lift};
use super::formula_report::{FormulaReport, PointCheck, VariableReport, Verdict};
use super::options::{GradcheckOptions, errors};
use crate::{Error, Graph, Result, Var};

/// A hand-derived partial derivative: the point (one value per variable) to ∂f/∂x there.
pub type Derivative<'a> = Box<dyn Fn(&[f64]) -> f64 + 'a>;

/// One variable of the checked function: its name, optionally your formula for ∂f/∂(it), and
/// optionally its own sampling range.
///
/// ```
/// use tapegrad::gradcheck::Variable;
/// // f(x, y) = x²y: ∂f/∂x = 2xy
/// let x = Variable::new("x").derivative(|p| 2.0 * p[0] * p[1]).range(-1.0, 1.0);
/// assert_eq!(x.name(), "x");
/// ```
pub struct Variable<'a> {
    name: String,
    derivative: Option<Derivative<'a>>,
    range: Option<(f64, f64)>,
}

impl fmt::Debug for Variable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Variable")
            .field("name", &self.name)
            .field("derivative", &self.derivative.as_ref().map(|_| "<formula>"))
            .field("range", &self.range)
            .finish()
    }
}

impl<'a> Variable<'a> {
    /// A variable with no formula: its derivative is still checked, engine against finite
    /// differences.
    pub fn new(name: impl Into<String>) -> Self {
        Variable {
            name: name.into(),
            derivative: None,
            range: None,
        }
    }

    /// Your formula for ∂f/∂(this variable), given the whole point (values in variable order).
    pub fn derivative(mut self, formula: impl Fn(&[f64]) -> f64 + 'a) -> Self {
        self.derivative = Some(Box::new(formula));
        self
    }

    /// Draw this variable's random values from `[lo, hi)` instead of the options' range.
    pub fn range(mut self, lo: f64, hi: f64) -> Self {
        self.range = Some((lo, hi));
        self
    }

    /// The variable's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Where to check.
#[derive(Clone, Debug, PartialEq)]
pub enum Points {
    /// `samples` points drawn uniformly from each variable's range with a seeded generator
    /// (`rand`'s `StdRng`), so a run can be repeated exactly.
    Random {
        /// Number of points.
        samples: usize,
        /// Seed of the generator.
        seed: u64,
    },
    /// These points, each with one value per variable.
    At(Vec<Vec<f64>>),
}

/// Options of [`check_formula`]: step and tolerances, and where to check.
///
/// Defaults: PyTorch's gradcheck step and tolerances ([`GradcheckOptions::default`]), 100
/// random points with seed 0, every variable drawn from `[-3, 3)`.
#[derive(Clone, Debug, PartialEq)]
pub struct FormulaOptions {
    /// Step and tolerances, as for [`gradcheck`](super::gradcheck).
    pub check: GradcheckOptions,
    /// Random or given points.
    pub points: Points,
    /// The sampling range of a variable without a range of its own.
    pub range: (f64, f64),
}

impl Default for FormulaOptions {
    fn default() -> Self {
        FormulaOptions {
            check: GradcheckOptions::default(),
            points: Points::Random {
                samples: DEFAULT_SAMPLES,
                seed: 0,
            },
            range: (-3.0, 3.0),
        }
    }
}

const DEFAULT_SAMPLES: usize = 100;

impl FormulaOptions {
    /// Sets the step and tolerances.
    pub fn check(mut self, check: GradcheckOptions) -> Self {
        self.check = check;
        self
    }

    /// Checks at `samples` random points (keeping the seed).
    pub fn samples(mut self, samples: usize) -> Self {
        let seed = match self.points {
            Points::Random { seed, .. } => seed,
            Points::At(_) => 0,
        };
        self.points = Points::Random { samples, seed };
        self
    }

    /// Seeds the random points (keeping their number).
    pub fn seed(mut self, seed: u64) -> Self {
        let samples = match self.points {
            Points::Random { samples, .. } => samples,
            Points::At(_) => DEFAULT_SAMPLES,
        };
        self.points = Points::Random { samples, seed };
        self
    }

    /// Draws every variable without a range of its own from `[lo, hi)`.
    pub fn range(mut self, lo: f64, hi: f64) -> Self {
        self.range = (lo, hi);
        self
    }

    /// Checks at these points instead of random ones.
    pub fn at(mut self, points: Vec<Vec<f64>>) -> Self {
        self.points = Points::At(points);
        self
    }
}

/// Checks hand-derived partial derivatives against the engine and central finite differences.
///
/// `f` receives one [`Var`] per entry of `variables`, in order. At every point (random or
/// given) it records `f`, takes the engine's gradient, the finite differences and each
/// formula's value, and compares the formula with autograd:
/// `|formula − autograd| ≤ atol + rtol·|autograd|`. A variable without a formula is checked
/// engine against finite differences instead (a self-test).
///
/// Points are skipped, counted, and never reported as a false alarm when
/// - the finite-difference stencil straddles a kink or pole (relu or abs at 0, a max/min tie,
///   a division by a value that changes sign, a closure that branches on a value): found by
///   comparing the recorded graphs at the point and at the stencil points;
/// - `f`, its gradient, or `f` at a stencil point is NaN or infinite (outside the domain).
///
/// A formula that is NaN or infinite where `f` and its gradient are finite is a failure,
/// reported as such. If every point is skipped the verdict is
/// [`Inconclusive`](Verdict::Inconclusive), not a pass.
///
/// Errors for bad input: no variables, a duplicate name, a range that is empty or not finite,
/// zero samples, a given point of the wrong length or with a non-finite value, invalid
/// tolerances.
///
/// ```
/// use tapegrad::gradcheck::{FormulaOptions, Variable, check_formula};
/// // f(x, y) = sin(x)·y², derived by hand: ∂f/∂x = cos(x)·y², ∂f/∂y = 2·sin(x)·y
/// let vars = [
///     Variable::new("x").derivative(|p| p[0].cos() * p[1] * p[1]),
///     Variable::new("y").derivative(|p| p[0].sin() * p[1]), // forgot the 2
/// ];
/// let options = FormulaOptions::default().samples(20).seed(7);
/// let report = check_formula(|v| v[0].sin() * v[1].powi(2), &vars, &options).unwrap();
/// assert!(!report.passed());
/// assert_eq!(report.failures().map(|v| v.name.as_str()).collect::<Vec<_>>(), ["y"]);
/// println!("{report}");
/// ```
pub fn check_formula<F>(
    f: F,
    variables: &[Variable<'_>],
    options: &FormulaOptions,
) -> Result<FormulaReport>
where
    F: for<'g> Fn(&[Var<'g>]) -> Var<'g>,
{
    let n = variables.len();
    validate(variables, options)?;
    let (points, seed) = match &options.points {
        Points::At(points) => (points.clone(), None),
        Points::Random { samples, seed } => {
            let mut rng = StdRng::seed_from_u64(*seed);
            let ranges: Vec<(f64, f64)> = variables
                .iter()
                .map(|v| v.range.unwrap_or(options.range))
                .collect();
            let points = (0..*samples)
                .map(|_| {
                    ranges
                        .iter()
                        .map(|&(lo, hi)| rng.random_range(lo..hi))
                        .collect()
                })
                .collect();
            (points, Some(*seed))
        }
    };

    let opts = options.check;
    let f = lift(f);
    let g = Graph::new();
    let mut s = Session::new(&g, &f, n);
    let mut acc: Vec<Acc> = variables.iter().map(|_| Acc::default()).collect();
    let mut report = FormulaReport {
        variables: Vec::with_capacity(n),
        points: points.len(),
        checked: 0,
        skipped_kink: 0,
        skipped_domain: 0,
        seed,
        options: opts,
    };

    'points: for p in &points {
        let (sample, jac) = s.jacobian(p)?;
        let grad = &jac[0];
        if !sample.values[0].is_finite() || grad.iter().any(|d| !d.is_finite()) {
            report.skipped_domain += 1;
            continue;
        }
        let mut fd = Vec::with_capacity(n);
        let mut finite = true;
        for j in 0..n {
            let st = central(p, j, &opts, &sample.signature, |q| s.eval(q))?;
            if st.kink.is_some() {
                report.skipped_kink += 1;
                continue 'points;
            }
            finite &= st.finite && st.derivative[0].is_finite();
            fd.push(st.derivative[0]);
        }
        if !finite {
            report.skipped_domain += 1;
            continue;
        }
        report.checked += 1;
        for (j, v) in variables.iter().enumerate() {
            let formula = v.derivative.as_ref().map(|d| d(p));
            acc[j].add(&opts, p, formula, grad[j], fd[j]);
        }
    }

    report.variables = variables
        .iter()
        .zip(acc)
        .map(|(v, a)| a.finish(v))
        .collect();
    Ok(report)
}

/// Per-variable tallies while walking the points.
#[derive(Default)]
struct Acc {
    checked: usize,
    failed: usize,
    non_finite_formula: usize,
    fd_disagreements: usize,
    worst: Option<PointCheck>,
    /// Whether formula = c · autograd (within tolerance) at every point so far, for each c of
    /// [`SCALES`], and whether some point had a nonzero autograd value to tell them apart.
    scaled: [bool; 3],
    informative: bool,
}

/// The factors a wrong formula most often differs by, with what to say about each.
const SCALES: [(f64, &str); 3] = [
    (-1.0, "a sign error?"),
    (2.0, "a factor of 2?"),
    (0.5, "a factor of 2?"),
];

impl Acc {
    fn add(&mut self, o: &GradcheckOptions, p: &[f64], formula: Option<f64>, a: f64, n: f64) {
        self.checked += 1;
        let engine_ok = o.agrees(a, n);
        if !engine_ok {
            self.fd_disagreements += 1;
        }
        // The checked pair: formula against autograd, or autograd against finite differences.
        let (value, reference) = match formula {
            Some(fv) => (fv, a),
            None => (a, n),
        };
        if formula.is_some() {
            if self.checked == 1 {
                self.scaled = [true; 3];
            }
            for (k, &(c, _)) in SCALES.iter().enumerate() {
                self.scaled[k] &= o.agrees(value, c * reference);
            }
            self.informative |= !o.agrees(0.0, reference);
        }
        if !o.agrees(value, reference) {
            self.failed += 1;
            if !value.is_finite() {
                self.non_finite_formula += 1;
            }
        }
        let excess = o.excess(value, reference);
        if self.worst.as_ref().is_none_or(|w| excess > w.excess) {
            let (abs_err, rel_err) = errors(value, reference);
            self.worst = Some(PointCheck {
                point: p.to_vec(),
                formula,
                autograd: a,
                finite_difference: n,
                abs_err,
                rel_err,
                excess,
            });
        }
    }

    fn finish(self, v: &Variable<'_>) -> VariableReport {
        let verdict = if self.failed > 0 {
            Verdict::Fail
        } else if self.checked == 0 {
            Verdict::Inconclusive
        } else {
            Verdict::Pass
        };
        let likely_cause = (self.failed > 0 && self.informative)
            .then(|| SCALES.iter().zip(self.scaled).find(|(_, ok)| *ok))
            .flatten()
            .map(|((c, what), _)| {
                let times = if *c == -1.0 {
                    "−1".to_string()
                } else {
                    c.to_string()
                };
                format!("the formula is {times} × autograd at every point: {what}")
            });
        VariableReport {
            name: v.name.clone(),
            has_formula: v.derivative.is_some(),
            likely_cause,
            checked: self.checked,
            failed: self.failed,
            non_finite_formula: self.non_finite_formula,
            fd_disagreements: self.fd_disagreements,
            worst: self.worst,
            verdict,
        }
    }
}

fn validate(variables: &[Variable<'_>], options: &FormulaOptions) -> Result<()> {
    options.check.validate()?;
    if variables.is_empty() {
        return Err(Error::Invalid("no variables to check".into()));
    }
    for (i, v) in variables.iter().enumerate() {
        if v.name.is_empty() {
            return Err(Error::Invalid(format!("variable {i} has an empty name")));
        }
        if variables[..i].iter().any(|w| w.name == v.name) {
            return Err(Error::Invalid(format!(
                "variable '{}' is listed twice",
                v.name
            )));
        }
    }
    let n = variables.len();
    match &options.points {
        Points::Random { samples, .. } => {
            if *samples == 0 {
                return Err(Error::Invalid(
                    "the number of samples must be at least 1".into(),
                ));
            }
            check_range("every variable", options.range)?;
            for v in variables {
                if let Some(r) = v.range {
                    check_range(&format!("'{}'", v.name), r)?;
                }
            }
        }
        Points::At(points) => {
            if points.is_empty() {
                return Err(Error::Invalid("no points given to check at".into()));
            }
            for (k, p) in points.iter().enumerate() {
                if p.len() != n {
                    return Err(Error::Invalid(format!(
                        "point {} has {} values but there are {n} variables",
                        k + 1,
                        p.len()
                    )));
                }
                if let Some(v) = p.iter().find(|v| !v.is_finite()) {
                    return Err(Error::Invalid(format!(
                        "point {} has the non-finite value {v}",
                        k + 1
                    )));
                }
            }
        }
    }
    Ok(())
}

fn check_range(what: &str, (lo, hi): (f64, f64)) -> Result<()> {
    if lo.is_finite() && hi.is_finite() && lo < hi {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "the range of {what} must be LO:HI with finite LO < HI, got {lo}:{hi}"
        )))
    }
}
