"""The settings pane needs no sideways scrolling, at 1366×768 as on a large screen: every field is in view."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json
from PySide6.QtWidgets import QApplication
app = QApplication([])
from ui.main_window import MainWindow
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
    config = tmp_path / "screen.json"
    config.write_text(json.dumps({"synchronousWindowSystem": True, "windowFrameMargins": False, "screens": [
        {"name": "s", "x": 0, "y": 0, "width": screen[0], "height": screen[1], "logicalDpi": 96,
         "logicalBaseDpi": 96, "dpr": 1}]}))
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}",
           "RCNN_WORKBENCH_SETTINGS": str(tmp_path / "s.json"), "RCNN_WORKBENCH_RUNS": str(tmp_path / "runs")}
    proc = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    tabs = json.loads(proc.stdout.strip().splitlines()[-1])
    assert len(tabs) == 4
    overflowing = [f"{name}: needs {need} px, has {width} px" for name, hbar, width, need, _ in tabs if hbar > 0]
    assert not overflowing, overflowing
    stacked = {name.split("·")[1].strip(): stacked for name, *_, stacked in tabs if stacked is not None}
    assert set(stacked) == {"Architecture", "Cases && training"}
    if screen[0] < 1600:
        assert all(stacked.values()), stacked      # the laptop's narrow pane: one column above the other


@pytest.mark.parametrize("panel_name", ["CasePanel", "ArchitectureGallery"])
def test_two_columns_stand_side_by_side_again_when_the_pane_is_widened(qtbot, panel_name):
    from ui.case_panel import CasePanel
    from ui.gallery_panel import ArchitectureGallery
    panel = {"CasePanel": CasePanel, "ArchitectureGallery": ArchitectureGallery}[panel_name]()
    qtbot.addWidget(panel)
    panel.reflow(3000)
    assert not panel._reflow.stacked
    wide = panel.minimumSizeHint().width()
    panel.reflow(480)
    assert panel._reflow.stacked and panel.minimumSizeHint().width() <= 480
    panel.reflow(3000)
    assert not panel._reflow.stacked and panel.minimumSizeHint().width() == wide
