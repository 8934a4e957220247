"""gradients.csv and its TensorBoard scalars: written without TensorFlow, read back by TensorFlow's own reader."""
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from tests.workbench.records.test_tensorboard_export import read_independently
from workbench.records.gradient_log import GradientLog, read_gradients

ROOT = Path(__file__).resolve().parents[3]


def _epoch(trial, epoch, gradients):
    return SimpleNamespace(trial=trial, epoch=epoch, step=3, gradients=gradients)


GRADIENTS = {0: {"0": {("g", 0): 0.5, ("grad", "kernel"): 1.25}, "5": {("p", 1): 2.0e-3}},
             1: {"0": {("g", 0): 0.25, ("grad", "kernel"): 1.5}, "5": {("p", 1): 3.0e-3}}}


def _write(run_dir: Path, trials=(0,)) -> None:
    log = GradientLog(run_dir)
    for trial in trials:
        for epoch, gradients in GRADIENTS.items():
            log.step(_epoch(trial, epoch, gradients))
            log.epoch(_epoch(trial, epoch, gradients))
    log.close()
    log.export_tensorboard(run_dir)


def test_epoch_means_are_tensorboard_scalars_per_case(tmp_path):
    _write(tmp_path)
    root = tmp_path / "tensorboard" / "gradients"
    assert sorted(p.name for p in root.iterdir()) == ["case_0", "case_5"]
    assert read_independently(root / "case_0") == {
        "gradient_flow/g_t0": [(0, 0.5), (1, 0.25)], "weights/grad/kernel": [(0, 1.25), (1, 1.5)]}
    (tag, values), = read_independently(root / "case_5").items()
    assert tag == "gradient_flow/p_t1"
    assert values == [(0, float(np.float32(2.0e-3))), (1, float(np.float32(3.0e-3)))]
    assert len(read_gradients(tmp_path)) == 2 * 2 * 3       # step and epoch rows, two epochs, three norms


def test_several_trials_get_a_run_each(tmp_path):
    _write(tmp_path, trials=(0, 1))
    names = sorted(p.name for p in (tmp_path / "tensorboard" / "gradients").iterdir())
    assert names == ["case_0_trial_0", "case_0_trial_1", "case_5_trial_0", "case_5_trial_1"]


def test_a_linked_tensorboard_folder_is_refused_and_nothing_is_written_through_it(tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    run = tmp_path / "run"
    run.mkdir()
    (run / "tensorboard").symlink_to(elsewhere)
    with pytest.raises(OSError, match="not a plain folder"):
        _write(run)
    assert list(elsewhere.iterdir()) == []


def test_writing_the_gradient_scalars_does_not_load_tensorflow(tmp_path):
    code = ("import sys\n"
            "from pathlib import Path\n"
            "from tests.workbench.records.test_gradient_log import _write\n"
            "_write(Path(sys.argv[1]))\n"
            "sys.exit(3 if 'tensorflow' in sys.modules else 0)\n")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "tensorboard" / "gradients" / "case_0").is_dir()
