//! The tensor [`Mlp`] as a [`Trainable`] model.

use super::Mlp;
use crate::error::{Error, Result, or_panic};
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
        &self.tensors
    }

    fn loss_and_grad(&mut self, x: &[f64], targets: &[f64], loss: Loss) -> Result<f64> {
        loss.check_outputs(self.n_outputs())?;
        let rows = self.rows(x)?;
        if rows != targets.len() {
            return Err(Error::Shape {
                op: "loss_and_grad",
                lhs: vec![rows],
                rhs: vec![targets.len()],
            });
        }
        self.loss_and_grad_with(x, |z| loss.try_tensor(z, targets))
    }

    fn predict_into(&mut self, x: &[f64], out: &mut Vec<f64>) -> Result<()> {
        let x: Vec<T> = x.iter().map(|&v| T::from_f64(v)).collect();
        let y = self.predict(&x)?;
        out.clear();
        out.extend(y.iter().map(|v| v.to_f64()));
        Ok(())
    }

    fn read_params(&self, f: &mut dyn FnMut(&TensorInfo, &[T])) {
        for (info, p) in self.tensors.iter().zip(&self.params) {
            // A parameter is only stale if the caller rewound past the model's creation.
            or_panic(p.with_data(|d| f(info, d)));
        }
    }

    fn update_params(&mut self, f: &mut dyn FnMut(ParamMut<'_, T>) -> Result<()>) -> Result<()> {
        let g = self.graph();
        let Mlp {
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
