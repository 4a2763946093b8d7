//! Linear regression by gradient descent: recover the slope of y = 3x + noise.
//!
//! One neuron with a linear activation, ŷ = w·x + b, trained with SGD on the mean squared
//! error, then compared with the closed-form least-squares line
//! w* = cov(x, y)/var(x), b* = ȳ − w*·x̄. Run with `cargo run --example linear`
//! (`-- --json` prints `{"slope":..,"intercept":..,"closed_form_slope":..,...}`).

use rand::{SeedableRng, rngs::StdRng};
use tapegrad::nn::Init;
use tapegrad::nn::optim::Sgd;
use tapegrad::nn::scalar::{Activation, Neuron, Params, loss};
use tapegrad::{Grads, Graph, Var, data};

const N: usize = 100;
const NOISE: f64 = 0.2;
const EPOCHS: usize = 300;
const LR: f64 = 0.1;
const SEED: u64 = 42;

fn main() {
    let json = std::env::args().any(|a| a == "--json");
    let line = data::linear(N, NOISE, SEED);
    let xs = line.features().to_vec();
    let ys = line.targets().to_vec();

    let g = Graph::new();
    let neuron = Neuron::new(
        &g,
        1,
        Activation::Linear,
        Init::PyTorch,
        &mut StdRng::seed_from_u64(SEED),
    );
    let (w, b) = (neuron.weights()[0], neuron.bias());
    let (w0, b0) = (w.value(), b.value());
    let mut params = Params::new(vec![w, b]);
    let inputs: Vec<Var<'_>> = xs.iter().map(|&x| g.constant(x)).collect();
    let step = g.mark();

    let mut opt = Sgd::new(LR);
    let mut grads = Grads::new();
    let mut history = Vec::new();
    let mut final_loss = 0.0;
    for epoch in 0..=EPOCHS {
        let preds: Vec<Var<'_>> = inputs.iter().map(|&x| neuron.call(&[x])).collect();
        let l = loss::mse(&preds, &ys);
        final_loss = l.value();
        if epoch % 50 == 0 {
            history.push((epoch, l.value(), w.value(), b.value()));
        }
        if epoch == EPOCHS {
            break;
        }
        g.backward_into(l, &mut grads).expect("live loss");
        params.load_grads(&grads);
        g.rewind(step);
        params.step(&mut opt);
    }
    g.rewind(step);

    let (cw, cb) = least_squares(&xs, &ys);
    let (sw, sb) = (w.value(), b.value());
    if json {
        println!(
            "{{\"slope\":{sw:.8},\"intercept\":{sb:.8},\"closed_form_slope\":{cw:.8},\
             \"closed_form_intercept\":{cb:.8},\"loss\":{final_loss:.8}}}"
        );
        return;
    }
    println!("data: {N} points of y = 3x + ε, x ∈ [−1, 1], ε ~ N(0, {NOISE}²)");
    println!("model: ŷ = w·x + b, starting at w = {w0:.4}, b = {b0:.4}");
    println!("training: SGD, lr {LR}, mean squared error, full batch\n");
    println!("epoch   loss       w        b");
    for (e, l, wv, bv) in history {
        println!("{e:>5}   {l:<9.6}  {wv:<7.4}  {bv:+.4}");
    }
    println!("\ngradient descent: slope {sw:.4}, intercept {sb:+.4}");
    println!("closed form:      slope {cw:.4}, intercept {cb:+.4}   (w* = cov(x,y)/var(x))");
    println!("true line:        slope 3.0000, intercept +0.0000");
}

/// Ordinary least squares for one feature: (slope, intercept).
fn least_squares(x: &[f64], y: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let cov: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let var: f64 = x.iter().map(|a| (a - mx) * (a - mx)).sum();
    let slope = cov / var;
    (slope, my - slope * mx)
}
