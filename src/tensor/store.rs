//! Where tensor nodes live: a per-tape list in record order, and a buffer pool.
//!
//! A tensor node is an ordinary node of the graph's slotmap arena whose op is
//! [`Op::Tensor(i)`](crate::Op::Tensor); `i` indexes [`TensorStore::nodes`], which holds the
//! tensor op, its shape and its contiguous buffer. Rewind frees tensor nodes newest first
//! (the list is truncated, LIFO, like the arena) and hands their buffers to a pool keyed by
//! length, so the next training step records into the same memory without allocating.

use super::primitive::PrimNode;
use super::shape::Shape;
use crate::real::Float;
use crate::rules::{Fn1, Fn2};
pub(crate) use crate::tape::Pool;
use crate::tape::Tape;

/// Marks a scalar (non-tensor) input in [`TensorStore::targs`].
pub(crate) const SCALAR_INPUT: u32 = u32::MAX;

/// The operation that produced a tensor node (its inputs are listed separately).
///
/// Shown by [`Graph::tensor_op`](crate::Graph::tensor_op); every variant's derivative is in
/// the rustdoc of the [`Tensor`](crate::Tensor) method that records it.
#[derive(Clone, Copy, Debug, PartialEq)]
#[non_exhaustive]
pub enum TensorOp {
    /// A tensor leaf that takes a gradient.
    Var,
    /// A tensor leaf that takes no gradient.
    Const,
    /// `f(a)` elementwise.
    Unary(Fn1),
    /// `f(a, b)` elementwise with NumPy broadcasting.
    Binary(Fn2),
    /// `op(a) @ op(b)`, batched with broadcast batch dimensions; `ta`/`tb` transpose the last two
    /// dimensions of an operand first.
    MatMul {
        /// Transpose `a`.
        ta: bool,
        /// Transpose `b`.
        tb: bool,
    },
    /// Sum over the axes in the bit mask.
    Sum {
        /// Bit `i` set: axis `i` is reduced.
        axes: u32,
        /// Reduced axes stay as size 1.
        keepdim: bool,
    },
    /// Mean over the axes in the bit mask.
    Mean {
        /// Bit `i` set: axis `i` is reduced.
        axes: u32,
        /// Reduced axes stay as size 1.
        keepdim: bool,
    },
    /// Maximum over the axes in the bit mask.
    Max {
        /// Bit `i` set: axis `i` is reduced.
        axes: u32,
        /// Reduced axes stay as size 1.
        keepdim: bool,
    },
    /// Sum down to the node's shape (the un-broadcast).
    SumTo,
    /// Repeat up to the node's shape (broadcast).
    BroadcastTo,
    /// Same elements, the node's shape.
    Reshape,
    /// Axes reordered: output axis `d` is input axis `perm[d]` (packed 4 bits per axis).
    Permute(u32),
    /// `start .. start + len` along `axis` (`len` is the node's size on that axis).
    Narrow {
        /// The axis.
        axis: u8,
        /// First index kept.
        start: u32,
    },
    /// The input embedded at `start` along `axis` in zeros of the node's shape.
    Pad {
        /// The axis.
        axis: u8,
        /// Where the input starts.
        start: u32,
    },
    /// Inputs joined along `axis`.
    Concat {
        /// The axis.
        axis: u8,
    },
    /// NumPy's `take_along_axis` along `axis`: the node's parameters are the indices, shaped
    /// like the node.
    Gather {
        /// The axis.
        axis: u8,
    },
    /// Zeros of the node's shape with each input element added at its index along `axis`
    /// (the node's parameters, shaped like the input): the adjoint of `Gather`.
    Scatter {
        /// The axis.
        axis: u8,
    },
    /// A strided slice; the parameters are `(start, step as i32)` per axis, the node's shape
    /// gives the counts.
    Slice,
    /// Zeros of the node's shape with the input placed at the positions of a strided slice
    /// with the same parameters: the adjoint of `Slice`.
    Unslice,
    /// `cond ≠ 0 ? a : b` elementwise with broadcasting.
    Where,
    /// Softmax along `axis`.
    Softmax {
        /// The axis.
        axis: u8,
    },
    /// Log-softmax along `axis`.
    LogSoftmax {
        /// The axis.
        axis: u8,
    },
    /// A user-defined [`Primitive`](crate::Primitive) applied elementwise with NumPy
    /// broadcasting, recorded as one node.
    Primitive {
        /// The node's entry in the tape's list of primitive nodes.
        node: u32,
        /// The primitive's name and arity.
        name: crate::primitive::PrimName,
    },
    /// 2-D convolution of `(x, w)` or `(x, w, b)`; the window is the node's parameters.
    Conv2d,
    /// 2-D max pooling; the window is the node's parameters.
    MaxPool2d,
    /// 2-D average pooling; the window is the node's parameters.
    AvgPool2d,
    /// The windows of an `(N, C, H, W)` input as columns `(N, C·kh·kw, OH·OW)`. Recorded only
    /// by the recorded backward of a convolution or pool; its derivative is `Col2Im`.
    Im2Col,
    /// `Im2Col`'s adjoint: columns added back into the node's `(N, C, H, W)` shape. Recorded
    /// only by the recorded backward of a convolution or pool; its derivative is `Im2Col`.
    Col2Im,
}

