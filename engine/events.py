"""What the trainer reports while it runs, and how it is told to pause or stop.

Plain Python (threading only): the Qt worker in workbench/ forwards these as
signals, the CLI prints them, tests record them.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class CaseEpoch:
    train_cost: float
    train_accuracy: float
    test_cost: float
    test_accuracy: float
    diverged: bool = False


@dataclass(frozen=True)
class Progress:
    done_steps: int      # training and test batches done in this trial
    total_steps: int
    elapsed_s: float     # training time so far in this trial, paused time excluded
    eta_s: float | None  # None until there is a rate to extrapolate from

    @property
    def fraction(self) -> float:
        return self.done_steps / self.total_steps if self.total_steps else 1.0


@dataclass(frozen=True)
class StepEvent:
    """Running means within the epoch, sent `points_per_epoch` times an epoch."""
    trial: int
    epoch: int
    step: int                      # training batches done in this epoch
    steps_per_epoch: int
    running: dict[str, tuple[float, float]]   # case -> (running mean cost, running mean accuracy)
    progress: Progress
    # Gradient flow sampled at this step: case -> {(signal, timestep or weight): norm}; signals
    # g, p, dilated, in (per timestep, manual cases) and grad, update (per weight, every case).
    gradients: dict[str, dict[tuple[str, str], float]] | None = None


@dataclass(frozen=True)
class EpochEvent:
    trial: int
    epoch: int
    metrics: dict[str, CaseEpoch]  # active cases, and cases that diverged this epoch
    diverged_now: tuple[str, ...]
    progress: Progress
    wall_time_s: float
    gradients: dict[str, dict[tuple[str, str], float]] | None = None   # mean of the epoch's samples


@dataclass(frozen=True)
class TrialResult:
    trial: int
    seed: int
    status: str                              # "completed" or "stopped"
    epochs_done: int
    final: dict[str, CaseEpoch]              # last finished epoch per case
    diverged_at: dict[str, int]              # case -> epoch of divergence
    train_seconds: dict[str, float]          # case -> share of step time (split evenly in lockstep)
    test_predictions: dict[str, list[int]] = field(default_factory=dict)  # last evaluated epoch
    test_labels: list[int] = field(default_factory=list)


class TrainingListener(Protocol):
    def on_step(self, event: StepEvent) -> None: ...
    def on_epoch(self, event: EpochEvent) -> None: ...


class RunControl:
    """Pause, resume and stop, checked by the trainer between steps."""

    def __init__(self):
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()

    def stop(self) -> None:
        self._stop.set()
        self._running.set()          # a paused run must wake up to stop

    def pause(self) -> None:
        if not self._stop.is_set():
            self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def wait_while_paused(self) -> float:
        """Block while paused; returns the seconds spent waiting (0.0 when not paused).

        The trainer subtracts them from elapsed time, the ETA and wall_time_s, so a
        pause never counts as training time.
        """
        if self._running.is_set():
            return 0.0
        t0 = time.perf_counter()
        while not self._running.wait(0.1):
            pass
        return time.perf_counter() - t0
