//! The [`Module`] trait: something with parameters and a forward pass.

use crate::error::{Result, or_panic};
use crate::real::Float;
use crate::scalar::Var;
use crate::tape::Graph;

/// A model made of scalar parameters: leaves of one [`Graph`], created before a
/// [`mark`](Graph::mark) so they live across training steps.
///
/// Parameters persist as leaves; a training step records its nodes after the mark, and
/// [`rewind`](Graph::rewind) frees them. Updates go through [`Graph::set_value`] (see
/// [`Params`](super::Params), which does that for a whole model).
pub trait Module<'g, T: Float = f64> {
    /// The graph the parameters live on.
    fn graph(&self) -> &'g Graph<T>;

    /// The forward pass on one input vector, recorded on the graph; [`Error::Shape`](crate::Error::Shape) for an
    /// input of the wrong length.
    fn try_forward(&self, x: &[Var<'g, T>]) -> Result<Vec<Var<'g, T>>>;

    /// The forward pass on one input vector, recorded on the graph. Panics for an input of the
    /// wrong length; see [`try_forward`](Module::try_forward).
    #[track_caller]
    fn forward(&self, x: &[Var<'g, T>]) -> Vec<Var<'g, T>> {
        or_panic(self.try_forward(x))
    }

    /// Every parameter, in a fixed order (the order of [`named_parameters`](Module::named_parameters)).
    fn parameters(&self) -> Vec<Var<'g, T>>;

    /// Every parameter with a dotted path as in PyTorch's `named_parameters`, e.g.
    /// `layers.0.neurons.3.w.1` (layer 0, neuron 3, weight of input 1) or `layers.1.neurons.0.b`.
    fn named_parameters(&self) -> Vec<(String, Var<'g, T>)>;

    /// The number of scalar parameters.
    fn num_parameters(&self) -> usize {
        self.parameters().len()
    }

    /// The model's output for plain inputs, without recording anything: the forward pass runs
    /// inside [`Graph::no_grad`], so its nodes are constants and are freed before this returns.
    ///
    /// ```
    /// use rand::{SeedableRng, rngs::StdRng};
    /// use tapegrad::Graph;
    /// use tapegrad::nn::{Init, scalar::{Activation, Mlp, Module}};
    /// let g = Graph::new();
    /// let model = Mlp::new(&g, &[2, 3, 1], Activation::Tanh, Activation::Linear,
    ///                      Init::PyTorch, &mut StdRng::seed_from_u64(3));
    /// let before = g.len();
    /// let y = model.predict(&[0.5, -1.0]);
    /// assert_eq!((y.len(), g.len()), (1, before));
    /// ```
    #[track_caller]
    fn predict(&self, x: &[T]) -> Vec<T> {
        or_panic(self.try_predict(x))
    }

    /// [`predict`](Module::predict) returning [`Error::Shape`](crate::Error::Shape) for an input of the wrong length.
    fn try_predict(&self, x: &[T]) -> Result<Vec<T>> {
        let g = self.graph();
        g.no_grad(|| {
            let inputs: Vec<Var<'g, T>> = x.iter().map(|&v| g.constant(v)).collect();
            let out = self.try_forward(&inputs)?;
            out.iter().map(|y| y.try_value()).collect()
        })
    }
}
