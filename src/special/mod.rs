//! Accurate numeric kernels for the primitives that need more than `std`: each one's forward
//! value and local derivative, correct to a few ulps over the whole f64 range (NaN, ±∞, ±0
//! and subnormals included), checked against mpmath literals in the tests.
//!
//! Callers use the free functions (`special::gelu(x)`), generic over [`Special`], so no method
//! name can clash with `Real`, `Float` or an inherent method of f64. Nothing here calls an
//! unstable inherent method such as `f64::erf` (nightly-only); erf and erfc come from the
//! `libm` crate, a port of musl's.
//!
//! f32 is computed in f64 and rounded once at the end: every f64 kernel is within a few f64
//! ulps, far below half an f32 ulp, so the f32 result is the correctly rounded value or its
//! neighbour (the tests hold it within 1 f32 ulp of the mpmath value).
//!
//! Worst f64 errors measured against mpmath, over the literals and 35,400 random points
//! (`tools/special_literals.py --sweep 1` to `4`): 1 ulp for softplus, log1p, expm1, erf, erf′,
//! leaky_relu, elu and atan; 2 for erfc (libm's) and gelu; 3 for gelu′ away from its root,
//! 5.6e−17 absolute near it.

mod elementary;
mod exact;
mod gauss;
#[cfg(test)]
mod literals;
#[cfg(test)]
mod tests;

/// The slope of [`leaky_relu`] for x ≤ 0 (PyTorch's default `negative_slope`).
pub(crate) const LEAKY_SLOPE: f64 = 0.01;

/// The float types the kernels accept: f64, and f32 computed through f64.
pub(crate) trait Special: Copy {
    /// The value as an f64 (exact for both implementors).
    fn widen(self) -> f64;
    /// `v` rounded to nearest in this type.
    fn narrow(v: f64) -> Self;
}

impl Special for f64 {
    fn widen(self) -> f64 {
        self
    }
    fn narrow(v: f64) -> Self {
        v
    }
}

impl Special for f32 {
    fn widen(self) -> f64 {
        f64::from(self)
    }
    fn narrow(v: f64) -> Self {
        v as f32 // rounds to nearest, ties to even; overflow gives ±∞, underflow ±0
    }
}

/// Applies the f64 kernel `f` to `x` of any [`Special`] type.
fn through_f64<T: Special>(x: T, f: fn(f64) -> f64) -> T {
    T::narrow(f(x.widen()))
}

