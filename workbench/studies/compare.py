"""Pool a study's trials into the comparison table, paired within a seed.

Every completed trial folder contributes its rows with the trial number
replaced by the trial's seed, so `comparison.compare` pairs case i of seed s
with the reference case of the same seed. Trials of different
configurations (architecture, learning rate, ...) are compared within their
configuration; with more than one configuration a second table compares the
configurations' cases with each other, still paired by seed.
"""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from workbench.records import metrics as M
from workbench.studies.study_file import read_study
from workbench.stats.comparison import comparison_table


def study_rows(study_dir: Path) -> tuple[dict[str, list[M.MetricRow]], list[str]]:
    """group -> rows of its completed trials (trial = seed); and notes on the trials left out."""
    study_dir = Path(study_dir)
    state = read_study(study_dir)
    groups: dict[str, list[M.MetricRow]] = {}
    notes = []
    for entry in state["trials"]:
        if entry["status"] != "completed":
            notes.append(f"trial-{entry['index']} ({entry['group']}, seed {entry['seed']}) is {entry['status']}: "
                         f"left out")
            continue
        rows = M.read_metrics(study_dir / entry["folder"] / "metrics.csv")
        groups.setdefault(entry["group"], []).extend(replace(r, trial=int(entry["seed"])) for r in rows)
    return groups, notes


def study_comparison_text(study_dir: Path, reference: str = "1", metric: str = "accuracy") -> str:
    groups, notes = study_rows(study_dir)
    if not groups:
        raise ValueError(f"{study_dir}: no completed trial to compare yet")
    out = []
    for group, rows in groups.items():
        seeds = sorted({r.trial for r in rows})
        out.append(f"== {group}: {len(seeds)} seed(s) ({', '.join(map(str, seeds))})")
        cases = {r.case for r in rows}
        ref = reference if reference in cases else sorted(cases)[0]
        out.append(comparison_table(rows, ref, metric))
    if len(groups) > 1:
        pooled = [replace(r, case=f"{group}/{r.case}") for group, rows in groups.items() for r in rows]
        first = next(iter(groups))
        cases = {r.case for r in groups[first]}
        ref = f"{first}/{reference if reference in cases else sorted(cases)[0]}"
        out.append(f"== across configurations, paired by seed (reference {ref})")
        out.append(comparison_table(pooled, ref, metric))
    out += [f"note: {n}" for n in notes]
    return "\n".join(out)
