//! Matrix multiplication through the `gemm` crate: the crate's one use of `unsafe`.
//!
//! `gemm::gemm` takes raw pointers and strides. [`gemm2d`] takes slices, checks every extent
//! it will touch against the slices' lengths first, and only then calls it; see the SAFETY
//! comment there. Element types other than `f32`/`f64` (a user's own [`Float`]) take a plain
//! safe loop instead, since `gemm` supports only its own types.
#![allow(unsafe_code)]

use std::any::TypeId;

use crate::real::Float;

/// A matrix view: `rows × cols` elements of `data` at `off + i·rs + j·cs`.
#[derive(Clone, Copy)]
pub(crate) struct Mat<'a, T> {
    pub(crate) data: &'a [T],
    pub(crate) off: usize,
    pub(crate) rows: usize,
    pub(crate) cols: usize,
    pub(crate) rs: usize,
    pub(crate) cs: usize,
}

impl<T> Mat<'_, T> {
    /// True when every element of the view lies inside `data`.
    fn in_bounds(&self) -> bool {
        if self.rows == 0 || self.cols == 0 {
            return true;
        }
        let last = (self.rows - 1)
            .checked_mul(self.rs)
            .zip((self.cols - 1).checked_mul(self.cs))
            .and_then(|(a, b)| a.checked_add(b))
            .and_then(|e| e.checked_add(self.off));
        matches!(last, Some(e) if e < self.data.len() && e <= isize::MAX as usize)
    }
}

/// Work (m·n·k) from which a second thread pays for waking it (the MLP's 128×784×256 products
/// are ~25M; its 128×256×10 ones, ~0.3M, stay on one thread).
const PARALLEL_WORK: usize = 1 << 21;

/// `dst = lhs · rhs` (or `dst += lhs · rhs` with `acc`), `dst` row-major `m × n` in
/// `dst[..m·n]`. Panics (a bug in the caller, never reached from the public API) if the views
/// do not fit their slices or the shapes do not chain.
pub(crate) fn gemm2d<T: Float>(dst: &mut [T], lhs: Mat<'_, T>, rhs: Mat<'_, T>, acc: bool) {
    let (m, k, n) = (lhs.rows, lhs.cols, rhs.cols);
    assert!(
        rhs.rows == k && dst.len() >= m * n && lhs.in_bounds() && rhs.in_bounds(),
        "tapegrad: internal error: matmul views out of bounds"
    );
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !acc {
            dst[..m * n].fill(T::ZERO);
        }
        return;
    }
    let id = TypeId::of::<T>();
    if id != TypeId::of::<f32>() && id != TypeId::of::<f64>() {
        return fallback(dst, lhs, rhs, acc);
    }
    let par = if m * n * k >= PARALLEL_WORK {
        gemm::Parallelism::Rayon(0)
    } else {
        gemm::Parallelism::None
    };
    // SAFETY:
    // - `T` is f32 or f64 (checked just above), the types `gemm` supports; it dispatches on
    //   `TypeId` and reads `alpha`/`beta` as that type.
    // - Every element gemm reads is `lhs.off + i·rs + p·cs` for i < m, p < k (and the same for
    //   `rhs` with p < k, j < n): `in_bounds` checked that the largest such offset is inside
    //   the slice and fits `isize`, and all offsets are non-negative, so every read is inside
    //   `lhs.data` / `rhs.data`.
    // - gemm writes `dst[i·n + j]` for i < m, j < n, and `dst.len() >= m·n` was asserted.
    // - `dst` is a `&mut` borrow, so it cannot alias `lhs`/`rhs` (shared borrows); the threads
    //   gemm starts write disjoint blocks of `dst` and are joined before it returns, so no
    //   borrow outlives this call.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            n as isize,
            acc,
            lhs.data.as_ptr().add(lhs.off),
            lhs.cs as isize,
            lhs.rs as isize,
            rhs.data.as_ptr().add(rhs.off),
            rhs.cs as isize,
            rhs.rs as isize,
            if acc { T::ONE } else { T::ZERO },
            T::ONE,
            false,
            false,
            false,
            par,
        );
    }
}

/// The same product for element types `gemm` does not know: a plain loop.
fn fallback<T: Float>(dst: &mut [T], lhs: Mat<'_, T>, rhs: Mat<'_, T>, acc: bool) {
    let (m, k, n) = (lhs.rows, lhs.cols, rhs.cols);
    for i in 0..m {
        for j in 0..n {
            let mut s = T::ZERO;
            for p in 0..k {
                s += lhs.data[lhs.off + i * lhs.rs + p * lhs.cs]
                    * rhs.data[rhs.off + p * rhs.rs + j * rhs.cs];
            }
            let d = &mut dst[i * n + j];
            *d = if acc { *d + s } else { s };
        }
    }
}
