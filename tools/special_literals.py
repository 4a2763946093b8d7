#!/usr/bin/env python3
"""Regenerates src/special/literals.rs: reference values (x, f(x)) of every kernel in
src/special, computed with mpmath at 50 significant digits, so the Rust tests compare the f64
kernels with an independent, far more precise source. mpmath is needed only here, never by the
crate; with it installed (e.g. in a virtual environment outside the repository):

    python3 tools/special_literals.py > src/special/literals.rs

The points are chosen to hit each kernel's hard regions (overflow and underflow edges, the
cancellation of the textbook forms, the tails where the argument's rounding is amplified,
subnormals), plus a sweep of f32-representable points so the f32 kernels are checked too.
Each value is written with 25 significant digits; Rust rounds the literal to the nearest f64,
so a test's ulp distance is measured from the correctly rounded value.
"""
import struct

import mpmath
from mpmath import mp, mpf

mp.dps = 50


def f32(v):
    """v rounded to the nearest f32, as a Python float."""
    return struct.unpack("f", struct.pack("f", v))[0]


def sweep(lo, hi, n):
    """n points from lo to hi, each rounded to f32 (so the f32 tests can use them), with an
    irrational step so no point sits on a round number by accident."""
    step = (hi - lo) / (n - 1)
    return [f32(lo + (i + 0.318309886) * step) for i in range(n - 1)]


MIN_SUB = 5e-324
MAX = 1.7976931348623157e308
TINY = mpf(2) ** -1080  # well below half the smallest subnormal: rounds to zero
HUGE = mpf(2) ** 1024 * (1 - mpf(2) ** -54)  # from here on the value rounds to infinity


def softplus(x):
    x = mpf(x)
    return x + mpmath.log1p(mpmath.exp(-x)) if x > 0 else mpmath.log1p(mpmath.exp(x))


def gelu(x):
    x = mpf(x)
    return x * mpmath.ncdf(x)


def gelu_grad(x):
    x = mpf(x)
    return mpmath.ncdf(x) + x * mpmath.npdf(x)


def erf_grad(x):
    x = mpf(x)
    return 2 / mpmath.sqrt(mp.pi) * mpmath.exp(-x * x)


def leaky_relu(x):
    x = mpf(x)
    return x if x > 0 else mpf("0.01") * x


def elu(x):
    x = mpf(x)
    return x if x > 0 else mpmath.expm1(x)


def sym(points):
    return points + [-p for p in points]


KERNELS = [
    (
        "SOFTPLUS",
        softplus,
        sym([800.0, 37.0, 1e-300, MIN_SUB, 1.0, 20.0, 36.7, 700.0, 745.0, 1e300, 0.5])
        + [0.0, 710.0, -740.0, -709.0]
        + sweep(-100.0, 100.0, 60),
    ),
    (
        "LOG1P",
        mpmath.log1p,
        sym([1e-10, 1e-300, 1e-310, MIN_SUB, 1e-20, 1e-5, 0.5, 2.0**-30])
        + [-0.9999999999999999, -0.999, -0.75, 700.0, 1e300, MAX, 1.0, 3.0, 1e10, 0.0]
        + sweep(-0.99, 10.0, 60),
    ),
    (
        "EXPM1",
        mpmath.expm1,
        sym([1e-10, 1e-300, 1e-310, MIN_SUB, 1e-20, 0.5, 1.0, 700.0, 0.3, 1e-5, 2.0**-30])
        + [709.78, -745.0, -40.0, 0.0, 710.0]
        + sweep(-50.0, 50.0, 60),
    ),
    (
        "ERF",
        mpmath.erf,
        sym([1e-300, 1e-310, MIN_SUB, 1e-10, 1e-20, 0.1, 0.5, 0.84375, 1.0, 1.25, 2.857, 3.0])
        + [5.9, 6.0, 26.0, 27.2, 0.0]
        + sweep(-6.5, 6.5, 60),
    ),
    (
        "ERFC",
        mpmath.erfc,
        sym([1e-300, MIN_SUB, 1e-10, 0.1, 0.5, 0.84375, 1.0, 1.25, 2.857, 3.0, 6.0])
        + [10.0, 20.0, 26.0, 27.0, 27.2, 27.25, 27.3, 0.0]
        + sweep(-6.5, 27.3, 60),
    ),
    (
        "GELU",
        gelu,
        [-38.6, -38.0, -37.5, -37.3, -37.0, -36.5, -36.0, -35.99, -30.0, -26.0, -20.0, -10.0]
        + [-8.3, -5.0, -3.0, -1.0, -0.75, -0.5, -1e-300, -1e-310, -MIN_SUB, 0.0]
        + [MIN_SUB, 1e-310, 1e-300, 0.5, 1.0, 3.0, 10.0, 1e10, 1e300, MAX]
        + sweep(-39.0, 12.0, 80),
    ),
    (
        "GELU_GRAD",
        gelu_grad,
        [-39.5, -38.6, -38.0, -37.5, -37.0, -36.5, -36.0, -35.99, -30.0, -20.0, -10.0, -5.0]
        + [-3.0, -2.0, -1.5, -1.0, -0.9, -0.7518, -0.75, -0.6, -0.5, -1e-300, 0.0]
        + [1e-300, 0.5, 1.0, 3.0, 10.0, 39.0, 1e10]
        + sweep(-39.0, 12.0, 80),
    ),
    (
        "ERF_GRAD",
        erf_grad,
        sym([26.0, 27.0, 27.2, 27.3, 10.0, 1e-300, 0.5, 5.0, 20.0, 25.5, 26.6, 3.0])
        + [0.0]
        + sweep(-28.0, 28.0, 60),
    ),
    (
        "LEAKY_RELU",
        leaky_relu,
        sym([1.0, 1e-300, 1e-310, MIN_SUB, 3.0, 1e300, 0.1, 7.25, 2.0**-1060, MAX])
        + [0.0]
        + sweep(-10.0, 10.0, 20),
    ),
    (
        "ELU",
        elu,
        sym([1.0, 1e-300, 1e-310, 1e-10, 0.5, 5.0, MIN_SUB, 1e300])
        + [-40.0, -800.0, 0.0]
        + sweep(-20.0, 5.0, 40),
    ),
    (
        "ATAN",
        mpmath.atan,
        sym([1e-300, 1e-310, MIN_SUB, 1e-8, 0.5, 1.0, 0.41421356, 2.0, 2.414, 10.0, 1e8, 1e16, 1e300])
        + [0.0, MAX]
        + sweep(-30.0, 30.0, 60),
    ),
]


