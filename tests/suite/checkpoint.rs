//! Checkpointing: gradients through checkpointed segments equal the unchecked ones (scalar and
//! tensor segments, f64 and f32, several and nested segments, a node on two paths across a
//! segment boundary), second order through a checkpoint, the intermediates really leave the
//! tape, and bad use is an `Error`.

use rand::{RngExt, SeedableRng, rngs::StdRng};
use tapegrad::nn::tensor::LstmCell;
use tapegrad::transform::Checkpoints;
use tapegrad::{Error, Float, Graph, Tensor, Var};

fn close(a: &[f64], b: &[f64], tol: f64, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        let scale = x.abs().max(y.abs()).max(1.0);
        assert!((x - y).abs() <= tol * scale, "{what}[{i}]: {x} vs {y}");
    }
}

/// y = x·sin(x·z) for a scalar segment `s = sin(x·z)`, then y reads x again (x is on two
/// paths: into the segment and around it). ∂y/∂x = sin(xz) + x·z·cos(xz), ∂y/∂z = x²·cos(xz).
#[test]
fn a_scalar_segment_gives_the_hand_derivative_and_the_unchecked_gradient() {
    let g = Graph::new();
    let (x, z) = (g.var(0.7), g.var(-1.3));
    let ck = Checkpoints::new(&g);
    let s = ck
        .checkpoint_vars(&[x, z], |_, v| Ok(vec![(v[0] * v[1]).sin()]))
        .unwrap()[0];
    let y = x * s;
    let d = ck.backward(y, &[x.as_tensor(), z.as_tensor()]);
    let (xv, zv) = (0.7_f64, -1.3_f64);
    let want = [
        (xv * zv).sin() + xv * zv * (xv * zv).cos(),
        xv * xv * (xv * zv).cos(),
    ];
    close(&[d[0][0], d[1][0]], &want, 1e-15, "hand derivative");
    let plain = x * (x * z).sin();
    let grads = g.backward(plain);
    close(
        &[d[0][0], d[1][0]],
        &[grads[x], grads[z]],
        1e-12,
        "unchecked",
    );

    // A segment of 300 scalar nodes leaves one placeholder on the tape.
    let before = g.len();
    let long = ck
        .checkpoint_vars(&[x], |_, v| {
            Ok(vec![
                (0..100).fold(v[0], |a, k| (a * 0.9 + k as f64 * 0.01).tanh()),
            ])
        })
        .unwrap()[0];
    assert_eq!(g.len(), before + 1);
    let d = ck.backward(long * x, &[x.as_tensor()]).remove(0)[0];
    let plain = (0..100).fold(x, |a, k| (a * 0.9 + k as f64 * 0.01).tanh()) * x;
    close(&[d], &[g.backward(plain)[x]], 1e-12, "long scalar segment");
}

/// An LSTM over `steps` steps from parameters drawn with `seed`, the loss Σₜ Σ hₜ² / steps,
/// with a checkpoint every `every` steps (0: none). Returns the loss, the gradients of the
/// four parameters and the tape length the forward pass left.
fn lstm<T: Float>(seed: u64, steps: usize, every: usize) -> (f64, Vec<Vec<f64>>, usize) {
    let g = Graph::<T>::default();
    let mut rng = StdRng::seed_from_u64(seed);
    let cell = LstmCell::try_new(&g, 2, 3, &mut rng).unwrap();
    let xs: Vec<Tensor<'_, T>> = (0..steps)
        .map(|_| {
            let v: Vec<T> = (0..8)
                .map(|_| T::from_f64(rng.random_range(-1.0..1.0)))
                .collect();
            g.tensor_const(&v, &[4, 2])
        })
        .collect();
    let params: Vec<Tensor<'_, T>> = cell.parameters().iter().map(|p| p.1).collect();
    let ck = Checkpoints::new(&g);
    let zeros = g.zeros(&[4, 3]);
    let (mut h, mut c) = (zeros, zeros);
    let mut terms: Vec<Var<'_, T>> = Vec::new();
    let mut t = 0;
    while t < steps {
        let n = if every == 0 {
            steps - t
        } else {
            every.min(steps - t)
        };
        let chunk = xs[t..t + n].to_vec();
        let out = if every == 0 {
            steps_of(&g, cell, &chunk, &[h, c]).unwrap()
        } else {
            let gr = &g;
            ck.checkpoint(&[h, c], move |_, s| steps_of(gr, cell, &chunk, s))
                .unwrap()
        };
        (h, c) = (out[0], out[1]);
        terms.push(out[2].as_var());
        t += n;
    }
    let loss = g.sum(&terms) / T::from_f64(steps as f64);
    let len = g.len();
    let grads: Vec<Vec<f64>> = if every == 0 {
        let grads = g.backward(loss);
        params
            .iter()
            .map(|&p| grads.tensor(p).iter().map(|v| v.to_f64()).collect())
            .collect()
    } else {
        ck.backward(loss, &params)
            .into_iter()
            .map(|d| d.iter().map(|v| v.to_f64()).collect())
            .collect()
    };
    (loss.value().to_f64(), grads, len)
}

