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

/// The flat operation code of a [`Rec`], the per-function conversions to and from [`Op`], and
/// `dispatch!`, the sweep's one `match` over the code: all generated from the rows of the
/// primitive table.
macro_rules! define_code {
    (($d:tt)
     unary { $( $(#[doc = $ud:literal])* $U:ident { $($ub:tt)* } )* }
     binary { $( $(#[doc = $bd:literal])* $B:ident { $($bb:tt)* } )* }) => {
        /// The operation of a [`Rec`]: one flat list of every leaf kind, function and
        /// reduction.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(u8)]
        pub(crate) enum Code {
            Var,
            Const,
            $( $U, )*
            Powi,
            $( $B, )*
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
                            $( Fn1::$U => Code::$U, )*
                            Fn1::Powi(k) => return rec(Code::Powi, a, k as u32),
                        };
                        rec(code, a, 0)
                    }
                    Op::Binary(f, a, b) => {
                        let code = match f {
                            $( Fn2::$B => Code::$B, )*
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
                match code {
                    Code::Var => Op::Var,
                    Code::Const => Op::Const,
                    $( Code::$U => Op::Unary(Fn1::$U, a), )*
                    Code::Powi => Op::Unary(Fn1::Powi(b as i32), a),
                    $( Code::$B => Op::Binary(Fn2::$B, a, b), )*
                    Code::Sum => Op::Sum { start: a, len: b },
                    Code::Primitive => Op::Primitive {
                        node: a,
                        name: PrimName::from_id(b),
                    },
                    Code::Tensor => Op::Tensor(a),
                }
            }
        }

        /// `match $code { every function's code => $unary!(Fn1::…) / $binary!(Fn2::…), $rest }`:
        /// the sweep's one dispatch, each arm calling its macro with a constant function so the
        /// rule's own `match` folds away. `$b` is the record's second field (Powi's exponent).
        macro_rules! dispatch {
            ($d code:expr, $d b:expr, $d unary:ident, $d binary:ident, { $d ($d rest:tt)* }) => {
                match $d code {
                    $( Code::$U => $d unary!(Fn1::$U), )*
                    Code::Powi => $d unary!(Fn1::Powi($d b as u32 as i32)),
                    $( Code::$B => $d binary!(Fn2::$B), )*
                    $d ($d rest)*
                }
            };
        }
        pub(crate) use dispatch;
    };
}

crate::rules::table::primitives!(define_code, $);

impl Rec {
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
        let unary = Fn1::ALL.iter().copied();
        let powers = [Fn1::Powi(-3), Fn1::Powi(i32::MIN), Fn1::Powi(i32::MAX)];
        for f in unary.chain(powers) {
            ops.push(Op::Unary(f, 41));
        }
        for &f in Fn2::ALL {
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
