"""The sample sd and the paired t interval: one implementation for the comparison table and the claims.

``sample_sd`` is the ddof=1 standard deviation with one guard: values that
differ by no more than a few units in the last place are rounding, not seed
noise, and their sd is exactly 0. Floating point makes that guard necessary
twice over. The mean of equal values is not always the value itself
(fsum([0.1, 0.1, 0.1]) / 3 is 0.10000000000000002), so the deviations from it
are ~1e-17 rather than 0; and differences of the same real amount computed
from different floats (0.3 - 0.2 against 0.4 - 0.3) differ in their last
bits. Either way a literal sd of ~1e-17 would give a t interval of width
~1e-17 that excludes zero, calling a constant difference "better" although it
measures no seed noise at all. A spread of ``ULPS`` ulps of the values'
magnitude is far below anything a trained network's metric can vary by. For
differences that magnitude is the paired values' (``scale``): a - b carries
the rounding of a and b, which a small difference's own ulp would not cover.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from workbench.stats.distributions import t_quantile

ULPS = 4   # a spread this many units in the last place of the largest |value| counts as none


def sample_sd(xs: list[float], mean: float | None = None, scale: float | None = None) -> float:
    """Sample sd (ddof=1) of finite `xs`; exactly 0 when they agree to within rounding; NaN below two.

    `scale`: the magnitude whose rounding the values carry (default: their largest |x|).
    """
    n = len(xs)
    if n < 2:
        return math.nan
    scale = max(abs(x) for x in xs) if scale is None else max(scale, max(abs(x) for x in xs))
    if max(xs) - min(xs) <= ULPS * math.ulp(scale):
        return 0.0
    mean = math.fsum(xs) / n if mean is None else mean
    return math.sqrt(math.fsum((x - mean) ** 2 for x in xs) / (n - 1))


@dataclass(frozen=True)
class PairedInterval:
    """mean(d) ± t(n-1) · sd(d)/√n over paired differences d; sd == 0 means the interval measures no noise."""
    n: int
    mean: float
    sd: float
    low: float
    high: float

    @property
    def se(self) -> float:
        return self.sd / math.sqrt(self.n)


def paired_t_interval(pairs: list[tuple[float, float]], confidence: float = 0.95) -> PairedInterval:
    """The paired t interval of a - b over at least two finite pairs (a zero-width one when sd is 0)."""
    diffs = [a - b for a, b in pairs]
    n = len(diffs)
    if n < 2:
        raise ValueError(f"a paired t interval needs at least two differences, not {n}")
    mean = math.fsum(diffs) / n
    sd = sample_sd(diffs, mean, scale=max(max(abs(a), abs(b)) for a, b in pairs))
    half = t_quantile(0.5 + confidence / 2.0, n - 1) * sd / math.sqrt(n) if sd else 0.0
    return PairedInterval(n, mean, sd, mean - half, mean + half)


def mean_interval(values: list[float], confidence: float = 0.95) -> PairedInterval:
    """The t interval of the mean of at least two finite `values`: the paired interval of (value, 0)."""
    return paired_t_interval([(float(v), 0.0) for v in values], confidence)
