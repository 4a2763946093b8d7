//! [`gradcheck`], [`gradcheck_jacobian`] and [`gradgradcheck`]: the engine against finite
//! differences at one point.

use super::finite::{Multi, Sample, Session, central, lift};
use super::options::GradcheckOptions;
use super::report::{CheckKind, GradcheckReport};
use crate::error::or_panic;
use crate::{Error, Graph, Result, Var};

/// Checks the engine's gradient of a scalar function at `inputs` against central differences.
///
/// Every ∂f/∂xⱼ is compared as `|analytical − numerical| ≤ atol + rtol·|numerical|`; a NaN or
/// infinite number is a failure. Panics on invalid options, no inputs, or a closure that mixes
/// graphs; see [`try_gradcheck`].
///
/// ```
/// use tapegrad::gradcheck::{GradcheckOptions, gradcheck};
/// // f(x, y) = x² sin y
/// let report = gradcheck(
///     |v| v[0] * v[0] * v[1].sin(),
///     &[1.5, -2.0],
///     GradcheckOptions::default(),
/// );
/// assert!(report.passed(), "{report}");
/// let c = report.get(0, 0).unwrap(); // ∂f/∂x = 2x sin y
/// assert_eq!(c.analytical, 2.0 * 1.5 * (-2.0_f64).sin());
/// println!("{}", report.with_names(&["x", "y"]));
/// ```
#[track_caller]
pub fn gradcheck<F>(f: F, inputs: &[f64], options: GradcheckOptions) -> GradcheckReport
where
    F: for<'g> Fn(&[Var<'g>]) -> Var<'g>,
{
    or_panic(try_gradcheck(f, inputs, options))
}

/// [`gradcheck`] returning an error for invalid options, no inputs, or a closure that mixes
/// graphs.
pub fn try_gradcheck<F>(f: F, inputs: &[f64], options: GradcheckOptions) -> Result<GradcheckReport>
where
    F: for<'g> Fn(&[Var<'g>]) -> Var<'g>,
{
    let mut report = jacobian_report(&lift(f), inputs, options)?;
    report.kind = CheckKind::Gradient;
    Ok(report)
}

/// Checks the engine's Jacobian ∂fᵢ/∂xⱼ of a function with several outputs against central
/// differences, component by component.
///
/// ```
/// use tapegrad::gradcheck::{GradcheckOptions, gradcheck_jacobian};
/// // f(x, y) = (xy, x / y)
/// let report = gradcheck_jacobian(
///     |v| vec![v[0] * v[1], v[0] / v[1]],
///     &[2.0, 4.0],
///     GradcheckOptions::default(),
/// );
/// assert!(report.passed(), "{report}");
/// assert_eq!(report.get(1, 1).unwrap().analytical, -2.0 / 16.0); // ∂(x/y)/∂y = −x/y²
/// ```
#[track_caller]
pub fn gradcheck_jacobian<F>(f: F, inputs: &[f64], options: GradcheckOptions) -> GradcheckReport
where
    F: for<'g> Fn(&[Var<'g>]) -> Vec<Var<'g>>,
{
    or_panic(try_gradcheck_jacobian(f, inputs, options))
}

/// [`gradcheck_jacobian`] returning an error for invalid options, no inputs, no outputs, a
/// number of outputs that changes from point to point, or a closure that mixes graphs.
pub fn try_gradcheck_jacobian<F>(
    f: F,
    inputs: &[f64],
    options: GradcheckOptions,
) -> Result<GradcheckReport>
where
    F: for<'g> Fn(&[Var<'g>]) -> Vec<Var<'g>>,
{
    jacobian_report(&f, inputs, options)
}

/// Checks second derivatives: the Hessian ∂²f/∂xᵢ∂xⱼ computed through the recorded backward
/// ([`Graph::hessian`], which differentiates [`Graph::grad_graph`]) against central
/// differences of the engine's gradient, as PyTorch's `gradgradcheck` does.
///
/// ```
/// use tapegrad::gradcheck::{GradcheckOptions, gradgradcheck};
/// // f(x, y) = x³y: H = [[6xy, 3x²], [3x², 0]]
/// let report = gradgradcheck(|v| v[0].powi(3) * v[1], &[1.0, 2.0], GradcheckOptions::default());
/// assert!(report.passed(), "{report}");
/// assert_eq!(report.get(0, 0).unwrap().analytical, 12.0);
/// assert_eq!(report.get(0, 1).unwrap().analytical, 3.0);
/// ```
#[track_caller]
pub fn gradgradcheck<F>(f: F, inputs: &[f64], options: GradcheckOptions) -> GradcheckReport
where
    F: for<'g> Fn(&[Var<'g>]) -> Var<'g>,
{
    or_panic(try_gradgradcheck(f, inputs, options))
}

/// [`gradgradcheck`] returning an error for invalid options, no inputs, or a closure that
/// mixes graphs.
pub fn try_gradgradcheck<F>(
    f: F,
    inputs: &[f64],
    options: GradcheckOptions,
) -> Result<GradcheckReport>
where
    F: for<'g> Fn(&[Var<'g>]) -> Var<'g>,
{
    validate(inputs, &options)?;
    let f = lift(f);
    let g = Graph::new();
    let mut s = Session::new(&g, &f, inputs.len());
    let (sample, hess) = s.hessian(inputs)?;
    compare(
        CheckKind::SecondDerivative,
        inputs,
        options,
        sample,
        &hess,
        |p| s.gradient(p),
    )
}

/// The Jacobian comparison shared by [`gradcheck`] and [`gradcheck_jacobian`].
fn jacobian_report<F: Multi>(
    f: &F,
    inputs: &[f64],
    options: GradcheckOptions,
) -> Result<GradcheckReport> {
    validate(inputs, &options)?;
    let g = Graph::new();
    let mut s = Session::new(&g, f, inputs.len());
    let (sample, jac) = s.jacobian(inputs)?;
    compare(CheckKind::Jacobian, inputs, options, sample, &jac, |p| {
        s.eval(p)
    })
}

/// The report of `analytic` (row i, column j: ∂ output i / ∂ input j, at `sample`) against
/// central differences of `eval` (the outputs at a point), one input's column at a time.
fn compare(
    kind: CheckKind,
    inputs: &[f64],
    options: GradcheckOptions,
    sample: Sample,
    analytic: &[Vec<f64>],
    mut eval: impl FnMut(&[f64]) -> Result<Sample>,
) -> Result<GradcheckReport> {
    let mut columns = Vec::with_capacity(inputs.len());
    for j in 0..inputs.len() {
        columns.push(central(inputs, j, &options, &sample.signature, &mut eval)?);
    }
    let mut report = GradcheckReport::new(kind, inputs, sample.values, options);
    for (i, row) in analytic.iter().enumerate() {
        for (j, &a) in row.iter().enumerate() {
            report.push(i, j, a, columns[j].derivative[i], columns[j].kink);
        }
    }
    Ok(report)
}

fn validate(inputs: &[f64], options: &GradcheckOptions) -> Result<()> {
    options.validate()?;
    if inputs.is_empty() {
        return Err(Error::Invalid(
            "no inputs: give the point to check at, one value per variable".into(),
        ));
    }
    Ok(())
}
