"""Resume a stopped, interrupted or failed run in its own folder from its checkpoints, or extend a
finished one to more epochs.

Everything that can refuse is checked before anything is changed (the folder's lock taken first,
so a live writer is refused): not a run, running, no checkpoint, a checkpoint from another engine
version or architecture, a configuration edited since, nothing left to train. Then every record is
cut back to its trial's checkpoint (RunFolder.reopen, GradientLog.reopen), the resumption is
recorded in the manifest, and training continues through the runner's own loop, so the resumed
run writes exactly what the uninterrupted run would have.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from workbench.core.config import ConfigError, ExperimentConfig
from workbench.core.checkpoint_policy import CheckpointPolicy
from workbench.execution.checkpoint_writer import belongs_to
from workbench.execution.packing import recorded_pack
from workbench.execution.runner import SKIP, RunOutcome, train_into
from workbench.execution.throttle import STEP_INTERVAL
from workbench.execution.trial_recorder import TrialRecorder
from workbench.records.checkpoint_store import CheckpointError, CheckpointStore
from workbench.records.run_folder import read_manifest
from workbench.records.run_lock import FolderBusyError, FolderLock


class ResumeRefused(ValueError):
    """A run that cannot be resumed as asked; one line, nothing changed."""


@dataclass
class ResumePlan:
    run_dir: Path
    config: ExperimentConfig                  # with the epoch count the resume trains to
    manifest: dict
    lock: FolderLock
    starts: dict = field(default_factory=dict)        # trial -> state, or SKIP
    kept_epochs: dict = field(default_factory=dict)   # trial -> epochs whose records stay (None: all)
    refused: list[str] = field(default_factory=list)  # damaged checkpoints passed over, one line each

    @property
    def from_epochs(self) -> dict[int, int]:
        return {t: k for t, k in self.kept_epochs.items() if self.starts.get(t) is not SKIP}


def prepare(run_dir: Path, epochs: int | None = None) -> ResumePlan:
    """Check everything and load the checkpoints; the returned plan holds the folder's lock.
    ResumeRefused (lock released, nothing changed) when the run cannot be resumed as asked."""
    run_dir = Path(run_dir)
    if run_dir.is_symlink():
        raise ResumeRefused(f"{run_dir}: is a symbolic link; give the run folder itself")
    if not run_dir.is_dir():
        raise ResumeRefused(f"{run_dir}: not a run folder (no such folder)")
    try:
        manifest = read_manifest(run_dir)
    except (OSError, ValueError) as exc:
        raise ResumeRefused(str(exc).splitlines()[0]) from None
    if manifest.get("kind") != "run":
        raise ResumeRefused(f"{run_dir}: not a run folder (its manifest is a {manifest.get('kind', 'unknown')!r} "
                            "record)")
    lock = FolderLock(run_dir)
    try:
        lock.acquire()
    except FolderBusyError as exc:
        raise ResumeRefused(f"{exc}; it is running (stop it first)") from None
    except OSError as exc:
        raise ResumeRefused(f"{run_dir}: cannot take the folder's lock ({exc.strerror or exc})") from None
    try:
        return _plan(run_dir, manifest, lock, epochs)
    except BaseException:
        lock.release()
        raise


def _plan(run_dir: Path, manifest: dict, lock: FolderLock, epochs: int | None) -> ResumePlan:
    try:
        config = ExperimentConfig.from_dict(manifest.get("config") or {}).validated()
    except (ConfigError, ValueError, TypeError, KeyError) as exc:
        raise ResumeRefused(f"{run_dir}: the run's configuration cannot be read ({exc})") from None
    planned = config.train.epochs
    target = planned if epochs is None else epochs
    if target < planned:
        raise ResumeRefused(f"--epochs {target}: the run was planned for {planned} epochs; a run is extended, "
                            "never shortened")
    if target != planned:
        config = config.with_train(epochs=target)
    plan = ResumePlan(run_dir, config, manifest, lock)
    expected = belongs_to(config)
    store = CheckpointStore(run_dir)
    entries = {e.get("trial"): e for e in manifest.get("trials", []) if isinstance(e, dict)}
    try:
        found = {t: store.latest(trial=t, refused=plan.refused) for t in range(config.trials)}
    except CheckpointError as exc:
        raise ResumeRefused(str(exc)) from None
    if not any(found.values()):
        why = f"; {plan.refused[-1].removesuffix('; using the one before')}" if plan.refused else ""
        raise ResumeRefused(f"{run_dir}: no checkpoint to resume from{why} (written with --checkpoint-every "
                            "off, or killed before its first)")
    for trial, hit in found.items():
        if hit is None:
            continue                                  # never checkpointed: trained again from its start
        checkpoint, state = hit
        theirs = checkpoint.record.get("belongs_to") or {}
        if theirs.get("engine_version") != expected["engine_version"]:
            raise ResumeRefused(f"{checkpoint.path}: written by engine version {theirs.get('engine_version')}, "
                                f"this is engine version {expected['engine_version']}; it cannot be resumed "
                                "here (rerun it instead)")
        if theirs.get("architecture") != expected["architecture"]:
            raise ResumeRefused(f"{checkpoint.path}: a checkpoint of architecture {theirs.get('architecture')}, "
                                f"the run is {expected['architecture']}")
        if theirs.get("config_sha256") != expected["config_sha256"]:
            raise ResumeRefused(f"{run_dir}: the configuration in manifest.json was edited after the checkpoint "
                                "was written; a resume continues only the run the checkpoint belongs to")
        facts = state["facts"]
        done = checkpoint.epoch >= target or not facts.get("active")
        if done and (entries.get(trial) or {}).get("status") == "completed":
            plan.starts[trial], plan.kept_epochs[trial] = SKIP, None
        else:
            plan.starts[trial], plan.kept_epochs[trial] = state, checkpoint.epoch
    if all(s is SKIP for s in plan.starts.values()) and len(plan.starts) == config.trials:
        raise ResumeRefused(f"{run_dir}: already complete with {target} epochs; give --epochs N (more than "
                            f"{target}) to extend it")
    _check_records(run_dir, plan)
    _check_data(run_dir, manifest, config)
    return plan


def _check_records(run_dir: Path, plan: ResumePlan) -> None:
    """metrics.csv must hold every epoch a continued trial's checkpoint has done (the resume keeps them)."""
    from workbench.records.metrics import MetricsFileError, read_metrics
    try:
        rows = read_metrics(run_dir / "metrics.csv")
    except MetricsFileError as exc:
        raise ResumeRefused(str(exc)) from None
    for trial, epochs in plan.from_epochs.items():
        have = {r.epoch for r in rows if r.trial == trial and r.split == "test"}
        missing = sorted(set(range(epochs)) - have)
        if missing:
            raise ResumeRefused(f"{run_dir / 'metrics.csv'}: trial {trial} lacks epoch {missing[0]}, which its "
                                f"checkpoint (after epoch {epochs - 1}) has trained; the records cannot be continued")


