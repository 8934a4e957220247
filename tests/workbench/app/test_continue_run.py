"""The window's Continue this run: the engine process resumes a stopped run in its own folder."""
import json

import pytest

pytest.importorskip("pytestqt")

from engine.events import RunControl
from workbench.core.config import DataSpec, load_preset
from workbench.execution.runner import run_experiment
from workbench.records.metrics import read_metrics


def config(epochs):
    return load_preset("quick").with_(arch="vanilla", cases=("0", "1"), data=DataSpec("sample", 50, 25)
                                      ).with_train(epochs=epochs, batch_size=25)


class StopAfterFirstEpoch:
    def __init__(self, control):
        self.control = control

    def on_epoch(self, event, folder):
        self.control.stop()


@pytest.fixture
def stopped(tmp_path):
    control = RunControl()
    out = tmp_path / "run"
    outcome = run_experiment(config(3), out, StopAfterFirstEpoch(control), control, checkpoint_every="1")
    assert outcome.status == "stopped"
    return out


def test_continue_trains_a_stopped_run_on_in_its_own_folder(qtbot, controller, stopped, tmp_path):
    with qtbot.waitSignal(controller.finished, timeout=300_000) as done:
        controller.start(config(3), stopped, resume=True)
    assert done.args[0].status == "completed", done.args[0].error
    manifest = json.loads((stopped / "manifest.json").read_text())
    assert manifest["status"] == "completed" and manifest["resumptions"][0]["from_epoch"] == {"0": 1}
    rows = read_metrics(stopped / "metrics.csv")
    reference = run_experiment(config(3), tmp_path / "reference", checkpoint_every="off")
    assert reference.status == "completed"
    expected = read_metrics(tmp_path / "reference" / "metrics.csv")
    assert [r[:6] for r in map(tuple_of, rows)] == [r[:6] for r in map(tuple_of, expected)]


def test_continue_of_a_run_that_cannot_be_continued_fails_in_one_line_and_changes_nothing(
        qtbot, controller, stopped):
    done_run = stopped.parent / "done"
    assert run_experiment(config(1), done_run, checkpoint_every="1").status == "completed"
    before = (done_run / "manifest.json").read_bytes()
    with qtbot.waitSignal(controller.finished, timeout=300_000) as done:
        controller.start(config(1), done_run, resume=True)
    assert done.args[0].status == "failed" and "already complete" in done.args[0].error
    assert (done_run / "manifest.json").read_bytes() == before


def tuple_of(row):
    return (row.trial, row.case, row.epoch, row.split, row.cost, row.accuracy, row.wall_time_s)
