//! Batched matrix products: shapes, batch broadcasting, and one GEMM call per matrix.

use super::gemm::{Mat, products};
use super::shape::{MAX_RANK, Shape, shape_error, walk};
use crate::error::{Error, Result};
use crate::real::Float;

/// (rows, cols) of an operand after its optional transpose of the last two dimensions.
fn mat_dims(s: Shape, t: bool) -> (usize, usize) {
    let r = s.rank();
    let (a, b) = (s.dim(r - 2), s.dim(r - 1));
    if t { (b, a) } else { (a, b) }
}

/// The output shape of `op(a) @ op(b)`: batch dimensions broadcast, then `m × n`.
#[track_caller]
pub(crate) fn matmul_shape(a: Shape, ta: bool, b: Shape, tb: bool) -> Result<Shape> {
    if a.rank() < 2 || b.rank() < 2 {
        return Err(rank_error(a, b));
    }
    let (m, k) = mat_dims(a, ta);
    let (k2, n) = mat_dims(b, tb);
    if k != k2 {
        return Err(shape_error("matmul", a, b));
    }
    let batch = Shape::broadcast("matmul", a.prefix(a.rank() - 2), b.prefix(b.rank() - 2))
        .map_err(|_| shape_error("matmul", a, b))?;
    if batch.rank() + 2 > MAX_RANK {
        return Err(shape_error("matmul", a, b));
    }
    Ok(batch.concat(&[m, n]))
}

/// The error for an operand that is not a vector, matrix or batch of matrices.
fn rank_error(a: Shape, b: Shape) -> Error {
    Error::Invalid(format!(
        "`matmul` needs operands of rank 1 or more (got {:?} and {:?}); multiply by a scalar \
         with `*`",
        a.dims(),
        b.dims()
    ))
}

/// `out = op(a) @ op(b)` for every matrix of the (broadcast) batch; `out` gets `out_shape`
/// (from [`matmul_shape`]) elements and is overwritten (never zeroed first).
pub(crate) fn matmul<T: Float>(
    (a, sa, ta): (&[T], Shape, bool),
    (b, sb, tb): (&[T], Shape, bool),
    out_shape: Shape,
    out: &mut Vec<T>,
) {
    let r = out_shape.rank();
    let (m, n) = (out_shape.dim(r - 2), out_shape.dim(r - 1));
    let (_, k) = mat_dims(sa, ta);
    let batch = out_shape.prefix(r - 2);
    let view = |data, s: Shape, t: bool, off: usize| {
        let (rows, cols) = mat_dims(s, t);
        let ld = s.dim(s.rank() - 1);
        let (rs, cs) = if t { (1, ld) } else { (ld, 1) };
        Mat {
            data,
            off,
            rows,
            cols,
            rs,
            cs,
        }
    };
    let (msa, msb) = (m * k, k * n);
    let bst_a = sa.prefix(sa.rank() - 2).strides_in(batch);
    let bst_b = sb.prefix(sb.rank() - 2).strides_in(batch);
    products(out, batch.numel(), m * n, |blocks| {
        walk(batch, [&bst_a, &bst_b], |_, [ia, ib]| {
            blocks.push(view(a, sa, ta, ia * msa), view(b, sb, tb, ib * msb));
        })
    });
}

impl<'g, T: Float> super::Tensor<'g, T> {
    /// The matrix product `self @ other` (NumPy `matmul`): the last two dimensions multiplied
    /// as matrices, the leading (batch) dimensions broadcast. A 1-D operand is a row vector on
    /// the left and a column vector on the right, and that dimension is removed from the
    /// result, as in NumPy: `(k,) @ (k, n)` is `(n,)`, `(m, k) @ (k,)` is `(m,)` and
    /// `(k,) @ (k,)` the rank-0 dot product. Computed by the `gemm` crate (SIMD, two threads for
    /// large products).
    ///
    /// Derivative: for C = A @ B with upstream G, ∂L/∂A = G @ Bᵀ and ∂L/∂B = Aᵀ @ G (summed
    /// over broadcast batch dimensions).
    ///
    /// ```
    /// # use tapegrad::Graph;
    /// let g = Graph::new();
    /// let a = g.tensor(&[1.0, 2.0, 3.0, 4.0], &[2, 2]);
    /// let b = g.tensor(&[5.0, 6.0], &[2, 1]);
    /// let c = a.matmul(b);
    /// assert_eq!(c.to_vec(), vec![17.0, 39.0]);
    /// let grads = g.backward(c.sum());
    /// assert_eq!(grads.tensor(a), &[5.0, 6.0, 5.0, 6.0]); // G @ Bᵀ with G = 1
    /// assert_eq!(grads.tensor(b), &[4.0, 6.0]);           // Aᵀ @ G
    /// let v = g.tensor(&[1.0, 1.0], &[2]);
    /// assert_eq!(v.matmul(a).to_vec(), vec![4.0, 6.0]);    // (2,) @ (2, 2) → (2,)
    /// assert_eq!(v.matmul(v).shape(), Vec::<usize>::new()); // a dot product, rank 0
    /// ```
    #[track_caller]
    pub fn matmul(self, other: Self) -> Self {
        crate::error::or_panic(self.try_matmul(other))
    }

    /// [`matmul`](super::Tensor::matmul) returning [`Error::Shape`] when the inner dimensions
    /// or the batch dimensions do not fit.
    #[track_caller]
    pub fn try_matmul(self, other: Self) -> Result<Self> {
        let (sa, sb) = (self.inner_shape()?, other.inner_shape()?);
        let (va, vb) = (sa.rank() == 1, sb.rank() == 1);
        if !va && !vb {
            return self.matmul_t(false, other, false);
        }
        if sa.rank() == 0 || sb.rank() == 0 {
            return Err(rank_error(sa, sb));
        }
        // NumPy: promote a vector to a matrix, multiply, and remove the added dimension.
        if sa.dim(sa.rank() - 1) != sb.dim(sb.rank().saturating_sub(2)) {
            return Err(shape_error("matmul", sa, sb));
        }
        let a = if va {
            self.try_reshape(&[1, sa.dim(0)])?
        } else {
            self
        };
        let b = if vb {
            other.try_reshape(&[sb.dim(0), 1])?
        } else {
            other
        };
        let c = a
            .matmul_t(false, b, false)
            .map_err(|_| shape_error("matmul", sa, sb))?;
        let cs = c.inner_shape()?;
        let r = cs.rank();
        let keep = |d: usize| !((va && d == r - 2) || (vb && d == r - 1));
        let dims: Vec<usize> = (0..r).filter(|&d| keep(d)).map(|d| cs.dim(d)).collect();
        c.try_reshape(&dims)
    }

    /// `op(self) @ op(other)`, where `op` transposes the last two dimensions when its flag is
    /// set (no transposed copy is made).
    #[track_caller]
    pub(crate) fn matmul_t(self, ta: bool, other: Self, tb: bool) -> Result<Self> {
        self.graph.record_tensor(
            super::store::TensorOp::MatMul { ta, tb },
            [self, other],
            &[],
            |[a, b]| matmul_shape(a, ta, b, tb),
            |[(a, sa), (b, sb)], s, out| matmul((a, sa, ta), (b, sb, tb), s, out),
        )
    }
}
