//! The kernels against mpmath (`literals.tsv`, from `tools/special_literals.py`), at special
//! values, at their conventions, and the derivatives against finite differences.

use super::literals as lit;
use super::*;

/// Distance between two floats in units in the last place: the number of representable
/// values between them (±0 count as one value, a subnormal step is one ulp). Both non-NaN.
fn ulps(a: f64, b: f64) -> u64 {
    // The bit patterns, folded so that they increase with the value across zero.
    fn ordered(x: f64) -> i128 {
        let bits = x.to_bits() as i64;
        i128::from(if bits < 0 { i64::MIN - bits } else { bits })
    }
    assert!(!a.is_nan() && !b.is_nan(), "ulps of a NaN: {a} vs {b}");
    (ordered(a) - ordered(b)).unsigned_abs() as u64
}

/// The same in f32.
fn ulps32(a: f32, b: f32) -> u64 {
    fn ordered(x: f32) -> i64 {
        let bits = x.to_bits() as i32;
        i64::from(if bits < 0 { i32::MIN - bits } else { bits })
    }
    assert!(!a.is_nan() && !b.is_nan(), "ulps of a NaN: {a} vs {b}");
    (ordered(a) - ordered(b)).unsigned_abs()
}

#[test]
fn ulps_counts_representable_steps() {
    assert_eq!(ulps(1.0, 1.0), 0);
    assert_eq!(ulps(1.0, 1.0 + f64::EPSILON), 1);
    assert_eq!(ulps(0.0, -0.0), 0);
    assert_eq!(ulps(f64::from_bits(1), -f64::from_bits(1)), 2);
    assert_eq!(ulps(f64::MAX, f64::INFINITY), 1);
    assert_eq!(ulps32(1.0, 1.0 + f32::EPSILON), 1);
    assert_eq!(ulps32(-f32::from_bits(3), 0.0), 3);
}

/// The worst f64 error of `f` over `points`, in ulps, and where it happens.
fn worst(f: fn(f64) -> f64, points: &[(f64, f64)]) -> (u64, f64) {
    points
        .iter()
        .map(|&(x, want)| {
            let got = f(x);
            assert!(!got.is_nan(), "NaN at x = {x:e}, want {want:e}");
            (ulps(got, want), x)
        })
        .fold((0, points[0].0), |a, b| if b.0 > a.0 { b } else { a })
}

/// One kernel under test: its name (as in the literals and the sweep file), f64 and f32
/// forms and f64 bound in ulps; its mpmath literals are `lit::points(name)`.
struct Kernel {
    name: &'static str,
    f64_form: fn(f64) -> f64,
    f32_form: fn(f32) -> f32,
    bound: u64,
}

/// Where gelu′ is a difference of two terms of size ≈ 0.2 that cancel (root at −0.7518):
/// there its error is bounded in absolute terms, [`GELU_GRAD_ROOT_TOL`], not in ulps.
fn near_gelu_grad_root(x: f64) -> bool {
    (-1.5..=-0.3).contains(&x)
}

/// Two ulps of 0.25, the size of Φ(x) near gelu′'s root.
const GELU_GRAD_ROOT_TOL: f64 = 2.0 * f64::EPSILON * 0.25;

