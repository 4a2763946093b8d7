//! Numeric kernels on contiguous row-major buffers. Shapes are checked by the callers (at
//! record time); every index here is derived from those shapes, so no kernel can index out of
//! bounds on valid input.
//!
//! Kernels that produce a fresh buffer push into an empty `Vec` with enough capacity (taken from
//! the pool), so each element is written once.

use super::shape::{Shape, Strides, walk};
use crate::real::{Float, Real};
use crate::rules::{Fn1, Fn2};

/// Generates `each_fn1!` and `each_fn2!` from the rows of the primitive table:
/// `each_fn1!(f, |h| body)` runs `body` with `h` bound to a constant copy of the `Fn1` `f`, one
/// arm per function, so the per-element `match` inside `eval`/`pullback` folds away and each
/// loop is specialized.
macro_rules! define_each {
    (($d:tt)
     unary { $( $(#[doc = $ud:literal])* $U:ident { $($ub:tt)* } )* }
     binary { $( $(#[doc = $bd:literal])* $B:ident { $($bb:tt)* } )* }) => {
        macro_rules! each_fn1 {
            ($d f:expr, |$d g:ident| $d body:expr) => {
                match $d f {
                    $( Fn1::$U => {
                        let $d g = Fn1::$U;
                        $d body
                    } )*
                    Fn1::Powi(k) => {
                        let $d g = Fn1::Powi(k);
                        $d body
                    }
                }
            };
        }
        macro_rules! each_fn2 {
            ($d f:expr, |$d g:ident| $d body:expr) => {
                match $d f {
                    $( Fn2::$B => {
                        let $d g = Fn2::$B;
                        $d body
                    } )*
                }
            };
        }
    };
}

crate::rules::table::primitives!(define_each, $);

pub(crate) use {each_fn1, each_fn2};

/// Runs `f` compiled for the best instruction set this CPU has (AVX-512 or AVX2 where present,
/// detected at run time by `pulp`), so the loops inside vectorize in a portable build.
#[inline(always)]
pub(crate) fn simd<R>(f: impl FnOnce() -> R) -> R {
    pulp::Arch::new().dispatch(f)
}

/// `out = f(x)` elementwise.
pub(crate) fn unary<T: Float>(f: Fn1, x: &[T], out: &mut Vec<T>) {
    simd(|| each_fn1!(f, |h| out.extend(x.iter().map(|&a| h.eval(a)))));
}

/// `out = f(a, b)` elementwise, `a` and `b` broadcast to `shape`.
pub(crate) fn binary<T: Float>(
    f: Fn2,
    a: &[T],
    sa: Shape,
    b: &[T],
    sb: Shape,
    shape: Shape,
    out: &mut Vec<T>,
) {
    simd(|| {
        each_fn2!(f, |h| {
            if sa == shape && sb == shape {
                out.extend(a.iter().zip(b).map(|(&x, &y)| h.eval(x, y)));
            } else if sa == shape && b.len() == 1 {
                let y = b[0];
                out.extend(a.iter().map(|&x| h.eval(x, y)));
            } else if sb == shape && a.len() == 1 {
                let x = a[0];
                out.extend(b.iter().map(|&y| h.eval(x, y)));
            } else {
                let (ta, tb) = (sa.strides_in(shape), sb.strides_in(shape));
                walk(shape, [&ta, &tb], |_, [i, j]| out.push(h.eval(a[i], b[j])));
            }
        })
    })
}

/// `out = x` summed down to `to` (which broadcasts to `xs`): the un-broadcast.
pub(crate) fn sum_to<T: Float>(x: &[T], xs: Shape, to: Shape, out: &mut Vec<T>) {
    if to == xs {
        out.extend_from_slice(x);
        return;
    }
    if to.numel() == 1 {
        out.push(x.iter().copied().sum());
        return;
    }
    out.resize(to.numel(), T::ZERO);
    if to.numel() > 0 && to.repeats_in(xs) {
        // Summing rows into one row (a bias gradient): whole rows at a time.
        simd(|| {
            for row in x.chunks_exact(out.len()) {
                out.iter_mut().zip(row).for_each(|(o, &v)| *o += v);
            }
        });
        return;
    }
    let st = to.strides_in(xs);
    simd(|| walk(xs, [&st], |o, [t]| out[t] += x[o]));
}

/// `out` = the maximum of `x` over the dimensions where `to` (which broadcasts to `xs`) is 1.
/// NaN propagates.
pub(crate) fn max_to<T: Float>(x: &[T], xs: Shape, to: Shape, out: &mut Vec<T>) {
    let lowest = T::from_f64(f64::NEG_INFINITY);
    out.resize(to.numel(), lowest);
    let st = to.strides_in(xs);
    simd(|| walk(xs, [&st], |o, [t]| out[t] = Real::max(out[t], x[o])));
}

/// The weights of a max reduction's gradient: 1/k at each of the k maxima of a reduced group,
/// 0 elsewhere. `y` is the maximum, shaped `to` (keepdim form of the reduction).
pub(crate) fn max_weights<T: Float>(
    x: &[T],
    xs: Shape,
    y: &[T],
    to: Shape,
    count: &mut Vec<T>,
    out: &mut Vec<T>,
) {
    count.resize(to.numel(), T::ZERO);
    let st = to.strides_in(xs);
    walk(xs, [&st], |o, [t]| {
        if x[o] == y[t] {
            count[t] += T::ONE;
        }
    });
    walk(xs, [&st], |o, [t]| {
        out.push(if x[o] == y[t] {
            T::ONE / count[t]
        } else {
            T::ZERO
        })
    });
}

/// `out = x` repeated up to `to` (`xs` broadcasts to `to`).
pub(crate) fn broadcast_to<T: Float>(x: &[T], xs: Shape, to: Shape, out: &mut Vec<T>) {
    if xs == to {
        out.extend_from_slice(x);
    } else if x.len() == 1 {
        out.resize(to.numel(), x[0]);
    } else {
        let st = xs.strides_in(to);
        simd(|| walk(to, [&st], |_, [i]| out.push(x[i])));
    }
}

/// `out` = `x` with axes reordered: output axis `d` is input axis `perm(d)`; `to` is the
/// output shape.
pub(crate) fn permute<T: Float>(
    x: &[T],
    xs: Shape,
    perm: impl Fn(usize) -> usize,
    to: Shape,
    out: &mut Vec<T>,
) {
    let xst = xs.strides();
    let mut st: Strides = [0; super::shape::MAX_RANK];
    for (d, s) in st.iter_mut().enumerate().take(to.rank()) {
        *s = xst[perm(d)];
    }
    walk(to, [&st], |_, [i]| out.push(x[i]));
}

/// (outer, size, inner) of `shape` around `axis`: the element `(o, j, i)` is at
/// `(o · size + j) · inner + i`.
#[inline]
pub(crate) fn split_at_axis(shape: Shape, axis: usize) -> (usize, usize, usize) {
    let d = shape.dims();
    (
        d[..axis].iter().product(),
        d[axis],
        d[axis + 1..].iter().product(),
    )
}

/// `out` = `x[.., start .. start + len, ..]` along `axis`.
pub(crate) fn narrow<T: Float>(
    x: &[T],
    xs: Shape,
    axis: usize,
    start: usize,
    len: usize,
    out: &mut Vec<T>,
) {
    let (outer, n, inner) = split_at_axis(xs, axis);
    for o in 0..outer {
        let from = (o * n + start) * inner;
        out.extend_from_slice(&x[from..from + len * inner]);
    }
}

/// `out` = zeros of shape `to` with `g` placed at `start` along `axis` (narrow's adjoint).
pub(crate) fn pad<T: Float>(
    g: &[T],
    gs: Shape,
    axis: usize,
    start: usize,
    to: Shape,
    out: &mut Vec<T>,
) {
    out.resize(to.numel(), T::ZERO);
    let (outer, len, inner) = split_at_axis(gs, axis);
    let n = to.dim(axis);
    for o in 0..outer {
        let at = (o * n + start) * inner;
        out[at..at + len * inner].copy_from_slice(&g[o * len * inner..(o + 1) * len * inner]);
    }
}

/// `out` = the parts joined along `axis` (their other dimensions agree).
pub(crate) fn concat<T: Float>(parts: &[(&[T], Shape)], axis: usize, out: &mut Vec<T>) {
    let Some(&(_, first)) = parts.first() else {
        return;
    };
    let (outer, _, _) = split_at_axis(first, axis);
    for o in 0..outer {
        for &(p, s) in parts {
            let (_, n, inner) = split_at_axis(s, axis);
            out.extend_from_slice(&p[o * n * inner..(o + 1) * n * inner]);
        }
    }
}

/// `out = cond ≠ 0 ? a : b` elementwise, all broadcast to `shape`.
pub(crate) fn select<T: Float>(
    (c, cs): (&[T], Shape),
    (a, sa): (&[T], Shape),
    (b, sb): (&[T], Shape),
    shape: Shape,
    out: &mut Vec<T>,
) {
    let (tc, ta, tb) = (
        cs.strides_in(shape),
        sa.strides_in(shape),
        sb.strides_in(shape),
    );
    walk(shape, [&tc, &ta, &tb], |_, [i, j, k]| {
        out.push(if c[i] != T::ZERO { a[j] } else { b[k] })
    });
}

/// Softmax (or log-softmax) along `axis`, stable: the row maximum is subtracted first.
pub(crate) fn softmax<T: Float>(x: &[T], xs: Shape, axis: usize, log: bool, out: &mut Vec<T>) {
    simd(|| softmax_inner(x, xs, axis, log, out));
}

#[inline(always)]
fn softmax_inner<T: Float>(x: &[T], xs: Shape, axis: usize, log: bool, out: &mut Vec<T>) {
    let (outer, n, inner) = split_at_axis(xs, axis);
    out.resize(x.len(), T::ZERO);
    let lowest = T::from_f64(f64::NEG_INFINITY);
    for o in 0..outer {
        for i in 0..inner {
            let at = |j: usize| (o * n + j) * inner + i;
            let m = (0..n).fold(lowest, |m, j| Real::max(m, x[at(j)]));
            // A row of -inf (or an empty row) has no finite maximum: shift by 0 instead.
            let m = if m.is_finite() { m } else { T::ZERO };
            let mut s = T::ZERO;
            for j in 0..n {
                let e = (x[at(j)] - m).exp();
                out[at(j)] = e;
                s += e;
            }
            if log {
                let ls = m + s.ln();
                for j in 0..n {
                    out[at(j)] = x[at(j)] - ls;
                }
            } else {
                let r = T::ONE / s;
                for j in 0..n {
                    out[at(j)] = out[at(j)] * r;
                }
            }
        }
    }
}
