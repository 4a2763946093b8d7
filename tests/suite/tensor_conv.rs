//! conv2d, max_pool2d and avg_pool2d: gradients against central finite differences (f64) over
//! random geometries, the edge cases of stride and padding by name, values and gradients
//! against NumPy literals, Hessian-vector products through them, and their shape errors.

use crate::tensor_common;

use proptest::prelude::*;
use tapegrad::tensor::{Conv2dOptions, Pool2dOptions};
use tapegrad::{Error, Graph, Tensor};
use tensor_common::{Input, check_grad, check_hvp, data};

/// One convolution to check: input, weight and bias shapes and the options.
#[derive(Clone, Debug)]
struct ConvCase {
    x: [usize; 4],
    w: [usize; 4],
    opts: Conv2dOptions,
}

/// Sizes along one axis: kernel k, stride, padding p ≤ k − 1 (or a free p), dilation, and an
/// input size the dilated kernel fits once padded.
fn axis() -> impl Strategy<Value = (usize, usize, usize, usize, usize)> {
    (1usize..4, 1usize..5, 0usize..4, 1usize..3, 0usize..4).prop_map(|(k, s, p, d, extra)| {
        let p = p.min(k - 1);
        let ext = d * (k - 1) + 1;
        let n = ext.saturating_sub(2 * p).max(1) + extra;
        (k, s, p, d, n)
    })
}

fn conv_case() -> impl Strategy<Value = ConvCase> {
    (1usize..3, 1usize..3, 1usize..4, axis(), axis()).prop_map(
        |(n, c, o, (kh, sh, ph, dh, h), (kw, sw, pw, dw, w))| ConvCase {
            x: [n, c, h, w],
            w: [o, c, kh, kw],
            opts: Conv2dOptions {
                stride: (sh, sw),
                padding: (ph, pw),
                dilation: (dh, dw),
            },
        },
    )
}

/// Checks a convolution with and without bias.
fn check_conv(case: &ConvCase, seed: u64) {
    let ConvCase { x, w, opts } = case.clone();
    let inputs = [
        Input::new(&x, seed, -1.0, 1.0),
        Input::new(&w, seed ^ 1, -1.0, 1.0),
        Input::new(&[w[0]], seed ^ 2, -1.0, 1.0),
    ];
    check_grad(&inputs, |t: &[Tensor]| t[0].conv2d(t[1], Some(t[2]), opts));
    check_grad(&inputs[..2], |t: &[Tensor]| t[0].conv2d(t[1], None, opts));
}

/// An input with well-separated values (at least 0.05 apart, in random order), so no finite
/// difference step moves a max pool's maximum.
fn distinct(shape: &[usize], seed: u64) -> Input {
    let n: usize = shape.iter().product();
    let r = data(n, seed, 0.0, 1.0);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| r[a].total_cmp(&r[b]));
    let mut values = vec![0.0; n];
    for (rank, &i) in order.iter().enumerate() {
        values[i] = 0.05 * rank as f64 - 1.0;
    }
    Input {
        shape: shape.to_vec(),
        values,
    }
}

/// Checks both pools of one geometry.
fn check_pools(x: [usize; 4], opts: Pool2dOptions, seed: u64) {
    let inputs = [distinct(&x, seed)];
    check_grad(&inputs, |t: &[Tensor]| t[0].max_pool2d(opts));
    check_grad(&inputs, |t: &[Tensor]| t[0].avg_pool2d(opts));
}

fn pool_case() -> impl Strategy<Value = ([usize; 4], Pool2dOptions)> {
    let axis = (1usize..4, 1usize..5, 0usize..2, 0usize..4).prop_map(|(k, s, p, extra)| {
        let p = p.min(k / 2);
        (k, s, p, (k - 2 * p).max(1) + extra)
    });
    (1usize..3, 1usize..3, axis.clone(), axis).prop_map(
        |(n, c, (kh, sh, ph, h), (kw, sw, pw, w))| {
            let opts = Pool2dOptions {
                kernel: (kh, kw),
                stride: (sh, sw),
                padding: (ph, pw),
            };
            ([n, c, h, w], opts)
        },
    )
}

