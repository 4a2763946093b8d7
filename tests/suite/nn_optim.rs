//! Each optimizer: two steps against numbers worked out by hand from PyTorch's documented
//! update rules (the arithmetic for θ₀ is in the comments; both coordinates were recomputed with
//! the same formulas in plain Python). Plus slicing, errors and gradient clipping.
//!
//! Every case starts at θ = [1, −2] and sees the gradients g¹ = [0.5, −0.3], then
//! g² = [−0.2, 0.4].

use tapegrad::Error;
use tapegrad::nn::clip::{clip_grad_norm, clip_grad_value, grad_norm};
use tapegrad::nn::optim::{Adagrad, Adam, AdamW, Optimizer, RmsProp, Sgd};

const G1: [f64; 2] = [0.5, -0.3];
const G2: [f64; 2] = [-0.2, 0.4];

/// Runs two steps and compares θ after each with the expected values.
fn two_steps(opt: &mut impl Optimizer<f64>, after1: [f64; 2], after2: [f64; 2]) {
    let mut theta = [1.0, -2.0];
    opt.step(&mut theta, &G1);
    assert_eq!(opt.steps(), 1);
    for (a, e) in theta.iter().zip(after1) {
        assert!(
            (a - e).abs() < 1e-12,
            "step 1: got {theta:?}, expected {after1:?}"
        );
    }
    opt.step(&mut theta, &G2);
    for (a, e) in theta.iter().zip(after2) {
        assert!(
            (a - e).abs() < 1e-12,
            "step 2: got {theta:?}, expected {after2:?}"
        );
    }
}

#[test]
fn sgd_plain() {
    // θ₀: 1 − 0.1·0.5 = 0.95;  0.95 − 0.1·(−0.2) = 0.97
    two_steps(&mut Sgd::new(0.1), [0.95, -1.97], [0.97, -2.01]);
}

#[test]
fn sgd_momentum_dampening_weight_decay() {
    // γ = 0.1, μ = 0.9, τ = 0.1, λ = 0.01.
    // step 1: d = 0.5 + 0.01·1 = 0.51; b = d = 0.51 (first step: no dampening);
    //         θ = 1 − 0.1·0.51 = 0.949
    // step 2: d = −0.2 + 0.01·0.949 = −0.19051; b = 0.9·0.51 + 0.9·(−0.19051) = 0.287541;
    //         θ = 0.949 − 0.1·0.287541 = 0.9202459
    let mut opt = Sgd::new(0.1)
        .momentum(0.9)
        .dampening(0.1)
        .weight_decay(0.01);
    two_steps(&mut opt, [0.949, -1.968], [0.9202459, -1.9734288]);
}

#[test]
fn sgd_nesterov() {
    // γ = 0.1, μ = 0.9.
    // step 1: b = 0.5; d = 0.5 + 0.9·0.5 = 0.95; θ = 1 − 0.095 = 0.905
    // step 2: b = 0.9·0.5 − 0.2 = 0.25; d = −0.2 + 0.9·0.25 = 0.025; θ = 0.905 − 0.0025 = 0.9025
    let mut opt = Sgd::new(0.1).momentum(0.9).nesterov(true);
    two_steps(&mut opt, [0.905, -1.943], [0.9025, -1.9947]);
}

#[test]
fn adagrad() {
    // γ = 0.1, lr_decay η = 0.5, λ = 0.1, s₀ = 0.1, ε = 1e-10.
    // step 1: d = 0.5 + 0.1·1 = 0.6; s = 0.1 + 0.36 = 0.46; γ̃ = 0.1;
    //         θ = 1 − 0.1·0.6/√0.46 = 1 − 0.0884652 = 0.9115348
    // step 2: d = −0.2 + 0.1·0.9115348 = −0.1088465; s = 0.46 + 0.0118476 = 0.4718476;
    //         γ̃ = 0.1/(1 + 0.5) = 0.0666667; θ = 0.9115348 + 0.0666667·0.1088465/0.6869116
    //         = 0.9220987
    let mut opt = Adagrad::new(0.1)
        .lr_decay(0.5)
        .weight_decay(0.1)
        .initial_accumulator_value(0.1);
    two_steps(
        &mut opt,
        [0.9115348263201052, -1.915484574541434],
        [0.9220986810442724, -1.9376393804847523],
    );
}

