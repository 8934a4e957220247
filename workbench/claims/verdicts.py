"""From per-seed final values to a verdict on one claim: supported, contradicted, within seed noise,
or not testable at this scale.

A *difference* claim asserts that arm 0 is greater than, less than, or not
greater than arm 1. Cases of one architecture pair within a seed (same
initial weights, batches and noise), so their test is the paired t interval
of the per-seed differences; arms on different architectures do not pair,
so theirs is Welch's interval. The verdict follows the whole 95% interval:
on the claimed side -> supported, on the other side -> contradicted,
straddling zero -> within seed noise.

A *spread* claim asserts that two runs of one case can end far apart (the
published trials of case 0 differ by 12.5 points). Its statistic is the 95th
percentile of the gap between two seeds, z(0.975)·√2·σ, with σ's chi-square
interval: if even its lower end reaches the published gap, gaps that large
are ordinary (supported); if even its upper end stays below, they are not
seen at this scale (contradicted); otherwise the seeds cannot tell.

Never a verdict on too few seeds (fewer than ``min_seeds`` with finite values
on every arm) or on an interval of zero width (two arms that differ by the
same amount in every seed, e.g. identical by construction): both are "not
testable at this scale", with the reason. Diverged (NaN/inf) seeds are left
out and counted.

Every interval comes with the two-sided p-value of the same test (below
1 − confidence exactly when the interval excludes the null value), so a
report can correct for reading many verdicts together (family_wise.py).
Where the published figures fall is said by scale_match.py, which knows
whether the measured and published scales can be compared.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from statistics import NormalDist

from workbench.claims.claim_set import Claim
from workbench.stats.distributions import chi2_cdf, chi2_quantile, t_cdf, t_quantile
from workbench.stats.paired_t import paired_t_interval, sample_sd

SUPPORTED = "supported"
CONTRADICTED = "contradicted"
WITHIN_NOISE = "within seed noise"
NOT_TESTABLE = "not testable at this scale"
VERDICTS = (SUPPORTED, CONTRADICTED, WITHIN_NOISE, NOT_TESTABLE)


@dataclass(frozen=True)
class ArmStats:
    label: str
    key: str                       # arch/case
    values: dict[int, float]       # seed -> final value (finite ones)
    n_diverged: int
    mean: float
    sd: float                      # ddof=1; NaN below two values

    @property
    def n(self) -> int:
        return len(self.values)


@dataclass(frozen=True)
class ClaimResult:
    claim_id: str
    semantics: str
    verdict: str
    explanation: str               # one or two sentences in words
    method: str                    # "paired t", "Welch t", "chi-square on the seed sd", or "" when untestable
    n_seeds: int                   # how many seeds the verdict rests on
    arms: tuple[ArmStats, ...]
    estimate: float                # difference arm0 - arm1, or the spread statistic; NaN if none
    ci_low: float
    ci_high: float
    statistic: str                 # what `estimate` is, in words
    published_checks: tuple[str, ...] = field(default_factory=tuple)   # neutral words on the published figures
    p_value: float = math.nan      # two-sided p of the test behind the interval (NaN: no interval)


def _arm(label: str, key: str, values: dict[int, float]) -> ArmStats:
    finite = {s: float(v) for s, v in sorted(values.items()) if v is not None and math.isfinite(v)}
    xs = list(finite.values())
    n = len(xs)
    mean = math.fsum(xs) / n if n else math.nan
    sd = sample_sd(xs, mean)
    return ArmStats(label, key, finite, len(values) - n, mean, sd)


def _pp(x: float) -> str:
    """A difference in accuracy points, signed: +3.1 points."""
    return f"{x * 100:+.1f} points"


def _untestable(claim, semantics, arms, reason, n, statistic) -> ClaimResult:
    return ClaimResult(claim.id, semantics, NOT_TESTABLE, reason, "", n, tuple(arms),
                       math.nan, math.nan, math.nan, statistic)


def evaluate(claim: Claim, values: list[dict[int, float]], semantics: str, min_seeds: int = 3,
             confidence: float = 0.95) -> ClaimResult:
    """The verdict on `claim` from each arm's per-seed final values (seed -> value)."""
    if len(values) != len(claim.arms):
        raise ValueError(f"claim {claim.id} has {len(claim.arms)} arm(s), got values for {len(values)}")
    arms = [_arm(a.label, a.key, v) for a, v in zip(claim.arms, values)]
    if claim.kind == "spread":
        return _spread(claim, arms[0], semantics, min_seeds, confidence)
    return _difference(claim, arms, semantics, min_seeds, confidence)


