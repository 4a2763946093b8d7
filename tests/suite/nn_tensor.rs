//! The tensor `Linear` / `Mlp`: gradients against central finite differences, agreement with
//! the scalar-neuron `Mlp` on the same weights, training through `fit` (a loss threshold,
//! determinism, freezing), safetensors round trips, and a training loop whose tape does not
//! grow and whose updates do not allocate.

use proptest::prelude::*;
use rand::{SeedableRng, rngs::StdRng};
use tapegrad::data;
#[cfg(feature = "safetensors")]
use tapegrad::io::{from_safetensors_bytes, to_safetensors_bytes};
use tapegrad::nn::Init;
use tapegrad::nn::optim::{Adam, Optimizer, Sgd};
use tapegrad::nn::scalar::{self, Activation};
use tapegrad::nn::tensor::{Linear, Mlp};
use tapegrad::nn::train::{FitOptions, Loss, MlpModel, Trainable, Verbosity, fit};
use tapegrad::{Error, Graph};

const ACTIVATIONS: [Activation; 5] = [
    Activation::Linear,
    Activation::Tanh,
    Activation::Relu,
    Activation::Sigmoid,
    Activation::LeakyRelu(0.1),
];

/// A batch of `rows` pseudo-random rows of `nin` features, and targets that suit `loss`.
fn batch(loss: Loss, rows: usize, nin: usize, seed: u64) -> (Vec<f64>, Vec<f64>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let x = (0..rows * nin)
        .map(|_| rand::RngExt::random_range(&mut rng, -1.5..1.5))
        .collect();
    let y = (0..rows)
        .map(|i| match loss {
            Loss::Mse | Loss::Mae => rand::RngExt::random_range(&mut rng, -1.0..1.0),
            Loss::BceWithLogits => (i % 2) as f64,
            Loss::Hinge => {
                if i % 2 == 0 {
                    1.0
                } else {
                    -1.0
                }
            }
            Loss::CrossEntropy => (i % 3) as f64,
        })
        .collect();
    (x, y)
}

fn outputs_for(loss: Loss) -> usize {
    if loss == Loss::CrossEntropy { 3 } else { 1 }
}

/// ∂loss/∂θ by central differences, every parameter in turn, through the model itself.
fn finite_differences(m: &mut Mlp<'_>, x: &[f64], y: &[f64], loss: Loss) -> Vec<f64> {
    let theta = m.flat_values();
    let eps = 1e-6;
    (0..theta.len())
        .map(|i| {
            let mut at = |d: f64| {
                let mut t = theta.clone();
                t[i] += d;
                m.set_flat_values(&t).unwrap();
                m.loss_and_grad(x, y, loss).unwrap()
            };
            let fd = (at(eps) - at(-eps)) / (2.0 * eps);
            m.set_flat_values(&theta).unwrap();
            fd
        })
        .collect()
}

/// The gradient of the last `loss_and_grad`, flat, tensor after tensor.
fn flat_grads<M: Trainable<f64>>(m: &mut M) -> Vec<f64> {
    let mut out = Vec::new();
    m.update_params(&mut |p| {
        out.extend_from_slice(p.grads);
        Ok(())
    })
    .unwrap();
    out
}

