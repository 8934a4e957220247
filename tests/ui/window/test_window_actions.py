"""Every menu action of the window, triggered as a user does, checked by what it does.

File dialogs and message boxes are answered by replacing QFileDialog's and QMessageBox's static
methods; training is replaced by a recorder where an action would start a run (the runs themselves
are tested in test_main_window.py). An action wired to a slot that cannot take its `checked`
argument, or to nothing, fails here.
"""
from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from engine.cases import PUBLISHED_CASES  # noqa: E402
from engine.events import EpochEvent, Progress  # noqa: E402
from workbench.core.config import ExperimentConfig  # noqa: E402

from tests.ui.window.test_main_window import LOGS, dialogs, window  # noqa: E402,F401 (fixtures)
from tests.ui.window_doubles import RecordingController, answer, fake_run, gradient_record, tiny  # noqa: E402,F401


def action(w, text: str):
    found = [a for menu in (w.menuBar().actions()) for a in menu.menu().actions() if a.text() == text]
    assert len(found) == 1, f"no single menu action {text!r}"
    return found[0]


def test_every_menu_action_is_covered_here(window):
    """A new menu action without a test below fails this list."""
    texts = {a.text() for menu in window.menuBar().actions() for a in menu.menu().actions() if a.text()}
    assert texts == {"Open configuration…", "Save configuration…", "Open run folder…", "Save plots (PNG/SVG/CSV)…",
                     "Export run folder…", "Export run as ZIP…", "Export metrics as one CSV…", "Quit", "Run",
                     "Pause", "Stop", "Continue this run", "Add a published log…", "Remove published curves", "Re-run this run…",
                     "Check the published claims…", "README", "Keyboard shortcuts", "About RCNN Workbench"}


def test_open_and_save_configuration(window, answer, tmp_path):
    w = window
    tiny(cases=("2", "5")).with_train(seed=11).save(tmp_path / "c.json")
    answer(getOpenFileName=tmp_path / "c.json")
    action(w, "Open configuration…").trigger()
    assert w.current_config().train.seed == 11 and w.current_config().cases == ("2", "5")
    answer(getSaveFileName=tmp_path / "saved.json")
    action(w, "Save configuration…").trigger()
    assert ExperimentConfig.load(tmp_path / "saved.json") == w.current_config()


def test_open_run_folder_shows_that_run_everywhere_the_gradient_flow_too(window, answer, tmp_path):
    w = window
    w.gradient_flow.begin_run([PUBLISHED_CASES["0"]])          # a previous run's gradient flow
    w.gradient_flow.add_epoch(EpochEvent(0, 0, {}, (), Progress(1, 1, 1.0, None), 1.0,
                                         gradients={"0": gradient_record(1000.0)}))
    w.gradient_flow.redraw()
    run = fake_run(tmp_path / "runs-elsewhere" / "shown")
    answer(getExistingDirectory=run)
    action(w, "Open run folder…").trigger()
    assert "shown" in w.windowTitle()
    x, y = w.gradient_flow.curve_data("0")
    assert list(y) == [10.0, 20.0, 30.0, 40.0]                  # this run's last epoch, not the 1000s
    bare = fake_run(tmp_path / "runs-elsewhere" / "bare", gradient_scale=None)
    answer(getExistingDirectory=bare)
    action(w, "Open run folder…").trigger()
    assert "bare" in w.windowTitle()
    _x, y = w.gradient_flow.curve_data("0")
    assert (y is None or len(y) == 0) and w.gradient_flow.empty.isVisibleTo(w.gradient_flow)


def test_save_plots_and_the_three_exports(window, answer, tmp_path, dialogs):
    w = window
    w.open_run(fake_run(tmp_path / "r" / "run"))
    answer(getSaveFileName=tmp_path / "plots.png")
    action(w, "Save plots (PNG/SVG/CSV)…").trigger()
    assert (tmp_path / "plots.png").read_bytes()[:4] == b"\x89PNG"
    answer(getExistingDirectory=tmp_path / "copies")
    (tmp_path / "copies").mkdir()
    action(w, "Export run folder…").trigger()
    assert (tmp_path / "copies" / "run" / "manifest.json").is_file()
    answer(getSaveFileName=tmp_path / "run.zip")
    action(w, "Export run as ZIP…").trigger()
    assert (tmp_path / "run.zip").read_bytes()[:2] == b"PK"
    answer(getSaveFileName=tmp_path / "long.csv")
    action(w, "Export metrics as one CSV…").trigger()
    assert (tmp_path / "long.csv").read_text().startswith("run,")
    assert not dialogs


def test_quit_closes_the_window(window):
    action(window, "Quit").trigger()
    assert not window.isVisible()


@pytest.fixture
def recorder(window):
    real = window.controller
    window.controller = RecordingController(real)
    yield window.controller
    window.controller = real


