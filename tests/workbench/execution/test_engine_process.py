"""The window's runs train in an engine process: TensorFlow stays out of the window, records stay truthful."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from workbench.execution import engine_process as E
from workbench.records.metrics import read_metrics
from workbench.records.run_status import read_status

from tests.workbench.conftest import tiny_run as tiny

ROOT = Path(__file__).resolve().parents[3]


def _python(script: str, tmp_path: Path, timeout: float = 240) -> subprocess.CompletedProcess:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "RCNN_WORKBENCH_RUNS": str(tmp_path / "runs")}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(script)], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def test_a_run_through_the_bridge_never_loads_tensorflow_in_the_windows_process(tmp_path):
    out = tmp_path / "run"
    proc = _python(f"""
        import sys
        from PySide6.QtCore import QCoreApplication
        from workbench.core.config import DataSpec, load_preset
        from workbench.app.worker import RunController
        app = QCoreApplication([])
        config = load_preset("quick").with_(cases=("0", "1"), data=DataSpec("sample", train_limit=200,
                                            test_limit=100)).with_train(epochs=1, batch_size=50)
        c = RunController()
        epochs, outcomes = [], []
        c.epoch.connect(epochs.append)
        c.finished.connect(lambda o: (outcomes.append(o), app.quit()))
        c.start(config, {str(out)!r})
        app.exec()
        print("STATUS", outcomes[0].status, len(epochs), "tensorflow" in sys.modules)
        import os; print("WINDOW", os.getpid())
    """, tmp_path)
    line = next((l for l in proc.stdout.splitlines() if l.startswith("STATUS")), None)
    assert line == "STATUS completed 1 False", proc.stdout + proc.stderr[-2000:]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "completed"
    window_pid = int(next(l for l in proc.stdout.splitlines() if l.startswith("WINDOW")).split()[1])
    assert isinstance(manifest["writer"]["pid"], int) and manifest["writer"]["pid"] != window_pid


def test_a_killed_engine_process_fails_the_run_in_one_line_and_the_folder_reads_interrupted(
        qtbot, controller, tmp_path):
    epochs = []
    controller.epoch.connect(epochs.append)
    controller.start(tiny(epochs=200), tmp_path / "run")
    qtbot.waitUntil(lambda: len(epochs) >= 1, timeout=120_000)
    engine = controller.worker.engine
    with qtbot.waitSignal(controller.finished, timeout=120_000) as done:   # a hang guard
        os.kill(engine.pid, signal.SIGKILL)
    outcome = done.args[0]
    assert outcome.status == "failed"
    assert f"pid {engine.pid}" in outcome.error and "signal 9" in outcome.error and "\n" not in outcome.error
    status = read_status(tmp_path / "run")
    assert status.status == "interrupted", status
    assert {r.epoch for r in read_metrics(tmp_path / "run" / "metrics.csv")} >= {0}   # finished epochs kept
    assert not controller.running


@pytest.mark.parametrize("paused", [False, True])   # paused: the engine sends nothing, so only its watch sees it
def test_when_the_window_dies_the_engine_stops_the_run_and_writes_its_final_status(tmp_path, paused):
    out = tmp_path / "run"
    proc = _python(f"""
        import os, sys, time
        from workbench.core.config import DataSpec, load_preset
        from workbench.execution.engine_process import EngineProcess, RunRequest
        config = load_preset("quick").with_(cases=("0",), data=DataSpec("sample", train_limit=200,
                                            test_limit=100)).with_train(epochs=500, batch_size=50)
        engine = EngineProcess()
        engine.submit(RunRequest(config.to_dict(), {str(out)!r}))
        for message in engine.messages():
            if message[0] == "epoch":
                if {paused!r}:
                    engine.control.pause()
                    time.sleep(0.5)
                print("ENGINE", engine.pid, flush=True)
                os._exit(0)          # the window's process vanishes without a word to its engine
    """, tmp_path)
    line = next((l for l in proc.stdout.splitlines() if l.startswith("ENGINE")), None)
    assert line is not None, proc.stderr[-2000:]
    pid = int(line.split()[1])
    deadline = time.monotonic() + 600     # a hang guard: a run that trained on ends 'completed', not 'stopped'
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.2)
    assert not _alive(pid), "the orphaned engine process kept training"
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "stopped"
    assert read_status(out).status == "stopped"
    assert {r.epoch for r in read_metrics(out / "metrics.csv")} >= {0}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:   # a zombie (not yet reaped by init) counts as gone
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def test_the_warm_spare_runs_the_next_run_and_a_rerun_gets_a_fresh_engine(qtbot, controller, tmp_path):
    controller.keep_engine_warm()
    assert E.has_spare()
    spare_pid = E._spare.pid
    with qtbot.waitSignal(controller.finished, timeout=120_000) as done:
        controller.start(tiny(), tmp_path / "run")
        assert controller.worker.engine.pid == spare_pid          # the warm one, not a new process
    assert done.args[0].status == "completed", done.args[0].error
    assert E.has_spare() and E._spare.pid != spare_pid          # and a new spare is warming for the next Run
    next_spare = E._spare.pid
    reports = []
    controller.rerun_done.connect(reports.append)
    with qtbot.waitSignal(controller.finished, timeout=120_000):
        controller.start(tiny(), tmp_path / "again", rerun_of=tmp_path / "run")
        engine = controller.worker.engine
        assert engine.pid != next_spare and not engine.preload     # threads and oneDNN apply before TF loads
    assert reports and reports[0].match, reports and reports[0].message


def test_a_request_is_plain_data():
    request = E.RunRequest(tiny().to_dict(), "/tmp/x")
    assert json.loads(json.dumps(request.config)) == request.config


def test_an_idle_spare_ends_on_sigterm_it_holds_no_record():
    spare = E.EngineProcess()
    try:
        assert spare.conn.poll(60)      # its first word ("loading TensorFlow"): its signal handlers are set
        spare.process.terminate()       # as multiprocessing does at exit, or close() after its grace time
        spare.process.join(60)
        assert not spare.alive and spare.process.exitcode == 0   # it ended itself; nothing had to kill it
    finally:
        spare.close(1.0)


def test_shutting_down_mid_run_starts_no_new_spare(qtbot, controller, tmp_path):
    controller.keep_engine_warm()
    steps = []
    controller.step.connect(steps.append)
    controller.start(tiny(epochs=200), tmp_path / "run")
    qtbot.waitUntil(lambda: len(steps) >= 1, timeout=120_000)
    assert controller.shutdown(300_000)      # waits as long as the stop takes; ends a hang
    qtbot.wait(200)             # the finished signal is delivered now, after the thread has ended
    assert not E.has_spare()
    assert json.loads((tmp_path / "run" / "manifest.json").read_text())["status"] == "stopped"
