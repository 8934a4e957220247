"""Re-run a run folder from its manifest and say whether the numbers match.

Costs and accuracies must be bit-identical; wall times are not compared (they
never repeat). Identity is promised on the same machine and library versions;
the report says when the versions differ.
"""
from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass, field
from pathlib import Path

from . import metrics as M
from .config import ExperimentConfig
from .run_folder import environment, read_manifest
from .runner import RunOutcome, run_experiment


@dataclass
class RerunReport:
    match: bool
    message: str
    original: Path
    rerun: Path
    compared_rows: int = 0
    differences: list[str] = field(default_factory=list)
    outcome: RunOutcome | None = None


def _same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def compare_metrics(original: list[M.MetricRow], rerun: list[M.MetricRow]) -> tuple[int, list[str]]:
    """Compare the rows the original has; returns (rows compared, differences)."""
    new = {(r.trial, r.case, r.epoch, r.split): r for r in rerun}
    differences, compared = [], 0
    for r in original:
        key = (r.trial, r.case, r.epoch, r.split)
        other = new.get(key)
        if other is None:
            differences.append(f"trial {r.trial} case {r.case} epoch {r.epoch} {r.split}: missing in the re-run")
            continue
        compared += 1
        for metric in ("cost", "accuracy"):
            a, b = getattr(r, metric), getattr(other, metric)
            if not _same(a, b):
                differences.append(f"trial {r.trial} case {r.case} epoch {r.epoch} {r.split} {metric}: "
                                   f"{a!r} then {b!r}")
    return compared, differences


def rerun(run_dir: Path, out_dir: Path | None = None, listener=None, control=None) -> RerunReport:
    run_dir = Path(run_dir)
    manifest = read_manifest(run_dir)
    if manifest.get("kind") != "run":
        raise ValueError(f"{run_dir}: not a training run (an imported log cannot be re-run)")
    config = ExperimentConfig.from_dict(manifest["config"])
    original = M.read_metrics(run_dir / "metrics.csv")
    if manifest.get("status") != "completed" and original:
        # Later epochs cannot change earlier ones: re-run only as far as the original got.
        config = config.with_train(epochs=max(r.epoch for r in original) + 1)
    if out_dir is None:
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        out_dir = run_dir.with_name(f"{run_dir.name}-rerun-{stamp}")
    outcome = run_experiment(config, out_dir, listener, control)
    report = RerunReport(False, "", run_dir, Path(out_dir), outcome=outcome)
    if outcome.status == "failed":
        report.message = f"the re-run failed: {outcome.error}"
        return report
    compared, differences = compare_metrics(original, M.read_metrics(Path(out_dir) / "metrics.csv"))
    report.compared_rows, report.differences = compared, differences
    if outcome.status == "stopped":
        differences.append("the re-run was stopped before it finished")
    versions = ("python", "tensorflow", "numpy")
    then, now = manifest.get("environment", {}), environment()
    changed = [f"{v} {then.get(v)} → {now.get(v)}" for v in versions if then.get(v) != now.get(v)]
    device_changed = _device_change(then.get("device"), outcome.device)
    if not differences:
        report.match = True
        report.message = f"match: all {compared} metric rows are identical (costs and accuracies, bit for bit)"
    else:
        report.message = (f"MISMATCH: {len(differences)} difference(s) in {compared} rows compared; "
                          f"first: {differences[0]}")
    if changed:
        report.message += "; library versions differ (" + ", ".join(changed) + ")"
    if device_changed:
        report.message += f"; the device differs ({device_changed})"
    if manifest.get("status") != "completed":
        report.message += f"; the original run was {manifest.get('status')}, so only its finished epochs were compared"
    return report


def _device_change(then: dict | None, now: dict | None) -> str | None:
    """"CPU → GPU: …" when the original and the re-run trained on different devices (None if unknown)."""
    if not then or not now:
        return None
    key = lambda d: (d.get("type"), d.get("description"))     # noqa: E731
    if key(then) == key(now):
        return None
    return f"{then.get('type')} {then.get('description')} → {now.get('type')} {now.get('description')}"
