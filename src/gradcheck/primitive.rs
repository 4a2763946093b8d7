//! [`check_primitive`]: a user-defined primitive's pullback against finite differences of its
//! own forward, first and second order, at random points, in one call.

use std::fmt;

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use super::check::{try_gradcheck, try_gradgradcheck};
use super::options::GradcheckOptions;
use super::report::GradcheckReport;
use super::tensor::{TensorInput, try_gradcheck_tensors, try_gradgradcheck_tensors};
use crate::error::or_panic;
use crate::primitive::Primitive;
use crate::{Error, Result, Tensor, Var};

/// Where and how [`check_primitive`] looks.
#[derive(Clone, Debug, PartialEq)]
pub struct PrimitiveCheckOptions {
    /// How many random points (default 20).
    pub points: usize,
    /// The interval each input is drawn from, uniformly (default −3 to 3).
    pub range: (f64, f64),
    /// The seed of the random points (default 0), so a run repeats exactly.
    pub seed: u64,
    /// Step and tolerances of each comparison (PyTorch's defaults).
    pub tolerances: GradcheckOptions,
}

impl Default for PrimitiveCheckOptions {
    fn default() -> Self {
        PrimitiveCheckOptions {
            points: 20,
            range: (-3.0, 3.0),
            seed: 0,
            tolerances: GradcheckOptions::default(),
        }
    }
}

/// What [`check_primitive`] found: one [`GradcheckReport`] per point and order, and two for
/// the tensor form.
#[derive(Clone, Debug, PartialEq)]
pub struct PrimitiveReport {
    /// The primitive's name.
    pub name: &'static str,
    /// At each point checked, the first-order report ([`CheckKind::Gradient`], the pullback
    /// against central differences of the forward) and then the second-order one
    /// ([`CheckKind::SecondDerivative`], the recorded pullback differentiated again against
    /// central differences of the numeric pullback).
    ///
    /// Last, the same two comparisons for the tensor form: every input a tensor holding
    /// that input's value at all the points, `Σ prim(tensors)` checked element by element,
    /// which runs the pullback elementwise and, second order, with `R = Tensor` (where a rule
    /// that branches on `to_f64` goes wrong).
    ///
    /// [`CheckKind::Gradient`]: super::CheckKind::Gradient
    /// [`CheckKind::SecondDerivative`]: super::CheckKind::SecondDerivative
    pub reports: Vec<GradcheckReport>,
    /// Points drawn but not checked because the forward or a partial is not finite there
    /// (outside the primitive's domain).
    pub skipped: usize,
}

impl PrimitiveReport {
    /// True when every comparison at every point passed (and at least one point was checked).
    pub fn passed(&self) -> bool {
        !self.reports.is_empty() && self.reports.iter().all(GradcheckReport::passed)
    }

    /// The reports that did not pass.
    pub fn failures(&self) -> impl Iterator<Item = &GradcheckReport> {
        self.reports.iter().filter(|r| !r.passed())
    }
}

impl fmt::Display for PrimitiveReport {
    /// A headline naming the primitive and the verdict, then the first failing report in full.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let failed = self.failures().count();
        let verdict = if self.passed() { "PASS" } else { "FAIL" };
        writeln!(
            f,
            "check_primitive `{}`: {verdict}, {failed} of {} comparisons failed \
             (first and second order at {} points, then on a tensor of them; {} skipped \
             outside the domain)",
            self.name,
            self.reports.len(),
            self.reports.len().saturating_sub(2) / 2,
            self.skipped
        )?;
        match self.failures().next() {
            Some(r) => write!(f, "first failure, in `{}`:\n{r}", self.name),
            None => Ok(()),
        }
    }
}