/// `xs.len()` LSTM steps from the state `s = [h, c]`: the new state and Σₜ Σ hₜ².
fn steps_of<'g, T: Float>(
    g: &'g Graph<T>,
    cell: LstmCell<'g, T>,
    xs: &[Tensor<'g, T>],
    s: &[Tensor<'g, T>],
) -> tapegrad::Result<Vec<Tensor<'g, T>>> {
    let (mut h, mut c) = (s[0], s[1]);
    let mut loss = Vec::new();
    for &x in xs {
        (h, c) = cell.try_forward(x, (h, c))?;
        loss.push(h.try_powi(2)?.try_sum()?);
    }
    Ok(vec![h, c, g.try_sum(&loss)?.as_tensor()])
}

/// Tensor segments of 1, 2, 3 and 5 steps of an LSTM over 7 steps (the last segment shorter),
/// in f64 and f32: the loss is bit for bit the same, the gradients equal, and the tape after
/// the forward pass is shorter (the segments' intermediates are freed).
#[test]
fn lstm_segments_give_the_unchecked_gradients_in_f64_and_f32() {
    let (loss, plain, plain_len) = lstm::<f64>(3, 7, 0);
    let (loss32, plain32, _) = lstm::<f32>(3, 7, 0);
    for every in [1, 2, 3, 5] {
        let (l, d, len) = lstm::<f64>(3, 7, every);
        assert_eq!(l, loss, "every {every}: the forward values are the same");
        for (i, (a, b)) in d.iter().zip(&plain).enumerate() {
            close(a, b, 1e-12, &format!("f64, every {every}, parameter {i}"));
        }
        assert!(
            len < plain_len / 2,
            "every {every}: {len} nodes vs {plain_len}"
        );
        let (l32, d32, _) = lstm::<f32>(3, 7, every);
        assert_eq!(l32, loss32);
        for (i, (a, b)) in d32.iter().zip(&plain32).enumerate() {
            close(a, b, 1e-5, &format!("f32, every {every}, parameter {i}"));
        }
    }
}

/// Two segments in a row, the second reading the first's output and also a main-tape node
/// computed from a parameter the segment reads directly too (`wt = w·2` and `w`), a nested
/// checkpoint inside the second, and the first's output used again outside both.
#[test]
fn nested_and_chained_segments_with_nodes_on_two_paths() {
    let g = Graph::new();
    let w = g.tensor(&[0.3, -0.6, 0.9, 0.2], &[2, 2]);
    let x = g.tensor(&[1.0, -0.5], &[1, 2]);
    let wt = w * 2.0; // outside every segment, read inside the second one
    let plain = || {
        let a = x.matmul(w).tanh();
        let b = (a.matmul(wt).sin() * a).matmul(w).exp();
        b.sum() + (a * a).sum() + (wt * x.matmul(w)).sum()
    };
    let ck = Checkpoints::new(&g);
    let a = ck
        .checkpoint(&[x], move |_, v| Ok(vec![v[0].matmul(w).tanh()]))
        .unwrap()[0];
    let b = ck
        .checkpoint(&[a], move |ck, v| {
            let inner = ck.checkpoint(&[v[0]], move |_, u| Ok(vec![u[0].matmul(wt).sin()]))?[0];
            Ok(vec![(inner * v[0]).matmul(w).exp()])
        })
        .unwrap()[0];
    assert_eq!(ck.len(), 2, "the nested checkpoint ran inline");
    let loss = b.sum() + (a * a).sum() + (wt * x.matmul(w)).sum();
    let want = plain();
    assert_eq!(loss.value(), want.value());
    let grads = g.backward(want);
    let d = ck.backward(loss, &[w, x]);
    close(&d[0], grads.tensor(w), 1e-12, "w");
    close(&d[1], grads.tensor(x), 1e-12, "x");
}

