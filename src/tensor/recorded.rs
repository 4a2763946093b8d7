//! The recorded instance of the tensor rules: `Tensor` as the number type, so the backward pass
//! is itself recorded and can be differentiated again.

use super::Tensor;
use super::conv::{self, Window};
use super::index;
use super::kernels;
use super::pooling;
use super::rules::{TensorMath, Two};
use super::shape::Shape;
use super::store::{TensorOp, perm_at};
use crate::error::{Result, or_panic};
use crate::real::{Float, Real};
use crate::rules::{Fn1, Fn2, sign, tie_weight};

impl<T: Float> TensorMath for Tensor<'_, T> {
    fn shape(&self) -> Shape {
        // Handles reaching the rules are live (the sweep checked them).
        self.inner_shape().unwrap_or(Shape::SCALAR)
    }

    fn lit(&self, c: f64) -> Result<Self> {
        Ok(self.scalar_const(T::from_f64(c)))
    }

    // The scalar rules themselves, with tensors as numbers: the value-dependent factors
    // (relu's step, abs's sign, max/min's tie weights) are answered element by element.
    fn ew1_pullback(f: Fn1, a: &Self, y: &Self, g: &Self) -> Result<Self> {
        Ok(f.pullback(*a, *y, *g))
    }

    fn ew2_pullback(
        f: Fn2,
        [a, b]: [&Self; 2],
        y: &Self,
        g: &Self,
        want: [bool; 2],
    ) -> Result<Two<Self>> {
        let (da, db) = f.pullback(*a, *b, *y, *g);
        Ok((want[0].then_some(da), db.filter(|_| want[1])))
    }

    fn matmul(a: &Self, ta: bool, b: &Self, tb: bool) -> Result<Self> {
        a.matmul_t(ta, *b, tb)
    }

    fn sum_to(self, to: Shape) -> Result<Self> {
        self.try_sum_to(to.dims())
    }

    fn broadcast_to(self, to: Shape) -> Result<Self> {
        self.try_broadcast_to(to.dims())
    }

    fn reshape(self, to: Shape) -> Result<Self> {
        self.try_reshape(to.dims())
    }

    fn permute(self, perm: u32) -> Result<Self> {
        let r = TensorMath::shape(&self).rank();
        let p: Vec<isize> = (0..r).map(|d| perm_at(perm, d) as isize).collect();
        self.try_permute(&p)
    }

    fn scale(self, c: f64) -> Result<Self> {
        self.try_mul(self.scalar_const(T::from_f64(c)))
    }

    fn mul(&self, other: &Self) -> Result<Self> {
        self.try_mul(*other)
    }

    fn sub(&self, other: &Self) -> Result<Self> {
        self.try_sub(*other)
    }

    fn exp(&self) -> Result<Self> {
        self.try_exp()
    }

    fn sum_keep(&self, mask: u32) -> Result<Self> {
        let r = TensorMath::shape(self).rank();
        let axes: Vec<isize> = (0..r)
            .filter(|d| mask & (1 << d) != 0)
            .map(|d| d as isize)
            .collect();
        if axes.is_empty() {
            return Ok(*self);
        }
        self.try_sum_axes(&axes, true)
    }

    fn max_weights(x: &Self, y: &Self, keep: Shape) -> Result<Self> {
        let xs = TensorMath::shape(x);
        let yv = y.try_to_vec()?;
        x.const_from(xs, |xd, xs, out| {
            let mut count = Vec::new();
            kernels::max_weights(xd, xs, &yv, keep, &mut count, out);
        })
    }

    fn narrow(&self, axis: usize, start: usize, len: usize) -> Result<Self> {
        self.try_narrow(axis as isize, start, len)
    }

    fn pad(&self, axis: usize, start: usize, to: Shape) -> Result<Self> {
        let s = TensorMath::shape(self);
        self.with_params(
            TensorOp::Pad {
                axis: axis as u8,
                start: start as u32,
            },
            [],
            to,
            |g, _, _, out| kernels::pad(g, s, axis, start, to, out),
        )
    }

    fn take_along(&self, axis: usize, idx: &[u32], is: Shape) -> Result<Self> {
        let op = TensorOp::Gather { axis: axis as u8 };
        self.with_params(op, idx.iter().copied(), is, |x, xs, p, out| {
            index::take_along(x, xs, p, is, axis, out)
        })
    }

    fn scatter_add(&self, axis: usize, idx: &[u32], to: Shape) -> Result<Self> {
        let op = TensorOp::Scatter { axis: axis as u8 };
        self.with_params(op, idx.iter().copied(), to, |g, gs, p, out| {
            index::scatter_add(g, p, gs, axis, to, out)
        })
    }

    fn slice(&self, p: &[u32], to: Shape) -> Result<Self> {
        self.with_params(TensorOp::Slice, p.iter().copied(), to, |x, xs, p, out| {
            index::slice(x, xs, p, to, out)
        })
    }

    fn unslice(&self, p: &[u32], to: Shape) -> Result<Self> {
        self.with_params(TensorOp::Unslice, p.iter().copied(), to, |g, gs, p, out| {
            index::unslice(g, gs, p, to, out)
        })
    }

    fn select(cond: &Self, a: &Self, b: &Self) -> Result<Self> {
        cond.try_select(*a, *b)
    }

    fn im2col(&self, win: &Window) -> Result<Self> {
        let to = win.cols_shape(TensorMath::shape(self));
        let win = *win;
        self.with_params(TensorOp::Im2Col, win.params(), to, |x, xs, _, out| {
            conv::im2col(x, xs, &win, T::ZERO, out)
        })
    }

    fn col2im(&self, win: &Window, to: Shape) -> Result<Self> {
        let win = *win;
        self.with_params(TensorOp::Col2Im, win.params(), to, |g, _, _, out| {
            conv::col2im(g, to, &win, out)
        })
    }

    fn pool_max_weights(x: &Self, y: &Self, win: &Window) -> Result<Self> {
        let to = win.cols_shape(pooling::planes(TensorMath::shape(x)));
        let yv = y.try_to_vec()?;
        x.const_from(to, |xd, xs, out| {
            let (mut cols, mut count) = (Vec::new(), Vec::new());
            pooling::max_weights((xd, xs), &yv, win, &mut cols, &mut count, out);
        })
    }
}

