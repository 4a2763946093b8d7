//! Numbers as people read them in a table or a picture.

/// `x` with `sig` significant digits, trailing zeros dropped: `0.419974`, `2`, `-1.5e-8`.
///
/// Plain notation for 1e-4 ≤ |x| < 1e7, scientific notation outside; `inf`, `-inf`, `NaN`.
pub(crate) fn fmt_num(x: f64, sig: usize) -> String {
    let sig = sig.max(1);
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf" } else { "-inf" }.into();
    }
    if x == 0.0 {
        return "0".into();
    }
    let mag = x.abs();
    if (1e-4..1e7).contains(&mag) {
        let digits_before = mag.log10().floor() as i64 + 1;
        let decimals = (sig as i64 - digits_before).max(0) as usize;
        trim_zeros(&format!("{x:.decimals$}"))
    } else {
        let s = format!("{x:.prec$e}", prec = sig - 1);
        match s.split_once('e') {
            Some((mantissa, exp)) => format!("{}e{exp}", trim_zeros(mantissa)),
            None => s,
        }
    }
}

/// `1.2500` → `1.25`, `2.000` → `2`; integers are left alone.
fn trim_zeros(s: &str) -> String {
    if !s.contains('.') {
        return s.to_string();
    }
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A JSON number, or the strings `"inf"`, `"-inf"`, `"nan"` for what JSON cannot hold
/// (the convention of `tapegrad grad --json`).
pub(crate) fn json_num(x: f64) -> serde_json::Value {
    match serde_json::Number::from_f64(x) {
        Some(n) => serde_json::Value::Number(n),
        None if x.is_nan() => "nan".into(),
        None if x > 0.0 => "inf".into(),
        None => "-inf".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn significant_digits() {
        assert_eq!(fmt_num(0.41997434161402614, 6), "0.419974");
        assert_eq!(fmt_num(0.42, 4), "0.42");
        assert_eq!(fmt_num(2.0, 6), "2");
        assert_eq!(fmt_num(-1.5, 6), "-1.5");
        assert_eq!(fmt_num(123.456789, 4), "123.5");
        assert_eq!(fmt_num(1234567.0, 3), "1234567");
        assert_eq!(fmt_num(-0.0, 6), "0");
    }

    #[test]
    fn tiny_huge_and_special() {
        assert_eq!(fmt_num(1.5e-8, 6), "1.5e-8");
        assert_eq!(fmt_num(-2.0e12, 6), "-2e12");
        assert_eq!(fmt_num(f64::INFINITY, 6), "inf");
        assert_eq!(fmt_num(f64::NEG_INFINITY, 6), "-inf");
        assert_eq!(fmt_num(f64::NAN, 6), "NaN");
    }

    #[test]
    fn json_non_finite_are_strings() {
        assert_eq!(json_num(0.5), serde_json::json!(0.5));
        assert_eq!(json_num(f64::INFINITY), serde_json::json!("inf"));
        assert_eq!(json_num(f64::NEG_INFINITY), serde_json::json!("-inf"));
        assert_eq!(json_num(f64::NAN), serde_json::json!("nan"));
    }
}
