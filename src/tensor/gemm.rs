//! Matrix multiplication through the `gemm` crate: the crate's one use of `unsafe`.
//!
//! `gemm::gemm` takes raw pointers and strides. [`gemm2d`] takes slices, checks every extent
//! it will touch against the slices' lengths first, and only then calls it; see the SAFETY
//! comment there. Element types other than `f32`/`f64` (a user's own [`Float`]) take a plain
//! safe loop instead, since `gemm` supports only its own types.
//!
//! Products are written straight into a buffer's spare capacity ([`products`]): `gemm` never
//! reads the destination when told not to accumulate, so the buffer is not zeroed first.
#![allow(unsafe_code)]

use std::any::TypeId;
use std::mem::MaybeUninit;

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

/// The destination of a batch of products: consecutive row-major blocks of one buffer's
/// spare capacity, each written whole by [`Blocks::push`].
pub(crate) struct Blocks<'a, T> {
    spare: &'a mut [MaybeUninit<T>],
    block: usize,
    done: usize,
}

impl<T: Float> Blocks<'_, T> {
    /// Writes `lhs · rhs` as the next block. Panics (a bug in the caller, never reached from
    /// the public API) if the product is not the blocks' size or all blocks are written.
    pub(crate) fn push(&mut self, lhs: Mat<'_, T>, rhs: Mat<'_, T>) {
        let at = self.done * self.block;
        assert!(
            lhs.rows * rhs.cols == self.block && at + self.block <= self.spare.len(),
            "tapegrad: internal error: matmul block out of bounds"
        );
        gemm2d(&mut self.spare[at..at + self.block], lhs, rhs);
        self.done += 1;
    }
}

/// Overwrites `out` with `count` products of `block` elements each, which `fill` pushes in
/// order onto the [`Blocks`] it is given. Panics (a bug in the caller) if it pushes fewer.
pub(crate) fn products<T: Float>(
    out: &mut Vec<T>,
    count: usize,
    block: usize,
    fill: impl FnOnce(&mut Blocks<'_, T>),
) {
    let len = count * block;
    out.clear();
    out.reserve(len);
    let mut blocks = Blocks {
        spare: &mut out.spare_capacity_mut()[..len],
        block,
        done: 0,
    };
    fill(&mut blocks);
    assert!(
        blocks.done == count,
        "tapegrad: internal error: {} of {count} matmul blocks written",
        blocks.done
    );
    // SAFETY: `count` pushes each wrote every element of their block (`gemm2d` writes all of
    // `dst`), and the blocks tile `..len` of the spare capacity, so the first `len` elements
    // are initialized.
    unsafe { out.set_len(len) }
}

/// `dst = lhs · rhs`, `dst` row-major `m × n` (all of it written, none of it read). Panics (a
/// bug in the caller, never reached from the public API) if the views do not fit their
/// slices or the shapes do not chain.
fn gemm2d<T: Float>(dst: &mut [MaybeUninit<T>], lhs: Mat<'_, T>, rhs: Mat<'_, T>) {
    let (m, k, n) = (lhs.rows, lhs.cols, rhs.cols);
    assert!(
        rhs.rows == k && dst.len() == m * n && lhs.in_bounds() && rhs.in_bounds(),
        "tapegrad: internal error: matmul views out of bounds"
    );
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        dst.fill(MaybeUninit::new(T::ZERO));
        return;
    }
    let id = TypeId::of::<T>();
    if id != TypeId::of::<f32>() && id != TypeId::of::<f64>() {
        return fallback(dst, lhs, rhs);
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
    // - gemm writes `dst[i·n + j]` for i < m, j < n, and `dst.len() == m·n` was asserted;
    //   with `read_dst` false it never reads `dst` (which may be uninitialized) and writes
    //   every element of it.
    // - `dst` is a `&mut` borrow, so it cannot alias `lhs`/`rhs` (shared borrows); the threads
    //   gemm starts write disjoint blocks of `dst` and are joined before it returns, so no
    //   borrow outlives this call.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr().cast::<T>(),
            1,
            n as isize,
            false,
            lhs.data.as_ptr().add(lhs.off),
            lhs.cs as isize,
            lhs.rs as isize,
            rhs.data.as_ptr().add(rhs.off),
            rhs.cs as isize,
            rhs.rs as isize,
            T::ZERO,
            T::ONE,
            false,
            false,
            false,
            par,
        );
    }
}

/// The same product for element types `gemm` does not know: a plain loop.
fn fallback<T: Float>(dst: &mut [MaybeUninit<T>], lhs: Mat<'_, T>, rhs: Mat<'_, T>) {
    let (m, k, n) = (lhs.rows, lhs.cols, rhs.cols);
    for i in 0..m {
        for j in 0..n {
            let mut s = T::ZERO;
            for p in 0..k {
                s += lhs.data[lhs.off + i * lhs.rs + p * lhs.cs]
                    * rhs.data[rhs.off + p * rhs.rs + j * rhs.cs];
            }
            dst[i * n + j] = MaybeUninit::new(s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `rows × cols` row-major view of `data`.
    fn mat(data: &[f64], rows: usize, cols: usize) -> Mat<'_, f64> {
        Mat {
            data,
            off: 0,
            rows,
            cols,
            rs: cols,
            cs: 1,
        }
    }

    /// The products land in spare capacity that held NaNs before: nothing of it is read.
    #[test]
    fn products_overwrite_recycled_memory() {
        let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]; // 2 × 3
        let b = [1.0, 0.0, 0.0, 1.0, 1.0, 1.0]; // 3 × 2
        let mut out = vec![f64::NAN; 16];
        out.clear();
        products(&mut out, 2, 4, |blocks| {
            blocks.push(mat(&a, 2, 3), mat(&b, 3, 2));
            blocks.push(mat(&a, 2, 0), mat(&b, 0, 2)); // k = 0: zeros
        });
        assert_eq!(out, [4.0, 5.0, 10.0, 11.0, 0.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    #[should_panic(expected = "1 of 2 matmul blocks written")]
    fn every_block_must_be_written() {
        let a = [1.0; 4];
        let mut out = Vec::new();
        products(&mut out, 2, 4, |blocks| {
            blocks.push(mat(&a, 2, 2), mat(&a, 2, 2))
        });
    }
}
