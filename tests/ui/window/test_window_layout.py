"""The settings pane needs no sideways scrolling, at 1366×768 as on a large screen: every field is in view."""
from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from tests.ui.screens import run_on_screen  # noqa: E402

PROBE = """
import json
from PySide6.QtWidgets import QApplication
app = QApplication([])
from ui.window.main_window import MainWindow
w = MainWindow()
w.show()
app.processEvents()
tabs, out = w.config_tabs, []
for i in range(tabs.count()):
    tabs.setCurrentIndex(i)
    app.processEvents()
    scroll = tabs.widget(i)
    reflow = getattr(scroll.widget(), "_reflow", None)
    out.append([tabs.tabText(i), scroll.horizontalScrollBar().maximum(), scroll.viewport().width(),
                scroll.widget().minimumSizeHint().width(), reflow.stacked if reflow else None])
print(json.dumps(out), flush=True)
w.close()
"""


@pytest.mark.parametrize("screen", [(1366, 768), (1920, 1080)])
def test_no_settings_tab_scrolls_sideways(tmp_path, screen):
    tabs = run_on_screen(tmp_path, screen, PROBE)
    assert len(tabs) == 4
    overflowing = [f"{name}: needs {need} px, has {width} px" for name, hbar, width, need, _ in tabs if hbar > 0]
    assert not overflowing, overflowing
    stacked = {name.split("·")[1].strip(): stacked for name, *_, stacked in tabs if stacked is not None}
    assert set(stacked) == {"Architecture", "Cases && training"}
    if screen[0] < 1600:
        assert all(stacked.values()), stacked      # the laptop's narrow pane: one column above the other


@pytest.mark.parametrize("panel_name", ["CasePanel", "ArchitectureGallery"])
def test_two_columns_stand_side_by_side_again_when_the_pane_is_widened(qtbot, panel_name):
    from ui.config.case_panel import CasePanel
    from ui.config.gallery_panel import ArchitectureGallery
    panel = {"CasePanel": CasePanel, "ArchitectureGallery": ArchitectureGallery}[panel_name]()
    qtbot.addWidget(panel)
    panel.reflow(3000)
    assert not panel._reflow.stacked
    wide = panel.minimumSizeHint().width()
    panel.reflow(480)
    assert panel._reflow.stacked and panel.minimumSizeHint().width() <= 480
    panel.reflow(3000)
    assert not panel._reflow.stacked and panel.minimumSizeHint().width() == wide


PLOTS_PROBE = """
import json
from PySide6.QtWidgets import QApplication
app = QApplication([])
from ui.window.main_window import MainWindow
from engine.cases import PUBLISHED_CASES
from engine.events import StepEvent, Progress
w = MainWindow()
w.show()
keys = ["0", "1", "2", "3", "4", "5", "6"]
w.plots.begin_run([PUBLISHED_CASES[k] for k in keys])
for s in range(1, 11):        # seven cases a pixel apart: every plot's title names the cases under another
    values = {k: (2.0 - 0.1 * s + 0.0005 * i, 0.3 + 0.0005 * i) for i, k in enumerate(keys)}
    w.plots.add_step(StepEvent(0, 0, s, 10, values, Progress(s, 20, 1.0, 1.0)))
w.plots.refresh_now()
out = []
for left in (None, 620, 760):         # as opened, then the settings pane dragged wider
    if left:
        total = sum(w.top_split.sizes())
        w.top_split.setSizes([left, total - left])
    for _ in range(3):
        app.processEvents()
    view = w.plots.view
    out.append([w.plots.plot_notes[0], view.viewport().width(),
                [round(p.sceneBoundingRect().right()) for p in w.plots.plots],
                [round(view.mapFromScene(p.sceneBoundingRect().topRight()).x()) for p in w.plots.plots]])
print(json.dumps(out), flush=True)
w.close()
"""


def test_the_plots_fit_their_pane_with_long_titles_at_1366_px(tmp_path):
    """A title naming six cases under another widened the plots past the pane: the right-hand ones were cut."""
    for note, width, rights, on_screen in run_on_screen(tmp_path, (1366, 768), PLOTS_PROBE):
        assert "under" in note
        assert max(rights) <= width and max(on_screen) <= width, (width, rights)

