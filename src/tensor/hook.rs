//! [`Graph::register_tensor_hook`]: a gradient hook on a tensor node.

use super::Tensor;
use crate::error::{Error, Result};
use crate::real::Float;
use crate::tape::{Graph, Hook, HookHandle};

impl<T: Float> Graph<T> {
    /// Registers a hook on tensor `t`'s gradient: during [`backward`](Graph::backward), once
    /// the gradient flowing into `t` is complete, `hook` receives `t`'s shape and the gradient
    /// in row-major order, and may change it in place; the changed gradient is what
    /// [`Grads::tensor`](crate::Grads::tensor) returns for `t` and what flows on to `t`'s
    /// inputs (PyTorch's `Tensor.register_hook`). Use it to clip the gradient of one tensor or
    /// to print it. It is called once per sweep that reaches `t`; hooks on one node run in the
    /// order registered, and [`remove_hook`](Graph::remove_hook) removes one. Like
    /// [`register_hook`](Graph::register_hook), it applies to the numeric sweep only, goes
    /// away when `t` is freed, and must not record on or differentiate this graph.
    ///
    /// ```
    /// use tapegrad::Graph;
    /// let g = Graph::new();
    /// let w = g.tensor(&[1.0, 2.0], &[2]);
    /// let h = w * 3.0;                   // dh/dw = 3
    /// let loss = (h * h).sum();          // dloss/dh = 2h = [6, 12]
    /// g.register_tensor_hook(h, |_shape, grad| {
    ///     // clip the gradient's norm to 5: [6, 12] has norm √180
    ///     let norm = grad.iter().map(|d| d * d).sum::<f64>().sqrt();
    ///     grad.iter_mut().for_each(|d| *d *= 5.0 / norm);
    /// });
    /// let dw = g.backward(loss).tensor(w).to_vec(); // 3 · the clipped [6, 12]
    /// let k = 15.0 / 180.0_f64.sqrt();
    /// assert_eq!(dw, vec![6.0 * k, 12.0 * k]);
    /// ```
    #[track_caller]
    pub fn register_tensor_hook(
        &self,
        t: Tensor<'_, T>,
        hook: impl FnMut(&[usize], &mut [T]) + 'static,
    ) -> HookHandle {
        crate::error::or_panic(self.try_register_tensor_hook(t, hook))
    }

    /// [`register_tensor_hook`](Graph::register_tensor_hook) returning an error for a stale
    /// or foreign handle.
    pub fn try_register_tensor_hook(
        &self,
        t: Tensor<'_, T>,
        hook: impl FnMut(&[usize], &mut [T]) + 'static,
    ) -> Result<HookHandle> {
        const OP: &str = "register_tensor_hook";
        if !std::ptr::eq(t.graph(), self) {
            return Err(Error::ForeignGraph { op: OP });
        }
        t.try_shape()?;
        self.add_hook(t.key(), OP, Hook::Tensor(Box::new(hook)))
    }
}
