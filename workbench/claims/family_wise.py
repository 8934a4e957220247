"""The report's verdicts after a family-wise (Holm–Bonferroni) correction over all its intervals.

Every interval-based verdict is a two-sided test at 5% (its p-value is below
0.05 exactly when its 95% interval excludes the null value). A report reads
all of them together, so the unadjusted verdicts are shown beside the
adjusted ones: a verdict keeps "supported" or "contradicted" after Holm only
if its adjusted p stays below alpha; otherwise it reads "within seed noise".
Verdicts without an interval (a divergence count, "not testable") are not
in the family and are left as they are.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from workbench.stats.holm import holm_adjust
from workbench.claims.verdicts import CONTRADICTED, SUPPORTED, WITHIN_NOISE, ClaimResult

ALPHA = 0.05
METHOD = "Holm–Bonferroni"


@dataclass(frozen=True)
class Adjusted:
    p_holm: float          # NaN when the result is not in the family
    verdict: str           # the verdict after the correction
    in_family: bool


def why(family_size: int) -> str:
    """The one sentence the report gives for the correction."""
    if family_size == 0:
        return "No verdict in this report rests on an interval, so there is no family of tests to correct."
    if family_size == 1:
        return "This report holds a single interval, so Holm's correction leaves its p-value as it is."
    return (f"This report reads {family_size} intervals together; even if no claim held, about one in twenty "
            f"would exclude the null value by chance, so each verdict is also given after Holm's step-down "
            f"correction, which keeps the chance of any false 'supported' or 'contradicted' in the whole report "
            f"at {ALPHA:.0%}.")


def adjust(results: list[ClaimResult], alpha: float = ALPHA) -> list[Adjusted]:
    """One Adjusted per result, in order; the family is every result with a p-value."""
    adjusted = holm_adjust([r.p_value for r in results])
    out = []
    for r, p in zip(results, adjusted):
        if math.isnan(p):
            out.append(Adjusted(math.nan, r.verdict, False))
        elif r.verdict in (SUPPORTED, CONTRADICTED) and p >= alpha:
            out.append(Adjusted(p, WITHIN_NOISE, True))
        else:
            out.append(Adjusted(p, r.verdict, True))
    return out