#[test]
fn rmsprop() {
    // γ = 0.01, α = 0.99, ε = 1e-8.
    // step 1: v = 0.01·0.25 = 0.0025; θ = 1 − 0.01·0.5/(0.05 + 1e-8) = 0.90000002
    // step 2: v = 0.99·0.0025 + 0.01·0.04 = 0.002875; √v = 0.0536190;
    //         θ = 0.90000002 + 0.01·0.2/0.0536190 = 0.9373002
    two_steps(
        &mut RmsProp::new(0.01),
        [0.900000019999996, -1.9000000333333222],
        [0.9373002053730881, -1.9801444072456034],
    );
}

#[test]
fn rmsprop_centered_momentum_weight_decay() {
    // γ = 0.01, α = 0.9, λ = 0.1, μ = 0.9, centered.
    // step 1: d = 0.6; v = 0.1·0.36 = 0.036; ḡ = 0.1·0.6 = 0.06; ṽ = 0.036 − 0.0036 = 0.0324;
    //         b = 0.6/(0.18 + 1e-8) = 3.3333331; θ = 1 − 0.01·3.3333331 = 0.9666667
    // step 2: d = −0.2 + 0.0966667 = −0.1033333; v = 0.0324 + 0.1·0.0106778 = 0.0334778;
    //         ḡ = 0.054 − 0.0103333 = 0.0436667; ṽ = 0.0334778 − 0.0019068 = 0.0315710;
    //         b = 0.9·3.3333331 − 0.1033333/0.1776823 = 2.4184359; θ = 0.9666667 − 0.0241844
    //         = 0.9424823
    let mut opt = RmsProp::new(0.01)
        .alpha(0.9)
        .weight_decay(0.1)
        .momentum(0.9)
        .centered(true);
    two_steps(
        &mut opt,
        [0.9666666685185185, -1.9666666688888887],
        [0.942483214434188, -1.9492705677387459],
    );
}

#[test]
fn adam() {
    // γ = 0.1, β = (0.9, 0.999), ε = 1e-8.
    // step 1: m = 0.05, v = 0.00025; m̂ = 0.05/0.1 = 0.5, v̂ = 0.00025/0.001 = 0.25;
    //         θ = 1 − 0.1·0.5/(0.5 + 1e-8) = 0.900000002
    // step 2: m = 0.045 − 0.02 = 0.025; v = 0.00024975 + 0.00004 = 0.00028975;
    //         m̂ = 0.025/0.19 = 0.1315789; v̂ = 0.00028975/0.001999 = 0.1449475 (√ = 0.3807197);
    //         θ = 0.900000002 − 0.1·0.1315789/0.3807197 = 0.8654394
    two_steps(
        &mut Adam::new(0.1),
        [0.900000002, -1.9000000033333333],
        [0.8654394181165108, -1.9193510436996908],
    );
}

#[test]
fn adam_amsgrad_weight_decay() {
    // γ = 0.1, β = (0.8, 0.9), λ = 0.1 (L2, in the gradient), AMSGrad.
    // step 1: d = 0.6; m = 0.12; v = 0.036 = v_max; m̂ = 0.6, v̂ = 0.36; θ = 1 − 0.1·0.6/0.6 = 0.9
    // step 2: d = −0.2 + 0.09 = −0.11; m = 0.096 − 0.022 = 0.074; v = 0.0324 + 0.00121 = 0.03361,
    //         v_max stays 0.036; m̂ = 0.074/0.36 = 0.2055556; v̂ = 0.036/0.19 = 0.1894737
    //         (√ = 0.4352858); θ = 0.9 − 0.1·0.2055556/0.4352858 = 0.8527769
    let mut opt = Adam::new(0.1)
        .betas(0.8, 0.9)
        .weight_decay(0.1)
        .amsgrad(true);
    two_steps(
        &mut opt,
        [0.9000000016666666, -1.900000002],
        [0.8527768727462587, -1.871952057691121],
    );
}

#[test]
fn adamw() {
    // γ = 0.1, λ = 0.1 (decoupled): θ ← θ(1 − 0.01) first, then Adam's step.
    // step 1: θ = 0.99 − 0.1·0.5/(0.5 + 1e-8) = 0.890000002
    // step 2: θ = 0.890000002·0.99 − 0.0345606 (as in `adam`) = 0.8465394
    two_steps(
        &mut AdamW::new(0.1).weight_decay(0.1),
        [0.890000002, -1.8800000033333333],
        [0.8465394180965108, -1.8805510436663575],
    );
}