/// 1 for x > 0, else 0 (relu'(0) = 0).
fn step<T: Float>(x: T) -> T {
    if x > T::ZERO { T::ONE } else { T::ZERO }
}

/// `Tensor` is a number type for the scalar rules of [`rules`](crate::rules): elementwise
/// arithmetic and functions, constants as rank-0 tensors. The operations panic where a tensor
/// op would return an error (shapes that do not broadcast).
///
/// `to_f64` is the value of a one-element tensor and NaN otherwise, so a rule must not branch
/// on it for a larger tensor: [`step`](Real::step) and [`sign`](Real::sign) answer element by
/// element instead, and so do [`tie_weights`](Real::tie_weights): every rule that decides on
/// values (relu, abs, max, min, user primitives) decides through them.
impl<T: Float> Real for Tensor<'_, T> {
    fn lit(self, c: f64) -> Self {
        self.scalar_const(T::from_f64(c))
    }
    fn to_f64(self) -> f64 {
        match self.try_item() {
            Ok(v) => v.to_f64(),
            Err(_) => f64::NAN,
        }
    }
    #[track_caller]
    fn apply1(self, f: Fn1) -> Self {
        or_panic(self.record1(f))
    }
    #[track_caller]
    fn apply2(self, f: Fn2, other: Self) -> Self {
        or_panic(self.record2(f, other))
    }
    fn powi(self, k: i32) -> Self {
        Tensor::powi(self, k)
    }
    fn powf(self, c: f64) -> Self {
        Tensor::powf(self, c)
    }
    fn recip(self) -> Self {
        Tensor::powi(self, -1)
    }
    /// Element by element: a constant tensor of 1 where x > 0, else 0.
    fn step(self) -> Self {
        or_panic(self.const_zip(self, |x, _| step(x)))
    }
    /// Element by element: constant tensors of the max shares (1, 0), (½, ½) or (0, 1),
    /// broadcast to the shape of `self` and `other` together.
    fn tie_weights(self, other: Self) -> (Self, Self) {
        let wa = or_panic(self.const_zip(other, |x, z| {
            T::from_f64(tie_weight(x.to_f64(), z.to_f64()))
        }));
        let wb = or_panic(wa.const_zip(wa, |w, _| T::ONE - w));
        (wa, wb)
    }
    /// Element by element: a constant tensor of sign(x) (sign(0) = 0).
    fn sign(self) -> Self {
        or_panic(self.const_zip(self, |x, _| T::from_f64(sign(x.to_f64()))))
    }
}
