"""Re-run a run folder from its manifest and say whether the numbers match.

Costs and accuracies must be bit-identical; wall times are not compared (they
never repeat). Before training, the recorded TensorFlow thread settings and
oneDNN switch are applied (they change the numbers); what could not be
reproduced (library versions, CPU, data files, code) is named with its
recorded and current values. The re-run goes into a new folder, never into
the original.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from workbench.records import environment as env
from workbench.records import metrics as M
from workbench.core.config import ConfigError, ExperimentConfig
from workbench.records.run_folder import claim_folder, create_run_dir, read_manifest
from workbench.records.run_status import status_of
from workbench.execution.packing import recorded_pack
from workbench.execution.runner import RunOutcome, run_experiment


class RerunError(ValueError):
    """The folder cannot be re-run; one line saying why (nothing was trained)."""


@dataclass
class RerunReport:
    match: bool
    message: str
    original: Path
    rerun: Path
    compared_rows: int = 0
    differences: list[str] = field(default_factory=list)
    outcome: RunOutcome | None = None
    environment: list[str] = field(default_factory=list)   # what differs: "label: recorded X, current Y"


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


@dataclass
class RerunPlan:
    """What a re-run of `run_dir` will do, checked before anything is trained."""
    run_dir: Path
    manifest: dict
    config: ExperimentConfig
    original: list[M.MetricRow]
    status: str
    notes: list[str] = field(default_factory=list)     # what the re-run does differently from the manifest


def plan(run_dir: Path) -> RerunPlan:
    """Read and check a run folder for a re-run; RerunError (one line) when it cannot be re-run."""
    run_dir = Path(run_dir)
    try:
        manifest = read_manifest(run_dir)
    except (OSError, ValueError) as exc:
        raise RerunError(str(exc)) from None
    if manifest.get("kind") != "run":
        raise RerunError(f"{run_dir}: not a training run (kind {manifest.get('kind')!r}; "
                         f"an imported log cannot be re-run)")
    if not isinstance(manifest.get("config"), dict):
        raise RerunError(f"{run_dir}: the manifest has no configuration object")
    try:
        config = ExperimentConfig.from_dict(manifest["config"])
    except ConfigError as exc:
        raise RerunError(f"{run_dir}: the recorded configuration cannot run ({exc})") from None
    try:
        original = M.read_metrics(run_dir / "metrics.csv")
    except M.MetricsFileError as exc:
        raise RerunError(str(exc)) from None
    status = status_of(manifest, run_dir).status
    if status == "running":
        raise RerunError(f"{run_dir}: the run is still going; re-run it when it has ended")
    if not original:
        raise RerunError(f"{run_dir}: nothing to re-run: the run ({status}) has no finished epoch")
    # Later epochs cannot change earlier ones: re-run only as far as the original got (metrics.csv
    # is the record; a manifest edited to 10^12 epochs or trials is never trusted beyond it).
    done_epochs, done_trials = max(r.epoch for r in original) + 1, max(r.trial for r in original) + 1
    notes = []
    if status == "completed" and (config.train.epochs > done_epochs or config.trials > done_trials):
        notes.append(f"the manifest's configuration has {config.trials} trial(s) of {config.train.epochs} epochs; "
                     f"metrics.csv records {done_trials} of {done_epochs}, which is what was re-run")
    config = config.with_train(epochs=min(config.train.epochs, done_epochs))
    config = config.with_(trials=min(config.trials, done_trials))
    return RerunPlan(run_dir, manifest, config, original, status, notes)


def _data_differences(recorded: dict | None, current: dict | None) -> list[str]:
    def files(summary):
        out = {}
        for f in (summary or {}).get("files") or ():
            if isinstance(f, dict) and f.get("path"):
                out[f["path"]] = f.get("sha256")
        return out
    then, now = files(recorded), files(current)
    problems = []
    for path, digest in then.items():
        if path not in now:
            problems.append(f"data file {path}: recorded, not used now")
        elif digest != now[path]:
            problems.append(f"data file {path}: recorded sha256 {str(digest)[:12]}…, "
                            f"current {str(now[path])[:12]}…")
    return problems


def rerun(run_dir: Path, out_dir: Path | None = None, listener=None, control=None) -> RerunReport:
    """Re-run `run_dir` into a new folder (default: ``<run>-rerun`` beside it) and compare."""
    p = plan(run_dir)
    run_dir = p.run_dir
    if out_dir is None:
        out_dir = create_run_dir(run_dir.parent, f"{run_dir.name}-rerun")
    else:
        claim_folder(out_dir)          # refuses the original or any folder holding files
    recorded_env = p.manifest.get("environment") if isinstance(p.manifest.get("environment"), dict) else {}
    not_applied = env.apply_threads(recorded_env)
    outcome = run_experiment(p.config, out_dir, listener, control, pack=recorded_pack(p.manifest))
    report = RerunReport(False, "", run_dir, Path(out_dir), outcome=outcome)
    if outcome.status == "failed":
        report.message = f"the re-run failed: {outcome.error}"
        return report
    try:
        new_manifest = read_manifest(out_dir)
    except (OSError, ValueError):
        new_manifest = {}
    current_env = new_manifest.get("environment") or env.capture()
    report.environment = not_applied + [d for d in env.differences(recorded_env, current_env)
                                        if not any(d.split(":")[0] in n for n in not_applied)]
    report.environment += _data_differences(p.manifest.get("data"), new_manifest.get("data"))
    compared, differences = compare_metrics(p.original, M.read_metrics(Path(out_dir) / "metrics.csv"))
    report.compared_rows, report.differences = compared, differences
    if outcome.status == "stopped":
        differences.append("the re-run was stopped before it finished")
    device_changed = _device_change(recorded_env.get("device"), outcome.device)
    if device_changed:
        report.environment.append(f"device: {device_changed}")
    if not differences:
        report.match = True
        report.message = f"match: all {compared} metric rows are identical (costs and accuracies, bit for bit)"
    else:
        report.message = (f"MISMATCH: {len(differences)} difference(s) in {compared} rows compared; "
                          f"first: {differences[0]}")
    if report.environment:
        report.message += ("; not reproduced: " if not report.match else "; differs but the numbers held: ") \
            + "; ".join(report.environment)
    if p.status != "completed":
        report.message += f"; the original run was {p.status}, so only its finished epochs were compared"
    for note in p.notes:
        report.message += f"; {note}"
    return report


def _device_change(then: dict | None, now: dict | None) -> str | None:
    """"CPU → GPU: …" when the original and the re-run trained on different devices (None if unknown)."""
    if not then or not now:
        return None
    key = lambda d: (d.get("type"), d.get("description"))     # noqa: E731
    if key(then) == key(now):
        return None
    return f"{then.get('type')} {then.get('description')} → {now.get('type')} {now.get('description')}"