/// Writes one generic free function per `name = kernel;` (each with its doc comment), which
/// applies the f64 `kernel` to an `x` of any [`Special`] type through [`through_f64`]: the
/// public face of every kernel is this one line.
macro_rules! through_f64 {
    ($($(#[$doc:meta])* $name:ident = $kernel:path;)+) => {
        $(
            $(#[$doc])*
            pub(crate) fn $name<T: Special>(x: T) -> T {
                through_f64(x, $kernel)
            }
        )+
    };
}

through_f64! {
    /// softplus(x) = ln(1 + eˣ), the smooth relu; softplus′(x) = σ(x) = 1/(1 + e⁻ˣ).
    ///
    /// Computed as max(x, 0) + log1p(e^(−|x|)): e^(−|x|) ≤ 1 cannot overflow, so softplus(800) is
    /// 800 (not ∞) and softplus(−800) is 0 (the true 3.7e−348 rounds to 0); log1p keeps the tail,
    /// softplus(−37) = 8.5e−17, where ln(1 + e⁻³⁷) would give 0. NaN → NaN, −∞ → 0, +∞ → +∞.
    softplus = elementary::softplus;

    /// log1p(x) = ln(1 + x); log1p′(x) = 1/(1 + x).
    ///
    /// The standard library's `ln_1p` (accurate near 0, where ln(1 + x) loses every digit of
    /// x < 1e−16: log1p(1e−300) = 1e−300, not 0). −1 → −∞, below −1 → NaN, +∞ → +∞.
    log1p = elementary::log1p;

    /// expm1(x) = eˣ − 1; expm1′(x) = eˣ.
    ///
    /// The standard library's `exp_m1` (accurate near 0, where eˣ − 1 cancels: expm1(1e−10) is
    /// 1.00000000005e−10 to the last digit). −∞ → −1, above ≈ 709.78 → +∞.
    expm1 = elementary::expm1;

    /// erf(x) = (2/√π) ∫₀ˣ e^(−t²) dt; erf′ is [`erf_grad`].
    ///
    /// The `libm` crate's (musl's) erf, not the nightly-only `f64::erf`. ±∞ → ±1, ±0 → ±0.
    erf = gauss::erf;

    /// erfc(x) = 1 − erf(x); erfc′(x) = −erf′(x).
    ///
    /// The `libm` crate's (musl's) erfc, accurate in the tail where 1 − erf(x) is 0 from x ≈ 6 on
    /// (erfc(26) = 5.7e−296, erfc(27.2) = 1e−323 is subnormal); within 2 ulps. +∞ → 0, −∞ → 2.
    erfc = gauss::erfc;

    /// erf′(x) = (2/√π)·e^(−x²), the local derivative of [`erf`].
    ///
    /// For accuracy x² is formed exactly as hi + lo with a fused multiply-add and e^(−x²) as
    /// e^(−hi)·(1 + expm1(−lo)): the naive e^(−x·x) inherits x·x's rounding, a relative error of
    /// up to x²/2 ulps (96 ulps measured at x = 26.6). The product with 2/√π is kept exact as a
    /// pair until the last rounding, the constant's own rounding error goes into the exponent, and
    /// where the value is subnormal the exponent is shifted by 128·ln 2 so only the last
    /// multiplication (by 2⁻¹²⁸) rounds below the normal range. Within 1 ulp over the whole range.
    /// |x| > 28 → +0 (the value is below 1e−340), ±∞ → +0, NaN → NaN.
    erf_grad = gauss::erf_grad;

    /// gelu(x) = x·Φ(x) with Φ the standard normal cdf: the exact erf form (PyTorch's default
    /// `approximate='none'`), not the tanh approximation. gelu′ is [`gelu_grad`].
    ///
    /// Computed as (x/2)·erfc(−x/√2), within 2 ulps over the whole range. What the textbook
    /// 0.5·x·(1 + erf(x/√2)) loses, and what is done instead:
    /// - it cancels: 1 + erf(x/√2) is 2% off at x = −8 and 0 from x = −8.5 on (true
    ///   gelu(−10) = −7.6e−23). erfc(−x/√2) does not cancel.
    /// - rounding x/√2 costs a relative ≈ x² ulps in erfc (1357 ulps measured at x = −36.2). So
    ///   x/√2 is carried as hi + lo (a fused multiply-add residual plus the low part of 1/√2 as a
    ///   double-double constant), and lo is put back by the first-order term
    ///   erfc(u + δ) ≈ erfc(u) − δ·(2/√π)·e^(−u²).
    /// - erfc(−x/√2) is subnormal below x ≈ −37.6 and multiplying it by x/2 ≈ −19 scales its
    ///   rounding (half a subnormal step) to several steps of the result (7 ulps measured at
    ///   x = −38). Below x = −36 the value comes instead from the Mills-ratio series,
    ///   x·Φ(x) = −φ(x)·S(1/x²), with x² exact as hi + lo and the exponent shifted as in
    ///   [`erf_grad`], so only the last multiplication rounds into the subnormals.
    /// - (x/2)·erfc is formed exactly as a pair, so only one rounding follows erfc's; x/2 comes
    ///   first so that gelu(f64::MAX) = f64::MAX does not overflow on the way.
    /// - for |x| < 2⁻⁶⁰ the value is x/2, except that a tie of x/2 between two subnormals is
    ///   broken the way the x²/√(2π) term says (upwards), not to even.
    ///
    /// Below x = −40 (and at −∞) the value rounds to −0; +∞ → +∞, ±0 → ±0, NaN → NaN.
    gelu = gauss::gelu;

    /// gelu′(x) = Φ(x) + x·φ(x), with φ(x) = e^(−x²/2)/√(2π) the normal pdf: the local derivative
    /// of [`gelu`] (smooth, so no convention at 0: gelu′(0) = 1/2).
    ///
    /// Φ(x) is computed as in [`gelu`] (x/√2 as hi + lo), x·φ(x) with x² exact as hi + lo and the
    /// exponent shifted where the value is subnormal (as in [`erf_grad`]), and the sum with an
    /// exact two-sum, so one rounding follows. Below x = −36 the value comes from
    /// x·φ(x)·(1 − S(1/x²)/x²) with the Mills-ratio series S, whose bracket is above 0.999 there:
    /// no cancellation, no subnormal intermediate. Within 3 ulps away from the root.
    ///
    /// Near the root x ≈ −0.7518 the two terms (≈ 0.2 each) cancel, and the error there is small
    /// in absolute terms, not relative to the value: ≤ 2 ulps of 0.25 (5.6e−17), what the terms'
    /// own rounding leaves. Below x = −40 → −0, above 40 → 1, −∞ → −0, +∞ → 1, NaN → NaN.
    gelu_grad = gauss::gelu_grad;

    /// leaky_relu(x) = x for x > 0, [`LEAKY_SLOPE`]·x (0.01·x, rounded once) otherwise, so
    /// leaky_relu(−0) = −0 and NaN → NaN. Its derivative (1 for x > 0, 0.01 otherwise, so 0.01 at 0 as PyTorch) is the primitive
    /// table's.
    leaky_relu = elementary::leaky_relu;

    /// elu(x) = x for x > 0, eˣ − 1 otherwise (α = 1), with expm1 so elu(−1e−10) keeps every
    /// digit. −∞ → −1, ±0 → ±0, NaN → NaN. Its derivative (1 for x > 0, eˣ otherwise: both sides
    /// give 1 at 0, so elu′(0) = 1) is the primitive table's.
    elu = elementary::elu;

    /// atan(x), the inverse tangent in (−π/2, π/2); atan′(x) = 1/(1 + x²).
    ///
    /// The standard library's `atan` (correct to the last bit or so over the whole range:
    /// atan(1e−300) = 1e−300, atan(1e300) = π/2 rounded). ±∞ → ±π/2, NaN → NaN.
    atan = elementary::atan;
}
