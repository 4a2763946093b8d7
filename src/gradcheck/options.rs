//! Step and tolerances of a check, and the comparison they define.

use crate::builder::setters;
use crate::{Error, Result};

/// Finite-difference step and the tolerances a component must meet.
///
/// The defaults are PyTorch's `torch.autograd.gradcheck` defaults, under the same names:
/// `eps = 1e-6`, `atol = 1e-5`, `rtol = 1e-3`. A component passes when
/// `|analytical − numerical| ≤ atol + rtol·|numerical|` (PyTorch's `allclose` test) and both
/// numbers are finite.
///
/// The numerical derivative is the central difference `(f(x + eps) − f(x − eps)) / (2·eps)`
/// (error O(eps²) plus rounding of order 1e-16·|f| / eps). With `richardson`, two central
/// differences at steps `eps` and `eps/2` are combined as `(4·D(eps/2) − D(eps)) / 3`, which
/// cancels the eps² term (error O(eps⁴)); it pays off with a larger step such as `1e-3`, where
/// rounding is small.
///
/// ```
/// use tapegrad::gradcheck::GradcheckOptions;
/// let o = GradcheckOptions::default();
/// assert_eq!((o.eps, o.atol, o.rtol, o.richardson), (1e-6, 1e-5, 1e-3, false));
/// let precise = GradcheckOptions::default().eps(1e-3).richardson(true).atol(1e-9).rtol(1e-7);
/// assert!(precise.agrees(1.0, 1.0 + 1e-8));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GradcheckOptions {
    /// Finite-difference step (absolute, as in PyTorch). Default `1e-6`.
    pub eps: f64,
    /// Absolute tolerance. Default `1e-5`.
    pub atol: f64,
    /// Relative tolerance, relative to the numerical value. Default `1e-3`.
    pub rtol: f64,
    /// Richardson extrapolation of two central differences. Default off.
    pub richardson: bool,
}

impl Default for GradcheckOptions {
    fn default() -> Self {
        GradcheckOptions {
            eps: 1e-6,
            atol: 1e-5,
            rtol: 1e-3,
            richardson: false,
        }
    }
}

/// How one component compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Both numbers finite and within tolerance.
    Pass,
    /// Both finite, but farther apart than the tolerance.
    Mismatch,
    /// One of the numbers is NaN or infinite: a failure, never a pass.
    NonFinite,
    /// Not compared: the finite-difference stencil crosses a kink or pole, where the
    /// difference quotient is not a derivative (tensor checks, whose many elements the user
    /// did not place one by one). Neither a pass nor a failure.
    Skipped,
}

impl Status {
    /// `ok`, `FAIL`, `NOT FINITE` or `skipped`, as the tables print it.
    pub fn label(self) -> &'static str {
        match self {
            Status::Pass => "ok",
            Status::Mismatch => "FAIL",
            Status::NonFinite => "NOT FINITE",
            Status::Skipped => "skipped",
        }
    }
}

impl GradcheckOptions {
    setters!(f64: eps, atol, rtol);

    /// Turns Richardson extrapolation on or off.
    pub fn richardson(mut self, on: bool) -> Self {
        self.richardson = on;
        self
    }

    /// True when `value` is within `atol + rtol·|reference|` of `reference` and both are finite.
    pub fn agrees(&self, value: f64, reference: f64) -> bool {
        self.status(value, reference) == Status::Pass
    }

    /// How `value` compares with `reference`.
    pub fn status(&self, value: f64, reference: f64) -> Status {
        if !value.is_finite() || !reference.is_finite() {
            Status::NonFinite
        } else if (value - reference).abs() <= self.atol + self.rtol * reference.abs() {
            Status::Pass
        } else {
            Status::Mismatch
        }
    }

    /// How far past the tolerance `value` is: `|value − reference| / (atol + rtol·|reference|)`.
    /// Below 1 passes; infinite when a number is not finite. Used to pick the worst component.
    pub fn excess(&self, value: f64, reference: f64) -> f64 {
        if !value.is_finite() || !reference.is_finite() {
            return f64::INFINITY;
        }
        let diff = (value - reference).abs();
        if diff == 0.0 {
            0.0
        } else {
            diff / (self.atol + self.rtol * reference.abs())
        }
    }

    /// Rejects a step or tolerance that makes the check meaningless.
    pub fn validate(&self) -> Result<()> {
        if !(self.eps.is_finite() && self.eps > 0.0) {
            return Err(Error::Invalid(format!(
                "the finite-difference step eps must be a positive number, got {}",
                self.eps
            )));
        }
        for (name, v) in [("atol", self.atol), ("rtol", self.rtol)] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(Error::Invalid(format!(
                    "the tolerance {name} must be a finite number ≥ 0, got {v}"
                )));
            }
        }
        Ok(())
    }
}

/// `|a − r|` and the relative error `|a − r| / |r|` (0 when equal, ∞ when only `r` is 0).
pub(crate) fn errors(value: f64, reference: f64) -> (f64, f64) {
    let abs = (value - reference).abs();
    let rel = if abs == 0.0 {
        0.0
    } else {
        abs / reference.abs()
    };
    (abs, rel)
}
