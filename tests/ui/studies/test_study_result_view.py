"""The study result view: a study opened from the Runs tab shows its pooled result and every seed."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.ui.results.record_doubles import tiny, write_study
from workbench.studies.spec import StudySpec
from ui.studies.study_result_view import StudyResultView

ACC = {("0", 0): 0.80, ("0", 1): 0.84, ("0", 2): 0.83, ("1", 0): 0.85, ("1", 1): 0.86, ("1", 2): 0.90}


@pytest.fixture
def panel(qtbot):
    panel = StudyResultView()
    qtbot.addWidget(panel)
    panel.resize(1300, 700)
    panel.show()
    return panel


def test_a_study_shows_each_case_once_with_its_interval_and_a_row_per_seed(panel, tmp_path):
    folder = write_study(tmp_path / "s-study", StudySpec.from_config(tiny(), (0, 1, 2)),
                         lambda g, c, s: ACC[c, s])
    assert panel.show_result(folder)
    rows = panel.result_rows()
    assert [r[1] for r in rows] == ["case 0", "case 1"] and all(r[2] == "3" for r in rows)
    assert rows[0][5] == "reference" or rows[1][5] == "reference"
    seeds = panel.seed_rows()
    assert [r[1] for r in seeds] == ["0", "1", "2"]
    assert [r[2:] for r in seeds] == [("0.8000", "0.8500"), ("0.8400", "0.8600"), ("0.8300", "0.9000")]
    import pyqtgraph as pg
    dots = [sorted(item.data["y"].tolist()) for item in panel.strip_plot.getPlotItem().items
            if isinstance(item, pg.ScatterPlotItem)]
    assert dots == [pytest.approx([0.80, 0.83, 0.84]), pytest.approx([0.85, 0.86, 0.90])]   # a dot per seed


def test_choosing_another_reference_case_recomputes_the_differences(panel, qtbot, tmp_path):
    folder = write_study(tmp_path / "s-study", StudySpec.from_config(tiny(), (0, 1, 2)),
                         lambda g, c, s: ACC[c, s])
    panel.show_result(folder, reference="1")
    assert panel.result_rows()[1][5] == "reference" and panel.result_rows()[0][5].startswith("-")
    panel.reference_combo.setFocus()
    qtbot.keyClick(panel.reference_combo, Qt.Key.Key_Up)          # the keyboard, as a user would
    assert panel.reference() == ("0", None)
    assert panel.result_rows()[0][5] == "reference" and panel.result_rows()[1][5].startswith("+")


def test_a_study_without_a_completed_trial_says_so_in_one_line(panel, tmp_path):
    folder = write_study(tmp_path / "s-study", StudySpec.from_config(tiny(), (0,)), lambda g, c, s: 0.5,
                         pending=(0,), status="running")
    assert not panel.show_result(folder)
    assert "no completed trial" in panel.caption.text() and panel.result_rows() == []


def test_choosing_a_reference_of_one_learning_rate_compares_the_other_with_it(panel, qtbot, tmp_path):
    folder = write_study(tmp_path / "lr-study", StudySpec.from_config(tiny(), (0, 1, 2), learning_rates=(0.001, 0.007)),
                         lambda g, c, s: ACC[c, s] + (0.02 if "0.007" in g else 0.0))
    panel.show_result(folder)
    index = panel.reference_combo.findText("case 1 of post-a lr=0.001 (for every configuration)")
    assert index >= 0
    panel.reference_combo.setCurrentIndex(index)
    rows = {(r[0], r[1]): r for r in panel.result_rows()}
    assert rows["post-a lr=0.001", "case 1"][5] == "reference"
    assert rows["post-a lr=0.007", "case 1"][5] == "+0.0200"
    assert "of post-a lr=0.001" in panel.caption.text()