def _check_data(run_dir: Path, manifest: dict, config: ExperimentConfig) -> None:
    """The data files must be the ones the run read (by checksum; a moved copy is the same data)."""
    from engine.data import data_files
    from workbench.records.environment import file_checksums
    recorded = [f.get("sha256") for f in ((manifest.get("data") or {}).get("files") or [])]
    if not recorded:
        return
    current = file_checksums(data_files(config.data.source))
    if [f.get("sha256") for f in current] != recorded:
        changed = next((f["path"] for f in current if f.get("sha256") not in recorded), config.data.source)
        raise ResumeRefused(f"{run_dir}: the data ({changed}) is not the data the run trained on (its checksum "
                            "differs); a resume continues only on the same data")


def resume_run(plan: ResumePlan, listener=None, control=None, deterministic: bool = True,
               checkpoint_every: str | None = None, command_line: list[str] | None = None) -> RunOutcome:
    """Cut the records back, record the resumption, and train on (the plan's lock is handed to the folder).
    `checkpoint_every` None: the run goes on checkpointing as it was started to."""
    if checkpoint_every is None:
        recorded = (plan.manifest.get("checkpoints") or {}).get("every")
        checkpoint_every = recorded if isinstance(recorded, str) else None
    policy = CheckpointPolicy.parse(checkpoint_every)
    resumption = {"pid": os.getpid(), "from_epoch": {str(t): e for t, e in plan.from_epochs.items()},
                  "epochs": plan.config.train.epochs, "checkpoint_every": policy.text()}
    if command_line:
        resumption["command_line"] = command_line
    if plan.refused:
        resumption["refused_checkpoints"] = list(plan.refused)
    try:
        recorder = TrialRecorder.reopen(plan.run_dir, plan.config, plan.lock, plan.manifest,
                                        dict(plan.kept_epochs), resumption,
                                        getattr(listener, "step_interval", STEP_INTERVAL))
    except BaseException:
        plan.lock.release()
        raise
    starts = {t: s for t, s in plan.starts.items()}
    return train_into(recorder, plan.config, listener, control, deterministic, policy, starts,
                      first=False, pack=recorded_pack(plan.manifest))
