//! The report of anomaly mode: where a NaN or infinity appeared, in which op, from which
//! numbers, the line of the caller's code that built the op, and (in backward) the step of the
//! sweep that produced it — for every op that made one, not only the first.
//!
//! A leaf module on purpose: [`Error::Anomaly`](crate::Error::Anomaly) carries an [`Anomaly`],
//! and the tape (which detects anomalies) returns [`Error`](crate::Error), so if the report
//! lived in the tape, the error type would import the tape and the tape the error type. Here
//! it depends on nothing in the crate; the tape and the tensor ops build it, the error carries it.

use std::fmt;
use std::panic::Location;

/// Where an anomaly was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnomalyPhase {
    /// While recording: an op produced a non-finite value.
    Forward,
    /// During the reverse sweep: a non-finite gradient was sent to an input.
    Backward,
}

/// A non-finite value or gradient found in anomaly mode, with what produced it.
///
/// [`location`](Anomaly::location) is the line of the caller's code that recorded the op (kept
/// for every op recorded while anomaly mode is on). A backward sweep does not stop at the first
/// non-finite gradient: it runs to the end, and the report names the first op that *made* one
/// (its upstream gradient finite, its contribution not) and, in [`others`](Anomaly::others),
/// every further op that made one; the ops that only passed a NaN or ∞ on are left out.
///
/// For a tensor op, [`element`](Anomaly::element) says which element, and the numbers are
/// those at that element where that means something: for an elementwise op (`log`, `/`,
/// `sqrt`, …) the inputs' values, the output and, in backward, the upstream gradient and the
/// local partial at the element. For other tensor ops (matmul, reductions, softmax, …) no
/// single input value or local partial produces an element, so those are left out.
#[derive(Clone, Debug, PartialEq)]
pub struct Anomaly {
    /// Forward or backward.
    pub phase: AnomalyPhase,
    /// Record position of the node (`n3` is position 3, as in traces).
    pub position: usize,
    /// The node's display name, if it has one.
    pub name: Option<String>,
    /// The op's name (`log`, `sqrt`, `/`, `matmul`, …).
    pub op: &'static str,
    /// The values of the op's inputs (at the element, for an elementwise tensor op; empty for
    /// another tensor op).
    pub inputs: Vec<f64>,
    /// The value the op produced (at the element, for a tensor op in forward or an elementwise
    /// one in backward).
    pub output: Option<f64>,
    /// Tensor ops only: the multi-index of the first non-finite element — of the op's output
    /// in forward, of the gradient sent to the input in backward.
    pub element: Option<Vec<usize>>,
    /// Backward only: the gradient arriving at the node, the input the bad contribution went
    /// to, the local partial ∂y/∂input and the contribution (upstream × local).
    pub backward: Option<BackwardStep>,
    /// Where the caller's code built the op (the call of `ln`, `/`, `matmul`, …), when it was
    /// recorded with anomaly mode on; `None` for an op recorded before it was turned on, or for
    /// a node the library recorded itself (the nodes of a recorded backward pass).
    pub location: Option<&'static Location<'static>>,
    /// Backward only: the further ops of the same sweep that made a non-finite gradient, in the
    /// order the sweep met them (each with an empty `others`).
    pub others: Vec<Anomaly>,
}

impl Anomaly {
    /// Every op the report names: this one, then [`others`](Anomaly::others).
    pub fn ops(&self) -> impl Iterator<Item = &Anomaly> {
        std::iter::once(self).chain(&self.others)
    }
}

/// The step of the reverse sweep where a gradient became non-finite.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BackwardStep {
    /// The upstream gradient ∂L/∂y arriving at the node (at the element, for an elementwise
    /// tensor op; `None` for another tensor op, whose upstream gradient is a whole tensor).
    pub upstream: Option<f64>,
    /// Which input (0-based) the contribution was sent to.
    pub input: usize,
    /// The local partial ∂y/∂input (`None` where no single number is it, as for upstream).
    pub local: Option<f64>,
    /// The contribution ∂L/∂y · ∂y/∂input (at the element, for a tensor).
    pub contribution: f64,
}

impl fmt::Display for Anomaly {
    /// One line per op: this one first, then each of [`others`](Anomaly::others).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.line(f)?;
        if !self.others.is_empty() {
            let n = self.others.len();
            let ops = if n == 1 { "op" } else { "ops" };
            let what = if self.backward.is_some() {
                "gradient"
            } else {
                "value"
            };
            write!(
                f,
                "; {n} more {ops} made a non-finite {what} in the same sweep:"
            )?;
            for other in &self.others {
                f.write_str("\n  ")?;
                other.line(f)?;
            }
        }
        Ok(())
    }
}

impl Anomaly {
    /// This op's part of the report, with where it was built.
    fn line(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.what(f)?;
        match self.location {
            Some(at) => write!(f, ", built at {at}"),
            None => Ok(()),
        }
    }

    /// What went wrong at this op, from which numbers.
    fn what(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self
            .name
            .as_deref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        let at = self
            .element
            .as_ref()
            .map(|e| format!(" at element {e:?}"))
            .unwrap_or_default();
        let inputs = self
            .inputs
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let from = if self.inputs.is_empty() {
            String::new()
        } else {
            format!(" from input(s) [{inputs}]")
        };
        let output = self.output.map(|y| y.to_string()).unwrap_or_default();
        match (&self.phase, &self.backward) {
            (AnomalyPhase::Backward, None) => write!(
                f,
                "non-finite value in the recorded backward pass: `{}` at node n{} produced \
                 {output}{from}",
                self.op, self.position
            ),
            (AnomalyPhase::Forward, _) => write!(
                f,
                "non-finite value in forward: `{}` at node n{}{name} produced {output}{at}{from}",
                self.op, self.position
            ),
            (AnomalyPhase::Backward, Some(b)) => {
                write!(
                    f,
                    "non-finite gradient in backward: `{}` at node n{}{name}",
                    self.op, self.position
                )?;
                if self.output.is_some() {
                    write!(f, " (input(s) [{inputs}], output {output})")?;
                }
                match (b.upstream, b.local) {
                    (Some(u), Some(l)) => {
                        write!(f, ": upstream {u} × local partial {l} = {}", b.contribution)?
                    }
                    _ => write!(f, ": contribution {}", b.contribution)?,
                }
                write!(f, " sent to input {}{at}", b.input)
            }
        }
    }
}
