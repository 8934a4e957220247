"""A trainer's state: train, take state(), restore it into a fresh trainer, train on == never stopped."""
import json
import math

import numpy as np
import pytest

from engine import catalog
from engine.cases import Case, parse_connections, resolve_cases
from engine.data import load_dataset
from engine.events import RunControl
from engine.noise import POST_A_SCHEDULE
from engine.settings import TrainSettings
from engine.trainer import LockstepTrainer, enable_determinism

enable_determinism()
DATA = load_dataset("sample", train_limit=50, test_limit=25)
ARCHS = {}

# (architecture, cases): post A with a manual, the autodiff and a dilated case; post B's vanilla RCNN.
SETUPS = [("post-a", ["0", "1", "2"]), ("vanilla", ["0", "1", "3"])]


class Recorder:
    def __init__(self):
        self.epochs = []

    def on_step(self, event):
        pass

    def on_epoch(self, event):
        self.epochs.append(event)


def trainer(arch_key, cases, semantics, epochs, custom=(), **settings):
    if arch_key not in ARCHS:
        ARCHS[arch_key] = catalog.build(arch_key)
    arch = ARCHS[arch_key]
    s = TrainSettings(epochs=epochs, batch_size=25, learning_rate=0.003, seed=5, semantics=semantics, **settings)
    schedule = POST_A_SCHEDULE if arch_key == "post-a" else arch.description.default_noise
    return LockstepTrainer(arch, resolve_cases(cases, custom), s, DATA, schedule)


def as_plain_data(state):
    """What a checkpoint keeps: the facts through JSON, the arrays copied."""
    return {"arrays": {n: np.array(a) for n, a in state["arrays"].items()},
            "facts": json.loads(json.dumps(state["facts"]))}


def rows(recorder):
    return [(e.epoch, k, m.train_cost, m.train_accuracy, m.test_cost, m.test_accuracy, m.diverged)
            for e in recorder.epochs for k, m in sorted(e.metrics.items())]


def weights(t):
    return {n: v.numpy() for n, v in t.variables().items()}


@pytest.mark.parametrize("semantics", ["corrected", "as-published"])
@pytest.mark.parametrize("arch_key,cases", SETUPS)
def test_one_epoch_then_restore_then_two_more_is_bit_identical_to_three(arch_key, cases, semantics):
    whole, whole_rec = trainer(arch_key, cases, semantics, 3), Recorder()
    whole_result = whole.run(whole_rec)

    first, first_rec = trainer(arch_key, cases, semantics, 1), Recorder()
    first.run(first_rec)
    state = as_plain_data(first.state())
    rest, rest_rec = trainer(arch_key, cases, semantics, 3), Recorder()   # extend: trained to 3 epochs
    rest.restore(state)
    rest_result = rest.run(rest_rec)

    if semantics == "as-published":
        assert any(n.startswith("slots/") for n in rest.variables()), "the stale state is part of the state"
    assert [e.epoch for e in rest_rec.epochs] == [1, 2]
    assert rows(first_rec) + rows(rest_rec) == rows(whole_rec)
    ours, theirs = weights(rest), weights(whole)
    assert set(ours) == set(theirs)
    for name in ours:
        assert np.array_equal(ours[name], theirs[name], equal_nan=True), name
    assert rest_result.final == whole_result.final
    assert rest_result.epochs_done == whole_result.epochs_done == 3
    assert rest_result.test_predictions == whole_result.test_predictions
    assert rest_rec.epochs[-1].progress.done_steps == whole_rec.epochs[-1].progress.done_steps


def test_every_generator_continues_where_it_was():
    t = trainer("post-a", ["0"], "corrected", 1)
    t.run(Recorder())
    state = as_plain_data(t.state())
    expected = {n: g.integers(2**62) for n, g in t.generators().items()}
    fresh = trainer("post-a", ["0"], "corrected", 1)
    fresh.restore(state)
    assert {n: g.integers(2**62) for n, g in fresh.generators().items()} == expected


def test_a_diverged_member_stays_out_after_restore():
    boom = [Case("boom", "boom", "#888888", "manual", parse_connections("1<g3*1e38"))]
    t = trainer("post-a", ["0", "boom"], "corrected", 1, boom)
    t.run(Recorder())
    assert t.active == ["0"] and "boom" in t.diverged_at
    fresh = trainer("post-a", ["0", "boom"], "corrected", 2, boom)
    fresh.restore(as_plain_data(t.state()))
    rec = Recorder()
    result = fresh.run(rec)
    assert fresh.active == ["0"]
    assert [set(e.metrics) for e in rec.epochs] == [{"0"}]
    assert result.diverged_at == {"boom": 0} and math.isfinite(result.final["0"].train_cost)


def test_a_state_from_another_trainer_is_refused():
    t = trainer("post-a", ["0", "1"], "corrected", 1)
    state = t.state()
    with pytest.raises(ValueError, match="members"):
        trainer("post-a", ["0", "2"], "corrected", 1).restore(state)
    with pytest.raises(ValueError, match="quirks"):
        trainer("post-a", ["0", "1"], "as-published", 1).restore(state)


def test_a_trainer_stopped_within_an_epoch_has_no_state():
    t = trainer("post-a", ["0"], "corrected", 2)
    control = RunControl()

    class StopAtFirstStep(Recorder):
        def on_step(self, event):
            control.stop()

    assert t.run(StopAtFirstStep(), control).status == "stopped"
    with pytest.raises(RuntimeError, match="within an epoch"):
        t.state()