#[test]
fn pytorch_defaults() {
    let sgd = Sgd::<f64>::default();
    assert_eq!(
        (sgd.lr, sgd.momentum, sgd.dampening, sgd.weight_decay),
        (1e-3, 0.0, 0.0, 0.0)
    );
    let ada = Adagrad::<f64>::default();
    assert_eq!((ada.lr, ada.lr_decay, ada.eps), (1e-2, 0.0, 1e-10));
    let rms = RmsProp::<f64>::default();
    assert_eq!(
        (rms.lr, rms.alpha, rms.eps, rms.centered),
        (1e-2, 0.99, 1e-8, false)
    );
    let adam = Adam::<f64>::default();
    assert_eq!(
        (adam.lr, adam.betas, adam.eps, adam.weight_decay),
        (1e-3, (0.9, 0.999), 1e-8, 0.0)
    );
    let adamw = AdamW::<f64>::default();
    assert_eq!((adamw.inner().lr, adamw.inner().weight_decay), (1e-3, 1e-2));
}

/// Updating a flat vector slice by slice (as tensor parameters will) equals one whole step.
#[test]
fn slices_equal_whole_vector() {
    let grads = [[0.5, -0.3, 0.1, 2.0, -1.0], [-0.2, 0.4, 0.0, 1.0, 3.0]];
    let mut whole = [1.0, -2.0, 0.5, 0.25, 3.0];
    let mut parts = whole;
    let mut a = Adam::new(0.05).weight_decay(0.01);
    let mut b = a.clone();
    for g in grads {
        a.step(&mut whole, &g);
        b.try_begin_step(5).unwrap();
        let (p1, p2) = parts.split_at_mut(2);
        b.try_update(2, p2, &g[2..]).unwrap(); // any order
        b.try_update(0, p1, &g[..2]).unwrap();
    }
    assert_eq!(whole, parts);
}

/// A long vector (updated on two threads) gets exactly the update its short slices (one
/// thread each) get, with AMSGrad and with decoupled weight decay too.
#[test]
fn long_vectors_equal_short_slices() {
    let n = 100_003;
    let theta: Vec<f64> = (0..n)
        .map(|i| ((i * 7919) % 1000) as f64 / 250.0 - 2.0)
        .collect();
    let grad = |step: usize| -> Vec<f64> {
        (0..n)
            .map(|i| (((i + step) * 104_729) % 997) as f64 / 500.0 - 1.0)
            .collect()
    };
    fn run<O: Optimizer<f64> + Clone>(mut opt: O, theta: &[f64], grad: &dyn Fn(usize) -> Vec<f64>) {
        let (mut whole, mut parts) = (theta.to_vec(), theta.to_vec());
        let mut sliced = opt.clone();
        for step in 0..3 {
            let g = grad(step);
            opt.step(&mut whole, &g);
            sliced.try_begin_step(g.len()).unwrap();
            for (k, (p, gs)) in parts.chunks_mut(1000).zip(g.chunks(1000)).enumerate() {
                sliced.try_update(k * 1000, p, gs).unwrap();
            }
        }
        assert_eq!(whole, parts);
        assert_ne!(whole, theta);
    }
    run(Adam::new(0.01), &theta, &grad);
    run(
        Adam::new(0.01).amsgrad(true).weight_decay(0.1),
        &theta,
        &grad,
    );
    run(AdamW::new(0.01).weight_decay(0.1), &theta, &grad);
}

#[test]
fn f32_parameters() {
    let mut theta = [1.0f32, -2.0];
    let mut opt = Adam::<f32>::new(0.1);
    opt.step(&mut theta, &[0.5, -0.3]);
    assert!((theta[0] - 0.9).abs() < 1e-6);
}