def _difference(claim, arms, semantics, min_seeds, confidence) -> ClaimResult:
    a, b = arms
    statistic = f"{a.label} minus {b.label}"
    failed = _all_diverged(claim, arms, semantics, min_seeds, statistic)
    if failed is not None:
        return failed
    result = _difference_finite(claim, arms, semantics, min_seeds, confidence, statistic)
    left_out = [f"{x.label} diverged in {x.n_diverged} seed(s), left out" for x in arms if x.n_diverged]
    if left_out:
        result = ClaimResult(**{**result.__dict__, "explanation": result.explanation.rstrip(".") + " ("
                                + "; ".join(left_out) + ")."})
    return result


def _all_diverged(claim, arms, semantics, min_seeds, statistic) -> ClaimResult | None:
    """An arm that diverged (cost NaN or infinite) in every seed has failed: it counts as the worse arm."""
    a, b = arms
    if a.n == 0 and a.n_diverged >= min_seeds and b.n >= min_seeds:
        worse, other = a, b
        verdict = SUPPORTED if claim.direction in ("less", "not-greater") else CONTRADICTED
    elif b.n == 0 and b.n_diverged >= min_seeds and a.n >= min_seeds:
        worse, other = b, a
        verdict = SUPPORTED if claim.direction == "greater" else CONTRADICTED
    else:
        return None
    words = (f"{worse.label} diverged (cost NaN or infinite) in all {worse.n_diverged} seeds while {other.label} "
             f"trained in {other.n}: a diverged network has failed, so {worse.label} counts as the worse arm.")
    return ClaimResult(claim.id, semantics, verdict, words, "divergence count", min(worse.n_diverged, other.n),
                       tuple(arms), math.nan, math.nan, math.nan, statistic)


def _difference_finite(claim, arms, semantics, min_seeds, confidence, statistic) -> ClaimResult:
    a, b = arms
    if claim.comparison == "paired":
        seeds = [s for s in a.values if s in b.values]
        n = len(seeds)
        if n < min_seeds:
            return _untestable(claim, semantics, arms,
                               f"only {n} seed(s) with a finite value on both arms; a verdict needs at least "
                               f"{min_seeds}", n, statistic)
        interval = paired_t_interval([(a.values[s], b.values[s]) for s in seeds], confidence)
        mean = interval.mean
        if interval.sd == 0.0:
            return _untestable(claim, semantics, arms,
                               f"the two arms differ by exactly {_pp(mean)} in every one of {n} seeds, so the "
                               f"interval has zero width and says nothing about seed noise (the arms train "
                               f"identically here, or differ by a constant)", n, statistic)
        half = interval.high - mean
        p_value = _t_p_value(mean, interval.se, n - 1)
        method = "paired t"
    else:
        n = min(a.n, b.n)
        if n < min_seeds:
            return _untestable(claim, semantics, arms,
                               f"{a.label} has {a.n} and {b.label} has {b.n} seed(s) with a finite value; a "
                               f"verdict needs at least {min_seeds} on each", n, statistic)
        va, vb = a.sd ** 2 / a.n, b.sd ** 2 / b.n
        se = math.sqrt(va + vb)
        mean = a.mean - b.mean
        if se == 0.0:
            return _untestable(claim, semantics, arms,
                               f"every seed gives the same value on each arm, so the interval has zero width "
                               f"and says nothing about seed noise", n, statistic)
        df = (va + vb) ** 2 / ((va ** 2 / (a.n - 1) if va else 0.0) + (vb ** 2 / (b.n - 1) if vb else 0.0))
        half = t_quantile(0.5 + confidence / 2.0, df) * se
        p_value = _t_p_value(mean, se, df)
        method = "Welch t"
    low, high = mean - half, mean + half
    verdict, words = _directional(claim.direction, low, high, a.label, b.label, mean)
    return ClaimResult(claim.id, semantics, verdict, words, method, n, tuple(arms), mean, low, high,
                       statistic, p_value=p_value)


def _t_p_value(mean: float, se: float, df: float) -> float:
    """Two-sided p of H0: difference = 0; below 1 − confidence exactly when the t interval excludes 0."""
    return min(1.0, 2.0 * t_cdf(-abs(mean) / se, df))


