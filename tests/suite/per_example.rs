//! Per-example gradients of a tensor MLP (`vmap(grad)`): each row's gradient from the one
//! batched backward pass equals a backward pass on that row alone, in f64 and f32, for ReLU and
//! tanh layers and a softmax cross-entropy per row; a loss that is not one number per row is an
//! error.

use rand::{RngExt, SeedableRng, rngs::StdRng};
use tapegrad::nn::Init;
use tapegrad::nn::scalar::Activation;
use tapegrad::nn::tensor::Mlp;
use tapegrad::{Error, Float, Graph, Result, Tensor};

/// −log softmax(z)[label] for every row of z `[rows, classes]`: `[rows, 1]`.
fn nll<'g, T: Float>(z: Tensor<'g, T>, labels: &[usize]) -> Result<Tensor<'g, T>> {
    z.try_log_softmax(1)?
        .try_take_along_axis(labels, &[labels.len(), 1], 1)?
        .try_neg()
}

fn check<T: Float>(hidden: Activation, tol: f64) {
    let (rows, sizes) = (6, [5, 7, 4, 3]);
    let g = Graph::<T>::default();
    let mut rng = StdRng::seed_from_u64(11);
    let mlp = Mlp::try_new(
        &g,
        &sizes,
        hidden,
        Activation::Linear,
        Init::XavierUniform,
        &mut rng,
    )
    .unwrap();
    let x: Vec<T> = (0..rows * sizes[0])
        .map(|_| T::from_f64(rng.random_range(-1.0..1.0)))
        .collect();
    let labels: Vec<usize> = (0..rows).map(|r| r % 3).collect();
    let per = mlp.per_example_grads(&x, |z| nll(z, &labels)).unwrap();
    // Into reused buffers (filled first from another batch): the same numbers.
    let mut again = Vec::new();
    let other: Vec<T> = x.iter().map(|&v| v * T::from_f64(-2.0)).collect();
    mlp.per_example_grads_into(&other, |z| nll(z, &labels), &mut again)
        .unwrap();
    mlp.per_example_grads_into(&x, |z| nll(z, &labels), &mut again)
        .unwrap();
    assert_eq!(again, per);
    let params = mlp.named_parameters();
    assert_eq!(per.len(), params.len());
    for (p, (_, t)) in per.iter().zip(&params) {
        assert_eq!(p.shape(), [&[rows][..], &t.shape()].concat());
    }
    // The loop: one forward and backward pass per row.
    for r in 0..rows {
        let mark = g.mark();
        let xr = g.tensor_const(&x[r * sizes[0]..(r + 1) * sizes[0]], &[1, sizes[0]]);
        let loss = nll(mlp.forward(xr), &labels[r..=r]).unwrap().sum();
        let grads = g.backward(loss);
        for (i, (p, (name, t))) in per.iter().zip(&params).enumerate() {
            let n = t.numel();
            let got = &p.data()[r * n..(r + 1) * n];
            for (j, (a, b)) in got.iter().zip(grads.tensor(*t)).enumerate() {
                let (a, b) = (a.to_f64(), b.to_f64());
                assert!(
                    (a - b).abs() <= tol * b.abs().max(1.0),
                    "row {r}, parameter {i} ({name}), element {j}: {a} vs {b}"
                );
            }
        }
        g.rewind(mark);
    }
    assert_eq!(g.len(), params.len(), "nothing is left on the tape");
}

#[test]
fn each_row_equals_its_own_backward_pass_f64() {
    check::<f64>(Activation::Relu, 1e-13);
    check::<f64>(Activation::Tanh, 1e-13);
}

#[test]
fn each_row_equals_its_own_backward_pass_f32() {
    check::<f32>(Activation::Relu, 1e-5);
    check::<f32>(Activation::Tanh, 1e-5);
}

#[test]
fn a_loss_that_is_not_one_number_per_row_is_an_error() {
    let g = Graph::new();
    let mlp = Mlp::try_new(
        &g,
        &[2, 3],
        Activation::Relu,
        Activation::Linear,
        Init::PyTorch,
        0,
    )
    .unwrap();
    let x = [0.5, -1.0, 2.0, 0.25];
    let err = mlp.per_example_grads(&x, Ok).unwrap_err(); // [2, 3]: three numbers per row
    assert!(
        matches!(err, Error::Invalid(ref m) if m.contains("one number per row")),
        "{err}"
    );
    let err = mlp.per_example_grads(&x[..3], Ok).unwrap_err();
    assert!(matches!(err, Error::Shape { .. }), "{err}");
    assert_eq!(g.len(), 2);
}
