"""The trial recorder's ending and the study's progress model, without training."""
import json

from workbench.core.config import DataSpec, load_preset
from workbench.execution import run_progress
from workbench.execution.run_progress import TrialsProgress
from workbench.execution.trial_recorder import TrialRecorder


def _config():
    return load_preset("quick").with_(cases=("0",), data=DataSpec("sample", 100, 40)).with_train(epochs=1)


def test_a_final_status_that_cannot_be_written_is_returned_as_failed_with_the_reason(tmp_path, monkeypatch):
    recorder = TrialRecorder.open(tmp_path / "run", _config())

    def full_disk():
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(recorder.folder, "write_manifest", full_disk)
    status, error = recorder.finish("completed")
    assert status == "failed"
    assert error == "the final status could not be written: No space left on device"
    # the manifest on disk still says running: readers report the run as interrupted
    assert json.loads((tmp_path / "run" / "manifest.json").read_text())["status"] == "running"


def test_a_finished_folder_records_its_status_error_and_traceback_once(tmp_path):
    recorder = TrialRecorder.open(tmp_path / "run", _config())
    assert recorder.finish("failed", "ValueError: bad", traceback="Traceback ...") == ("failed", "ValueError: bad")
    recorder.finish("completed")                       # a second ending changes nothing
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert (manifest["status"], manifest["error"], manifest["traceback"]) == ("failed", "ValueError: bad",
                                                                               "Traceback ...")


def test_a_study_progress_counts_done_trials_and_extrapolates_this_sessions_rate(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(run_progress.time, "monotonic", lambda: now[0])
    progress = TrialsProgress([0, 1, 2, 3], done={0})     # trial 0 finished in an earlier session
    assert progress.progress(["completed", "pending", "pending", "pending"]).eta_s is None   # no rate yet
    now[0] = 110.0
    progress.set(1, 1.0)
    progress.set(2, 0.5)
    p = progress.progress(["completed", "completed", "running", "running"])
    assert (p.fraction, p.elapsed_s, p.completed, p.running, p.total) == (0.625, 10.0, 2, 2, 4)
    assert p.eta_s == 10.0 * (1 - 0.625) / (0.625 - 0.25)      # the rest at the rate gained since the start
    for k in (2, 3):
        progress.set(k, 1.0)
    assert progress.progress(["completed"] * 4).eta_s == 0.0
