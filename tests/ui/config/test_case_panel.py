"""Case panel: cases from engine.cases, validated fields, custom cases, D plot, presets."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt

from engine.cases import CASE_KEYS, PUBLISHED_CASES, Case, parse_connections
from engine.settings import SEMANTICS_HELP
from workbench.core.config import ExperimentConfig, load_preset, preset_names
from ui.config.case_panel import CasePanel

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def panel(qtbot):
    w = CasePanel()
    qtbot.addWidget(w)
    w.resize(1400, 900)
    w.show()
    return w


def test_seven_rows_with_engine_colours_names_and_wiring(panel):
    assert list(panel.rows) == list(CASE_KEYS)
    for key, row in panel.rows.items():
        case = PUBLISHED_CASES[key]
        assert row.swatch.colour == case.colour
        assert case.name in row.name.text()
        assert row.wiring.text() == case.wiring()
        assert row.check.isChecked()
    assert panel.apply(ExperimentConfig()) == ExperimentConfig()
    assert panel.problem() is None


def test_unchecking_cases_changes_the_selection(panel, qtbot):
    with qtbot.waitSignal(panel.changed, timeout=1000):
        panel.rows["3"].check.click()
    assert panel.apply(ExperimentConfig()).cases == ("0", "1", "2", "4", "5", "6")
    for row in panel.rows.values():
        if row.check.isChecked():
            row.check.click()
    assert panel.problem() == "select at least one case"
    assert panel.case_error.isVisible()


@pytest.mark.parametrize("field, text, message", [
    ("lr", "0", "learning rate must be greater than 0"),
    ("lr", "fast", "not a number"),
    ("batch", "0", "batch size must be at least 1"),
    ("batch", "12.5", "not a whole number"),
    ("epochs", "", "epochs: enter a value"),
    ("seed", "-1", "seed must be at least 0"),
    ("trials", "101", "trials must be at most 100"),
    ("dil_P", "-5", "P must be at least 0"),
])
def test_invalid_values_are_refused_at_the_field(panel, qtbot, field, text, message):
    widget = getattr(panel, field)
    before = panel.apply(ExperimentConfig())
    with qtbot.waitSignal(panel.changed, timeout=1000):
        widget.setText(text)
    assert message in panel.problem()
    assert widget.error.isVisible() and message in widget.error.text()
    assert "border" in widget.edit.styleSheet()
    after = panel.apply(ExperimentConfig())
    assert after == before                      # the last valid value is kept, never a crash
    assert after.problem() is None


def test_valid_values_reach_the_configuration(panel):
    panel.lr.setText("3e-4")
    panel.batch.setText("64")
    panel.epochs.setText("12")
    panel.seed.setText("7")
    panel.trials.setText("3")
    panel.semantics.setCurrentText("as-published")
    panel.semantics.activated.emit(panel.semantics.currentIndex())
    panel.init.setCurrentText("published")
    panel.init.activated.emit(panel.init.currentIndex())
    config = panel.apply(ExperimentConfig())
    t = config.train
    assert (t.learning_rate, t.batch_size, t.epochs, t.seed, t.semantics, t.init) == \
        (3e-4, 64, 12, 7, "as-published", "published")
    assert config.trials == 3
    assert panel.problem() is None
    assert "as-published" in panel.semantics_help.text() and "corrected" in panel.semantics_help.text()
    assert SEMANTICS_HELP.split(". ")[0].split(": ", 1)[1][:30] in panel.semantics_help.text()


def test_seed_plus_trials_limit(panel):
    panel.seed.setText(str(2**31 - 1))
    panel.trials.setText("2")
    assert "seed + trials" in panel.problem()


def test_d_plot_updates_when_P_changes(panel, qtbot):
    x, y = panel.d_curve()
    assert y[0] == pytest.approx(1000.0)
    with qtbot.waitSignal(panel.changed, timeout=1000):
        panel.dil_P.setText("250")
    x2, y2 = panel.d_curve()
    assert y2[0] == pytest.approx(250.0)
    assert np.allclose(y2, 250.0 / (1 + 0.008 * x2))
    panel.epochs.setText("100")
    x3, _ = panel.d_curve()
    assert x3[-1] == 99
    assert "D(0) = 250" in panel.d_summary.text()
    assert panel.apply(ExperimentConfig()).train.dilation_P == 250.0


def test_add_custom_case(panel, qtbot):
    panel.add_button.click()
    assert panel.custom_box.isVisible()
    panel.custom_key.setText("skip3")
    panel.custom_name.setText("skip three")
    panel.custom_connections.setText("0<g3, 1<p3*0.5")
    panel.custom_connections.textEdited.emit(panel.custom_connections.text())
    assert panel.custom_add_button.isEnabled()
    with qtbot.waitSignal(panel.changed, timeout=1000):
        panel.custom_add_button.click()
    assert "skip3" in panel.rows and panel.rows["skip3"].custom
    config = panel.apply(ExperimentConfig())
    assert config.cases[-1] == "skip3"
    (case,) = config.custom_cases
    assert case.connections == parse_connections("0<g3, 1<p3*0.5")
    assert case.colour not in {c.colour for c in PUBLISHED_CASES.values()}
    assert config.problem() is None
    panel.rows["skip3"].remove_button.click()
    assert "skip3" not in panel.rows
    assert panel.apply(ExperimentConfig()).custom_cases == ()


@pytest.mark.parametrize("key, text, where, message", [
    ("7", "1<x3", "connections", "cannot read connection"),
    ("7", "3<g1", "connections", "from a later timestep to an earlier one"),
    ("7", "1<g9", "connections", "needs timestep 9"),
    ("7", "", "connections", "at least one connection"),
    ("2", "1<g3", "key", "published case"),
    ("bad key!", "1<g3", "key", "case key"),
])
def test_invalid_custom_case_is_refused_at_the_field(panel, key, text, where, message):
    panel.add_button.click()
    panel.custom_key.setText(key)
    panel.custom_key.textEdited.emit(key)
    panel.custom_connections.setText(text)
    panel.custom_connections.textEdited.emit(text)
    error = panel.custom_key_error if where == "key" else panel.custom_connections_error
    assert error.isVisible() and message in error.text()
    assert not panel.custom_add_button.isEnabled()
    panel.custom_add_button.click()
    assert set(panel.rows) == set(CASE_KEYS)


def test_preset_selection_emits_preset_requested(panel, qtbot):
    names = preset_names()
    assert "quick" in names
    index = panel.presets.findText("quick")
    with qtbot.waitSignal(panel.preset_requested, timeout=1000) as blocker:
        panel.presets.setCurrentIndex(index)
        panel.presets.activated.emit(index)
    assert blocker.args == ["quick"]
    assert "minute" in panel.preset_description.text()
    assert panel.presets.itemData(index, 3)          # the description is the item's tooltip


def test_load_apply_round_trip(panel):
    changes = []
    panel.changed.connect(lambda: changes.append(1))
    custom = Case("x1", "mine", "#8c564b", "manual", parse_connections("0<g2"), "mine")
    config = ExperimentConfig(cases=("0", "x1", "4"), custom_cases=(custom,), trials=2,
                              preset="quick").with_train(learning_rate=0.02, batch_size=32, epochs=9, seed=5,
                                                         semantics="as-published", init="published",
                                                         dilation_P=10.0, dilation_k=0.5, beta1=0.8)
    panel.load(config)
    applied = panel.apply(ExperimentConfig(preset="quick"))
    assert set(applied.cases) == set(config.cases)
    assert applied.with_(cases=config.cases) == config.with_train(beta1=0.9)
    assert panel.apply(config) == config.with_(cases=applied.cases)
    assert panel.presets.currentText() == "quick"
    for name in preset_names():
        preset = load_preset(name, "post-a")
        panel.load(preset)
        assert panel.apply(preset) == preset
    assert changes == []


def test_importing_the_case_panel_does_not_import_tensorflow():
    code = "import sys; import ui.config.case_panel; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"}, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_as_published_post_a_flags_connections_into_timestep_zero(qtbot):
    from ui.config.case_panel import CasePanel
    from workbench.core.config import ExperimentConfig
    panel = CasePanel()
    qtbot.addWidget(panel)
    config = ExperimentConfig(arch="post-a")
    panel.load(config)
    assert not panel.rows["6"].warning.isVisibleTo(panel)          # corrected: every connection acts
    panel.load(config.with_train(semantics="as-published"))
    row = panel.rows["6"]
    assert row.warning.isVisibleTo(panel) and "timestep 0" in row.warning.text()
    assert not panel.rows["0"].warning.isVisibleTo(panel)


def test_quirk_boxes_follow_the_presets_and_pick_any_subset(panel, qtbot):
    from engine import quirks as Q
    panel.semantics.setCurrentText("as-published")
    panel.semantics.activated.emit(panel.semantics.currentIndex())
    assert panel.selected_quirks() == Q.NAMES
    assert panel.apply(ExperimentConfig()).train.quirks == Q.NAMES
    panel.semantics.setCurrentText("corrected")
    panel.semantics.activated.emit(panel.semantics.currentIndex())
    assert panel.selected_quirks() == ()
    with qtbot.waitSignal(panel.changed, timeout=1000):
        panel.quirk_boxes["slot-training"].click()           # needs stale-state: both come on
    assert panel.selected_quirks() == ("stale-state", "slot-training")
    assert panel.semantics.currentText() == "custom"
    panel.quirk_boxes["stale-state"].click()                  # and go off together
    assert panel.selected_quirks() == ()
    panel.quirk_boxes["off-by-one"].click()
    config = panel.apply(ExperimentConfig())
    assert config.train.quirks == ("off-by-one",) and config.train.semantics == "custom"
    assert panel.rows["6"].warning.isVisible()               # off-by-one: in_0 terms do nothing
    panel.load(config.with_train(quirks=("stale-state",)))
    assert panel.selected_quirks() == ("stale-state",) and not panel.rows["6"].warning.isVisible()
    assert "not this architecture" in panel.quirk_boxes["published-wiring"].text()


@pytest.mark.parametrize("factor", ["1e999", "-1e999"])
def test_a_factor_too_large_for_a_number_is_refused(panel, qtbot, factor):
    """Typed as a user types it: `1e999` is infinity as a float; it previewed as inf·D·g_3 and could be added."""
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)
    qtbot.keyClicks(panel.custom_key, "big")
    qtbot.keyClicks(panel.custom_connections, f"1<g3*{factor}")
    error = panel.custom_connections_error
    assert error.isVisible() and "finite" in error.text() and "\n" not in error.text()
    assert "inf" not in panel.custom_preview.text()
    assert not panel.custom_add_button.isEnabled()
    qtbot.mouseClick(panel.custom_add_button, Qt.MouseButton.LeftButton)
    assert "big" not in panel.rows
