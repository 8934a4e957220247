"""Studies and claims end truthfully under real signals to real `main.py study` / `main.py claims`
processes (the processes backend, tiny trials on the embedded sample): study.json and every trial's
manifest end in a final status, every finished epoch is kept, and no traceback reaches the screen."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from workbench.records import metrics as M
from workbench.records.run_folder import read_manifest
from workbench.records.run_status import read_status

ROOT = Path(__file__).resolve().parents[3]
TINY = ["--train-limit", "100", "--test-limit", "20", "--batch-size", "25", "--quiet"]
HANG_GUARD_S = 600          # only so that a process that never gets there ends the test


def _main(*argv):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    return subprocess.Popen([sys.executable, str(ROOT / "main.py"), *argv], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _finished_epochs(folder: Path) -> int:
    try:
        return len({r.epoch for r in M.read_metrics(folder / "metrics.csv")})
    except M.MetricsFileError:
        return 0


def _wait_for_an_epoch(proc, study: Path) -> None:
    """Until some trial of the study has a finished epoch (the process must still be going)."""
    deadline = time.monotonic() + HANG_GUARD_S
    while time.monotonic() < deadline:
        if any(_finished_epochs(t) for t in study.glob("trial-*")):
            return
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.1)
    pytest.fail("no trial finished an epoch")


def _ended(proc, signals):
    try:
        for i, sig in enumerate(signals):
            if i:
                time.sleep(0.5)       # two separate presses: signals sent at once coalesce into one
            proc.send_signal(sig)
        _, err = proc.communicate(timeout=HANG_GUARD_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    return err


def _check_truthful(study: Path):
    state = json.loads((study / "study.json").read_text())
    assert state["status"] == "stopped", state["status"]
    for entry in state["trials"]:
        assert entry["status"] in ("completed", "stopped", "pending"), entry
        folder = study / entry["folder"]
        if entry["status"] == "pending":
            continue
        manifest = read_manifest(folder)
        assert manifest["status"] == entry["status"] == read_status(folder).status
        assert manifest["trials"][0]["epochs_done"] == _finished_epochs(folder) == entry["epochs_done"]
    assert any(e["status"] == "stopped" and e["epochs_done"] >= 1 for e in state["trials"])
    return state


@pytest.mark.parametrize("signals", [[signal.SIGTERM], [signal.SIGHUP], [signal.SIGINT, signal.SIGINT]],
                         ids=["SIGTERM", "SIGHUP", "Ctrl-C twice"])
def test_a_signalled_study_ends_stopped_with_every_finished_epoch(tmp_path, signals):
    study = tmp_path / "study"
    proc = _main("study", "--arch", "vanilla", "--seeds", "0-3", "--epochs", "400", *TINY,
                 "--backend", "processes", "--workers", "2", "--threads-per-worker", "1", "--out", str(study))
    _wait_for_an_epoch(proc, study)
    err = _ended(proc, signals)
    assert proc.returncode == 130, err
    _check_truthful(study)
    assert "Traceback" not in err and "BrokenPipeError" not in err, err


@pytest.fixture
def small_fs(tmp_path):
    """A real 2 MB file system (tmpfs), mounted for the test and unmounted after."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root")
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount tmpfs here: {done.stderr.decode().strip()}")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


