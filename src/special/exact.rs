//! Error-free pieces the Gaussian kernels are built from: a product as an exact sum of two
//! doubles, e^(−(hi + lo)) times a factor without an early underflow, and the asymptotic
//! series of the normal tail.

/// ln 2 split as fdlibm does: `LN2_HI` has its 21 low significand bits zero, so `128 · LN2_HI`
/// is exact, and `LN2_HI + LN2_LO` is ln 2 to about 2⁻⁸⁵ (`LN2_LO` is checked against mpmath
/// in the tests).
pub(super) const LN2_HI: f64 = f64::from_bits(0x3FE6_2E42_FEE0_0000);
/// The rest of ln 2 after [`LN2_HI`].
pub(super) const LN2_LO: f64 = f64::from_bits(0x3DEA_39EF_3579_3C76);

/// Below e^(−600) ≈ 2.6e−261 [`mul_exp_neg`] shifts the exponent by `SHIFT · ln 2`.
const SCALE_FROM: f64 = 600.0;
/// The shift: 128 keeps e^(−(hi − 128 ln 2)) normal for every hi below 796, past the point
/// (hi ≈ 745 + ln |m|) where the whole product rounds to zero.
const SHIFT: f64 = 128.0;
/// 2⁻¹²⁸, exact.
const TWO_POW_M128: f64 = f64::from_bits((1023 - 128) << 52);

/// `a · b = hi + lo` exactly with `hi = fl(a · b)`, as long as the product neither overflows
/// nor falls into the subnormals (the fused multiply-add computes the rounding error exactly).
pub(super) fn two_prod(a: f64, b: f64) -> (f64, f64) {
    let hi = a * b;
    (hi, a.mul_add(b, -hi))
}

/// `m · e^(−(hi + lo))` for finite `hi ≥ 0`, `|lo| ≤ 2⁻⁴⁰` and a normal moderate `m`, with at
/// most one rounding below the normal range.
///
/// Why: `(m · e^(−hi))` computed directly rounds twice once e^(−hi) is subnormal (`hi > 708`),
/// each time losing up to half a subnormal step, and the multiplication by `m` scales that
/// error up. Past `SCALE_FROM` the exponent is shifted by 128 · ln 2 (`hi − 128 · LN2_HI` is
/// exact: both are multiples of hi's last place and the difference is below 2¹⁰), every
/// intermediate stays normal, and the final multiplication by 2⁻¹²⁸ is exact or is the only
/// rounding into the subnormals.
///
/// The low part enters as `expm1(−lo)`: |lo| stays below 2.5e−8 (the shift's 128 · LN2_LO),
/// where `1 − lo` would miss lo²/2 ≈ 3e−16; `expm1` keeps it to a few parts in 10⁻²⁴.
pub(super) fn mul_exp_neg(m: f64, hi: f64, lo: f64) -> f64 {
    let (h, l, scale) = if hi < SCALE_FROM {
        (hi, lo, 1.0)
    } else {
        (hi - SHIFT * LN2_HI, lo - SHIFT * LN2_LO, TWO_POW_M128)
    };
    // m·e^(−h) = p + q exactly, then p·(1 + expm1(−l)) + q with the small terms summed first:
    // the result carries e^(−h)'s own rounding and one more, not three.
    let (p, q) = two_prod(m, (-h).exp());
    (p + p.mul_add((-l).exp_m1(), q)) * scale
}

/// The asymptotic series of the Mills ratio, `S(z) = Σₖ (−1)ᵏ (2k − 1)!! zᵏ` for k = 0..=8,
/// with `z = 1/x²`: `Φ(x) = φ(x) · S(1/x²) / |x|` as x → −∞ (Φ, φ the normal cdf and pdf).
///
/// The series diverges, but its error is below the first omitted term, 34459425 · z⁹: for
/// |x| ≥ 36 (z ≤ 1/1296) that is 3.2e−21, far below half an ulp.
pub(super) fn mills_series(z: f64) -> f64 {
    // (2k − 1)!! with alternating signs, highest power first for Horner's rule.
    const C: [f64; 9] = [
        2027025.0, -135135.0, 10395.0, -945.0, 105.0, -15.0, 3.0, -1.0, 1.0,
    ];
    C.iter().fold(0.0, |acc, &c| acc.mul_add(z, c))
}
