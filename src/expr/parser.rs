//! The parser: tokens in, a flat [`Program`] out, with no recursion.
//!
//! An operator-precedence (shunting-yard) parser. Pending operators, open parentheses and open
//! function calls wait on an explicit stack; finished operands are instruction indices on a
//! second stack. Depth of nesting costs heap memory, never call-stack frames, so 200,000 nested
//! parentheses parse like any other input.
//!
//! The parser alternates between two states: expecting an operand (a number, a name, `-`, `(`
//! or a function call) and expecting an operator (a binary operator, `^`, `)`, `,`, `;` or the
//! end). Precedences: `+ -` 1, `* /` 2, unary `-` 3; `^` binds its exponent at once to the
//! operand just finished, which is always the atom before it.

use std::collections::HashMap;

use super::func::{self, Func};
use super::lexer::{Lexer, Tok, Token};
use super::{Instr, Pos, Program};
use crate::error::Result;
use crate::rules::{Fn1, Fn2};

/// An operator or bracket waiting for its operands.
#[derive(Clone, Copy, Debug)]
enum Pending {
    /// Unary minus.
    Neg,
    /// A binary operator.
    Bin(Fn2),
    /// An open `(`.
    Paren(Pos),
    /// An open function call, with the number of arguments already finished.
    Call { f: Func, pos: Pos, done: usize },
}

impl Pending {
    /// Binding strength of an operator; 0 for brackets, which stop a reduction.
    fn prec(self) -> u8 {
        match self {
            Pending::Bin(Fn2::Add | Fn2::Sub) => 1,
            Pending::Bin(_) => 2,
            Pending::Neg => 3,
            Pending::Paren(_) | Pending::Call { .. } => 0,
        }
    }
}

/// What the parser expects next.
#[derive(Clone, Copy, Debug, PartialEq)]
enum State {
    /// An operand.
    Operand,
    /// An operator, after an operand.
    Operator,
    /// An operator, after `atom ^ exponent` (another `^` is an error).
    AfterPower,
}

struct Parser<'s> {
    lex: Lexer<'s>,
    code: Vec<Instr>,
    /// Current binding of every name seen.
    env: HashMap<&'s str, u32>,
    inputs: Vec<String>,
    input_pos: Vec<Pos>,
    input_instr: Vec<u32>,
    statements: Vec<(String, u32)>,
    ops: Vec<Pending>,
    vals: Vec<u32>,
    /// The last token consumed, and the one before it (for hints such as `**`).
    last: Tok<'s>,
    prev: Tok<'s>,
}

pub(super) fn parse(src: &str) -> Result<Program> {
    let mut p = Parser {
        lex: Lexer::new(src),
        code: Vec::new(),
        env: HashMap::new(),
        inputs: Vec::new(),
        input_pos: Vec::new(),
        input_instr: Vec::new(),
        statements: Vec::new(),
        ops: Vec::new(),
        vals: Vec::new(),
        last: Tok::End,
        prev: Tok::End,
    };
    let result = p.program()?;
    Ok(Program {
        code: p.code,
        inputs: p.inputs,
        input_pos: p.input_pos,
        input_instr: p.input_instr,
        statements: p.statements,
        result,
    })
}

/// "expected X but found Y", with the end of input worded naturally.
fn expected(what: &str, t: &Token<'_>) -> crate::Error {
    match t.tok {
        Tok::End => t
            .pos
            .error(format!("unexpected end of input: expected {what}")),
        _ => t
            .pos
            .error(format!("expected {what} but found {}", t.tok.describe())),
    }
}

const OPERAND: &str = "a number, a name or '('";

