//! Losses on scalar [`Var`]s, each the mean over the samples of a per-sample loss written with
//! graph primitives (PyTorch's `reduction='mean'`).
//!
//! Every function takes the model's outputs as `Var`s and the targets as plain numbers, and
//! returns one `Var` to call [`backward`](crate::Graph::backward) on. The infallible forms panic
//! on empty or mismatched inputs; the `try_*` twins return [`Error`].

use crate::error::{Error, Result, or_panic, same_len};
use crate::real::Float;
use crate::scalar::Var;

use super::activation::try_logsumexp;

/// The mean of `terms`: (1/n)·Σ termsᵢ, one sum node and one product. ∂/∂termsᵢ = 1/n.
/// Panics on an empty slice; see [`try_mean`].
#[track_caller]
pub fn mean<'g, T: Float>(terms: &[Var<'g, T>]) -> Var<'g, T> {
    or_panic(try_mean(terms))
}

/// [`mean`] returning an error for an empty slice or a stale handle.
pub fn try_mean<'g, T: Float>(terms: &[Var<'g, T>]) -> Result<Var<'g, T>> {
    let Some(first) = terms.first() else {
        return Err(Error::Invalid("mean of no terms".into()));
    };
    let total = first.graph().try_sum(terms)?;
    let scale = total
        .graph()
        .constant(T::from_f64(1.0 / terms.len() as f64));
    total.try_mul(scale)
}

/// Checks that there are outputs and as many targets as outputs.
fn pair<A, B>(op: &'static str, pred: &[A], target: &[B]) -> Result<()> {
    if pred.is_empty() {
        return Err(Error::Invalid(format!("{op}: no predictions")));
    }
    same_len(op, pred.len(), target.len())
}

/// The mean of `term(pᵢ, yᵢ)` over the pairs (which [`pair`] has checked).
fn mean_of<'g, T: Float>(
    pred: &[Var<'g, T>],
    target: &[T],
    term: impl Fn(Var<'g, T>, T) -> Result<Var<'g, T>>,
) -> Result<Var<'g, T>> {
    let terms = pred
        .iter()
        .zip(target)
        .map(|(&p, &y)| term(p, y))
        .collect::<Result<Vec<_>>>()?;
    try_mean(&terms)
}

/// Mean squared error (1/n)·Σ (pᵢ − yᵢ)². Derivative: ∂/∂pᵢ = 2(pᵢ − yᵢ)/n.
///
/// ```
/// use tapegrad::Graph;
/// use tapegrad::nn::scalar::loss::mse;
/// let g = Graph::new();
/// let p = [g.var(1.0), g.var(3.0)];
/// let l = mse(&p, &[0.0, 1.0]);        // (1 + 4)/2
/// assert_eq!(l.value(), 2.5);
/// assert_eq!(g.backward(l)[p[1]], 2.0); // 2·(3 − 1)/2
/// ```
#[track_caller]
pub fn mse<'g, T: Float>(pred: &[Var<'g, T>], target: &[T]) -> Var<'g, T> {
    or_panic(try_mse(pred, target))
}

/// [`mse`] returning an error for empty or mismatched inputs.
pub fn try_mse<'g, T: Float>(pred: &[Var<'g, T>], target: &[T]) -> Result<Var<'g, T>> {
    pair("mse", pred, target)?;
    mean_of(pred, target, |p, y| (p - y).try_powi(2))
}

/// Mean absolute error (1/n)·Σ |pᵢ − yᵢ|. Derivative: ∂/∂pᵢ = sign(pᵢ − yᵢ)/n, 0 where
/// pᵢ = yᵢ (abs'(0) = 0, PyTorch's convention).
///
/// ```
/// use tapegrad::Graph;
/// use tapegrad::nn::scalar::loss::mae;
/// let g = Graph::new();
/// let p = [g.var(1.0), g.var(-3.0)];
/// let l = mae(&p, &[0.0, 1.0]);          // (1 + 4)/2
/// assert_eq!(l.value(), 2.5);
/// assert_eq!(g.backward(l)[p[1]], -0.5); // sign(−4)/2
/// ```
#[track_caller]
pub fn mae<'g, T: Float>(pred: &[Var<'g, T>], target: &[T]) -> Var<'g, T> {
    or_panic(try_mae(pred, target))
}

/// [`mae`] returning an error for empty or mismatched inputs.
pub fn try_mae<'g, T: Float>(pred: &[Var<'g, T>], target: &[T]) -> Result<Var<'g, T>> {
    pair("mae", pred, target)?;
    mean_of(pred, target, |p, y| (p - y).try_abs())
}

