//! Evaluating a [`Program`]: on a [`Graph`] (to differentiate) or with plain numbers.
//!
//! Both run the same loop over the instructions, generic over [`Real`], so a value computed
//! with numbers is bit for bit the value recorded on the tape.

use std::collections::{HashMap, HashSet};

use super::{Instr, Program};
use crate::error::{Error, Result};
use crate::real::Float;
use crate::scalar::Var;
use crate::tape::Graph;

impl Program {
    /// Records the program on `g` and returns its output node.
    ///
    /// `bindings` give every input (see [`inputs`](Program::inputs)) its node; a name that is
    /// not an input of the program is ignored, so one set of variables can serve several
    /// programs. Each input's node is used wherever the name appears (`x * x` uses one leaf
    /// twice), and names bound by the program are given to their nodes as display names for
    /// traces and pictures, unless the node already has a name.
    ///
    /// Errors: an input without a binding is an [`Error::Parse`] at its first use; a name bound
    /// twice is [`Error::Invalid`]; a node of another graph or one freed by rewind is
    /// [`Error::ForeignGraph`] / [`Error::StaleHandle`]. Nothing is recorded on error.
    ///
    /// ```
    /// use tapegrad::Graph;
    /// use tapegrad::expr::Program;
    ///
    /// // f = x·y + sin x  =>  ∂f/∂x = y + cos x, ∂f/∂y = x
    /// let p = Program::parse("x * y + sin(x)")?;
    /// let g = Graph::new();
    /// let (x, y) = (g.var_named("x", 3.0), g.var_named("y", -2.0));
    /// let f = p.eval(&g, &[("x", x), ("y", y)])?;
    /// let grads = g.backward(f);
    /// assert_eq!(grads[x], -2.0 + 3f64.cos());
    /// assert_eq!(grads[y], 3.0);
    /// assert_eq!(g.hessian(f, &[x, y]), vec![vec![-3f64.sin(), 1.0], vec![1.0, 0.0]]);
    ///
    /// let e = p.eval(&g, &[("x", x)]).unwrap_err();
    /// assert_eq!(e.to_string(), "error at 1:5: 'y' has no value");
    /// # Ok::<(), tapegrad::Error>(())
    /// ```
    #[track_caller]
    pub fn eval<'g, T: Float>(
        &self,
        g: &'g Graph<T>,
        bindings: &[(&str, Var<'g, T>)],
    ) -> Result<Var<'g, T>> {
        for &(_, v) in bindings {
            g.check(v, "Program::eval")?;
        }
        let inputs = self.bind(bindings)?;
        let mark = g.mark();
        let vals = self.record(g, &inputs).inspect_err(|_| g.rewind(mark))?;
        for (name, i) in &self.statements {
            let v = vals[*i as usize];
            if g.name(v.key()).is_none() {
                g.set_name(v, name)?;
            }
        }
        Ok(vals[self.result as usize])
    }

    /// The program's value with plain numbers, e.g. for finite differences or to check a
    /// hand-derived formula at many points. Errors as for [`eval`](Program::eval).
    ///
    /// ```
    /// use tapegrad::expr::Program;
    /// let p = Program::parse("-x^2 + 2^-1")?; // -(x²) + ½
    /// assert_eq!(p.eval_f64(&[("x", 3.0)])?, -8.5);
    /// # Ok::<(), tapegrad::Error>(())
    /// ```
    pub fn eval_f64(&self, bindings: &[(&str, f64)]) -> Result<f64> {
        let inputs = self.bind(bindings)?;
        Ok(self.run(&inputs)[self.result as usize])
    }

    /// The program's value with plain numbers given in [`inputs`](Program::inputs) order;
    /// [`Error::Invalid`] if there are not exactly that many.
    ///
    /// ```
    /// use tapegrad::expr::Program;
    /// let p = Program::parse("a / b")?;
    /// assert_eq!(p.eval_f64_values(&[1.0, 4.0])?, 0.25);
    /// # Ok::<(), tapegrad::Error>(())
    /// ```
    pub fn eval_f64_values(&self, values: &[f64]) -> Result<f64> {
        if values.len() != self.inputs.len() {
            return Err(Error::Invalid(format!(
                "the program has {} inputs ({}) but {} values were given",
                self.inputs.len(),
                self.inputs.join(", "),
                values.len()
            )));
        }
        Ok(self.run(values)[self.result as usize])
    }

    /// The value of each input, in input order, from (name, value) pairs.
    fn bind<V: Copy>(&self, bindings: &[(&str, V)]) -> Result<Vec<V>> {
        let index: HashMap<&str, usize> = self
            .inputs
            .iter()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i))
            .collect();
        let mut seen = HashSet::with_capacity(bindings.len());
        let mut out = vec![None; self.inputs.len()];
        for &(name, v) in bindings {
            if !seen.insert(name) {
                return Err(Error::Invalid(format!("'{name}' is given two values")));
            }
            if let Some(&i) = index.get(name) {
                out[i] = Some(v);
            }
        }
        out.into_iter()
            .enumerate()
            .map(|(i, v)| {
                v.ok_or_else(|| {
                    self.input_pos[i].error(format!("'{}' has no value", self.inputs[i]))
                })
            })
            .collect()
    }

    /// Records every instruction on `g` through the fallible ops, so anomaly mode's errors come
    /// back as errors; the same `eval` functions as [`run`](Program::run), so the values agree
    /// bit for bit.
    #[track_caller]
    fn record<'g, T: Float>(
        &self,
        g: &'g Graph<T>,
        inputs: &[Var<'g, T>],
    ) -> Result<Vec<Var<'g, T>>> {
        let mut v: Vec<Var<'g, T>> = Vec::with_capacity(self.code.len());
        for ins in &self.code {
            let r = match *ins {
                Instr::Input(i) => inputs[i as usize],
                Instr::Const(c) => g.constant(T::from_f64(c)),
                Instr::Unary(f, a) => g.unary(f, v[a as usize])?,
                Instr::Binary(f, a, b) => g.binary(f, v[a as usize], v[b as usize])?,
                Instr::Powf(a, c) => v[a as usize].try_powf(c)?,
            };
            v.push(r);
        }
        Ok(v)
    }

    /// Runs every instruction; returns the value of each.
    fn run(&self, inputs: &[f64]) -> Vec<f64> {
        let mut v: Vec<f64> = Vec::with_capacity(self.code.len());
        for ins in &self.code {
            let r = match *ins {
                Instr::Input(i) => inputs[i as usize],
                Instr::Const(c) => c,
                Instr::Unary(f, a) => f.eval(v[a as usize]),
                Instr::Binary(f, a, b) => f.eval(v[a as usize], v[b as usize]),
                Instr::Powf(a, c) => v[a as usize].powf(c),
            };
            v.push(r);
        }
        v
    }
}
