//! XOR: the classic problem a single neuron cannot solve, learned by a 2-4-1 network.
//!
//! Hidden layer: 4 tanh neurons; output: one sigmoid neuron; loss: mean squared error on the
//! four points; plain SGD (full batch). Run with `cargo run --example xor`
//! (`-- --json` prints `{"loss":..,"predictions":[..],"correct":..}`).

use rand::{SeedableRng, rngs::StdRng};
use tapegrad::nn::Init;
use tapegrad::nn::optim::Sgd;
use tapegrad::nn::scalar::{Activation, Mlp, Module, Params, loss};
use tapegrad::{Grads, Graph, Var, data};

const EPOCHS: usize = 2000;
const LR: f64 = 1.0;
const SEED: u64 = 7;

fn main() {
    let json = std::env::args().any(|a| a == "--json");
    let xor = data::xor();
    let targets = xor.targets().to_vec();

    let g = Graph::new();
    let mut rng = StdRng::seed_from_u64(SEED);
    let model = Mlp::new(
        &g,
        &[2, 4, 1],
        Activation::Tanh,
        Activation::Sigmoid,
        Init::XavierUniform,
        &mut rng,
    );
    let mut params = Params::of(&model);
    let inputs: Vec<Vec<Var<'_>>> = xor
        .rows()
        .map(|r| r.iter().map(|&v| g.constant(v)).collect())
        .collect();
    let step = g.mark(); // parameters and inputs above stay; each epoch's nodes go

    let mut opt = Sgd::new(LR);
    let mut grads = Grads::new();
    let mut history = Vec::new();
    for epoch in 0..EPOCHS {
        let outputs: Vec<Var<'_>> = inputs.iter().map(|x| model.forward(x)[0]).collect();
        let l = loss::mse(&outputs, &targets);
        if epoch % 250 == 0 {
            history.push((epoch, l.value()));
        }
        g.backward_into(l, &mut grads).expect("live loss");
        params.load_grads(&grads);
        g.rewind(step);
        params.step(&mut opt);
    }

    let predictions: Vec<f64> = xor.rows().map(|r| model.predict(r)[0]).collect();
    let final_loss = predictions
        .iter()
        .zip(&targets)
        .map(|(p, t)| (p - t) * (p - t))
        .sum::<f64>()
        / 4.0;
    let correct = predictions
        .iter()
        .zip(&targets)
        .filter(|&(p, t)| (*p > 0.5) == (*t > 0.5))
        .count();

    if json {
        let preds: Vec<String> = predictions.iter().map(|p| format!("{p:.6}")).collect();
        println!(
            "{{\"loss\":{final_loss:.8},\"predictions\":[{}],\"correct\":{correct}}}",
            preds.join(",")
        );
        return;
    }
    println!("XOR with {model}");
    println!("loss: mean squared error; SGD, lr {LR}, {EPOCHS} full-batch epochs\n");
    println!("epoch   loss");
    for (e, l) in history {
        println!("{e:>5}   {l:.6}");
    }
    println!("{EPOCHS:>5}   {final_loss:.6}\n");
    println!(" x₀  x₁   target   prediction");
    for ((r, t), p) in xor.rows().zip(&targets).zip(&predictions) {
        println!(" {:.0}   {:.0}   {t:.0}        {p:.4}", r[0], r[1]);
    }
    println!("\n{correct} of 4 correct (prediction > 0.5 means 1)");
}
