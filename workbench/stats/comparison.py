"""Multi-seed statistics: is a case really better than the reference, or is it seed noise?

Each trial contributes one number per case: its final value (by default the
test accuracy at the last epoch that trial logged). Trials of one run are
*paired*: within a trial every case starts from the same weights and sees the
same batches and noise. So by default a case is compared with the reference
through the per-trial differences d_i = case_i - reference_i: the mean
difference with a paired t interval, mean(d) ± t(n-1) · sd(d)/√n, over the
trials where both have a finite value. Where fewer than two trials pair up
(or with method="welch", e.g. for trials of separate runs) the interval is
Welch's: standard error sqrt(s1²/n1 + s2²/n2) from the sample standard
deviations (ddof=1), degrees of freedom from the
Welch-Satterthwaite formula. The verdict is "better" or "worse" only when the
whole interval lies above or below zero; otherwise the difference is "within
seed noise", and with fewer than two trials on either side there is "not
enough trials". An interval of zero width (the same difference in every
trial) measures no seed noise, so it gets no better/worse verdict either
("identical in every trial" at zero, else ``CONSTANT``). Trials whose final value is NaN or infinite (diverged) are
left out of the statistics and counted in ``n_diverged``.

The Student-t quantile comes from ``workbench.stats.distributions`` (plain Python,
no SciPy); ``t_quantile`` and ``t_cdf`` are re-exported here for callers.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from workbench.stats.distributions import t_cdf, t_quantile
from workbench.stats.paired_t import paired_t_interval, sample_sd
from workbench.records.metrics import MetricRow

__all__ = [
    "CaseSummary", "Comparison", "final_values", "final_epochs", "summarize", "compare", "band",
    "t_quantile", "t_cdf", "BETTER", "WORSE", "WITHIN_NOISE", "NOT_ENOUGH", "CONSTANT",
]

BETTER = "better"
WORSE = "worse"
WITHIN_NOISE = "within seed noise"
NOT_ENOUGH = "not enough trials"
CONSTANT = "same difference in every trial (no seed noise to judge)"

_METRICS = ("cost", "accuracy")


@dataclass(frozen=True)
class CaseSummary:
    case: str
    n: int               # trials with a finite final value (the ones the statistics use)
    mean: float          # NaN when n == 0
    sd: float            # sample sd, ddof=1; NaN when n < 2
    values: list[float]  # the n finite final values, in trial order
    n_diverged: int = 0  # trials whose final value is NaN/inf, excluded above


@dataclass(frozen=True)
class Comparison:
    case: str
    reference: str
    diff: float          # mean(case) - mean(reference); NaN if either side has no finite value
    ci_low: float        # NaN when there are not enough trials
    ci_high: float
    verdict: str         # BETTER / WORSE / WITHIN_NOISE / NOT_ENOUGH
    method: str = "welch"   # "paired" (per-trial differences) or "welch"


# --------------------------------------------------------------------------- final values

def _check(metric: str) -> None:
    if metric not in _METRICS:
        raise ValueError(f"metric must be one of {', '.join(_METRICS)}, not {metric!r}")


def _last_rows(rows: Iterable[MetricRow], split: str) -> dict[str, dict[int, MetricRow]]:
    """case -> trial -> the row with that trial's highest epoch for this split."""
    last: dict[str, dict[int, MetricRow]] = {}
    for row in rows:
        if row.split != split:
            continue
        per_trial = last.setdefault(row.case, {})
        best = per_trial.get(row.trial)
        if best is None or row.epoch > best.epoch:
            per_trial[row.trial] = row
    return last


def final_values(rows, metric: str = "accuracy", split: str = "test") -> dict[str, list[float]]:
    """case -> each trial's final value (last epoch that trial logged for ``split``), trial order.

    NaN/inf are kept here; ``summarize`` is where diverged trials get excluded.
    Cases appear in the order of their first row.
    """
    _check(metric)
    return {case: [getattr(per_trial[trial], metric) for trial in sorted(per_trial)]
            for case, per_trial in _last_rows(rows, split).items()}


def final_epochs(rows, split: str = "test") -> dict[str, list[int]]:
    """case -> the epoch each trial's final value comes from (same order as final_values).

    A truncated trial ends earlier than the others; this lets a caller say so.
    """
    return {case: [per_trial[trial].epoch for trial in sorted(per_trial)]
            for case, per_trial in _last_rows(rows, split).items()}


def _summary(case: str, values: list[float]) -> CaseSummary:
    finite = [float(v) for v in values if math.isfinite(v)]
    n = len(finite)
    mean = math.fsum(finite) / n if n else math.nan
    sd = sample_sd(finite, mean)
    return CaseSummary(case=case, n=n, mean=mean, sd=sd, values=finite,
                       n_diverged=len(values) - n)


def summarize(rows, metric: str = "accuracy", split: str = "test") -> list[CaseSummary]:
    """One summary per case over trials (final values; diverged trials excluded and counted)."""
    return [_summary(case, values) for case, values in final_values(rows, metric, split).items()]


