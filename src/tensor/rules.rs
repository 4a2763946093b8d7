//! Every tensor op's derivative, written once.
//!
//! [`pullback`] is generic over [`TensorMath`], the small vocabulary the rules are written in.
//! Two types implement it:
//! - the numeric buffer type of the reverse sweep (fast path of
//!   [`backward`](crate::Graph::backward)), whose operations run the kernels directly on pooled
//!   buffers;
//! - [`Tensor`](crate::Tensor) itself, whose operations record nodes, so the backward pass of a
//!   tensor function can be differentiated again
//!   ([`try_grad_graph_tensors`](crate::Graph::try_grad_graph_tensors), Hessian-vector products).
//!
//! Elementwise ops reuse the scalar rules of [`rules`](crate::rules): the numeric type applies
//! `Fn1::pullback` / `Fn2::pullback` to each element, and `Tensor` evaluates the same generic
//! rule with tensors as the number type. The decisions made on values (relu's step, abs's sign,
//! max/min's tie weights) go through [`Real::step`](crate::Real::step),
//! [`sign`](crate::Real::sign) and [`tie_weights`](crate::Real::tie_weights), which `Tensor`
//! answers element by element with constant tensors: the derivative of a step is zero almost
//! everywhere, exactly as in the scalar rules.
//!
//! The un-broadcast (summing a contribution back to its input's shape) happens in one place:
//! the `send` wrapper at the top of [`pullback`], for every op.

use super::conv::Window;
use super::pooling::planes;
use super::shape::Shape;
use super::store::{TensorOp, perm_at};
use crate::error::Result;
use crate::rules::{Fn1, Fn2};

/// The two contributions of a function of two inputs, each only if wanted.
pub(crate) type Two<V> = (Option<V>, Option<V>);

/// The operations tensor derivative rules are written in.
pub(crate) trait TensorMath: Sized {
    /// The shape.
    fn shape(&self) -> Shape;
    /// A rank-0 constant `c` in the same context.
    fn lit(&self, c: f64) -> Result<Self>;
    /// g · ∂f(a)/∂a elementwise (`a`, `y` = f(a) and `g` share one shape).
    fn ew1_pullback(f: Fn1, a: &Self, y: &Self, g: &Self) -> Result<Self>;
    /// (g · ∂f/∂a, g · ∂f/∂b) elementwise for the inputs `[a, b]`, in the broadcast shape of
    /// `y`; each only if wanted.
    fn ew2_pullback(
        f: Fn2,
        ab: [&Self; 2],
        y: &Self,
        g: &Self,
        want: [bool; 2],
    ) -> Result<Two<Self>>;
    /// op(a) @ op(b), batched.
    fn matmul(a: &Self, ta: bool, b: &Self, tb: bool) -> Result<Self>;
    /// Summed down to `to` (the un-broadcast).
    fn sum_to(self, to: Shape) -> Result<Self>;
    /// Repeated up to `to`.
    fn broadcast_to(self, to: Shape) -> Result<Self>;
    /// The same elements in another shape.
    fn reshape(self, to: Shape) -> Result<Self>;
    /// Axes reordered by a packed permutation.
    fn permute(self, perm: u32) -> Result<Self>;
    /// Multiplied by a constant.
    fn scale(self, c: f64) -> Result<Self>;
    /// Elementwise product with broadcasting.
    fn mul(&self, other: &Self) -> Result<Self>;
    /// Elementwise difference with broadcasting.
    fn sub(&self, other: &Self) -> Result<Self>;
    /// Elementwise eˣ.
    fn exp(&self) -> Result<Self>;
    /// Sum over the axes in `mask`, keeping them as size 1.
    fn sum_keep(&self, mask: u32) -> Result<Self>;
    /// The constant weights of a max reduction's gradient (1/k at the k maxima of a group),
    /// shaped like `x`. `y` is the maximum, `keep` its shape in keepdim form.
    fn max_weights(x: &Self, y: &Self, keep: Shape) -> Result<Self>;
    /// `start .. start + len` along `axis`.
    fn narrow(&self, axis: usize, start: usize, len: usize) -> Result<Self>;
    /// Embedded at `start` along `axis` in zeros shaped `to`.
    fn pad(&self, axis: usize, start: usize, to: Shape) -> Result<Self>;
    /// `take_along_axis(self, idx, axis)`, `idx` shaped `is`.
    fn take_along(&self, axis: usize, idx: &[u32], is: Shape) -> Result<Self>;
    /// Zeros shaped `to` with each element of `self` added at its index `idx` along `axis`.
    fn scatter_add(&self, axis: usize, idx: &[u32], to: Shape) -> Result<Self>;
    /// The strided slice of `self` with parameters `p` (start, step per axis), shaped `to`.
    fn slice(&self, p: &[u32], to: Shape) -> Result<Self>;
    /// Zeros shaped `to` with `self` placed at the slice's positions.
    fn unslice(&self, p: &[u32], to: Shape) -> Result<Self>;
    /// `cond ≠ 0 ? a : b`, broadcasting.
    fn select(cond: &Self, a: &Self, b: &Self) -> Result<Self>;
    /// The windows of an `(N, C, H, W)` tensor as columns `(N, C·kh·kw, OH·OW)` (zeros in the
    /// padding).
    fn im2col(&self, win: &Window) -> Result<Self>;
    /// im2col's adjoint: columns `(N, C·kh·kw, OH·OW)` added back into zeros shaped `to`.
    fn col2im(&self, win: &Window, to: Shape) -> Result<Self>;
    /// The constant weights of a max pool's gradient in the im2col layout of its planes,
    /// `(N·C, kh·kw, OH·OW)`: 1/k at the k maxima of each window. `y` is the pool's output.
    fn pool_max_weights(x: &Self, y: &Self, win: &Window) -> Result<Self>;
}

