//! The derivative rules of [`rules`](crate::rules) as text, for tables and pictures.
//!
//! In a rule, `a` and `b` are a node's inputs (in operand order), `y` its output, `c` the
//! constant exponent of `a^c`, and `aᵢ` any operand of a sum.

use crate::rules::{Fn1, Fn2};
use crate::tape::Op;

use super::num::fmt_num;

/// How text output is drawn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum TextStyle {
    /// Box-drawing table borders and math symbols: `∂tanh(a)/∂a = 1 − y²`.
    #[default]
    Unicode,
    /// Plain 7-bit ASCII: `d tanh(a)/da = 1 - y^2`.
    Ascii,
}

/// How many operands of a sum a one-line expression lists before `…`.
const SUM_SHOWN: usize = 6;

/// The name an operand has in the rules: `a`, `b`, `c` (an exponent) or `aᵢ` (a sum operand).
fn operand_name(op: Op, operand: usize) -> &'static str {
    match (op, operand) {
        (Op::Sum { .. }, _) => "a_i",
        (Op::Primitive { .. }, j) => PRIM_OPERANDS.get(j).copied().unwrap_or("x_i"),
        (Op::Binary(Fn2::Powf, _, _), 1) => "c",
        (_, 0) => "a",
        _ => "b",
    }
}

/// The operand names of a user-defined primitive, in input order (`x_i` beyond).
const PRIM_OPERANDS: [&str; 6] = ["a", "b", "c", "d", "e", "f"];

/// `name(a, b, …)` for a primitive of `arity` inputs.
fn primitive_call(name: &str, arity: usize) -> String {
    let mut args: Vec<&str> = PRIM_OPERANDS.iter().copied().take(arity).collect();
    if arity > PRIM_OPERANDS.len() {
        args.push("…");
    }
    format!("{name}({})", args.join(", "))
}

/// The node's function of its operands, in the rules' names: `tanh(a)`, `a * b`, `a^2`.
fn function_text(op: Op) -> String {
    match op {
        Op::Var | Op::Const => "y".into(),
        Op::Unary(Fn1::Neg, _) => "-a".into(),
        Op::Unary(Fn1::Powi(k), _) => power("a", k),
        Op::Unary(f, _) => format!("{}(a)", f.name()),
        Op::Binary(f @ (Fn2::Max | Fn2::Min), _, _) => format!("{}(a, b)", f.name()),
        Op::Binary(Fn2::Powf, _, _) => "a^c".into(),
        Op::Binary(f, _, _) => format!("a {} b", f.name()),
        Op::Sum { .. } => "sum(a_i)".into(),
        Op::Primitive { name, .. } => primitive_call(name.as_str(), name.arity()),
        Op::Tensor(_) => format!("{}(a, …)", op.name()),
    }
}

/// `x^k`, with a negative `k` in parentheses.
fn power(x: &str, k: i32) -> String {
    if k < 0 {
        format!("{x}^({k})")
    } else {
        format!("{x}^{k}")
    }
}

/// ∂y/∂operand as the rule's formula (mixed notation, as [`rules`](crate::rules) writes it).
fn derivative_text(op: Op, operand: usize) -> String {
    match op {
        Op::Var | Op::Const => "1".into(),
        Op::Unary(f, _) => {
            let d = f.derivative_text();
            // k·a^1 reads better as k·a.
            match d.strip_suffix("·a^1") {
                Some(k) => format!("{k}·a"),
                None => d,
            }
        }
        Op::Binary(f, _, _) => {
            let (da, db) = f.derivative_text();
            if operand == 0 { da } else { db }.into()
        }
        Op::Sum { .. } => "1".into(),
        // A user-defined rule has no formula text: the number is its pullback's, with g = 1.
        Op::Primitive { .. } => "pullback".into(),
        Op::Tensor(_) => "(a tensor rule, see tensor::rules)".into(),
    }
}

/// The local partial of `op` with respect to one operand, as a full line:
/// `∂tanh(a)/∂a = 1 − y² = 0.42` (the value is left out when the rule is a plain number, as in
/// `∂(a + b)/∂a = 1`, or when there is none).
pub(crate) fn partial_text(
    op: Op,
    operand: usize,
    value: Option<f64>,
    sig: usize,
    style: TextStyle,
) -> String {
    let f = styled(&function_text(op), style);
    let v = styled(operand_name(op, operand), style);
    let wrap = matches!(
        op,
        Op::Unary(Fn1::Neg | Fn1::Powi(_), _)
            | Op::Binary(Fn2::Add | Fn2::Sub | Fn2::Mul | Fn2::Div | Fn2::Powf, _, _)
    );
    let (d, space) = match style {
        TextStyle::Unicode => ("∂", ""),
        TextStyle::Ascii => ("d", " "),
    };
    let mut s = if wrap {
        format!("{d}({f})/{d}{v}")
    } else {
        format!("{d}{space}{f}/{d}{v}")
    };
    let rule = derivative_text(op, operand);
    s.push_str(" = ");
    s.push_str(&styled(&rule, style));
    if let Some(x) = value
        && rule.parse::<f64>().is_err()
    {
        s.push_str(" = ");
        s.push_str(&fmt_num(x, sig)); // numbers keep an ASCII minus, to be pasted
    }
    s
}

