//! Per-example gradients of an [`Mlp`] (what `vmap(grad)` gives in JAX, `torch.func` in
//! PyTorch): the gradient of each row's loss with respect to every parameter, from one batched
//! backward pass.
//!
//! Why one pass is enough for dense layers: with L = Σᵣ ℓᵣ and a loss whose row r depends only
//! on row r of the outputs, ∂L/∂u at a layer's pre-activation u = x Wᵀ + b has in row r exactly
//! ∂ℓᵣ/∂uᵣ, since no other row's loss reads uᵣ. Then ∂ℓᵣ/∂W = (∂ℓᵣ/∂uᵣ) ⊗ xᵣ (an outer
//! product, the row r term of the batched ∂L/∂W = (∂L/∂u)ᵀ x) and ∂ℓᵣ/∂b = ∂ℓᵣ/∂uᵣ. So one
//! backward pass of the summed loss plus one outer product per row and layer replaces a
//! backward pass per row; what remains is writing the `rows × parameters` numbers out.

use super::Mlp;
use crate::error::{Error, Result};
use crate::functional::Array;
use crate::real::Float;
use crate::tensor::Tensor;

impl<'g, T: Float> Mlp<'g, T> {
    /// The gradient of each row's loss with respect to every parameter: one [`Array`] per
    /// parameter, in the order of [`named_parameters`](Mlp::named_parameters) (each layer's
    /// weight, then its bias), with a leading batch axis — `[rows, nout, nin]` for a weight,
    /// `[rows, nout]` for a bias. Entry `r` is ∂ℓᵣ/∂θ.
    ///
    /// `x` holds the rows (row-major, `inputs` per row); `loss` gets the outputs
    /// `[rows, outputs]` and returns the loss of each row, `rows` numbers (shape `[rows]` or
    /// `[rows, 1]`). Row r's loss must read only row r of the outputs (no batch statistics),
    /// as for any `vmap`. Derivatives: ∂ℓᵣ/∂W = δᵣ ⊗ aᵣ and ∂ℓᵣ/∂b = δᵣ, δᵣ = ∂ℓᵣ/∂uᵣ at the
    /// layer's pre-activation and aᵣ its input row; one backward pass of Σᵣ ℓᵣ gives every δᵣ,
    /// since row r's loss reads only row r. Nothing is left on the tape.
    ///
    /// ```
    /// use tapegrad::Graph;
    /// use tapegrad::nn::{scalar::Activation, tensor::{Linear, Mlp}};
    /// let g = Graph::new();
    /// let w = g.tensor(&[2.0, -1.0], &[1, 2]);
    /// let b = g.tensor(&[0.5], &[1]);
    /// let mlp = Mlp::from_layers(vec![Linear::from_tensors(w, b, Activation::Linear)]);
    /// // ℓᵣ = yᵣ² / 2 with yᵣ = w·xᵣ + b: ∂ℓᵣ/∂w = yᵣ xᵣ, ∂ℓᵣ/∂b = yᵣ
    /// let x = [1.0, 0.0, 0.0, 3.0]; // y = 2.5, −2.5
    /// let per = mlp.per_example_grads(&x, |y| Ok(y.try_powi(2)? * 0.5)).unwrap();
    /// assert_eq!(per[0].shape(), &[2, 1, 2]);
    /// assert_eq!(per[0].data(), &[2.5, 0.0, 0.0, -7.5]);
    /// assert_eq!(per[1].data(), &[2.5, -2.5]);
    /// ```
    pub fn per_example_grads(
        &self,
        x: &[T],
        loss: impl FnOnce(Tensor<'g, T>) -> Result<Tensor<'g, T>>,
    ) -> Result<Vec<Array<T>>> {
        let mut out = Vec::new();
        self.per_example_grads_into(x, loss, &mut out)?;
        Ok(out)
    }

    /// [`per_example_grads`](Mlp::per_example_grads) into `out`, reusing its buffers: called
    /// again with a batch of the same size it allocates none of the `rows × parameters`
    /// numbers (a fresh buffer of that size costs its page faults, about as much as the
    /// arithmetic).
    pub fn per_example_grads_into(
        &self,
        x: &[T],
        loss: impl FnOnce(Tensor<'g, T>) -> Result<Tensor<'g, T>>,
        out: &mut Vec<Array<T>>,
    ) -> Result<()> {
        let rows = self.rows(x)?;
        let g = self.graph();
        let mark = g.mark();
        let result = (|| {
            let mut a = g.try_tensor_const(x, &[rows, self.layers()[0].nin()])?;
            // Each layer's input and pre-activation, whose gradient is the δ of every row.
            let mut taps = Vec::with_capacity(self.layers().len());
            for l in self.layers() {
                let u = a.matmul_t(false, l.weight(), true)?.try_add(l.bias())?;
                taps.push((a, u));
                a = l.activation().try_apply_tensor(u)?;
            }
            let per_row = loss(a)?;
            let s = per_row.try_shape()?;
            if s.iter().product::<usize>() != rows || s.first() != Some(&rows) {
                return Err(Error::Invalid(format!(
                    "`per_example_grads`: the loss has shape {s:?}; it needs one number per \
                     row, shape [{rows}] or [{rows}, 1]"
                )));
            }
            let grads = g.try_backward(per_row.try_sum()?)?;
            out.resize_with(2 * taps.len(), || Array::empty());
            for (i, (l, (a, u))) in self.layers().iter().zip(taps).enumerate() {
                let (nout, nin) = (l.nout(), l.nin());
                let delta = grads.try_tensor(u)?;
                let w = out[2 * i].reset(&[rows, nout, nin]);
                a.with_data(|ad| {
                    for (ar, dr) in ad.chunks_exact(nin).zip(delta.chunks_exact(nout)) {
                        for &d in dr {
                            w.extend(ar.iter().map(|&v| d * v));
                        }
                    }
                })?;
                out[2 * i + 1].reset(&[rows, nout]).extend_from_slice(delta);
            }
            Ok(())
        })();
        g.try_rewind(mark)?;
        result
    }
}
