//! Scalar modules: structure, names, inference without recording, initializers, the flat
//! parameter buffers, and deterministic training to a loss threshold.

use rand::{SeedableRng, rngs::StdRng};
use tapegrad::nn::optim::{Optimizer, Sgd};
use tapegrad::nn::scalar::{Activation, Layer, Mlp, Module, Neuron, Params, l2_penalty, loss};
use tapegrad::nn::schedule::{LinearLr, Schedule};
use tapegrad::nn::{Init, clip};
use tapegrad::{Error, Grads, Graph, Var, data};

fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

#[test]
fn mlp_structure_and_names() {
    let g = Graph::new();
    let m = Mlp::new(
        &g,
        &[3, 4, 2],
        Activation::Tanh,
        Activation::Linear,
        Init::PyTorch,
        &mut rng(0),
    );
    assert_eq!(m.sizes(), vec![3, 4, 2]);
    assert_eq!(m.num_parameters(), 4 * 3 + 4 + 2 * 4 + 2);
    assert_eq!(g.len(), m.num_parameters()); // one leaf each, nothing else recorded
    let named = m.named_parameters();
    let plain = m.parameters();
    assert_eq!(named.len(), plain.len());
    for ((name, v), p) in named.iter().zip(&plain) {
        assert_eq!(v, p); // same order
        assert_eq!(g.name(v.key()).as_deref(), Some(name.as_str())); // named on the graph too
    }
    assert_eq!(named[0].0, "layers.0.neurons.0.w.0");
    assert_eq!(named[3].0, "layers.0.neurons.0.b");
    assert_eq!(named.last().unwrap().0, "layers.1.neurons.1.b");
    assert_eq!(m.layers()[0].activation(), Activation::Tanh);
    assert_eq!(m.layers()[1].activation(), Activation::Linear);
}

#[test]
fn forward_is_the_formula() {
    // One tanh neuron by hand: y = tanh(w₀x₀ + w₁x₁ + b).
    let g = Graph::new();
    let n = Neuron::new(&g, 2, Activation::Tanh, Init::Uniform(1.0), &mut rng(3));
    let (w, b) = (n.weights(), n.bias());
    let y = n.call(&[g.constant(0.5), g.constant(-2.0)]);
    let u = w[0].value() * 0.5 + w[1].value() * -2.0 + b.value();
    assert!((y.value() - u.tanh()).abs() < 1e-15);
    let grads = g.backward(y);
    let d = 1.0 - u.tanh().powi(2);
    assert!((grads[w[0]] - d * 0.5).abs() < 1e-15);
    assert!((grads[w[1]] - d * -2.0).abs() < 1e-15);
    assert!((grads[b] - d).abs() < 1e-15);
}

#[test]
fn predict_records_nothing() {
    let g = Graph::new();
    let m = Mlp::new(
        &g,
        &[2, 5, 1],
        Activation::Relu,
        Activation::Linear,
        Init::HeUniform,
        &mut rng(1),
    );
    let before = g.len();
    let p = m.predict(&[0.3, -0.7]);
    assert_eq!(g.len(), before);
    let recorded = m.forward(&[g.constant(0.3), g.constant(-0.7)])[0].value();
    assert_eq!(p, vec![recorded]);
}

#[test]
fn wrong_sizes_are_errors() {
    let g = Graph::new();
    let m = Mlp::new(
        &g,
        &[2, 3, 1],
        Activation::Relu,
        Activation::Linear,
        Init::PyTorch,
        &mut rng(0),
    );
    let err = m.try_forward(&[g.constant(1.0)]).unwrap_err();
    assert_eq!(
        err,
        Error::Shape {
            op: "layer",
            lhs: vec![2],
            rhs: vec![1]
        }
    );
    assert!(m.try_predict(&[1.0, 2.0, 3.0]).is_err());
    assert!(
        Mlp::try_new(
            &g,
            &[2],
            Activation::Relu,
            Activation::Linear,
            Init::PyTorch,
            &mut rng(0)
        )
        .is_err()
    );
    assert!(
        Mlp::try_new(
            &g,
            &[2, 0, 1],
            Activation::Relu,
            Activation::Linear,
            Init::PyTorch,
            &mut rng(0)
        )
        .is_err()
    );
    assert!(Layer::try_new(&g, 2, 0, Activation::Relu, Init::PyTorch, &mut rng(0)).is_err());
}

#[test]
fn initializers_respect_their_bounds() {
    let mut r = rng(5);
    let (fan_in, fan_out) = (16, 8);
    let draws = |init: Init, r: &mut StdRng| -> Vec<f64> {
        (0..4000).map(|_| init.weight(fan_in, fan_out, r)).collect()
    };
    let max_abs = |v: &[f64]| v.iter().fold(0.0f64, |m, x| m.max(x.abs()));
    let var = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>() / v.len() as f64;
    // PyTorch: U(±1/√16 = ±0.25) for weights and biases; variance a²/3.
    let w = draws(Init::PyTorch, &mut r);
    assert!(max_abs(&w) <= 0.25 && max_abs(&w) > 0.24);
    assert!((var(&w) - 0.25f64.powi(2) / 3.0).abs() < 0.002);
    assert!(Init::PyTorch.bias(fan_in, fan_out, &mut r).abs() <= 0.25);
    // Xavier uniform: bound √(6/24) = 0.5.
    let w = draws(Init::XavierUniform, &mut r);
    assert!(max_abs(&w) <= 0.5 && max_abs(&w) > 0.49);
    // He uniform: bound √(6/16); He normal: variance 2/16.
    assert!(max_abs(&draws(Init::HeUniform, &mut r)) <= (6.0f64 / 16.0).sqrt());
    assert!((var(&draws(Init::HeNormal, &mut r)) - 2.0 / 16.0).abs() < 0.01);
    assert!((var(&draws(Init::XavierNormal, &mut r)) - 2.0 / 24.0).abs() < 0.01);
    // Zero biases except PyTorch's.
    for init in [
        Init::Uniform(1.0),
        Init::XavierUniform,
        Init::XavierNormal,
        Init::HeUniform,
        Init::HeNormal,
    ] {
        assert_eq!(init.bias(fan_in, fan_out, &mut r), 0.0);
    }
    // Same seed, same weights.
    assert_eq!(
        draws(Init::HeNormal, &mut rng(9)),
        draws(Init::HeNormal, &mut rng(9))
    );
}

