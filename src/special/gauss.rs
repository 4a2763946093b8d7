//! The f64 kernels built on the Gaussian: erf, erfc and their relatives gelu = x·Φ(x), its
//! derivative Φ(x) + x·φ(x), and erf′. The reasoning behind each step is on the generic
//! functions in the parent module; the comments here say what each line guards against.

use super::exact::{mills_series, mul_exp_neg, two_prod};
use std::f64::consts::{FRAC_1_SQRT_2, FRAC_2_SQRT_PI};

/// 1/√2 − `FRAC_1_SQRT_2`: with it, `x/√2` is known to about 2⁻¹⁰⁶ relative (value from
/// mpmath, checked in the tests).
pub(super) const FRAC_1_SQRT_2_LO: f64 = -4.833_646_656_726_457e-17;
/// 1/√(2π), rounded to nearest.
pub(super) const FRAC_1_SQRT_2PI: f64 = 0.398_942_280_401_432_7;
/// The relative error r of `FRAC_1_SQRT_2PI` (1/√(2π) = `FRAC_1_SQRT_2PI`·(1 + r)), from
/// mpmath. Where the constant multiplies an exponential it is put back into the exponent:
/// c·(1 + r)·e^(−(hi + lo)) = c·e^(−(hi + lo − r)) up to r² ≈ 4e−33.
pub(super) const FRAC_1_SQRT_2PI_REL: f64 = -6.247_337_834_861_335e-17;
/// The relative error of std's `FRAC_2_SQRT_PI`, used the same way.
pub(super) const FRAC_2_SQRT_PI_REL: f64 = 1.359_069_722_338_094_1e-17;

/// Below this |x|, gelu(x) = x/2 + x²/√(2π) + O(x⁴): the x² term is under a hundredth of an
/// ulp of x/2 and only decides the ties of x/2 in the subnormals.
const GELU_LINEAR_BELOW: f64 = 8.673_617_379_884_035e-19; // 2⁻⁶⁰
/// Below this x, gelu and gelu′ use the Mills-ratio series (error ≤ 3.2e−21 there).
const TAIL_BELOW: f64 = -36.0;
/// Below this x, |gelu(x)| and |gelu′(x)| are under 1e−340 and round to −0.
const GELU_ZERO_BELOW: f64 = -40.0;
/// Above this x, gelu′(x) = 1 − (Φ(−x) − x·φ(x)) rounds to 1 (the difference is < 1e−340).
const GELU_GRAD_ONE_ABOVE: f64 = 40.0;
/// Past this |x|, erf′(x) = (2/√π)·e^(−x²) < 1e−340 rounds to +0.
const ERF_GRAD_ZERO_PAST: f64 = 28.0;

pub(super) fn erf(x: f64) -> f64 {
    libm::erf(x)
}

pub(super) fn erfc(x: f64) -> f64 {
    libm::erfc(x)
}

pub(super) fn erf_grad(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x.abs() > ERF_GRAD_ZERO_PAST {
        return 0.0;
    }
    // x² = hi + lo exactly, so e^(−x²) does not inherit x²'s rounding (up to x²/2 ulps).
    let (hi, lo) = two_prod(x, x);
    mul_exp_neg(FRAC_2_SQRT_PI, hi, lo - FRAC_2_SQRT_PI_REL)
}

/// 2Φ(x) = erfc(−x/√2) as `c + d`, c the bulk and d a small correction, with x/√2 carried as
/// `hi + lo`: erfc(u)'s relative sensitivity to u is ≈ 2u, so rounding u = −x/√2 alone costs
/// ≈ x² ulp (1357 measured at x = −36.2). The low part is put back by the first-order Taylor
/// term erfc(u_hi + u_lo) = erfc(u_hi) − u_lo·(2/√π)·e^(−u_hi²) (the second-order term is
/// below 10⁻²⁵ relative); e^(−u_hi²) only scales a correction of relative size ≤ 10⁻¹³, so its
/// own rounding does not matter. The two parts are returned unsummed so the caller can fold
/// d into its last rounding.
pub(super) fn twice_ncdf(x: f64) -> (f64, f64) {
    let (t_hi, t_lo) = two_prod(x, FRAC_1_SQRT_2);
    let t_lo = t_lo + x * FRAC_1_SQRT_2_LO;
    // u = −t, so u_lo = −t_lo and the correction −u_lo·(…) is +t_lo·(…).
    let slope = FRAC_2_SQRT_PI * (-(t_hi * t_hi)).exp();
    (libm::erfc(-t_hi), t_lo * slope)
}

