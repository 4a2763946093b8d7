//! [`Trainable`]: what [`fit`](super::fit) needs from a model, whatever it is built of.

use crate::error::{Error, Result};
use crate::real::Float;

use super::Loss;

/// The name and shape of one parameter tensor (row-major, as PyTorch stores it: a linear
/// layer's weight is `[outputs, inputs]`, its bias `[outputs]`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TensorInfo {
    /// A dotted name as in PyTorch's `state_dict`, e.g. `layers.0.weight`.
    pub name: String,
    /// The shape; the tensor holds the product of its entries values.
    pub shape: Vec<usize>,
}

impl TensorInfo {
    /// A tensor called `name` of shape `shape`.
    pub fn new(name: impl Into<String>, shape: Vec<usize>) -> Self {
        TensorInfo {
            name: name.into(),
            shape,
        }
    }

    /// The number of values, the product of the shape's entries.
    pub fn numel(&self) -> usize {
        self.shape.iter().product()
    }
}

/// One parameter tensor handed to [`Trainable::update_params`]: its position, name and shape,
/// its values to edit in place and its gradient from the last
/// [`loss_and_grad`](Trainable::loss_and_grad) (editable too, for clipping).
#[derive(Debug)]
pub struct ParamMut<'a, T> {
    /// The tensor's index in [`Trainable::tensors`].
    pub index: usize,
    /// The offset of its first value in the flat vector of all parameters (tensors in order).
    pub offset: usize,
    /// Name and shape.
    pub info: &'a TensorInfo,
    /// The values, row-major.
    pub values: &'a mut [T],
    /// ∂loss/∂values from the last [`loss_and_grad`](Trainable::loss_and_grad).
    pub grads: &'a mut [T],
}

/// A model that [`fit`](super::fit), [`evaluate`](super::evaluate), the model-selection helpers
/// and [`io`](crate::io) can train, score and save: it computes a loss and its gradient on a
/// batch of rows, predicts without recording, and exposes its parameters as named tensors, each
/// a flat slice of values with a flat slice of gradients.
///
/// The training loop never sees the graph: it calls [`loss_and_grad`](Trainable::loss_and_grad),
/// then edits the parameters through [`update_params`](Trainable::update_params) (clipping, the
/// optimizer's update, restoring a snapshot) and the model writes the new values back into
/// itself before `update_params` returns. [`MlpModel`](super::MlpModel) implements it for the
/// scalar-neuron [`Mlp`](crate::nn::scalar::Mlp); a tensor model implements the same five
/// methods.
pub trait Trainable<T: Float> {
    /// The number of features each input row has.
    fn n_inputs(&self) -> usize;

    /// The number of outputs per row (1 for regression or a binary logit, the number of classes
    /// for softmax cross-entropy).
    fn n_outputs(&self) -> usize;

    /// The parameter tensors, in a fixed order.
    fn tensors(&self) -> &[TensorInfo];

    /// Records the forward pass on `x` (row-major, [`n_inputs`](Trainable::n_inputs) per row)
    /// and `loss` against `targets` (one per row), computes the gradient of the loss with respect
    /// to every parameter, keeps it for [`update_params`](Trainable::update_params), frees what
    /// the step recorded and returns the loss value.
    fn loss_and_grad(&mut self, x: &[f64], targets: &[f64], loss: Loss) -> Result<f64>;

    /// The outputs for `x` (row-major), without recording anything: `out` is cleared and filled
    /// with [`n_outputs`](Trainable::n_outputs) values per row.
    fn predict_into(&mut self, x: &[f64], out: &mut Vec<f64>) -> Result<()>;

    /// Calls `f` once per parameter tensor, in [`tensors`](Trainable::tensors) order, with its
    /// current values (read only).
    fn read_params(&self, f: &mut dyn FnMut(&TensorInfo, &[T]));

    /// Calls `f` once per parameter tensor, in order, with its values and gradients to edit in
    /// place; the edited values are the model's parameters afterwards. Stops at `f`'s first
    /// error.
    fn update_params(&mut self, f: &mut dyn FnMut(ParamMut<'_, T>) -> Result<()>) -> Result<()>;

    /// The number of scalar parameters.
    fn num_parameters(&self) -> usize {
        self.tensors().iter().map(TensorInfo::numel).sum()
    }

    /// Every parameter value, tensor after tensor, as one flat vector.
    fn flat_values(&self) -> Vec<T> {
        let mut out = Vec::with_capacity(self.num_parameters());
        self.read_params(&mut |_, v| out.extend_from_slice(v));
        out
    }

    /// Sets every parameter from one flat vector (as [`flat_values`](Trainable::flat_values)
    /// returns); [`Error::Shape`](crate::Error::Shape) if its length is not
    /// [`num_parameters`](Trainable::num_parameters).
    fn set_flat_values(&mut self, values: &[T]) -> Result<()> {
        let n = self.num_parameters();
        if values.len() != n {
            return Err(crate::Error::Shape {
                op: "set_flat_values",
                lhs: vec![n],
                rhs: vec![values.len()],
            });
        }
        self.update_params(&mut |p| {
            p.values
                .copy_from_slice(&values[p.offset..p.offset + p.values.len()]);
            Ok(())
        })
    }
}

/// The number of rows in a row-major batch of `len` values whose rows each hold a
/// `row_shape` (the product of its entries values), or [`Error::Shape`] (named `op`, with
/// `row_shape` against `len`) if `len` is not a multiple of that.
pub(crate) fn batch_rows(op: &'static str, row_shape: &[usize], len: usize) -> Result<usize> {
    let n: usize = row_shape.iter().product();
    if len % n != 0 {
        return Err(Error::Shape {
            op,
            lhs: row_shape.to_vec(),
            rhs: vec![len],
        });
    }
    Ok(len / n)
}
