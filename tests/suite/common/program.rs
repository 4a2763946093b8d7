//! Random straight-line programs over 1–3 variables that use every scalar op, built twice:
//! on a [`Graph`] (the thing under test) and as plain `f64` arithmetic written here with `std`
//! (the independent reference for finite differences).
//!
//! A generated [`Raw`] list of instructions is *resolved* at the point of evaluation: an
//! instruction whose argument is too close to a kink (relu/abs at 0, a max/min tie) or outside
//! its domain there (ln/sqrt/powf of ≤ 0, division near 0, a negative power of ≈ 0), or whose
//! result is huge, is dropped. What remains is a fixed [`Program`] that both the graph builder
//! and the `f64` evaluator run. [`Program::signature`] records on which side of every kink or
//! domain edge each instruction is, so a test can reject the rare case where a finite-difference
//! step crosses one.

use proptest::prelude::*;
use tapegrad::{Graph, Var};

/// Keep arguments of ln, sqrt, powf, 1/x and x⁻ᵏ at least this far from 0.
const DOMAIN_MARGIN: f64 = 0.1;
/// Keep relu/abs arguments and max/min differences at least this far from 0.
const KINK_MARGIN: f64 = 0.01;
/// Drop an instruction whose value is larger than this (keeps the problem well conditioned).
const MAX_VALUE: f64 = 1e4;

/// The instruction kinds a generator picks from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Add,
    Sub,
    Mul,
    Div,
    Neg,
    Powi,
    Powf,
    Exp,
    Ln,
    Tanh,
    Sigmoid,
    Relu,
    Sin,
    Cos,
    Sqrt,
    Abs,
    Max,
    Min,
    Sum,
    ConstLeft,
    ConstRight,
}

pub const KINDS: [Kind; 21] = [
    Kind::Add,
    Kind::Sub,
    Kind::Mul,
    Kind::Div,
    Kind::Neg,
    Kind::Powi,
    Kind::Powf,
    Kind::Exp,
    Kind::Ln,
    Kind::Tanh,
    Kind::Sigmoid,
    Kind::Relu,
    Kind::Sin,
    Kind::Cos,
    Kind::Sqrt,
    Kind::Abs,
    Kind::Max,
    Kind::Min,
    Kind::Sum,
    Kind::ConstLeft,
    Kind::ConstRight,
];

/// Exponents for `powf`: non-integers (recorded as powf) and integers (recorded as powi).
const POWF_EXPONENTS: [f64; 10] = [-1.5, -0.5, 0.5, 1.5, 2.5, 1.0 / 3.0, -2.0, 0.0, 2.0, 3.0];

/// One generated instruction before resolution: operand picks are reduced modulo the number of
/// values available when it is resolved.
#[derive(Clone, Debug)]
pub struct Raw {
    kind: Kind,
    picks: [usize; 5],
    sum_len: usize,
    k: i32,
    exponent: usize,
    c: f64,
    arith: usize,
    compound: bool,
}

/// `+ - * /` for the constant forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arith {
    Add,
    Sub,
    Mul,
    Div,
}

const ARITH: [Arith; 4] = [Arith::Add, Arith::Sub, Arith::Mul, Arith::Div];

/// A resolved instruction; indices name earlier values (variables first, then results).
#[derive(Clone, Debug)]
pub enum Instr {
    /// `a ∘ b` for ∘ in + − · / (as an operator, or as `a ∘= b` when `compound`).
    Arith(Arith, usize, usize, bool),
    Max(usize, usize),
    Min(usize, usize),
    Neg(usize),
    Powi(usize, i32),
    Powf(usize, f64),
    Exp(usize),
    Ln(usize),
    Tanh(usize),
    Sigmoid(usize),
    Relu(usize),
    Sin(usize),
    Cos(usize),
    Sqrt(usize),
    Abs(usize),
    /// `Graph::sum` of the listed values (repeats allowed).
    Sum(Vec<usize>),
    /// `c ∘ a` with a plain number on the left (`f64 ⊕ Var`).
    ConstLeft(Arith, f64, usize),
    /// `a ∘ c` with a plain number on the right (`Var ⊕ f64`).
    ConstRight(Arith, usize, f64),
}

