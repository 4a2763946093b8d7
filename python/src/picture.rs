//! Pictures and traces of one `Value`: its graph copied alone onto a fresh tape.
//!
//! Why a copy: the thread's tape holds every value the program made, and the crate's picture
//! and trace number nodes by their position on the tape. Copying just the value's ancestors
//! gives a picture of that expression only, numbered `n0, n1, …` from its first leaf. The
//! copy re-records the same ops on the same leaf values, so every number is the same as on
//! the thread's tape (unless a leaf's `.data` was assigned after the value was computed: the
//! copy then shows the new leaf value and what it computes).

use std::collections::HashMap;

use pyo3::exceptions::PyValueError;
use tapegrad::rules::{Fn1, Fn2};
use tapegrad::trace::{Dot, Trace};
use tapegrad::{Graph, NodeView, Op, Var};

use crate::errors::{IntoPy, PyRes};
use crate::state::{V, graph};

/// Runs `f` on a fresh graph holding a copy of `root`'s graph, and the copy of `root`.
pub fn with_copy<R>(root: V, f: impl FnOnce(&Graph, Var<'_>) -> PyRes<R>) -> PyRes<R> {
    root.try_value().py()?;
    let nodes = graph().nodes();
    let index: HashMap<_, _> = nodes.iter().enumerate().map(|(i, n)| (n.key, i)).collect();
    let last = index[&root.key()];
    let mut needed = vec![false; last + 1];
    needed[last] = true;
    for i in (0..=last).rev() {
        if needed[i] {
            for k in &nodes[i].inputs {
                needed[index[k]] = true;
            }
        }
    }
    let h = Graph::new();
    let mut copies: Vec<Option<Var<'_>>> = vec![None; last + 1];
    for i in 0..=last {
        if needed[i] && !nodes[i].op.is_leaf() {
            let v = copy_op(&h, &nodes, &index, &mut copies, i)?;
            if let Some(name) = &nodes[i].name {
                h.set_name(v, name).py()?;
            }
            copies[i] = Some(v);
        }
    }
    let r = leaf_or_copy(&h, &nodes, &mut copies, last);
    f(&h, r)
}

/// The copy of node `i`: made now for a leaf (leaves are made when first used, so a constant
/// exponent, which `powf` records itself, is not drawn twice).
fn leaf_or_copy<'h>(
    h: &'h Graph,
    nodes: &[NodeView<f64>],
    copies: &mut [Option<Var<'h>>],
    i: usize,
) -> Var<'h> {
    if let Some(v) = copies[i] {
        return v;
    }
    let n = &nodes[i];
    let v = match (&n.op, &n.name) {
        (Op::Var, Some(name)) => h.var_named(name, n.value),
        (Op::Var, None) => h.var(n.value),
        (_, name) => {
            let c = h.constant(n.value);
            if let Some(name) = name {
                h.set_name(c, name)
                    .expect("naming a node just made on the same graph");
            }
            c
        }
    };
    copies[i] = Some(v);
    v
}

fn copy_op<'h>(
    h: &'h Graph,
    nodes: &[NodeView<f64>],
    index: &HashMap<tapegrad::NodeKey, usize>,
    copies: &mut [Option<Var<'h>>],
    i: usize,
) -> PyRes<Var<'h>> {
    let n = &nodes[i];
    let ins: Vec<usize> = n.inputs.iter().map(|k| index[k]).collect();
    let mut arg = |j: usize| leaf_or_copy(h, nodes, copies, ins[j]);
    let unsupported = || {
        PyValueError::new_err(format!(
            "pictures and traces cover scalar Values; this graph contains the op `{}`",
            n.op.name()
        ))
    };
    let v = match n.op {
        Op::Unary(f, _) => {
            let a = arg(0);
            match f {
                Fn1::Neg => a.try_neg(),
                Fn1::Exp => a.try_exp(),
                Fn1::Ln => a.try_ln(),
                Fn1::Tanh => a.try_tanh(),
                Fn1::Sigmoid => a.try_sigmoid(),
                Fn1::Relu => a.try_relu(),
                Fn1::Sin => a.try_sin(),
                Fn1::Cos => a.try_cos(),
                Fn1::Sqrt => a.try_sqrt(),
                Fn1::Abs => a.try_abs(),
                Fn1::Powi(k) => a.try_powi(k),
                _ => return Err(unsupported()),
            }
        }
        Op::Binary(Fn2::Powf, _, _) => arg(0).try_powf(nodes[ins[1]].value),
        Op::Binary(f, _, _) => {
            let (a, b) = (arg(0), arg(1));
            match f {
                Fn2::Add => a.try_add(b),
                Fn2::Sub => a.try_sub(b),
                Fn2::Mul => a.try_mul(b),
                Fn2::Div => a.try_div(b),
                Fn2::Max => a.try_maximum(b),
                Fn2::Min => a.try_minimum(b),
                _ => return Err(unsupported()),
            }
        }
        Op::Sum { .. } => {
            let vs: Vec<Var<'h>> = (0..ins.len()).map(arg).collect();
            h.try_sum(&vs)
        }
        _ => return Err(unsupported()),
    };
    v.py()
}

/// The picture of `root`'s graph with each node's ∂root/∂node, as SVG.
pub fn svg(root: V) -> PyRes<String> {
    with_copy(root, |h, r| {
        let grads = h.try_backward(r).py()?;
        Dot::new(h).with_grads(&grads).to_svg().py()
    })
}

/// The step-by-step backward trace of `root`, every row kept.
pub fn trace(root: V) -> PyRes<Trace> {
    with_copy(root, |h, r| Ok(Trace::try_new(h, r).py()?.with_limit(None)))
}
