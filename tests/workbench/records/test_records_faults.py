"""Run records under real faults: signals to a real process, a full and a read-only file system, and a
re-run that must repeat a run made with another TensorFlow thread count, bit for bit."""
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
from workbench.records.run_lock import LOCK_NAME
from workbench.records.run_status import read_status

ROOT = Path(__file__).resolve().parents[3]
TINY = ["--cases", "0,1", "--train-limit", "100", "--test-limit", "20", "--batch-size", "25", "--quiet"]


def _cli(*argv, env_changes=None):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    for key, value in (env_changes or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.Popen([sys.executable, str(ROOT / "main.py"), *argv], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_epochs(proc, out, n):
    deadline = time.time() + 180
    while time.time() < deadline:
        try:
            if len({r.epoch for r in M.read_metrics(out / "metrics.csv")}) >= n:
                return
        except M.MetricsFileError:
            pass
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.1)
    pytest.fail(f"no {n} finished epochs within 180 s")


def _leftovers(folder):
    return [p.name for p in Path(folder).rglob("*")
            if p.name.endswith(".tmp") or p.name in (LOCK_NAME, ".space-reserve")]


@pytest.mark.parametrize("signals", [[signal.SIGTERM], [signal.SIGHUP], [signal.SIGINT, signal.SIGINT]],
                         ids=["SIGTERM", "SIGHUP", "Ctrl-C twice"])
def test_signals_leave_stopped_and_every_finished_epoch(tmp_path, signals):
    out = tmp_path / "run"
    proc = _cli("run", *TINY, "--epochs", "500", "--out", str(out))
    try:
        _wait_for_epochs(proc, out, 2)
        for sig in signals:
            proc.send_signal(sig)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    manifest = read_manifest(out)
    rows = M.read_metrics(out / "metrics.csv")
    epochs = {r.epoch for r in rows}
    assert manifest["status"] == "stopped" and read_status(out).status == "stopped"
    assert {0, 1} <= epochs and len(rows) == 4 * len(epochs)
    assert manifest["trials"][0]["epochs_done"] == len(epochs)
    assert _leftovers(out) == [] and "Traceback" not in err


def test_rerun_applies_the_recorded_thread_count_bit_for_bit(tmp_path):
    """The README suggests TF_NUM_INTRAOP_THREADS=1 for a smoother window; a re-run from a process
    started without it must still repeat the run exactly (the recorded setting is applied)."""
    out = tmp_path / "run"
    proc = _cli("run", *TINY, "--epochs", "2", "--out", str(out), env_changes={"TF_NUM_INTRAOP_THREADS": "1"})
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert read_manifest(out)["environment"]["threads"]["intra_op"] == 1
    again = tmp_path / "again"
    proc = _cli("rerun", str(out), "--out", str(again), "--quiet", env_changes={"TF_NUM_INTRAOP_THREADS": None})
    stdout, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, stdout + err
    assert stdout.startswith("match: all 8 metric rows are identical"), stdout
    assert "intra-op" not in stdout
    assert read_manifest(again)["environment"]["threads"]["intra_op"] == 1


# ------------------------------------------------------------------ file systems (need root)
@pytest.fixture
def small_fs(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root")
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount tmpfs here: {done.stderr.decode().strip()}")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def _fill(path: Path) -> None:
    """Fill the file system to the last byte."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT)
    try:
        for size in (65536, 4096, 512, 1):
            while True:
                try:
                    if os.write(fd, b"\0" * size) < size:
                        break
                except OSError:
                    break
    finally:
        os.close(fd)


def test_a_full_disk_mid_run_leaves_failed_with_one_line_and_whole_epochs(small_fs):
    from tests.workbench.records.test_records import small
    from workbench.execution.runner import run_experiment

    class FillAfterSecondEpoch:
        def on_epoch(self, event, folder):
            if event.epoch == 1:
                _fill(small_fs / "filler")

    out = small_fs / "run"
    outcome = run_experiment(small(epochs=50), out, FillAfterSecondEpoch())
    assert outcome.status == "failed" and "No space left on device" in outcome.error
    assert "\n" not in outcome.error
    manifest = read_manifest(out)
    assert manifest["status"] == "failed" and manifest["error"] == outcome.error
    rows = M.read_metrics(out / "metrics.csv")
    epochs = {r.epoch for r in rows}
    assert {0, 1} <= epochs and len(rows) == 4 * len(epochs)
    assert _leftovers(out) == []


def test_out_on_a_full_disk_is_one_line_and_leaves_nothing(small_fs, capsys):
    from workbench.cli.main import main
    _fill(small_fs / "filler")
    assert main(["run", "--out", str(small_fs / "run"), "--epochs", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device" in err
    assert sorted(p.name for p in small_fs.iterdir()) == ["filler"]


def test_out_on_a_read_only_file_system_is_one_line(small_fs, capsys):
    from workbench.cli.main import main
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    assert main(["run", "--out", str(small_fs / "run"), "--epochs", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Read-only file system" in err
