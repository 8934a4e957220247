"""The progress line of a run on stderr (`run`, `rerun`), worded as the window's progress bar."""
from __future__ import annotations

import sys

from workbench.core.config import ExperimentConfig
from workbench.execution.run_progress import RunProgress, clock
from workbench.execution.throttle import Throttle


def text_bar(fraction: float, width: int = 24) -> str:
    """'[########................]': the run's or the study's share done."""
    filled = int(fraction * width)
    return "[" + "#" * filled + "." * (width - filled) + "]"


class ProgressBar:
    """A one-line progress bar with ETA on stderr (a line per epoch when not a terminal).

    Worded as the window's progress bar (`RunProgress`): trials and epochs
    numbered from 0 as in metrics.csv, fraction, elapsed and ETA for the whole run.
    """

    def __init__(self, config: ExperimentConfig, stream=None, quiet=False, packs: list[list[int]] | None = None):
        self.config, self.stream, self.quiet = config, stream or sys.stderr, quiet
        self.tty = self.stream.isatty()
        self._steps = Throttle(0.2)            # a terminal's step line, redrawn at most 5 times a second
        self._run = RunProgress(config.train.epochs, config.trials, packs)

    def on_status(self, text):
        if not self.quiet:
            self._line(f"{text}…", final=not self.tty)

    def _where(self, event, what: str) -> str:
        """'[########................]  33% trial 1 of 0–2 · epoch 0 of 0–3 · step 4/10 · 00:12 elapsed · run ETA
        00:30', the window's words."""
        p = event.progress
        fraction = self._run.fraction(event.trial, p)
        elapsed, eta = self._run.times(event.trial, p)
        parts = [*self._run.position(event.trial, event.epoch), what, f"{clock(elapsed)} elapsed",
                 f"run ETA {clock(eta)}"]
        return f"{text_bar(fraction)} {fraction:4.0%} " + " · ".join(parts)

    def on_step(self, event):
        if self.quiet or not self.tty or not self._steps.due():
            return
        self._line(self._where(event, f"step {event.step}/{event.steps_per_epoch}"))

    def on_epoch(self, event, folder):
        if self.quiet:
            return
        best = max(event.metrics.items(), key=lambda kv: kv[1].test_accuracy
                   if kv[1].test_accuracy == kv[1].test_accuracy else -1)
        msg = self._where(event, "epoch done") + f" · best test acc {best[1].test_accuracy:.3f} (case {best[0]})"
        if event.diverged_now:
            msg += f"; diverged: case {', '.join(event.diverged_now)}"
        self._line(msg, final=True)

    def _line(self, text, final=False):
        try:
            if self.tty:
                self.stream.write("\r\x1b[2K" + text + ("\n" if final else ""))
            else:
                self.stream.write(text + "\n")
            self.stream.flush()
        except (OSError, ValueError):     # the terminal went away (SIGHUP): progress is not the record
            self.quiet = True
