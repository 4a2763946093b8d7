//! The scalar layers' [`Activation`]s applied to every element of a tensor.

use crate::error::{Result, or_panic};
use crate::nn::scalar::Activation;
use crate::real::Float;
use crate::tensor::Tensor;

impl Activation {
    /// Applies the activation to every element of `u`, recording its nodes on `u`'s graph.
    /// The same formulas and conventions as [`apply`](Activation::apply): relu'(0) = 0, leaky
    /// relu α·u + (1 − α)·relu(u) (derivative α at 0, as PyTorch). Panics for a stale handle;
    /// see [`try_apply_tensor`](Activation::try_apply_tensor).
    ///
    /// ```
    /// use tapegrad::Graph;
    /// use tapegrad::nn::scalar::Activation;
    /// let g = Graph::new();
    /// let u = g.tensor(&[-2.0, 0.0, 3.0], &[3]);
    /// let y = Activation::LeakyRelu(0.1).apply_tensor(u);
    /// assert_eq!(y.to_vec(), vec![-0.2, 0.0, 3.0]);
    /// assert_eq!(g.backward(y.sum()).tensor(u), &[0.1, 0.1, 1.0]);
    /// ```
    #[track_caller]
    pub fn apply_tensor<'g, T: Float>(self, u: Tensor<'g, T>) -> Tensor<'g, T> {
        or_panic(self.try_apply_tensor(u))
    }

    /// [`apply_tensor`](Activation::apply_tensor) returning an error for a stale or foreign
    /// handle.
    pub fn try_apply_tensor<'g, T: Float>(self, u: Tensor<'g, T>) -> Result<Tensor<'g, T>> {
        match self {
            Activation::Linear => Ok(u),
            Activation::Tanh => u.try_tanh(),
            Activation::Relu => u.try_relu(),
            Activation::Sigmoid => u.try_sigmoid(),
            Activation::LeakyRelu(alpha) => {
                let a = u.scalar_const(T::from_f64(alpha));
                let b = u.scalar_const(T::from_f64(1.0 - alpha));
                u.try_mul(a)?.try_add(u.try_relu()?.try_mul(b)?)
            }
        }
    }
}
