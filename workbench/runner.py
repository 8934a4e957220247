"""Run an experiment into a run folder: the one path shared by the CLI and the GUI.

TensorFlow is imported here lazily (first call), so the GUI can show its
window first and load the engine in its worker thread.
"""
from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from engine.cases import inert_connections
from engine.events import EpochEvent, RunControl, StepEvent, TrialResult

from .config import ExperimentConfig
from .run_folder import RunFolder


class RunListener(Protocol):
    """Every method optional: a listener implements what it needs."""
    def on_started(self, folder: RunFolder) -> None: ...
    def on_status(self, text: str) -> None: ...
    def on_step(self, event: StepEvent) -> None: ...
    def on_epoch(self, event: EpochEvent, folder: RunFolder) -> None: ...
    def on_trial_end(self, result: TrialResult) -> None: ...


@dataclass
class RunOutcome:
    status: str                      # "completed", "stopped" or "failed"
    folder: Path
    results: list[TrialResult] = field(default_factory=list)
    error: str | None = None
    device: dict | None = None       # engine/device.py: what TensorFlow trained on


def _call(listener, name, *args):
    fn = getattr(listener, name, None) if listener is not None else None
    if fn is not None:
        fn(*args)


def case_notes(config: ExperimentConfig) -> list[str]:
    """Plain statements about cases that cannot differ from case 0 for this architecture and mode."""
    from engine import catalog
    desc = catalog.describe(config.arch)
    dead = desc.dead_targets(config.train.quirks)
    notes = []
    for case in config.case_objects():
        inert = inert_connections(case, desc.head_timesteps, dead)
        if inert and len(inert) == len(case.connections):
            notes.append(f"case {case.key} ({case.name}): no connection has any effect here "
                         f"({'; '.join(reason for _, reason in inert)}), so it trains exactly like case 0")
        for conn, reason in inert if len(inert) < len(case.connections) else ():
            notes.append(f"case {case.key}: {conn.label()} has no effect ({reason})")
    return notes


def quirk_note(config: ExperimentConfig) -> str:
    """The quirk set in words, and which of its quirks change nothing for this architecture."""
    from engine import quirks as Q
    text = "semantics: " + Q.describe_set(config.train.quirks)
    idle = [n for n in config.train.quirks if not Q.QUIRKS[n].concerns(config.arch)]
    if idle:
        text += f" ({', '.join(idle)} do{'es' if len(idle) == 1 else ''} not concern {config.arch})"
    return text


class _Forward:
    """Adapts the engine's listener calls to the run folder and the outer listener."""

    def __init__(self, folder: RunFolder, listener, gradients=None):
        self.folder, self.listener, self.gradients = folder, listener, gradients

    def on_step(self, event):
        if self.gradients is not None:
            self.gradients.step(event)
        _call(self.listener, "on_step", event)

    def on_epoch(self, event):
        self.folder.epoch(event)
        if self.gradients is not None:
            self.gradients.epoch(event)
        _call(self.listener, "on_epoch", event, self.folder)


def run_experiment(config: ExperimentConfig, out_dir: Path, listener=None,
                   control: RunControl | None = None, deterministic: bool = True) -> RunOutcome:
    config = config.validated()
    control = control or RunControl()
    folder = RunFolder(out_dir, config)
    _call(listener, "on_started", folder)
    outcome = RunOutcome("completed", folder.dir)
    gradients = None
    try:
        if config.train.gradient_flow:
            from .gradient_log import GradientLog
            gradients = GradientLog(folder.dir)
        _call(listener, "on_status", "loading data")
        from engine.data import load_dataset
        d = config.data
        dataset = load_dataset(d.source, train_limit=d.train_limit, test_limit=d.test_limit,
                               train_skip=d.train_skip)
        folder.set_data(dataset.summary())
        folder.add_notes([quirk_note(config)] + case_notes(config))

        _call(listener, "on_status", "loading TensorFlow")
        from engine.device import training_device
        from engine.tensorflow_loader import import_tensorflow
        import_tensorflow()                     # first, so its start-up chatter stays off the console
        outcome.device = training_device()
        folder.set_device(outcome.device)
        from engine import catalog
        from engine.trainer import LockstepTrainer, enable_determinism
        if deterministic:
            enable_determinism()
        arch = catalog.build(config.arch)
        cases = config.case_objects()
        for trial in range(config.trials):
            if control.stopped:
                outcome.status = "stopped"
                break
            _call(listener, "on_status", f"building trial {trial + 1} of {config.trials}"
                  if config.trials > 1 else "compiling the training step")
            trainer = LockstepTrainer(arch, cases, config.train, dataset, config.noise_schedule(), trial=trial)
            folder.start_trial(trial, trainer.seed)
            _call(listener, "on_status", "training")
            result = trainer.run(_Forward(folder, listener, gradients), control)
            folder.end_trial(result)
            outcome.results.append(result)
            _call(listener, "on_trial_end", result)
            if result.status == "stopped":
                outcome.status = "stopped"
                break
    except Exception as exc:  # the run folder must say why it ended, whatever happened
        outcome.status = "failed"
        outcome.error = _one_line(exc)
        folder.manifest["traceback"] = traceback.format_exc()
    _export_tensorboard(folder, gradients)
    folder.finish(outcome.status, outcome.error)
    return outcome


def _export_tensorboard(folder: RunFolder, gradients=None) -> None:
    """Event files beside the CSV, so the run opens in TensorBoard; never fatal."""
    if gradients is not None:
        gradients.close()
    if not folder.rows:
        return
    try:
        from .tensorboard_export import export_tensorboard
        export_tensorboard(folder.rows, folder.dir)
        if gradients is not None:
            gradients.export_tensorboard(folder.dir)
    except Exception as exc:  # the metrics are safe in metrics.csv whatever happens here
        folder.manifest["notes"].append(f"TensorBoard export failed: {_one_line(exc)}")


def _one_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    # TensorFlow wraps errors raised while tracing: the cause is on the last line.
    text = lines[-1] if lines and lines[0].startswith("in user code") else (lines[0] if lines else "")
    name = type(exc).__name__
    if name in ("DataError", "ConfigError", "ValueError"):
        return text or name
    return f"{name}: {text}" if text else name