#[test]
fn errors_are_clear() {
    let mut opt = Sgd::new(0.1).momentum(0.9);
    let mut theta = [1.0, 2.0];
    // Lengths of values and gradients differ.
    let err = opt.try_step(&mut theta, &[1.0]).unwrap_err();
    assert!(matches!(err, Error::Shape { .. }), "{err}");
    // A different length from the first step's.
    let mut opt = Sgd::new(0.1).momentum(0.9);
    opt.step(&mut theta, &[1.0, 1.0]);
    let err = opt.try_step(&mut [1.0], &[1.0]).unwrap_err();
    assert!(matches!(err, Error::Shape { .. }), "{err}");
    // Update before begin, and a slice outside the vector.
    let mut fresh = Adam::new(0.1);
    assert!(fresh.try_update(0, &mut [1.0], &[1.0]).is_err());
    fresh.try_begin_step(2).unwrap();
    let err = fresh
        .try_update(1, &mut [1.0, 2.0], &[1.0, 1.0])
        .unwrap_err();
    assert!(err.to_string().contains("outside"), "{err}");
    // PyTorch's rule: Nesterov needs momentum and zero dampening.
    let err = Sgd::new(0.1)
        .nesterov(true)
        .try_step(&mut [1.0], &[1.0])
        .unwrap_err();
    assert!(err.to_string().contains("Nesterov"), "{err}");
    let err = Adam::new(0.1)
        .betas(1.0, 0.9)
        .try_step(&mut [1.0], &[1.0])
        .unwrap_err();
    assert!(err.to_string().contains("beta1"), "{err}");
    assert!(RmsProp::new(-1.0).try_step(&mut [1.0], &[1.0]).is_err());
}

#[test]
fn reset_starts_over() {
    let mut opt = Adam::new(0.1);
    let mut a = [1.0];
    opt.step(&mut a, &[0.5]);
    opt.step(&mut a, &[0.5]);
    opt.reset();
    assert_eq!(opt.steps(), 0);
    let mut b = [1.0];
    opt.step(&mut b, &[0.5]);
    let mut c = [1.0];
    Adam::new(0.1).step(&mut c, &[0.5]);
    assert_eq!(b, c);
}

#[test]
fn learning_rate_can_change_between_steps() {
    let mut opt = Sgd::new(0.1);
    let mut theta = [1.0f64];
    opt.step(&mut theta, &[1.0]); // 0.9
    opt.set_learning_rate(0.5);
    opt.step(&mut theta, &[1.0]); // 0.4
    assert!((theta[0] - 0.4).abs() < 1e-15);
    assert_eq!(opt.learning_rate(), 0.5);
}

#[test]
fn clip_by_global_norm() {
    // ‖(3, 4, 12)‖ = 13; max_norm 6.5 scales by 6.5/(13 + 1e-6).
    let mut g = [3.0, 4.0, 12.0];
    let n = clip_grad_norm(&mut g, 6.5);
    assert_eq!(n, 13.0);
    let c = 6.5 / (13.0 + 1e-6);
    assert_eq!(g, [3.0 * c, 4.0 * c, 12.0 * c]);
    assert!((grad_norm(&g) - 6.5).abs() < 1e-6);
    // Below the limit nothing changes.
    let mut small = [0.3, -0.4];
    assert!((clip_grad_norm(&mut small, 1.0) - 0.5).abs() < 1e-15);
    assert_eq!(small, [0.3, -0.4]);
}

#[test]
fn clip_by_value() {
    let mut g = [-5.0, -0.5, 0.0, 0.7, 9.0];
    clip_grad_value(&mut g, 0.6);
    assert_eq!(g, [-0.6, -0.5, 0.0, 0.6, 0.6]);
    let mut h = [f64::NAN];
    clip_grad_value(&mut h, 1.0);
    assert!(h[0].is_nan());
}

/// `TensorOptimizer::step` is the flat optimizer over the parameters' gradients laid end to
/// end, after PyTorch's `clip_grad_norm_`: the same numbers as doing it by hand.
#[test]
fn tensor_optimizer_steps_like_the_flat_optimizer_with_clipping() {
    use tapegrad::nn::optim::TensorOptimizer;
    use tapegrad::{Grads, Graph};
    let g = Graph::new();
    let w = g.tensor(&[1.0, -2.0, 0.5, 3.0], &[2, 2]);
    let b = g.tensor(&[0.25], &[1]);
    let mut opt = TensorOptimizer::new(&[w, b], Adam::new(0.1)).clip_grad_norm(1.0);
    let mut flat = [1.0, -2.0, 0.5, 3.0, 0.25];
    let mut by_hand = Adam::new(0.1);
    let mut grads = Grads::new();
    let mark = g.mark();
    for _ in 0..3 {
        // L = Σ w³ + 4b²: ∇w = 3w², ∇b = 8b, a norm well above 1 on the first step.
        let loss = w.powi(3).sum() + (b * b).sum() * 4.0;
        g.backward_into(loss, &mut grads).unwrap();
        g.rewind(mark);
        let norm = opt.step(&grads);
        let mut d: Vec<f64> = flat[..4].iter().map(|v| 3.0 * v * v).collect();
        d.push(8.0 * flat[4]);
        assert!((norm - clip_grad_norm(&mut d, 1.0)).abs() < 1e-12);
        by_hand.step(&mut flat, &d);
        let got: Vec<f64> = w.to_vec().into_iter().chain(b.to_vec()).collect();
        for (a, e) in got.iter().zip(flat) {
            assert!((a - e).abs() < 1e-12, "{got:?} vs {flat:?}");
        }
    }
    assert_eq!(opt.optimizer().steps(), 3);
    // A bad max_norm is an error, not a silent no-op.
    let mut bad = TensorOptimizer::new(&[w], Sgd::new(0.1)).clip_grad_norm(f64::NAN);
    assert!(matches!(bad.try_step(&grads), Err(Error::Invalid(_))));
}

