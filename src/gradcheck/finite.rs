//! Evaluating a closure at many points on one reused graph, and central differences.

use super::kink::Signature;
use super::options::GradcheckOptions;
use crate::{Error, Grads, Graph, Mark, Result, Var};

/// A function of several inputs and outputs, as the checks see every closure.
pub(crate) trait Multi: for<'g> Fn(&[Var<'g>]) -> Vec<Var<'g>> {}
impl<F: for<'g> Fn(&[Var<'g>]) -> Vec<Var<'g>>> Multi for F {}

/// A scalar closure seen as a closure with one output.
pub(crate) fn lift<F>(f: F) -> impl for<'g> Fn(&[Var<'g>]) -> Vec<Var<'g>>
where
    F: for<'g> Fn(&[Var<'g>]) -> Var<'g>,
{
    move |v| vec![f(v)]
}

/// One graph with the input leaves made once; each evaluation sets their values, records the
/// closure after the mark, reads what it needs and rewinds, so capacity is reused.
pub(crate) struct Session<'g, 'f, F> {
    g: &'g Graph,
    xs: Vec<Var<'g>>,
    mark: Mark,
    f: &'f F,
    outputs: Option<usize>,
}

/// The closure's outputs at a point and the kink signature of what it recorded.
pub(crate) struct Sample {
    pub(crate) values: Vec<f64>,
    pub(crate) signature: Signature,
}

impl<'g, 'f, F: Multi> Session<'g, 'f, F> {
    pub(crate) fn new(g: &'g Graph, f: &'f F, n: usize) -> Self {
        let xs = (0..n).map(|_| g.var(0.0)).collect();
        Session {
            g,
            xs,
            mark: g.mark(),
            f,
            outputs: None,
        }
    }

    /// Runs `body` on the recorded outputs at `x`, then frees what was recorded.
    fn at<R>(&mut self, x: &[f64], body: impl FnOnce(&Self, &[Var<'g>]) -> Result<R>) -> Result<R> {
        for (&leaf, &v) in self.xs.iter().zip(x) {
            self.g.set_value(leaf, v)?;
        }
        let ys = (self.f)(&self.xs);
        let counted = match self.outputs {
            None if ys.is_empty() => Err(Error::Invalid(
                "the function returned no outputs; there is nothing to check".into(),
            )),
            None => {
                self.outputs = Some(ys.len());
                Ok(())
            }
            Some(m) if m != ys.len() => Err(Error::Invalid(format!(
                "the function returned {} outputs at one point and {m} at another",
                ys.len()
            ))),
            Some(_) => Ok(()),
        };
        let out = counted.and_then(|()| body(self, &ys));
        self.g.rewind(self.mark);
        out
    }

    fn sample(&self, ys: &[Var<'g>]) -> Result<Sample> {
        Ok(Sample {
            values: ys.iter().map(|y| y.try_value()).collect::<Result<_>>()?,
            signature: Signature::of(self.g),
        })
    }

    /// The outputs at `x`.
    pub(crate) fn eval(&mut self, x: &[f64]) -> Result<Sample> {
        self.at(x, |s, ys| s.sample(ys))
    }

    /// The outputs at `x` and the engine's Jacobian (one backward sweep per output).
    pub(crate) fn jacobian(&mut self, x: &[f64]) -> Result<(Sample, Vec<Vec<f64>>)> {
        self.at(x, |s, ys| {
            let sample = s.sample(ys)?;
            let mut store = Grads::new();
            let mut rows = Vec::with_capacity(ys.len());
            for &y in ys {
                s.g.backward_into(y, &mut store)?;
                rows.push(
                    s.xs.iter()
                        .map(|&v| store.try_get(v))
                        .collect::<Result<_>>()?,
                );
            }
            Ok((sample, rows))
        })
    }

    /// The first output at `x` with the engine's gradient in place of the values (for
    /// differencing the gradient).
    pub(crate) fn gradient(&mut self, x: &[f64]) -> Result<Sample> {
        let (sample, mut rows) = self.jacobian(x)?;
        Ok(Sample {
            values: rows.swap_remove(0),
            signature: sample.signature,
        })
    }

    /// The first output's value and Hessian at `x` (through the recorded backward).
    pub(crate) fn hessian(&mut self, x: &[f64]) -> Result<(Sample, Vec<Vec<f64>>)> {
        self.at(x, |s, ys| {
            let sample = s.sample(ys)?;
            let hess = s.g.try_hessian(ys[0], &s.xs)?;
            Ok((sample, hess))
        })
    }
}

/// The central difference of every output along input `j`, and what its stencil crossed.
pub(crate) struct Stencil {
    /// One derivative per output.
    pub(crate) derivative: Vec<f64>,
    /// The first kink or pole any stencil point is on the other side of, relative to `base`.
    pub(crate) kink: Option<&'static str>,
    /// True when the function is finite at every stencil point.
    pub(crate) finite: bool,
}

/// Central differences along input `j` of a vector function `eval`, compared for kinks with the
/// signature `base` recorded at `x`: `(f(x + h) − f(x − h)) / 2h` with `h = eps`, or with
/// Richardson `(4·D(h/2) − D(h)) / 3`.
pub(crate) fn central<E>(
    x: &[f64],
    j: usize,
    opts: &GradcheckOptions,
    base: &Signature,
    mut eval: E,
) -> Result<Stencil>
where
    E: FnMut(&[f64]) -> Result<Sample>,
{
    let mut kink = None;
    let mut finite = true;
    let mut diff = |h: f64| -> Result<Vec<f64>> {
        let mut p = x.to_vec();
        p[j] = x[j] + h;
        let plus = eval(&p)?;
        p[j] = x[j] - h;
        let minus = eval(&p)?;
        for s in [&plus, &minus] {
            kink = kink.or_else(|| base.crossed(&s.signature));
            finite &= s.values.iter().all(|v| v.is_finite());
        }
        Ok(plus
            .values
            .iter()
            .zip(&minus.values)
            .map(|(a, b)| (a - b) / (2.0 * h))
            .collect())
    };
    let mut derivative = diff(opts.eps)?;
    if opts.richardson {
        let half = diff(opts.eps / 2.0)?;
        for (d, h) in derivative.iter_mut().zip(half) {
            *d = (4.0 * h - *d) / 3.0;
        }
    }
    Ok(Stencil {
        derivative,
        kink,
        finite,
    })
}