def test_run_pause_resume_and_stop_from_the_menu(window, recorder):
    w = window
    w.load_config(tiny())
    action(w, "Run").trigger()
    assert recorder.calls[0][0] == "start" and w.state == "starting"
    action(w, "Pause").trigger()
    assert recorder.calls[-1] == ("pause",) and w.state == "paused"
    action(w, "Resume").trigger()
    assert recorder.calls[-1] == ("resume",) and w.state == "starting"
    action(w, "Stop").trigger()
    assert recorder.calls[-1] == ("stop",) and w.state == "stopping"


def test_rerun_asks_first_and_naming_the_run(window, recorder, tmp_path, monkeypatch):
    w = window
    w.open_run(fake_run(tmp_path / "r" / "to-rerun"))
    asked = []
    monkeypatch.setattr(w, "confirm", lambda title, text: asked.append(text) or False)
    action(w, "Re-run this run…").trigger()
    assert len(asked) == 1 and "to-rerun" in asked[0]
    assert recorder.calls == []                                   # answered No: nothing started


def test_continue_this_run_is_offered_for_a_stopped_run_with_checkpoints_and_starts_it_in_place(
        window, recorder, tmp_path):
    import json
    w = window
    finished = fake_run(tmp_path / "r" / "finished")
    (finished / "checkpoints").mkdir()
    w.open_run(finished)
    assert not action(w, "Continue this run").isEnabled()           # completed: nothing to continue
    stopped = fake_run(tmp_path / "r" / "stopped")
    manifest = json.loads((stopped / "manifest.json").read_text())
    (stopped / "manifest.json").write_text(json.dumps({**manifest, "status": "stopped"}))
    w.open_run(stopped)
    assert not action(w, "Continue this run").isEnabled()           # no checkpoint
    (stopped / "checkpoints").mkdir()
    w.open_run(stopped)
    assert action(w, "Continue this run").isEnabled()
    action(w, "Continue this run").trigger()
    assert recorder.calls == [("start", stopped, {"resume": True})]   # asked nothing, into its own folder
    assert w.plots.kept_epochs() == 0                                # nothing shown until the folder is cut back
    recorder.real.started.emit(str(stopped))                         # the engine has cut it back and starts
    assert w.plots.kept_epochs() == 2                                # the epochs it keeps are drawn, then live ones
    w.plots.refresh_now()
    assert w.plots.epoch_points(3, "0")[1].tolist() == [0.5, 0.6]    # test accuracy of epochs 0 and 1


def test_add_and_remove_published_logs(window, answer, tmp_path):
    w = window
    w.open_run(fake_run(tmp_path / "r" / "run"))
    answer(getOpenFileName=LOGS / "Transparcy2.txt")
    action(w, "Add a published log…").trigger()
    assert [o.kind for o in w.plots.overlays] == ["published"]
    action(w, "Remove published curves").trigger()
    assert w.plots.overlays == []


def test_claims_readme_shortcuts_and_about(window, dialogs, monkeypatch):
    from PySide6.QtGui import QDesktopServices
    w = window
    action(w, "Check the published claims…").trigger()
    assert w.claims_dialog.isVisible()
    w.claims_dialog.close()
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url.toLocalFile())))
    action(w, "README").trigger()
    assert opened and opened[0].endswith("README.md")
    action(w, "Keyboard shortcuts").trigger()
    assert dialogs[-1][0] == "information" and "F5" in dialogs[-1][2]
    action(w, "About RCNN Workbench").trigger()
    assert dialogs[-1][0] == "about" and "RCNN Workbench" in dialogs[-1][2]


@pytest.mark.parametrize("log, said", [("Transparcy2.txt", "9 points over epochs 0–800"), ("casea.txt", "31 epochs")])
def test_adding_a_published_log_says_which_epochs_it_has(window, answer, tmp_path, log, said):
    """The post-A log printed every 100th epoch: it is not '9 epochs'."""
    w = window
    w.open_run(fake_run(tmp_path / "r" / "run"))
    answer(getOpenFileName=LOGS / log)
    action(w, "Add a published log…").trigger()
    message = w.statusBar().currentMessage()
    assert said in message and "9 epochs" not in message


def test_removing_the_logs_undoes_the_clipped_y_axis_they_switched_on(window, answer, tmp_path):
    w = window
    w.open_run(fake_run(tmp_path / "r" / "run"))                       # a post-A run
    answer(getOpenFileName=LOGS / "casea.txt")                         # a post-B log: flagged, y clipped
    action(w, "Add a published log…").trigger()
    assert w.plots.y_mode == "clip" and w.plots.y_box.currentData() == "clip"
    action(w, "Remove published curves").trigger()
    assert w.plots.y_mode == "linear" and w.plots.y_box.currentData() == "linear"
    w.plots.y_box.setCurrentIndex(w.plots.y_box.findData("clip"))     # the user's own choice stays
    action(w, "Add a published log…").trigger()
    action(w, "Remove published curves").trigger()
    assert w.plots.y_mode == "clip"