/// Five steps of `opt` on three parameters with gradients that change sign: θ after the last.
fn five_steps<T: tapegrad::Float>(mut opt: impl Optimizer<T>) -> Vec<T> {
    let mut theta = [0.7, -1.3, 2.1].map(T::from_f64);
    for k in 0..5 {
        let s = k as f64;
        let grads = [0.5 - 0.3 * s, -0.2 + 0.15 * s * s, 1.1 * (0.5 * s).sin()].map(T::from_f64);
        opt.step(&mut theta, &grads);
    }
    theta.to_vec()
}

#[test]
fn steps_are_bit_for_bit_those_before_the_shared_skeleton() {
    // Every optimizer in each of its variants, in f64 and f32, to the bit. The literals were
    // printed by `five_steps` before the optimizers were made to share their builder methods
    // and state slicing, so a change to the arithmetic (an operation reordered, a constant
    // folded differently) fails here even where the hand-worked tests above allow 1e-12.
    macro_rules! pinned {
        ($make:expr, $f64:expr, $f32:expr) => {
            assert_eq!(five_steps::<f64>($make), $f64, "{}", stringify!($make));
            assert_eq!(five_steps::<f32>($make), $f32, "{}", stringify!($make));
        };
    }
    pinned!(
        Sgd::new(0.1),
        [0.7499999999999999, -1.6500000000000001, 1.7449542169473984],
        [0.75, -1.65, 1.7449542]
    );
    pinned!(
        Sgd::new(0.1)
            .momentum(0.9)
            .dampening(0.1)
            .weight_decay(0.01),
        [0.5814393909191162, -1.6790853434491597, 1.408479652239213],
        [0.5814394, -1.6790853, 1.4084797]
    );
    pinned!(
        Sgd::new(0.1)
            .momentum(0.9)
            .nesterov(true)
            .weight_decay(0.05),
        [0.6111368261764056, -1.9455968464990823, 0.9172509219672678],
        [0.61113685, -1.9455968, 0.9172509]
    );
    pinned!(
        Adagrad::new(0.1)
            .lr_decay(0.5)
            .weight_decay(0.1)
            .initial_accumulator_value(0.1),
        [0.6292291890030617, -1.2931564660863728, 1.900282141580868],
        [0.6292292, -1.2931565, 1.900282]
    );
    pinned!(
        RmsProp::new(0.01),
        [0.7129493132104222, -1.4452375728457396, 1.7859973244343645],
        [0.71294934, -1.4452375, 1.7859973]
    );
    pinned!(
        RmsProp::new(0.01)
            .alpha(0.9)
            .centered(true)
            .momentum(0.5)
            .weight_decay(0.1)
            .eps(1e-6),
        [0.6588486816484138, -1.3145324570521753, 1.8584483625179637],
        [0.6588487, -1.3145324, 1.8584483]
    );
    pinned!(
        Adam::new(0.1),
        [0.487758550437669, -1.2799771273826932, 1.7587556288443906],
        [0.48775858, -1.279977, 1.7587554]
    );
    pinned!(
        Adam::new(0.1)
            .betas(0.8, 0.99)
            .eps(1e-6)
            .weight_decay(0.1)
            .amsgrad(true),
        [0.4858864078292338, -1.2378068852458817, 1.6099381071945076],
        [0.48588637, -1.2378069, 1.6099381]
    );
    pinned!(
        AdamW::new(0.1).weight_decay(0.2).amsgrad(true),
        [0.4358552687449143, -1.16539080210812, 1.5664830550040025],
        [0.43585533, -1.1653907, 1.5664831]
    );
}
