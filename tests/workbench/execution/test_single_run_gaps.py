"""The single-run gaps: a re-run from another folder finds a relative --data file, a re-run never
trusts a manifest's epochs beyond what the run recorded, and an absurd IDX header names its file."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import resources
from engine.data import DataError, load_dataset
from tests.workbench.records.test_records import _finished_folder
from workbench.cli.main import main
from workbench.execution.rerun import plan
from workbench.records.run_folder import read_manifest

ROOT = Path(__file__).resolve().parents[3]
TINY = ["--cases", "0", "--train-limit", "100", "--test-limit", "20", "--batch-size", "25", "--epochs", "1",
        "--quiet"]


def _main(cwd, *argv):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": "", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *argv], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def test_a_run_on_a_relative_data_path_reruns_from_another_folder(tmp_path, monkeypatch):
    here, elsewhere = tmp_path / "here", tmp_path / "elsewhere"
    here.mkdir()
    elsewhere.mkdir()
    shutil.copy(str(resources.sample()), here / "digits.npz")
    # The run in this process, started in `here` (one TensorFlow start-up fewer); the re-run a fresh
    # process started elsewhere, as a user's would be.
    monkeypatch.chdir(here)
    assert main(["run", "--data", "digits.npz", *TINY, "--out", str(tmp_path / "run")]) == 0
    monkeypatch.undo()
    manifest = read_manifest(tmp_path / "run")
    resolved = str((here / "digits.npz").resolve())
    assert manifest["config"]["data"]["source"] == resolved
    assert [f["path"] for f in manifest["data"]["files"]] == [resolved]         # with its sha256
    done = _main(elsewhere, "rerun", str(tmp_path / "run"), "--out", str(tmp_path / "again"))
    assert done.returncode == 0 and done.stdout.startswith("match:"), done.stdout + done.stderr


def test_a_rerun_never_trains_past_what_the_run_recorded(tmp_path):
    run = _finished_folder(tmp_path / "run", epochs=2)
    manifest = json.loads((run / "manifest.json").read_text())
    manifest["config"]["train"]["epochs"] = 10**12
    (run / "manifest.json").write_text(json.dumps(manifest))
    p = plan(run)
    assert p.config.train.epochs == 2 and p.config.trials == 1
    assert "metrics.csv records 1 of 2" in p.notes[0]


def _idx(path: Path, magic: int, dims: tuple, payload: bytes = b"") -> None:
    path.write_bytes(magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in dims) + payload)


def test_an_idx_header_whose_dimensions_pass_2_to_the_63_names_its_file(tmp_path):
    _idx(tmp_path / "train-images-idx3-ubyte", 2051, (2**22, 2**21, 2**21))     # 2^64: wraps to 0 in int64
    _idx(tmp_path / "train-labels-idx1-ubyte", 2049, (1,), b"\x00")
    _idx(tmp_path / "t10k-images-idx3-ubyte", 2051, (1, 28, 28), bytes(784))
    _idx(tmp_path / "t10k-labels-idx1-ubyte", 2049, (1,), b"\x00")
    with pytest.raises(DataError, match="train-images-idx3-ubyte: truncated IDX file"):
        load_dataset(str(tmp_path))
