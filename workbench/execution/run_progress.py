"""Where a run is, in the words and numbers both the window and the command line show.

The engine reports progress per trial (its own steps, its own training
time). A user reads the whole run: the fraction, the elapsed time and the ETA
cover every trial, and trials and epochs are numbered from 0 as in
metrics.csv, the transparency log and the manifest ("trial 1 of 0–2 ·
epoch 0 of 0–3"). One class, so the two places cannot drift apart.
"""
from __future__ import annotations


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