fn losses() -> impl Strategy<Value = Loss> {
    prop_oneof![
        Just(Loss::Mse),
        Just(Loss::Mae),
        Just(Loss::BceWithLogits),
        Just(Loss::Hinge),
        Just(Loss::CrossEntropy),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Every activation and loss: the recorded gradient of a 3 → 4 → 3 → k MLP on a batch of 5
    /// matches central differences. (A kink of relu, abs or the hinge within ε of a sample has
    /// probability ~1e-6 per value; none is hit with these seeds.)
    #[test]
    fn gradients_match_finite_differences(
        seed in 0u64..1000,
        hidden in 0usize..5,
        loss in losses(),
    ) {
        let g = Graph::new();
        let mut rng = StdRng::seed_from_u64(seed);
        let mut m = Mlp::new(&g, &[3, 4, 3, outputs_for(loss)], ACTIVATIONS[hidden],
                             Activation::Linear, Init::PyTorch, &mut rng);
        let (x, y) = batch(loss, 5, 3, seed + 1);
        m.loss_and_grad(&x, &y, loss).unwrap();
        let analytic = flat_grads(&mut m);
        let numeric = finite_differences(&mut m, &x, &y, loss);
        for (i, (a, n)) in analytic.iter().zip(&numeric).enumerate() {
            prop_assert!((a - n).abs() <= 1e-6 + 1e-5 * n.abs(),
                         "parameter {i}: autograd {a}, finite difference {n}");
        }
    }
}

/// The same weights in the scalar-neuron `Mlp` and the tensor one give the same loss, the same
/// gradient and the same predictions, for every loss and hidden activation.
#[test]
fn agrees_with_the_scalar_mlp() {
    for (k, &act) in ACTIVATIONS.iter().enumerate() {
        for loss in [
            Loss::Mse,
            Loss::BceWithLogits,
            Loss::Hinge,
            Loss::CrossEntropy,
        ] {
            let sizes = [4, 6, 5, outputs_for(loss)];
            let g = Graph::new();
            let mut rng = StdRng::seed_from_u64(k as u64);
            let s = scalar::Mlp::new(&g, &sizes, act, Activation::Linear, Init::PyTorch, &mut rng);
            let mut s = MlpModel::new(s);
            let mut t = Mlp::new(
                &g,
                &sizes,
                act,
                Activation::Linear,
                Init::HeNormal,
                &mut rng,
            );
            assert_eq!(t.tensors(), s.tensors());
            t.set_flat_values(&s.flat_values()).unwrap();
            let (x, y) = batch(loss, 7, 4, k as u64);
            let (ls, lt) = (
                s.loss_and_grad(&x, &y, loss).unwrap(),
                t.loss_and_grad(&x, &y, loss).unwrap(),
            );
            assert!((ls - lt).abs() < 1e-12, "{act:?} {loss:?}: {ls} vs {lt}");
            for (a, b) in flat_grads(&mut s).iter().zip(&flat_grads(&mut t)) {
                assert!((a - b).abs() < 1e-12, "{act:?} {loss:?}: {a} vs {b}");
            }
            let (mut ps, mut pt) = (Vec::new(), Vec::new());
            s.predict_into(&x, &mut ps).unwrap();
            t.predict_into(&x, &mut pt).unwrap();
            for (a, b) in ps.iter().zip(&pt) {
                assert!((a - b).abs() < 1e-12);
            }
        }
    }
}

fn moons_fit(seed: u64, options: &FitOptions) -> (Vec<f64>, Vec<f64>) {
    let g = Graph::new();
    let mut m = Mlp::new(
        &g,
        &[2, 16, 16, 1],
        Activation::Relu,
        Activation::Linear,
        Init::HeUniform,
        &mut StdRng::seed_from_u64(seed),
    );
    let h = fit(
        &mut m,
        &data::moons(100, 0.1, seed),
        &mut Adam::new(0.01),
        options,
    )
    .unwrap();
    (h.column("loss").unwrap(), m.flat_values())
}

/// Two moons with a fixed seed: the training loss falls below 0.05 within 200 epochs, and a
/// second run gives the same losses and weights bit for bit.
#[test]
fn trains_moons_below_a_threshold_deterministically() {
    let options = FitOptions::new(200)
        .batch_size(20)
        .loss(Loss::BceWithLogits)
        .verbosity(Verbosity::Silent);
    let (losses, weights) = moons_fit(7, &options);
    assert!(losses[0] > 0.2, "first epoch loss {}", losses[0]);
    assert!(
        *losses.last().unwrap() < 0.05,
        "last loss {}",
        losses.last().unwrap()
    );
    assert_eq!(moons_fit(7, &options), (losses, weights));
}

/// Freezing `layers.0` leaves its weight and bias exactly as they were; the rest moves.
#[test]
fn a_frozen_layer_does_not_change() {
    let g = Graph::new();
    let mut m = Mlp::new(
        &g,
        &[2, 8, 1],
        Activation::Tanh,
        Activation::Linear,
        Init::XavierUniform,
        &mut StdRng::seed_from_u64(3),
    );
    let before = [0, 1, 2, 3].map(|i| m.named_parameters()[i].1.to_vec());
    let options = FitOptions::new(3)
        .batch_size(4)
        .loss(Loss::BceWithLogits)
        .freeze("layers.0")
        .verbosity(Verbosity::Silent);
    fit(&mut m, &data::xor(), &mut Sgd::new(0.5), &options).unwrap();
    let after = [0, 1, 2, 3].map(|i| m.named_parameters()[i].1.to_vec());
    assert_eq!(after[0], before[0]);
    assert_eq!(after[1], before[1]);
    assert_ne!(after[2], before[2]);
    assert_ne!(after[3], before[3]);
}

#[cfg(feature = "safetensors")]
/// Save → load is bit-exact, into a tensor model of another initialization and into a
/// scalar-neuron model (same names and layout); a wrong architecture fails naming the tensor.
#[test]
fn safetensors_round_trip() {
    let g = Graph::<f32>::default();
    let mut rng = StdRng::seed_from_u64(11);
    let a = Mlp::new(
        &g,
        &[3, 5, 2],
        Activation::Relu,
        Activation::Linear,
        Init::PyTorch,
        &mut rng,
    );
    let bytes = to_safetensors_bytes(&a, &[]).unwrap();
    let mut b = Mlp::new(
        &g,
        &[3, 5, 2],
        Activation::Relu,
        Activation::Linear,
        Init::HeNormal,
        &mut rng,
    );
    assert_ne!(a.flat_values(), b.flat_values());
    from_safetensors_bytes(&mut b, &bytes).unwrap();
    let bits = |v: Vec<f32>| v.into_iter().map(f32::to_bits).collect::<Vec<_>>();
    assert_eq!(bits(a.flat_values()), bits(b.flat_values()));
    let x = [0.1f32, -0.2, 0.3];
    assert_eq!(a.predict(&x).unwrap(), b.predict(&x).unwrap());

    let s = scalar::Mlp::new(
        &g,
        &[3, 5, 2],
        Activation::Relu,
        Activation::Linear,
        Init::PyTorch,
        &mut rng,
    );
    let mut s = MlpModel::new(s);
    from_safetensors_bytes(&mut s, &bytes).unwrap();
    assert_eq!(bits(s.flat_values()), bits(a.flat_values()));

    let mut wrong = Mlp::new(
        &g,
        &[3, 4, 2],
        Activation::Relu,
        Activation::Linear,
        Init::PyTorch,
        &mut rng,
    );
    let e = from_safetensors_bytes(&mut wrong, &bytes)
        .unwrap_err()
        .to_string();
    assert!(e.contains("layers.0.weight") && e.contains("[5, 3]"), "{e}");
}

/// A training loop of fixed batch size: the tape is back to the parameters after every step,
/// and once warm neither the step's recording (tape and gradient buffers come from pools) nor
/// the optimizer's in-place update allocate tape or parameter memory.
#[test]
fn steady_state_tape_does_not_grow_and_updates_do_not_allocate() {
    let g = Graph::new();
    let mut m = Mlp::new(
        &g,
        &[4, 16, 3],
        Activation::Relu,
        Activation::Linear,
        Init::HeUniform,
        &mut StdRng::seed_from_u64(5),
    );
    let (x, y) = batch(Loss::CrossEntropy, 8, 4, 5);
    let params = g.len();
    let mut opt = Adam::new(1e-2);
    let step = |m: &mut Mlp<'_>, opt: &mut Adam<f64>| {
        let l = m.loss_and_grad(&x, &y, Loss::CrossEntropy).unwrap();
        let n = m.num_parameters();
        let allocs = allocation_counter::measure(|| {
            opt.try_begin_step(n).unwrap();
            m.update_params(&mut |p| opt.try_update(p.offset, p.values, p.grads))
                .unwrap();
        })
        .count_total;
        (l, g.len(), allocs)
    };
    let (first, _, _) = step(&mut m, &mut opt);
    let mut last = first;
    for _ in 0..20 {
        let (l, len, allocs) = step(&mut m, &mut opt);
        assert_eq!((len, allocs), (params, 0));
        last = l;
    }
    assert!(last < first, "{last} ≥ {first}");
}

