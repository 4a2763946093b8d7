//! Shapes, NumPy broadcasting, and the one index walker every strided kernel uses.

use crate::error::{Error, Result};

/// The largest rank a tensor may have.
pub const MAX_RANK: usize = 6;

/// A tensor shape: up to [`MAX_RANK`] dimensions, stored inline (no allocation).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(crate) struct Shape {
    dims: [usize; MAX_RANK],
    rank: u8,
}

impl std::fmt::Debug for Shape {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.dims())
    }
}

/// Strides (in elements) aligned to some output shape; 0 where a dimension is broadcast.
pub(crate) type Strides = [usize; MAX_RANK];

impl Shape {
    /// The bit mask of every axis.
    pub(crate) fn all_axes(&self) -> u32 {
        ((1u64 << self.rank()) - 1) as u32
    }

    /// The rank-0 shape `[]` of a scalar.
    pub(crate) const SCALAR: Shape = Shape {
        dims: [0; MAX_RANK],
        rank: 0,
    };

    /// A shape from its dimensions; an error past [`MAX_RANK`] dimensions or when the element
    /// count overflows.
    pub(crate) fn new(op: &'static str, dims: &[usize]) -> Result<Shape> {
        if dims.len() > MAX_RANK {
            return Err(Error::Invalid(format!(
                "`{op}`: shape {dims:?} has rank {}, the largest supported rank is {MAX_RANK}",
                dims.len()
            )));
        }
        if dims
            .iter()
            .try_fold(1usize, |n, &d| n.checked_mul(d))
            .is_none_or(|n| n > isize::MAX as usize / 8)
        {
            return Err(Error::Invalid(format!(
                "`{op}`: shape {dims:?} has too many elements"
            )));
        }
        let mut s = Shape::SCALAR;
        s.dims[..dims.len()].copy_from_slice(dims);
        s.rank = dims.len() as u8;
        Ok(s)
    }

    /// The dimensions.
    #[inline]
    pub(crate) fn dims(&self) -> &[usize] {
        &self.dims[..self.rank as usize]
    }

    /// The number of dimensions.
    #[inline]
    pub(crate) fn rank(&self) -> usize {
        self.rank as usize
    }

    /// The number of elements (1 for a scalar).
    #[inline]
    pub(crate) fn numel(&self) -> usize {
        self.dims().iter().product()
    }

    /// Dimension `i` (no bounds beyond the rank are ever asked for).
    #[inline]
    pub(crate) fn dim(&self, i: usize) -> usize {
        self.dims[i]
    }

    /// The same shape with dimension `i` replaced.
    pub(crate) fn with_dim(mut self, i: usize, d: usize) -> Shape {
        self.dims[i] = d;
        self
    }

    /// The first `n` dimensions.
    pub(crate) fn prefix(&self, n: usize) -> Shape {
        let mut s = Shape::SCALAR;
        s.dims[..n].copy_from_slice(&self.dims[..n]);
        s.rank = n as u8;
        s
    }

    /// `self` followed by `tail` (ranks must fit; callers check).
    pub(crate) fn concat(&self, tail: &[usize]) -> Shape {
        let mut s = *self;
        let r = self.rank();
        s.dims[r..r + tail.len()].copy_from_slice(tail);
        s.rank = (r + tail.len()) as u8;
        s
    }

    /// The NumPy broadcast of two shapes: align on the right, sizes equal or one of them 1.
    pub(crate) fn broadcast(op: &'static str, a: Shape, b: Shape) -> Result<Shape> {
        let r = a.rank().max(b.rank());
        let mut s = Shape::SCALAR;
        s.rank = r as u8;
        for i in 0..r {
            let da = a.rdim(r - 1 - i);
            let db = b.rdim(r - 1 - i);
            s.dims[i] = match (da, db) {
                (x, y) if x == y => x,
                (1, y) => y,
                (x, 1) => x,
                _ => return Err(shape_error(op, a, b)),
            };
        }
        Ok(s)
    }

    /// Dimension `k` counted from the right (0 = last), 1 past the rank.
    #[inline]
    fn rdim(&self, k: usize) -> usize {
        if k < self.rank() {
            self.dims[self.rank() - 1 - k]
        } else {
            1
        }
    }

    /// True when `self` broadcasts to `to` (every dimension equal, or 1, aligned on the right).
    pub(crate) fn broadcasts_to(&self, to: Shape) -> bool {
        self.rank() <= to.rank()
            && (0..self.rank()).all(|k| {
                let d = self.rdim(k);
                d == 1 || d == to.rdim(k)
            })
    }

    /// True when `self`, broadcast to `out`, is its elements repeated back to back: `self`
    /// (without leading 1s) equals the trailing dimensions of `out`, as a bias row does.
    pub(crate) fn repeats_in(&self, out: Shape) -> bool {
        let d = self.dims();
        let lead = d.iter().take_while(|&&n| n == 1).count();
        let core = &d[lead..];
        core.len() <= out.rank() && out.dims()[out.rank() - core.len()..] == *core
    }

    /// Row-major strides of `self`, aligned to `out` (which `self` broadcasts to): 0 for a
    /// dimension of size 1 or one `self` does not have.
    pub(crate) fn strides_in(&self, out: Shape) -> Strides {
        let mut st = [0; MAX_RANK];
        let mut acc = 1;
        let r = out.rank();
        for k in 0..self.rank() {
            let d = self.rdim(k);
            if d != 1 {
                st[r - 1 - k] = acc;
            }
            acc *= d;
        }
        st
    }

    /// Plain row-major strides.
    pub(crate) fn strides(&self) -> Strides {
        self.strides_in(*self)
    }

