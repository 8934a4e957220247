"""Where a run or a study is, in the words and numbers both the window and the command line show.

The engine reports progress per trial (its own steps, its own training
time). A user reads the whole run: the fraction, the elapsed time and the ETA
cover every trial, and trials and epochs are numbered from 0 as in
metrics.csv, the transparency log and the manifest ("trial 1 of 0–2 ·
epoch 0 of 0–3"). A study's trials train side by side: its fraction is the
mean of its trials' and its ETA the rate this session gains at. One module,
so the window, the command line and the study driver cannot drift apart.
"""
from __future__ import annotations

import time
from dataclasses import dataclass


def clock(seconds: float | None) -> str:
    """12.3 -> '00:12'; 3725 -> '1:02:05'; None (no rate yet), NaN or negative -> '--:--'."""
    if seconds is None or seconds != seconds or seconds < 0:
        return "--:--"
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class RunProgress:
    """Whole-run position, fraction, elapsed time and ETA from the engine's per-trial Progress.

    `packs`: the trials that train together (execution/packing.py; default: one after another).
    The trials of a pack report the pack's progress, so a pack counts once."""

    def __init__(self, epochs: int, trials: int = 1, packs: list[list[int]] | None = None):
        self.epochs, self.trials = max(1, epochs), max(1, trials)
        self.packs = packs or [[t] for t in range(self.trials)]
        self._pack_of = {t: i for i, pack in enumerate(self.packs) for t in pack}
        self._pack_seconds: dict[int, float] = {}      # pack -> its elapsed (paused time excluded)

    def times(self, trial: int, p) -> tuple[float, float | None]:
        """(elapsed, ETA) for the whole run from a trial's progress: earlier packs' time is added,
        and each pack still to come is expected to take as long as this one in total."""
        pack = self._pack_of.get(trial, trial)
        self._pack_seconds[pack] = p.elapsed_s
        elapsed = sum(self._pack_seconds.values())
        if p.eta_s is None:
            return elapsed, None
        later = len(self.packs) - pack - 1
        return elapsed, p.eta_s + later * (p.elapsed_s + p.eta_s)

    def fraction(self, trial: int, p) -> float:
        """The share of the whole run done (every pack counts alike), at most 1."""
        return min(1.0, (self._pack_of.get(trial, trial) + p.fraction) / len(self.packs))

    def position(self, trial: int, epoch: int) -> list[str]:
        """["trial 1 of 0–2", "epoch 0 of 0–3"]: numbered from 0; the trial only when there are several."""
        parts = [f"trial {trial} of 0–{self.trials - 1}"] if self.trials > 1 else []
        parts.append(f"epoch {epoch} of 0–{self.epochs - 1}")
        return parts


@dataclass(frozen=True)
class StudyProgress:
    fraction: float          # of the whole study, completed trials counting 1
    elapsed_s: float         # since this session of the study started
    eta_s: float | None
    completed: int
    failed: int
    running: int
    total: int


class TrialsProgress:
    """Whole-study fraction and ETA from each trial's share done (trials train side by side, so the
    ETA is the rate this session gained at, not a trial's own). `done`: the trials already complete
    when the session started (they count 1 and are not part of the rate)."""

    def __init__(self, trials: list[int], done: set[int]):
        self.fractions = {k: 1.0 if k in done else 0.0 for k in trials}
        self._t0 = time.monotonic()
        self._fraction0 = sum(self.fractions.values()) / max(1, len(self.fractions))

    def set(self, trial: int, fraction: float) -> None:
        self.fractions[trial] = fraction

    def get(self, trial: int) -> float:
        return self.fractions.get(trial, 0.0)

    def progress(self, statuses: list[str]) -> StudyProgress:
        """The study's progress; `statuses`: every trial's status in study.json."""
        fraction = sum(self.fractions.values()) / max(1, len(self.fractions))
        elapsed = time.monotonic() - self._t0
        eta = None
        gained = fraction - self._fraction0
        if gained > 1e-6 and fraction < 1.0:
            eta = elapsed * (1.0 - fraction) / gained
        return StudyProgress(fraction, elapsed, eta if fraction < 1.0 else 0.0, statuses.count("completed"),
                             statuses.count("failed"), statuses.count("running"), len(statuses))
