"""The assembled window: panels, start-up, runs through the worker, stop, close, errors, export, settings.

Runs are tiny (offline sample, 200 training / 100 test images, batch 50) and every wait is on a
signal or a condition, never a fixed sleep.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from engine import catalog  # noqa: E402
from ui.config.case_panel import CasePanel  # noqa: E402
from ui.config.data_panel import DataNoisePanel  # noqa: E402
from ui.config.gallery_panel import ArchitectureGallery  # noqa: E402
from ui.window.main_window import MainWindow  # noqa: E402

from tests.ui.screens import run_on_screen  # noqa: E402
from tests.ui.window_doubles import tiny  # noqa: E402
from workbench.core.config import DataSpec, ExperimentConfig, load_preset  # noqa: E402
from workbench.records.metrics import read_metrics  # noqa: E402
from workbench.app.settings_store import CONFIG_KEY, SettingsStore  # noqa: E402

ROOT = Path(__file__).resolve().parents[3]
LOGS = ROOT / "resources" / "published_logs"
RUN_TIMEOUT = 120_000


@pytest.fixture
def dialogs(monkeypatch):
    """Record message boxes instead of opening them (a modal box would block the test)."""
    shown = []
    for kind in ("critical", "warning", "information", "about"):
        monkeypatch.setattr(QMessageBox, kind,
                            staticmethod(lambda parent, title, text, *a, _k=kind, **kw: shown.append((_k, title, text))))

    def question(parent, title, text, *a, **kw):
        shown.append(("question", title, text))
        return QMessageBox.StandardButton.Yes
    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return shown


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch, dialogs):
    monkeypatch.setenv("RCNN_WORKBENCH_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("RCNN_WORKBENCH_SETTINGS", str(tmp_path / "settings.ini"))
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.controller.shutdown(30_000)


def wait_done(qtbot, w, timeout=RUN_TIMEOUT):
    qtbot.waitUntil(lambda: w.state == "idle" and not w.controller.running and w.last_outcome is not None,
                    timeout=timeout)
    return w.last_outcome


# --------------------------------------------------------------------------- building
def test_window_builds_with_all_panels_and_a_first_run_can_press_run(window):
    w = window
    assert isinstance(w.data_panel, DataNoisePanel)
    assert isinstance(w.gallery, ArchitectureGallery)
    assert isinstance(w.case_panel, CasePanel)
    assert w.config_tabs.count() == 4 and w.config_tabs.tabText(3) == "4 · Runs"      # the run list
    assert w.centre_tabs.tabText(2) == "Log" and w.centre_tabs.widget(2) is w.log_view
    assert w.centre_tabs.tabText(4) == "Study" and w.centre_tabs.widget(4) is w.study_panel
    assert w.centre_tabs.tabText(3) == "Gradient flow" and w.centre_tabs.widget(3) is w.gradient_flow
    assert len(w.plots.plots) == 4
    # first run: no settings → the quick preset on the offline sample, ready to run
    assert w.config.preset == "quick" and w.current_config().data.source == "sample"
    assert w.data_panel.source() == "sample"
    assert w.config_problem() is None and w.run_panel.run_button.isEnabled()
    assert "idle" in w.windowTitle()
    names = [a.text() for m in w.menuBar().actions() for a in m.menu().actions()]
    for expected in ("Open configuration…", "Save configuration…", "Save plots (PNG/SVG/CSV)…",
                     "Export run folder…", "Add a published log…", "Re-run this run…", "Run", "Stop",
                     "About RCNN Workbench", "README"):
        assert expected in names


def test_importing_and_opening_the_window_does_not_import_tensorflow(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "RCNN_WORKBENCH_SETTINGS": str(tmp_path / "s.ini"),
           "RCNN_WORKBENCH_REPORT_PAINT": "exit"}
    imported = subprocess.run([sys.executable, "-c", "import sys, ui.window.app, ui.window.main_window; "
                               "print('tensorflow' in sys.modules)"], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=120)
    assert imported.returncode == 0, imported.stderr[-2000:]
    assert imported.stdout.strip() == "False"
    # the real start-up: the window paints (then closes itself) without TensorFlow loaded
    painted = subprocess.run([sys.executable, "main.py"], cwd=ROOT, env=env, capture_output=True, text=True,
                             timeout=120)
    assert painted.returncode == 0, painted.stderr[-2000:]
    line = next(l for l in painted.stdout.splitlines() if l.startswith("first-paint"))
    assert line.split()[2] == "0", "TensorFlow was imported before the window painted"


def test_selecting_an_architecture_changes_the_runs_architecture(window, qtbot, monkeypatch):
    w = window
    other = next(k for k in catalog.keys() if k != w.current_config().arch)
    started = []
    monkeypatch.setattr(w.controller, "start", lambda config, out_dir, **kw: started.append(config))
    qtbot.mouseClick(w.gallery.cards[other], Qt.MouseButton.LeftButton)
    assert w.gallery.selected() == other
    assert w.config_problem() is None
    qtbot.mouseClick(w.run_panel.run_button, Qt.MouseButton.LeftButton)
    assert len(started) == 1 and started[0].arch == other


def test_a_preset_loads_every_panel_for_the_current_architecture(window):
    w = window
    w.case_panel.preset_requested.emit("post-a")
    expected = load_preset("post-a", w.current_config().arch)
    got = w.current_config()
    assert got.preset == "post-a" and got.train == expected.train and got.cases == expected.cases


def test_invalid_field_values_disable_run_with_the_reason(window):
    w = window
    w.case_panel.epochs.setText("0")           # typed as a user would
    assert not w.run_panel.run_button.isEnabled()
    assert w.run_panel.problem_label.isVisibleTo(w) and "epochs" in w.run_panel.problem_label.text().lower()
    assert w.start_run() is None
    w.case_panel.epochs.setText("2")
    assert w.run_panel.run_button.isEnabled() and w.config_problem() is None
    assert w.current_config().train.epochs == 2


# ----------------------------------------------------------------------------- runs
def test_a_tiny_run_puts_points_on_every_plot_and_fills_the_results(window, qtbot):
    w = window
    w.load_config(tiny())
    steps = []
    w.controller.step.connect(steps.append)
    out = w.start_run()
    assert out is not None and out.parent == Path(os.environ["RCNN_WORKBENCH_RUNS"])
    assert w.run_config.cases == ("0", "1")
    qtbot.waitUntil(lambda: "running" in w.windowTitle(), timeout=RUN_TIMEOUT)
    outcome = wait_done(qtbot, w)
    assert outcome.status == "completed", outcome.error
    w.plots.refresh_now()
    for p in range(4):
        for key in ("0", "1"):
            assert len(w.plots.curve_points(p, key)[0]) >= 1, (p, key)
    assert steps, "intra-epoch step events reached the window"
    assert len(w.plots.curve_points(0, "0")[0]) > 1       # steps + epoch on the training plot
    assert "----- Case 1 -------" in w.log_view.text()      # the final transparency.txt, in its own tab
    assert w.results.cases() == ["0", "1"] and w.results.tile_count() > 0
    assert "completed" in w.windowTitle()
    assert (out / "metrics.csv").exists() and (out / "predictions.npz").exists()
    # The tests hide every GPU (CUDA_VISIBLE_DEVICES=""): the status bar names the CPU, from the manifest.
    assert w.device_label.text() == "CPU" and "CPU" in w.device_label.toolTip()
    assert w.statusBar().currentMessage().startswith("Run completed on CPU: ")


def test_stop_ends_a_run_as_stopped_and_keeps_every_finished_epoch(window, qtbot):
    w = window
    w.load_config(tiny(epochs=100))
    finished = []                                   # the epochs the window was told had finished
    w.controller.epoch.connect(lambda e: finished.append(e.epoch))
    out = w.start_run()
    qtbot.waitUntil(lambda: len(set(finished)) >= 2, timeout=RUN_TIMEOUT)
    qtbot.mouseClick(w.run_panel.stop_button, Qt.MouseButton.LeftButton)
    outcome = wait_done(qtbot, w)
    assert outcome.status == "stopped"
    rows = read_metrics(out / "metrics.csv")
    epochs = {r.epoch for r in rows}
    assert epochs == set(finished) and {0, 1} <= epochs      # every finished epoch kept, none invented
    assert max(epochs) < 99                                   # it ended because of Stop, not at its end
    assert len(rows) == 4 * len(epochs)                       # 2 cases × train/test, whole epochs only
    assert w.plots.kept_epochs() == len(epochs)               # the plots keep what the folder keeps
    assert json.loads((out / "manifest.json").read_text())["status"] == "stopped"
    assert "stopped" in w.windowTitle()


def test_pause_and_resume_from_the_buttons(window, qtbot):
    """Pause: the state, button and title say paused and no more steps come (beyond the one under way);
    Resume: steps come again. The pause is watched for as long as the running engine took for several
    steps (counted in ticks of the plots' timer, so a loaded machine stretches both alike)."""
    w = window
    w.load_config(tiny(epochs=100))
    steps = []
    w.controller.step.connect(steps.append)
    w.start_run()
    # after the first step: the step function is compiled, so Stop below is not waiting for a compilation
    qtbot.waitUntil(lambda: w.state == "running" and bool(steps) and w.run_panel.pause_button.isEnabled(),
                    timeout=RUN_TIMEOUT)
    ticks, n = w.plots.tick_count, len(steps)
    qtbot.waitUntil(lambda: len(steps) >= n + 4, timeout=RUN_TIMEOUT)
    ticks_for_4_steps = max(3, w.plots.tick_count - ticks)

    qtbot.mouseClick(w.run_panel.pause_button, Qt.MouseButton.LeftButton)
    at_pause = len(steps)
    assert w.state == "paused" and w.controller.paused and "paused" in w.windowTitle()
    assert w.run_panel.pause_button.text().endswith("Resume")
    watch_until = w.plots.tick_count + 3 * ticks_for_4_steps    # a run that ignored Pause sends ~12 steps here
    qtbot.waitUntil(lambda: w.plots.tick_count >= watch_until, timeout=RUN_TIMEOUT)
    assert len(steps) - at_pause <= 2, "steps went on while paused"   # one being computed, one on its way
    assert w.state == "paused" and "paused" in w.windowTitle()

    qtbot.mouseClick(w.run_panel.pause_button, Qt.MouseButton.LeftButton)
    assert w.state == "running" and not w.controller.paused and "paused" not in w.windowTitle()
    assert not w.run_panel.pause_button.text().endswith("Resume")
    resumed = len(steps)
    qtbot.waitUntil(lambda: len(steps) >= resumed + 2, timeout=RUN_TIMEOUT)    # training goes on
    w.stop_run()
    assert wait_done(qtbot, w).status == "stopped"


def test_closing_the_window_mid_run_leaves_no_thread_running(window, qtbot):
    w = window
    w.load_config(tiny(epochs=100))
    out = w.start_run()
    qtbot.waitUntil(lambda: len(w.plots.curves.rows) > 0, timeout=RUN_TIMEOUT)
    thread = w.controller._thread
    assert thread is not None and thread.isRunning()
    w.close()
    assert thread.isFinished() and not thread.isRunning()
    assert not w.controller.running
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "stopped" and manifest["trials"][0]["epochs_done"] >= 1
    assert read_metrics(out / "metrics.csv")


def test_an_engine_error_shows_a_dialog_and_the_manifest_says_failed(window, qtbot, monkeypatch, dialogs, tmp_path):
    w = window
    bad = tiny().with_(data=DataSpec(str(tmp_path / "missing.npz"), train_limit=200, test_limit=100))
    monkeypatch.setattr(w, "current_config", lambda: bad)
    out = w.start_run()
    outcome = wait_done(qtbot, w)
    assert outcome.status == "failed"
    errors = [d for d in dialogs if d[0] == "critical"]
    assert len(errors) == 1 and "missing.npz" in errors[0][2] and "\n" not in errors[0][2]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "failed" and "missing.npz" in manifest["error"]
    assert "failed" in w.windowTitle()


# --------------------------------------------------------------- files and settings
@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """One tiny completed run, trained without the window (shared by the file tests)."""
    from workbench.execution.runner import run_experiment
    out = tmp_path_factory.mktemp("finished") / "run"
    outcome = run_experiment(tiny(cases=("0", "2")), out)
    assert outcome.status == "completed", outcome.error
    return out


def test_export_writes_png_svg_configuration_and_run_folder(window, finished_run, tmp_path):
    w = window
    w.open_run(finished_run)
    assert all(len(w.plots.curve_points(p, "2")[0]) for p in range(4))
    png, = w.save_plots(tmp_path / "plots.png")
    svg, = w.save_plots(tmp_path / "plots.svg")
    assert png.read_bytes()[:4] == b"\x89PNG" and "<svg" in svg.read_text()
    both = w.save_plots(tmp_path / "both")
    assert {p.suffix for p in both} == {".png", ".svg", ".csv"} and all(p.exists() for p in both)
    config_path = w.save_configuration(tmp_path / "config.json")
    assert ExperimentConfig.load(config_path) == w.current_config()
    copy = w.export_run_folder(tmp_path / "export")
    for name in ("manifest.json", "metrics.csv", "transparency.txt", "predictions.npz"):
        assert (copy / name).read_bytes() == (finished_run / name).read_bytes()
    zipped = w.export_zip(tmp_path / "run.zip")
    csv_path = w.export_csv(tmp_path / "long.csv")
    assert zipped.stat().st_size > 0 and csv_path.read_text().startswith("run,")


@pytest.mark.parametrize("kind, suffix", [("zip", ".zip"), ("csv", "-metrics.csv")])
def test_export_menu_offers_a_named_file_writes_it_and_says_so(window, finished_run, tmp_path, monkeypatch,
                                                                dialogs, kind, suffix):
    w = window
    w.open_run(finished_run)
    offered = []

    def save_dialog(parent, title, start, filter_):
        offered.append(Path(start).name)
        return str(tmp_path / f"out{suffix}"), filter_
    monkeypatch.setattr("ui.window.files.QFileDialog.getSaveFileName", save_dialog)
    getattr(w, f"_ask_export_{kind}")()
    assert offered == [f"{finished_run.name}{suffix}"]
    assert (tmp_path / f"out{suffix}").stat().st_size > 0 and not dialogs
    assert str(tmp_path / f"out{suffix}") in w.statusBar().currentMessage()
    monkeypatch.setattr("ui.window.files.QFileDialog.getSaveFileName",
                        lambda *a: (str(finished_run / f"again{suffix}"), ""))   # into the run folder: refused
    getattr(w, f"_ask_export_{kind}")()
    assert len(dialogs) == 1 and dialogs[0][0] == "critical" and "\n" not in dialogs[0][2]
    assert not (finished_run / f"again{suffix}").exists()


def test_open_configuration_loads_every_panel(window, tmp_path):
    w = window
    config = tiny(cases=("2", "5")).with_train(seed=11, learning_rate=0.002)
    config.save(tmp_path / "c.json")
    w.open_configuration(tmp_path / "c.json")
    got = w.current_config()
    assert got.cases == ("2", "5") and got.train.seed == 11 and got.train.learning_rate == 0.002
    assert w.case_panel.selected_cases() == ("2", "5")


def test_the_last_configuration_is_restored_on_start(qtbot, tmp_path, monkeypatch, dialogs):
    monkeypatch.setenv("RCNN_WORKBENCH_SETTINGS", str(tmp_path / "s.ini"))
    first = MainWindow()
    qtbot.addWidget(first)
    first.load_config(tiny(cases=("3", "4")).with_train(seed=5))
    first.close()
    second = MainWindow()
    qtbot.addWidget(second)
    assert second.current_config().cases == ("3", "4") and second.current_config().train.seed == 5
    # a corrupted value falls back to the defaults instead of crashing
    store = SettingsStore(tmp_path / "s.ini")
    store.set_value(CONFIG_KEY, "{broken")
    store.sync()
    third = MainWindow()
    qtbot.addWidget(third)
    assert third.current_config().preset == "quick" and third.config_problem() is None


def test_compare_with_a_published_log_draws_dashed_reference_curves(window, finished_run):
    w = window
    w.open_run(finished_run)
    log = w.compare_with_log(LOGS / "Transparcy2.txt")
    assert w.plots.reference_cases == sorted(log.cases)
    assert w.plots.overlays[0].items[(3, "2")].isVisible()
    assert "published" in w.plots.legend_entry("published").text
    # Post A logged per-batch sums over 1000 images: drawn at this run's batch size.
    batch = json.loads((finished_run / "manifest.json").read_text())["config"]["train"]["batch_size"]
    assert batch != 1000 and f"cost × {batch}/1000" in w.plots.legend_entry("published").text


def test_rerun_reports_a_match(window, qtbot, finished_run, dialogs):
    w = window
    w.open_run(finished_run)
    out = w.rerun_current()
    assert out is not None
    asked = [text for kind, _t, text in dialogs if kind == "question"]
    assert asked and finished_run.name in asked[-1]         # re-running asks first and names the run
    wait_done(qtbot, w)
    report = w.last_rerun_report
    assert report is not None and report.match, report.message
    assert any(kind == "information" and "match" in text for kind, _t, text in dialogs)


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="per-thread nice values are a Linux feature")
@pytest.mark.parametrize("setting,expected", [(None, 10), ("0", 0), ("25", 19)])
def test_training_runs_at_a_lower_cpu_priority_than_the_window(monkeypatch, setting, expected):
    import threading
    from workbench.app.worker import TRAIN_NICE_ENV, lower_training_priority
    if setting is None:
        monkeypatch.delenv(TRAIN_NICE_ENV, raising=False)
    else:
        monkeypatch.setenv(TRAIN_NICE_ENV, setting)
    base = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    seen = {}

    def worker():
        seen["applied"] = lower_training_priority()
        seen["nice"] = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen["applied"] == expected
    assert seen["nice"] == min(19, base + expected) if expected else seen["nice"] == base
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == base   # the GUI thread keeps its own


