//! The numeric instance of the tensor rules: buffers that borrow node values and gradients or
//! own a pooled buffer, returned to the pool when dropped.

use std::cell::RefCell;

use super::conv::{self, Window};
use super::index;
use super::kernels::{self, each_fn1, each_fn2, simd};
use super::matmul::{matmul, matmul_shape};
use super::pooling;
use super::rules::{TensorMath, Two};
use super::shape::{Shape, walk};
use super::store::{Pool, perm_at};
use crate::error::Result;
use crate::real::Float;
use crate::rules::{Fn1, Fn2};

enum Data<'a, T> {
    Ref(&'a [T]),
    Own(Vec<T>),
}

/// A tensor value during the numeric reverse sweep.
pub(crate) struct Val<'a, T: Float> {
    shape: Shape,
    data: Data<'a, T>,
    pool: &'a RefCell<Pool<T>>,
}

impl<T: Float> Drop for Val<'_, T> {
    fn drop(&mut self) {
        if let Data::Own(v) = &mut self.data {
            self.pool.borrow_mut().put(std::mem::take(v));
        }
    }
}

impl<'a, T: Float> Val<'a, T> {
    /// A view of existing data.
    pub(crate) fn view(data: &'a [T], shape: Shape, pool: &'a RefCell<Pool<T>>) -> Self {
        Val {
            shape,
            data: Data::Ref(data),
            pool,
        }
    }

    /// An owned result in the same pool.
    pub(crate) fn own(&self, shape: Shape, v: Vec<T>) -> Self {
        Val {
            shape,
            data: Data::Own(v),
            pool: self.pool,
        }
    }

    /// The elements.
    pub(crate) fn data(&self) -> &[T] {
        match &self.data {
            Data::Ref(s) => s,
            Data::Own(v) => v,
        }
    }

    /// The elements as an owned buffer (moved if owned, else copied into a pooled one).
    pub(crate) fn into_vec(mut self) -> Vec<T> {
        match &mut self.data {
            Data::Own(v) => std::mem::take(v),
            Data::Ref(s) => {
                let mut v = self.pool.borrow_mut().take(s.len());
                v.extend_from_slice(s);
                v
            }
        }
    }

    /// An empty pooled buffer with room for `n` elements.
    fn buf(&self, n: usize) -> Vec<T> {
        self.pool.borrow_mut().take(n)
    }

    /// Another handle to the same elements (free for a view).
    fn dup(&self) -> Self {
        match &self.data {
            Data::Ref(s) => Val::view(s, self.shape, self.pool),
            Data::Own(v) => {
                let mut c = self.buf(v.len());
                c.extend_from_slice(v);
                self.own(self.shape, c)
            }
        }
    }

    /// `self` carried to the shape `to` by `kernel` (sum_to or broadcast_to, which read the
    /// elements, their shape and `to` and push the result); `self` itself if it is shaped so.
    fn reshaped_by(self, to: Shape, kernel: fn(&[T], Shape, Shape, &mut Vec<T>)) -> Self {
        if to == self.shape {
            return self;
        }
        let mut out = self.buf(to.numel());
        kernel(self.data(), self.shape, to, &mut out);
        self.own(to, out)
    }

    /// Elementwise binary op with broadcasting.
    fn zip(&self, f: Fn2, other: &Self) -> Result<Self> {
        let s = Shape::broadcast(f.name(), self.shape, other.shape)?;
        let mut out = self.buf(s.numel());
        kernels::binary(
            f,
            self.data(),
            self.shape,
            other.data(),
            other.shape,
            s,
            &mut out,
        );
        Ok(self.own(s, out))
    }
}

