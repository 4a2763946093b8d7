//! The table of primitives: one row per function, the only place a primitive is declared.
//!
//! Each row gives the function's variant and name (as the expression language, traces and
//! errors spell it), its `Var`/`Tensor` methods with a doc example (`api`; empty for the
//! operators and for the internal rows that only other rules use), its doc text (which states
//! the derivative and the conventions), its numeric forward (`eval`, written once and compiled
//! for `f32` and `f64`; it must not call [`Real`](crate::Real) methods, which lead back here),
//! its local partial(s) (`local` / `locals`, written over [`Real`](crate::Real), so the same
//! text is the numeric backward, the recorded backward and the tensor backward), the partial as
//! the trace prints it, and where it has a kink or a pole (what both gradient checks watch).
//!
//! Everything else is generated from these rows by the consumers of [`primitives`]: the
//! [`Fn1`](super::Fn1)/[`Fn2`](super::Fn2) enums and their methods, the packed record code and
//! the sweep's dispatch (`tape::code`), the per-function tensor kernels (`tensor::kernels`),
//! the `Var` and `Tensor` methods with their `try_` twins, and the expression language's
//! function list. `x^k` for a constant integer `k` (`Fn1::Powi`) carries a payload and is
//! written by hand beside the generated code.

/// Calls the macro `$then` with `($args…)` and every row of the table.
macro_rules! primitives {
    ($($then:ident)::+ $(, $arg:tt)*) => {
        $($then)::+! { ($($arg)*)
        unary {
            /// −x (the unary `-` operator). Derivative: −1.
            Neg {
                name: "neg", api: [],
                eval: |x| -x;
                local: |a, y| Local::MinusOne;
                text: "-1";
                kink: [];
            }
            /// eˣ. Derivative: eˣ (the output itself), so `exp(710)` = ∞ with derivative ∞.
            Exp {
                name: "exp", api: [exp / try_exp, 0.0 => 1.0, 1.0],
                eval: |x| x.exp();
                local: |a, y| Local::Of(y);
                text: "y";
                kink: [];
            }
            /// Natural logarithm. Derivative: 1/x. `ln(0)` = −∞, `ln` of a negative is NaN.
            Ln {
                name: "log", api: [ln / try_ln, 1.0 => 0.0, 1.0; alias log / try_log],
                eval: |x| x.ln();
                local: |a, y| Local::Of(a.recip());
                text: "1/a";
                kink: [];
            }
            /// Hyperbolic tangent. Derivative: 1 − tanh²(x), exactly 0 where tanh rounds to ±1
            /// (`tanh(400)` = 1 with derivative 0).
            Tanh {
                name: "tanh", api: [tanh / try_tanh, 400.0 => 1.0, 0.0],
                eval: |x| x.tanh();
                local: |a, y| Local::Of(a.lit(1.0) - y * y);
                text: "1 - y^2";
                kink: [];
            }
            /// Logistic sigmoid σ(x) = 1 / (1 + e⁻ˣ), computed without overflow.
            /// Derivative: σ(x)(1 − σ(x)); `sigmoid(800)` = 1 and `sigmoid(-800)` = 0, both
            /// with derivative exactly 0.
            Sigmoid {
                name: "sigmoid", api: [sigmoid / try_sigmoid, 0.0 => 0.5, 0.25],
                // Two branches so e^(-x) never overflows: sigmoid(-800) is exactly 0, not NaN.
                eval: |x| if x >= 0.0 {
                    1.0 / (1.0 + (-x).exp())
                } else {
                    let e = x.exp();
                    e / (1.0 + e)
                };
                local: |a, y| Local::Of(y * (a.lit(1.0) - y));
                text: "y(1 - y)";
                kink: [];
            }
            /// max(x, 0). Derivative: 1 for x > 0, 0 for x ≤ 0 (relu'(0) = 0, as in PyTorch).
            Relu {
                name: "relu", api: [relu / try_relu, 0.0 => 0.0, 0.0],
                // `<= 0` is false for NaN, so NaN propagates as in PyTorch.
                eval: |x| if x <= 0.0 { 0.0 } else { x };
                local: |a, y| Local::Of(a.step());
                text: "[a > 0]";
                kink: ["relu"];
            }
            /// Sine. Derivative: cos x.
            Sin {
                name: "sin", api: [sin / try_sin, 0.0 => 0.0, 1.0],
                eval: |x| x.sin();
                local: |a, y| Local::Of(a.cos());
                text: "cos(a)";
                kink: [];
            }
            /// Cosine. Derivative: −sin x.
            Cos {
                name: "cos", api: [cos / try_cos, 0.0 => 1.0, 0.0],
                eval: |x| x.cos();
                local: |a, y| Local::Of(-a.sin());
                text: "-sin(a)";
                kink: [];
            }
            /// Square root. Derivative: 1 / (2√x); at x = 0 the value is 0 and the derivative
            /// +∞.
            Sqrt {
                name: "sqrt", api: [sqrt / try_sqrt, 0.0 => 0.0, f64::INFINITY],
                eval: |x| x.sqrt();
                local: |a, y| Local::Of(a.lit(0.5) / y);
                text: "1/(2y)";
                kink: [];
            }
            /// Absolute value. Derivative: sign(x), with abs'(0) = 0 (PyTorch's convention).
            Abs {
                name: "abs", api: [abs / try_abs, -2.0 => 2.0, -1.0],
                eval: |x| x.abs();
                local: |a, y| Local::Of(a.sign());
                text: "sign(a)";
                kink: ["abs"];
            }
        }
        binary {
            /// a + b (the `+` operator). Derivatives: 1, 1.
            Add {
                name: "+", api: [],
                eval: |a, b| a + b;
                locals: |a, b, y| (Local::One, Some(Local::One));
                text: ("1", "1");
                kink: [];
            }
            /// a − b (the `-` operator). Derivatives: 1, −1.
            Sub {
                name: "-", api: [],
                eval: |a, b| a - b;
                locals: |a, b, y| (Local::One, Some(Local::MinusOne));
                text: ("1", "-1");
                kink: [];
            }
            /// a · b (the `*` operator). Derivatives: b, a.
            Mul {
                name: "*", api: [],
                eval: |a, b| a * b;
                locals: |a, b, y| (Local::Of(b), Some(Local::Of(a)));
                text: ("b", "a");
                kink: [];
            }
            /// a / b (the `/` operator). Derivatives: 1/b, −a/b² = −y/b.
            Div {
                name: "/", api: [],
                eval: |a, b| a / b;
                locals: |a, b, y| (Local::Of(b.recip()), Some(Local::Of(-(y / b))));
                text: ("1/b", "-y/b");
                kink: ["a pole of /", |a, b| b];
            }
            /// The larger of `self` and `other` (NaN if either is NaN), NumPy's and PyTorch's
            /// elementwise `maximum`. Derivative: 1 for the larger input, 0 for the other; at a
            /// tie each gets ½, so `x.maximum(zero)` at x = 0 has derivative ½ (unlike `relu`).
            Max {
                name: "max", api: [maximum / try_maximum, (1.0, 1.0) => 1.0, (0.5, 0.5)],
                eval: |a, b| if a.is_nan() || b.is_nan() { a + b } else if a >= b { a } else { b };
                locals: |a, b, y| {
                    let (wa, wb) = a.tie_weights(b);
                    (Local::Of(wa), Some(Local::Of(wb)))
                };
                text: ("[a > b] (½ at a tie)", "[b > a] (½ at a tie)");
                kink: ["max", |a, b| a - b];
            }
            /// The smaller of `self` and `other` (NaN if either is NaN), NumPy's `minimum`.
            /// Derivative: 1 for the smaller input, 0 for the other, ½ each at a tie.
            Min {
                name: "min", api: [minimum / try_minimum, (2.0, 3.0) => 2.0, (1.0, 0.0)],
                eval: |a, b| if a.is_nan() || b.is_nan() { a + b } else if a <= b { a } else { b };
                locals: |a, b, y| {
                    let (wa, wb) = b.tie_weights(a);
                    (Local::Of(wa), Some(Local::Of(wb)))
                };
                text: ("[a < b] (½ at a tie)", "[b < a] (½ at a tie)");
                kink: ["min", |a, b| a - b];
            }
            /// aᶜ with c the (constant) value of the second input. Derivative: c·aᶜ⁻¹; the
            /// exponent takes no gradient.
            Powf {
                name: "^", api: [],
                eval: |a, b| a.powf(b);
                locals: |a, b, y| {
                    let c = b.to_f64();
                    (Local::Of(a.lit(c) * a.powf(c - 1.0)), None)
                };
                text: ("c·a^(c-1)", "0 (constant exponent)");
                kink: [];
            }
        }
        }
    };
}

pub(crate) use primitives;
