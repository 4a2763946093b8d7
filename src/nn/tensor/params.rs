//! [`ParamSet`]: the parameter bookkeeping of a tensor model, shared by [`Mlp`](super::Mlp) and
//! [`Cnn`](super::Cnn), so their [`Trainable`](crate::nn::train::Trainable) impls are a few
//! delegating lines each.

use crate::error::{Result, or_panic, same_len};
use crate::nn::train::{Loss, ParamMut, TensorInfo};
use crate::real::Float;
use crate::scalar::Var;
use crate::tape::{Grads, Graph};
use crate::tensor::Tensor;

/// A model's parameter leaves with their names and shapes, their offsets in the flat vector of
/// all parameters, the gradient buffers of the last step, and the scratch a step reuses.
#[derive(Debug)]
pub(super) struct ParamSet<'g, T: Float> {
    tensors: Vec<TensorInfo>,
    params: Vec<Tensor<'g, T>>,
    offsets: Vec<usize>,
    /// ∂loss/∂parameter from the last step, one buffer per tensor.
    grads: Vec<Vec<T>>,
    store: Grads<T>,
    /// The last batch converted to `T`.
    xbuf: Vec<T>,
}

impl<'g, T: Float> ParamSet<'g, T> {
    /// The named leaves, in the order [`Trainable::tensors`](crate::nn::train::Trainable)
    /// lists them.
    pub(super) fn new(named: Vec<(String, Tensor<'g, T>)>) -> Result<Self> {
        let mut set = ParamSet {
            tensors: Vec::with_capacity(named.len()),
            params: Vec::with_capacity(named.len()),
            offsets: Vec::with_capacity(named.len()),
            grads: Vec::with_capacity(named.len()),
            store: Grads::new(),
            xbuf: Vec::new(),
        };
        let mut total = 0;
        for (name, t) in named {
            let info = TensorInfo::new(name, t.try_shape()?);
            set.offsets.push(total);
            total += info.numel();
            set.grads.push(vec![T::ZERO; info.numel()]);
            set.tensors.push(info);
            set.params.push(t);
        }
        Ok(set)
    }

    /// Names and shapes.
    pub(super) fn tensors(&self) -> &[TensorInfo] {
        &self.tensors
    }

    /// Each leaf with its name.
    pub(super) fn named(&self) -> Vec<(&str, Tensor<'g, T>)> {
        self.tensors
            .iter()
            .map(|t| t.name.as_str())
            .zip(self.params.iter().copied())
            .collect()
    }

    /// One training step: converts the rows `x` to `T`, and after a mark of `g` makes them a
    /// constant of shape `shape` and calls `record` with it to record the loss, computes its
    /// gradient with respect to every parameter into the gradient buffers, rewinds to the mark
    /// and returns the loss value.
    pub(super) fn step(
        &mut self,
        g: &'g Graph<T>,
        x: &[f64],
        shape: &[usize],
        record: impl FnOnce(Tensor<'g, T>) -> Result<Var<'g, T>>,
    ) -> Result<f64> {
        self.xbuf.clear();
        self.xbuf.extend(x.iter().map(|&v| T::from_f64(v)));
        let mark = g.mark();
        let result = (|| {
            let l = record(g.try_tensor_const(&self.xbuf, shape)?)?;
            g.backward_into(l, &mut self.store)?;
            for (buf, &p) in self.grads.iter_mut().zip(&self.params) {
                buf.copy_from_slice(self.store.try_tensor(p)?);
            }
            l.try_value()
        })();
        g.try_rewind(mark)?;
        Ok(result?.to_f64())
    }

    /// [`Trainable::read_params`](crate::nn::train::Trainable::read_params).
    pub(super) fn read(&self, f: &mut dyn FnMut(&TensorInfo, &[T])) {
        for (info, p) in self.tensors.iter().zip(&self.params) {
            // A parameter is only stale if the caller rewound past the model's creation.
            or_panic(p.with_data(|d| f(info, d)));
        }
    }

    /// [`Trainable::update_params`](crate::nn::train::Trainable::update_params).
    pub(super) fn update(
        &mut self,
        g: &Graph<T>,
        f: &mut dyn FnMut(ParamMut<'_, T>) -> Result<()>,
    ) -> Result<()> {
        let ParamSet {
            tensors,
            params,
            offsets,
            grads,
            ..
        } = self;
        for (index, ((info, &p), grads)) in tensors.iter().zip(&*params).zip(grads).enumerate() {
            let offset = offsets[index];
            g.update_tensor(p, |values| {
                f(ParamMut {
                    index,
                    offset,
                    info,
                    values,
                    grads,
                })
            })??;
        }
        Ok(())
    }
}

/// The [`Trainable`](crate::nn::train::Trainable) methods of a tensor model that keeps its
/// parameters in a field `params: ParamSet` and has the methods `graph`, `rows`, `predict` and
/// `loss_and_grad_with`: all but `n_inputs` and `n_outputs`, which the impl writes itself.
macro_rules! param_set_trainable {
    () => {
        fn tensors(&self) -> &[TensorInfo] {
            self.params.tensors()
        }

        fn loss_and_grad(&mut self, x: &[f64], targets: &[f64], loss: Loss) -> Result<f64> {
            check_batch(loss, self.n_outputs(), self.rows(x)?, targets)?;
            self.loss_and_grad_with(x, |z| loss.try_tensor(z, targets))
        }

        fn predict_into(&mut self, x: &[f64], out: &mut Vec<f64>) -> Result<()> {
            predict_f64(x, out, |x| self.predict(x))
        }

        fn read_params(&self, f: &mut dyn FnMut(&TensorInfo, &[T])) {
            self.params.read(f)
        }

        fn update_params(
            &mut self,
            f: &mut dyn FnMut(ParamMut<'_, T>) -> Result<()>,
        ) -> Result<()> {
            self.params.update(self.graph(), f)
        }
    };
}
pub(super) use param_set_trainable;

/// The checks of [`Trainable::loss_and_grad`](crate::nn::train::Trainable::loss_and_grad): a
/// loss that fits the model's outputs and one target per row.
pub(super) fn check_batch(
    loss: Loss,
    n_outputs: usize,
    rows: usize,
    targets: &[f64],
) -> Result<()> {
    loss.check_outputs(n_outputs)?;
    same_len("loss_and_grad", rows, targets.len())
}

/// [`Trainable::predict_into`](crate::nn::train::Trainable::predict_into) through a model's
/// `predict` on rows of `T`.
pub(super) fn predict_f64<T: Float>(
    x: &[f64],
    out: &mut Vec<f64>,
    predict: impl FnOnce(&[T]) -> Result<Vec<T>>,
) -> Result<()> {
    let x: Vec<T> = x.iter().map(|&v| T::from_f64(v)).collect();
    let y = predict(&x)?;
    out.clear();
    out.extend(y.iter().map(|v| v.to_f64()));
    Ok(())
}
