//! Hessian-vector products of small tensor functions (the recorded tensor rules differentiated
//! again) against central differences of the gradient.

use crate::tensor_common;

use tapegrad::nn::functional::cross_entropy;
use tapegrad::{Tensor, Var};
use tensor_common::{Input, check_hvp};

#[test]
fn hvp_of_a_tanh_layer() {
    // f(W, b) = Σ tanh(x W + b)², x a fixed (3, 2) input.
    let inputs = [
        Input::new(&[2, 4], 1, -1.0, 1.0),
        Input::new(&[4], 2, -0.5, 0.5),
    ];
    check_hvp(&inputs, |t: &[Tensor]| {
        let x = t[0]
            .graph()
            .tensor_const(&tensor_common::data(6, 3, -1.0, 1.0), &[3, 2]);
        (x.matmul(t[0]) + t[1]).tanh().powi(2).sum()
    });
}

#[test]
fn hvp_of_softmax_cross_entropy() {
    let inputs = [Input::new(&[3, 4], 4, -2.0, 2.0)];
    check_hvp(&inputs, |t: &[Tensor]| cross_entropy(t[0], &[0, 3, 1]));
    check_hvp(&inputs, |t: &[Tensor]| (t[0].softmax(0) * t[0]).sum());
}

#[test]
fn hvp_through_broadcasting_reductions_and_movement() {
    let inputs = [
        Input::new(&[2, 3], 5, 0.5, 2.0),
        Input::new(&[3], 6, 0.5, 2.0),
    ];
    check_hvp(&inputs, |t: &[Tensor]| {
        let q = (t[0] / t[1]).sqrt() * t[1].exp();
        let m = q.sum_axes(&[0], false).ln();
        let c = t[0]
            .graph()
            .concat(&[q.transpose(0, 1).reshape(&[6]), m], 0);
        (c.narrow(0, 1, 7).sigmoid() * c.narrow(0, 0, 7)).mean()
    });
}

#[test]
fn hvp_mixing_scalars_and_tensors() {
    let inputs = [Input::new(&[3], 7, -1.0, 1.0), Input::new(&[], 8, 0.5, 1.5)];
    check_hvp(&inputs, |t: &[Tensor]| -> Var {
        let s: Var = t[1].as_var();
        let y = (t[0] * s).sin().sum();
        y * s + (t[0] * t[0]).max() * 0.5
    });
}