fn cfg() -> ProptestConfig {
    ProptestConfig {
        cases: 16,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(cfg())]

    #[test]
    fn conv2d_gradients_match_finite_differences(case in conv_case(), seed in any::<u64>()) {
        check_conv(&case, seed);
    }

    #[test]
    fn pool_gradients_match_finite_differences((x, opts) in pool_case(), seed in any::<u64>()) {
        check_pools(x, opts, seed);
    }
}

#[test]
fn conv2d_edge_cases_of_stride_and_padding() {
    let o = Conv2dOptions::default;
    let cases = [
        // stride larger than the kernel: some inputs are in no window
        ([1, 2, 7, 6], [2, 2, 2, 2], o().stride(3)),
        // padding = kernel − 1: the "full" convolution, every output overlaps the border
        ([2, 1, 3, 4], [2, 1, 3, 3], o().padding(2)),
        // 1×1 kernels: a per-pixel matrix product over channels, with and without stride
        ([2, 3, 3, 2], [4, 3, 1, 1], o()),
        ([1, 3, 5, 5], [2, 3, 1, 1], o().stride(2).padding(1)),
        // non-square kernel, input, stride, padding and dilation
        (
            [1, 2, 5, 8],
            [3, 2, 2, 3],
            Conv2dOptions {
                stride: (1, 2),
                padding: (1, 0),
                dilation: (2, 1),
            },
        ),
        // the kernel exactly as large as the padded input: one output per image
        ([2, 1, 2, 3], [1, 1, 4, 3], o().padding(1).stride(5)),
    ];
    for (k, (x, w, opts)) in cases.into_iter().enumerate() {
        check_conv(&ConvCase { x, w, opts }, 40 + k as u64);
    }
}

#[test]
fn pool_edge_cases_of_stride_and_padding() {
    let p = Pool2dOptions::new;
    let cases = [
        ([1, 2, 7, 7], p(2).stride(3)),            // stride > kernel
        ([2, 1, 4, 5], p(3).stride(1).padding(1)), // overlapping, padded
        ([1, 1, 3, 3], p(1)),                      // 1×1: the identity
        ([1, 1, 2, 2], p(3).stride(2).padding(1)), // kernel > input, fits once padded
        (
            [1, 2, 5, 6],
            Pool2dOptions {
                kernel: (2, 3),
                stride: (1, 2),
                padding: (1, 1),
            },
        ),
    ];
    for (k, (x, opts)) in cases.into_iter().enumerate() {
        check_pools(x, opts, 60 + k as u64);
    }
}

#[test]
fn max_pool_ties_split_the_gradient_as_the_max_reduction() {
    // One 2×2 window of four equal values and one with two tied maxima: 1/4 and 1/2 each, as
    // `amax` gives for the same groups.
    let g = Graph::new();
    let v = [1.0, 1.0, 3.0, 0.0, 1.0, 1.0, 3.0, 2.0];
    let x = g.tensor(&v, &[1, 1, 2, 4]);
    let gp = g.backward(x.max_pool2d(Pool2dOptions::new(2)).sum());
    assert_eq!(gp.tensor(x), &[0.25, 0.25, 0.5, 0.0, 0.25, 0.25, 0.5, 0.0]);
    let groups = x
        .reshape(&[2, 2, 2])
        .permute(&[1, 0, 2])
        .amax(&[1, 2], false);
    let gm = g.backward(groups.sum());
    assert_eq!(gp.tensor(x), gm.tensor(x));
}

