"""The headless command line: options, exit codes, a killed run's files."""
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from workbench.records import metrics as M
from workbench.cli.main import config_from_args, build_parser, main
from workbench.records.published_logs import parse_log

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("argv,words", [
    (["run", "--epochs", "0"], "--epochs"),
    (["run", "--epochs", "two"], "whole number"),
    (["run", "--arch", "nope"], "--arch"),
    (["run", "--cases", "0,9"], "unknown case '9'"),
    (["run", "--cases", "1,1"], "twice"),
    (["run", "--lr", "-1"], "learning rate"),
    (["run", "--semantics", "faithful"], "--semantics"),
    (["run", "--data", "/no/such/file.npz"], "no such file"),
    (["run", "--preset", "huge"], "--preset"),
    (["run", "--case", "x=1<q3"], "connection"),
    (["run", "--config", "/no/such/config.json"], "cannot read"),
    (["run", "--noise", "gaussian,salt,poisson,gamma"], "--noise"),
    (["run", "--noise", "gaussian,poisson"], "timesteps"),
    (["frobnicate"], "invalid choice"),
    ([], "give a command"),
])
def test_bad_options_give_one_line_and_status_2(argv, words, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert words in err and err.count("\n") == 1 and err.startswith("rcnn-workbench: error:")


def test_options_override_the_preset():
    args = build_parser().parse_args(["run", "--preset", "post-a", "--epochs", "3", "--cases", "0,5",
                                      "--data", "sample", "--semantics", "as-published", "--case", "mine=1<p3"])
    config = config_from_args(args)
    assert config.train.epochs == 3 and config.train.batch_size == 1000 and config.train.init == "published"
    assert config.cases == ("0", "5") and config.train.semantics == "as-published"
    args = build_parser().parse_args(["run", "--case", "mine=1<p3,0<g2"])
    config = config_from_args(args)
    assert config.cases[-1] == "mine" and config.custom_cases[0].connections[1].to_text() == "0<g2"


def _cli(*argv, **kw):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    return subprocess.Popen([sys.executable, str(ROOT / "main.py"), *argv], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def test_real_process_exit_status_for_a_bad_option():
    proc = _cli("run", "--batch-size", "0")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and err.strip().count("\n") == 0 and "--batch-size" in err


def test_a_killed_run_leaves_every_finished_epoch_readable(tmp_path):
    out = tmp_path / "run"
    proc = _cli("run", "--cases", "0,1", "--epochs", "50", "--train-limit", "100", "--test-limit", "20",
                "--batch-size", "25", "--out", str(out))
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            if (out / "metrics.csv").exists() and len(M.read_metrics(out / "metrics.csv")) >= 8:
                break
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.2)
        else:
            pytest.fail("no two finished epochs within 120 s")
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    rows = M.read_metrics(out / "metrics.csv")
    epochs = {r.epoch for r in rows}
    assert {0, 1} <= epochs and len(rows) == 4 * len(epochs)     # whole epochs only
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "running" and manifest["trials"][0]["epochs_done"] >= len(epochs) - 1
    # The manifest could not say so, but every reader does: the writer died without a word.
    from workbench.records.run_status import read_status
    assert read_status(out).status == "interrupted"
    # metrics.csv is written first; the log and event files follow it within the same epoch.
    log = parse_log(out / "transparency.txt")
    assert {r.epoch for r in log.rows} >= epochs - {max(epochs)}
    # SIGKILL leaves the writer's 256 KiB space reserve; a ZIP export holds only the user's files and
    # leaves the reserve where it is (nothing but its writer removes it).
    assert (out / ".space-reserve").stat().st_size == 256 * 1024
    assert main(["export", str(out), "--zip", str(out.parent / "killed.zip")]) == 0
    with zipfile.ZipFile(out.parent / "killed.zip") as z:
        names = {n.split("/", 1)[1] for n in z.namelist()}
    assert {"manifest.json", "metrics.csv", "transparency.txt"} <= names
    assert not names & {".space-reserve", "writer.lock"}
    assert (out / ".space-reserve").exists()
