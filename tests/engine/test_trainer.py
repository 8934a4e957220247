"""The lockstep trainer: equal starts, equivalences the spec predicts, divergence, control."""
import math
import threading

import numpy as np
import pytest

from engine import catalog
from engine.cases import PUBLISHED_CASES, Case, parse_connections, resolve_cases
from engine.data import load_dataset
from engine.events import RunControl
from engine.noise import POST_A_SCHEDULE
from engine.settings import TrainSettings
from engine.trainer import LockstepTrainer, enable_determinism

enable_determinism()
ARCH = catalog.build("post-a")
DATA = load_dataset("sample", train_limit=100, test_limit=40)


class Recorder:
    def __init__(self):
        self.steps, self.epochs = [], []

    def on_step(self, event):
        self.steps.append(event)

    def on_epoch(self, event):
        self.epochs.append(event)


def train(cases, epochs=2, custom=(), listener=None, control=None, **settings):
    s = TrainSettings(epochs=epochs, batch_size=25, learning_rate=0.003, seed=settings.pop("seed", 3), **settings)
    trainer = LockstepTrainer(ARCH, resolve_cases(cases, custom), s, DATA, POST_A_SCHEDULE)
    rec = listener or Recorder()
    return trainer, trainer.run(rec, control), rec


def curves(rec):
    out = {}
    for e in rec.epochs:
        for key, m in e.metrics.items():
            out.setdefault(key, []).append((m.train_cost, m.train_accuracy, m.test_cost, m.test_accuracy))
    return out


def test_all_cases_start_from_the_same_weights():
    trainer = LockstepTrainer(ARCH, list(PUBLISHED_CASES.values()), TrainSettings(batch_size=25), DATA,
                              POST_A_SCHEDULE)
    first = trainer.weights["0"]
    for key in PUBLISHED_CASES:
        for name, var in trainer.weights[key].items():
            assert np.array_equal(var.numpy(), first[name].numpy())


def test_as_published_cases_2_4_6_and_3_5_are_identical():
    _, result, rec = train(["2", "3", "4", "5", "6"], semantics="as-published")
    c = curves(rec)
    assert c["2"] == c["4"] == c["6"]
    assert c["3"] == c["5"]
    assert c["2"] != c["3"]
    assert all(math.isfinite(v) for row in c["2"] for v in row)


def test_corrected_cases_2_4_6_and_3_5_differ():
    _, _, rec = train(["2", "3", "4", "5", "6"], semantics="corrected")
    c = curves(rec)
    assert c["2"] != c["4"] and c["4"] != c["6"] and c["2"] != c["6"]
    assert c["3"] != c["5"]


def test_with_p_zero_every_dilated_case_trains_like_case_0():
    trainer, _, rec = train(["0", "2", "3", "4", "5", "6"], dilation_P=0.0)
    c = curves(rec)
    for key in "23456":
        assert c[key] == c["0"], key
        for name, var in trainer.weights[key].items():
            assert np.array_equal(var.numpy(), trainer.weights["0"][name].numpy())


def test_a_diverging_case_stops_and_the_others_go_on_unchanged():
    """Unchanged bit for bit against the same ops without the divergence (a tame case in its place).
    Against case 0 trained alone the numbers agree only to float32 rounding on some CPUs: oneDNN's
    convolution kernels block channels differently for one member and for two."""
    boom = Case("x", "boom", "#888888", "manual", parse_connections("1<g3*1e38"))
    tame = Case("x", "tame", "#888888", "manual", parse_connections("1<g3*0.5"))
    _, result, rec = train(["0", "x"], epochs=2, custom=[boom])
    assert result.diverged_at == {"x": 0}
    assert rec.epochs[0].diverged_now == ("x",) and rec.epochs[0].metrics["x"].diverged
    assert "x" not in rec.epochs[1].metrics and result.status == "completed"
    _, calm_result, calm = train(["0", "x"], epochs=2, custom=[tame])
    assert not calm_result.diverged_at and "x" in calm.epochs[1].metrics
    assert curves(rec)["0"] == curves(calm)["0"]


def test_step_events_report_running_means_and_an_eta():
    _, _, rec = train(["0", "1"], epochs=2, points_per_epoch=2)
    assert [(e.epoch, e.step) for e in rec.steps] == [(0, 2), (0, 4), (1, 2), (1, 4)]
    last = rec.steps[-1]
    assert last.progress.eta_s is not None and 0 < last.progress.fraction <= 1
    assert last.running["0"][0] == pytest.approx(rec.epochs[-1].metrics["0"].train_cost)
    assert rec.epochs[-1].progress.fraction == 1.0


def test_stop_between_steps_keeps_finished_epochs():
    control = RunControl()

    class StopAfterFirstEpoch(Recorder):
        def on_epoch(self, event):
            super().on_epoch(event)
            control.stop()

    _, result, rec = train(["0"], epochs=5, listener=StopAfterFirstEpoch(), control=control)
    assert result.status == "stopped" and result.epochs_done == 1 and len(rec.epochs) == 1


def test_pause_holds_the_run_until_resumed():
    control = RunControl()
    control.pause()
    done = threading.Event()
    box = {}

    def target():
        box["result"] = train(["0"], epochs=1, control=control)[1]
        done.set()

    thread = threading.Thread(target=target)
    thread.start()
    assert not done.wait(3.0)          # nothing moves while paused
    control.resume()
    assert done.wait(60)
    thread.join()
    assert box["result"].status == "completed"


@pytest.mark.parametrize("key", ["multi-stream", "internal-conv"])
def test_the_trainer_sets_the_mode_of_architectures_wired_differently_by_mode(key):
    arch = catalog.build(key)
    settings = TrainSettings(epochs=1, batch_size=25, semantics="as-published")
    trainer = LockstepTrainer(arch, resolve_cases(["0", "1"]), settings,
                              load_dataset("sample", train_limit=50, test_limit=25),
                              catalog.describe(key).default_noise)
    result = trainer.run()
    assert arch.semantics == "as-published"
    assert result.status == "completed" and set(result.final) == {"0", "1"}
    assert all(math.isfinite(m.test_cost) for m in result.final.values())


def test_paused_time_is_not_training_time(monkeypatch):
    """A 1000 s pause leaves elapsed, ETA and wall_time_s at training time only.

    The trainer's clock is replaced by one that advances 1 ms per reading (whatever the machine's
    load), plus the 1000 s of the pause: any figure that counted the pause is at least 1000.
    """
    import engine.trainer as trainer_module
    clock = [0.0]

    class FakeTime:
        @staticmethod
        def perf_counter():
            clock[0] += 1e-3
            return clock[0]

    class PausedOnce(RunControl):
        pauses = 0

        def wait_while_paused(self):
            if self.pauses == 0 and rec.steps:      # paused once, after the first reported step
                self.pauses += 1
                clock[0] += 1000.0
                return 1000.0
            return 0.0

    monkeypatch.setattr(trainer_module, "time", FakeTime)
    rec = Recorder()
    control = PausedOnce()
    train(["0"], epochs=2, listener=rec, control=control)
    assert control.pauses == 1
    assert clock[0] > 1000.0                        # the pause did move the clock
    assert all(e.wall_time_s < 1000 for e in rec.epochs)
    assert all(e.progress.elapsed_s < 1000 for e in rec.epochs)
    assert all(s.progress.eta_s is None or s.progress.eta_s < 1000 for s in rec.steps)


def test_wait_while_paused_reports_the_wait():
    control = RunControl()
    assert control.wait_while_paused() == 0.0
    control.pause()
    threading.Timer(0.05, control.resume).start()
    assert control.wait_while_paused() > 0.0
