//! The tensor [`Mlp`] as a [`Trainable`] model.

use super::Mlp;
use super::params::{check_batch, predict_f64};
use crate::error::Result;
use crate::nn::train::{Loss, ParamMut, TensorInfo, Trainable};
use crate::real::Float;

impl<T: Float> Trainable<T> for Mlp<'_, T> {
    fn n_inputs(&self) -> usize {
        self.layers()[0].nin()
    }

    fn n_outputs(&self) -> usize {
        self.layers().last().map_or(0, |l| l.nout())
    }

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

    fn update_params(&mut self, f: &mut dyn FnMut(ParamMut<'_, T>) -> Result<()>) -> Result<()> {
        self.params.update(self.graph(), f)
    }
}