/// How many leading elements a tensor summary shows.
const SUMMARY_SHOWN: usize = 3;

/// A tensor in one cell: its shape, norm and first elements, `[2, 3] ‖·‖=1.5 (0.1, −0.2, 1, …)`
/// (`|.|=` in ASCII); a scalar (shape `[]`) is just its number.
pub(crate) fn summary(shape: &[usize], x: &[f64], sig: usize, style: TextStyle) -> String {
    if shape.is_empty() && x.len() == 1 {
        return fmt_num(x[0], sig);
    }
    let norm = x.iter().map(|v| v * v).sum::<f64>().sqrt();
    let first: Vec<String> = x
        .iter()
        .take(SUMMARY_SHOWN)
        .map(|&v| fmt_num(v, sig))
        .collect();
    let (bars, dots) = match style {
        TextStyle::Unicode => ("‖·‖", "…"),
        TextStyle::Ascii => ("|.|", "..."),
    };
    let more = if x.len() > SUMMARY_SHOWN {
        format!(", {dots}")
    } else {
        String::new()
    };
    format!(
        "{shape:?} {bars}={} ({}{more})",
        fmt_num(norm, sig),
        first.join(", ")
    )
}

/// The rule of a tensor op's input as a line: the op, the operand, and the shapes the gradient
/// goes between, `∂matmul(a, b)/∂b: [4, 8] → [3, 8]` (the partials are a Jacobian the sweep
/// never forms, so there is no single number to show).
pub(crate) fn tensor_rule_text(
    name: &str,
    operand: usize,
    arity: usize,
    from: &[usize],
    to: &[usize],
    style: TextStyle,
) -> String {
    let call = primitive_call(name, arity);
    let v = PRIM_OPERANDS.get(operand).copied().unwrap_or("x_i");
    match style {
        TextStyle::Unicode => format!("∂{call}/∂{v}: {from:?} → {to:?}"),
        TextStyle::Ascii => format!("d {call}/d{v}: {from:?} -> {to:?}"),
    }
}

/// What a node computes, with its inputs' labels: `w * x`, `tanh(n4)`, `sum(n1, n2, …)`.
/// Labels are written as given; only the operators follow the style.
pub(crate) fn computes_text(op: Op, inputs: &[String], style: TextStyle) -> String {
    let arg = |i: usize| inputs.get(i).map_or("?", String::as_str);
    let uni = style == TextStyle::Unicode;
    match op {
        Op::Var => "var".into(),
        Op::Const => "const".into(),
        Op::Unary(Fn1::Neg, _) => format!("{}{}", if uni { "−" } else { "-" }, arg(0)),
        Op::Unary(Fn1::Powi(k), _) => {
            let p = power("", k);
            format!("{}{}", arg(0), if uni { unicode(&p) } else { p })
        }
        Op::Unary(f, _) => format!("{}({})", f.name(), arg(0)),
        Op::Binary(f @ (Fn2::Max | Fn2::Min), _, _) => {
            format!("{}({}, {})", f.name(), arg(0), arg(1))
        }
        Op::Binary(Fn2::Powf, _, _) => format!("{}^{}", arg(0), arg(1)),
        Op::Binary(f, _, _) => {
            let sym = match (f, uni) {
                (Fn2::Mul, true) => "·",
                (Fn2::Sub, true) => "−",
                _ => f.name(),
            };
            format!("{} {sym} {}", arg(0), arg(1))
        }
        Op::Sum { .. } => {
            let mut s = String::from("sum(");
            for (i, x) in inputs.iter().take(SUM_SHOWN).enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                s.push_str(x);
            }
            if inputs.len() > SUM_SHOWN {
                let more = inputs.len() - SUM_SHOWN;
                s.push_str(&format!(", {} +{more} more", if uni { "…" } else { "..." }));
            }
            s.push(')');
            s
        }
        Op::Primitive { .. } | Op::Tensor(_) => format!("{}({})", op.name(), inputs.join(", ")),
    }
}

/// The op as a short symbol for a picture: `*`, `tanh`, `^2`, `sum`, `var`.
pub(crate) fn op_symbol(op: Op) -> String {
    match op {
        Op::Unary(Fn1::Powi(k), _) => power("", k),
        Op::Unary(Fn1::Neg, _) => "neg".into(),
        _ => op.name().into(),
    }
}

/// Rewrites mixed rule notation into one style: math symbols or plain ASCII.
pub(crate) fn styled(s: &str, style: TextStyle) -> String {
    match style {
        TextStyle::Ascii => s
            .replace('·', "*")
            .replace('½', "1/2")
            .replace('−', "-")
            .replace('…', "..."),
        TextStyle::Unicode => unicode(s),
    }
}