    /// The shape with the dimensions in `mask` (bit i = axis i) set to 1 (keepdim), or removed.
    pub(crate) fn reduced(&self, mask: u32, keepdim: bool) -> Shape {
        let mut s = Shape::SCALAR;
        for (i, &d) in self.dims().iter().enumerate() {
            if mask & (1 << i) != 0 {
                if keepdim {
                    s.dims[s.rank()] = 1;
                    s.rank += 1;
                }
            } else {
                s.dims[s.rank()] = d;
                s.rank += 1;
            }
        }
        s
    }

    /// The dimensions as a vector (for error messages and the public API).
    pub(crate) fn to_vec(self) -> Vec<usize> {
        self.dims().to_vec()
    }
}

/// `Error::Shape` for two shapes.
pub(crate) fn shape_error(op: &'static str, a: Shape, b: Shape) -> Error {
    Error::Shape {
        op,
        lhs: a.to_vec(),
        rhs: b.to_vec(),
    }
}

/// Resolves NumPy-style axes (negative ones count from the end) into a bit mask; an empty list
/// is no axis, as NumPy's `axis=()`. Repeated or out-of-range axes are an error.
pub(crate) fn axes_mask(op: &'static str, shape: Shape, axes: &[isize]) -> Result<u32> {
    let mut mask = 0u32;
    for &a in axes {
        let i = axis(op, shape, a)?;
        if mask & (1 << i) != 0 {
            return Err(Error::Invalid(format!("`{op}`: axis {a} given twice")));
        }
        mask |= 1 << i;
    }
    Ok(mask)
}

/// Resolves one NumPy-style axis of `shape`.
pub(crate) fn axis(op: &'static str, shape: Shape, a: isize) -> Result<usize> {
    let r = shape.rank() as isize;
    let i = if a < 0 { a + r } else { a };
    if i < 0 || i >= r {
        return Err(Error::Invalid(format!(
            "`{op}`: axis {a} is out of range for shape {:?}",
            shape.dims()
        )));
    }
    Ok(i as usize)
}

/// Calls `f(o, [i₀, i₁, ..])` for every element of `out` in row-major order: `o` is the
/// contiguous output index, `iₖ` the offset given by the strides `st[k]` (aligned to `out`).
///
/// The one walker behind broadcasting, reductions, transposes and un-broadcasting. The
/// innermost dimension is a plain loop; the outer ones advance a counter (no recursion).
#[inline]
pub(crate) fn walk<const N: usize>(
    out: Shape,
    st: [&Strides; N],
    mut f: impl FnMut(usize, [usize; N]),
) {
    let n = out.numel();
    if n == 0 {
        return;
    }
    let r = out.rank();
    if r == 0 {
        f(0, [0; N]);
        return;
    }
    let inner = out.dim(r - 1);
    let step: [usize; N] = std::array::from_fn(|k| st[k][r - 1]);
    let mut idx = [0usize; MAX_RANK];
    let mut off = [0usize; N];
    let mut o = 0;
    while o < n {
        for j in 0..inner {
            f(o + j, std::array::from_fn(|k| off[k] + j * step[k]));
        }
        o += inner;
        // Advance the outer counter (dimensions r-2 .. 0).
        let mut d = r - 1;
        while d > 0 {
            d -= 1;
            idx[d] += 1;
            for k in 0..N {
                off[k] += st[k][d];
            }
            if idx[d] < out.dim(d) {
                break;
            }
            for k in 0..N {
                off[k] -= st[k][d] * idx[d];
            }
            idx[d] = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(d: &[usize]) -> Shape {
        Shape::new("t", d).unwrap()
    }

    #[test]
    fn numpy_broadcasting() {
        assert_eq!(
            Shape::broadcast("+", s(&[3, 1]), s(&[1, 4])).unwrap(),
            s(&[3, 4])
        );
        assert_eq!(
            Shape::broadcast("+", s(&[2, 3, 4]), s(&[4])).unwrap(),
            s(&[2, 3, 4])
        );
        assert_eq!(Shape::broadcast("+", s(&[]), s(&[5])).unwrap(), s(&[5]));
        assert!(Shape::broadcast("+", s(&[3]), s(&[4])).is_err());
        assert!(s(&[1, 4]).broadcasts_to(s(&[3, 4])));
        assert!(!s(&[3, 4]).broadcasts_to(s(&[4])));
    }

    #[test]
    fn walker_visits_broadcast_offsets() {
        let out = s(&[2, 3]);
        let a = s(&[2, 1]).strides_in(out);
        let b = s(&[3]).strides_in(out);
        let mut seen = vec![];
        walk(out, [&a, &b], |o, [ia, ib]| seen.push((o, ia, ib)));
        assert_eq!(
            seen,
            vec![
                (0, 0, 0),
                (1, 0, 1),
                (2, 0, 2),
                (3, 1, 0),
                (4, 1, 1),
                (5, 1, 2)
            ]
        );
    }

    #[test]
    fn axes_resolve_like_numpy() {
        let sh = s(&[2, 3, 4]);
        assert_eq!(axes_mask("sum", sh, &[-1]).unwrap(), 0b100);
        assert_eq!(axes_mask("sum", sh, &[]).unwrap(), 0);
        assert!(axes_mask("sum", sh, &[3]).is_err());
        assert!(axes_mask("sum", sh, &[1, -2]).is_err());
        assert_eq!(sh.reduced(0b010, true), s(&[2, 1, 4]));
        assert_eq!(sh.reduced(0b010, false), s(&[2, 4]));
    }
}
