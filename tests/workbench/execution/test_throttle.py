"""The one throttle: the first event always passes, then one per interval; forced ones (an epoch's last step) always."""
from __future__ import annotations

import types

from engine.events import Progress, StepEvent
from workbench.execution.throttle import StepThrottle, Throttle


def ticking_clock(monkeypatch, start, tick):
    """time.monotonic in the throttle as a clock that advances `tick` seconds at each reading."""
    import workbench.execution.throttle as throttle
    now = [start - tick]

    def monotonic():
        now[0] += tick
        return now[0]
    monkeypatch.setattr(throttle, "time", types.SimpleNamespace(monotonic=monotonic))


def test_step_events_are_throttled_but_epoch_ends_pass(monkeypatch):
    ticking_clock(monkeypatch, start=1000.0, tick=0.125)     # exact in binary: 4 ticks make the 0.5 s interval
    throttle = StepThrottle(0.5)
    progress = Progress(0, 10, 0.0, None)
    admitted = [throttle.admit(StepEvent(0, 0, 1, 1000, {"0": (1.0, 0.5)}, progress)) for _ in range(100)]
    assert admitted == [i % 4 == 0 for i in range(100)]      # one step every interval, the first included
    last = StepEvent(0, 0, 1000, 1000, {"0": (1.0, 0.5)}, progress)
    assert throttle.admit(last)                      # an epoch's last step always passes
    assert throttle.seen == 101 and throttle.sent == sum(admitted) + 1


def test_the_first_step_passes_on_a_freshly_booted_machine(monkeypatch):
    ticking_clock(monkeypatch, start=0.01, tick=0.001)       # time.monotonic() counts from boot
    throttle = StepThrottle(0.05)
    assert throttle.admit(StepEvent(0, 0, 1, 1000, {"0": (1.0, 0.5)}, Progress(0, 10, 0.0, None)))


def test_a_forced_event_passes_and_restarts_the_interval(monkeypatch):
    ticking_clock(monkeypatch, start=0.0, tick=1.0)
    throttle = Throttle(3.0)
    assert [throttle.due(), throttle.due(), throttle.due(force=True), throttle.due(), throttle.due(),
            throttle.due()] == [True, False, True, False, False, True]
