"""Compare → Check the published claims…: the dialog's choices, its command, its live plot and the report."""
import json
import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QDesktopServices

from tests.workbench.claims.test_claims_report import _fake_trial
from tests.workbench.cli.test_claims_cli import tiny_quick  # noqa: F401  (a fixture)
from ui.studies.claims_dialog import ClaimsDialog
from workbench.claims.claim_set import load_claims
from workbench.claims.report import write_report
from workbench.claims.study import ClaimsRequest
from workbench.execution.study_driver import StudyOutcome


@pytest.fixture
def dialog(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("RCNN_WORKBENCH_RUNS", str(tmp_path / "runs"))
    d = ClaimsDialog()
    qtbot.addWidget(d)
    return d


def test_defaults_describe_the_quick_study(dialog):
    assert dialog.scale.currentData() == "quick"
    assert dialog.seeds.value() == 5
    assert dialog.start_button.isEnabled()
    assert "60 trial(s)" in dialog.summary.text()          # 6 architectures × 5 seeds × 2 semantics
    assert "claims-quick" in dialog.out.text()
    dialog.as_published.setChecked(False)
    assert "30 trial(s)" in dialog.summary.text()


def test_too_few_seeds_or_no_semantics_disable_start(dialog):
    dialog.seeds.setValue(2)
    assert not dialog.start_button.isEnabled() and "at least 3" in dialog.summary.text()
    dialog.seeds.setValue(3)
    assert dialog.start_button.isEnabled()
    dialog.corrected.setChecked(False)
    dialog.as_published.setChecked(False)
    assert not dialog.start_button.isEnabled()


def test_an_existing_folder_is_refused(dialog, tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "report.html").write_text("x")
    dialog.out.setText(str(tmp_path / "old"))
    dialog._update_summary()
    assert not dialog.start_button.isEnabled() and "not empty" in dialog.summary.text()


def test_the_request_is_the_cli_command_with_the_chosen_settings(dialog, tmp_path):
    dialog.scale.setCurrentIndex(dialog.scale.findData("medium"))
    dialog.seeds.setValue(7)
    dialog.as_published.setChecked(False)
    dialog.backend.setCurrentIndex(dialog.backend.findData("processes"))
    dialog.workers.setValue(4)
    assert dialog.request().command(tmp_path / "c") == (
        f"python main.py claims --scale medium --seeds 7 --semantics corrected --backend processes --workers 4 "
        f"--threads-per-worker 1 --out {tmp_path / 'c'}")


def test_live_plot_and_report_at_the_end(dialog, tmp_path, monkeypatch):
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url.toLocalFile())))
    claims = load_claims().select(["A-dense2-beats-autodiff"])
    out = tmp_path / "claims"
    for seed in range(3):
        _fake_trial(out / "study" / f"trial-{seed}", "post-a", ("1", "5"), seed, "corrected",
                    {"1": 0.8 + seed / 100, "5": 0.85 + seed / 50})
    request = ClaimsRequest("quick", 3, ("corrected",), ("A-dense2-beats-autodiff",))
    (out / "claims-request.json").write_text(json.dumps(request.to_dict()))
    (out / "study" / "study.json").write_text(json.dumps(
        {"trials": [{"status": "completed"}] * 3 + [{"status": "running"}]}))
    write_report(out, claims, request)
    dialog.claims = claims
    dialog.out_dir = out
    dialog.refresh()
    assert dialog.progress.value() == 3 and dialog.progress.maximum() == 4
    xs, ys = dialog.curves[("post-a", "5", "corrected")].getData()
    assert list(xs) == [1, 2, 3]
    assert ys[-1] == pytest.approx((0.85 + 0.87 + 0.89) / 3)
    dialog._finished(StudyOutcome("completed", out / "study"))      # as the study controller says when it ends
    assert opened == [str(out / "report.html")]
    assert dialog.report_button.isEnabled() and dialog.start_button.isEnabled()


