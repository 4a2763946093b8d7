//! The README's example: one neuron, its gradient, its Hessian, and a gradient of a gradient.
//!
//! Run with `cargo run --example readme`.

use tapegrad::Graph;

fn main() {
    let g = Graph::new();
    let w = g.var_named("w", 0.8);
    let x = g.var_named("x", 1.5);
    let b = g.var_named("b", -0.4);
    let y = (w * x + b).tanh(); // y = tanh(w·x + b)

    let grads = g.backward(y);
    println!("y        = {:.6}", y.value());
    println!("∂y/∂w    = {:.6}   (= (1 − y²)·x)", grads[w]);
    println!("∂y/∂x    = {:.6}   (= (1 − y²)·w)", grads[x]);
    println!("∂y/∂b    = {:.6}   (= 1 − y²)", grads[b]);

    let h = g.hessian(y, &[w, x, b]);
    println!("Hessian wrt (w, x, b):");
    for row in &h {
        println!(
            "  [{}]",
            row.iter()
                .map(|v| format!("{v:>10.6}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
    }

    // A gradient is itself a node on the tape, so it can be differentiated again.
    let dy_dw = g.grad_graph(y, &[w])[0];
    println!("∂²y/∂w∂b = {:.6}", g.backward(dy_dw)[b]);
}