impl<T: Float> TensorMath for Val<'_, T> {
    fn shape(&self) -> Shape {
        self.shape
    }

    fn lit(&self, c: f64) -> Result<Self> {
        let mut v = self.buf(1);
        v.push(T::from_f64(c));
        Ok(self.own(Shape::SCALAR, v))
    }

    fn ew1_pullback(f: Fn1, a: &Self, y: &Self, g: &Self) -> Result<Self> {
        let mut out = g.buf(g.data().len());
        let it = a.data().iter().zip(y.data()).zip(g.data());
        each_fn1!(f, |h| out
            .extend(it.map(|((&a, &y), &g)| h.pullback(a, y, g))));
        Ok(g.own(g.shape, out))
    }

    fn ew2_pullback(
        f: Fn2,
        [a, b]: [&Self; 2],
        y: &Self,
        g: &Self,
        want: [bool; 2],
    ) -> Result<Two<Self>> {
        // ∂(a ± b) = (1, ±1): pass g through without touching it.
        match f {
            Fn2::Add => return Ok((want[0].then(|| g.dup()), want[1].then(|| g.dup()))),
            Fn2::Sub if !want[1] => return Ok((want[0].then(|| g.dup()), None)),
            _ => {}
        }
        let s = y.shape;
        let n = s.numel();
        let (mut da, mut db) = (g.buf(n), g.buf(n));
        let (av, bv, yv, gv) = (a.data(), b.data(), y.data(), g.data());
        let (sa, sb) = (a.shape.strides_in(s), b.shape.strides_in(s));
        simd(|| {
            each_fn2!(f, |h| {
                walk(s, [&sa, &sb], |o, [i, j]| {
                    let (x, z) = h.pullback(av[i], bv[j], yv[o], gv[o]);
                    da.push(x);
                    db.push(z.unwrap_or(T::ZERO));
                })
            })
        });
        // Unwanted buffers go back to the pool when their `Val`s drop.
        let (da, db) = (g.own(s, da), g.own(s, db));
        let db_real = !matches!(f, Fn2::Powf);
        let da = want[0].then_some(da);
        let db = (want[1] && db_real).then_some(db);
        Ok((da, db))
    }

    fn matmul(a: &Self, ta: bool, b: &Self, tb: bool) -> Result<Self> {
        let s = matmul_shape(a.shape, ta, b.shape, tb)?;
        let mut out = a.buf(s.numel());
        matmul(
            (a.data(), a.shape, ta),
            (b.data(), b.shape, tb),
            s,
            &mut out,
        );
        Ok(a.own(s, out))
    }

    fn sum_to(self, to: Shape) -> Result<Self> {
        Ok(self.reshaped_by(to, kernels::sum_to))
    }

    fn broadcast_to(self, to: Shape) -> Result<Self> {
        Ok(self.reshaped_by(to, kernels::broadcast_to))
    }

    fn reshape(mut self, to: Shape) -> Result<Self> {
        self.shape = to;
        Ok(self)
    }

    fn permute(self, perm: u32) -> Result<Self> {
        let r = self.shape.rank();
        let mut to = self.shape;
        for d in 0..r {
            to = to.with_dim(d, self.shape.dim(perm_at(perm, d)));
        }
        let mut out = self.buf(to.numel());
        kernels::permute(self.data(), self.shape, |d| perm_at(perm, d), to, &mut out);
        Ok(self.own(to, out))
    }

    fn scale(mut self, c: f64) -> Result<Self> {
        let c = T::from_f64(c);
        if let Data::Own(v) = &mut self.data {
            simd(|| v.iter_mut().for_each(|x| *x = *x * c));
            return Ok(self);
        }
        let mut out = self.buf(self.data().len());
        out.extend(self.data().iter().map(|&x| x * c));
        Ok(self.own(self.shape, out))
    }

    fn mul(&self, other: &Self) -> Result<Self> {
        self.zip(Fn2::Mul, other)
    }

    fn sub(&self, other: &Self) -> Result<Self> {
        self.zip(Fn2::Sub, other)
    }

    fn exp(&self) -> Result<Self> {
        let mut out = self.buf(self.data().len());
        kernels::unary(Fn1::Exp, self.data(), &mut out);
        Ok(self.own(self.shape, out))
    }

    fn sum_keep(&self, mask: u32) -> Result<Self> {
        let to = self.shape.reduced(mask, true);
        let mut out = self.buf(to.numel());
        kernels::sum_to(self.data(), self.shape, to, &mut out);
        Ok(self.own(to, out))
    }

    fn max_weights(x: &Self, y: &Self, keep: Shape) -> Result<Self> {
        let mut count = x.buf(keep.numel());
        let mut out = x.buf(x.data().len());
        kernels::max_weights(x.data(), x.shape, y.data(), keep, &mut count, &mut out);
        x.pool.borrow_mut().put(count);
        Ok(x.own(x.shape, out))
    }

    fn narrow(&self, axis: usize, start: usize, len: usize) -> Result<Self> {
        let to = self.shape.with_dim(axis, len);
        let mut out = self.buf(to.numel());
        kernels::narrow(self.data(), self.shape, axis, start, len, &mut out);
        Ok(self.own(to, out))
    }

    fn pad(&self, axis: usize, start: usize, to: Shape) -> Result<Self> {
        let mut out = self.buf(to.numel());
        kernels::pad(self.data(), self.shape, axis, start, to, &mut out);
        Ok(self.own(to, out))
    }

    fn take_along(&self, axis: usize, idx: &[u32], is: Shape) -> Result<Self> {
        let mut out = self.buf(is.numel());
        index::take_along(self.data(), self.shape, idx, is, axis, &mut out);
        Ok(self.own(is, out))
    }

    fn scatter_add(&self, axis: usize, idx: &[u32], to: Shape) -> Result<Self> {
        let mut out = self.buf(to.numel());
        index::scatter_add(self.data(), idx, self.shape, axis, to, &mut out);
        Ok(self.own(to, out))
    }

    fn slice(&self, p: &[u32], to: Shape) -> Result<Self> {
        let mut out = self.buf(to.numel());
        index::slice(self.data(), self.shape, p, to, &mut out);
        Ok(self.own(to, out))
    }

    fn unslice(&self, p: &[u32], to: Shape) -> Result<Self> {
        let mut out = self.buf(to.numel());
        index::unslice(self.data(), self.shape, p, to, &mut out);
        Ok(self.own(to, out))
    }

    fn select(cond: &Self, a: &Self, b: &Self) -> Result<Self> {
        let s = Shape::broadcast(
            "where",
            Shape::broadcast("where", cond.shape, a.shape)?,
            b.shape,
        )?;
        let mut out = a.buf(s.numel());
        kernels::select(
            (cond.data(), cond.shape),
            (a.data(), a.shape),
            (b.data(), b.shape),
            s,
            &mut out,
        );
        Ok(a.own(s, out))
    }

    fn im2col(&self, win: &Window) -> Result<Self> {
        let to = win.cols_shape(self.shape);
        let mut out = self.buf(to.numel());
        conv::im2col(self.data(), self.shape, win, T::ZERO, &mut out);
        Ok(self.own(to, out))
    }

    fn col2im(&self, win: &Window, to: Shape) -> Result<Self> {
        let mut out = self.buf(to.numel());
        conv::col2im(self.data(), to, win, &mut out);
        Ok(self.own(to, out))
    }

    fn pool_max_weights(x: &Self, y: &Self, win: &Window) -> Result<Self> {
        let to = win.cols_shape(pooling::planes(x.shape));
        let (mut cols, mut count) = (x.buf(to.numel()), x.buf(y.data().len()));
        let mut out = x.buf(to.numel());
        let xd = (x.data(), x.shape);
        pooling::max_weights(xd, y.data(), win, &mut cols, &mut count, &mut out);
        let mut p = x.pool.borrow_mut();
        p.put(cols);
        p.put(count);
        drop(p);
        Ok(x.own(to, out))
    }
}