impl TensorOp {
    /// A short name for messages and pictures.
    pub fn name(&self) -> &'static str {
        match self {
            TensorOp::Var => "tensor",
            TensorOp::Const => "tensor_const",
            TensorOp::Unary(f) => f.name(),
            TensorOp::Binary(f) => f.name(),
            TensorOp::MatMul { .. } => "matmul",
            TensorOp::Sum { .. } => "sum",
            TensorOp::Mean { .. } => "mean",
            TensorOp::Max { .. } => "max",
            TensorOp::SumTo => "sum_to",
            TensorOp::BroadcastTo => "broadcast_to",
            TensorOp::Reshape => "reshape",
            TensorOp::Permute(_) => "permute",
            TensorOp::Narrow { .. } => "narrow",
            TensorOp::Pad { .. } => "pad",
            TensorOp::Concat { .. } => "concat",
            TensorOp::Gather { .. } => "take_along_axis",
            TensorOp::Scatter { .. } => "scatter_add",
            TensorOp::Slice => "slice",
            TensorOp::Unslice => "unslice",
            TensorOp::Where => "where",
            TensorOp::Softmax { .. } => "softmax",
            TensorOp::LogSoftmax { .. } => "log_softmax",
            TensorOp::Primitive { name, .. } => name.as_str(),
            TensorOp::Conv2d => "conv2d",
            TensorOp::MaxPool2d => "max_pool2d",
            TensorOp::AvgPool2d => "avg_pool2d",
            TensorOp::Im2Col => "im2col",
            TensorOp::Col2Im => "col2im",
        }
    }
}

/// Packs a permutation (each entry < 16) into 4 bits per axis.
pub(crate) fn pack_perm(perm: &[usize]) -> u32 {
    perm.iter()
        .enumerate()
        .fold(0, |acc, (d, &p)| acc | ((p as u32) << (4 * d)))
}

/// Entry `d` of a packed permutation.
#[inline]
pub(crate) fn perm_at(packed: u32, d: usize) -> usize {
    ((packed >> (4 * d)) & 0xf) as usize
}

/// One tensor node.
pub(crate) struct TNode<T> {
    pub(crate) op: TensorOp,
    pub(crate) shape: Shape,
    pub(crate) data: Vec<T>,
    /// Its inputs: `args[start .. start + n_in]` (slots) and the same range of `targs`.
    pub(crate) start: u32,
    pub(crate) n_in: u32,
    /// Its integer parameters: `params[p_start .. p_start + n_par]`.
    pub(crate) p_start: u32,
    pub(crate) n_par: u32,
    /// Whether a gradient can flow back through it (some input takes a gradient).
    pub(crate) needs: bool,
}

/// What the tensor layer keeps for a tape (its [`Extension`](crate::tape::Extension)): the
/// tensor nodes and the user-defined primitive nodes, in record order.
pub(crate) struct TensorStore<T: Float> {
    pub(crate) nodes: Vec<TNode<T>>,
    /// Input slots of every tensor node, in record order.
    pub(crate) args: Vec<u32>,
    /// For each entry of `args`: the input's tensor index, or [`SCALAR_INPUT`].
    pub(crate) targs: Vec<u32>,
    /// Integer parameters (gather indices, slice bounds, convolution windows).
    pub(crate) params: Vec<u32>,
    pub(crate) pool: Pool<T>,
    /// User-defined primitive nodes (scalar and tensor), indexed by `Op::Primitive { node }`
    /// and `TensorOp::Primitive { node }`; freed newest first, like the tensor nodes.
    pub(crate) prims: Vec<PrimNode<T>>,
}

impl<T: Float> Default for TensorStore<T> {
    fn default() -> Self {
        TensorStore {
            nodes: Vec::new(),
            args: Vec::new(),
            targs: Vec::new(),
            params: Vec::new(),
            pool: Pool::default(),
            prims: Vec::new(),
        }
    }
}

/// The tensor store of `tape`. Only called for a tape that holds a tensor or primitive node,
/// which made the store.
#[inline]
pub(crate) fn store<T: Float>(tape: &Tape<T>) -> &TensorStore<T> {
    tape.ext()
        .as_any()
        .downcast_ref()
        .expect("the tape's extension store is the tensor store")
}

/// The tensor store of `tape`, made on first use.
#[inline]
pub(crate) fn store_mut<T: Float>(tape: &mut Tape<T>) -> &mut TensorStore<T> {
    tape.ext
        .get_or_insert_with(|| Box::new(TensorStore::<T>::default()))
        .as_any_mut()
        .downcast_mut()
        .expect("the tape's extension store is the tensor store")
}

impl<T: Float> TensorStore<T> {
    /// The input slots of tensor node `i`.
    #[inline]
    pub(crate) fn inputs(&self, i: u32) -> &[u32] {
        let n = &self.nodes[i as usize];
        &self.args[n.start as usize..(n.start + n.n_in) as usize]
    }

    /// The inputs' tensor indices of node `i` ([`SCALAR_INPUT`] for a scalar input).
    #[inline]
    pub(crate) fn tinputs(&self, i: u32) -> &[u32] {
        let n = &self.nodes[i as usize];
        &self.targs[n.start as usize..(n.start + n.n_in) as usize]
    }

    /// The integer parameters of node `i`.
    #[inline]
    pub(crate) fn params(&self, i: u32) -> &[u32] {
        let n = &self.nodes[i as usize];
        &self.params[n.p_start as usize..(n.p_start + n.n_par) as usize]
    }

    /// Frees every tensor node from index `len` on (newest first), keeping their buffers.
    pub(crate) fn truncate(&mut self, len: usize) {
        if len >= self.nodes.len() {
            return;
        }
        let (start, p_start) = {
            let n = &self.nodes[len];
            (n.start as usize, n.p_start as usize)
        };
        for n in self.nodes.drain(len..).rev() {
            self.pool.put(n.data);
        }
        self.args.truncate(start);
        self.targs.truncate(start);
        self.params.truncate(p_start);
    }
}