def _directional(direction, low, high, la, lb, mean):
    ci = f"95% interval [{_pp(low)}, {_pp(high)}]"
    if direction == "greater":
        if low > 0:
            return SUPPORTED, f"{la} ends higher than {lb} by {_pp(mean)} ({ci}, above zero)."
        if high < 0:
            return CONTRADICTED, f"{la} ends lower than {lb} by {_pp(mean)} ({ci}, below zero)."
        return WITHIN_NOISE, (f"the difference {_pp(mean)} is within seed noise ({ci} contains zero): these "
                              f"seeds cannot tell {la} from {lb}.")
    if direction == "less":
        if high < 0:
            return SUPPORTED, f"{la} ends lower than {lb} by {_pp(mean)} ({ci}, below zero)."
        if low > 0:
            return CONTRADICTED, f"{la} ends higher than {lb} by {_pp(mean)} ({ci}, above zero)."
        return WITHIN_NOISE, (f"the difference {_pp(mean)} is within seed noise ({ci} contains zero): these "
                              f"seeds cannot tell {la} from {lb}.")
    # not-greater: "arm 0 does not beat arm 1"
    if high < 0:
        return SUPPORTED, f"{la} ends lower than {lb} by {_pp(mean)} ({ci}, below zero): it does not beat it."
    if low > 0:
        return CONTRADICTED, f"{la} beats {lb} by {_pp(mean)} ({ci}, above zero)."
    return WITHIN_NOISE, (f"the difference {_pp(mean)} is within seed noise ({ci} contains zero): no advantage "
                          f"of {la} is seen, which agrees with the claim but does not prove it.")


def _spread(claim, arm, semantics, min_seeds, confidence) -> ClaimResult:
    statistic = ("95th percentile of the gap between two seeds of " + arm.label +
                 " (z·√2·sd, interval from the chi-square interval of the sd)")
    n = arm.n
    if n < min_seeds:
        return _untestable(claim, semantics, [arm], f"only {n} seed(s) with a finite value; a verdict needs at "
                           f"least {min_seeds}", n, statistic)
    if arm.sd == 0.0:
        return _untestable(claim, semantics, [arm], f"all {n} seeds end at exactly the same value, so the spread "
                           f"interval has zero width", n, statistic)
    alpha = 1.0 - confidence
    df = n - 1
    sd_low = arm.sd * math.sqrt(df / chi2_quantile(1.0 - alpha / 2.0, df))
    sd_high = arm.sd * math.sqrt(df / chi2_quantile(alpha / 2.0, df))
    k = NormalDist().inv_cdf(0.975) * math.sqrt(2.0)
    est, low, high = k * arm.sd, k * sd_low, k * sd_high
    gap = claim.published_gap()
    observed = max(arm.values.values()) - min(arm.values.values())
    seen = f"the largest gap among these {n} seeds is {observed * 100:.1f} points"
    if gap is None:
        return _untestable(claim, semantics, [arm], "the published figures give no gap to compare with", n,
                           statistic)
    ci = f"95% interval [{low * 100:.1f}, {high * 100:.1f}] points"
    if low >= gap:
        verdict = SUPPORTED
        words = (f"two seeds commonly end {est * 100:.1f} points apart ({ci}) at the scale measured here, so "
                 f"gaps as large as the published {gap * 100:.1f} points are ordinary seed noise at that scale; "
                 f"{seen}.")
    elif high < gap:
        verdict = CONTRADICTED
        words = (f"two seeds end at most about {est * 100:.1f} points apart ({ci}) at the scale measured here, "
                 f"well short of the published {gap * 100:.1f} points; {seen}.")
    else:
        verdict = WITHIN_NOISE
        words = (f"two seeds end about {est * 100:.1f} points apart ({ci}); the interval includes the published "
                 f"gap of {gap * 100:.1f} points, so these seeds cannot tell; {seen}.")
    # Two-sided p of H0: k·σ equals the published gap (equal tails, as the interval above).
    below = chi2_cdf(df * (arm.sd * k / gap) ** 2, df)
    p_value = min(1.0, 2.0 * min(below, 1.0 - below))
    return ClaimResult(claim.id, semantics, verdict, words, "chi-square on the seed sd", n, (arm,), est, low,
                       high, statistic, (f"published gap between the two trials: {gap * 100:.1f} points",),
                       p_value)
