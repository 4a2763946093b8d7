//! [`MlpModel`]: the scalar-neuron [`Mlp`] as a [`Trainable`] model.

use crate::error::{Result, same_len};
use crate::nn::scalar::{Mlp, Module};
use crate::real::Float;
use crate::scalar::Var;
use crate::tape::Grads;

use super::{Loss, ParamMut, TensorInfo, Trainable, batch_rows};

/// A scalar-neuron [`Mlp`] ready for [`fit`](super::fit): its parameters grouped into one weight
/// tensor `[outputs, inputs]` and one bias tensor `[outputs]` per layer, named
/// `layers.{i}.weight` and `layers.{i}.bias` (PyTorch's `nn.Linear` layout), with flat buffers
/// for their values and gradients that are reused at every step.
///
/// Each [`loss_and_grad`](Trainable::loss_and_grad) records the batch after a
/// [`mark`](crate::Graph::mark) and rewinds to it, so the graph only keeps the parameters.
///
/// ```
/// use rand::{SeedableRng, rngs::StdRng};
/// use tapegrad::Graph;
/// use tapegrad::nn::{Init, scalar::{Activation, Mlp}, train::{MlpModel, Trainable}};
/// let g = Graph::new();
/// let mlp = Mlp::new(&g, &[4, 8, 3], Activation::Relu, Activation::Linear, Init::PyTorch,
///                    &mut StdRng::seed_from_u64(0));
/// let model = MlpModel::new(mlp);
/// let shapes: Vec<_> = model.tensors().iter().map(|t| (t.name.as_str(), t.shape.clone())).collect();
/// assert_eq!(shapes[0], ("layers.0.weight", vec![8, 4]));
/// assert_eq!(shapes[3], ("layers.1.bias", vec![3]));
/// assert_eq!(model.num_parameters(), 8 * 4 + 8 + 3 * 8 + 3);
/// ```
#[derive(Clone, Debug)]
pub struct MlpModel<'g, T: Float = f64> {
    mlp: Mlp<'g, T>,
    tensors: Vec<TensorInfo>,
    /// Parameter leaves in tensor order (weights row-major, then biases, layer by layer).
    vars: Vec<Var<'g, T>>,
    offsets: Vec<usize>,
    values: Vec<T>,
    grads: Vec<T>,
    store: Grads<T>,
}

impl<'g, T: Float> MlpModel<'g, T> {
    /// Wraps `mlp`; its current parameter values are the model's. From then on change the
    /// parameters through the model ([`update_params`](Trainable::update_params), `fit`,
    /// loading): its flat buffers are what it saves and snapshots, and it writes them into the
    /// graph's leaves.
    pub fn new(mlp: Mlp<'g, T>) -> Self {
        let mut tensors = Vec::new();
        let mut vars = Vec::new();
        let mut offsets = vec![0];
        for (i, layer) in mlp.layers().iter().enumerate() {
            tensors.push(TensorInfo::new(
                format!("layers.{i}.weight"),
                vec![layer.nout(), layer.nin()],
            ));
            for n in layer.neurons() {
                vars.extend_from_slice(n.weights());
            }
            offsets.push(vars.len());
            tensors.push(TensorInfo::new(
                format!("layers.{i}.bias"),
                vec![layer.nout()],
            ));
            vars.extend(layer.neurons().iter().map(|n| n.bias()));
            offsets.push(vars.len());
        }
        let values = vars.iter().map(|v| v.value()).collect();
        let grads = vec![T::ZERO; vars.len()];
        MlpModel {
            mlp,
            tensors,
            vars,
            offsets,
            values,
            grads,
            store: Grads::new(),
        }
    }

    /// The wrapped network.
    pub fn mlp(&self) -> &Mlp<'g, T> {
        &self.mlp
    }

    fn check_rows(&self, x: &[f64]) -> Result<usize> {
        batch_rows("MlpModel", &[self.n_inputs()], x.len())
    }
}

impl<T: Float> Trainable<T> for MlpModel<'_, T> {
    fn n_inputs(&self) -> usize {
        self.mlp.layers()[0].nin()
    }

    fn n_outputs(&self) -> usize {
        self.mlp.layers().last().map_or(0, |l| l.nout())
    }

    fn tensors(&self) -> &[TensorInfo] {
        &self.tensors
    }

    fn loss_and_grad(&mut self, x: &[f64], targets: &[f64], loss: Loss) -> Result<f64> {
        loss.check_outputs(self.n_outputs())?;
        let rows = self.check_rows(x)?;
        same_len("loss_and_grad", rows, targets.len())?;
        let g = self.mlp.graph();
        let mark = g.mark();
        let result = (|| {
            let nin = self.n_inputs();
            let mut outputs = Vec::with_capacity(rows);
            let mut inputs = Vec::with_capacity(nin);
            for row in x.chunks_exact(nin) {
                inputs.clear();
                inputs.extend(row.iter().map(|&v| g.constant(T::from_f64(v))));
                outputs.push(self.mlp.try_forward(&inputs)?);
            }
            let l = loss.scalar(&outputs, targets)?;
            g.backward_into(l, &mut self.store)?;
            for (gr, v) in self.grads.iter_mut().zip(&self.vars) {
                *gr = self.store.try_get(*v)?;
            }
            l.try_value()
        })();
        g.try_rewind(mark)?;
        Ok(result?.to_f64())
    }

    fn predict_into(&mut self, x: &[f64], out: &mut Vec<f64>) -> Result<()> {
        self.check_rows(x)?;
        out.clear();
        let mut row_t = Vec::with_capacity(self.n_inputs());
        for row in x.chunks_exact(self.n_inputs()) {
            row_t.clear();
            row_t.extend(row.iter().map(|&v| T::from_f64(v)));
            out.extend(
                self.mlp
                    .try_predict(&row_t)?
                    .into_iter()
                    .map(|v| v.to_f64()),
            );
        }
        Ok(())
    }

    fn read_params(&self, f: &mut dyn FnMut(&TensorInfo, &[T])) {
        for (i, info) in self.tensors.iter().enumerate() {
            f(info, &self.values[self.offsets[i]..self.offsets[i + 1]]);
        }
    }

    fn update_params(&mut self, f: &mut dyn FnMut(ParamMut<'_, T>) -> Result<()>) -> Result<()> {
        let mut result = Ok(());
        for (i, info) in self.tensors.iter().enumerate() {
            let (a, b) = (self.offsets[i], self.offsets[i + 1]);
            result = f(ParamMut {
                index: i,
                offset: a,
                info,
                values: &mut self.values[a..b],
                grads: &mut self.grads[a..b],
            });
            if result.is_err() {
                break;
            }
        }
        // Write back whatever was edited, even on an error part way.
        for (v, &val) in self.vars.iter().zip(&self.values) {
            v.graph().set_value(*v, val)?;
        }
        result
    }
}
