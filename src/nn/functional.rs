//! Tensor losses as functions, over the shapes PyTorch's `torch.nn.functional` takes: each is
//! the mean over its elements (PyTorch's default `reduction="mean"`), recorded with tensor ops,
//! so a target that is a tensor leaf gets its gradient too.
//!
//! Class labels are `&[usize]` here as everywhere in the crate
//! ([`Dataset::labels`](crate::data::Dataset::labels),
//! [`take_along_axis`](crate::Tensor::take_along_axis), [`try_one_hot`](crate::Graph::try_one_hot)).
//!
//! ```
//! use tapegrad::Graph;
//! use tapegrad::nn::functional::{cross_entropy, mse};
//! let g = Graph::new();
//! let z = g.tensor(&[2.0, 0.0, 0.0, 0.0, 0.0, 3.0], &[2, 3]);
//! let loss = cross_entropy(z, &[0, 2]);
//! let y = g.tensor(&[1.0, 2.0], &[2]);
//! let p = g.tensor(&[0.5, 2.5], &[2]);
//! let grads = g.backward(loss + mse(p, y));
//! assert_eq!(grads.tensor(y), &[0.5, -0.5]); // ∂/∂y (p − y)²/n = −2(p − y)/n
//! ```

use crate::error::{Error, Result, or_panic};
use crate::real::Float;
use crate::scalar::Var;
use crate::tensor::Tensor;

/// Mean squared error `mean((input − target)²)` over two tensors of one shape (PyTorch's
/// `F.mse_loss`). Derivatives, n the element count: ∂/∂input = 2(input − target)/n,
/// ∂/∂target = −2(input − target)/n.
#[track_caller]
pub fn mse<'g, T: Float>(input: Tensor<'g, T>, target: Tensor<'g, T>) -> Var<'g, T> {
    or_panic(try_mse(input, target))
}

/// [`mse`] returning [`Error::Shape`] for shapes that differ.
pub fn try_mse<'g, T: Float>(input: Tensor<'g, T>, target: Tensor<'g, T>) -> Result<Var<'g, T>> {
    same_shape("mse", input, target)?;
    input.try_sub(target)?.try_powi(2)?.try_mean()
}

/// Binary cross-entropy on logits `z` against targets `y` in [0, 1] of the same shape
/// (PyTorch's `F.binary_cross_entropy_with_logits`): the mean of
/// `max(z, 0) − z·y + ln(1 + e^(−|z|))`, stable for large |z|. Derivatives:
/// ∂/∂z = (σ(z) − y)/n, ∂/∂y = −z/n.
#[track_caller]
pub fn bce_with_logits<'g, T: Float>(input: Tensor<'g, T>, target: Tensor<'g, T>) -> Var<'g, T> {
    or_panic(try_bce_with_logits(input, target))
}

/// [`bce_with_logits`] returning [`Error::Shape`] for shapes that differ.
pub fn try_bce_with_logits<'g, T: Float>(z: Tensor<'g, T>, y: Tensor<'g, T>) -> Result<Var<'g, T>> {
    same_shape("bce_with_logits", z, y)?;
    let g = z.graph();
    let zero = g.constant(T::ZERO).as_tensor();
    let one = g.constant(T::ONE).as_tensor();
    let softplus = z.try_abs()?.try_neg()?.try_exp()?.try_add(one)?.try_ln()?;
    z.try_maximum(zero)?
        .try_sub(z.try_mul(y)?)?
        .try_add(softplus)?
        .try_mean()
}

/// Softmax cross-entropy of logits against class labels (PyTorch's `F.cross_entropy` with
/// class indices): `input` is `(C,)` with one label, `(N, C)` with N labels, or
/// `(N, C, d₁, …)` with labels in the row-major order of `(N, d₁, …)`; the classes are axis 1
/// (axis 0 for a 1-D input). The mean over the labels of `logsumexp(z) − z_label`.
/// Derivative: ∂/∂z = (softmax(z) − onehot(label))/n along the class axis.
#[track_caller]
pub fn cross_entropy<'g, T: Float>(input: Tensor<'g, T>, labels: &[usize]) -> Var<'g, T> {
    or_panic(try_cross_entropy(input, labels))
}

/// [`cross_entropy`] returning an error for a label count that does not fit the input or a
/// label out of range.
pub fn try_cross_entropy<'g, T: Float>(z: Tensor<'g, T>, labels: &[usize]) -> Result<Var<'g, T>> {
    let s = z.try_shape()?;
    let axis = class_axis(&s)?;
    // The labels' shape: the input's with the class axis of size 1.
    let mut is = s.clone();
    is[axis] = 1;
    if labels.len() != is.iter().product::<usize>() {
        let mut want = s.clone();
        want.remove(axis);
        return Err(Error::Invalid(format!(
            "`cross_entropy`: {} labels for logits of shape {s:?}; it needs one per position \
             of {want:?} (the shape without the class axis {axis})",
            labels.len()
        )));
    }
    crate::tensor::check_labels("cross_entropy", labels, s[axis])?;
    z.try_log_softmax(axis as isize)?
        .try_take_along_axis(labels, &is, axis as isize)?
        .try_mean()?
        .try_neg()
}

/// Softmax cross-entropy against class probabilities of the input's shape (PyTorch's
/// `F.cross_entropy` with a float target): the mean over the positions of
/// `−Σ_c y_c · log_softmax(z)_c`, classes on axis 1 (axis 0 for a 1-D input). Derivatives,
/// n the number of positions: ∂/∂z = (softmax(z)·Σ_c y_c − y)/n, ∂/∂y = −log_softmax(z)/n.
#[track_caller]
pub fn cross_entropy_probs<'g, T: Float>(
    input: Tensor<'g, T>,
    target: Tensor<'g, T>,
) -> Var<'g, T> {
    or_panic(try_cross_entropy_probs(input, target))
}

/// [`cross_entropy_probs`] returning [`Error::Shape`] for shapes that differ.
pub fn try_cross_entropy_probs<'g, T: Float>(
    z: Tensor<'g, T>,
    y: Tensor<'g, T>,
) -> Result<Var<'g, T>> {
    let s = same_shape("cross_entropy_probs", z, y)?;
    let axis = class_axis(&s)?;
    z.try_log_softmax(axis as isize)?
        .try_mul(y)?
        .try_sum_axes(&[axis as isize], false)?
        .try_mean()?
        .try_neg()
}

/// The class axis of logits shaped `s`: 1, or 0 for a vector.
fn class_axis(s: &[usize]) -> Result<usize> {
    match s.len() {
        0 => Err(Error::Invalid(
            "`cross_entropy` needs logits of rank 1 or more (the classes on axis 1, or 0 for a \
             vector)"
                .into(),
        )),
        1 => Ok(0),
        _ => Ok(1),
    }
}

/// The common shape of two tensors, or [`Error::Shape`].
fn same_shape<T: Float>(
    op: &'static str,
    a: Tensor<'_, T>,
    b: Tensor<'_, T>,
) -> Result<Vec<usize>> {
    let (sa, sb) = (a.try_shape()?, b.try_shape()?);
    if sa == sb {
        Ok(sa)
    } else {
        Err(Error::Shape {
            op,
            lhs: sa,
            rhs: sb,
        })
    }
}
