"""Holm–Bonferroni: p-values adjusted for reading many tests together.

A report that shows m separate 95% intervals will, by chance alone, show
about m/20 of them excluding the null value even when nothing differs.
Holm's step-down correction keeps the probability of ANY false rejection in
the whole family at alpha and is never less powerful than Bonferroni: sort
the m p-values, multiply the i-th smallest by (m − i + 1), make the sequence
non-decreasing and cap it at 1. It assumes nothing about how the tests
depend on each other. (Ten lines; no statistics package is a dependency.)
"""
from __future__ import annotations

import math
from typing import Sequence


def holm_adjust(p_values: Sequence[float]) -> list[float]:
    """Holm-adjusted p-values in the input order; NaN entries are not in the family and stay NaN."""
    family = sorted((p, i) for i, p in enumerate(p_values) if not math.isnan(p))
    m = len(family)
    adjusted = [math.nan] * len(p_values)
    running = 0.0
    for rank, (p, i) in enumerate(family):
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"a p-value must lie in [0, 1], got {p}")
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[i] = running
    return adjusted