def test_window_has_the_compare_action(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("RCNN_WORKBENCH_RUNS", str(tmp_path / "runs"))
    monkeypatch.setenv("RCNN_WORKBENCH_SETTINGS", str(tmp_path / "settings.ini"))
    from ui.window.main_window import MainWindow
    w = MainWindow()
    qtbot.addWidget(w)
    assert w.claims_action.text() == "Check the published claims…"
    w.claims_action.trigger()
    assert isinstance(w.claims_dialog, ClaimsDialog) and w.claims_dialog.isVisible()
    w.claims_dialog.close()


def test_dialog_module_does_not_import_tensorflow():
    import subprocess
    code = "import sys, ui.studies.claims_dialog; sys.exit(1 if 'tensorflow' in sys.modules else 0)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_clicking_start_runs_the_claims_study_and_writes_its_folder_and_report(dialog, qtbot, tmp_path,
                                                                               monkeypatch, tiny_quick):
    """The real button: a click runs the study on the study driver (no child scraped) and writes the folder
    `claims` writes: the request, study/ with every trial completed, the report, which then opens."""
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url.toLocalFile())))
    dialog.claims = load_claims().select(["A-dense2-beats-autodiff"])
    dialog.seeds.setValue(3)
    dialog.as_published.setChecked(False)
    out = tmp_path / "new-claims"
    dialog.out.setText(str(out))
    dialog._update_summary()
    assert dialog.start_button.isEnabled()
    with qtbot.waitSignal(dialog.controller.finished, timeout=600_000) as ended:
        qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
        assert dialog.running and not dialog.start_button.isEnabled() and dialog.stop_button.isEnabled()
    assert ended.args[0].status == "completed", dialog.log.toPlainText()
    request = json.loads((out / "claims-request.json").read_text())
    assert request["command"] == ClaimsRequest("quick", 3, ("corrected",)).command(out)
    study = json.loads((out / "study" / "study.json").read_text())
    assert [t["status"] for t in study["trials"]] == ["completed"] * 3
    data = json.loads((out / "claims.json").read_text())
    assert [c["id"] for c in data["claims"]] == ["A-dense2-beats-autodiff"]
    assert data["trials"]["completed"] == 3
    assert opened == [str(out / "report.html")]
    assert "trial-2 (post-a semantics=corrected seed 2) completed" in dialog.log.toPlainText()
    assert not dialog.running and not dialog.stop_button.isEnabled() and dialog.continue_button.isEnabled()
    assert not dialog.start_button.isEnabled() and "not empty" in dialog.summary.text()    # never into it again


def test_clicking_stop_ends_the_study_stopped_and_the_report_covers_the_finished_trials(dialog, qtbot, tmp_path,
                                                                                       monkeypatch, tiny_quick):
    """Stop reaches the study driver: the trials stop after their step, study.json says stopped, the report is
    written for what finished, and Continue is offered; the report does not open by itself."""
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url.toLocalFile())))
    dialog.claims = load_claims().select(["A-dense2-beats-autodiff"])
    dialog.seeds.setValue(3)
    dialog.as_published.setChecked(False)
    out = tmp_path / "stopped-claims"
    dialog.out.setText(str(out))
    dialog._update_summary()
    qtbot.mouseClick(dialog.start_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "trial-0 (post-a semantics=corrected seed 0) running" in dialog.log.toPlainText(),
                    timeout=600_000)
    with qtbot.waitSignal(dialog.controller.finished, timeout=600_000) as ended:
        qtbot.mouseClick(dialog.stop_button, Qt.MouseButton.LeftButton)
        assert not dialog.stop_button.isEnabled()
    assert ended.args[0].status == "stopped", dialog.log.toPlainText()
    study = json.loads((out / "study" / "study.json").read_text())
    assert study["status"] == "stopped" and "completed" not in [t["status"] for t in study["trials"]][1:]
    assert (out / "report.html").is_file() and opened == []
    assert "stopped; the report covers the finished trials" in dialog.log.toPlainText()
    assert dialog.continue_button.isEnabled() and not dialog.running


def test_the_quick_time_estimate_follows_the_number_of_trials(dialog, qtbot):
    """60 and 18 trials were both 'about 8 minutes'."""
    dialog.show()
    qtbot.waitExposed(dialog)
    assert "60 trial(s)" in dialog.summary.text() and "about 8 minutes of CPU time for these 60 trials" in \
        dialog.summary.text()
    dialog.seeds.setValue(3)
    qtbot.mouseClick(dialog.as_published, Qt.MouseButton.LeftButton)        # corrected only: 6 × 3 trials
    assert not dialog.as_published.isChecked()
    text = dialog.summary.text()
    assert "18 trial(s)" in text and "about 2 minutes of CPU time for these 18 trials" in text   # 8 × 18 / 60
