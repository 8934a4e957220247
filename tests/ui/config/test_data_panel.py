"""Data and noise panel: preview follows the noise fields, bad values are refused, loading never blocks."""
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from engine import data as engine_data
from engine.noise import NoiseSpec
from workbench.core.config import DataSpec, ExperimentConfig
from ui.config.data_panel import IMAGE_SCALE, DataNoisePanel

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def panel(qtbot):
    w = DataNoisePanel()
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    return w


def choose_kind(column, kind):
    column.kind.setCurrentText(kind)
    column.kind.activated.emit(column.kind.currentIndex())


def choose_source(panel, key):
    index = panel.source_combo.findData(key)
    panel.source_combo.setCurrentIndex(index)
    panel.source_combo.activated.emit(index)


def test_builds_with_the_sample_and_the_architecture_noise(panel):
    assert panel.source() == "sample"
    assert panel.dataset() is not None and len(panel.dataset().y_train) > 0
    assert len(panel.columns) == 4
    assert [c.spec().kind for c in panel.columns] == ["gaussian", "poisson", "gamma", "uniform"]
    assert "4,000" in panel.sizes.text()
    shown = panel.shown_array(1)
    assert shown.shape == (28 * IMAGE_SCALE, 28 * IMAGE_SCALE) and IMAGE_SCALE * 28 >= 112
    config = panel.apply(ExperimentConfig())
    assert config.noise is None and config.data == DataSpec("sample")
    assert panel.problem() is None
    # the pixel range after noise is shown per timestep
    lo, hi = panel.preview_values()[3].min(), panel.preview_values()[3].max()
    assert f"min {lo:.2f}" in panel.columns[3].range_label.text()
    assert f"max {hi:.2f}" in panel.columns[3].range_label.text()


def test_changing_a_noise_parameter_changes_the_preview_pixels(panel, qtbot):
    before = panel.shown_array(1).copy()
    others = [panel.shown_array(i).copy() for i in (0, 2, 3, 4)]
    with qtbot.waitSignal(panel.changed, timeout=1000):
        panel.columns[0].fields["scale"].setText("0.5")
    after = panel.shown_array(1)
    assert not np.array_equal(before, after)
    # only that timestep changed
    assert all(np.array_equal(a, panel.shown_array(i)) for a, i in zip(others, (0, 2, 3, 4)))
    noise = panel.apply(ExperimentConfig()).noise
    assert noise is not None and noise[0] == NoiseSpec("gaussian", {"scale": 0.5})


def test_switching_the_noise_kind_changes_the_parameter_fields(panel, qtbot):
    column = panel.columns[1]
    assert set(column.fields) == {"scale", "lam"}
    with qtbot.waitSignal(panel.changed, timeout=1000):
        choose_kind(column, "uniform")
    assert set(column.fields) == {"scale", "low", "high"}
    assert "U[low, high)" in column.formula.text()
    choose_kind(column, "none")
    assert column.fields == {}
    assert panel.apply(ExperimentConfig()).noise[1] == NoiseSpec("none")


def test_invalid_noise_parameter_is_refused_with_a_message(panel, qtbot):
    column = panel.columns[0]
    good = column.spec()
    with qtbot.waitSignal(panel.changed, timeout=1000):
        column.fields["std"].setText("-2")
    assert "std must be ≥ 0" in panel.problem()
    assert "timestep 0" in panel.problem()
    assert "border" in column.fields["std"].edit.styleSheet()
    assert column.error.isVisible() and "std" in column.error.text()
    assert column.spec() == good                       # the bad value never becomes a spec
    column.fields["scale"].setText("x")
    assert "not a number" in panel.problem()
    assert column.fields["scale"].error.isVisible()
    column.fields["scale"].setText("0.1")
    column.fields["std"].setText("1")
    assert panel.problem() is None


def test_resample_draws_new_noise(panel):
    before = panel.preview_values().copy()
    panel.resample_button.click()
    assert not np.array_equal(before, panel.preview_values())


