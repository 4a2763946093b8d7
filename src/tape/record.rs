//! How a node's [`Op`] is stored in the arena: packed into 12 bytes.
//!
//! [`Op`] is 16 bytes (the `Powi(i32)` payload of [`Fn1`] makes `Unary` that wide), so an arena
//! slot of `Op` plus the slotmap's version word takes 20 bytes. [`Rec`] keeps the same
//! information in 12 — a one-byte [`Code`] naming the operation and its function, and two
//! 32-bit fields — so a slot is 16 bytes, four to a cache line. The backward sweep dispatches on
//! the single `Code` byte instead of on the op and then on its function. Converting to and from
//! [`Op`] is lossless; the public API only ever shows `Op`.

use super::Op;
use super::PrimName;
use crate::rules::{Fn1, Fn2};

/// A node's operation, packed: `code` says which, `a` and `b` hold its operands.
///
/// `Unary`: `a` = input slot (`Powi`: `b` = the exponent's bits). `Binary`: `a`, `b` = input
/// slots. `Sum`: `a` = first operand position, `b` = count. `Tensor`: `a` = tensor index.
/// `Primitive`: `a` = its entry in the tape's primitive nodes, `b` = its name's id.
/// Leaves: both 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Rec {
    pub(crate) code: Code,
    pub(crate) a: u32,
    pub(crate) b: u32,
}

/// The operation of a [`Rec`]: one flat list of every leaf kind, function and reduction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum Code {
    Var,
    Const,
    Neg,
    Exp,
    Ln,
    Tanh,
    Sigmoid,
    Relu,
    Sin,
    Cos,
    Sqrt,
    Abs,
    Powi,
    Add,
    Sub,
    Mul,
    Div,
    Max,
    Min,
    Powf,
    Sum,
    /// A user-defined primitive; its entry is in the tape's list of primitive nodes.
    Primitive,
    /// A tensor node; its op, inputs and buffer are in the tape's tensor store.
    Tensor,
}

impl From<Op> for Rec {
    #[inline(always)]
    fn from(op: Op) -> Rec {
        let rec = |code, a, b| Rec { code, a, b };
        match op {
            Op::Var => rec(Code::Var, 0, 0),
            Op::Const => rec(Code::Const, 0, 0),
            Op::Unary(f, a) => {
                let code = match f {
                    Fn1::Neg => Code::Neg,
                    Fn1::Exp => Code::Exp,
                    Fn1::Ln => Code::Ln,
                    Fn1::Tanh => Code::Tanh,
                    Fn1::Sigmoid => Code::Sigmoid,
                    Fn1::Relu => Code::Relu,
                    Fn1::Sin => Code::Sin,
                    Fn1::Cos => Code::Cos,
                    Fn1::Sqrt => Code::Sqrt,
                    Fn1::Abs => Code::Abs,
                    Fn1::Powi(k) => return rec(Code::Powi, a, k as u32),
                };
                rec(code, a, 0)
            }
            Op::Binary(f, a, b) => {
                let code = match f {
                    Fn2::Add => Code::Add,
                    Fn2::Sub => Code::Sub,
                    Fn2::Mul => Code::Mul,
                    Fn2::Div => Code::Div,
                    Fn2::Max => Code::Max,
                    Fn2::Min => Code::Min,
                    Fn2::Powf => Code::Powf,
                };
                rec(code, a, b)
            }
            Op::Sum { start, len } => rec(Code::Sum, start, len),
            Op::Primitive { node, name } => rec(Code::Primitive, node, name.id()),
            Op::Tensor(i) => rec(Code::Tensor, i, 0),
        }
    }
}

impl Rec {
    /// The [`Op`] this record stores.
    #[inline]
    pub(crate) fn op(self) -> Op {
        let Rec { code, a, b } = self;
        let un = |f| Op::Unary(f, a);
        let bin = |f| Op::Binary(f, a, b);
        match code {
            Code::Var => Op::Var,
            Code::Const => Op::Const,
            Code::Neg => un(Fn1::Neg),
            Code::Exp => un(Fn1::Exp),
            Code::Ln => un(Fn1::Ln),
            Code::Tanh => un(Fn1::Tanh),
            Code::Sigmoid => un(Fn1::Sigmoid),
            Code::Relu => un(Fn1::Relu),
            Code::Sin => un(Fn1::Sin),
            Code::Cos => un(Fn1::Cos),
            Code::Sqrt => un(Fn1::Sqrt),
            Code::Abs => un(Fn1::Abs),
            Code::Powi => un(Fn1::Powi(b as i32)),
            Code::Add => bin(Fn2::Add),
            Code::Sub => bin(Fn2::Sub),
            Code::Mul => bin(Fn2::Mul),
            Code::Div => bin(Fn2::Div),
            Code::Max => bin(Fn2::Max),
            Code::Min => bin(Fn2::Min),
            Code::Powf => bin(Fn2::Powf),
            Code::Sum => Op::Sum { start: a, len: b },
            Code::Primitive => Op::Primitive {
                node: a,
                name: PrimName::from_id(b),
            },
            Code::Tensor => Op::Tensor(a),
        }
    }

    /// True for leaves (`Var` and `Const`).
    #[inline]
    pub(crate) fn is_leaf(self) -> bool {
        matches!(self.code, Code::Var | Code::Const)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_op_survives_the_round_trip() {
        let mut ops = vec![
            Op::Var,
            Op::Const,
            Op::Sum { start: 7, len: 3 },
            Op::Tensor(0),
            Op::Tensor(u32::MAX),
            Op::Primitive {
                node: 9,
                name: PrimName::intern("round_trip", 2),
            },
        ];
        for f in [
            Fn1::Neg,
            Fn1::Exp,
            Fn1::Ln,
            Fn1::Tanh,
            Fn1::Sigmoid,
            Fn1::Relu,
            Fn1::Sin,
            Fn1::Cos,
            Fn1::Sqrt,
            Fn1::Abs,
            Fn1::Powi(-3),
            Fn1::Powi(i32::MIN),
            Fn1::Powi(i32::MAX),
        ] {
            ops.push(Op::Unary(f, 41));
        }
        for f in [
            Fn2::Add,
            Fn2::Sub,
            Fn2::Mul,
            Fn2::Div,
            Fn2::Max,
            Fn2::Min,
            Fn2::Powf,
        ] {
            ops.push(Op::Binary(f, 5, u32::MAX));
        }
        for op in ops {
            assert_eq!(Rec::from(op).op(), op);
            assert_eq!(Rec::from(op).is_leaf(), op.is_leaf());
        }
    }

    #[test]
    fn a_record_is_twelve_bytes() {
        assert_eq!(std::mem::size_of::<Rec>(), 12);
    }
}
