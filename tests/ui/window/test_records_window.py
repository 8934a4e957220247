"""The window always opens: settings or configurations it cannot show are replaced by the
default with a one-line notice; no widget allocates memory in proportion to a typed number."""
import json
import os
import pickle

import pytest

from ui.window.main_window import MainWindow
from workbench.core.config import load_preset
from workbench.app.settings_store import CONFIG_KEY, default_config


def huge(**changes):
    data = load_preset("quick").to_dict()
    for key, value in changes.items():
        section, _, name = key.partition(".")
        data[section][name] = value
    return data


@pytest.fixture
def settings(tmp_path, monkeypatch):
    path = tmp_path / "settings.json"
    monkeypatch.setenv("RCNN_WORKBENCH_SETTINGS", str(path))
    monkeypatch.setenv("RCNN_WORKBENCH_RUNS", str(tmp_path / "runs"))
    return path


@pytest.mark.parametrize("config", [huge(**{"train.epochs": 10**10}), huge(**{"train.epochs": 10**30}),
                                    huge(**{"data.train_limit": 2**40})], ids=["1e10 epochs", "1e30 epochs",
                                                                               "2^40 train limit"])
def test_the_window_opens_on_settings_it_cannot_show(qtbot, settings, config):
    settings.write_text(json.dumps({CONFIG_KEY: config}))
    w = MainWindow()
    qtbot.addWidget(w)
    assert w.current_config() == default_config()
    message = w.statusBar().currentMessage()
    assert "default" in message and "\n" not in message
    w.close()          # saving on close must not keep the bad value either
    assert json.loads(settings.read_text())[CONFIG_KEY]["train"]["epochs"] == default_config().train.epochs


def test_opening_a_manifest_it_cannot_show_gives_the_default_and_a_notice(qtbot, settings, tmp_path):
    w = MainWindow()
    qtbot.addWidget(w)
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"kind": "run", "config": huge(**{"train.epochs": 10**10})}))
    w.open_configuration(manifest)
    assert w.current_config().train.epochs == default_config().train.epochs
    assert "10,000,000,000" in w.statusBar().currentMessage()


def test_a_pickled_settings_value_does_not_run_and_the_window_opens(qtbot, settings, tmp_path):
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    blob = pickle.dumps(Payload())
    settings.write_text('[last-config]\nv1="@Variant(\\0\\0\\0\\x7f\\0\\0\\0\\x18PySide::PyObjectWrapper'
                        '\\0\\0\\0\\0' + "".join(f"\\x{b:x}" for b in blob) + ')"\n')
    w = MainWindow()
    qtbot.addWidget(w)
    assert not marker.exists()
    assert w.current_config() == default_config()
    assert "ignored, not loaded" in w.statusBar().currentMessage()


def test_the_d_schedule_plot_does_not_grow_with_the_epoch_count(qtbot, settings):
    w = MainWindow()
    qtbot.addWidget(w)
    panel = w.case_panel
    panel.epochs.setText("1000000")
    x, y = panel.d_curve()
    assert len(x) <= 512 and x[0] == 0 and x[-1] == 999_999
    panel.epochs.setText("7")
    x, _ = panel.d_curve()
    assert list(x) == list(range(7))


def test_open_run_reports_a_run_whose_process_died_as_interrupted(qtbot, settings, tmp_path):
    from tests.workbench.records.test_records import event, small
    from workbench.records.run_folder import RunFolder
    folder = RunFolder(tmp_path / "run", small())
    folder.start_trial(0, 0)
    folder.epoch(event(0))
    os.close(folder.lock._fd)         # the writer dies: the kernel drops its lock, the file stays
    folder.lock._fd = None
    w = MainWindow()
    qtbot.addWidget(w)
    w.open_run(tmp_path / "run")
    assert "interrupted" in w.windowTitle()
    assert "<b>interrupted</b>" in w.results.summary.text()
