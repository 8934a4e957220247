"""A study's result without Qt: per configuration and case, the mean final test accuracy over seeds with its
95% interval, each seed's own value, and the paired differences against a reference case.

Nothing is computed here that the command line's `compare` does not: the trials are pooled by
workbench.studies.compare.study_rows (trial = seed, completed trials only) and summarised and compared by
workbench.stats.comparison; the interval of a mean is workbench.stats.paired_t's. The study panel's result
view shows this as it is.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from pathlib import Path

from workbench.stats import comparison
from workbench.stats.paired_t import mean_interval
from workbench.studies.compare import study_rows

__all__ = ["CaseResult", "StudyResult", "read_study_result"]


@dataclass(frozen=True)
class CaseResult:
    group: str                       # the configuration, e.g. "post-a lr=0.007"
    case: str
    n: int                           # seeds with a finite final value
    mean: float
    low: float                       # the 95% t interval of the mean (NaN below two seeds)
    high: float
    n_diverged: int
    per_seed: dict[int, float]       # seed -> final test accuracy (NaN: diverged)
    versus: comparison.Comparison | None = None     # against the reference (None: it is the reference)


@dataclass(frozen=True)
class StudyResult:
    folder: Path
    reference: str
    reference_group: str | None                     # None: each configuration against its own case
    groups: tuple[str, ...]
    seeds: dict[str, tuple[int, ...]]               # group -> its completed seeds
    cases: tuple[CaseResult, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)

    def case_keys(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.case for c in self.cases))

    def of(self, group: str, case: str) -> CaseResult:
        return next(c for c in self.cases if c.group == group and c.case == case)

    def strip(self) -> list[tuple[float, str, CaseResult]]:
        """The strip plot's columns: (x, tick label, case); a configuration's cases side by side, a gap
        between configurations."""
        out, x = [], 0.0
        for group in self.groups:
            for case in (c for c in self.cases if c.group == group):
                label = f"case {case.case}" + (f"\n{group}" if len(self.groups) > 1 else "")
                out.append((x, label, case))
                x += 1.0
            x += 0.5
        return out


def read_study_result(study_dir: Path, reference: str = "1", reference_group: str | None = None,
                      metric: str = "accuracy") -> StudyResult:
    """The study's pooled result; ValueError (one line) when no trial has completed, ConfigError for a
    damaged study.json (both from the study's reader).

    Each case is compared with `reference` of its own configuration; with `reference_group`, every
    configuration's cases are compared with that configuration's `reference` case, paired by seed (the
    `compare` command's "across configurations" table).
    """
    study_dir = Path(study_dir)
    groups, notes = study_rows(study_dir)
    if not groups:
        raise ValueError(f"{study_dir}: no completed trial to show yet")
    if reference_group is not None and reference_group not in groups:
        reference_group = None
    across = {}
    if reference_group is not None:
        pooled = [replace(r, case=f"{group}/{r.case}") for group, rows in groups.items() for r in rows]
        cases_there = list(comparison.final_values(groups[reference_group], metric))
        reference = reference if reference in cases_there else cases_there[0]
        across = {c.case: c for c in comparison.compare(pooled, reference=f"{reference_group}/{reference}",
                                                        metric=metric)}
    cases: list[CaseResult] = []
    seeds: dict[str, tuple[int, ...]] = {}
    for group, rows in groups.items():
        seeds[group] = tuple(sorted({r.trial for r in rows}))
        finals = comparison.final_values(rows, metric)
        keys = list(finals)
        if reference_group is not None:
            versus = {k: across[f"{group}/{k}"] for k in keys if f"{group}/{k}" in across}
        else:
            ref = reference if reference in keys else keys[0]
            versus = {c.case: c for c in comparison.compare(rows, reference=ref, metric=metric)} \
                if len(keys) > 1 else {}
        for s in comparison.summarize(rows, metric):
            case_seeds = sorted({r.trial for r in rows if r.case == s.case and r.split == "test"})
            interval = mean_interval(s.values) if s.n >= 2 else None
            cases.append(CaseResult(
                group, s.case, s.n, s.mean, interval.low if interval else math.nan,
                interval.high if interval else math.nan, s.n_diverged,
                dict(zip(case_seeds, (float(v) for v in finals[s.case]))), versus.get(s.case)))
    return StudyResult(study_dir, reference, reference_group, tuple(groups), seeds, tuple(cases), tuple(notes))