#[test]
fn overlapping_max_windows_add_their_contributions() {
    // 1×3 input, kernel 1×2, stride 1: windows [0, 1] and [1, 2] share the maximum 5.
    let g = Graph::new();
    let x = g.tensor(&[1.0, 5.0, 2.0], &[1, 1, 1, 3]);
    let opts = Pool2dOptions {
        kernel: (1, 2),
        stride: (1, 1),
        padding: (0, 0),
    };
    let y = x.max_pool2d(opts);
    assert_eq!(y.to_vec(), vec![5.0, 5.0]);
    assert_eq!(g.backward(y.sum()).tensor(x), &[0.0, 2.0, 0.0]);
}

#[test]
fn max_pool_never_picks_the_padding() {
    let g = Graph::new();
    let x = g.tensor(&[-3.0, -1.0, -2.0, -4.0], &[1, 1, 2, 2]);
    let y = x.max_pool2d(Pool2dOptions::new(2).stride(1).padding(1));
    assert_eq!(
        y.to_vec(),
        vec![-3.0, -1.0, -1.0, -2.0, -1.0, -1.0, -2.0, -2.0, -4.0]
    );
    // The average counts the padding as zeros: the corner window holds one input of four.
    let a = x.avg_pool2d(Pool2dOptions::new(2).stride(1).padding(1));
    assert_eq!(a.value_at(&[0, 0, 0, 0]), -0.75);
}

#[test]
fn hvp_through_convolutions_and_pools() {
    // f(x, w, b) = Σ tanh(conv(x, w) + b)²: bilinear in (x, w), so H has cross terms.
    let inputs = [
        Input::new(&[2, 2, 5, 4], 1, -1.0, 1.0),
        Input::new(&[3, 2, 3, 2], 2, -0.5, 0.5),
        Input::new(&[3], 3, -0.5, 0.5),
    ];
    let opts = Conv2dOptions::default().stride(2).padding(1);
    check_hvp(&inputs, |t: &[Tensor]| {
        t[0].conv2d(t[1], Some(t[2]), opts).tanh().powi(2).sum()
    });
    // A second convolution after each pool: the recorded im2col / col2im differentiated again.
    let inputs = [
        distinct(&[1, 2, 6, 6], 4),
        Input::new(&[2, 2, 2, 2], 5, -0.5, 0.5),
    ];
    for max in [true, false] {
        check_hvp(&inputs, |t: &[Tensor]| {
            let p = Pool2dOptions::new(2);
            let pooled = if max {
                t[0].max_pool2d(p)
            } else {
                t[0].avg_pool2d(p)
            };
            let y = pooled.conv2d(t[1], None, Conv2dOptions::default().padding(1));
            (y.sin() * pooled.sum()).sum()
        });
    }
}

#[test]
fn conv2d_in_f32_agrees_with_f64() {
    let (xv, wv) = (
        data(2 * 3 * 6 * 5, 7, -1.0, 1.0),
        data(4 * 3 * 3 * 3, 8, -1.0, 1.0),
    );
    let opts = Conv2dOptions::default().padding(1);
    let g = Graph::new();
    let (x, w) = (g.tensor(&xv, &[2, 3, 6, 5]), g.tensor(&wv, &[4, 3, 3, 3]));
    let y = x.conv2d(w, None, opts);
    let dw = g.backward((y * y).sum()).tensor(w).to_vec();
    let g32 = Graph::<f32>::default();
    let f32s = |v: &[f64]| v.iter().map(|&a| a as f32).collect::<Vec<_>>();
    let x32 = g32.tensor(&f32s(&xv), &[2, 3, 6, 5]);
    let w32 = g32.tensor(&f32s(&wv), &[4, 3, 3, 3]);
    let y32 = x32.conv2d(w32, None, opts);
    let dw32 = g32.backward((y32 * y32).sum()).tensor(w32).to_vec();
    for (a, b) in y.to_vec().iter().zip(y32.to_vec()) {
        assert!((a - b as f64).abs() < 1e-4, "{a} vs {b}");
    }
    for (a, b) in dw.iter().zip(dw32) {
        assert!((a - b as f64).abs() < 1e-3 * (1.0 + a.abs()), "{a} vs {b}");
    }
}

