//! [`format_metric`]: the one way [`fit`](super::fit) prints a loss or a metric.

/// `v` in four significant digits, as C's and Python's `%.4g` print it but with Rust's exponent
/// (`1.2e-5`, not `1.2e-05`): fixed notation when the rounded value's decimal exponent is in
/// −4..4, scientific otherwise, trailing zeros dropped. A loss that keeps falling stays
/// readable (`0.0001234`, `1.2e-5`) where a fixed `{:.4}` would print `0.0000`.
///
/// ```
/// use tapegrad::nn::train::format_metric;
/// assert_eq!(format_metric(std::f64::consts::LN_2), "0.6931");
/// assert_eq!(format_metric(0.000012), "1.2e-5");
/// assert_eq!(format_metric(0.75), "0.75");
/// assert_eq!(format_metric(123456.0), "1.235e5");
/// ```
pub fn format_metric(v: f64) -> String {
    const DIGITS: i32 = 4;
    if !v.is_finite() {
        return v.to_string().to_lowercase(); // NaN, inf, -inf → nan, inf, -inf
    }
    if v == 0.0 {
        return "0".into();
    }
    // Round to DIGITS significant digits first: the exponent is the rounded value's
    // (0.00099999 rounds to 0.001, exponent −3, so it is printed in fixed notation).
    let sci = format!("{v:.prec$e}", prec = (DIGITS - 1) as usize);
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if (-4..DIGITS).contains(&exp) {
        let decimals = (DIGITS - 1 - exp) as usize;
        trim_zeros(&format!("{v:.decimals$}")).to_string()
    } else {
        format!("{}e{exp}", trim_zeros(mantissa))
    }
}

/// `1.500` → `1.5`, `2.000` → `2`; a number without a decimal point is left as it is.
fn trim_zeros(s: &str) -> &str {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        s
    }
}
