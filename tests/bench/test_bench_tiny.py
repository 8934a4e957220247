"""The engine benchmark's tiny mode runs end to end (the full benchmark is too slow for the suite)."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs the git checkout")
def test_bench_engine_tiny_measures_this_engine_beside_the_committed_one():
    """Post A only: the FLOP-rate rows measure it anyway, and a second architecture's row is the same
    loop again (three more compiled steps) for no other code."""
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_engine.py"), "--tiny", "--arch", "post-a",
                          "--before", "HEAD"],
                         capture_output=True, text=True, timeout=900,
                         env={**os.environ, "PYTHONPATH": str(ROOT), "CUDA_VISIBLE_DEVICES": ""})
    assert out.returncode == 0, out.stderr[-2000:]
    rows = [line for line in out.stdout.splitlines() if line.startswith("| ")]
    assert any(r.startswith("| post-a |") for r in rows)
    assert not any(r.startswith("| vanilla |") for r in rows)        # --arch is honoured
    assert any(r.startswith("| 4 |") for r in rows)              # the FLOP-rate row of the tiny batch
    assert "before: all 7 cases" in out.stdout and "after: all 7 cases" in out.stdout


def test_bench_runs_table_tiny_lists_every_synthetic_run_and_reports_the_ratio_to_the_index():
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_runs_table.py"), "--tiny"],
                         capture_output=True, text=True, timeout=300,
                         env={**os.environ, "PYTHONPATH": str(ROOT), "QT_QPA_PLATFORM": "offscreen"})
    assert out.returncode == 0, out.stderr[-2000:]
    assert "60 runs listed (1 damaged)" in out.stdout                 # the damaged one is a row, not a crash
    row = next(line for line in out.stdout.splitlines() if line.startswith("| 60 |"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert len(cells) == 8 and float(cells[6]) > 0.0                  # (load + sort) / index


def test_bench_checkpoint_tiny_measures_epoch_time_with_checkpoints_on_and_off_and_their_size():
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_checkpoint.py"), "--tiny"],
                         capture_output=True, text=True, timeout=900,
                         env={**os.environ, "PYTHONPATH": str(ROOT), "CUDA_VISIBLE_DEVICES": ""})
    assert out.returncode == 0, out.stderr[-2000:]
    rows = {line.split("|")[1].strip(): [c.strip() for c in line.split("|")[2:-1]]
            for line in out.stdout.splitlines() if line.startswith("| ") and not line.startswith("| checkpoints")}
    assert set(rows) == {"off", "5m", "1"}
    assert rows["off"][2] == "0" and int(rows["1"][2]) == 3      # written: none, one per epoch
    assert float(rows["1"][3]) > 0                                # the checkpoint's size in MB
    assert "of training time" in out.stdout


def test_bench_seeds_tiny_measures_a_pack_against_processes_and_one_trial():
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_seeds.py"), "--tiny"],
                         capture_output=True, text=True, timeout=900,
                         env={**os.environ, "PYTHONPATH": str(ROOT), "CUDA_VISIBLE_DEVICES": ""})
    assert out.returncode == 0, out.stderr[-2000:]
    rows = [line for line in out.stdout.splitlines() if line.startswith("| ")]
    assert [r.split(" |")[0] for r in rows[1:]] == ["| pack (`run --trials 2`)",
                                                    "| processes (2 workers × 1 thread, `--pack off`)",
                                                    "| one trial (`run --trials 1`)"]
    assert "processes / pack wall time:" in out.stdout and "pack / one trial peak RSS:" in out.stdout
