"""The one event protocol between a study's driver and its backends.

A backend runs trials wherever it likes and streams back `TrialEvent`s: the
engine's own event dataclasses (StepEvent, EpochEvent, TrialResult) tagged
with the study trial index and the attempt number, plus the worker's facts
when a trial starts and a one-line reason when it fails or its worker is
lost. Events of an attempt the driver has given up on are ignored by it.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Protocol

from workbench.core.config import ConfigError

STARTED = "started"      # payload: dict of worker facts (backend, node, pid, threads, device, versions)
STEP = "step"            # payload: engine.events.StepEvent
EPOCH = "epoch"          # payload: engine.events.EpochEvent
END = "end"              # payload: engine.events.TrialResult (status completed or stopped)
ERROR = "error"          # payload: (one-line error, traceback text): the trial itself failed; no retry
LOST = "lost"            # payload: one-line reason: the worker or node died; the driver may retry
CHECKPOINT = "checkpoint"  # payload: the trainer's state() after an epoch, for the driver to keep


@dataclass(frozen=True)
class TrialTask:
    """What a worker needs to run one trial: plain data only."""
    index: int
    attempt: int
    config: dict                 # ExperimentConfig.to_dict() with trials=1 and the trial's seed
    data_sha256: str | None = None   # the driver's checksum of the trial's data; workers check theirs
    checkpoint_every: str = "off"    # when the worker sends its state back (checkpoint_policy.py)
    start_state: dict | None = None  # a checkpointed state to continue from (a retry, a resumed study)


@dataclass(frozen=True)
class PackTask:
    """Trials that differ only in seed, for one worker to train as one pack (execution/packing.py).
    Each keeps its own index, attempt and events: a pack is how they train, not what they are."""
    tasks: tuple[TrialTask, ...]

    @property
    def data_sha256(self) -> str | None:
        return self.tasks[0].data_sha256

    @property
    def config(self) -> dict:
        return self.tasks[0].config


def members(task) -> tuple[TrialTask, ...]:
    """The trials a submitted task holds: itself, or a pack's."""
    return task.tasks if isinstance(task, PackTask) else (task,)


@dataclass(frozen=True)
class TrialEvent:
    kind: str
    trial: int
    attempt: int
    payload: object = None


Emit = Callable[[TrialEvent], None]


class Backend(Protocol):
    """What the driver needs from a backend. Every backend is used from one thread (the driver's)."""
    name: str

    def start(self) -> dict: ...                  # bring workers up; returns facts for study.json
    def free_slots(self) -> int: ...              # how many more trials it can take now
    def submit(self, task: TrialTask | PackTask) -> None: ...   # a pack takes one slot
    def wait(self, timeout: float) -> None: ...   # deliver events through emit (may run a whole trial)
    def pause(self) -> None: ...
    def resume(self) -> None: ...
    def stop(self) -> None: ...                   # running trials end between steps with status "stopped"
    def shutdown(self) -> None: ...               # end every worker; always called


class BackendUnavailable(ConfigError):
    """The chosen backend cannot run here (e.g. Ray is not installed); the message says what to do."""
