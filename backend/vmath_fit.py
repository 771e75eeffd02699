#!/usr/bin/env python3
"""vmath_fit.py - derives the polynomial coefficients of backend/vmath.c (run with NumPy; prints
the C tables).  Each is a weighted minimax fit by Lawson's iteratively reweighted least squares
on Chebyshev nodes, in double precision, against the double-precision functions of Python's
math module; coefficients are rounded to f32 one at a time, lowest degree first, each rounding
followed by a refit of the higher ones, so the tables absorb their own rounding.  The printed
error is the weighted error of the rounded polynomial evaluated in double; evaluation in f32
adds its own roundings, which tests/unit/test_vmath.c measures over every f32 input."""
import math
import numpy as np

f32 = np.float32
erf = np.vectorize(math.erf)
erfc = np.vectorize(math.erfc)


def fit(f, lo, hi, weight, deg, n=4000, iters=80):
    t = np.cos(np.linspace(0, np.pi, n)) * (hi - lo) / 2 + (hi + lo) / 2
    y, w, cs = f(t), weight(t), []
    for k in range(deg + 1):
        res = y - sum(c * t ** i for i, c in enumerate(cs))
        a = np.stack([t ** p for p in range(k, deg + 1)], axis=1)
        lw = np.ones(n) / n
        for _ in range(iters):
            sw = np.sqrt(lw)
            c, *_ = np.linalg.lstsq(a * (sw * w)[:, None], res * sw * w, rcond=None)
            e = np.abs((a @ c - res) * w) + 1e-300
            lw = lw * e / np.sum(lw * e)
        cs.append(float(f32(c[0])))
    err = np.max(np.abs((sum(c * t ** i for i, c in enumerate(cs)) - y) * w))
    return cs, err


def hexf(c):
    h = float(c).hex()
    m, e = h.split('p')
    return m.rstrip('0').rstrip('.') + 'p' + e


def show(name, what, cs, err):
    print(f"/* {what}; weighted error {err:.3g} */")
    line, out = f"static const double {name}[{len(cs)}] = {{", []
    for i, c in enumerate(cs):
        item = hexf(c) + (", " if i + 1 < len(cs) else "};")
        if len(line) + len(item.rstrip()) > 96:
            out.append(line.rstrip())
            line = "    "
        line += item
    print("\n".join(out + [line]))


def safe(z, small, big):
    return np.where(z < 1e-8, small(z), big(np.where(z < 1e-8, 1e-3, z)))


ln2 = math.log(2)
# e^r = 1 + r + r^2 q(r), |r| <= ln2/2 (the remainder of r = x - k ln2); error relative to e^r
show("exp_q", "e^r = 1 + r + r^2 q(r), |r| <= ln2/2",
     *fit(lambda r: safe(r * r, lambda z: 0.5 + r / 6 + z / 24, lambda z: (np.expm1(r) - r) / z),
          -ln2 / 2, ln2 / 2, lambda r: r * r / np.exp(r), 5))
show("exp_q_fast", "the same, two degrees lower (fastmath)",
     *fit(lambda r: safe(r * r, lambda z: 0.5 + r / 6 + z / 24, lambda z: (np.expm1(r) - r) / z),
          -ln2 / 2, ln2 / 2, lambda r: r * r / np.exp(r), 3))
# 2^r = 1 + r q(r), |r| <= 1/2
show("exp2_q", "2^r = 1 + r q(r), |r| <= 1/2",
     *fit(lambda r: np.where(r == 0, ln2, np.expm1(r * ln2) / np.where(r == 0, 1, r)),
          -0.5, 0.5, lambda r: np.abs(r) / np.exp2(r), 6))
show("exp2_q_fast", "the same, two degrees lower (fastmath)",
     *fit(lambda r: np.where(r == 0, ln2, np.expm1(r * ln2) / np.where(r == 0, 1, r)),
          -0.5, 0.5, lambda r: np.abs(r) / np.exp2(r), 4))
# log(1 + f) = 2 atanh(s) = 2s + s R, s = f / (2 + f), R = z h(z), z = s^2; m in [sqrt(1/2), sqrt(2))
zmax = ((math.sqrt(2) - 1) / (math.sqrt(2) + 1)) ** 2
show("log_h", "log(1+f) = 2s + s z h(z), s = f/(2+f), z = s^2 <= 0.0295",
     *fit(lambda z: safe(z, lambda z: 2 / 3 + 2 * z / 5,
                         lambda z: (2 * np.arctanh(np.sqrt(z)) - 2 * np.sqrt(z)) / (z * np.sqrt(z))),
          0, zmax, lambda z: z / 2, 3))
# tanh x = x + x^3 P(x^2), |x| < 0.625; error relative to tanh x
show("tanh_p", "tanh x = x + x^3 P(x^2), |x| < 0.625",
     *fit(lambda z: safe(z, lambda z: -1 / 3 + 2 * z / 15,
                         lambda z: (np.tanh(np.sqrt(z)) - np.sqrt(z)) / (z * np.sqrt(z))),
          0, 0.625 ** 2, lambda z: safe(z, lambda z: 0 * z, lambda z: z * np.sqrt(z) / np.tanh(np.sqrt(z))), 5))
# erf x = x + x Q(x^2), |x| < 1; error relative to erf x
show("erf_q", "erf x = x + x Q(x^2), |x| < 1",
     *fit(lambda z: safe(z, lambda z: 2 / math.sqrt(math.pi) * (1 - z / 3) - 1,
                         lambda z: erf(np.sqrt(z)) / np.sqrt(z) - 1),
          0, 1, lambda z: safe(z, lambda z: 1 + 0 * z, lambda z: np.sqrt(z) / erf(np.sqrt(z))), 7))
# erfc x = exp(-x^2) G(x - 2.5), 1 <= x <= 4; absolute error of erfc
show("erfc_g", "erfc x = exp(-x^2) G(x - 5/2), 1 <= x <= 4",
     *fit(lambda t: erfc(t + 2.5) * np.exp((t + 2.5) ** 2), -1.5, 1.5,
          lambda t: np.exp(-(t + 2.5) ** 2), 9, n=3000))
