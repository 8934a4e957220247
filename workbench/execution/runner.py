"""Run an experiment into a run folder: the one path shared by the CLI and the GUI.

The runner trains; what reaches the folder is written by its TrialRecorder (trial_recorder.py),
the same writer a study's trials have.

TensorFlow is imported here lazily (first call): the CLI prints nothing before it
needs to, and the window's engine process (workbench/execution/engine_process.py) calls this.
"""
from __future__ import annotations

import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from engine.events import EpochEvent, RunControl, StepEvent, TrialResult

from workbench.core.config import ExperimentConfig
from workbench.core.checkpoint_policy import CheckpointPolicy
from workbench.core.one_line import one_line
from workbench.execution.checkpoint_writer import CheckpointWriter
from workbench.execution.packing import packable, packing_record, trial_packs
from workbench.execution.run_setup import data_record
from workbench.execution.throttle import STEP_INTERVAL
from workbench.execution.trial_recorder import TrialRecorder
from workbench.records import environment as env
from workbench.records.run_folder import RunFolder, new_run_dir


class RunListener(Protocol):
    """Every method optional: a listener implements what it needs.

    `step_interval` (optional, seconds; default STEP_INTERVAL): the step reports it is sent come at
    most this often (an epoch's last always), and these are the ones the run folder keeps in steps.csv,
    so a reopened run draws the curve that was watched."""
    step_interval: float

    def on_started(self, folder: RunFolder) -> None: ...
    def on_status(self, text: str) -> None: ...
    def on_step(self, event: StepEvent) -> None: ...
    def on_epoch(self, event: EpochEvent, folder: RunFolder) -> None: ...
    def on_trial_end(self, result: TrialResult) -> None: ...


@dataclass
class RunOutcome:
    status: str                      # "completed", "stopped" or "failed" (see run_status.STATUSES)
    folder: Path
    results: list[TrialResult] = field(default_factory=list)
    error: str | None = None
    device: dict | None = None       # engine/device.py: what TensorFlow trained on


def _call(listener, name, *args):
    fn = getattr(listener, name, None) if listener is not None else None
    if fn is not None:
        fn(*args)


class _Forward:
    """Adapts the engine's listener calls to the trial recorder, the checkpoints and the outer listener."""

    def __init__(self, recorder: TrialRecorder, listener, checkpoints=None):
        self.recorder, self.listener, self.checkpoints = recorder, listener, checkpoints

    def on_step(self, event):
        if self.recorder.on_step(event):          # the points the window draws, and the folder keeps
            _call(self.listener, "on_step", event)

    def on_epoch(self, event):
        self.recorder.on_epoch(event)
        if self.checkpoints is not None:
            self.checkpoints.epoch_end(event.trial)
        _call(self.listener, "on_epoch", event, self.recorder.folder)


SKIP = "skip"        # a trial a resume leaves as it is (finished, nothing to add)


def run_experiment(config: ExperimentConfig, out_dir: Path | None = None, listener=None,
                   control: RunControl | None = None, deterministic: bool = True,
                   command_line: list[str] | None = None, checkpoint_every: str | None = None,
                   pack: bool = True) -> RunOutcome:
    """Train `config` into a new run folder (`out_dir`, or a fresh default one) and record how it ended.

    With `pack` the trials train as one pack (seeds on the member axis, execution/packing.py);
    without, one after another. Either way each trial has its own records.

    The folder is refused (RunFolderError, nothing written) when it holds
    anything. Whatever happens after it is created, it ends with a final
    status: completed, stopped (the control's stop, Ctrl-C, a signal turned
    into KeyboardInterrupt/SystemExit) or failed (any error, in one line).
    Checkpoints are written as `checkpoint_every` says (checkpoint_policy.py; default: time-based).
    """
    config = config.validated()
    policy = CheckpointPolicy.parse(checkpoint_every)
    recorder = TrialRecorder.open(out_dir if out_dir is not None else new_run_dir(config), config, command_line,
                                  getattr(listener, "step_interval", STEP_INTERVAL))
    return train_into(recorder, config, listener, control, deterministic, policy, {}, first=True, pack=pack)


