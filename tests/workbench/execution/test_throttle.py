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


def test_a_studys_step_reports_are_throttled_per_trial_and_kept_in_its_folder(tmp_path):
    """Two trials training side by side: one trial's steps never crowd out the other's, and each trial's
    folder keeps exactly the reports the window is sent."""
    from workbench.core.config import DataSpec, load_preset
    from workbench.execution.study_driver import StudyDriver
    from workbench.execution.trial_recorder import TrialRecorder
    from workbench.records.steps import read_steps
    from workbench.studies.spec import StudyOptions, StudySpec

    class Window:
        step_interval = 3600
        sent: list = []

        def on_step(self, k, event):
            self.sent.append(event)

    base = load_preset("quick").with_(cases=("0",), data=DataSpec("sample", 100, 20)).with_train(epochs=1)
    driver = StudyDriver(tmp_path / "study", StudySpec(bases=(base,), seeds=(0, 1)), StudyOptions(), Window())
    # each trial's folder as the driver opens it, with the listener's interval
    driver.folders = {k: TrialRecorder.open(tmp_path / f"trial-{k}", base, step_interval=driver._step_interval)
                      for k in (0, 1)}
    progress = Progress(0, 10, 0.0, None)
    for s in range(1, 6):
        for k in (0, 1):
            driver._step(k, StepEvent(0, 0, s, 100, {"0": (1.0, 0.5)}, progress))
    driver._step(1, StepEvent(0, 0, 100, 100, {"0": (1.0, 0.5)}, progress))     # an epoch's last step always passes
    for recorder in driver.folders.values():
        recorder.finish("stopped")
    assert [(e.trial, e.step) for e in Window.sent] == [(0, 1), (1, 1), (1, 100)]   # then nothing for an hour
    assert [r.step for r in read_steps(tmp_path / "trial-0" / "steps.csv")] == [1]
    assert [r.step for r in read_steps(tmp_path / "trial-1" / "steps.csv")] == [1, 100]
