"""The window opens whatever the runs home holds: odd-shaped or absurdly nested manifests are listed
as damaged (with what is wrong), and a run whose writer died shows as interrupted in the Runs tab."""
import json
import os

import pytest

from tests.workbench.records.test_records import event, small
from ui.window.main_window import MainWindow
from workbench.records.run_folder import RunFolder
from workbench.records.run_index import scan

DAMAGED = {
    "trials-5": json.dumps({"kind": "run", "status": "completed", "trials": 5}),
    "final-a-list": json.dumps({"kind": "run", "status": "completed", "trials": [{"final": [1, 2]}]}),
    "epochs-x": json.dumps({"kind": "run", "status": "completed", "trials": [{"epochs_done": "x"}]}),
    "nested": "[" * 100_000 + "]" * 100_000,
}


@pytest.fixture
def home(tmp_path, monkeypatch):
    runs = tmp_path / "runs"
    for name, text in DAMAGED.items():
        (runs / name).mkdir(parents=True)
        (runs / name / "manifest.json").write_text(text)
    dead = RunFolder(runs / "dead-writer", small())
    dead.start_trial(0, 0)
    dead.epoch(event(0))
    os.close(dead.lock._fd)           # the writer dies: the kernel drops its lock, the manifest says running
    dead.lock._fd = None
    monkeypatch.setenv("RCNN_WORKBENCH_RUNS", str(runs))
    monkeypatch.setenv("RCNN_WORKBENCH_SETTINGS", str(tmp_path / "settings.json"))
    return runs


def test_the_run_index_lists_odd_manifests_as_damaged_and_a_dead_writer_as_interrupted(home):
    entries = {e.name: e for e in scan()}
    for name in DAMAGED:
        assert entries[name].status == "damaged" and "manifest.json" in entries[name].problem, name
        assert "\n" not in entries[name].problem
    assert "nested more than" in entries["nested"].problem
    assert entries["dead-writer"].status == "interrupted"


def test_the_window_opens_on_that_runs_home_and_its_runs_tab_says_so(qtbot, home):
    w = MainWindow()
    qtbot.addWidget(w)
    rows = {row["Run"]: row for row in w.run_list.row_texts()}
    assert set(rows) == set(DAMAGED) | {"dead-writer"}
    for name in DAMAGED:
        assert rows[name]["Status"] == "damaged"
    assert rows["dead-writer"]["Status"].startswith("interrupted")