/// Every kernel with a value table. The bounds are the worst errors measured over the
/// literals and over 35,400 random points (see `random_sweep_from_file`); only erfc (libm's)
/// and the Gaussian compositions need more than 1 ulp. A platform whose `exp` or `ln_1p` is
/// less accurate than glibc's may need one more.
fn kernels() -> [Kernel; 11] {
    [
        // Naive ln(1 + eˣ): ∞ at 800, 0 at −37 (true 8.5e−17).
        Kernel {
            name: "softplus",
            f64_form: softplus,
            f32_form: softplus,
            bound: 1,
        },
        // Naive ln(1 + x): 0 at 1e−20, relative error 8.3e−8 at 1e−10.
        Kernel {
            name: "log1p",
            f64_form: log1p,
            f32_form: log1p,
            bound: 1,
        },
        // Naive eˣ − 1: 0 at 1e−20, relative error 8.3e−8 at 1e−10.
        Kernel {
            name: "expm1",
            f64_form: expm1,
            f32_form: expm1,
            bound: 1,
        },
        Kernel {
            name: "erf",
            f64_form: erf,
            f32_form: erf,
            bound: 1,
        },
        // Naive 1 − erf(x): 0 at x = 6 (true 2.2e−17).
        Kernel {
            name: "erfc",
            f64_form: erfc,
            f32_form: erfc,
            bound: 2,
        },
        // Naive 0.5·x·(1 + erf(x/√2)): 0 at x = −10 (true −7.6e−23); see also
        // `the_corrections_matter`.
        Kernel {
            name: "gelu",
            f64_form: gelu,
            f32_form: gelu,
            bound: 2,
        },
        // Away from the root; near it see `gelu_grad_near_its_root`.
        Kernel {
            name: "gelu_grad",
            f64_form: gelu_grad,
            f32_form: gelu_grad,
            bound: 3,
        },
        Kernel {
            name: "erf_grad",
            f64_form: erf_grad,
            f32_form: erf_grad,
            bound: 1,
        },
        // The reference uses the exact 0.01; LEAKY_SLOPE is 0.01 rounded (2e−18 relative off).
        Kernel {
            name: "leaky_relu",
            f64_form: leaky_relu,
            f32_form: leaky_relu,
            bound: 1,
        },
        Kernel {
            name: "elu",
            f64_form: elu,
            f32_form: elu,
            bound: 1,
        },
        Kernel {
            name: "atan",
            f64_form: atan,
            f32_form: atan,
            bound: 1,
        },
    ]
}

/// The points where the kernel's error is measured in ulps (all but gelu′ near its root).
fn in_ulps(k: &Kernel, points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let far = |x: f64| k.name != "gelu_grad" || !near_gelu_grad_root(x);
    points.iter().copied().filter(|p| far(p.0)).collect()
}

/// Asserts every point is within the kernel's bound in f64, and, at each point whose x is an
/// f32, that the f32 form is within 1 f32 ulp of the reference rounded to f32.
fn check(k: &Kernel, points: &[(f64, f64)]) {
    let points = in_ulps(k, points);
    let (err, at) = worst(k.f64_form, &points);
    println!(
        "{}: worst {err} ulp at x = {at:e} over {} points",
        k.name,
        points.len()
    );
    assert!(
        err <= k.bound,
        "{}: {err} ulp at x = {at:e} (bound {})",
        k.name,
        k.bound
    );
    for &(x, want) in &points {
        let x32 = x as f32;
        if f64::from(x32) == x {
            let (got, want) = ((k.f32_form)(x32), want as f32);
            assert!(
                ulps32(got, want) <= 1,
                "{} in f32 at x = {x:e}: {got:e}, want {want:e}",
                k.name
            );
        }
    }
}

#[test]
fn every_kernel_matches_the_mpmath_literals() {
    for k in kernels() {
        let literals = lit::points(k.name);
        check(&k, &literals);
        let f32_points = literals
            .iter()
            .filter(|p| f64::from(p.0 as f32) == p.0)
            .count();
        assert!(f32_points >= 10, "{}: only {f32_points} f32 points", k.name);
    }
}

#[test]
fn gelu_grad_near_its_root() {
    let near: Vec<_> = lit::points("gelu_grad")
        .into_iter()
        .filter(|p| near_gelu_grad_root(p.0))
        .collect();
    assert!(near.len() >= 5);
    let mut worst_abs: f64 = 0.0;
    for &(x, want) in &near {
        let err = (gelu_grad(x) - want).abs();
        worst_abs = worst_abs.max(err);
        assert!(
            err <= GELU_GRAD_ROOT_TOL,
            "gelu_grad at x = {x}: |error| {err:e}"
        );
        if f64::from(x as f32) == x {
            let err32 = f64::from((gelu_grad(x as f32) - want as f32).abs());
            assert!(
                err32 <= 0.25 * f64::from(f32::EPSILON),
                "f32 at {x}: |error| {err32:e}"
            );
        }
    }
    println!(
        "gelu_grad near the root: worst |error| {worst_abs:e} over {} points",
        near.len()
    );
}

