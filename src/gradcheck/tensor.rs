//! [`gradcheck_tensors`] and [`gradgradcheck_tensors`]: the engine against finite
//! differences for a scalar function of tensors, element by element.
//!
//! Every element of every input tensor is one column of the report (row-major, one tensor
//! after another), so the comparison, the central differences and the kink detection are
//! those of the scalar checks.

use super::finite::{Sample, central};
use super::kink::Signature;
use super::options::GradcheckOptions;
use super::report::{CheckKind, GradcheckReport, TensorLayout};
use crate::error::or_panic;
use crate::{Error, Graph, Mark, Result, Tensor, Var};

/// A scalar function of tensors, as the tensor checks take it: any
/// `for<'g> Fn(&[Tensor<'g>]) -> Var<'g>` (a closure written in the call, or a `fn`).
pub trait TensorFunction: for<'g> Fn(&[Tensor<'g>]) -> Var<'g> {}

impl<F: for<'g> Fn(&[Tensor<'g>]) -> Var<'g>> TensorFunction for F {}

/// A tensor input of [`gradcheck_tensors`]: its elements (row-major), its shape and a name
/// for the report.
#[derive(Clone, Debug, PartialEq)]
pub struct TensorInput {
    /// The elements, row-major.
    pub values: Vec<f64>,
    /// The shape.
    pub shape: Vec<usize>,
    /// Its name in the report (`x0`, `x1`, … by position when `None`).
    pub name: Option<String>,
}

impl TensorInput {
    /// An input with these elements and this shape.
    pub fn new(values: &[f64], shape: &[usize]) -> Self {
        TensorInput {
            values: values.to_vec(),
            shape: shape.to_vec(),
            name: None,
        }
    }

    /// Names the input in the report (`W`, so its elements are `W[0, 1]`, …).
    pub fn named(mut self, name: &str) -> Self {
        self.name = Some(name.to_string());
        self
    }
}

/// Checks the engine's gradient of a scalar function of tensors against central differences,
/// element by element, as PyTorch's `gradcheck` does for tensor inputs (same defaults; see
/// [`GradcheckOptions`]).
///
/// Each element of each input is perturbed by ±eps in turn; ∂f/∂x for that element from
/// [`backward`](Graph::backward) is compared with the difference quotient as
/// `|analytical − numerical| ≤ atol + rtol·|numerical|`. NaN or infinity is a failure. An
/// element whose stencil crosses a kink (relu or abs at 0, an elementwise max/min tie, a
/// change of which element is a max reduction's maximum, a pole of `/`) and disagrees there is
/// [skipped](crate::gradcheck::Status::Skipped), not failed: the difference quotient across a
/// kink is not a derivative. (The scalar [`gradcheck`](super::gradcheck), whose point the
/// user places, fails there instead and names the kink.) A function
/// with a tensor output can be checked through `(f(x) * r).sum()` for a fixed random `r`,
/// which compares the vector–Jacobian product rᵀ·J.
///
/// Panics on invalid options, no inputs, an input whose values do not fill its shape, or a
/// closure that mixes graphs; see [`try_gradcheck_tensors`].
///
/// ```
/// use tapegrad::gradcheck::{GradcheckOptions, TensorInput, gradcheck_tensors};
/// // f(W, x) = Σ tanh(W·x)
/// let report = gradcheck_tensors(
///     |t| t[0].matmul(t[1]).tanh().sum(),
///     &[
///         TensorInput::new(&[0.5, -1.0, 0.25, 2.0], &[2, 2]).named("W"),
///         TensorInput::new(&[1.0, -0.5], &[2, 1]).named("x"),
///     ],
///     GradcheckOptions::default(),
/// );
/// assert!(report.passed(), "{report}");
/// // ∂f/∂W[1, 0] = (1 − tanh²((W·x)₁)) · x₀, with (W·x)₁ = 0.25 − 1 = −0.75
/// let c = report.get_element(0, &[1, 0]).unwrap();
/// assert!((c.analytical - (1.0 - 0.75_f64.tanh().powi(2))).abs() < 1e-15);
/// assert_eq!(report.label(c), "∂f/∂W[1, 0]");
/// ```
#[track_caller]
pub fn gradcheck_tensors(
    f: impl TensorFunction,
    inputs: &[TensorInput],
    options: GradcheckOptions,
) -> GradcheckReport {
    or_panic(try_gradcheck_tensors(f, inputs, options))
}