/// A resolved program: `n_vars` inputs, then one value per instruction; the output is the sum
/// of every value no later instruction reads (so every instruction influences the output).
#[derive(Clone, Debug)]
pub struct Program {
    pub n_vars: usize,
    pub instrs: Vec<Instr>,
    pub outputs: Vec<usize>,
}

/// A generated test case: the point, the raw instructions and a direction for hvp.
#[derive(Clone, Debug)]
pub struct Case {
    pub x: Vec<f64>,
    pub raw: Vec<Raw>,
    pub v: Vec<f64>,
}

impl Case {
    /// The program resolved at this case's point.
    pub fn program(&self) -> Program {
        Program::resolve(&self.raw, &self.x)
    }
}

fn raw() -> impl Strategy<Value = Raw> {
    (
        0..KINDS.len(),
        [0..1000usize, 0..1000, 0..1000, 0..1000, 0..1000],
        1..=5usize,
        -3..=4i32,
        0..POWF_EXPONENTS.len(),
        prop_oneof![-3.0..-0.5, 0.5..3.0],
        (0..4usize, any::<bool>()),
    )
        .prop_map(
            |(kind, picks, sum_len, k, exponent, c, (arith, compound))| Raw {
                kind: KINDS[kind],
                picks,
                sum_len,
                k,
                exponent,
                c,
                arith,
                compound,
            },
        )
}

/// Points in [−3, 3]ⁿ for n = 1..=3, up to `max_len` instructions, and a direction in [−2, 2]ⁿ.
pub fn case(max_len: usize) -> impl Strategy<Value = Case> {
    (1..=3usize).prop_flat_map(move |n| {
        (
            proptest::collection::vec(-3.0..3.0f64, n),
            proptest::collection::vec(raw(), 1..=max_len),
            proptest::collection::vec(-2.0..2.0f64, n),
        )
            .prop_map(|(x, raw, v)| Case { x, raw, v })
    })
}

/// Half the picks name one of the three newest values (deep expressions), half any value.
fn pick(p: usize, len: usize) -> usize {
    if p < 500 {
        len - 1 - (p % len.min(3))
    } else {
        p % len
    }
}

impl Instr {
    /// The values this instruction reads.
    pub fn args(&self) -> Vec<usize> {
        match *self {
            Instr::Arith(_, a, b, _) | Instr::Max(a, b) | Instr::Min(a, b) => vec![a, b],
            Instr::Sum(ref xs) => xs.clone(),
            Instr::Neg(a)
            | Instr::Powi(a, _)
            | Instr::Powf(a, _)
            | Instr::Exp(a)
            | Instr::Ln(a)
            | Instr::Tanh(a)
            | Instr::Sigmoid(a)
            | Instr::Relu(a)
            | Instr::Sin(a)
            | Instr::Cos(a)
            | Instr::Sqrt(a)
            | Instr::Abs(a)
            | Instr::ConstLeft(_, _, a)
            | Instr::ConstRight(_, a, _) => vec![a],
        }
    }

