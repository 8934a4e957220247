"""Run control: whole-run elapsed time and ETA, the status on Resume, Pause while starting."""
from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from engine.events import Progress  # noqa: E402
from ui.config.run_panel import RunPanel  # noqa: E402


@pytest.fixture
def panel(qtbot):
    p = RunPanel()
    qtbot.addWidget(p)
    return p


def test_elapsed_and_eta_cover_the_whole_run(panel):
    panel.begin(epochs=2, trials=3)
    assert panel.run_times(0, Progress(10, 10, 30.0, 0.0)) == (30.0, 60.0)     # two more trials of 30 s
    elapsed, eta = panel.run_times(1, Progress(5, 10, 12.0, 12.0))
    assert elapsed == 42.0 and eta == 12.0 + 24.0                                # not restarted at trial 1
    assert "trial 1 of 0–2" in (panel._show_progress(1, 0, 3, 5, Progress(5, 10, 12.0, 12.0)) or
                                panel.progress.format())
    assert "00:42 elapsed" in panel.progress.format() and "run ETA 00:36" in panel.progress.format()


def test_pause_works_while_starting_and_resume_updates_the_status_at_once(panel):
    panel.begin(epochs=2)
    assert panel.state == "starting" and panel.pause_button.isEnabled()
    panel.set_state("paused")
    assert "Paused" in panel.status_label.text()
    panel.set_state("running")
    assert panel.status_label.text() == "Training…"
