//! [`GradcheckReport`]: what [`gradcheck`](super::gradcheck) and its twins return.

use std::fmt;

use super::options::{GradcheckOptions, Status};
use super::table::{Table, err, num, point, short};

/// Which derivatives a report compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CheckKind {
    /// ∂f/∂xⱼ of a scalar function ([`gradcheck`](super::gradcheck)).
    Gradient,
    /// ∂fᵢ/∂xⱼ of a function with several outputs ([`gradcheck_jacobian`](super::gradcheck_jacobian)).
    Jacobian,
    /// ∂²f/∂xᵢ∂xⱼ through the recorded backward ([`gradgradcheck`](super::gradgradcheck)).
    SecondDerivative,
}

/// One compared derivative: row `output`, column `input`.
#[derive(Clone, Debug, PartialEq)]
pub struct Component {
    /// The output row: i of ∂fᵢ/∂xⱼ, or i of ∂²f/∂xᵢ∂xⱼ; 0 for a gradient.
    pub output: usize,
    /// The input column j.
    pub input: usize,
    /// The engine's value.
    pub analytical: f64,
    /// The finite-difference value.
    pub numerical: f64,
    /// `|analytical − numerical|`.
    pub abs_err: f64,
    /// `abs_err / |numerical|` (0 when they are equal, ∞ when only `numerical` is 0).
    pub rel_err: f64,
    /// `abs_err / (atol + rtol·|numerical|)`: below 1 passes, ∞ when a number is not finite.
    pub excess: f64,
    /// Pass, mismatch, or not finite.
    pub status: Status,
    /// The kink or pole the finite-difference stencil straddles, if any: there the numerical
    /// value is not a derivative and a mismatch says nothing about the engine.
    pub kink: Option<&'static str>,
}

impl Component {
    /// True when both numbers are finite and agree within tolerance.
    pub fn passed(&self) -> bool {
        self.status == Status::Pass
    }

    /// True when the numbers disagree or one is not finite (a skipped component neither
    /// passes nor fails).
    pub fn failed(&self) -> bool {
        matches!(self.status, Status::Mismatch | Status::NonFinite)
    }
}

/// The comparison of the engine's derivatives with finite differences at one point.
///
/// A value, not a bool: every component with both numbers, its errors and status, the worst
/// component and the overall verdict. `Display` prints an aligned table:
///
/// ```text
/// gradcheck: PASS, 2 components; worst ∂f/∂y: abs err 1.1e-10, rel err 1.2e-10
///   at x = 1.5, y = -2; central differences, eps = 1e-6; pass when |a − n| ≤ 1e-5 + 1e-3·|n|
///   component     analytical      numerical  abs err  rel err  status
///   ∂f/∂x        -2.72789228    -2.72789228  1.9e-10  7.0e-11      ok
///   ∂f/∂y      -0.9363303822  -0.9363303823  1.1e-10  1.2e-10      ok
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct GradcheckReport {
    /// Which derivatives were compared.
    pub kind: CheckKind,
    /// The point.
    pub inputs: Vec<f64>,
    /// Input names (`x0`, `x1`, … unless set with [`with_names`](GradcheckReport::with_names)).
    pub names: Vec<String>,
    /// The function's outputs at the point.
    pub outputs: Vec<f64>,
    /// Every component, row by row (output-major).
    pub components: Vec<Component>,
    /// Step and tolerances used.
    pub options: GradcheckOptions,
    /// Tensor checks only ([`gradcheck_tensors`](super::gradcheck_tensors)): the tensor
    /// inputs, whose elements — row-major, one tensor after another — are the columns (and
    /// `inputs`, and `names` such as `W[0, 1]`). Empty for a scalar check.
    pub tensors: Vec<TensorLayout>,
}

/// A tensor input of a tensor check, and where its elements are among the report's columns.
#[derive(Clone, Debug, PartialEq)]
pub struct TensorLayout {
    /// Its name (`x0`, `x1`, … unless named).
    pub name: String,
    /// Its shape.
    pub shape: Vec<usize>,
    /// The column of its first element; element `e` (row-major) is column `offset + e`.
    pub offset: usize,
}

impl TensorLayout {
    fn numel(&self) -> usize {
        self.shape.iter().product()
    }

