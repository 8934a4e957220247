"""Writing a trial's checkpoints from a run, by the run folder's owner, at the end of an epoch.

The checkpoint follows the epoch's records (metrics.csv is written and synced first), so a run
killed in between resumes from the checkpoint before and writes that epoch again. A checkpoint that
cannot be written (a full disk) does not stop training: the manifest says so and the previous one
stays the one to resume from.
"""
from __future__ import annotations

import hashlib
import json

from workbench.core.config import ExperimentConfig
from workbench.core.checkpoint_policy import CheckpointClock, CheckpointPolicy
from workbench.records.checkpoint_store import CheckpointError, CheckpointStore


def config_fingerprint(config: ExperimentConfig) -> str:
    """sha256 of the configuration less its epoch count (which an extension changes)."""
    data = config.to_dict()
    data["train"] = {k: v for k, v in data["train"].items() if k != "epochs"}
    data.pop("preset", None)
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def belongs_to(config: ExperimentConfig) -> dict:
    """What a checkpoint must match to be resumed: the engine that wrote it, the architecture, the configuration."""
    from engine import ENGINE_VERSION
    return {"engine_version": ENGINE_VERSION, "architecture": config.arch,
            "config_sha256": config_fingerprint(config)}


class CheckpointWriter:
    """Called after each epoch's records of a trial; has the trial recorder (trial_recorder.py) write
    that trial's state when the policy says so (a pack's trials each have their own checkpoints: a
    seed's state is its lone state)."""

    def __init__(self, recorder, policy: CheckpointPolicy, trainer):
        self.recorder, self.trainer, self.policy = recorder, trainer, policy
        self.clocks = {run.trial: CheckpointClock(policy) for run in trainer.runs}
        for clock in self.clocks.values():
            clock.start()                         # the trial starts now: the first is due a period later
        record = recorder.manifest.setdefault("checkpoints", {})
        record["every"] = policy.text()

    def epoch_end(self, trial: int) -> None:
        t = self.trainer
        s = next(i for i, run in enumerate(t.runs) if run.trial == trial)
        run, clock = t.runs[s], self.clocks[trial]
        last = run.epoch >= t.settings.epochs or not run.active
        if t.mid_epoch:
            return                  # (a seed that ended as its pack was stopped within an epoch: no state)
        if clock.due(run.epoch, last) and self.recorder.on_checkpoint(trial, t.seed_state(s)):
            clock.written()


def save_checkpoint(folder, store: CheckpointStore, trial: int, state: dict, belongs: dict) -> bool:
    """Write a trainer's state into the run folder and record it (size, time) in the manifest; a write
    that fails is recorded there instead (the previous checkpoint stays). True when it was written."""
    epoch = int(state["facts"]["epoch"])
    manifest = folder.manifest.setdefault("checkpoints", {})
    try:
        record = store.save(trial, epoch, state, belongs)
    except (OSError, CheckpointError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc).splitlines()[0]
        manifest.setdefault("failures", []).append({"trial": trial, "epoch": epoch, "error": why})
        folder.write_manifest()
        return False
    manifest["latest"] = {k: record[k] for k in ("trial", "epoch", "written_at", "bytes", "write_seconds")}
    manifest["latest"]["file"] = f"checkpoints/{record['arrays']}"
    manifest["written"] = manifest.get("written", 0) + 1
    folder.write_manifest()
    return True