/// Bad shapes are errors naming what is wrong, never a panic in a kernel.
#[test]
fn bad_input_is_a_clear_error() {
    let g = Graph::new();
    let mut rng = StdRng::seed_from_u64(0);
    let mut m = Mlp::new(
        &g,
        &[3, 1],
        Activation::Relu,
        Activation::Linear,
        Init::PyTorch,
        &mut rng,
    );
    assert!(matches!(
        m.loss_and_grad(&[1.0; 4], &[0.0], Loss::Mse),
        Err(Error::Shape { .. })
    ));
    assert!(matches!(
        m.loss_and_grad(&[1.0; 6], &[0.0], Loss::Mse),
        Err(Error::Shape { .. })
    ));
    let e = m
        .loss_and_grad(&[1.0; 3], &[0.0], Loss::CrossEntropy)
        .unwrap_err();
    assert!(e.to_string().contains("cross_entropy"), "{e}");
    let bad = Mlp::try_new(
        &g,
        &[3, 0, 2],
        Activation::Relu,
        Activation::Linear,
        Init::PyTorch,
        &mut rng,
    );
    assert!(bad.unwrap_err().to_string().contains("[3, 0, 2]"));
    let l1 = Linear::new(&g, 3, 4, Activation::Relu, Init::PyTorch, &mut rng);
    let l2 = Linear::new(&g, 5, 1, Activation::Linear, Init::PyTorch, &mut rng);
    assert!(matches!(
        Mlp::try_from_layers(vec![l1, l2]),
        Err(Error::Shape { .. })
    ));
    let x = g.tensor_const(&[1.0; 4], &[2, 2]);
    assert!(matches!(l1.try_forward(x), Err(Error::Shape { .. })));
    let e = Loss::CrossEntropy
        .try_tensor(g.tensor(&[0.0; 4], &[2, 2]), &[0.0, 2.0])
        .unwrap_err();
    assert!(e.to_string().contains("target 2"), "{e}");
}