    /// The name of element `e` (row-major): `W[0, 1]`, or just `W` for a rank-0 tensor.
    fn element_name(&self, e: usize) -> String {
        if self.shape.is_empty() {
            return self.name.clone();
        }
        let index = crate::tensor::unravel(e, &self.shape);
        let index: Vec<String> = index.iter().map(usize::to_string).collect();
        format!("{}[{}]", self.name, index.join(", "))
    }
}

impl GradcheckReport {
    pub(crate) fn new(
        kind: CheckKind,
        inputs: &[f64],
        outputs: Vec<f64>,
        options: GradcheckOptions,
    ) -> Self {
        GradcheckReport {
            kind,
            inputs: inputs.to_vec(),
            names: (0..inputs.len()).map(|i| format!("x{i}")).collect(),
            outputs,
            components: Vec::new(),
            options,
            tensors: Vec::new(),
        }
    }

    /// Makes this the report of a check of tensor inputs laid out as `tensors`: each column
    /// is named after its tensor and element.
    pub(crate) fn with_tensors(mut self, tensors: Vec<TensorLayout>) -> Self {
        self.tensors = tensors;
        self.name_elements();
        self
    }

    fn name_elements(&mut self) {
        self.names = self
            .tensors
            .iter()
            .flat_map(|t| (0..t.numel()).map(|e| t.element_name(e)))
            .collect();
    }

    pub(crate) fn push(
        &mut self,
        output: usize,
        input: usize,
        analytical: f64,
        numerical: f64,
        kink: Option<&'static str>,
    ) {
        let (abs_err, rel_err) = super::options::errors(analytical, numerical);
        self.components.push(Component {
            output,
            input,
            analytical,
            numerical,
            abs_err,
            rel_err,
            excess: self.options.excess(analytical, numerical),
            status: self.options.status(analytical, numerical),
            kink,
        });
    }

    /// Names the inputs, in order (`&["w", "b"]`; for a tensor check, the tensors): used in
    /// labels and the printed point. Extra names are ignored; inputs without a name keep `x0`,
    /// `x1`, ….
    pub fn with_names(mut self, names: &[&str]) -> Self {
        if self.tensors.is_empty() {
            for (slot, name) in self.names.iter_mut().zip(names) {
                *slot = name.to_string();
            }
        } else {
            for (t, name) in self.tensors.iter_mut().zip(names) {
                t.name = name.to_string();
            }
            self.name_elements();
        }
        self
    }

    /// Tensor checks: the tensor input and the multi-index of the element that `column` is.
    pub fn element(&self, column: usize) -> Option<(usize, Vec<usize>)> {
        let i = self
            .tensors
            .iter()
            .position(|t| (t.offset..t.offset + t.numel()).contains(&column))?;
        let t = &self.tensors[i];
        Some((i, crate::tensor::unravel(column - t.offset, &t.shape)))
    }

    /// Tensor checks: the column of element `index` of tensor input `input`, if it has one.
    pub fn column(&self, input: usize, index: &[usize]) -> Option<usize> {
        let t = self.tensors.get(input)?;
        if index.len() != t.shape.len() || index.iter().zip(&t.shape).any(|(i, n)| i >= n) {
            return None;
        }
        let e = index.iter().zip(&t.shape).fold(0, |e, (i, n)| e * n + i);
        Some(t.offset + e)
    }

    /// Tensor gradient checks: the component ∂f/∂x for element `index` of tensor input
    /// `input` (`report.get_element(0, &[1, 2])` is ∂f/∂W[1, 2]).
    pub fn get_element(&self, input: usize, index: &[usize]) -> Option<&Component> {
        self.get(0, self.column(input, index)?)
    }

    /// True when no component fails: every one passes (both numbers finite and within
    /// tolerance) or, in a tensor check, was skipped at a kink.
    pub fn passed(&self) -> bool {
        !self.components.iter().any(Component::failed)
    }

    /// The components that failed.
    pub fn failures(&self) -> impl Iterator<Item = &Component> {
        self.components.iter().filter(|c| c.failed())
    }

    /// The components skipped because their stencil crosses a kink (tensor checks only).
    pub fn skipped(&self) -> impl Iterator<Item = &Component> {
        self.components
            .iter()
            .filter(|c| c.status == Status::Skipped)
    }

