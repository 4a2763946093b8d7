//! [`Neuron`]: y = f(Σᵢ wᵢxᵢ + b), micrograd's building block.

use rand::Rng;

use super::{Activation, Module};
use crate::error::{Result, or_panic, same_len};
use crate::nn::{Init, RngSource};
use crate::real::Float;
use crate::scalar::Var;
use crate::tape::Graph;

/// One neuron: `nin` weights and a bias, all scalar leaves, and an activation f.
///
/// Forward: u = Σᵢ wᵢxᵢ + b recorded as `nin` products and one sum node, then y = f(u).
/// Derivatives: ∂y/∂wᵢ = f'(u)·xᵢ, ∂y/∂b = f'(u), ∂y/∂xᵢ = f'(u)·wᵢ.
///
/// ```
/// use rand::{SeedableRng, rngs::StdRng};
/// use tapegrad::Graph;
/// use tapegrad::nn::{Init, scalar::{Activation, Neuron}};
/// let g = Graph::new();
/// let n = Neuron::new(&g, 2, Activation::Tanh, Init::PyTorch, &mut StdRng::seed_from_u64(0));
/// let x = [g.constant(1.0), g.constant(2.0)];
/// let y = n.call(&x);
/// let grads = g.backward(y);
/// let fprime = 1.0 - y.value().powi(2); // tanh' = 1 − y²
/// assert!((grads[n.weights()[1]] - fprime * 2.0).abs() < 1e-15);
/// assert_eq!(grads[n.bias()], fprime);
/// ```
#[derive(Clone, Debug)]
pub struct Neuron<'g, T: Float = f64> {
    w: Vec<Var<'g, T>>,
    b: Var<'g, T>,
    activation: Activation,
}

impl<'g, T: Float> Neuron<'g, T> {
    /// A neuron with `nin` inputs; weights and bias drawn by `init` (with fan-out 1). Its leaves
    /// are named `w.0`, `w.1`, …, `b` on the graph.
    pub fn new(
        g: &'g Graph<T>,
        nin: usize,
        activation: Activation,
        init: Init,
        rng: impl RngSource,
    ) -> Self {
        Self::build(g, nin, 1, activation, init, &mut rng.into_rng(), "")
    }

    /// A neuron whose leaves are named `{prefix}w.{i}` and `{prefix}b`.
    pub(crate) fn build(
        g: &'g Graph<T>,
        nin: usize,
        fan_out: usize,
        activation: Activation,
        init: Init,
        rng: &mut impl Rng,
        prefix: &str,
    ) -> Self {
        let w = (0..nin)
            .map(|i| {
                let v = init.weight(nin, fan_out, rng);
                g.var_named(&format!("{prefix}w.{i}"), T::from_f64(v))
            })
            .collect();
        let b = g.var_named(
            &format!("{prefix}b"),
            T::from_f64(init.bias(nin, fan_out, rng)),
        );
        Neuron { w, b, activation }
    }

    /// The weights w₀ … w_{nin−1}.
    pub fn weights(&self) -> &[Var<'g, T>] {
        &self.w
    }

    /// The bias b.
    pub fn bias(&self) -> Var<'g, T> {
        self.b
    }

    /// The activation f.
    pub fn activation(&self) -> Activation {
        self.activation
    }

    /// The number of inputs.
    pub fn nin(&self) -> usize {
        self.w.len()
    }

    /// y = f(Σᵢ wᵢxᵢ + b). Panics if `x.len()` is not [`nin`](Neuron::nin); see
    /// [`try_call`](Neuron::try_call).
    #[track_caller]
    pub fn call(&self, x: &[Var<'g, T>]) -> Var<'g, T> {
        or_panic(self.try_call(x))
    }

    /// [`call`](Neuron::call) returning [`Error::Shape`](crate::Error::Shape) for an input of
    /// the wrong length.
    pub fn try_call(&self, x: &[Var<'g, T>]) -> Result<Var<'g, T>> {
        let mut terms = Vec::with_capacity(self.w.len() + 1);
        self.call_with(x, &mut terms)
    }

    /// `call` with a caller's scratch buffer for the terms of the sum (no allocation).
    pub(crate) fn call_with(
        &self,
        x: &[Var<'g, T>],
        terms: &mut Vec<Var<'g, T>>,
    ) -> Result<Var<'g, T>> {
        same_len("neuron", self.w.len(), x.len())?;
        terms.clear();
        for (&wi, &xi) in self.w.iter().zip(x) {
            terms.push(wi.try_mul(xi)?);
        }
        terms.push(self.b);
        let u = self.b.graph().try_sum(terms)?;
        Ok(self.activation.apply(u))
    }

    pub(crate) fn push_named(&self, prefix: &str, out: &mut Vec<(String, Var<'g, T>)>) {
        for (i, &w) in self.w.iter().enumerate() {
            out.push((format!("{prefix}w.{i}"), w));
        }
        out.push((format!("{prefix}b"), self.b));
    }
}

impl<'g, T: Float> Module<'g, T> for Neuron<'g, T> {
    fn graph(&self) -> &'g Graph<T> {
        self.b.graph()
    }

    fn try_forward(&self, x: &[Var<'g, T>]) -> Result<Vec<Var<'g, T>>> {
        Ok(vec![self.try_call(x)?])
    }

    fn parameters(&self) -> Vec<Var<'g, T>> {
        let mut p = self.w.clone();
        p.push(self.b);
        p
    }

    fn named_parameters(&self) -> Vec<(String, Var<'g, T>)> {
        let mut out = Vec::with_capacity(self.w.len() + 1);
        self.push_named("", &mut out);
        out
    }
}
