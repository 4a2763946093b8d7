//! Every tensor op's gradient against central finite differences (f64), over random shapes
//! including broadcasting; each case also checks the recorded gradient (`grad_graph_tensors`)
//! against the numeric one.

use crate::tensor_common;

use proptest::prelude::*;
use tapegrad::{Slice, Tensor};
use tensor_common::{Input, check_grad};

fn shape() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(1usize..4, 1..=3)
}

/// A shape and another that broadcasts with it: some dimensions set to 1, maybe fewer axes.
fn broadcast_pair() -> impl Strategy<Value = (Vec<usize>, Vec<usize>)> {
    (shape(), any::<u8>(), 0usize..3).prop_map(|(a, ones, drop)| {
        let mut b: Vec<usize> = a
            .iter()
            .enumerate()
            .map(|(i, &d)| if ones & (1 << i) != 0 { 1 } else { d })
            .collect();
        let drop = drop.min(b.len() - 1);
        b.drain(..drop);
        if ones & 0x80 != 0 { (b, a) } else { (a, b) }
    })
}

fn cfg() -> ProptestConfig {
    ProptestConfig {
        cases: 12,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(cfg())]

    #[test]
    fn unary_functions(s in shape(), seed in any::<u64>()) {
        let x = [Input::new(&s, seed, -2.0, 2.0)];
        check_grad(&x, |t| t[0].exp());
        check_grad(&x, |t| t[0].tanh());
        check_grad(&x, |t| t[0].sigmoid());
        check_grad(&x, |t| t[0].sin());
        check_grad(&x, |t| t[0].cos());
        check_grad(&x, |t| -t[0]);
        check_grad(&x, |t| t[0].powi(3));
        check_grad(&x, |t| t[0].relu());
        check_grad(&x, |t| t[0].abs());
        let pos = [Input::new(&s, seed, 0.5, 3.0)];
        check_grad(&pos, |t| t[0].ln());
        check_grad(&pos, |t| t[0].sqrt());
        check_grad(&pos, |t| t[0].powf(1.5));
        check_grad(&pos, |t| t[0].powi(-2));
    }

    #[test]
    fn binary_ops_broadcast((sa, sb) in broadcast_pair(), seed in any::<u64>()) {
        let ab = [Input::new(&sa, seed, -2.0, 2.0), Input::new(&sb, seed ^ 1, -2.0, 2.0)];
        check_grad(&ab, |t| t[0] + t[1]);
        check_grad(&ab, |t| t[0] - t[1]);
        check_grad(&ab, |t| t[0] * t[1]);
        check_grad(&ab, |t| t[0].maximum(t[1]));
        check_grad(&ab, |t| t[0].minimum(t[1]));
        let den = [Input::new(&sa, seed, -2.0, 2.0), Input::new(&sb, seed ^ 1, 0.5, 2.0)];
        check_grad(&den, |t| t[0] / t[1]);
    }

    #[test]
    fn scalar_times_tensor(s in shape(), seed in any::<u64>()) {
        let xs = [Input::new(&s, seed, -2.0, 2.0), Input::new(&[], seed ^ 3, 0.5, 2.0)];
        check_grad(&xs, |t| t[0] * t[1].as_var());
        check_grad(&xs, |t| t[1].as_var() - t[0]);
        check_grad(&xs, |t| t[0] / t[1].as_var() + 2.0);
        check_grad(&xs, |t| 3.0 * t[0] * t[1].as_var().exp());
    }

    #[test]
    fn reductions(s in shape(), seed in any::<u64>(), axis_bits in any::<u8>(), keep in any::<bool>()) {
        let r = s.len() as isize;
        let axes: Vec<isize> = (0..r).filter(|a| axis_bits & (1 << a) != 0)
            .map(|a| if axis_bits & 0x80 != 0 { a - r } else { a }).collect();
        let x = [Input::new(&s, seed, -2.0, 2.0)];
        check_grad(&x, |t| t[0].sum_axes(&axes, keep));
        check_grad(&x, |t| t[0].mean_axes(&axes, keep));
        check_grad(&x, |t| t[0].amax(&axes, keep));
        check_grad(&x, |t| t[0].sum().as_tensor() * t[0]);
        check_grad(&x, |t| t[0].mean().as_tensor());
        check_grad(&x, |t| t[0].max().as_tensor());
    }

    #[test]
    fn matmul_2d_and_batched(m in 1usize..4, k in 1usize..4, n in 1usize..4, b in 1usize..3, seed in any::<u64>()) {
        let two = [Input::new(&[m, k], seed, -1.0, 1.0), Input::new(&[k, n], seed ^ 5, -1.0, 1.0)];
        check_grad(&two, |t| t[0].matmul(t[1]));
        let batched = [Input::new(&[b, m, k], seed, -1.0, 1.0), Input::new(&[k, n], seed ^ 5, -1.0, 1.0)];
        check_grad(&batched, |t| t[0].matmul(t[1]));
        let both = [Input::new(&[2, 1, m, k], seed, -1.0, 1.0), Input::new(&[b, k, n], seed ^ 7, -1.0, 1.0)];
        check_grad(&both, |t| t[0].matmul(t[1]));
        check_grad(&two, |t| t[1].transpose(0, 1).matmul(t[0].transpose(-1, -2)));
        // NumPy's 1-D operands: (k,) @ (k, n), (m, k) @ (k,), (k,) @ (k,), (k,) @ (b, k, n).
        let (v, w) = (Input::new(&[k], seed ^ 11, -1.0, 1.0), Input::new(&[k], seed ^ 13, -1.0, 1.0));
        check_grad(&[v.clone(), two[1].clone()], |t| t[0].matmul(t[1]));
        check_grad(&[two[0].clone(), v.clone()], |t| t[0].matmul(t[1]));
        check_grad(&[v.clone(), w], |t| t[0].matmul(t[1]));
        check_grad(&[v, Input::new(&[b, k, n], seed ^ 17, -1.0, 1.0)], |t| t[0].matmul(t[1]));
    }

    #[test]
    fn strided_slices(s in shape(), seed in any::<u64>(), bounds in prop::collection::vec((-4isize..5, -4isize..5, 1isize..4, any::<bool>()), 3)) {
        let x = [Input::new(&s, seed, -2.0, 2.0)];
        let spec: Vec<Slice> = bounds.iter().take(s.len()).map(|&(a, b, k, back)| {
            Slice::new(Some(a), Some(b), if back { -k } else { k })
        }).collect();
        check_grad(&x, |t| t[0].slice(&spec));
        check_grad(&x, |t| t[0].slice(&[Slice::from(..).step(-1)]) * t[0]);
    }

    #[test]
    fn take_along_any_axis(s in shape(), seed in any::<u64>(), axis in 0usize..3, k in 1usize..4) {
        let axis = axis.min(s.len() - 1);
        let mut is = s.clone();
        is[axis] = k;
        let n: usize = is.iter().product();
        // Repeated indices on purpose: their gradients must add up.
        let idx: Vec<usize> = (0..n).map(|i| (i * 5 + seed as usize % 7) % s[axis]).collect();
        let x = [Input::new(&s, seed, -2.0, 2.0)];
        check_grad(&x, |t| t[0].take_along_axis(&idx, &is, axis as isize));
        check_grad(&x, |t| t[0].tanh().take_along_axis(&idx, &is, axis as isize - s.len() as isize).exp());
    }

    #[test]
    fn movement(s in shape(), seed in any::<u64>()) {
        let x = [Input::new(&s, seed, -2.0, 2.0)];
        let n: usize = s.iter().product();
        check_grad(&x, |t| t[0].reshape(&[n]));
        let rev: Vec<isize> = (0..s.len() as isize).rev().collect();
        check_grad(&x, |t| t[0].permute(&rev));
        let mut big = vec![2];
        big.extend(&s);
        check_grad(&x, |t| t[0].broadcast_to(&big));
        let last = s.len() - 1;
        check_grad(&x, |t| t[0].sum_to(&s[last..]));
        let d = s[0];
        check_grad(&x, |t| t[0].narrow(0, d / 2, d - d / 2));
        check_grad(&x, |t| t[0].index(0, d - 1));
        check_grad(&x, |t| t[0].softmax(-1));
        check_grad(&x, |t| t[0].log_softmax(0));
    }

    #[test]
    fn concat_gather_where(s in shape(), seed in any::<u64>()) {
        let mut s2 = s.clone();
        s2[0] += 1;
        let xs = [Input::new(&s, seed, -2.0, 2.0), Input::new(&s2, seed ^ 9, -2.0, 2.0)];
        check_grad(&xs, |t| t[0].graph().concat(&[t[0], t[1], t[0]], 0));
        let c = *s.last().unwrap();
        let rows: usize = s[..s.len() - 1].iter().product();
        let labels: Vec<usize> = (0..rows).map(|r| (r * 7 + seed as usize) % c).collect();
        let x = [Input::new(&s, seed, -2.0, 2.0)];
        let mut is = s.clone();
        *is.last_mut().unwrap() = 1;
        check_grad(&x, |t| t[0].log_softmax(-1).take_along_axis(&labels, &is, -1));
        let mask: Vec<f64> = tensor_common::data(s.iter().product(), seed, -1.0, 1.0)
            .into_iter().map(|v| if v > 0.0 { 1.0 } else { 0.0 }).collect();
        let ab = [Input::new(&s, seed, -2.0, 2.0), Input::new(&s[1..], seed ^ 2, -2.0, 2.0)];
        check_grad(&ab, |t: &[Tensor]| {
            let m = t[0].graph().tensor_const(&mask, &s);
            m.select(t[0].exp(), t[1] * 2.0)
        });
    }
}

#[test]
fn literal_broadcast_cases_from_the_issue() {
    // (3,1) × (1,4) and (2,3,4) + (4,).
    let ab = [
        Input::new(&[3, 1], 1, -2.0, 2.0),
        Input::new(&[1, 4], 2, -2.0, 2.0),
    ];
    check_grad(&ab, |t| t[0] * t[1]);
    let cd = [
        Input::new(&[2, 3, 4], 3, -2.0, 2.0),
        Input::new(&[4], 4, -2.0, 2.0),
    ];
    check_grad(&cd, |t| t[0] + t[1]);
    check_grad(&cd, |t| (t[0] * t[1]).tanh());
}
