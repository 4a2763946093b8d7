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
            /// softplus(x) = ln(1 + eˣ), the smooth relu. Derivative: σ(x) = 1 / (1 + e⁻ˣ).
            /// Computed as max(x, 0) + log1p(e^(−|x|)): `softplus(800)` = 800 and
            /// `softplus(-800)` = 0, never ∞ or NaN, and the tail keeps its digits
            /// (`softplus(-37)` = 8.5e-17). Accurate to 1 ulp (f64).
            Softplus {
                name: "softplus", api: [softplus / try_softplus, 0.0 => std::f64::consts::LN_2, 0.5],
                eval: |x| special::softplus(x);
                local: |a, y| Local::Of(a.sigmoid());
                text: "sigmoid(a)";
                kink: [];
            }
            /// ln(1 + x), accurate near 0 where `ln(1.0 + x)` loses every digit of a tiny x.
            /// Derivative: 1 / (1 + x). Accurate to 1 ulp (f64).
            Log1p {
                name: "log1p", api: [log1p / try_log1p, 0.0 => 0.0, 1.0],
                eval: |x| special::log1p(x);
                local: |a, y| Local::Of((a + a.lit(1.0)).recip());
                text: "1/(1 + a)";
                kink: [];
            }
            /// eˣ − 1, accurate near 0 where `exp(x) - 1.0` loses every digit of a tiny x.
            /// Derivative: eˣ (computed as such, not as y + 1, which loses digits for x ≪ 0).
            /// Accurate to 1 ulp (f64).
            Expm1 {
                name: "expm1", api: [expm1 / try_expm1, 0.0 => 0.0, 1.0],
                eval: |x| special::expm1(x);
                local: |a, y| Local::Of(a.exp());
                text: "exp(a)";
                kink: [];
            }
            /// The error function erf(x) = (2/√π) ∫₀ˣ e^(−t²) dt (libm's, 1 ulp).
            /// Derivative: (2/√π)·e^(−x²), computed with x² carried exactly so the far tails
            /// keep their digits (`erf'(26.6)` to 1 ulp, where the textbook form is 96 ulp off).
            Erf {
                name: "erf", api: [erf / try_erf, 0.0 => 0.0, std::f64::consts::FRAC_2_SQRT_PI],
                eval: |x| special::erf(x);
                local: |a, y| Local::Of(Fn1::ErfGrad.of(a));
                text: "2/√π·exp(-a^2)";
                kink: [];
            }
            /// The complementary error function erfc(x) = 1 − erf(x), accurate where 1 − erf(x)
            /// cancels (`erfc(10)` = 2.1e-45, not 0; libm's, 2 ulp). Derivative: −(2/√π)·e^(−x²).
            Erfc {
                name: "erfc", api: [erfc / try_erfc, 0.0 => 1.0, -std::f64::consts::FRAC_2_SQRT_PI],
                eval: |x| special::erfc(x);
                local: |a, y| Local::Of(-Fn1::ErfGrad.of(a));
                text: "-2/√π·exp(-a^2)";
                kink: [];
            }
            /// GELU, x·Φ(x) with Φ the standard normal CDF: the exact erf form (PyTorch's
            /// default, not the tanh approximation). Derivative: Φ(x) + x·φ(x), φ the normal
            /// density. Both keep their digits in the far negative tail, where
            /// 0.5·x·(1 + erf(x/√2)) gives 0 (`gelu(-10)` = −7.6e-23): 2 ulp for gelu, 3 ulp for
            /// its derivative away from its root near −0.75 (absolute error 6e-17 there).
            Gelu {
                name: "gelu", api: [gelu / try_gelu, 0.0 => 0.0, 0.5],
                eval: |x| special::gelu(x);
                local: |a, y| Local::Of(Fn1::GeluGrad.of(a));
                text: "Φ(a) + a·φ(a)";
                kink: [];
            }
            /// Leaky relu: x for x > 0, 0.01·x otherwise (PyTorch's default slope).
            /// Derivative: 1 for x > 0, 0.01 for x ≤ 0, so leaky_relu'(0) = 0.01 as in PyTorch.
            LeakyRelu {
                name: "leaky_relu", api: [leaky_relu / try_leaky_relu, -1.0 => -0.01, 0.01],
                eval: |x| special::leaky_relu(x);
                local: |a, y| {
                    let slope = special::LEAKY_SLOPE;
                    Local::Of(a.step() * a.lit(1.0 - slope) + a.lit(slope))
                };
                text: "[a > 0] + 0.01·[a ≤ 0]";
                kink: ["leaky_relu"];
            }
            /// ELU with α = 1: x for x > 0, eˣ − 1 otherwise (computed with expm1).
            /// Derivative: 1 for x > 0, eˣ for x ≤ 0, so elu'(0) = 1 (continuous there; the
            /// second derivative jumps from 1 to 0 and is ½ at 0, the tie of the min below).
            Elu {
                name: "elu", api: [elu / try_elu, 0.0 => 0.0, 1.0],
                eval: |x| special::elu(x);
                local: |a, y| Local::Of(a.min(a.lit(0.0)).exp());
                text: "exp(min(a, 0))";
                kink: [];
            }
            /// Arctangent, in (−π/2, π/2). Derivative: 1 / (1 + x²) (0 once x² overflows, past
            /// |x| ≈ 1.3e154, where the true value is below 6e-309).
            Atan {
                name: "atan", api: [atan / try_atan, 1.0 => std::f64::consts::FRAC_PI_4, 0.5],
                eval: |x| special::atan(x);
                local: |a, y| Local::Of((a.lit(1.0) + a * a).recip());
                text: "1/(1 + a^2)";
                kink: [];
            }
            /// SiLU (swish), x·σ(x): PyTorch's `F.silu`, JAX's `jax.nn.silu`.
            /// Derivative: σ(x)(1 + x·σ(−x)), with σ(−x) rather than 1 − σ(x), which is 0 once
            /// σ(x) rounds to 1 (x ≳ 37) while the true term is not.
            Silu {
                name: "silu", api: [silu / try_silu, 0.0 => 0.0, 0.5],
                eval: |x| x * Fn1::Sigmoid.eval(x);
                local: |a, y| {
                    let s = a.sigmoid();
                    Local::Of(s + a * s * (-a).sigmoid())
                };
                text: "σ(a)(1 + a·σ(-a))";
                kink: [];
            }
            /// erf's derivative (2/√π)·e^(−x²), accurate in the tails; a row of its own so the
            /// recorded backward of erf can be differentiated again. Derivative: −2x·y.
            ErfGrad {
                name: "erf'", api: [],
                eval: |x| special::erf_grad(x);
                local: |a, y| Local::Of(a.lit(-2.0) * a * y);
                text: "-2a·y";
                kink: [];
            }
            /// gelu's derivative Φ(x) + x·φ(x), accurate in the tails; a row of its own so the
            /// recorded backward of gelu can be differentiated again.
            /// Derivative: φ(x)·(2 − x²).
            GeluGrad {
                name: "gelu'", api: [],
                eval: |x| special::gelu_grad(x);
                local: |a, y| {
                    let pdf = (a * a * a.lit(-0.5)).exp() * a.lit(FRAC_1_SQRT_2PI);
                    Local::Of(pdf * (a.lit(2.0) - a * a))
                };
                text: "φ(a)(2 - a^2)";
                kink: [];
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