/// The same bounds over a file of random points from
/// `python3 tools/special_literals.py --sweep SEED > FILE` (lines `NAME x value`), named by
/// the `SPECIAL_SWEEP` environment variable. Ignored by default: it needs mpmath's output.
#[test]
#[ignore = "needs SPECIAL_SWEEP=FILE written by tools/special_literals.py --sweep SEED"]
fn random_sweep_from_file() {
    let path = std::env::var("SPECIAL_SWEEP").expect("set SPECIAL_SWEEP to the sweep file");
    let text = std::fs::read_to_string(&path).expect("read the sweep file");
    let points: Vec<(&str, f64, f64)> = lit::rows(&text)
        .map(|[name, x, y]| (name, lit::number(x), lit::number(y)))
        .collect();
    let mut total = 0;
    for k in kernels() {
        let mine: Vec<(f64, f64)> = points
            .iter()
            .filter(|p| p.0 == k.name)
            .map(|p| (p.1, p.2))
            .collect();
        total += mine.len();
        if !mine.is_empty() {
            check(&k, &mine);
        }
        if k.name == "gelu_grad" {
            let near = mine.iter().filter(|p| near_gelu_grad_root(p.0));
            let worst_abs = near
                .map(|&(x, want)| (gelu_grad(x) - want).abs())
                .fold(0.0, f64::max);
            println!("gelu_grad near the root: worst |error| {worst_abs:e}");
            assert!(worst_abs <= GELU_GRAD_ROOT_TOL);
        }
    }
    assert_eq!(
        total,
        points.len(),
        "the file names a kernel that is not tested"
    );
}

#[test]
fn constants_match_mpmath() {
    assert_eq!(gauss::FRAC_1_SQRT_2_LO, lit::constant("FRAC_1_SQRT_2_LO"));
    assert_eq!(exact::LN2_LO, lit::constant("LN2_LO"));
    assert_eq!(gauss::FRAC_1_SQRT_2PI, lit::constant("FRAC_1_SQRT_2PI"));
    assert_eq!(
        gauss::FRAC_1_SQRT_2PI_REL,
        lit::constant("FRAC_1_SQRT_2PI_REL")
    );
    assert_eq!(
        gauss::FRAC_2_SQRT_PI_REL,
        lit::constant("FRAC_2_SQRT_PI_REL")
    );
    // 128 · LN2_HI must be exact: LN2_HI's low 21 significand bits are zero.
    assert_eq!(exact::LN2_HI.to_bits().trailing_zeros(), 21);
}

/// The naive forms the kernels replace, over the same literals: what the care buys, as a
/// test so the claims in the docs stay true.
#[test]
fn the_corrections_matter() {
    use std::f64::consts::{FRAC_1_SQRT_2, FRAC_2_SQRT_PI};
    let worst_naive = |f: fn(f64) -> f64, points: &[(f64, f64)]| {
        let w = worst(f, points);
        println!("naive form: worst {} ulp at x = {:e}", w.0, w.1);
        w.0
    };

    // gelu through erfc with x/√2 simply rounded: ≈ x² ulp in the tail.
    let rounded_t = |x: f64| (0.5 * x) * libm::erfc(-x * FRAC_1_SQRT_2);
    let tail: Vec<_> = lit::points("gelu")
        .into_iter()
        .filter(|p| (-37.5..-20.0).contains(&p.0))
        .collect();
    assert!(
        worst_naive(rounded_t, &tail) > 300,
        "{}",
        worst_naive(rounded_t, &tail)
    );
    assert!(worst(gelu, &tail).0 <= 2);

    // The textbook form: 1 + erf(x/√2) cancels to 0 at x = −10 (true gelu(−10) = −7.6e−23).
    let textbook = |x: f64| 0.5 * x * (1.0 + libm::erf(x * FRAC_1_SQRT_2));
    assert_eq!(textbook(-10.0), 0.0);
    assert!((gelu(-10.0f64) / -7.619853024160526e-23 - 1.0).abs() < 1e-15);

    // erf′ with x·x rounded: ≈ x² ulp for |x| in the twenties.
    let naive_erf_grad = |x: f64| FRAC_2_SQRT_PI * (-(x * x)).exp();
    assert!(worst_naive(naive_erf_grad, &lit::points("erf_grad")) > 50);
    assert!(worst(erf_grad, &lit::points("erf_grad")).0 <= 1);

    // gelu′ with x²/2 rounded in φ.
    let naive_gelu_grad = |x: f64| {
        let pdf = gauss::FRAC_1_SQRT_2PI * (-0.5 * x * x).exp();
        0.5 * libm::erfc(-x * FRAC_1_SQRT_2) + x * pdf
    };
    let far: Vec<_> = lit::points("gelu_grad")
        .into_iter()
        .filter(|p| p.0 < -5.0)
        .collect();
    assert!(worst_naive(naive_gelu_grad, &far) > 50);

    // gelu through the corrected erfc where erfc(−x/√2) is subnormal: its half-step rounding
    // is multiplied by |x|/2 ≈ 19.
    let through_erfc = |x: f64| {
        let (c, d) = gauss::twice_ncdf(x);
        (0.5 * x) * (c + d)
    };
    let subnormal: Vec<_> = lit::points("gelu")
        .into_iter()
        .filter(|p| p.0 < -37.6)
        .collect();
    assert!(worst_naive(through_erfc, &subnormal) > 3);
    assert!(worst(gelu, &subnormal).0 <= 1);
}