fn shape(op: &'static str, lhs: &[usize], rhs: &[usize]) -> Error {
    Error::Shape {
        op,
        lhs: lhs.to_vec(),
        rhs: rhs.to_vec(),
    }
}

fn invalid(e: Error) -> String {
    match e {
        Error::Invalid(m) => m,
        e => panic!("expected Error::Invalid, got {e:?}"),
    }
}

#[test]
fn conv2d_shape_errors_name_the_shapes() {
    let g = Graph::new();
    let x = g.zeros(&[1, 2, 5, 5]);
    let d = Conv2dOptions::default();
    let conv = |x: Tensor, w: &[usize], b: Option<&[usize]>| {
        x.try_conv2d(g.zeros(w), b.map(|b| g.zeros(b)), d)
            .unwrap_err()
    };
    // rank 3 input, rank 2 weight, channels that differ, a bias of the wrong length
    assert_eq!(
        conv(g.zeros(&[2, 5, 5]), &[3, 2, 3, 3], None),
        shape("conv2d", &[2, 5, 5], &[3, 2, 3, 3])
    );
    assert_eq!(
        conv(x, &[3, 18], None),
        shape("conv2d", &[3, 18], &[1, 2, 5, 5])
    );
    assert_eq!(
        conv(x, &[3, 1, 3, 3], None),
        shape("conv2d", &[1, 2, 5, 5], &[3, 1, 3, 3])
    );
    assert_eq!(
        conv(x, &[3, 2, 3, 3], Some(&[2])),
        shape("conv2d", &[2], &[3])
    );
    assert_eq!(
        conv(g.zeros(&[0, 2, 5, 5]), &[3, 2, 3, 3], None),
        shape("conv2d", &[0, 2, 5, 5], &[3, 2, 3, 3])
    );
    let w = g.zeros(&[3, 2, 3, 3]);
    let m = invalid(x.try_conv2d(w, None, d.stride(0)).unwrap_err());
    assert!(m.contains("stride must be at least 1"), "{m}");
    let m = invalid(x.try_conv2d(w, None, d.dilation(0)).unwrap_err());
    assert!(m.contains("dilation must be at least 1"), "{m}");
    // a 3×3 kernel dilated by 3 spans 7×7 > 5×5, and fits once padded by 1 (7×7)
    let m = invalid(x.try_conv2d(w, None, d.dilation(3)).unwrap_err());
    assert!(
        m.contains("kernel 3×3 (7×7 dilated) is larger than the input 5×5;"),
        "{m}"
    );
    assert!(x.try_conv2d(w, None, d.dilation(3).padding(1)).is_ok());
    let m = invalid(x.try_conv2d(w, None, d.dilation(4).padding(1)).unwrap_err());
    assert!(
        m.contains("(9×9 dilated) is larger than the input 5×5 (7×7 padded)"),
        "{m}"
    );
}

#[test]
fn pool_errors() {
    let g = Graph::new();
    let x = g.zeros(&[1, 1, 4, 4]);
    assert_eq!(
        g.zeros(&[4, 4])
            .try_max_pool2d(Pool2dOptions::new(2))
            .unwrap_err(),
        shape("max_pool2d", &[4, 4], &[2, 2])
    );
    let m = invalid(x.try_avg_pool2d(Pool2dOptions::new(0)).unwrap_err());
    assert!(m.contains("kernel must be at least 1"), "{m}");
    let m = invalid(
        x.try_max_pool2d(Pool2dOptions::new(2).stride(0))
            .unwrap_err(),
    );
    assert!(m.contains("stride must be at least 1"), "{m}");
    let m = invalid(x.try_max_pool2d(Pool2dOptions::new(5)).unwrap_err());
    assert!(m.contains("larger than the input"), "{m}");
    let m = invalid(
        x.try_max_pool2d(Pool2dOptions::new(2).padding(2))
            .unwrap_err(),
    );
    assert!(m.contains("at most half the kernel"), "{m}");
}