/// [`gradcheck_tensors`] returning an error for invalid options, no inputs, an input whose
/// values do not fill its shape, or a closure that mixes graphs.
pub fn try_gradcheck_tensors(
    f: impl TensorFunction,
    inputs: &[TensorInput],
    options: GradcheckOptions,
) -> Result<GradcheckReport> {
    let g = Graph::new();
    let Start {
        x,
        mut s,
        sample,
        grad,
        mut report,
    } = start(&g, &f, inputs, options, CheckKind::Gradient)?;
    for (j, &a) in grad.iter().enumerate() {
        let column = central(&x, j, &options, &sample.signature, |p| s.eval(p))?;
        report.push(0, j, a, column.derivative[0], column.kink);
    }
    report.skip_kinks();
    Ok(report)
}

/// Checks second derivatives of a scalar function of tensors: every ∂²f/∂xᵢ∂xⱼ over all
/// elements, computed through the recorded backward ([`Graph::hvp_tensors`], which
/// differentiates [`Graph::grad_graph_tensors`]) against central differences of the engine's
/// gradient, as PyTorch's `gradgradcheck` does. One Hessian-vector product per element, so
/// keep the inputs small.
///
/// ```
/// use tapegrad::gradcheck::{GradcheckOptions, TensorInput, gradgradcheck_tensors};
/// // f(x) = Σ xᵢ³: H = diag(6x)
/// let report = gradgradcheck_tensors(
///     |t| t[0].powi(3).sum(),
///     &[TensorInput::new(&[1.0, -2.0], &[2])],
///     GradcheckOptions::default(),
/// );
/// assert!(report.passed(), "{report}");
/// assert_eq!(report.get(1, 1).unwrap().analytical, -12.0);
/// assert_eq!(report.get(0, 1).unwrap().analytical, 0.0);
/// ```
#[track_caller]
pub fn gradgradcheck_tensors(
    f: impl TensorFunction,
    inputs: &[TensorInput],
    options: GradcheckOptions,
) -> GradcheckReport {
    or_panic(try_gradgradcheck_tensors(f, inputs, options))
}

/// [`gradgradcheck_tensors`] returning an error for invalid options, no inputs, an input
/// whose values do not fill its shape, or a closure that mixes graphs.
pub fn try_gradgradcheck_tensors(
    f: impl TensorFunction,
    inputs: &[TensorInput],
    options: GradcheckOptions,
) -> Result<GradcheckReport> {
    let g = Graph::new();
    let kind = CheckKind::SecondDerivative;
    let Start {
        x,
        mut s,
        sample,
        mut report,
        ..
    } = start(&g, &f, inputs, options, kind)?;
    let n = x.len();
    // Column j of H is H·eⱼ (analytical) and the difference of the gradient along xⱼ.
    let mut hess = Vec::with_capacity(n);
    let mut columns = Vec::with_capacity(n);
    for j in 0..n {
        hess.push(s.hessian_column(&x, j)?);
        columns.push(central(&x, j, &options, &sample.signature, |p| {
            let (sample, grad) = s.gradient(p)?;
            Ok(Sample {
                values: grad,
                signature: sample.signature,
            })
        })?);
    }
    // Row-major, as the scalar check: component (i, j) is ∂²f/∂xᵢ∂xⱼ, entry i of column j.
    for i in 0..n {
        for (j, (h, c)) in hess.iter().zip(&columns).enumerate() {
            report.push(i, j, h[i], c.derivative[i], c.kink);
        }
    }
    report.skip_kinks();
    Ok(report)
}

/// What both checks start from: the point (every element, flattened), a session on the
/// graph, the value, kink signature and engine gradient at the point, and an empty report.
struct Start<'g, 'f, F> {
    x: Vec<f64>,
    s: Session<'g, 'f, F>,
    sample: Sample,
    grad: Vec<f64>,
    report: GradcheckReport,
}

fn start<'g, 'f, F: TensorFunction>(
    g: &'g Graph,
    f: &'f F,
    inputs: &[TensorInput],
    options: GradcheckOptions,
    kind: CheckKind,
) -> Result<Start<'g, 'f, F>> {
    let (x, layout) = prepare(inputs, &options)?;
    let mut s = Session::new(g, f, inputs)?;
    let (sample, grad) = s.gradient(&x)?;
    let report =
        GradcheckReport::new(kind, &x, sample.values.clone(), options).with_tensors(layout);
    Ok(Start {
        x,
        s,
        sample,
        grad,
        report,
    })
}