@pytest.mark.parametrize("backend", ["local", "processes"])
def test_a_full_disk_mid_study_ends_failed_with_one_line_and_every_finished_epoch(small_fs, backend):
    from tests.workbench.records.test_records_faults import _fill, _leftovers
    study = small_fs / "study"
    proc = _main("study", "--arch", "vanilla", "--cases", "0,1", "--seeds", "0-1", "--epochs", "400", *TINY,
                 "--pack", "off",
                 "--backend", backend, "--workers", "2", "--threads-per-worker", "1", "--out", str(study))
    try:
        deadline = time.monotonic() + HANG_GUARD_S
        while _finished_epochs(study / "trial-0") < 2:
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.1)
        _fill(small_fs / "filler")
        _, err = proc.communicate(timeout=HANG_GUARD_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 1, err
    said = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(said) == 1 and "No space left on device" in said[0] and "Traceback" not in err, err
    state = json.loads((study / "study.json").read_text())
    assert state["status"] == "failed" and "No space left on device" in state["error"]
    for entry in state["trials"]:
        assert entry["status"] in ("failed", "pending"), entry        # pending: never started
        if entry["status"] == "pending":
            assert not (study / entry["folder"]).exists()
            continue
        folder = study / entry["folder"]
        manifest = read_manifest(folder)
        assert manifest["status"] == read_status(folder).status == "failed"
        assert [t["status"] for t in manifest["trials"]] == ["failed"]
        rows = M.read_metrics(folder / "metrics.csv")
        assert len(rows) == 4 * _finished_epochs(folder)                # whole epochs: 2 cases, train and test
        assert manifest["trials"][0]["epochs_done"] == _finished_epochs(folder) == entry["epochs_done"]
    assert state["trials"][0]["status"] == "failed" and state["trials"][0]["epochs_done"] >= 2
    assert _leftovers(study) == []


def test_a_signalled_claims_study_ends_stopped_and_still_writes_its_report(tmp_path):
    out = tmp_path / "claims"
    proc = _main("claims", "--scale", "quick", "--seeds", "1", "--semantics", "corrected",
                 "--claims", "B-concat-fails", "--quiet", "--out", str(out))
    _wait_for_an_epoch(proc, out / "study")
    err = _ended(proc, [signal.SIGTERM])
    assert proc.returncode == 130, err
    _check_truthful(out / "study")
    assert json.loads((out / "claims.json").read_text())["kind"] == "claims-report"
    assert "Traceback" not in err, err


def test_study_and_trial_statuses_move_only_as_the_driver_means():
    from workbench.studies.status import STUDY, TRIAL, StatusTransitionError
    trial = {"status": "pending", "error": None}
    TRIAL.move(trial, "running")
    TRIAL.move(trial, "completed")
    for later in ("running", "stopped", "failed", "pending"):
        with pytest.raises(StatusTransitionError, match="'completed' cannot become"):
            TRIAL.move(trial, later)
    assert TRIAL.resume(trial) is False and trial["status"] == "completed"     # never run again
    stopped = {"status": "stopped", "error": "aborted"}
    assert TRIAL.resume(stopped) is True and stopped == {"status": "pending", "error": None}
    study = {"status": "running", "error": None}
    STUDY.move(study, "stopped")
    with pytest.raises(StatusTransitionError):
        STUDY.move(study, "failed")                   # a final status stays final in its session
    assert STUDY.resume(study) is True and study["status"] == "running"


def test_sigterm_to_a_ray_study_stops_it_after_the_step_not_as_a_failure(tmp_path):
    pytest.importorskip("ray")
    study = tmp_path / "study"
    proc = _main("study", "--arch", "vanilla", "--seeds", "0-1", "--epochs", "400", *TINY,
                 "--backend", "ray", "--workers", "1", "--threads-per-worker", "1", "--out", str(study))
    _wait_for_an_epoch(proc, study)
    err = _ended(proc, [signal.SIGTERM])
    assert proc.returncode == 130, err
    state = _check_truthful(study)
    assert state["error"] is None and "SystemExit" not in json.dumps(state)      # a stop, not an abort
    assert "SIGTERM received" not in err and "Traceback" not in err, err


def test_a_killed_driver_reads_as_interrupted_and_its_running_trials_too(tmp_path):
    from workbench.studies.study_file import study_status
    study = tmp_path / "study"
    proc = _main("study", "--arch", "vanilla", "--seeds", "0-1", "--epochs", "400", *TINY,
                 "--backend", "processes", "--workers", "2", "--threads-per-worker", "1", "--out", str(study))
    _wait_for_an_epoch(proc, study)
    _ended(proc, [signal.SIGKILL])
    state = json.loads((study / "study.json").read_text())
    assert state["status"] == "running"                 # a killed process writes nothing...
    assert study_status(study).status == "interrupted"  # ...but every reader sees its driver is gone
    running = [e for e in state["trials"] if e["status"] == "running"]
    assert running and all(read_status(study / e["folder"]).status == "interrupted" for e in running)
    compare = subprocess.run([sys.executable, str(ROOT / "main.py"), "compare", str(study)], cwd=ROOT,
                             capture_output=True, text=True, timeout=HANG_GUARD_S)
    assert "the study is interrupted" in compare.stderr and "Traceback" not in compare.stderr


def test_a_second_ctrl_c_while_the_workers_wind_down_still_ends_the_study_and_frees_its_folder(tmp_path,
                                                                                                  monkeypatch):
    """The study's record is written before its backend shuts down; a KeyboardInterrupt there ends the wait,
    not the driver (no traceback, the outcome returned, the folder lock released)."""
    from workbench.core.config import DataSpec, load_preset
    from workbench.execution.backends.local import LocalBackend
    from workbench.execution.study_driver import run_study
    from workbench.records.run_lock import is_held
    from workbench.studies.spec import StudyOptions, StudySpec

    def interrupted(self):
        raise KeyboardInterrupt
    monkeypatch.setattr(LocalBackend, "shutdown", interrupted)
    base = load_preset("quick", "vanilla").with_(cases=("0",), data=DataSpec("sample", 100, 20)).with_train(
        epochs=1, batch_size=25)
    outcome = run_study(StudySpec.from_config(base, seeds=(0,)), tmp_path / "s", StudyOptions("local"))
    assert outcome.status == "completed", outcome.error
    assert json.loads((tmp_path / "s" / "study.json").read_text())["status"] == "completed"
    assert not is_held(tmp_path / "s")