/// Checks a primitive's declaration: at random points (seeded), its pullback (run with `f64`)
/// against central differences of its forward, and its pullback recorded on the tape and
/// differentiated again (what Hessians and `grad_graph` use) against central differences of
/// the numeric pullback; then both again on the tensor form, all the points at once. A pullback with a mistake, or one that decides through `to_f64`
/// where the second order needs [`Real::step`](crate::Real::step)-style constants, fails and
/// the report names the primitive and the component.
///
/// Panics for a bad declaration (the wrong number of contributions) or invalid options; see
/// [`try_check_primitive`].
///
/// ```
/// use tapegrad::gradcheck::{PrimitiveCheckOptions, check_primitive};
/// use tapegrad::{Primitive, Real};
///
/// /// x·eˣ, with derivative (1 + x)·eˣ.
/// #[derive(Clone)]
/// struct XExp;
/// impl Primitive for XExp {
///     fn name(&self) -> &'static str { "x_exp" }
///     fn arity(&self) -> usize { 1 }
///     fn forward<R: Real>(&self, x: &[R]) -> R { x[0] * x[0].exp() }
///     fn pullback<R: Real>(&self, x: &[R], _y: R, g: R) -> Vec<R> {
///         vec![g * (x[0].lit(1.0) + x[0]) * x[0].exp()]
///     }
/// }
/// let report = check_primitive(&XExp, &PrimitiveCheckOptions::default());
/// assert!(report.passed(), "{report}");
/// ```
#[track_caller]
pub fn check_primitive<P: Primitive + Clone>(
    prim: &P,
    options: &PrimitiveCheckOptions,
) -> PrimitiveReport {
    or_panic(try_check_primitive(prim, options))
}

/// [`check_primitive`] returning [`Error::Primitive`] for a pullback giving the wrong number of
/// contributions and [`Error::Invalid`] for invalid options (no points, an empty range) or a
/// primitive of no inputs.
pub fn try_check_primitive<P: Primitive + Clone>(
    prim: &P,
    options: &PrimitiveCheckOptions,
) -> Result<PrimitiveReport> {
    options.tolerances.validate()?;
    let (lo, hi) = options.range;
    if options.points == 0 || lo >= hi || !lo.is_finite() || !hi.is_finite() {
        return Err(Error::Invalid(format!(
            "check_primitive needs at least one point and a finite range lo < hi; got {} \
             points in {lo}..{hi}",
            options.points
        )));
    }
    let n = prim.arity();
    if n == 0 {
        return Err(Error::Invalid(format!(
            "primitive `{}` takes no inputs: there is no derivative to check",
            prim.name()
        )));
    }
    let names: Vec<String> = (0..n).map(|j| format!("x{j}")).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let f = applied(prim);
    let mut rng = StdRng::seed_from_u64(options.seed);
    let mut report = PrimitiveReport {
        name: prim.name(),
        reports: Vec::new(),
        skipped: 0,
    };
    let mut kept: Vec<Vec<f64>> = vec![Vec::new(); n];
    for _ in 0..options.points {
        let x: Vec<f64> = (0..n).map(|_| rng.random_range(lo..hi)).collect();
        let y = prim.forward(&x);
        let partials = prim.pullback(&x, y, 1.0);
        crate::tensor::check_contributions::<f64>(prim, partials.len())?;
        if !y.is_finite() || partials.iter().any(|p| !p.is_finite()) {
            report.skipped += 1;
            continue;
        }
        let first = try_gradcheck(&f, &x, options.tolerances)?.with_names(&names);
        let second = try_gradgradcheck(&f, &x, options.tolerances)?.with_names(&names);
        report.reports.push(first);
        report.reports.push(second);
        for (column, &xj) in kept.iter_mut().zip(&x) {
            column.push(xj);
        }
    }
    if !kept[0].is_empty() {
        let inputs: Vec<TensorInput> = kept
            .iter()
            .zip(&names)
            .map(|(c, name)| TensorInput::new(c, &[c.len()]).named(name))
            .collect();
        let f = applied_tensors(prim);
        let tol = options.tolerances;
        report
            .reports
            .push(try_gradcheck_tensors(&f, &inputs, tol)?);
        report
            .reports
            .push(try_gradgradcheck_tensors(&f, &inputs, tol)?);
    }
    Ok(report)
}

/// The primitive as a function of the checks' variables (a named return type, so the closure
/// returns a `Var` of the graph it is given).
fn applied<P: Primitive + Clone>(prim: &P) -> impl for<'g> Fn(&[Var<'g>]) -> Var<'g> + '_ {
    move |v| v[0].graph().apply(prim, v)
}

/// `Σ prim(tensors)`, elementwise, as a function of the tensor checks' inputs.
fn applied_tensors<P: Primitive + Clone>(
    prim: &P,
) -> impl for<'g> Fn(&[Tensor<'g>]) -> Var<'g> + '_ {
    move |t| t[0].graph().apply_tensors(prim, t).sum()
}