/// Binary cross-entropy on logits z with targets y ∈ [0, 1] (PyTorch's
/// `BCEWithLogitsLoss`), in the stable form
/// ℓ(z, y) = max(z, 0) − z·y + ln(1 + e^(−|z|)), averaged over the samples.
///
/// It equals −y·ln σ(z) − (1 − y)·ln(1 − σ(z)) but never overflows: e^(−|z|) ≤ 1.
/// Derivative: ∂ℓ/∂z = σ(z) − y. At z = 0 the primitives give exactly that too: `max` splits
/// the tie (½) and abs'(0) = 0, so ∂ℓ/∂z = ½ − y = σ(0) − y.
///
/// ```
/// use tapegrad::Graph;
/// use tapegrad::nn::scalar::loss::bce_with_logits;
/// let g = Graph::new();
/// let z = [g.var(800.0), g.var(0.0)];
/// let l = bce_with_logits(&z, &[0.0, 1.0]); // (800 + ln 2)/2: no overflow
/// assert!((l.value() - (800.0 + 2f64.ln()) / 2.0).abs() < 1e-12);
/// let grads = g.backward(l);
/// assert_eq!(grads[z[0]], 0.5);   // (σ(800) − 0)/2
/// assert_eq!(grads[z[1]], -0.25); // (σ(0) − 1)/2
/// ```
#[track_caller]
pub fn bce_with_logits<'g, T: Float>(logits: &[Var<'g, T>], target: &[T]) -> Var<'g, T> {
    or_panic(try_bce_with_logits(logits, target))
}

/// [`bce_with_logits`] returning an error for empty or mismatched inputs.
pub fn try_bce_with_logits<'g, T: Float>(
    logits: &[Var<'g, T>],
    target: &[T],
) -> Result<Var<'g, T>> {
    pair("bce_with_logits", logits, target)?;
    let zero = logits[0].graph().constant(T::ZERO);
    mean_of(logits, target, |z, y| {
        let softplus = ((-z.try_abs()?).try_exp()? + T::ONE).try_ln()?;
        Ok(z.try_maximum(zero)? - z * y + softplus)
    })
}

/// Hinge loss for labels y ∈ {−1, +1} and scores s: (1/n)·Σ max(0, 1 − yᵢ·sᵢ), written as
/// relu(1 − y·s). Derivative: ∂/∂sᵢ = −yᵢ/n where the margin yᵢ·sᵢ < 1, else 0 (also 0 exactly
/// at the margin: relu'(0) = 0).
///
/// ```
/// use tapegrad::Graph;
/// use tapegrad::nn::scalar::loss::hinge;
/// let g = Graph::new();
/// let s = [g.var(0.5), g.var(-2.0)];
/// let l = hinge(&s, &[1.0, -1.0]);        // (0.5 + 0)/2
/// assert_eq!(l.value(), 0.25);
/// let grads = g.backward(l);
/// assert_eq!((grads[s[0]], grads[s[1]]), (-0.5, 0.0));
/// ```
#[track_caller]
pub fn hinge<'g, T: Float>(scores: &[Var<'g, T>], labels: &[T]) -> Var<'g, T> {
    or_panic(try_hinge(scores, labels))
}

/// [`hinge`] returning an error for empty or mismatched inputs.
pub fn try_hinge<'g, T: Float>(scores: &[Var<'g, T>], labels: &[T]) -> Result<Var<'g, T>> {
    pair("hinge", scores, labels)?;
    mean_of(scores, labels, |s, y| (1.0 - s * y).try_relu())
}

/// Softmax cross-entropy from class labels (PyTorch's `CrossEntropyLoss` on logits): for each
/// row of logits z and its label c, ℓ = −ln softmax(z)_c = logsumexp(z) − z_c, averaged over the
/// rows. The log-sum-exp subtracts max z first, so large logits do not overflow.
///
/// Derivative: ∂ℓ/∂zⱼ = softmax(z)ⱼ − [j = c] (divided by the number of rows).
///
/// ```
/// use tapegrad::Graph;
/// use tapegrad::nn::scalar::loss::softmax_cross_entropy;
/// let g = Graph::new();
/// let z = vec![g.var(0.0), g.var(0.0)];
/// let l = softmax_cross_entropy(&[z.clone()], &[1]);
/// assert_eq!(l.value(), 2f64.ln());
/// let grads = g.backward(l);
/// assert_eq!((grads[z[0]], grads[z[1]]), (0.5, -0.5));
/// ```
#[track_caller]
pub fn softmax_cross_entropy<'g, T: Float, R: AsRef<[Var<'g, T>]>>(
    logits: &[R],
    labels: &[usize],
) -> Var<'g, T> {
    or_panic(try_softmax_cross_entropy(logits, labels))
}

/// [`softmax_cross_entropy`] returning an error for empty or mismatched inputs or a label out
/// of range.
pub fn try_softmax_cross_entropy<'g, T: Float, R: AsRef<[Var<'g, T>]>>(
    logits: &[R],
    labels: &[usize],
) -> Result<Var<'g, T>> {
    pair("softmax_cross_entropy", logits, labels)?;
    let terms = logits
        .iter()
        .zip(labels)
        .enumerate()
        .map(|(i, (row, &c))| {
            let z = row.as_ref();
            let Some(&zc) = z.get(c) else {
                return Err(Error::Invalid(format!(
                    "softmax_cross_entropy: row {i} has label {c} but {} logits",
                    z.len()
                )));
            };
            try_logsumexp(z)?.try_sub(zc)
        })
        .collect::<Result<Vec<_>>>()?;
    try_mean(&terms)
}