    /// A label for coverage counts, fine enough to show that every case of every op was checked.
    pub fn label(&self) -> &'static str {
        match *self {
            Instr::Arith(Arith::Add, _, _, false) => "a + b",
            Instr::Arith(Arith::Sub, _, _, false) => "a - b",
            Instr::Arith(Arith::Mul, _, _, false) => "a * b",
            Instr::Arith(Arith::Div, _, _, false) => "a / b",
            Instr::Arith(_, _, _, true) => "a op= b",
            Instr::Max(a, b) if a == b => "max(a, a)",
            Instr::Min(a, b) if a == b => "min(a, a)",
            Instr::Max(..) => "max",
            Instr::Min(..) => "min",
            Instr::Neg(_) => "neg",
            Instr::Powi(_, k) if k < 0 => "powi(k < 0)",
            Instr::Powi(_, 0) => "powi(0)",
            Instr::Powi(..) => "powi(k > 0)",
            Instr::Powf(_, c) if c.fract() == 0.0 => "powf(integer c)",
            Instr::Powf(..) => "powf",
            Instr::Exp(_) => "exp",
            Instr::Ln(_) => "ln",
            Instr::Tanh(_) => "tanh",
            Instr::Sigmoid(_) => "sigmoid",
            Instr::Relu(_) => "relu",
            Instr::Sin(_) => "sin",
            Instr::Cos(_) => "cos",
            Instr::Sqrt(_) => "sqrt",
            Instr::Abs(_) => "abs",
            Instr::Sum(ref xs) if has_repeat(xs) => "sum (repeated operand)",
            Instr::Sum(_) => "sum",
            Instr::ConstLeft(Arith::Div, ..) => "c / a",
            Instr::ConstLeft(..) => "c op a",
            Instr::ConstRight(..) => "a op c",
        }
    }

    /// Plain `f64` evaluation, written with `std` only (independent of tapegrad's rules).
    fn eval(&self, r: &[f64]) -> f64 {
        match *self {
            Instr::Arith(op, a, b, _) => arith(op, r[a], r[b]),
            Instr::Max(a, b) => r[a].max(r[b]),
            Instr::Min(a, b) => r[a].min(r[b]),
            Instr::Neg(a) => -r[a],
            Instr::Powi(a, k) => r[a].powi(k),
            Instr::Powf(a, c) => r[a].powf(c),
            Instr::Exp(a) => r[a].exp(),
            Instr::Ln(a) => r[a].ln(),
            Instr::Tanh(a) => r[a].tanh(),
            Instr::Sigmoid(a) => 1.0 / (1.0 + (-r[a]).exp()),
            Instr::Relu(a) => r[a].max(0.0),
            Instr::Sin(a) => r[a].sin(),
            Instr::Cos(a) => r[a].cos(),
            Instr::Sqrt(a) => r[a].sqrt(),
            Instr::Abs(a) => r[a].abs(),
            Instr::Sum(ref xs) => xs.iter().map(|&i| r[i]).sum(),
            Instr::ConstLeft(op, c, a) => arith(op, c, r[a]),
            Instr::ConstRight(op, a, c) => arith(op, r[a], c),
        }
    }

    /// The quantity whose sign must not change between the centre and a finite-difference
    /// point, and the margin it must keep from 0 at the centre (`None`: smooth everywhere).
    fn edge(&self, r: &[f64]) -> Option<(f64, f64)> {
        match *self {
            Instr::Arith(Arith::Div, _, b, _) => Some((r[b], DOMAIN_MARGIN)),
            Instr::ConstLeft(Arith::Div, _, a) => Some((r[a], DOMAIN_MARGIN)),
            Instr::Max(a, b) | Instr::Min(a, b) if a != b => Some((r[a] - r[b], KINK_MARGIN)),
            Instr::Powi(a, k) if k < 0 => Some((r[a], DOMAIN_MARGIN)),
            Instr::Powf(a, c) if c < 0.0 || c.fract() != 0.0 => Some((r[a], DOMAIN_MARGIN)),
            Instr::Ln(a) | Instr::Sqrt(a) => Some((r[a], DOMAIN_MARGIN)),
            Instr::Relu(a) | Instr::Abs(a) => Some((r[a], KINK_MARGIN)),
            _ => None,
        }
    }

    /// True when the argument is inside the op's domain with margin (ln, sqrt and powf with a
    /// fractional exponent need a positive argument, the rest only distance from 0).
    fn admissible(&self, r: &[f64]) -> bool {
        let positive_only = match *self {
            Instr::Ln(_) | Instr::Sqrt(_) => true,
            Instr::Powf(_, c) => c.fract() != 0.0,
            _ => false,
        };
        match self.edge(r) {
            None => true,
            Some((q, margin)) if positive_only => q >= margin,
            Some((q, margin)) => q.abs() >= margin,
        }
    }
}

fn has_repeat(xs: &[usize]) -> bool {
    xs.iter().enumerate().any(|(i, a)| xs[..i].contains(a))
}

fn arith(op: Arith, a: f64, b: f64) -> f64 {
    match op {
        Arith::Add => a + b,
        Arith::Sub => a - b,
        Arith::Mul => a * b,
        Arith::Div => a / b,
    }
}