impl<'s> Parser<'s> {
    /// Consumes the next token; `prev` becomes the one consumed before it.
    fn next(&mut self) -> Result<Token<'s>> {
        let t = self.lex.next_token()?;
        self.prev = std::mem::replace(&mut self.last, t.tok);
        Ok(t)
    }

    fn push(&mut self, i: Instr) -> u32 {
        let k = self.code.len() as u32;
        self.code.push(i);
        k
    }

    fn program(&mut self) -> Result<u32> {
        let mut target = self.statement_start()?;
        let mut state = State::Operand;
        loop {
            let t = self.next()?;
            state = match (state, t.tok) {
                (State::Operand, _) => self.operand(t)?,
                (_, Tok::Punct(';')) => {
                    self.close_statement(&t)?;
                    let Some(name) = target else {
                        return Err(t.pos.error(
                            "';' ends an assignment, but this statement is not \
                             `name = expression`",
                        ));
                    };
                    let v = self.vals.pop().expect("a finished statement has a value");
                    self.env.insert(name, v);
                    self.statements.push((name.to_string(), v));
                    target = self.statement_start()?;
                    State::Operand
                }
                (_, Tok::End) => {
                    self.close_statement(&t)?;
                    if let Some(name) = target {
                        return Err(t.pos.error(format!(
                            "the program ends with an assignment to '{name}'; add the \
                             expression to evaluate after a ';' (e.g. `{name} = ...; {name}`)"
                        )));
                    }
                    return Ok(self.vals.pop().expect("a finished program has a value"));
                }
                _ => self.operator(t, state)?,
            };
        }
    }

    /// At the start of a statement, `name =` begins an assignment: consumes it, returns the name.
    fn statement_start(&mut self) -> Result<Option<&'s str>> {
        let first = self.lex.peek(0)?;
        let Tok::Ident(name) = first.tok else {
            return Ok(None);
        };
        if self.lex.peek(1)?.tok != Tok::Punct('=') {
            return Ok(None);
        }
        if func::is_function(name) {
            return Err(first.pos.error(format!(
                "cannot assign to '{name}': it is a built-in function; choose another name"
            )));
        }
        self.next()?;
        self.next()?; // '='
        Ok(Some(name))
    }

    /// A token where an operand is expected.
    fn operand(&mut self, t: Token<'s>) -> Result<State> {
        match t.tok {
            Tok::Num(v) => {
                let i = self.push(Instr::Const(v));
                self.vals.push(i);
                Ok(State::Operator)
            }
            Tok::Ident(name) => {
                if self.lex.peek(0)?.tok == Tok::Punct('(') {
                    let Some(f) = Func::lookup(name) else {
                        return Err(self.unknown_function(name, t.pos));
                    };
                    self.next()?;
                    self.ops.push(Pending::Call {
                        f,
                        pos: t.pos,
                        done: 0,
                    });
                    return Ok(State::Operand);
                }
                if func::is_function(name) {
                    return Err(t.pos.error(format!(
                        "'{name}' is a function, not a variable; call it as {name}(...)"
                    )));
                }
                let i = self.name(name, t.pos);
                self.vals.push(i);
                Ok(State::Operator)
            }
            Tok::Punct('-') => {
                self.ops.push(Pending::Neg);
                Ok(State::Operand)
            }
            Tok::Punct('(') => {
                self.ops.push(Pending::Paren(t.pos));
                Ok(State::Operand)
            }
            Tok::Punct(')') if self.prev == Tok::Punct('(') => match self.ops.last() {
                Some(&Pending::Call { f, pos, .. }) => Err(arity_error(f, pos, 0)),
                _ => Err(t
                    .pos
                    .error("empty parentheses: expected an expression inside '()'")),
            },
            Tok::Punct('*') if self.prev == Tok::Punct('*') => Err(t
                .pos
                .error("expected a number, a name or '(' but found '*' (powers are written x^2)")),
            Tok::End if self.ops.is_empty() && self.prev == Tok::End => {
                Err(t.pos.error("empty program: expected an expression"))
            }
            Tok::End if self.ops.is_empty() && self.prev == Tok::Punct(';') => Err(t
                .pos
                .error("unexpected end of input: expected the expression to evaluate after ';'")),
            _ => Err(expected(OPERAND, &t)),
        }
    }

    /// A token where an operator is expected (other than `;` and the end).
    fn operator(&mut self, t: Token<'s>, state: State) -> Result<State> {
        match t.tok {
            Tok::Punct('^') if state == State::AfterPower => Err(t.pos.error(
                "'^' cannot follow an exponent: write (x^a)^b, or x^c with the product c = a*b",
            )),
            Tok::Punct('^') => {
                let c = self.exponent()?;
                let a = self.vals.pop().expect("'^' follows an operand");
                let i = match crate::rules::integer_exponent(c) {
                    Some(k) => self.push(Instr::Unary(Fn1::Powi(k), a)),
                    None => self.push(Instr::Powf(a, c)),
                };
                self.vals.push(i);
                Ok(State::AfterPower)
            }
            Tok::Punct(c @ ('+' | '-' | '*' | '/')) => {
                let op = Pending::Bin(match c {
                    '+' => Fn2::Add,
                    '-' => Fn2::Sub,
                    '*' => Fn2::Mul,
                    _ => Fn2::Div,
                });
                self.reduce(op.prec());
                self.ops.push(op);
                Ok(State::Operand)
            }
            Tok::Punct(')') => {
                self.reduce(1);
                match self.ops.pop() {
                    Some(Pending::Paren(_)) => Ok(State::Operator),
                    Some(Pending::Call { f, pos, done }) => {
                        self.call(f, pos, done + 1)?;
                        Ok(State::Operator)
                    }
                    _ => Err(t.pos.error("unmatched ')'")),
                }
            }
            Tok::Punct(',') => {
                self.reduce(1);
                match self.ops.last_mut() {
                    Some(Pending::Call { done, .. }) => {
                        *done += 1;
                        Ok(State::Operand)
                    }
                    _ => Err(t.pos.error(
                        "',' separates the arguments of a function call and cannot appear \
                         outside one",
                    )),
                }
            }
            Tok::Punct('=') => Err(t.pos.error(
                "unexpected '=': an assignment `name = expression;` must begin a statement",
            )),
            Tok::Num(_) | Tok::Ident(_) | Tok::Punct('(') => {
                let hint = match (self.prev, t.tok) {
                    (Tok::Num(_) | Tok::Ident(_), Tok::Num(_) | Tok::Ident(_))
                        if state == State::Operator =>
                    {
                        format!(
                            " (write {}*{} for a product)",
                            plain(self.prev),
                            plain(t.tok)
                        )
                    }
                    _ => " (write '*' for a product)".into(),
                };
                Err(t.pos.error(format!(
                    "expected an operator but found {}{hint}",
                    t.tok.describe()
                )))
            }
            _ => Err(expected("an operator", &t)),
        }
    }

    /// The constant after `^`: `[-] NUMBER` or `( [-] NUMBER )`.
    fn exponent(&mut self) -> Result<f64> {
        let mut t = self.next()?;
        let paren = t.tok == Tok::Punct('(');
        if paren {
            t = self.next()?;
        }
        let neg = t.tok == Tok::Punct('-');
        if neg {
            t = self.next()?;
        }
        let Tok::Num(v) = t.tok else {
            return Err(match t.tok {
                Tok::End => t
                    .pos
                    .error("unexpected end of input: expected a constant exponent after '^'"),
                _ => t.pos.error(format!(
                    "the exponent after '^' must be a constant number (like x^2, x^-1 or \
                     x^(0.5)), but found {}; for a variable exponent write exp(y*log(x))",
                    t.tok.describe()
                )),
            });
        };
        if paren {
            let close = self.next()?;
            if close.tok != Tok::Punct(')') {
                return Err(expected(
                    "')' after the exponent (an exponent is a single constant number)",
                    &close,
                ));
            }
        }
        Ok(if neg { -v } else { v })
    }

    /// Applies every pending operator of precedence ≥ `min` (stops at brackets).
    fn reduce(&mut self, min: u8) {
        while let Some(&op) = self.ops.last() {
            if op.prec() == 0 || op.prec() < min {
                return;
            }
            self.ops.pop();
            let i = match op {
                Pending::Neg => {
                    let a = self.vals.pop().expect("'-' has an operand");
                    Instr::Unary(Fn1::Neg, a)
                }
                Pending::Bin(f) => {
                    let b = self.vals.pop().expect("a binary operator has two operands");
                    let a = self.vals.pop().expect("a binary operator has two operands");
                    Instr::Binary(f, a, b)
                }
                Pending::Paren(_) | Pending::Call { .. } => {
                    unreachable!("brackets stop a reduction")
                }
            };
            let k = self.push(i);
            self.vals.push(k);
        }
    }

    /// Finishes a statement at `;` or the end: every bracket must be closed.
    fn close_statement(&mut self, at: &Token<'s>) -> Result<()> {
        self.reduce(1);
        let before = match at.tok {
            Tok::End => "the end of the input".to_string(),
            _ => format!("{} at {}", at.tok.describe(), at.pos),
        };
        match self.ops.last() {
            None => Ok(()),
            Some(Pending::Call { f, pos, .. }) => Err(pos.error(format!(
                "the call {}( is not closed before {before}: expected ')'",
                f.name()
            ))),
            Some(Pending::Paren(pos)) => Err(pos.error(format!(
                "this '(' is not closed before {before}: expected ')'"
            ))),
            Some(op) => unreachable!("operators were reduced, found {op:?}"),
        }
    }

    /// Finishes a call of `f` with `given` arguments on the value stack.
    fn call(&mut self, f: Func, pos: Pos, given: usize) -> Result<()> {
        if given != f.arity() {
            return Err(arity_error(f, pos, given));
        }
        let i = match f {
            Func::One(f) => {
                let a = self.vals.pop().expect("one argument");
                Instr::Unary(f, a)
            }
            Func::Two(f) => {
                let b = self.vals.pop().expect("two arguments");
                let a = self.vals.pop().expect("two arguments");
                Instr::Binary(f, a, b)
            }
        };
        let k = self.push(i);
        self.vals.push(k);
        Ok(())
    }

    /// The node a name stands for: its current binding, or a new input on first use.
    fn name(&mut self, name: &'s str, pos: Pos) -> u32 {
        if let Some(&i) = self.env.get(name) {
            return i;
        }
        let i = self.push(Instr::Input(self.inputs.len() as u32));
        self.inputs.push(name.to_string());
        self.input_pos.push(pos);
        self.input_instr.push(i);
        self.env.insert(name, i);
        i
    }

    fn unknown_function(&self, name: &str, pos: Pos) -> crate::Error {
        if self.env.contains_key(name) {
            return pos.error(format!(
                "'{name}' is a variable, not a function (write {name}*(...) for a product)"
            ));
        }
        match func::suggest(name) {
            Some(s) => pos.error(format!("unknown function '{name}' (did you mean '{s}'?)")),
            None => pos.error(format!(
                "unknown function '{name}' (the functions are {}; for a product write \
                 {name}*(...))",
                func::FUNCTIONS.join(", ")
            )),
        }
    }
}

fn arity_error(f: Func, pos: Pos, given: usize) -> crate::Error {
    let n = f.arity();
    pos.error(format!(
        "{} takes {n} argument{}, but {given} {} given",
        f.name(),
        if n == 1 { "" } else { "s" },
        if given == 1 { "was" } else { "were" },
    ))
}

/// A token as source text, for hints.
fn plain(t: Tok<'_>) -> String {
    match t {
        Tok::Num(v) => v.to_string(),
        Tok::Ident(s) => s.to_string(),
        Tok::Punct(c) => c.to_string(),
        Tok::End => String::new(),
    }
}