/// (kernel, x, expected) where the expected value is exact, sign of zero included.
type Special64 = (&'static str, fn(f64) -> f64, f64, f64);

const MIN_SUB: f64 = 5e-324;
const NAN: f64 = f64::NAN;
const INF: f64 = f64::INFINITY;

fn special_cases() -> Vec<Special64> {
    use std::f64::consts::{FRAC_2_SQRT_PI, FRAC_PI_2, LN_2};
    vec![
        ("softplus", softplus, NAN, NAN),
        ("softplus", softplus, INF, INF),
        ("softplus", softplus, -INF, 0.0),
        ("softplus", softplus, 0.0, LN_2),
        ("softplus", softplus, -0.0, LN_2),
        ("softplus", softplus, f64::MAX, f64::MAX),
        ("softplus", softplus, -f64::MAX, 0.0),
        ("log1p", log1p, NAN, NAN),
        ("log1p", log1p, INF, INF),
        ("log1p", log1p, -INF, NAN),
        ("log1p", log1p, -1.0, -INF),
        ("log1p", log1p, -2.0, NAN),
        ("log1p", log1p, 0.0, 0.0),
        ("log1p", log1p, -0.0, -0.0),
        ("log1p", log1p, MIN_SUB, MIN_SUB),
        ("expm1", expm1, NAN, NAN),
        ("expm1", expm1, INF, INF),
        ("expm1", expm1, -INF, -1.0),
        ("expm1", expm1, 0.0, 0.0),
        ("expm1", expm1, -0.0, -0.0),
        ("expm1", expm1, -MIN_SUB, -MIN_SUB),
        ("expm1", expm1, 710.0, INF),
        ("erf", erf, NAN, NAN),
        ("erf", erf, INF, 1.0),
        ("erf", erf, -INF, -1.0),
        ("erf", erf, 0.0, 0.0),
        ("erf", erf, -0.0, -0.0),
        ("erfc", erfc, NAN, NAN),
        ("erfc", erfc, INF, 0.0),
        ("erfc", erfc, -INF, 2.0),
        ("erfc", erfc, 0.0, 1.0),
        ("erfc", erfc, -0.0, 1.0),
        ("erf_grad", erf_grad, NAN, NAN),
        ("erf_grad", erf_grad, INF, 0.0),
        ("erf_grad", erf_grad, -INF, 0.0),
        ("erf_grad", erf_grad, 0.0, FRAC_2_SQRT_PI),
        ("erf_grad", erf_grad, -0.0, FRAC_2_SQRT_PI),
        ("erf_grad", erf_grad, 29.0, 0.0),
        ("erf_grad", erf_grad, -1e200, 0.0),
        ("gelu", gelu, NAN, NAN),
        ("gelu", gelu, INF, INF),
        ("gelu", gelu, -INF, -0.0),
        ("gelu", gelu, 0.0, 0.0),
        ("gelu", gelu, -0.0, -0.0),
        ("gelu", gelu, -41.0, -0.0),
        // x/2 is a tie in the subnormals; x²/√(2π) > 0 decides it upwards (not to even).
        ("gelu", gelu, MIN_SUB, MIN_SUB),
        ("gelu", gelu, -MIN_SUB, -0.0),
        ("gelu", gelu, 5.0 * MIN_SUB, 3.0 * MIN_SUB),
        ("gelu", gelu, -5.0 * MIN_SUB, -2.0 * MIN_SUB),
        ("gelu", gelu, 4.0 * MIN_SUB, 2.0 * MIN_SUB),
        ("gelu", gelu, -1e200, -0.0),
        ("gelu", gelu, f64::MAX, f64::MAX),
        ("gelu_grad", gelu_grad, NAN, NAN),
        ("gelu_grad", gelu_grad, INF, 1.0),
        ("gelu_grad", gelu_grad, -INF, -0.0),
        ("gelu_grad", gelu_grad, 0.0, 0.5),
        ("gelu_grad", gelu_grad, -0.0, 0.5),
        ("gelu_grad", gelu_grad, 41.0, 1.0),
        ("gelu_grad", gelu_grad, 1e200, 1.0),
        ("gelu_grad", gelu_grad, -1e200, -0.0),
        ("leaky_relu", leaky_relu, NAN, NAN),
        ("leaky_relu", leaky_relu, INF, INF),
        ("leaky_relu", leaky_relu, -INF, -INF),
        ("leaky_relu", leaky_relu, 0.0, 0.0),
        ("leaky_relu", leaky_relu, -0.0, -0.0),
        ("leaky_relu", leaky_relu, -MIN_SUB, -0.0),
        ("elu", elu, NAN, NAN),
        ("elu", elu, INF, INF),
        ("elu", elu, -INF, -1.0),
        ("elu", elu, 0.0, 0.0),
        ("elu", elu, -0.0, -0.0),
        ("elu", elu, -MIN_SUB, -MIN_SUB),
        ("atan", atan, NAN, NAN),
        ("atan", atan, INF, FRAC_PI_2),
        ("atan", atan, -INF, -FRAC_PI_2),
        ("atan", atan, 0.0, 0.0),
        ("atan", atan, -0.0, -0.0),
        ("atan", atan, MIN_SUB, MIN_SUB),
    ]
}

/// The same value bit for bit, any NaN matching any NaN.
fn same(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
}

/// An f32 kernel and its name.
type Named32 = (&'static str, fn(f32) -> f32);

#[test]
fn special_values_in_f64_and_f32() {
    for (name, f, x, want) in special_cases() {
        let got = f(x);
        assert!(same(got, want), "{name}({x:e}) = {got:e}, want {want:e}");
    }
    // The f32 kernels at the same inputs where they are f32 values: the f64 answer rounded.
    let f32_kernels: [Named32; 11] = [
        ("softplus", softplus),
        ("log1p", log1p),
        ("expm1", expm1),
        ("erf", erf),
        ("erfc", erfc),
        ("erf_grad", erf_grad),
        ("gelu", gelu),
        ("gelu_grad", gelu_grad),
        ("leaky_relu", leaky_relu),
        ("elu", elu),
        ("atan", atan),
    ];
    for (name, _, x, want) in special_cases() {
        let x32 = x as f32;
        if !(f64::from(x32) == x || x.is_nan()) {
            continue;
        }
        let f32_kernel = f32_kernels.iter().find(|k| k.0 == name).unwrap().1;
        let got = f32_kernel(x32);
        let want = want as f32;
        assert!(
            (got.is_nan() && want.is_nan()) || got.to_bits() == want.to_bits(),
            "{name}({x32:e}f32) = {got:e}, want {want:e}"
        );
    }
    // f32 where an f32 computation would overflow or lose the value: e^89 is ∞ in f32, and
    // erf′(10) = 4.2e−44 is an f32 subnormal, kept (its digits are checked in the literals).
    assert_eq!(softplus(89.0f32), 89.0);
    assert!(erf_grad(10.0f32) > 0.0 && erf_grad(10.0f32) < f32::MIN_POSITIVE);
}

/// The local derivatives the primitive table gives leaky_relu and elu.
fn leaky_relu_grad<T: crate::Float>(x: T) -> T {
    let f = crate::rules::Fn1::LeakyRelu;
    f.pullback(x, f.eval(x), T::ONE)
}

fn elu_grad<T: crate::Float>(x: T) -> T {
    let f = crate::rules::Fn1::Elu;
    f.pullback(x, f.eval(x), T::ONE)
}

#[test]
fn conventions_at_the_kinks() {
    assert_eq!(LEAKY_SLOPE, 0.01);
    // leaky_relu′(0) = 0.01 on both zeros (PyTorch's `x > 0` test), 1 just above.
    assert_eq!(leaky_relu_grad(0.0), 0.01);
    assert_eq!(leaky_relu_grad(-0.0), 0.01);
    assert_eq!(leaky_relu_grad(MIN_SUB), 1.0);
    assert_eq!(leaky_relu_grad(-MIN_SUB), 0.01);
    assert_eq!(leaky_relu_grad(-INF), 0.01);
    assert_eq!(leaky_relu_grad(NAN), 0.01); // PyTorch's `x > 0 ? g : slope·g` too
    assert_eq!(leaky_relu_grad(0.0f32), 0.01f32);
    // elu′(0) = 1, and the left side tends to 1 too (elu is C¹ for α = 1).
    assert_eq!(elu_grad(0.0), 1.0);
    assert_eq!(elu_grad(-0.0), 1.0);
    assert_eq!(elu_grad(-1e-300), 1.0);
    assert_eq!(elu_grad(2.0), 1.0);
    assert_eq!(elu_grad(-1.0), (-1.0f64).exp());
    assert_eq!(elu_grad(-INF), 0.0);
    assert!(elu_grad(NAN).is_nan());
    assert_eq!(elu_grad(0.0f32), 1.0f32);
    // gelu is smooth: gelu′(0) = Φ(0) = 1/2 exactly.
    assert_eq!(gelu_grad(0.0), 0.5);
}

/// Central difference (f(x + h) − f(x − h)) / 2h with h = 2⁻¹⁷ and x a multiple of 1/8, so
/// x ± h are exact and the only errors are truncation (h²/6 · |f‴|) and f's rounding
/// (≈ 2 ulp · |f| / h).
fn central(f: fn(f64) -> f64, x: f64) -> f64 {
    let h = 2f64.powi(-17);
    (f(x + h) - f(x - h)) / (2.0 * h)
}

/// Asserts the derivative `got` of `name` at `x` is within `tol` of the difference `fd`:
/// absolutely, or relative to `fd` where `relative` (in the tails, where both are tiny).
fn assert_near_difference(name: &str, x: f64, got: f64, fd: f64, tol: f64, relative: bool) {
    let err = if relative {
        (got / fd - 1.0).abs()
    } else {
        (got - fd).abs()
    };
    assert!(err < tol, "x = {x}: {name} {got:e}, difference {fd:e}");
}

#[test]
fn gelu_grad_is_the_derivative_of_gelu() {
    // |gelu‴| = |x·φ(x)·(x² − 4)| ≤ 0.8, so truncation ≤ 6e−11·0.8/6 ≈ 1e−11; rounding of gelu
    // (|gelu| ≤ 6 here, 2 ulp) ≤ 2·6·2.2e−16/1.5e−5 ≈ 2e−10. The tolerance 1e−9 is 5 times
    // that and a thousand times below the gap to the tanh approximation (≈ 1e−3 near x = ±2).
    for i in -48..=48 {
        let x = f64::from(i) / 8.0;
        assert_near_difference("gelu′", x, gelu_grad(x), central(gelu, x), 1e-9, false);
    }
    // The tail in relative terms (|gelu′/gelu| ≈ |x|): truncation ≈ h²x²/6 ≤ 1.3e−8 at x = −37.
    for x in [-37.0, -36.5, -35.875, -30.0, -20.0, -10.0] {
        assert_near_difference("gelu′", x, gelu_grad(x), central(gelu, x), 1e-7, true);
    }
}

#[test]
fn erf_grad_is_the_derivative_of_erf() {
    // |erf‴| = (2/√π)|4x² − 2|e^(−x²) ≤ 2.3: truncation ≤ 2.2e−11, rounding of erf (1 ulp of
    // ≤ 1) ≈ 3e−11; tolerance 1e−9.
    for i in -32..=32 {
        let x = f64::from(i) / 8.0;
        assert_near_difference("erf′", x, erf_grad(x), central(erf, x), 1e-9, false);
    }
    // The tail through erfc′ = −erf′, relative (|erfc′/erfc| ≈ 2x): truncation ≈ h²(2x)²/6
    // ≤ 2.6e−8 at x = 26.
    for x in [3.0, 5.0, 10.0, 20.0, 26.0] {
        assert_near_difference("erf′", x, erf_grad(x), -central(erfc, x), 1e-7, true);
    }
}
