//! Which side of each kink or pole a tensor op's elements are on: what a gradient check
//! compares between nearby points to know that a finite difference crossed one.

use super::anomaly::node_inputs;
use super::conv::{Window, im2col};
use super::pooling::planes;
use super::push::data_of;
use super::shape::walk;
use super::store::TensorOp;
use super::store::store;
use crate::real::Float;
use crate::tape::Tape;

/// Calls `side(name, value)` for every element of tensor node `ti` that has a kink or a pole,
/// with the number whose sign says which side it is on: the input of relu and abs and of a
/// negative power, `a − b` for an elementwise max or min, the divisor of `/`, and `x − max`
/// for a max reduction and for each tap of a max pool's window (0 at the maxima, so a change
/// of which element is the maximum shows).
pub(crate) fn kink_sides<T: Float>(
    tape: &Tape<T>,
    ti: u32,
    mut side: impl FnMut(&'static str, f64),
) {
    let node = &store(tape).nodes[ti as usize];
    let ins = node_inputs(tape, ti);
    let input = |j: usize| data_of(tape, ins[j]);
    let unary = |name, side: &mut dyn FnMut(&'static str, f64)| {
        input(0).0.iter().for_each(|v| side(name, v.to_f64()))
    };
    match node.op {
        TensorOp::Unary(f) => {
            if let Some(name) = f.kink() {
                unary(name, &mut side)
            }
        }
        TensorOp::Binary(f) if f.kink().is_some() => {
            let ((a, sa), (b, sb)) = (input(0), input(1));
            let out = node.shape;
            let (ta, tb) = (sa.strides_in(out), sb.strides_in(out));
            walk(out, [&ta, &tb], |_, [i, j]| {
                if let Some((name, v)) = f.kink_side(a[i].to_f64(), b[j].to_f64()) {
                    side(name, v)
                }
            });
        }
        TensorOp::Max { axes, .. } => {
            let (x, sx) = input(0);
            let ty = sx.reduced(axes, true).strides_in(sx);
            walk(sx, [&sx.strides(), &ty], |_, [i, j]| {
                side("max", (x[i] - node.data[j]).to_f64())
            });
        }
        TensorOp::MaxPool2d => {
            // The taps in im2col layout (N·C, kh·kw, L), the padding −∞ (never a maximum);
            // the output is (N·C, 1, L), one maximum per window.
            let (x, sx) = input(0);
            let win = Window::from_params(store(tape).params(ti));
            let mut cols = Vec::new();
            im2col(
                x,
                planes(sx),
                &win,
                T::from_f64(f64::NEG_INFINITY),
                &mut cols,
            );
            let l = node.data.len() / planes(sx).dim(0);
            let taps = cols.chunks_exact(win.taps() * l);
            for (tap, y) in taps.zip(node.data.chunks_exact(l)) {
                for (i, v) in tap.iter().enumerate() {
                    side("max pool", (*v - y[i % l]).to_f64());
                }
            }
        }
        _ => {}
    }
}