/// Second order: the Hessian of a scalar function through two scalar segments equals the
/// unchecked one, and a Hessian-vector product of a tensor function through a tensor segment
/// (recorded gradient, then the checkpointed backward of ⟨∇f, v⟩) equals `try_hvp_tensors`.
#[test]
fn hessians_and_hvps_through_checkpoints() {
    let g = Graph::new();
    let (x, y) = (g.var(0.4), g.var(1.1));
    let ck = Checkpoints::new(&g);
    let s = ck
        .checkpoint_vars(&[x, y], |_, v| Ok(vec![(v[0] * v[1]).sin(), v[0].exp()]))
        .unwrap();
    let t = ck
        .checkpoint_vars(&[s[0], y], |_, v| Ok(vec![v[0] * v[0] * v[1]]))
        .unwrap()[0];
    let f = t + s[1] * x;
    let h = ck.hessian(f, &[x, y]);
    let plain = {
        let s0 = (x * y).sin();
        s0 * s0 * y + x.exp() * x
    };
    let want = g.hessian(plain, &[x, y]);
    for (r, w) in h.iter().zip(&want) {
        close(r, w, 1e-12, "hessian");
    }

    let w = g.tensor(&[0.3, -0.6, 0.9, 0.2], &[2, 2]);
    let u = g.tensor_const(&[1.0, -0.5, 0.25, 2.0], &[2, 2]);
    let seg = ck
        .checkpoint(&[w], move |_, v| Ok(vec![v[0].matmul(u).tanh()]))
        .unwrap()[0];
    let loss = (seg * seg * w).sum();
    let dir = [0.5, -1.0, 2.0, 0.25];
    let grad = ck.grad_graph(loss, &[w])[0];
    let vt = g.tensor_const(&dir, &[2, 2]);
    let hv = ck.backward((grad * vt).sum(), &[w]).remove(0);
    let plain = {
        let a = w.matmul(u).tanh();
        (a * a * w).sum()
    };
    let want = g.try_hvp_tensors(plain, &[w], &[&dir]).unwrap().remove(0);
    close(&hv, &want, 1e-12, "hvp");
    close(
        &grad.to_vec(),
        g.backward(plain).tensor(w),
        1e-12,
        "recorded gradient",
    );
}

/// Bad use: a parameter changed between the forward and the backward pass, a segment rewound
/// away, an output of another graph, no outputs, a segment that fails.
#[test]
fn bad_use_is_an_error() {
    let other = Graph::new();
    let g = Graph::new();
    let w = g.tensor(&[0.5, 1.5], &[2]);
    let ck = Checkpoints::new(&g);
    let y = ck.checkpoint(&[w], |_, v| Ok(vec![v[0].exp()])).unwrap()[0];
    let loss = y.sum();
    g.try_set_tensor(w, &[0.5, 1.25]).unwrap(); // an optimizer step before the backward pass
    match ck.try_backward(loss, &[w]) {
        Err(Error::Checkpoint {
            segment: 0,
            problem,
        }) => {
            assert!(problem.contains("other values"), "{problem}")
        }
        other => panic!("{other:?}"),
    }
    g.try_set_tensor(w, &[0.5, 1.5]).unwrap();
    assert!(ck.try_backward(loss, &[w]).is_ok());

    let mark = g.mark();
    let ck2 = Checkpoints::new(&g);
    let z = ck2.checkpoint(&[w], |_, v| Ok(vec![v[0] * 2.0])).unwrap()[0];
    let _ = z;
    g.rewind(mark);
    let loss2 = w.sum();
    assert!(matches!(
        ck2.try_backward(loss2, &[w]),
        Err(Error::Checkpoint { segment: 0, .. })
    ));

    let o = other.tensor(&[1.0], &[1]);
    let err = ck.checkpoint(&[w], move |_, _| Ok(vec![o])).unwrap_err();
    assert!(matches!(err, Error::ForeignGraph { .. }), "{err:?}");
    assert!(matches!(
        ck.checkpoint(&[w], |_, _| Ok(vec![])),
        Err(Error::Invalid(_))
    ));
    let before = g.len();
    assert!(
        ck.checkpoint(&[w], |_, v| Ok(vec![v[0].try_reshape(&[3])?]))
            .is_err()
    );
    assert_eq!(
        g.len(),
        before,
        "a failing segment leaves the tape as it was"
    );
}

/// Anomaly mode sees through a checkpoint: √x at x = 0 has an infinite derivative, found by the
/// checkpointed backward pass (the recomputed segment's sweep) and by the recorded gradient.
#[test]
fn anomaly_mode_finds_an_infinite_derivative_inside_a_segment() {
    let g = Graph::new();
    let x = g.tensor(&[4.0, 0.0], &[2]);
    let ck = Checkpoints::new(&g);
    let y = ck.checkpoint(&[x], |_, v| Ok(vec![v[0].sqrt()])).unwrap()[0];
    let loss = y.sum();
    g.set_detect_anomaly(true);
    let Err(Error::Anomaly(a)) = ck.try_backward(loss, &[x]) else {
        panic!("no anomaly")
    };
    assert_eq!((a.op, a.element), ("sqrt", Some(vec![1])));
    assert!(matches!(
        ck.try_grad_graph(loss, &[x]),
        Err(Error::Anomaly(_))
    ));
    g.set_detect_anomaly(false);
    assert!(ck.backward(loss, &[x])[0][1].is_infinite());
}