fn arith_var<'g>(op: Arith, a: Var<'g>, b: Var<'g>, compound: bool) -> Var<'g> {
    if compound {
        let mut r = a;
        match op {
            Arith::Add => r += b,
            Arith::Sub => r -= b,
            Arith::Mul => r *= b,
            Arith::Div => r /= b,
        }
        r
    } else {
        match op {
            Arith::Add => a + b,
            Arith::Sub => a - b,
            Arith::Mul => a * b,
            Arith::Div => a / b,
        }
    }
}

impl Raw {
    /// The concrete instruction this raw one stands for when `len` values exist.
    fn concrete(&self, len: usize) -> Instr {
        let p = |i: usize| pick(self.picks[i], len);
        let (a, b) = (p(0), p(1));
        match self.kind {
            Kind::Add => Instr::Arith(Arith::Add, a, b, self.compound),
            Kind::Sub => Instr::Arith(Arith::Sub, a, b, self.compound),
            Kind::Mul => Instr::Arith(Arith::Mul, a, b, self.compound),
            Kind::Div => Instr::Arith(Arith::Div, a, b, self.compound),
            Kind::Max => Instr::Max(a, b),
            Kind::Min => Instr::Min(a, b),
            Kind::Neg => Instr::Neg(a),
            Kind::Powi => Instr::Powi(a, self.k),
            Kind::Powf => Instr::Powf(a, POWF_EXPONENTS[self.exponent]),
            Kind::Exp => Instr::Exp(a),
            Kind::Ln => Instr::Ln(a),
            Kind::Tanh => Instr::Tanh(a),
            Kind::Sigmoid => Instr::Sigmoid(a),
            Kind::Relu => Instr::Relu(a),
            Kind::Sin => Instr::Sin(a),
            Kind::Cos => Instr::Cos(a),
            Kind::Sqrt => Instr::Sqrt(a),
            Kind::Abs => Instr::Abs(a),
            Kind::Sum => Instr::Sum((0..self.sum_len).map(p).collect()),
            Kind::ConstLeft => Instr::ConstLeft(ARITH[self.arith], self.c, a),
            Kind::ConstRight => Instr::ConstRight(ARITH[self.arith], a, self.c),
        }
    }
}

impl Program {
    /// Keeps the instructions that are admissible at `x` (see the module docs).
    pub fn resolve(raw: &[Raw], x: &[f64]) -> Program {
        let mut regs = x.to_vec();
        let mut instrs = Vec::new();
        for r in raw {
            let ins = r.concrete(regs.len());
            if !ins.admissible(&regs) {
                continue;
            }
            let y = ins.eval(&regs);
            if y.is_finite() && y.abs() <= MAX_VALUE {
                regs.push(y);
                instrs.push(ins);
            }
        }
        let n_vars = x.len();
        let mut read = vec![false; regs.len()];
        for ins in &instrs {
            for a in ins.args() {
                read[a] = true;
            }
        }
        let mut outputs: Vec<usize> = (n_vars..regs.len()).filter(|&i| !read[i]).collect();
        if outputs.is_empty() {
            outputs.push(n_vars - 1);
        }
        Program {
            n_vars,
            instrs,
            outputs,
        }
    }

    /// Every value (inputs, then one per instruction) in plain `f64`.
    pub fn values(&self, x: &[f64]) -> Vec<f64> {
        let mut regs = x.to_vec();
        for ins in &self.instrs {
            let y = ins.eval(&regs);
            regs.push(y);
        }
        regs
    }

    /// The output in plain `f64`.
    pub fn eval(&self, x: &[f64]) -> f64 {
        let regs = self.values(x);
        self.outputs.iter().map(|&i| regs[i]).sum()
    }

    /// On which side of its kink or domain edge every instruction is at `x` (−1, 0, 1), or
    /// `None` when a value is not finite there.
    pub fn signature(&self, x: &[f64]) -> Option<Vec<i8>> {
        let regs = self.values(x);
        if regs.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let mut regs_so_far = &regs[..self.n_vars];
        let mut sig = Vec::with_capacity(self.instrs.len());
        for (i, ins) in self.instrs.iter().enumerate() {
            sig.push(match ins.edge(regs_so_far) {
                Some((q, _)) if q > 0.0 => 1,
                Some((q, _)) if q < 0.0 => -1,
                _ => 0,
            });
            regs_so_far = &regs[..self.n_vars + i + 1];
        }
        Some(sig)
    }

