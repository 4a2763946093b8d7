#!/usr/bin/env python3
"""Regenerates src/special/literals.tsv: reference values (x, f(x)) of every kernel in
src/special, computed with mpmath at 50 significant digits, so the Rust tests compare the f64
kernels with an independent, far more precise source. mpmath is needed only here, never by the
crate; with it installed (e.g. in a virtual environment outside the repository):

    python3 tools/special_literals.py > src/special/literals.tsv

With `--sweep SEED` it prints instead random points, one `name x value` a line, for the
ignored test that checks the same bounds on many more points:

    python3 tools/special_literals.py --sweep 1 > "${TMPDIR:-/tmp}/sweep.txt"
    SPECIAL_SWEEP="${TMPDIR:-/tmp}/sweep.txt" cargo test --lib special -- --ignored

The points are chosen to hit each kernel's hard regions (overflow and underflow edges, the
cancellation of the textbook forms, the tails where the argument's rounding is amplified,
subnormals), plus a sweep of f32-representable points so the f32 kernels are checked too.
Each value is the exact one correctly rounded to f64 (at higher precision where 50 digits
cannot tell which way a tie goes), written with 17 significant digits so it reads back
exactly: a test's ulp distance is measured from the correctly rounded value.
"""
import math
import random
import struct
import sys
from fractions import Fraction

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
        # Odd subnormals: x/2 is a tie, which the x² term breaks upwards.
        + [MIN_SUB, 3 * MIN_SUB, 5 * MIN_SUB, -3 * MIN_SUB, -5 * MIN_SUB]
        + [1e-310, 1e-300, 0.5, 1.0, 3.0, 10.0, 1e10, 1e300, MAX]
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
        sym([1e-300, 1e-310, MIN_SUB, 1e-8, 0.5, 1.0, 0.41421356, 2.0, 2.414, 10.0, 1e8])
        + sym([1e16, 1e300])
        + [0.0, MAX]
        + sweep(-30.0, 30.0, 60),
    ),
]


def nearest_f64(f, x):
    """f(x) correctly rounded to f64 (subnormals, zero and infinity included).

    The value is computed at 50 digits; where that is too close to a midpoint between two
    doubles to tell the side (gelu of an odd subnormal is x/2 plus a term 10^-324 times
    smaller), it is computed again at 1200 digits. The exact binary value of the mpf goes
    through a Fraction, whose conversion to float rounds once, correctly."""
    for digits in (50, 1200):
        with mp.workdps(digits):
            v = f(mpf(x))
            if abs(v) >= HUGE:
                return math.copysign(math.inf, v)
            if abs(v) < TINY:
                return math.copysign(0.0, v)
            sign, man, exp, _ = v._mpf_  # v = (−1)^sign · man · 2^exp
            d = float(Fraction(man * 2**exp) if exp >= 0 else Fraction(man, 2**-exp))
            d = -d if sign else d
            if d == 0:
                d = math.copysign(0.0, v)
            # The midpoints on either side of d, exactly.
            ulp_below = mpf(d) - mpf(math.nextafter(d, -math.inf))
            ulp_above = mpf(math.nextafter(d, math.inf)) - mpf(d)
            gap = min(abs(v - (mpf(d) - ulp_below / 2)), abs(v - (mpf(d) + ulp_above / 2)))
            if v == 0 or gap > abs(v) * mpf(10) ** (12 - digits):
                return d
    raise ValueError(f"cannot round f({x!r}) = {v}")


def float_text(v):
    """The f64 v as text that Rust's `str::parse::<f64>` reads back exactly: 17 significant
    digits (or inf, -inf, 0.0, -0.0)."""
    if math.isinf(v):
        return "-inf" if v < 0 else "inf"
    if v == 0:
        return "-0.0" if math.copysign(1.0, v) < 0 else "0.0"
    return f"{v:.16e}".replace("e+", "e")


def input_text(x):
    """The f64 input x as text (repr is its shortest round-trip form)."""
    return repr(x).replace("e+", "e")