#[test]
fn params_load_step_store() {
    let g = Graph::new();
    let (a, b) = (g.var(1.0), g.var(-3.0));
    let mut params = Params::new(vec![a, b]);
    let mark = g.mark();
    let mut grads = Grads::new();
    g.backward_into(a * b, &mut grads).unwrap(); // ∇(ab) = (b, a) = (−3, 1)
    params.load_grads(&grads);
    assert_eq!(params.values(), &[1.0, -3.0]);
    assert_eq!(params.grads(), &[-3.0, 1.0]);
    g.rewind(mark);
    clip::clip_grad_value(params.grads_mut(), 2.0); // (−2, 1)
    params.step(&mut Sgd::new(0.5)); // (1 + 1, −3 − 0.5)
    assert_eq!((a.value(), b.value()), (2.0, -3.5));
    params.values_mut()[0] = 7.0;
    params.store();
    assert_eq!(a.value(), 7.0);
    // A handle freed by rewind cannot be gathered.
    let mark = g.mark();
    let tmp = g.var(1.0);
    g.rewind(mark);
    assert!(matches!(
        Params::try_new(vec![tmp]),
        Err(Error::StaleHandle { .. })
    ));
}

/// XOR, 2-4-1 tanh/sigmoid, SGD on MSE: the losses of a run.
fn train_xor(seed: u64, epochs: usize) -> Vec<f64> {
    let xor = data::xor();
    let g = Graph::new();
    let m = Mlp::new(
        &g,
        &[2, 4, 1],
        Activation::Tanh,
        Activation::Sigmoid,
        Init::XavierUniform,
        &mut rng(seed),
    );
    let mut params = Params::of(&m);
    let inputs: Vec<Vec<Var<'_>>> = xor
        .rows()
        .map(|r| r.iter().map(|&v| g.constant(v)).collect())
        .collect();
    let mark = g.mark();
    let len = g.len();
    let mut opt = Sgd::new(1.0);
    let mut grads = Grads::new();
    let mut losses = Vec::new();
    for _ in 0..epochs {
        let out: Vec<Var<'_>> = inputs.iter().map(|x| m.forward(x)[0]).collect();
        let l = loss::mse(&out, xor.targets());
        losses.push(l.value());
        g.backward_into(l, &mut grads).unwrap();
        params.load_grads(&grads);
        g.rewind(mark);
        params.step(&mut opt);
    }
    assert_eq!(g.len(), len); // every step's nodes were freed
    losses
}

#[test]
fn xor_trains_to_a_loss_threshold_deterministically() {
    let first = train_xor(7, 1500);
    assert!(first[0] > 0.1, "starts untrained: {}", first[0]);
    assert!(
        *first.last().unwrap() < 0.01,
        "final loss {}",
        first.last().unwrap()
    );
    assert_eq!(first, train_xor(7, 1500)); // bit for bit
}

/// The moons workload of the design: 100 points, noise 0.1, MLP 2-16-16-1, hinge + 1e-4 L2,
/// 100 SGD steps with lr = 1 − 0.9·k/100, as `examples/moons.rs` runs it.
#[test]
fn moons_workload_reaches_full_training_accuracy() {
    let moons = data::moons(100, 0.1, 0);
    let y: Vec<f64> = moons.targets().iter().map(|&t| 2.0 * t - 1.0).collect();
    let g = Graph::new();
    let m = Mlp::new(
        &g,
        &[2, 16, 16, 1],
        Activation::Relu,
        Activation::Linear,
        Init::Uniform(1.0),
        &mut rng(0),
    );
    let mut params = Params::of(&m);
    let inputs: Vec<[Var<'_>; 2]> = moons
        .rows()
        .map(|r| [g.constant(r[0]), g.constant(r[1])])
        .collect();
    let mark = g.mark();
    let schedule = LinearLr::new(1.0, 1.0, 0.1, 100);
    let mut opt = Sgd::new(1.0);
    let mut grads = Grads::new();
    let mut first_loss = None;
    for k in 0..100 {
        let scores: Vec<Var<'_>> = inputs.iter().map(|x| m.forward(x)[0]).collect();
        let total = loss::hinge(&scores, &y) + l2_penalty(params.vars()) * 1e-4;
        first_loss.get_or_insert(total.value());
        g.backward_into(total, &mut grads).unwrap();
        params.load_grads(&grads);
        g.rewind(mark);
        schedule.apply(&mut opt, k);
        params.step(&mut opt);
    }
    assert_eq!(opt.steps(), 100);
    let correct = moons
        .rows()
        .zip(&y)
        .filter(|&(r, &t)| (m.predict(r)[0] > 0.0) == (t > 0.0))
        .count();
    assert_eq!(correct, 100);
}