/// A shape built from dimensions the rules derived from valid shapes.
fn dims(d: &[usize]) -> Shape {
    Shape::SCALAR.concat(d)
}

/// What the rules know about the node being differentiated.
pub(crate) struct Node<'a> {
    /// Its op.
    pub(crate) op: TensorOp,
    /// Its integer parameters (gather indices, slice bounds, windows).
    pub(crate) params: &'a [u32],
    /// Its number of inputs.
    pub(crate) n_in: usize,
}

/// Sends `g · ∂y/∂xⱼ` to each input `j` that takes a gradient, through `send(j, contribution)`.
///
/// `x(j)` is input `j`, `y` the node's output, `g` the upstream gradient ∂L/∂y (shaped like `y`)
/// and `need(j)` says whether input `j` takes a gradient.
pub(crate) fn pullback<V: TensorMath>(
    node: Node<'_>,
    x: impl Fn(usize) -> V,
    y: &V,
    g: V,
    need: impl Fn(usize) -> bool,
    send: &mut impl FnMut(usize, V) -> Result<()>,
) -> Result<()> {
    // The one un-broadcast: a contribution in a broadcast shape is summed to the input's shape.
    let mut out = |j: usize, d: V| -> Result<()> {
        let s = x(j).shape();
        let d = if d.shape() == s { d } else { d.sum_to(s)? };
        send(j, d)
    };
    let xs = |j: usize| x(j).shape();
    match node.op {
        TensorOp::Var | TensorOp::Const => {}
        // Elementwise: the scalar rule of `rules.rs`, element by element.
        TensorOp::Unary(f) => {
            if need(0) {
                out(0, V::ew1_pullback(f, &x(0), y, &g)?)?;
            }
        }
        TensorOp::Binary(f) => {
            let (da, db) = V::ew2_pullback(f, [&x(0), &x(1)], y, &g, [need(0), need(1)])?;
            if let Some(da) = da {
                out(0, da)?;
            }
            if let Some(db) = db {
                out(1, db)?;
            }
        }
        // C = op(A) @ op(B): ∂op(A) = G @ op(B)ᵀ, ∂op(B) = op(A)ᵀ @ G; a transposed operand
        // gets the transpose of that, which is again one product with swapped flags.
        TensorOp::MatMul { ta, tb } => {
            let (a, b) = (x(0), x(1));
            if need(0) {
                let da = if ta {
                    V::matmul(&b, tb, &g, true)?
                } else {
                    V::matmul(&g, false, &b, !tb)?
                };
                out(0, da)?;
            }
            if need(1) {
                let db = if tb {
                    V::matmul(&g, true, &a, ta)?
                } else {
                    V::matmul(&a, !ta, &g, false)?
                };
                out(1, db)?;
            }
        }
        // ∂(Σ over axes)/∂x = 1 for every element of a group: g repeated back.
        TensorOp::Sum { axes, .. } => {
            let s = xs(0);
            out(0, g.reshape(s.reduced(axes, true))?.broadcast_to(s)?)?;
        }
        // ∂mean/∂x = 1/n for the n elements of a group.
        TensorOp::Mean { axes, .. } => {
            let s = xs(0);
            let keep = s.reduced(axes, true);
            let n = s.numel() / keep.numel().max(1);
            let gk = g.reshape(keep)?.scale(1.0 / n as f64)?;
            out(0, gk.broadcast_to(s)?)?;
        }
        // ∂max/∂x = 1/k at each of the k maxima of a group, 0 elsewhere.
        TensorOp::Max { axes, .. } => {
            let keep = xs(0).reduced(axes, true);
            let w = V::max_weights(&x(0), y, keep)?;
            out(0, g.reshape(keep)?.mul(&w)?)?;
        }
        // sum_to's adjoint is the broadcast back; broadcast_to's is the un-broadcast (in `out`).
        TensorOp::SumTo => out(0, g.broadcast_to(xs(0))?)?,
        TensorOp::BroadcastTo => out(0, g)?,
        TensorOp::Reshape => out(0, g.reshape(xs(0))?)?,
        // Output axis d is input axis perm[d]: the adjoint applies the inverse permutation.
        TensorOp::Permute(p) => {
            let r = y.shape().rank();
            let mut inv = 0u32;
            for d in 0..r {
                inv |= (d as u32) << (4 * perm_at(p, d));
            }
            out(0, g.permute(inv)?)?;
        }
        TensorOp::Narrow { axis, start } => {
            out(0, g.pad(axis as usize, start as usize, xs(0))?)?;
        }
        TensorOp::Pad { axis, start } => {
            let len = xs(0).dim(axis as usize);
            out(0, g.narrow(axis as usize, start as usize, len)?)?;
        }
        // Each input gets its own stretch of g along the axis.
        TensorOp::Concat { axis } => {
            let axis = axis as usize;
            let mut at = 0;
            for j in 0..node.n_in {
                let len = xs(j).dim(axis);
                if need(j) {
                    out(j, g.narrow(axis, at, len)?)?;
                }
                at += len;
            }
        }
        // y = take_along(x, idx): each g element goes back to where it was taken from (added
        // up where an index repeats); scatter-add's adjoint is the take again.
        TensorOp::Gather { axis } => {
            out(0, g.scatter_add(axis as usize, node.params, xs(0))?)?;
        }
        TensorOp::Scatter { axis } => out(0, g.take_along(axis as usize, node.params, xs(0))?)?,
        // A strided slice is a selection of distinct positions: its adjoint places g back.
        TensorOp::Slice => out(0, g.unslice(node.params, xs(0))?)?,
        TensorOp::Unslice => out(0, g.slice(node.params, xs(0))?)?,
        // The condition takes no gradient; each branch gets g where it was chosen.
        TensorOp::Where => {
            let (cond, zero) = (x(0), g.lit(0.0)?);
            if need(1) {
                out(1, V::select(&cond, &g, &zero)?)?;
            }
            if need(2) {
                out(2, V::select(&cond, &zero, &g)?)?;
            }
        }
        // y = softmax(x): ∂x = y ⊙ (g − Σ g⊙y) along the axis.
        TensorOp::Softmax { axis } => {
            let s = g.mul(y)?.sum_keep(1 << axis)?;
            out(0, y.mul(&g.sub(&s)?)?)?;
        }
        // y = log_softmax(x): ∂x = g − eʸ ⊙ Σ g along the axis (eʸ = softmax(x)).
        TensorOp::LogSoftmax { axis } => {
            let s = g.sum_keep(1 << axis)?;
            out(0, g.sub(&y.exp()?.mul(&s)?)?)?;
        }
        // y[n] = W₂ @ im2col(x)[n] + b, W₂ the weight as (O, C·kh·kw), G = g as (N, O, L):
        // ∂x = col2im(W₂ᵀ @ G), ∂W₂ = Σₙ G[n] @ im2col(x)[n]ᵀ, ∂b = Σ G over n and L.
        TensorOp::Conv2d => {
            let win = Window::from_params(node.params);
            let (ws, ys) = (xs(1), y.shape());
            let (n, o, l) = (ys.dim(0), ys.dim(1), ys.dim(2) * ys.dim(3));
            let w2 = dims(&[o, ws.dim(1) * win.taps()]);
            let g3 = g.reshape(dims(&[n, o, l]))?;
            if need(0) {
                let dcols = V::matmul(&x(1).reshape(w2)?, true, &g3, false)?;
                out(0, dcols.col2im(&win, xs(0))?)?;
            }
            if need(1) {
                let cols = x(0).im2col(&win)?;
                let dw = V::matmul(&g3, false, &cols, true)?.sum_to(w2)?;
                out(1, dw.reshape(ws)?)?;
            }
            if node.n_in == 3 && need(2) {
                out(2, g3.sum_keep(0b101)?.reshape(dims(&[o]))?)?;
            }
        }
        // Each window's gradient is spread over its taps, 1/k to each of its k maxima (max)
        // or 1/(kh·kw) to each tap (average), and col2im adds the taps onto the input.
        TensorOp::MaxPool2d | TensorOp::AvgPool2d => {
            let win = Window::from_params(node.params);
            let (s, ys) = (xs(0), y.shape());
            let ps = planes(s);
            let (nc, l) = (ps.dim(0), ys.dim(2) * ys.dim(3));
            let taps = g
                .reshape(dims(&[nc, 1, l]))?
                .broadcast_to(dims(&[nc, win.taps(), l]))?;
            let taps = if node.op == TensorOp::MaxPool2d {
                taps.mul(&V::pool_max_weights(&x(0), y, &win)?)?
            } else {
                taps.scale(1.0 / win.taps() as f64)?
            };
            out(0, taps.col2im(&win, ps)?.reshape(s)?)?;
        }
        // Both are linear and each other's adjoint.
        TensorOp::Im2Col => {
            let win = Window::from_params(node.params);
            out(0, g.col2im(&win, xs(0))?)?;
        }
        TensorOp::Col2Im => out(0, g.im2col(&Window::from_params(node.params))?)?,
        // A primitive's rule is its own pullback, which the tape holds: both sweeps run it
        // (`tensor::primitive`) instead of calling this function.
        TensorOp::Primitive { .. } => {}
    }
    Ok(())
}