def compare(rows, reference: str = "1", metric: str = "accuracy", split: str = "test",
            confidence: float = 0.95, method: str = "paired") -> list[Comparison]:
    """Every other case against ``reference``: mean difference, CI, verdict (see the module docstring)."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1, not {confidence!r}")
    if method not in ("paired", "welch"):
        raise ValueError(f"method must be 'paired' or 'welch', not {method!r}")
    summaries = {s.case: s for s in summarize(rows, metric, split)}
    if reference not in summaries:
        raise ValueError(f"reference case {reference!r} has no {split} rows "
                         f"(cases: {', '.join(summaries) or 'none'})")
    ref = summaries[reference]
    by_trial = {case: {t: getattr(r, metric) for t, r in per_trial.items()}
                for case, per_trial in _last_rows(rows, split).items()}
    out = []
    for case, s in summaries.items():
        if case == reference:
            continue
        pairs = [(by_trial[case][t], by_trial[reference][t]) for t in sorted(by_trial[case])
                 if t in by_trial[reference] and math.isfinite(by_trial[case][t])
                 and math.isfinite(by_trial[reference][t])]
        if method == "paired" and len(pairs) >= 2:
            out.append(_paired(case, reference, pairs, confidence))
        else:
            out.append(_compare(s, ref, confidence))
    return out


def _verdict(low: float, high: float) -> str:
    return BETTER if low > 0.0 else WORSE if high < 0.0 else WITHIN_NOISE


def _paired(case: str, reference: str, pairs: list[tuple[float, float]], confidence: float) -> Comparison:
    interval = paired_t_interval(pairs, confidence)
    if interval.sd == 0.0:
        # Every trial differs by the same amount: a zero-width interval measures no seed noise,
        # so it cannot call the difference better or worse.
        verdict = "identical in every trial" if interval.mean == 0.0 else CONSTANT
    else:
        verdict = _verdict(interval.low, interval.high)
    return Comparison(case, reference, interval.mean, interval.low, interval.high, verdict, "paired")


def _compare(case: CaseSummary, ref: CaseSummary, confidence: float) -> Comparison:
    diff = case.mean - ref.mean   # NaN when either side has n == 0
    if case.n < 2 or ref.n < 2:
        return Comparison(case.case, ref.case, diff, math.nan, math.nan, NOT_ENOUGH)
    var_a, var_b = case.sd ** 2 / case.n, ref.sd ** 2 / ref.n
    se = math.sqrt(var_a + var_b)
    if se == 0.0:
        # Both sides identical across seeds (e.g. deterministic re-runs): the interval collapses
        # to the difference itself and says nothing about seed noise.
        return Comparison(case.case, ref.case, diff, diff, diff, CONSTANT if diff != 0.0 else
                          "identical in every trial")
    else:
        df = (var_a + var_b) ** 2 / (var_a ** 2 / (case.n - 1) + var_b ** 2 / (ref.n - 1))
        half = t_quantile(0.5 + confidence / 2.0, df) * se
        low, high = diff - half, diff + half
    return Comparison(case.case, ref.case, diff, low, high, _verdict(low, high))


def comparison_table(rows, reference: str, metric: str = "accuracy") -> str:
    """The command line's table: each case's mean ± sd over trials, then each against `reference`."""
    summaries = summarize(rows, metric)
    lines = [f"final test {metric} over trials (mean ± sd):"]
    for s in summaries:
        sd = f"{s.sd:.4f}" if s.n >= 2 else "n/a"
        extra = f", {s.n_diverged} diverged" if s.n_diverged else ""
        lines.append(f"  case {s.case}: {s.mean:.4f} ± {sd}  (n={s.n}{extra})")
    lines.append(f"difference vs case {reference} with a 95% CI (paired over trials where they pair up):")
    for c in compare(rows, reference=reference, metric=metric):
        ci = "n/a" if c.ci_low != c.ci_low else f"[{c.ci_low:+.4f}, {c.ci_high:+.4f}]"
        lines.append(f"  case {c.case} vs case {reference}: {c.diff:+.4f}, 95% CI {ci} ({c.method}): {c.verdict}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- bands

def band(rows, case: str, metric: str, split: str, kind: str = "minmax"):
    """Per-epoch spread over trials for plotting: (epochs, mean, low, high) as numpy arrays.

    ``kind="minmax"``: low/high are the min and max over trials; ``kind="sd"``:
    mean -/+ one sample sd. Each epoch uses the trials that reached it, and
    only their finite values; an epoch with a single trial has a zero-width
    band, one with no finite value is NaN throughout.
    """
    _check(metric)
    if kind not in ("minmax", "sd"):
        raise ValueError(f"kind must be 'minmax' or 'sd', not {kind!r}")
    per_epoch: dict[int, list[float]] = {}
    for row in rows:
        if row.case == case and row.split == split:
            per_epoch.setdefault(row.epoch, []).append(float(getattr(row, metric)))
    epochs = np.array(sorted(per_epoch), dtype=np.int64)
    stats = np.array([spread(per_epoch[int(e)], kind) for e in epochs]).reshape(-1, 3)
    return epochs, stats[:, 0], stats[:, 1], stats[:, 2]


def spread(values: Iterable[float], kind: str = "minmax") -> tuple[float, float, float]:
    """(mean, low, high) of the finite `values`: min and max ("minmax") or mean ∓ one sample sd ("sd").

    One value gives a zero-width band; no finite value gives NaN throughout. Shared by the comparison
    table's bands and the live plots' bands (ui/plots/model/trial_spread.py), so both draw the same band.
    """
    finite = np.array([v for v in values if math.isfinite(v)], float)
    if finite.size == 0:
        return math.nan, math.nan, math.nan
    mean = float(finite.mean())
    if kind == "minmax":
        return mean, float(finite.min()), float(finite.max())
    sd = float(finite.std(ddof=1)) if finite.size >= 2 else 0.0
    return mean, mean - sd, mean + sd