def test_help_about_names_the_package_version_and_the_runs_home(window):
    from workbench.core.version import app_version
    text = window.about_text()
    assert f"RCNN Workbench {app_version()}" in text and os.environ["RCNN_WORKBENCH_RUNS"] in text
    assert window.about_action.text() == "About RCNN Workbench"


# ------------------------------------------------------------------- the window as an instrument
SCREEN_PROBE = """
import json, sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
from ui.window.main_window import MainWindow
w = MainWindow()
w.show()
app.processEvents()
free = w.screen().availableGeometry()
frame = w.frameGeometry()
run = w.run_panel.run_button
corner = run.mapTo(w, run.rect().bottomRight())
progress = w.run_panel.progress
pcorner = progress.mapTo(w, progress.rect().bottomRight())
print(json.dumps({"free": [free.x(), free.y(), free.width(), free.height()],
                  "frame": [frame.x(), frame.y(), frame.width(), frame.height()],
                  "size": [w.width(), w.height()], "run_corner": [corner.x(), corner.y()],
                  "progress_corner": [pcorner.x(), pcorner.y()], "visible": run.isVisible()}), flush=True)
w.close()
w.deleteLater()
app.processEvents()
"""


@pytest.mark.parametrize("screen", [(1366, 768), (1920, 1080)])
def test_the_window_fits_the_screen_it_opens_on(tmp_path, screen):
    got = run_on_screen(tmp_path, screen, SCREEN_PROBE)
    fx, fy, fw, fh = got["frame"]
    ax, ay, aw, ah = got["free"]
    assert (ax, ay, aw, ah) == (0, 0, *screen)
    assert ax <= fx and ay <= fy and fx + fw <= ax + aw and fy + fh <= ay + ah, got
    w, h = got["size"]
    assert got["visible"] and got["run_corner"][0] <= w and got["run_corner"][1] <= h      # Run is on screen
    assert got["progress_corner"][0] <= w and got["progress_corner"][1] <= h
    assert (w, h) == (aw, ah - 32)         # fills the free area, less the window manager's title bar