/// Validates the options and inputs; returns the point (every element, flattened) and where
/// each tensor's elements are in it.
fn prepare(
    inputs: &[TensorInput],
    options: &GradcheckOptions,
) -> Result<(Vec<f64>, Vec<TensorLayout>)> {
    options.validate()?;
    if inputs.is_empty() {
        return Err(Error::Invalid(
            "no inputs: give the tensors to check at, each with its values and shape".into(),
        ));
    }
    let mut x = Vec::new();
    let mut layout = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.iter().enumerate() {
        if input.values.len() != input.shape.iter().product::<usize>() {
            return Err(Error::Shape {
                op: "gradcheck_tensors",
                lhs: input.shape.clone(),
                rhs: vec![input.values.len()],
            });
        }
        layout.push(TensorLayout {
            name: input.name.clone().unwrap_or_else(|| format!("x{i}")),
            shape: input.shape.clone(),
            offset: x.len(),
        });
        x.extend_from_slice(&input.values);
    }
    if x.is_empty() {
        return Err(Error::Invalid(
            "the inputs have no elements; there is nothing to check".into(),
        ));
    }
    Ok((x, layout))
}

/// One graph with the input tensors made once; each evaluation sets their elements from a
/// flat point, records the closure after the mark, reads what it needs and rewinds.
struct Session<'g, 'f, F> {
    g: &'g Graph,
    xs: Vec<Tensor<'g>>,
    sizes: Vec<usize>,
    mark: Mark,
    f: &'f F,
}

impl<'g, 'f, F: TensorFunction> Session<'g, 'f, F> {
    fn new(g: &'g Graph, f: &'f F, inputs: &[TensorInput]) -> Result<Self> {
        let xs = inputs
            .iter()
            .map(|i| g.try_tensor(&i.values, &i.shape))
            .collect::<Result<_>>()?;
        Ok(Session {
            g,
            xs,
            sizes: inputs.iter().map(|i| i.values.len()).collect(),
            mark: g.mark(),
            f,
        })
    }

    /// Splits a flat vector into one slice per input tensor.
    fn split<'x>(&self, mut x: &'x [f64]) -> Vec<&'x [f64]> {
        self.sizes
            .iter()
            .map(|&n| {
                let (head, rest) = x.split_at(n);
                x = rest;
                head
            })
            .collect()
    }

    /// Runs `body` on the function's value recorded at `x`, then frees what was recorded.
    fn at<R>(&mut self, x: &[f64], body: impl FnOnce(&Self, Var<'g>) -> Result<R>) -> Result<R> {
        for (&t, v) in self.xs.iter().zip(self.split(x)) {
            self.g.try_set_tensor(t, v)?;
        }
        let y = (self.f)(&self.xs);
        let out = body(self, y);
        self.g.rewind(self.mark);
        out
    }

    fn sample(&self, y: Var<'g>) -> Result<Sample> {
        Ok(Sample {
            values: vec![y.try_value()?],
            signature: Signature::of(self.g),
        })
    }

    /// The value at `x`.
    fn eval(&mut self, x: &[f64]) -> Result<Sample> {
        self.at(x, |s, y| s.sample(y))
    }

    /// The value at `x` and the engine's gradient, flattened like the point.
    fn gradient(&mut self, x: &[f64]) -> Result<(Sample, Vec<f64>)> {
        self.at(x, |s, y| {
            let sample = s.sample(y)?;
            let grads = s.g.try_backward(y)?;
            let mut flat = Vec::with_capacity(x.len());
            for &t in &s.xs {
                flat.extend_from_slice(grads.try_tensor(t)?);
            }
            Ok((sample, flat))
        })
    }

    /// Column `j` of the Hessian at `x`: H·eⱼ through the recorded backward.
    fn hessian_column(&mut self, x: &[f64], j: usize) -> Result<Vec<f64>> {
        let mut e = vec![0.0; x.len()];
        e[j] = 1.0;
        self.at(x, |s, y| {
            let hv = s.g.try_hvp_tensors(y, &s.xs, &s.split(&e))?;
            Ok(hv.concat())
        })
    }
}
