"""When a run writes a checkpoint: every N epochs, at most every so many minutes, or never; always at
the end of a trial (unless off).

The default is time-based so that a long run loses at most a few minutes to a kill while a short
one (seconds an epoch) does not pay for a checkpoint every epoch.
"""
from __future__ import annotations

import math
import os
import re
import time
from dataclasses import dataclass

DEFAULT = "5m"
ENVIRONMENT = "RCNN_WORKBENCH_CHECKPOINT_EVERY"     # a machine's own default, e.g. off on a test machine
_TIME = re.compile(r"^(\d+(?:\.\d+)?)\s*(s|m|h)$")
_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0}
HELP = ("when to write a checkpoint (for resume): N (every N epochs), 10m / 30s / 1h (at most that often, "
        "at the end of an epoch), or off; always at the end of a trial unless off "
        f"(default ${ENVIRONMENT} or {DEFAULT})")


@dataclass(frozen=True)
class CheckpointPolicy:
    epochs: int | None = None          # every N epochs
    seconds: float | None = None       # at the first epoch end at least this long after the last one

    @property
    def off(self) -> bool:
        return self.epochs is None and self.seconds is None

    @classmethod
    def parse(cls, text: str | None) -> "CheckpointPolicy":
        """'5' | '10m' | '30s' | '1h' | 'off'; a ValueError in one line otherwise. None: the
        machine's default ($RCNN_WORKBENCH_CHECKPOINT_EVERY), else DEFAULT."""
        if text is None:
            text = os.environ.get(ENVIRONMENT) or DEFAULT
        value = str(text).strip().lower()
        if value == "off":
            return cls()
        if value.isdigit():
            if int(value) < 1:
                raise ValueError("--checkpoint-every: a number of epochs must be at least 1")
            return cls(epochs=int(value))
        match = _TIME.match(value)
        if not match or not math.isfinite(float(match.group(1))) or float(match.group(1)) <= 0:
            raise ValueError(f"--checkpoint-every: {text!r} is not N (epochs), a time such as 10m, 30s or 1h, "
                             "or off")
        return cls(seconds=float(match.group(1)) * _UNITS[match.group(2)])

    def text(self) -> str:
        if self.off:
            return "off"
        if self.epochs is not None:
            return str(self.epochs)
        for unit, size in (("h", 3600.0), ("m", 60.0)):
            if self.seconds % size == 0:
                return f"{self.seconds / size:g}{unit}"
        return f"{self.seconds:g}s"


class CheckpointClock:
    """Decides at each epoch end whether a checkpoint is due. The time since the last checkpoint
    starts at -inf (due at the first epoch end) until `start()` marks the trial's start."""

    def __init__(self, policy: CheckpointPolicy, clock=time.monotonic):
        self.policy, self.clock = policy, clock
        self.last_time = -math.inf

    def start(self) -> None:
        self.last_time = self.clock()

    def due(self, epochs_done: int, last: bool) -> bool:
        p = self.policy
        if p.off:
            return False
        if last:
            return True
        if p.epochs is not None:
            return epochs_done % p.epochs == 0
        return self.clock() - self.last_time >= p.seconds

    def written(self) -> None:
        self.last_time = self.clock()