/// Rule templates in math symbols: `-` → `−`, `*` → `·`, `^2` → `²`, `a_i` → `aᵢ`,
/// `sum(a_i)` → `Σaᵢ`. Only for the crate's own templates, never for user text.
fn unicode(s: &str) -> String {
    let s = s
        .replace("sum(a_i)", "Σaᵢ")
        .replace("a_i", "aᵢ")
        .replace(" * ", "·")
        .replace('*', "·");
    let mut out = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '^' {
            // ^k or ^(-k) with an integer k: superscript digits.
            let (start, paren) = if chars.get(i + 1) == Some(&'(') {
                (i + 2, true)
            } else {
                (i + 1, false)
            };
            let mut j = start;
            if chars.get(j) == Some(&'-') {
                j += 1;
            }
            let digits_from = j;
            while chars.get(j).is_some_and(char::is_ascii_digit) {
                j += 1;
            }
            let closed = !paren || chars.get(j) == Some(&')');
            if j > digits_from && closed {
                for &d in &chars[start..j] {
                    out.push(superscript(d));
                }
                i = if paren { j + 1 } else { j };
                continue;
            }
        }
        out.push(if c == '-' { '−' } else { c });
        i += 1;
    }
    out
}

fn superscript(c: char) -> char {
    match c {
        '0' => '⁰',
        '1' => '¹',
        '2' => '²',
        '3' => '³',
        '4' => '⁴',
        '5' => '⁵',
        '6' => '⁶',
        '7' => '⁷',
        '8' => '⁸',
        '9' => '⁹',
        '-' => '⁻',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const U: TextStyle = TextStyle::Unicode;
    const A: TextStyle = TextStyle::Ascii;

    #[test]
    fn tanh_rule_in_both_styles() {
        let op = Op::Unary(Fn1::Tanh, 0);
        assert_eq!(
            partial_text(op, 0, Some(0.42), 4, U),
            "∂tanh(a)/∂a = 1 − y² = 0.42"
        );
        assert_eq!(
            partial_text(op, 0, Some(0.42), 4, A),
            "d tanh(a)/da = 1 - y^2 = 0.42"
        );
    }

    #[test]
    fn constant_rules_do_not_repeat_the_number() {
        let add = Op::Binary(Fn2::Add, 0, 1);
        assert_eq!(partial_text(add, 1, Some(1.0), 4, U), "∂(a + b)/∂b = 1");
        let sub = Op::Binary(Fn2::Sub, 0, 1);
        assert_eq!(partial_text(sub, 1, Some(-1.0), 4, U), "∂(a − b)/∂b = −1");
        let sum = Op::Sum { start: 0, len: 3 };
        assert_eq!(partial_text(sum, 2, Some(1.0), 4, U), "∂Σaᵢ/∂aᵢ = 1");
        assert_eq!(partial_text(sum, 2, Some(1.0), 4, A), "d sum(a_i)/da_i = 1");
    }

    #[test]
    fn products_powers_and_kinks() {
        let mul = Op::Binary(Fn2::Mul, 0, 1);
        assert_eq!(partial_text(mul, 0, Some(2.0), 4, U), "∂(a·b)/∂a = b = 2");
        assert_eq!(partial_text(mul, 0, Some(2.0), 4, A), "d(a * b)/da = b = 2");
        let sq = Op::Unary(Fn1::Powi(2), 0);
        assert_eq!(partial_text(sq, 0, Some(6.0), 4, U), "∂(a²)/∂a = 2·a = 6");
        let p11 = Op::Unary(Fn1::Powi(11), 0);
        assert_eq!(partial_text(p11, 0, None, 4, A), "d(a^11)/da = 11*a^10");
        let inv = Op::Unary(Fn1::Powi(-1), 0);
        assert_eq!(
            partial_text(inv, 0, Some(-0.25), 4, U),
            "∂(a⁻¹)/∂a = −1·a⁻² = -0.25"
        );
        let max = Op::Binary(Fn2::Max, 0, 1);
        assert_eq!(
            partial_text(max, 0, Some(0.5), 4, A),
            "d max(a, b)/da = [a > b] (1/2 at a tie) = 0.5"
        );
        let pow = Op::Binary(Fn2::Powf, 0, 1);
        assert_eq!(
            partial_text(pow, 1, None, 4, U),
            "∂(a^c)/∂c = 0 (constant exponent)"
        );
    }

    #[test]
    fn computes_lists_inputs() {
        let l = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let mul = Op::Binary(Fn2::Mul, 0, 1);
        assert_eq!(computes_text(mul, &l(&["w", "x"]), U), "w · x");
        assert_eq!(computes_text(mul, &l(&["w", "x"]), A), "w * x");
        let t = Op::Unary(Fn1::Tanh, 0);
        assert_eq!(computes_text(t, &l(&["data_in-1"]), U), "tanh(data_in-1)");
        let sq = Op::Unary(Fn1::Powi(2), 0);
        assert_eq!(computes_text(sq, &l(&["x"]), U), "x²");
        assert_eq!(computes_text(sq, &l(&["x"]), A), "x^2");
        let names: Vec<String> = (0..9).map(|i| format!("n{i}")).collect();
        let sum = Op::Sum { start: 0, len: 9 };
        assert_eq!(
            computes_text(sum, &names, A),
            "sum(n0, n1, n2, n3, n4, n5, ... +3 more)"
        );
    }
}