def rust_float(v):
    """A Rust f64 literal for the mpmath value v: 25 significant digits, or the exact zero or
    infinity the value rounds to."""
    if v == 0 or abs(v) < TINY:
        return "-0.0" if v < 0 else "0.0"
    if abs(v) >= HUGE:
        return "f64::NEG_INFINITY" if v < 0 else "f64::INFINITY"
    s = mpmath.nstr(v, 25, strip_zeros=False, min_fixed=0, max_fixed=0)
    return s.replace("e+", "e")


def rust_input(x):
    """A Rust literal for the f64 input x (repr is its shortest round-trip form)."""
    if x == 0:
        return "-0.0" if str(x).startswith("-") else "0.0"
    return repr(x).replace("e+", "e")


def main():
    print("// Generated by `python3 tools/special_literals.py > src/special/literals.rs`")
    print("// (mpmath, 50 significant digits). Do not edit by hand; rerun the script.")
    print("//! Reference values (x, f(x)) of the special kernels, from mpmath.")
    print()
    print("// The digits past f64's precision are intentional: the literals are the exact")
    print("// values to 25 digits, and Rust rounds them to the nearest f64. Values such as")
    print("// atan(1) = π/4 are written out, not taken from std's constants, so the reference")
    print("// stays independent of what it checks.")
    print("#![allow(clippy::excessive_precision, clippy::approx_constant)]")
    print()
    print("/// 1/√2 − fl(1/√2), the low part of the double-double 1/√2.")
    lo = mpf(1) / mpmath.sqrt(2) - mpf(0.7071067811865476)
    print(f"pub(super) const FRAC_1_SQRT_2_LO: f64 = {rust_float(lo)};")
    print("/// ln 2 − LN2_HI, LN2_HI = f64::from_bits(0x3FE6_2E42_FEE0_0000).")
    ln2_hi = struct.unpack(">d", bytes.fromhex("3FE62E42FEE00000"))[0]
    print(f"pub(super) const LN2_LO: f64 = {rust_float(mp.log(2) - mpf(ln2_hi))};")
    print("/// 1/√(2π) to 25 digits.")
    print(f"pub(super) const FRAC_1_SQRT_2PI: f64 = {rust_float(1 / mpmath.sqrt(2 * mp.pi))};")
    for name, f, points in KERNELS:
        seen = set()
        print()
        print(f"/// (x, {name.lower()}(x)).")
        print(f"pub(super) const {name}: &[(f64, f64)] = &[")
        for x in points:
            key = struct.pack(">d", x)
            if key in seen:
                continue
            seen.add(key)
            print(f"    ({rust_input(x)}, {rust_float(f(mpf(x)))}),")
        print("];")


if __name__ == "__main__":
    main()