/// `a + b = s + e` exactly with `s = fl(a + b)` (Knuth's two-sum, any order of magnitudes).
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

pub(super) fn gelu(x: f64) -> f64 {
    if x.is_nan() || x == f64::INFINITY {
        return x;
    }
    if x < GELU_ZERO_BELOW {
        return -0.0; // the limit at −∞ too (−∞ · Φ(−∞) → 0 from below)
    }
    if x.abs() < GELU_LINEAR_BELOW {
        let half = 0.5 * x;
        if 2.0 * half == x {
            return half; // exact, ±0 included
        }
        // x is an odd multiple of the smallest subnormal, x/2 a tie, and the positive x² term
        // breaks it upwards: (x + 2⁻¹⁰⁷⁴)/2 is that upper neighbour, exactly. It is 0 for
        // x = −2⁻¹⁰⁷⁴, where the value rounds to −0.
        return (0.5 * (x + f64::from_bits(1))).copysign(x);
    }
    if x < TAIL_BELOW {
        let (hi, lo) = two_prod(x, x);
        // x·Φ(x) = −φ(x)·S(1/x²). Through erfc the value would be (x/2)·erfc(u), and erfc(u)
        // is subnormal from x ≈ −37.6 on: x/2 ≈ −19 scales its rounding (half a subnormal
        // step) to several steps of the result (7 measured at x = −38).
        let m = -FRAC_1_SQRT_2PI * mills_series(1.0 / hi);
        return mul_exp_neg(m, 0.5 * hi, 0.5 * lo - FRAC_1_SQRT_2PI_REL);
    }
    // Half of x first: (x·2Φ)/2 would overflow for x near f64::MAX, and x/2 is exact except
    // for subnormal x, where gelu(x) ≈ x/2 is what the halving rounds to anyway. Then
    // (x/2)·c exactly as p + q, so the only rounding after erfc's is the last one.
    let half = 0.5 * x;
    let (c, d) = twice_ncdf(x);
    let (p, q) = two_prod(half, c);
    p + half.mul_add(d, q)
}

pub(super) fn gelu_grad(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x < GELU_ZERO_BELOW {
        return -0.0; // also the limit at −∞
    }
    if x > GELU_GRAD_ONE_ABOVE {
        return 1.0; // also the limit at +∞
    }
    let (hi, lo) = two_prod(x, x);
    if x < TAIL_BELOW {
        // Φ(x) + x·φ(x) = x·φ(x)·(1 − S(1/x²)/x²): no cancellation (the bracket is > 0.999).
        let z = 1.0 / hi;
        let m = FRAC_1_SQRT_2PI * x * (-z).mul_add(mills_series(z), 1.0);
        return mul_exp_neg(m, 0.5 * hi, 0.5 * lo - FRAC_1_SQRT_2PI_REL);
    }
    // φ(x) with x²/2 exact as hi/2 + lo/2, so e^(−x²/2) keeps full precision in the tail.
    let x_pdf = mul_exp_neg(
        FRAC_1_SQRT_2PI * x,
        0.5 * hi,
        0.5 * lo - FRAC_1_SQRT_2PI_REL,
    );
    // Φ + x·φ with the main sum exact as s + e: one rounding at the end.
    let (c, d) = twice_ncdf(x);
    let (s, e) = two_sum(0.5 * c, x_pdf);
    s + 0.5f64.mul_add(d, e)
}
