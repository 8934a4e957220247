"""The one rate limit for events shown as they come: steps to the window, progress lines, study progress.

Its clock starts at -inf, so the first event always passes however young the
monotonic clock is (a freshly booted machine); after that at most one every
`interval` seconds, unless the caller forces one through (an epoch's last step).
"""
from __future__ import annotations

import math
import time

STEP_INTERVAL = 0.05       # seconds between step reports shown (and kept in steps.csv): 20 a second at most


class Throttle:
    """At most one admitted event every `interval` seconds (`due`), forced ones always."""

    def __init__(self, interval: float):
        self.interval = interval
        self._last = -math.inf

    def due(self, force: bool = False) -> bool:
        now = time.monotonic()
        if force or now - self._last >= self.interval:
            self._last = now
            return True
        return False


class StepThrottle(Throttle):
    """At most one step event every `interval` seconds, except an epoch's last step (always sent)."""

    def __init__(self, interval: float = STEP_INTERVAL):
        super().__init__(interval)
        self.seen = 0
        self.sent = 0

    def admit(self, event) -> bool:
        self.seen += 1
        if self.due(force=event.step >= event.steps_per_epoch):
            self.sent += 1
            return True
        return False