def train_into(recorder: TrialRecorder, config: ExperimentConfig, listener, control: RunControl | None,
               deterministic: bool, policy: CheckpointPolicy, starts: dict, first: bool,
               pack: bool = True) -> RunOutcome:
    """Train every trial of `config` into the recorder's folder and write its final status. `starts`:
    trial -> a checkpointed state to continue from, or SKIP; a trial not named starts from its first
    epoch. `first`: the folder's first run (it records the data and the notes; a resume has them).
    `pack`: the trials train as packs (resume_packs)."""
    control = control or RunControl()
    folder = recorder.folder
    outcome = RunOutcome("completed", folder.dir)
    traceback_text = None
    try:
        _call(listener, "on_started", folder)
        recorder.open_gradients()
        _call(listener, "on_status", "loading data")
        from engine.data import load_dataset
        d = config.data
        dataset = load_dataset(d.source, train_limit=d.train_limit, test_limit=d.test_limit,
                               train_skip=d.train_skip)
        if first:
            recorder.record_setup(data_record(dataset))

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
        folder.record_environment(env.tensorflow_facts())
        cases = config.case_objects()
        packs = resume_packs(config, starts, pack)
        if first:
            folder.set_packing(packing_record(packs))
        else:
            folder.add_packing(packing_record(packs))
        for trials in packs:
            if control.stopped:
                outcome.status = "stopped"
                break
            _call(listener, "on_status", _building(trials, config.trials))
            trainer = LockstepTrainer(arch, cases, config.train, dataset, config.noise_schedule(), trials=trials)
            if trials[0] in starts:
                trainer.restore(starts[trials[0]] if len(trials) == 1 else {"seeds": [starts[t] for t in trials]})
            for run in trainer.runs:
                if run.trial in starts:
                    recorder.continue_trial(run.trial, run.epoch)
                else:
                    recorder.start_trial(run.trial, run.seed)
            checkpoints = None if policy.off else CheckpointWriter(recorder, policy, trainer)
            _call(listener, "on_status", "training")
            results = trainer.run_seeds(_Forward(recorder, listener, checkpoints), control)
            for result in results:
                recorder.end_trial(result)
                outcome.results.append(result)
                _call(listener, "on_trial_end", result)
            if any(result.status == "stopped" for result in results):
                outcome.status = "stopped"
                break
        if outcome.status == "completed" and control.stopped:
            outcome.status = "stopped"
    except (KeyboardInterrupt, SystemExit) as exc:   # a second Ctrl-C, a signal: stopped by the user
        outcome.status = "stopped"
        outcome.error = f"aborted ({type(exc).__name__})" if isinstance(exc, KeyboardInterrupt) else \
            f"aborted (exit {exc.code})"
    except BaseException as exc:  # the run folder must say why it ended, whatever happened
        outcome.status = "failed"
        outcome.error = one_line(exc)
        traceback_text = traceback.format_exc()
    # (when not even the final manifest can be written, readers report the run as interrupted)
    outcome.status, outcome.error = recorder.finish(outcome.status, outcome.error, traceback_text)
    return outcome


def resume_packs(config: ExperimentConfig, starts: dict, pack: bool) -> list[list[int]]:
    """The trials still to train as packs: those that start afresh together, and those continuing
    from one epoch together (a pack's seeds train in lockstep); each alone without `pack`."""
    todo = [t for t in range(config.trials) if starts.get(t) is not SKIP]
    if not (pack and packable(config)):
        return trial_packs(todo, pack=False)
    by_epoch: dict[int, list[int]] = {}
    for t in todo:
        by_epoch.setdefault(int(starts[t]["facts"]["epoch"]) if t in starts else -1, []).append(t)
    return [trials for _, trials in sorted(by_epoch.items())]


def _building(trials: list[int], count: int) -> str:
    if count == 1:
        return "compiling the training step"
    if len(trials) == 1:
        return f"building trial {trials[0]} of 0–{count - 1}"
    return f"building trials {trials[0]}–{trials[-1]} of 0–{count - 1} as one pack"
