"""A study's trials continue from their checkpoints: a trial whose worker is SIGKILLed mid-trial is
retried from its last checkpoint, and `study --resume` continues unfinished trials from theirs; the
metrics are those of an undisturbed study."""
from __future__ import annotations

import json

import pytest

from engine.events import RunControl
from workbench.core.config import DataSpec, load_preset
from workbench.execution.study_driver import read_study, resume_study, run_study
from workbench.studies.spec import StudyOptions, StudySpec

from tests.workbench.studies.test_study import KillOnce


def spec():
    base = (load_preset("quick", "vanilla").with_(cases=("0", "1"), data=DataSpec("sample", 200, 100))
            .with_train(epochs=3, batch_size=50))
    return StudySpec.from_config(base, seeds=(0, 1))


def options(checkpoint_every, backend="processes"):
    return StudyOptions(backend, workers=2, threads_per_worker=1, checkpoint_every=checkpoint_every)


def metrics(study):
    """trial -> its metrics.csv without the wall-time column."""
    out = {}
    for e in read_study(study)["trials"]:
        lines = (study / e["folder"] / "metrics.csv").read_text().splitlines()
        out[e["index"]] = [line.rsplit(",", 1)[0] for line in lines]
    return out


@pytest.fixture(scope="module")
def undisturbed(tmp_path_factory):
    out = tmp_path_factory.mktemp("undisturbed") / "study"
    outcome = run_study(spec(), out, options("off"))
    assert outcome.status == "completed", outcome.error
    return out


@pytest.mark.parametrize("backend", ["processes", "ray"])
def test_a_trial_whose_worker_is_killed_is_retried_from_its_checkpoint(undisturbed, tmp_path, backend):
    if backend == "ray":
        pytest.importorskip("ray")
    killer = KillOnce(victim=1, epoch=1)          # after epoch 0's checkpoint
    outcome = run_study(spec(), tmp_path / "s", options("1", backend), killer)
    assert killer.killed and outcome.status == "completed", outcome.error
    # A step of epoch 1 reaches the driver after epoch 0's checkpoint, so the driver held that one when
    # it killed; the worker may have sent epoch 1's too before it died (Ray's events arrive late):
    # the retry continues from the newest checkpoint the driver held when it gave the attempt up.
    assert killer.held_at_kill == [1], killer.held_at_kill
    newest = killer.held_at_retry[-1]
    assert killer.held_at_kill[-1] <= newest < 3
    entry = {t["index"]: t for t in read_study(tmp_path / "s")["trials"]}[1]
    assert entry["attempts"] == 2 and entry["previous_folders"] == [] and entry["resumed_from"] == [newest]
    manifest = json.loads((tmp_path / "s" / "trial-1" / "manifest.json").read_text())
    assert manifest["status"] == "completed"
    assert [r["from_epoch"] for r in manifest["resumptions"]] == [{"0": newest}]
    assert metrics(tmp_path / "s") == metrics(undisturbed)
    assert not (tmp_path / "s" / "trial-1" / "checkpoints").exists()     # a completed trial keeps none


class StopInSecondEpoch:
    def __init__(self, control):
        self.control = control

    def on_step(self, k, event):
        if event.epoch == 1:
            self.control.stop()


def test_a_resumed_study_continues_its_unfinished_trials_from_their_checkpoints(undisturbed, tmp_path):
    control = RunControl()
    first = run_study(spec(), tmp_path / "s", options("1"), StopInSecondEpoch(control), control)
    assert first.status == "stopped"
    second = resume_study(tmp_path / "s", options("1"))
    assert second.status == "completed", second.error
    state = read_study(tmp_path / "s")
    continued = [t for t in state["trials"] if t.get("resumed_from")]
    # Each stopped trial goes on from its own last checkpoint (epoch 1, or 2 for a trial that was ahead).
    assert continued and all(len(t["resumed_from"]) == 1 and t["resumed_from"][0] >= 1
                             and t["previous_folders"] == [] for t in continued)
    assert metrics(tmp_path / "s") == metrics(undisturbed)