def test_run_pause_and_stop_from_the_keyboard(window, qtbot):
    w = window
    w.load_config(tiny(epochs=100))
    keys = {a: [s.toString() for s in a.shortcuts()] for a in (w.run_action, w.pause_action, w.stop_action)}
    assert keys[w.run_action][0] == "F5"
    assert keys[w.pause_action] == ["Space", "Ctrl+P"] and keys[w.stop_action] == ["Esc", "Ctrl+."]
    w.activateWindow()
    qtbot.keyClick(w, Qt.Key.Key_F5)
    assert w.state == "starting" and w.controller.running
    qtbot.waitUntil(lambda: w.state == "running", timeout=RUN_TIMEOUT)
    qtbot.keyClick(w, Qt.Key.Key_Space)
    assert w.state == "paused" and w.controller.paused
    qtbot.keyClick(w, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert w.state == "running" and not w.controller.paused
    assert w.run_panel.status_label.text().startswith("Training")       # the status follows Resume at once
    qtbot.keyClick(w, Qt.Key.Key_Escape)
    assert wait_done(qtbot, w, timeout=RUN_TIMEOUT).status == "stopped"


def test_pause_pressed_while_the_engine_starts_is_honoured(window, qtbot):
    w = window
    w.load_config(tiny(epochs=100))
    steps, statuses = [], []
    w.controller.step.connect(steps.append)
    w.controller.status.connect(statuses.append)
    w.start_run()
    assert w.state == "starting" and w.run_panel.pause_button.isEnabled()
    qtbot.mouseClick(w.run_panel.pause_button, Qt.MouseButton.LeftButton)
    assert w.state == "paused" and w.controller.paused
    qtbot.waitUntil(lambda: "training" in statuses, timeout=RUN_TIMEOUT)    # the trainer is built ...
    qtbot.wait(300)
    assert steps == [] and w.state == "paused"                                # ... and waits before its first step
    qtbot.mouseClick(w.run_panel.pause_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(steps) > 0, timeout=RUN_TIMEOUT)
    w.stop_run()
    assert wait_done(qtbot, w, timeout=RUN_TIMEOUT).status == "stopped"


def test_closing_mid_run_asks_first(window, qtbot, dialogs, monkeypatch):
    w = window
    w.load_config(tiny(epochs=100))
    w.start_run()
    qtbot.waitUntil(lambda: w.state == "running", timeout=RUN_TIMEOUT)
    monkeypatch.setattr(QMessageBox, "question", staticmethod(
        lambda *a, **k: (dialogs.append(("question", a[1], a[2])), QMessageBox.StandardButton.No)[1]))
    w.close()
    assert dialogs[-1][0] == "question" and "still training" in dialogs[-1][2]
    assert w.controller.running and w.isVisible()            # "No" keeps the run and the window
    w.stop_run()
    assert wait_done(qtbot, w, timeout=RUN_TIMEOUT).status == "stopped"


def test_opening_a_run_updates_everything_that_shows_a_run(window, qtbot, finished_run):
    w = window
    w.load_config(tiny(epochs=1))
    w.start_run()
    wait_done(qtbot, w)
    w.open_run(finished_run)
    assert str(finished_run) in w.run_panel.folder_label.text()
    assert w.run_panel.progress.format().startswith("opened run · completed")
    assert "----- Case 2 -------" in w.log_view.text()
    assert finished_run.name in w.windowTitle()
    assert w.results.cases() == ["0", "2"]
    assert "Run run (completed): architecture post-a" in w.plots.caption_text()


def test_the_run_list_overlays_two_runs(window, qtbot, finished_run, tmp_path):
    import shutil
    w = window
    second = tmp_path / "copied" / "second-run"
    shutil.copytree(finished_run, second)
    w.run_list.add_folder(finished_run.parent)
    w.run_list.add_folder(second.parent)
    names = [e.name for e in w.run_list.entries]
    assert "run" in names and "second-run" in names
    entry = next(e for e in w.run_list.entries if e.name == "second-run")
    assert entry.arch == "post-a" and entry.status == "completed" and entry.cases == ("0", "2")
    assert entry.accuracy_text()
    w.run_list.set_ticked(finished_run, True)
    w.run_list.set_ticked(second, True)
    labels = [o.label for o in w.plots.overlays if o.kind == "run"]
    assert labels == sorted(labels, key=lambda n: names.index(n)) and set(labels) == {"run", "second-run"}
    assert len({o.dash for o in w.plots.overlays}) == 2
    assert all(w.plots.legend_entry(f"overlay:{i}") is not None for i in range(2))
    w.run_list.set_ticked(second, False)
    assert [o.label for o in w.plots.overlays] == ["run"]


def test_a_claims_report_in_the_run_list_opens_in_the_browser(window, tmp_path, monkeypatch):
    import json
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QDesktopServices
    w = window
    folder = tmp_path / "reports" / "claims-quick"
    folder.mkdir(parents=True)
    (folder / "report.html").write_text("<html></html>")
    (folder / "claims.json").write_text(json.dumps({"kind": "claims-report", "scale": {"name": "quick"},
                                                    "claims": [{"results": [{"verdict": "supported"}]}]}))
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True)
    w.run_list.add_folder(folder.parent)
    runs = w.run_list
    row = runs.runs.row_of(folder)
    assert not runs.model.flags(runs.model.index(row, 0)) & Qt.ItemFlag.ItemIsUserCheckable   # never overlaid
    assert runs.runs.text(row, "status") == "1 supported"
    runs.select(folder)
    runs.open_selected()
    assert opened == [str(folder / "report.html")]


def test_a_published_log_of_another_architecture_is_flagged(window, finished_run):
    w = window
    w.open_run(finished_run)
    w.compare_with_log(LOGS / "Transparcy2.txt")
    w.compare_with_log(LOGS / "casea.txt")                     # post B, vanilla: not this post-A run
    labels = [o.label for o in w.plots.overlays]
    assert len(labels) == 2 and "Transparcy2.txt" in labels[0] and "casea.txt" in labels[1]
    assert not w.plots.overlays[0].warning
    assert "vanilla" in w.plots.overlays[1].warning and w.plots.legend_entry("overlay:1").text.startswith("⚠")
    assert w.plots.y_mode == "clip" and "vanilla" in w.plots.note_label.text()


def test_help_has_the_readme_and_the_shortcuts(window, dialogs):
    assert window.readme_path() is not None and window.readme_path().name == "README.md"
    window.shortcuts_action.trigger()
    kind, _title, text = dialogs[-1]
    assert "Run: F5" in text and "Pause: Space or Ctrl+P" in text and "Stop: Esc or Ctrl+." in text
