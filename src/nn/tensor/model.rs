//! The tensor [`Mlp`] as a [`Trainable`] model.

use super::Mlp;
use super::params::{check_batch, param_set_trainable, predict_f64};
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

    param_set_trainable!();
}