def test_image_browser_changes_the_digit(panel):
    before = panel.shown_array(0).copy()
    panel.index.setValue(7)
    assert not np.array_equal(before, panel.shown_array(0))
    assert f"label <b>{panel.dataset().y_train[7]}</b>" in panel.label_text.text()
    panel.random_button.click()
    assert 0 <= panel.index.value() <= panel.index.maximum()


def test_load_apply_round_trip(panel, qtbot):
    changes = []
    panel.changed.connect(lambda: changes.append(1))
    noise = (NoiseSpec("none"), NoiseSpec("gaussian", {"std": 2.0}), NoiseSpec("poisson", {"lam": 3.0}),
             NoiseSpec("uniform", {"low": 0.0, "high": 0.2}))
    config = ExperimentConfig(data=DataSpec("sample", train_limit=300, test_limit=50, train_skip=10),
                              noise=noise)
    panel.load(config)
    assert panel.apply(ExperimentConfig()) == ExperimentConfig(data=config.data, noise=noise)
    assert panel.apply(config) == config
    plain = ExperimentConfig(data=DataSpec("sample", train_limit=100))
    panel.load(plain)
    assert panel.apply(config) == config.with_(data=plain.data, noise=None)
    assert changes == []                               # load never emits changed
    assert panel.index.maximum() == 99


def test_reset_returns_to_the_architecture_default(panel):
    panel.columns[2].fields["scale"].setText("0.3")
    assert panel.apply(ExperimentConfig()).noise is not None
    panel.reset_button.click()
    assert panel.apply(ExperimentConfig()).noise is None
    assert panel.columns[2].spec() == NoiseSpec("gamma")


def test_limit_beyond_the_dataset_is_refused(panel):
    panel.train_limit.setValue(5000)
    assert "5,000 is more than the 4,000" in panel.problem()
    assert panel.limit_error.isVisible()
    panel.train_limit.setValue(0)
    assert panel.problem() is None


def test_offline_mnist_does_not_block_and_falls_back_to_the_sample(panel, qtbot, monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))

    answer = threading.Event()

    def offline(timeout_s):
        answer.wait(60)                   # the probe answers only when the test says so
        return "storage.googleapis.com:443: Network is unreachable"

    monkeypatch.setattr(engine_data, "_probe", offline)
    choose_source(panel, "mnist")
    assert not answer.is_set()                      # choose_source returned before the probe could answer:
    assert panel.is_loading() and "Loading MNIST" in panel.status.text()   # the GUI thread did not wait
    answer.set()
    with qtbot.waitSignal(panel.changed, timeout=60_000):
        pass
    qtbot.waitUntil(lambda: not panel.is_loading(), timeout=60_000)
    assert "Cannot download MNIST" in panel.status.text()
    assert "offline sample" in panel.status.text()
    assert panel.source() == "sample"
    assert panel.apply(ExperimentConfig()).data.source == "sample"
    assert panel.dataset() is not None


def test_open_file_loads_a_local_npz(panel, qtbot, monkeypatch, tmp_path):
    ds = panel.dataset()
    path = tmp_path / "tiny.npz"
    np.savez(path, x_train=(ds.x_train[:30, :, :, 0] * 255).astype(np.uint8), y_train=ds.y_train[:30],
             x_test=(ds.x_test[:10, :, :, 0] * 255).astype(np.uint8), y_test=ds.y_test[:10])
    monkeypatch.setattr("ui.config.data_panel.QFileDialog.getOpenFileName",
                        lambda *a, **k: (str(path), ""))
    choose_source(panel, "__open__")
    qtbot.waitUntil(lambda: not panel.is_loading() and len(panel.dataset().y_train) == 30, timeout=60_000)
    assert panel.source() == str(path)
    assert panel.apply(ExperimentConfig()).data.source == str(path)
    assert "30 training" in panel.sizes.text()
    assert panel.index.maximum() == 29


def test_importing_the_ui_modules_does_not_import_tensorflow():
    code = ("import sys; import ui.window.widgets, ui.config.data_panel; "
            "print('tensorflow' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"}, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