    /// The largest magnitude of any value at `x`.
    pub fn max_abs(&self, x: &[f64]) -> f64 {
        self.values(x).iter().fold(0.0, |m, v| m.max(v.abs()))
    }

    /// Records the program on `xs`' graph and returns the output node.
    pub fn build<'g>(&self, xs: &[Var<'g>]) -> Var<'g> {
        let graph = xs[0].graph();
        let mut r: Vec<Var<'g>> = xs.to_vec();
        for ins in &self.instrs {
            let y = match *ins {
                Instr::Arith(op, a, b, compound) => arith_var(op, r[a], r[b], compound),
                Instr::Max(a, b) => r[a].maximum(r[b]),
                Instr::Min(a, b) => r[a].minimum(r[b]),
                Instr::Neg(a) => -r[a],
                Instr::Powi(a, k) => r[a].powi(k),
                Instr::Powf(a, c) => r[a].powf(c),
                Instr::Exp(a) => r[a].exp(),
                Instr::Ln(a) => r[a].ln(),
                Instr::Tanh(a) => r[a].tanh(),
                Instr::Sigmoid(a) => r[a].sigmoid(),
                Instr::Relu(a) => r[a].relu(),
                Instr::Sin(a) => r[a].sin(),
                Instr::Cos(a) => r[a].cos(),
                Instr::Sqrt(a) => r[a].sqrt(),
                Instr::Abs(a) => r[a].abs(),
                Instr::Sum(ref xs) => {
                    let vs: Vec<Var<'g>> = xs.iter().map(|&i| r[i]).collect();
                    graph.sum(&vs)
                }
                Instr::ConstLeft(op, c, a) => match op {
                    Arith::Add => c + r[a],
                    Arith::Sub => c - r[a],
                    Arith::Mul => c * r[a],
                    Arith::Div => c / r[a],
                },
                Instr::ConstRight(op, a, c) => match op {
                    Arith::Add => r[a] + c,
                    Arith::Sub => r[a] - c,
                    Arith::Mul => r[a] * c,
                    Arith::Div => r[a] / c,
                },
            };
            r.push(y);
        }
        match self.outputs[..] {
            [one] => r[one],
            ref many => graph.sum(&many.iter().map(|&i| r[i]).collect::<Vec<_>>()),
        }
    }

    /// The output's gradient by tapegrad's reverse sweep, on a fresh graph.
    pub fn gradient(&self, x: &[f64]) -> Vec<f64> {
        let g = Graph::new();
        let xs: Vec<Var> = x.iter().map(|&v| g.var(v)).collect();
        let y = self.build(&xs);
        g.backward(y).wrt(&xs)
    }
}

/// The points a finite difference visits around `x` (every step size, both signs, each axis).
pub fn stencil(x: &[f64]) -> Vec<Vec<f64>> {
    let mut points = Vec::new();
    for i in 0..x.len() {
        let h = super::step(x[i]);
        for k in super::STEP_DIVISORS {
            for d in [h / k, -h / k] {
                let mut p = x.to_vec();
                p[i] += d;
                points.push(p);
            }
        }
    }
    points
}

/// True when every stencil point around `x` is on the same side of every kink and domain edge
/// as `x` itself, with finite values: finite differences there measure the derivative at `x`.
pub fn smooth_around(prog: &Program, x: &[f64]) -> bool {
    let Some(centre) = prog.signature(x) else {
        return false;
    };
    stencil(x)
        .iter()
        .all(|p| prog.signature(p).as_ref() == Some(&centre))
}

/// Every label [`Instr::label`] can return: a property test asserts it checked each of them.
pub const LABELS: [&str; 29] = [
    "a + b",
    "a - b",
    "a * b",
    "a / b",
    "a op= b",
    "max(a, a)",
    "min(a, a)",
    "max",
    "min",
    "neg",
    "powi(k < 0)",
    "powi(0)",
    "powi(k > 0)",
    "powf(integer c)",
    "powf",
    "exp",
    "ln",
    "tanh",
    "sigmoid",
    "relu",
    "sin",
    "cos",
    "sqrt",
    "abs",
    "sum (repeated operand)",
    "sum",
    "c / a",
    "c op a",
    "a op c",
];
