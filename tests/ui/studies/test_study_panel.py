"""The study panel and the window's one bridge: a grid from the panel, trials live in the table, Stop reaching
worker processes. Every wait is on a condition, never a fixed sleep."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from ui.window.main_window import MainWindow  # noqa: E402
from ui.studies.study_panel import StudyPanel  # noqa: E402
from workbench.core.config import DataSpec, load_preset  # noqa: E402
from workbench.studies.study_file import read_study  # noqa: E402

TIMEOUT = 240_000


def tiny(**train):
    return load_preset("quick", "vanilla").with_(cases=("0", "1"), data=DataSpec("sample", 200, 100)
                                                 ).with_train(**{"epochs": 1, "batch_size": 50, **train})


def test_panel_builds_the_grid_and_says_what_is_wrong_in_one_line(qtbot):
    panel = StudyPanel()
    qtbot.addWidget(panel)
    panel.set_base(tiny().with_(trials=3))
    assert panel.spec().seeds == (0, 1, 2) and panel.spec().archs == ("vanilla",)    # Trials → seeds
    panel.seeds.setText("0-4")
    for i in range(panel.archs.count()):
        if panel.archs.item(i).text() in ("post-a", "vanilla"):
            panel.archs.item(i).setCheckState(Qt.CheckState.Checked)
    panel.axes["learning_rates"].setText("0.001, 0.007")
    spec = panel.spec()
    assert spec.size == 5 * 2 * 2 and set(spec.archs) == {"post-a", "vanilla"}
    assert "20 trial(s)" in panel.summary.text() and panel.run_button.isEnabled()
    panel.axes["learning_rates"].setText("0.001, fast")
    assert "fast" in panel.problem() and not panel.run_button.isEnabled()
    panel.axes["learning_rates"].setText("")
    assert not panel.workers.isEnabled() and panel.options().backend == "local"
    panel.backend.setCurrentText("ray")
    assert panel.workers.isEnabled() and panel.address.isEnabled()
    panel.address.setText("auto")
    assert panel.options().address == "auto" and "at auto" in panel.summary.text()


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("RCNN_WORKBENCH_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("RCNN_WORKBENCH_SETTINGS", str(tmp_path / "settings.ini"))
    for kind in ("critical", "warning", "information"):
        monkeypatch.setattr(QMessageBox, kind, staticmethod(lambda *a, **k: None))
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.controller.shutdown(60_000)


def test_window_runs_a_study_on_worker_processes_live_and_stop_reaches_every_worker(window, qtbot):
    w = window
    w.load_config(tiny(epochs=3).with_(data=DataSpec("sample", 1000, 100)))
    panel = w.study_panel
    panel.seeds.setText("0-1")
    panel.backend.setCurrentText("processes")
    panel.workers.setValue(2)
    steps = []
    w.controller.step.connect(lambda event: steps.append(event.trial))
    w.controller.step.connect(lambda event: w.stop_run() if len(steps) == 1 else None)
    out = w.start_study()
    assert out is not None and w.centre_tabs.currentWidget() is panel
    qtbot.waitUntil(lambda: w.state == "idle" and not w.controller.running and w.last_outcome is not None,
                    timeout=TIMEOUT)
    outcome = w.last_outcome
    assert outcome.status == "stopped", outcome.error
    state = read_study(out)
    assert [t["status"] for t in state["trials"]] == ["stopped", "stopped"]
    assert panel.table.rowCount() == 2
    assert [panel.table.item(r, 3).text() for r in range(2)] == ["stopped", "stopped"]
    assert all(panel.table.item(r, 6).text().startswith(state["trials"][r]["node"]) for r in range(2))
    assert "study stopped" in panel.bar.text()
    for t in state["trials"]:
        manifest = json.loads((Path(out) / t["folder"] / "manifest.json").read_text())
        assert manifest["status"] == "stopped" and manifest["worker"]["backend"] == "processes"


def test_window_runs_a_local_study_and_every_trial_reaches_the_plots(window, qtbot):
    w = window
    w.load_config(tiny())
    w.study_panel.seeds.setText("3,5")
    epochs = []
    w.controller.epoch.connect(lambda event: epochs.append(event.trial))
    appended, whole = [], []
    w.controller.log_append.connect(appended.append)
    w.controller.log.connect(whole.append)
    out = w.start_study()
    qtbot.waitUntil(lambda: w.state == "idle" and not w.controller.running and w.last_outcome is not None,
                    timeout=TIMEOUT)
    assert w.last_outcome.status == "completed", w.last_outcome.error
    assert sorted(epochs) == [0, 1]                      # each trial's curve, tagged with its study index
    # the console gets each finished epoch once, named by its trial, never a trial's whole log per epoch
    assert sorted(chunk.splitlines()[0] for chunk in appended) == ["====== trial-0 · epoch 0 ======",
                                                                   "====== trial-1 · epoch 0 ======"]
    assert not whole
    study = read_study(out)
    assert [e["seed"] for e in study["trials"]] == [3, 5]
    # "local" from the window trains beside it, in one worker process: never in the window's own process
    pids = {json.loads((Path(out) / t["folder"] / "manifest.json").read_text())["worker"]["pid"]
            for t in study["trials"]}
    assert len(pids) == 1 and os.getpid() not in pids
    assert w.study_panel.bar.value() == 1000 and "2/2 trials completed" in w.study_panel.bar.text()
    assert Path(w.run_dir).parent == Path(out)           # the last trial opens like any run
    # the pooled result is ready in its tab, and the Runs tab lists the study once, not its trials
    assert w.centre_tabs.tabText(w.centre_tabs.indexOf(w.study_result)) == "Study result ●"
    assert [r[1] for r in w.study_result.seed_rows()] == ["3", "5"]
    assert [r["Run"] for r in w.run_list.row_texts()] == [Path(out).name]
