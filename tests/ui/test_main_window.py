"""The assembled window: panels, start-up, runs through the worker, stop, close, errors, export, settings.

Runs are tiny (offline sample, 200 training / 100 test images, batch 50) and every wait is on a
signal or a condition, never a fixed sleep.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QMessageBox  # noqa: E402

from engine import catalog  # noqa: E402
from ui.case_panel import CasePanel  # noqa: E402
from ui.data_panel import DataNoisePanel  # noqa: E402
from ui.gallery_panel import ArchitectureGallery  # noqa: E402
from ui.main_window import MainWindow  # noqa: E402
from workbench.config import DataSpec, ExperimentConfig, load_preset  # noqa: E402
from workbench.metrics import read_metrics  # noqa: E402
from workbench.settings_store import CONFIG_KEY, SettingsStore  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
LOGS = ROOT / "resources" / "published_logs"
RUN_TIMEOUT = 120_000


def tiny(epochs=1, cases=("0", "1")):
    return load_preset("quick").with_(cases=cases, data=DataSpec("sample", train_limit=200, test_limit=100)
                                      ).with_train(epochs=epochs, batch_size=50)


@pytest.fixture
def dialogs(monkeypatch):
    """Record message boxes instead of opening them (a modal box would block the test)."""
    shown = []
    for kind in ("critical", "warning", "information"):
        monkeypatch.setattr(QMessageBox, kind,
                            staticmethod(lambda parent, title, text, *a, _k=kind, **kw: shown.append((_k, title, text))))
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
    assert w.config_tabs.count() == 3 and w.centre_tabs.count() == 4
    assert w.centre_tabs.tabText(3) == "Study" and w.centre_tabs.widget(3) is w.study_panel   # issue 9
    assert w.centre_tabs.tabText(2) == "Gradient flow" and w.centre_tabs.widget(2) is w.gradient_flow
    assert len(w.plots.plots) == 4
    # first run: no settings → the quick preset on the offline sample, ready to run
    assert w.config.preset == "quick" and w.current_config().data.source == "sample"
    assert w.data_panel.source() == "sample"
    assert w.config_problem() is None and w.run_panel.run_button.isEnabled()
    assert "idle" in w.windowTitle()
    names = [a.text() for m in w.menuBar().actions() for a in m.menu().actions()]
    for expected in ("Open configuration…", "Save configuration…", "Save plots (PNG/SVG)…",
                     "Export run folder…", "Compare with published log…", "Re-run this run…"):
        assert expected in names


def test_importing_and_opening_the_window_does_not_import_tensorflow(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "RCNN_WORKBENCH_SETTINGS": str(tmp_path / "s.ini"),
           "RCNN_WORKBENCH_REPORT_PAINT": "exit"}
    imported = subprocess.run([sys.executable, "-c", "import sys, ui.app, ui.main_window; "
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
    assert "----- Case 1 -------" in w.run_panel.console.toPlainText()
    assert w.results.cases() == ["0", "1"] and w.results.tile_count() > 0
    assert "completed" in w.windowTitle()
    assert (out / "metrics.csv").exists() and (out / "predictions.npz").exists()
    # The tests hide every GPU (CUDA_VISIBLE_DEVICES=""): the status bar names the CPU, from the manifest.
    assert w.device_label.text() == "CPU" and "CPU" in w.device_label.toolTip()
    assert w.statusBar().currentMessage().startswith("Run completed on CPU: ")


def test_stop_ends_a_run_within_two_seconds_and_keeps_the_finished_epochs(window, qtbot):
    w = window
    w.load_config(tiny(epochs=100))
    out = w.start_run()
    qtbot.waitUntil(lambda: len({r.epoch for r in w.plots._rows}) >= 2, timeout=RUN_TIMEOUT)
    t0 = time.monotonic()
    qtbot.mouseClick(w.run_panel.stop_button, Qt.MouseButton.LeftButton)
    outcome = wait_done(qtbot, w, timeout=2_000)
    assert time.monotonic() - t0 < 2.0
    assert outcome.status == "stopped"
    rows = read_metrics(out / "metrics.csv")
    epochs = {r.epoch for r in rows}
    assert {0, 1} <= epochs and len(rows) == 4 * len(epochs)     # 2 cases × train/test per finished epoch
    assert json.loads((out / "manifest.json").read_text())["status"] == "stopped"
    assert "stopped" in w.windowTitle()


def test_pause_and_resume_from_the_buttons(window, qtbot):
    w = window
    w.load_config(tiny(epochs=100))
    w.start_run()
    qtbot.waitUntil(lambda: w.state == "running" and w.run_panel.pause_button.isEnabled(), timeout=RUN_TIMEOUT)
    qtbot.mouseClick(w.run_panel.pause_button, Qt.MouseButton.LeftButton)
    assert w.state == "paused" and w.controller.paused and "paused" in w.windowTitle()
    assert w.run_panel.pause_button.text().endswith("Resume")
    qtbot.mouseClick(w.run_panel.pause_button, Qt.MouseButton.LeftButton)
    assert w.state == "running" and not w.controller.paused
    w.stop_run()
    assert wait_done(qtbot, w, timeout=5_000).status == "stopped"


def test_closing_the_window_mid_run_leaves_no_thread_running(window, qtbot):
    w = window
    w.load_config(tiny(epochs=100))
    out = w.start_run()
    qtbot.waitUntil(lambda: len(w.plots._rows) > 0, timeout=RUN_TIMEOUT)
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
    from workbench.runner import run_experiment
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
    assert {p.suffix for p in both} == {".png", ".svg"} and all(p.exists() for p in both)
    config_path = w.save_configuration(tmp_path / "config.json")
    assert ExperimentConfig.load(config_path) == w.current_config()
    copy = w.export_run_folder(tmp_path / "export")
    for name in ("manifest.json", "metrics.csv", "transparency.txt", "predictions.npz"):
        assert (copy / name).read_bytes() == (finished_run / name).read_bytes()
    zipped = w.export_zip(tmp_path / "run.zip")
    csv_path = w.export_csv(tmp_path / "long.csv")
    assert zipped.stat().st_size > 0 and csv_path.read_text().startswith("run,")


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
    store._settings.sync()
    third = MainWindow()
    qtbot.addWidget(third)
    assert third.current_config().preset == "quick" and third.config_problem() is None


def test_compare_with_a_published_log_draws_dashed_reference_curves(window, finished_run):
    w = window
    w.open_run(finished_run)
    log = w.compare_with_log(LOGS / "Transparcy2.txt")
    assert w.plots.reference_cases == sorted(log.cases)
    assert w.plots._items[(3, "2")].ref.isVisible()
    assert "published" in w.plots.legend_entry("published").text
    # Post A logged per-batch sums over 1000 images: drawn at this run's batch size.
    batch = json.loads((finished_run / "manifest.json").read_text())["config"]["train"]["batch_size"]
    assert batch != 1000 and f"cost × {batch}/1000" in w.plots.legend_entry("published").text


def test_rerun_reports_a_match(window, qtbot, finished_run, dialogs):
    w = window
    w.open_run(finished_run)
    out = w.rerun_current()
    assert out is not None
    wait_done(qtbot, w)
    report = w.last_rerun_report
    assert report is not None and report.match, report.message
    assert any(kind == "information" and "match" in text for kind, _t, text in dialogs)


@pytest.mark.skipif(not hasattr(os, "getpriority"), reason="per-thread nice values are a Linux feature")
@pytest.mark.parametrize("setting,expected", [(None, 10), ("0", 0), ("25", 19)])
def test_training_runs_at_a_lower_cpu_priority_than_the_window(monkeypatch, setting, expected):
    import threading
    from workbench.worker import TRAIN_NICE_ENV, lower_training_priority
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
    from workbench.version import app_version
    text = window.about_text()
    assert f"RCNN Workbench {app_version()}" in text and os.environ["RCNN_WORKBENCH_RUNS"] in text
    assert window.about_action.text() == "About RCNN Workbench"