#[cfg(feature = "plot")]
/// Width and height from a PNG's IHDR chunk, after checking the signature.
fn png_size(path: &std::path::Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(
        &bytes[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is not a PNG",
        path.display()
    );
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    (be(16), be(20))
}

#[cfg(feature = "plot")]
/// The pictures are PNG files laid out by the model's sizes (one tile per first-layer unit:
/// 24 units make a 7 × 4 grid, wider than the 20 units of a 7 × 3 one); a shape that does not
/// match the inputs, a batch of several rows or another extension is an error.
#[test]
fn pictures_are_pngs_sized_by_the_model() {
    let dir = std::env::temp_dir().join(format!("tapegrad-nn-tensor-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let g = Graph::new();
    let mut rng = StdRng::seed_from_u64(9);
    let small = Mlp::new(
        &g,
        &[16, 20, 3],
        Activation::Relu,
        Activation::Linear,
        Init::HeUniform,
        &mut rng,
    );
    let large = Mlp::new(
        &g,
        &[16, 24, 3],
        Activation::Relu,
        Activation::Linear,
        Init::HeUniform,
        &mut rng,
    );
    let (a, b) = (dir.join("small.png"), dir.join("large.png"));
    small.draw_first_layer((4, 4), 100, &a).unwrap();
    large.draw_first_layer((4, 4), 100, &b).unwrap();
    let ((wa, ha), (wb, hb)) = (png_size(&a), png_size(&b));
    assert_eq!(wa, wb);
    assert!(hb > ha, "{ha} vs {hb}");
    large.draw_first_layer((4, 4), 10, &b).unwrap();
    assert!(png_size(&b).1 < hb, "10 of the 24 units take fewer rows");
    let x = [0.5; 16];
    let c = dir.join("activations.png");
    large.draw_activations(&x, (4, 4), &c).unwrap();
    assert!(png_size(&c).0 > 0);
    assert!(large.draw_first_layer((4, 3), 100, &a).is_err());
    assert!(large.draw_activations(&[0.5; 32], (4, 4), &c).is_err());
    // The picture of the input may be other values than the model's (raw pixels), one per pixel.
    let raw: Vec<f64> = (0..16).map(f64::from).collect();
    let d = dir.join("raw.png");
    large
        .draw_activations_showing(&x, &raw, (4, 4), &d)
        .unwrap();
    assert_eq!(png_size(&d), png_size(&c), "the same layout");
    let e = large
        .draw_activations_showing(&x, &raw[..15], (4, 4), &c)
        .unwrap_err();
    assert!(matches!(e, tapegrad::Error::Shape { .. }), "{e}");
    let e = large
        .draw_first_layer((4, 4), 100, dir.join("w.svg"))
        .unwrap_err();
    assert!(e.to_string().contains(".png"), "{e}");
    assert_eq!(
        large
            .activations(&x)
            .unwrap()
            .iter()
            .map(Vec::len)
            .collect::<Vec<_>>(),
        [24, 3]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn linear_from_given_tensors_checks_the_layout() {
    let g = Graph::new();
    let w = g.tensor(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    let layer = Linear::from_tensors(w, g.tensor(&[0.0, 1.0], &[2]), Activation::Linear);
    assert_eq!((layer.nin(), layer.nout()), (3, 2));
    assert_eq!(layer.weight(), w);
    // A [nin, nout] weight (the `x @ W` layout) with a [nout] bias is refused, saying why.
    let wt = g.tensor(&[1.0; 6], &[3, 2]);
    let Err(Error::Invalid(m)) =
        Linear::try_from_tensors(wt, g.tensor(&[0.0; 2], &[2]), Activation::Linear)
    else {
        panic!("a transposed weight was accepted")
    };
    assert_eq!(
        m,
        "`Linear::from_tensors`: weight [3, 2] and bias [2] do not make a layer; the weight is \
         [nout, nin] (one row per output, PyTorch's layout) and the bias [nout]"
    );
}