def random_points(seed):
    """(name, f, points) drawn at random over each kernel's range, denser in its hard
    regions; `u` is uniform, `g` log-uniform in magnitude (10^a to 10^b)."""
    rng = random.Random(seed)

    def u(a, b, n):
        return [rng.uniform(a, b) for _ in range(n)]

    def g(a, b, n):
        return [10 ** rng.uniform(a, b) for _ in range(n)]

    def both(points):
        return points + [-p for p in points]

    return [
        ("softplus", softplus, u(-750, 750, 300) + u(-40, 40, 300) + both(g(-320, 2, 200))),
        ("log1p", mpmath.log1p, u(-1, 2, 300) + both(g(-320, -0.01, 200)) + g(-1, 308, 100)),
        ("expm1", mpmath.expm1, u(-50, 709, 300) + both(g(-320, 0, 200))),
        ("erf", mpmath.erf, u(-7, 7, 500) + g(-320, 0, 100)),
        ("erfc", mpmath.erfc, u(-7, 27.3, 600) + u(20, 27.3, 200)),
        ("gelu", gelu, u(-38.7, -30, 500) + u(-30, 0, 500) + u(0, 10, 200) + both(g(-320, 2, 100))),
        (
            "gelu_grad",
            gelu_grad,
            u(-39.8, -30, 500) + u(-30, 0, 500) + u(0, 40, 200) + both(g(-320, 0, 100)),
        ),
        ("erf_grad", erf_grad, u(-27.5, 27.5, 600) + u(25, 27.4, 300) + g(-320, 0, 50)),
        ("leaky_relu", leaky_relu, u(-10, 10, 100) + both(g(-320, 308, 100))),
        ("elu", elu, u(-40, 5, 300) + [-p for p in g(-320, 1, 100)]),
        ("atan", mpmath.atan, u(-5, 5, 300) + both(g(-320, 308, 100))),
    ]


def sweep_main(seed):
    for name, f, points in random_points(seed):
        for x in points:
            # repr reads back exactly, and Rust parses its inf, -inf and -0.0 too.
            print(name, repr(x), repr(nearest_f64(f, x)))


def main():
    print("# Generated by `python3 tools/special_literals.py > src/special/literals.tsv`")
    print("# (mpmath, 50 significant digits; 1200 to settle ties). Do not edit by hand.")
    print("# Reference values of the special kernels, one a line, tab-separated:")
    print("# `const NAME value` for a constant, `kernel x f(x)` for a point. Each value is the")
    print("# correctly rounded f64 of the exact one, with 17 significant digits so that it reads")
    print("# back exactly. Values such as atan(1) = pi/4 are written out, not taken from std's")
    print("# constants, so the reference stays independent of what it checks.")
    ln2_hi = struct.unpack(">d", bytes.fromhex("3FE62E42FEE00000"))[0]
    # What each constant is (the Rust side documents the same next to its own copy):
    # FRAC_1_SQRT_2_LO = 1/√2 − fl(1/√2), the low part of the double-double 1/√2;
    # LN2_LO = ln 2 − LN2_HI, LN2_HI = f64::from_bits(0x3FE6_2E42_FEE0_0000);
    # FRAC_1_SQRT_2PI = 1/√(2π); FRAC_1_SQRT_2PI_REL = r with 1/√(2π) = fl(1/√(2π))·(1 + r);
    # FRAC_2_SQRT_PI_REL = r with 2/√π = fl(2/√π)·(1 + r).
    constants = [
        ("FRAC_1_SQRT_2_LO", lambda: 1 / mpmath.sqrt(2) - mpf(0.7071067811865476)),
        ("LN2_LO", lambda: mp.log(2) - mpf(ln2_hi)),
        ("FRAC_1_SQRT_2PI", lambda: 1 / mpmath.sqrt(2 * mp.pi)),
        ("FRAC_1_SQRT_2PI_REL", lambda: 1 / mpmath.sqrt(2 * mp.pi) / mpf(0.3989422804014327) - 1),
        ("FRAC_2_SQRT_PI_REL", lambda: 2 / mpmath.sqrt(mp.pi) / mpf(1.1283791670955126) - 1),
    ]
    for name, value in constants:
        print(f"const\t{name}\t{float_text(nearest_f64(lambda _: value(), 0.0))}")
    for name, f, points in KERNELS:
        seen = set()
        for x in points:
            key = struct.pack(">d", x)
            if key in seen:
                continue
            seen.add(key)
            print(f"{name.lower()}\t{input_text(x)}\t{float_text(nearest_f64(f, x))}")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--sweep":
        sweep_main(int(sys.argv[2]))
    else:
        main()