#[test]
#[should_panic(expected = "shape mismatch in `conv2d`: [1, 2, 5, 5] vs [3, 1, 3, 3]")]
fn conv2d_panics_with_the_same_message() {
    let g = Graph::new();
    g.zeros(&[1, 2, 5, 5])
        .conv2d(g.zeros(&[3, 1, 3, 3]), None, Conv2dOptions::default());
}

#[test]
#[should_panic(expected = "`max_pool2d`: the kernel 5×5 is larger than the input 4×4;")]
fn max_pool2d_panics_with_the_same_message() {
    let g = Graph::new();
    g.zeros(&[1, 1, 4, 4]).max_pool2d(Pool2dOptions::new(5));
}

#[test]
fn cnn_gradient_matches_finite_differences_of_its_loss() {
    use rand::{SeedableRng, rngs::StdRng};
    use tapegrad::nn::Init;
    use tapegrad::nn::scalar::Activation;
    use tapegrad::nn::tensor::{AvgPool2d, Cnn, Conv2d, Layer2d, MaxPool2d, Mlp};
    use tapegrad::nn::train::{Loss, Trainable};

    let g = Graph::new();
    let mut rng = StdRng::seed_from_u64(3);
    let conv = Conv2d::new(
        &g,
        1,
        2,
        3,
        Conv2dOptions::default().padding(1),
        Activation::Tanh,
        Init::XavierUniform,
        &mut rng,
    );
    let features = vec![
        Layer2d::Conv(conv),
        Layer2d::MaxPool(MaxPool2d(Pool2dOptions::new(2).stride(1))),
        Layer2d::AvgPool(AvgPool2d(Pool2dOptions::new(2))),
    ];
    // 5×5 → conv (padding 1) 5×5 → max pool 2, stride 1: 4×4 → average pool 2: 2×2, 2 channels
    let head = Mlp::new(
        &g,
        &[8, 3],
        Activation::Tanh,
        Activation::Linear,
        Init::XavierUniform,
        &mut rng,
    );
    let mut cnn = Cnn::new([1, 5, 5], features, head);
    assert_eq!(cnn.tensors()[0].name, "features.0.weight");
    assert_eq!(cnn.tensors()[2].name, "layers.0.weight");
    let x = data(2 * 25, 11, -1.0, 1.0);
    let y = [0.0, 2.0];
    let loss = Loss::CrossEntropy;
    cnn.loss_and_grad(&x, &y, loss).unwrap();
    let mut analytic = Vec::new();
    cnn.update_params(&mut |p| {
        analytic.extend_from_slice(p.grads);
        Ok(())
    })
    .unwrap();
    let base = cnn.flat_values();
    assert_eq!(analytic.len(), base.len());
    let h = 1e-6;
    for k in 0..base.len() {
        let mut at = |d: f64| {
            let mut v = base.clone();
            v[k] += d;
            cnn.set_flat_values(&v).unwrap();
            cnn.loss_and_grad(&x, &y, loss).unwrap()
        };
        let fd = (at(h) - at(-h)) / (2.0 * h);
        let a = analytic[k];
        assert!(
            (a - fd).abs() <= 1e-6 * (1.0 + a.abs()),
            "parameter {k}: {a} vs {fd}"
        );
    }
    assert_eq!(g.len(), 4); // only the four parameter leaves stay on the tape
    // A head that does not read the flattened features is a shape error.
    let head = Mlp::new(
        &g,
        &[3, 3],
        Activation::Tanh,
        Activation::Linear,
        Init::XavierUniform,
        &mut rng,
    );
    let pool = Layer2d::AvgPool(AvgPool2d(Pool2dOptions::new(5)));
    assert_eq!(
        Cnn::try_new([1, 5, 5], vec![pool], head).unwrap_err(),
        Error::Shape {
            op: "Cnn::new",
            lhs: vec![1],
            rhs: vec![3]
        }
    );
}
