//! Printing a [`Program`] back in the language, with an explicit stack (no recursion).
//!
//! Assignments print as `name = expr; `; a node that has a name in scope prints as the name, so
//! shared subexpressions are never repeated. Parentheses appear only where the structure needs
//! them: a left operand binding looser than its operator, a right operand binding no tighter
//! (so `a - (b - c)` and `a + (b + c)` keep their shape), and any non-atom base of `^`.

use std::collections::HashMap;
use std::fmt::{self, Write};

use super::{Instr, Program};
use crate::rules::{Fn1, Fn2};

/// Binding strength of what an instruction prints as.
const ATOM: u8 = 5;
const POWER: u8 = 4;
const NEG: u8 = 3;

fn binary_prec(f: Fn2) -> u8 {
    match f {
        Fn2::Add | Fn2::Sub => 1,
        _ => 2,
    }
}

/// What is left to print.
enum Work {
    /// An instruction; `true` if it needs parentheses in its context.
    Node(u32, bool),
    Text(&'static str),
    /// The exponent of `^`.
    Exponent(f64),
}

/// A number literal that parses back to the same `f64`: plain digits in the usual range,
/// scientific notation for very large or small magnitudes.
pub(super) fn number(v: f64) -> String {
    let a = v.abs();
    if a != 0.0 && !(1e-5..1e16).contains(&a) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

struct Printer<'p> {
    p: &'p Program,
    /// The name in scope for an instruction, if any.
    names: Vec<Option<&'p str>>,
}

impl Printer<'_> {
    fn prec(&self, i: u32) -> u8 {
        if self.names[i as usize].is_some() {
            return ATOM;
        }
        match self.p.code[i as usize] {
            Instr::Input(_) | Instr::Const(_) => ATOM,
            Instr::Unary(Fn1::Neg, _) => NEG,
            Instr::Unary(Fn1::Powi(_), _) | Instr::Powf(..) => POWER,
            Instr::Unary(..) => ATOM,
            Instr::Binary(Fn2::Max | Fn2::Min, ..) => ATOM,
            Instr::Binary(f, ..) => binary_prec(f),
        }
    }

    /// Prints instruction `root` as an expression.
    fn expr(&self, f: &mut impl Write, root: u32) -> fmt::Result {
        let mut stack = vec![Work::Node(root, false)];
        while let Some(w) = stack.pop() {
            let (i, paren) = match w {
                Work::Text(s) => {
                    f.write_str(s)?;
                    continue;
                }
                Work::Exponent(c) => {
                    f.write_char('^')?;
                    if c < 0.0 {
                        f.write_char('-')?;
                    }
                    f.write_str(&number(c.abs()))?;
                    continue;
                }
                Work::Node(i, paren) => (i, paren),
            };
            if let Some(name) = self.names[i as usize] {
                f.write_str(name)?;
                continue;
            }
            if paren {
                f.write_char('(')?;
                stack.push(Work::Text(")"));
            }
            // Pieces are pushed in reverse: the stack prints the last pushed first.
            match self.p.code[i as usize] {
                Instr::Input(k) => f.write_str(&self.p.inputs[k as usize])?,
                Instr::Const(c) => f.write_str(&number(c))?,
                Instr::Unary(Fn1::Neg, a) => {
                    f.write_char('-')?;
                    stack.push(Work::Node(a, self.prec(a) < NEG));
                }
                Instr::Unary(Fn1::Powi(k), a) => {
                    stack.push(Work::Exponent(f64::from(k)));
                    stack.push(Work::Node(a, self.prec(a) < ATOM));
                }
                Instr::Powf(a, c) => {
                    stack.push(Work::Exponent(c));
                    stack.push(Work::Node(a, self.prec(a) < ATOM));
                }
                Instr::Unary(func, a) => {
                    f.write_str(func.name())?;
                    f.write_char('(')?;
                    stack.push(Work::Text(")"));
                    stack.push(Work::Node(a, false));
                }
                Instr::Binary(func @ (Fn2::Max | Fn2::Min), a, b) => {
                    f.write_str(func.name())?;
                    f.write_char('(')?;
                    stack.push(Work::Text(")"));
                    stack.push(Work::Node(b, false));
                    stack.push(Work::Text(", "));
                    stack.push(Work::Node(a, false));
                }
                Instr::Binary(func, a, b) => {
                    let p = binary_prec(func);
                    stack.push(Work::Node(b, self.prec(b) <= p));
                    stack.push(Work::Text(match func {
                        Fn2::Add => " + ",
                        Fn2::Sub => " - ",
                        Fn2::Mul => " * ",
                        _ => " / ",
                    }));
                    stack.push(Work::Node(a, self.prec(a) < p));
                }
            }
        }
        Ok(())
    }
}

impl fmt::Display for Program {
    /// The program in the language; parsing it gives the same program.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut pr = Printer {
            p: self,
            names: vec![None; self.code.len()],
        };
        // The bindings in scope, name -> instruction; inputs are bound from the start.
        let mut env: HashMap<&str, u32> = HashMap::new();
        for (name, &i) in self.inputs.iter().zip(&self.input_instr) {
            pr.names[i as usize] = Some(name);
            env.insert(name, i);
        }
        for (name, i) in &self.statements {
            let name = name.as_str();
            write!(f, "{name} = ")?;
            pr.expr(f, *i)?;
            f.write_str("; ")?;
            // Rebinding: the old node keeps a name only if another name still points at it.
            if let Some(old) = env.insert(name, *i)
                && old != *i
                && pr.names[old as usize] == Some(name)
            {
                pr.names[old as usize] = env
                    .iter()
                    .filter(|&(_, &j)| j == old)
                    .map(|(&other, _)| other)
                    .min();
            }
            pr.names[*i as usize].get_or_insert(name);
        }
        pr.expr(f, self.result)
    }
}
