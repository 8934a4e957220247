"""Student-t and chi-square CDFs and quantiles, and the one bisection that inverts a CDF.

The comparisons (paired and Welch t intervals) and the claim verdicts (the
chi-square interval of a seed standard deviation) need these quantiles.
NumPy has no quantile functions and SciPy is not a dependency, so they are
computed here in plain Python: the regularised incomplete beta (continued
fraction) gives the t CDF, the regularised lower incomplete gamma gives the
chi-square CDF, and ``invert_cdf`` turns either into a quantile.
"""
from __future__ import annotations

import math
from statistics import NormalDist
from typing import Callable

__all__ = ["invert_cdf", "t_cdf", "t_quantile", "chi2_cdf", "chi2_quantile"]


def invert_cdf(cdf: Callable[[float], float], p: float, lo: float, hi: float) -> float:
    """The x >= ``lo`` where a non-decreasing ``cdf`` crosses ``p``, to the last bit, by bisection.

    ``cdf(lo)`` must be below ``p``; ``hi`` is a first guess of the upper end
    and is doubled (moving ``lo`` up behind it) until ``cdf(hi)`` reaches
    ``p``, so it needs to be positive. Returns ``inf`` when no finite x
    reaches ``p``. Bisection because it cannot fail on a monotone CDF and
    costs at most a few hundred CDF calls for a quantile that is computed a
    handful of times per report.
    """
    if not hi > 0:
        raise ValueError(f"invert_cdf needs a positive first upper end, not {hi!r}")
    while cdf(hi) < p:
        lo, hi = hi, hi * 2.0
        if hi > 1e300:
            return math.inf
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            break
        if cdf(mid) < p:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


# --------------------------------------------------------------------------- Student t

def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        step = d * c
        h *= step
        if abs(step - 1.0) < 1e-15:
            break
    return h


def _betainc(a: float, b: float, x: float) -> float:
    """Regularised incomplete beta I_x(a, b) for a, b > 0 and 0 <= x <= 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                 + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _betacf(a, b, x) / a
    return 1.0 - math.exp(log_front) * _betacf(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with ``df`` > 0 degrees of freedom (df may be fractional).

    Accurate to about 1e-12 up to df = 1e5 (beyond that lgamma cancellation
    costs a few digits; the quantile switches to a series there).
    """
    if df <= 0 or math.isnan(df) or math.isnan(t):
        return math.nan
    if math.isinf(df):
        return NormalDist().cdf(t)
    t2 = t * t
    if t2 < df:
        # Near the centre: P(|T| < |t|) = I_y(1/2, df/2) with y = t²/(df+t²),
        # which keeps full precision when the tail form would be 1 - (1 - tiny).
        half_central = 0.5 * _betainc(0.5, df / 2.0, t2 / (df + t2))
        return 0.5 + half_central if t >= 0 else 0.5 - half_central
    tail = 0.5 * _betainc(df / 2.0, 0.5, df / (df + t2))   # P(T > |t|)
    return 1.0 - tail if t >= 0 else tail


def t_quantile(p: float, df: float) -> float:
    """The p-quantile of Student's t with ``df`` degrees of freedom (df may be fractional).

    Inverts ``t_cdf`` with ``invert_cdf`` (df 1 and 2 have closed forms,
    df > 1e5 a series, df = inf is the normal quantile).
    """
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must be strictly between 0 and 1, not {p!r}")
    if not df > 0:
        raise ValueError(f"df must be positive, not {df!r}")
    if p == 0.5:
        return 0.0
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    if math.isinf(df):
        return NormalDist().inv_cdf(p)
    if df > 1e5:
        # Huge df: lgamma cancellation would cost digits in t_cdf; the
        # Cornish-Fisher series around the normal quantile (Abramowitz &
        # Stegun 26.7.5) is exact to double precision here.
        z = NormalDist().inv_cdf(p)
        z2 = z * z
        g1 = z * (z2 + 1.0) / 4.0
        g2 = z * ((5.0 * z2 + 16.0) * z2 + 3.0) / 96.0
        g3 = z * (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) / 384.0
        g4 = z * ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) / 92160.0
        return z + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df
    if df == 1.0:
        return math.tan(math.pi * (p - 0.5))        # Cauchy, exact
    if df == 2.0:
        return (2.0 * p - 1.0) / math.sqrt(2.0 * p * (1.0 - p))   # exact
    return invert_cdf(lambda t: t_cdf(t, df), p, 0.0, 1.0)   # p > 0.5, so the quantile is > 0


# ------------------------------------------------------------------ chi-square

def _gammainc_lower(a: float, x: float) -> float:
    """Regularised lower incomplete gamma P(a, x) (series below a+1, continued fraction above)."""
    if x <= 0.0:
        return 0.0
    log_front = -x + a * math.log(x) - math.lgamma(a)
    if x < a + 1.0:
        term = total = 1.0 / a
        ap = a
        for _ in range(10_000):
            ap += 1.0
            term *= x / ap
            total += term
            if abs(term) < abs(total) * 1e-16:
                break
        return total * math.exp(log_front)
    tiny = 1e-300
    b = x + 1.0 - a
    c = 1.0 / tiny
    d = 1.0 / b
    h = d
    for i in range(1, 10_000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        step = d * c
        h *= step
        if abs(step - 1.0) < 1e-16:
            break
    return 1.0 - math.exp(log_front) * h


def chi2_cdf(x: float, df: float) -> float:
    """P(X <= x) for the chi-square distribution with ``df`` > 0 degrees of freedom."""
    return _gammainc_lower(df / 2.0, x / 2.0)


def chi2_quantile(p: float, df: float) -> float:
    """The p-quantile of the chi-square distribution with ``df`` degrees of freedom (``invert_cdf``)."""
    if not 0.0 < p < 1.0 or not df > 0:
        raise ValueError("chi2_quantile needs 0 < p < 1 and df > 0")
    return invert_cdf(lambda x: chi2_cdf(x, df), p, 0.0, max(1.0, df))
