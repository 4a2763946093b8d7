//! A tutorial on backpropagation, in five chapters to read in order.
//!
//! Each chapter is a page of text and code; every code block is a test that runs with
//! `cargo test`, so what you read is what the library does.
//!
//! 1. [The chain rule](chapter_1_chain_rule): a derivative by hand and by the engine, and the
//!    chain rule on one neuron, tanh(w·x + b).
//! 2. [One neuron and its loss](chapter_2_one_neuron): ∂L/∂w and ∂L/∂b derived by hand, then
//!    checked with the engine, with central finite differences and with
//!    [`gradcheck`](crate::gradcheck).
//! 3. [Backprop through a network](chapter_3_backprop_network): a 2-2-1 network, and the
//!    [`trace`](crate::trace) of its backward pass read line by line.
//! 4. [Gradient descent](chapter_4_gradient_descent): fitting y = 3x + noise by hand-written
//!    gradient descent, then with the engine, and why the learning rate matters.
//! 5. [Your own primitive](chapter_5_own_primitive): softsign declared once with its
//!    derivative, used in an expression and on a tensor, checked with
//!    [`check_primitive`](crate::gradcheck::check_primitive), and differentiated twice.
//!
//! Prerequisites: derivatives of one variable (the rules for x², tanh, products), and enough
//! Rust to read a closure and a loop.

#[doc = include_str!("ch1_chain_rule.md")]
pub mod chapter_1_chain_rule {}

#[doc = include_str!("ch2_one_neuron.md")]
pub mod chapter_2_one_neuron {}

#[doc = include_str!("ch3_backprop_network.md")]
pub mod chapter_3_backprop_network {}

#[doc = include_str!("ch4_gradient_descent.md")]
pub mod chapter_4_gradient_descent {}

#[doc = include_str!("ch5_own_primitive.md")]
pub mod chapter_5_own_primitive {}

#[cfg(test)]
mod tests {
    use crate::Graph;
    use crate::trace::{TextStyle, Trace};

    /// Chapter 3 shows the table its code prints; this keeps the two the same. The network
    /// is the chapter's, line for line.
    #[test]
    fn chapter_3_shows_the_table_its_code_prints() {
        let g = Graph::new();
        let (x1, x2) = (g.var_named("x1", 1.0), g.var_named("x2", -2.0));
        let neuron = |w1: f64, w2: f64, b: f64, j: usize| {
            let w1 = g.var_named(&format!("w{j}1"), w1);
            let w2 = g.var_named(&format!("w{j}2"), w2);
            let b = g.var_named(&format!("b{j}"), b);
            let h = (w1 * x1 + w2 * x2 + b).tanh();
            g.set_name(h, &format!("h{j}")).unwrap();
            h
        };
        let h1 = neuron(0.5, -0.3, 0.1, 1);
        let h2 = neuron(-0.4, 0.2, 0.05, 2);
        let (v1, v2, c) = (
            g.var_named("v1", 0.7),
            g.var_named("v2", -0.6),
            g.var_named("c", 0.1),
        );
        let out = v1 * h1 + v2 * h2 + c;
        g.set_name(out, "out").unwrap();
        let loss = (out - 1.0).powi(2);
        g.set_name(loss, "L").unwrap();
        let table = Trace::new(&g, loss)
            .with_precision(4)
            .to_text(TextStyle::Unicode);

        let chapter = include_str!("ch3_backprop_network.md");
        let marker =
            "<!-- the trace table: checked against the code above by a unit test -->\n```text\n";
        let start = chapter.find(marker).expect("the marked table") + marker.len();
        let len = chapter[start..]
            .find("\n```")
            .expect("the end of the table");
        assert_eq!(&chapter[start..start + len], table.trim_end());
    }
}