    /// Of the compared components, the one farthest from its tolerance (largest
    /// [`excess`](Component::excess); a non-finite one first).
    pub fn worst(&self) -> Option<&Component> {
        self.components
            .iter()
            .filter(|c| c.status != Status::Skipped)
            .reduce(|w, c| if c.excess > w.excess { c } else { w })
    }

    /// Marks every finite mismatch whose stencil crosses a kink as skipped, not failed.
    pub(crate) fn skip_kinks(&mut self) {
        for c in &mut self.components {
            if c.kink.is_some() && c.status == Status::Mismatch {
                c.status = Status::Skipped;
            }
        }
    }

    /// The component ∂fᵢ/∂xⱼ (or ∂²f/∂xᵢ∂xⱼ) for row `output` and column `input`.
    pub fn get(&self, output: usize, input: usize) -> Option<&Component> {
        self.components
            .iter()
            .find(|c| c.output == output && c.input == input)
    }

    /// The component's name: `∂f/∂x`, `∂f1/∂x`, `∂²f/∂x∂y`, `∂²f/∂x²`.
    pub fn label(&self, c: &Component) -> String {
        let name = |i: usize| self.names.get(i).map_or("?", String::as_str);
        match self.kind {
            CheckKind::Gradient => format!("∂f/∂{}", name(c.input)),
            CheckKind::Jacobian => format!("∂f{}/∂{}", c.output, name(c.input)),
            CheckKind::SecondDerivative if c.output == c.input => {
                format!("∂²f/∂{}²", name(c.input))
            }
            CheckKind::SecondDerivative => format!("∂²f/∂{}∂{}", name(c.output), name(c.input)),
        }
    }
}

impl fmt::Display for GradcheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let title = match self.kind {
            CheckKind::Gradient => "gradcheck",
            CheckKind::Jacobian => "gradcheck (Jacobian)",
            CheckKind::SecondDerivative => "gradgradcheck",
        };
        let failed = self.failures().count();
        let verdict = if failed == 0 {
            "PASS".to_string()
        } else {
            format!("FAIL ({failed} of {})", self.components.len())
        };
        write!(
            f,
            "{title}: {verdict}, {} components",
            self.components.len()
        )?;
        let skipped = self.skipped().count();
        if skipped > 0 {
            write!(f, " ({skipped} skipped at kinks)")?;
        }
        if let Some(w) = self.worst() {
            write!(
                f,
                "; worst {}: abs err {}, rel err {}",
                self.label(w),
                err(w.abs_err),
                err(w.rel_err)
            )?;
        }
        let o = &self.options;
        let method = if o.richardson {
            "Richardson-extrapolated central differences"
        } else {
            "central differences"
        };
        let at = if self.tensors.is_empty() {
            point(&self.names, &self.inputs)
        } else {
            let shapes: Vec<String> = self
                .tensors
                .iter()
                .map(|t| format!("{} of shape {:?}", t.name, t.shape))
                .collect();
            shapes.join(", ")
        };
        writeln!(
            f,
            "\n  at {at}; {method}, eps = {}; pass when |a − n| ≤ {} + {}·|n|",
            short(o.eps),
            short(o.atol),
            short(o.rtol)
        )?;
        let mut t = Table::new(&[
            "component",
            "analytical",
            "numerical",
            "abs err",
            "rel err",
            "status",
        ]);
        for c in &self.components {
            let status = match c.kink {
                Some(_) if !c.passed() => format!("{} (kink)", c.status.label()),
                _ => c.status.label().to_string(),
            };
            t.row(vec![
                self.label(c),
                num(c.analytical),
                num(c.numerical),
                err(c.abs_err),
                err(c.rel_err),
                status,
            ]);
        }
        t.write(f, "  ")?;
        let mut noted = Vec::new();
        for c in self.components.iter().filter(|c| !c.passed()) {
            if let Some(k) = c.kink.filter(|k| !noted.contains(k)) {
                noted.push(k);
                writeln!(
                    f,
                    "  note: the finite-difference step crosses {k}; the derivative there is a \
                     convention and the difference quotient is not a derivative"
                )?;
            }
        }
        if self
            .components
            .iter()
            .any(|c| c.status == Status::NonFinite)
        {
            writeln!(
                f,
                "  note: NaN or inf in a derivative counts as a failure, never as a pass"
            )?;
        }
        Ok(())
    }
}
