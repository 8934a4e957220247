"""Resume and extend: SIGKILLed runs resumed from their checkpoints write exactly what an uninterrupted
run writes; every input a resume cannot use is refused in one line with nothing changed."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from workbench.cli.main import main
from workbench.core.config import DataSpec, load_preset
from workbench.execution.runner import run_experiment
from workbench.records.checkpoint_store import CheckpointStore
from workbench.records.run_lock import FolderLock
from workbench.records.steps import read_steps
from workbench.records.tensorboard_export import read_scalars

ROOT = Path(__file__).resolve().parents[3]
TINY = ["--arch", "vanilla", "--cases", "0,1,3", "--train-limit", "100", "--test-limit", "40",
        "--batch-size", "25", "--quiet"]
DEADLINE_S = 900            # only a hung process ever gets near it


def command(*argv, kill_at=None, marker=None):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}
    env.pop("KILL_AT", None)
    if kill_at:
        env.update(KILL_AT=kill_at, KILL_MARKER=str(marker))
    return subprocess.Popen([sys.executable, "-m", "tests.workbench.execution.kill_points", *map(str, argv)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(*argv):
    proc = command(*argv)
    out, err = proc.communicate(timeout=DEADLINE_S)
    return proc.returncode, out, err


def kill_at(point, marker, *argv):
    """Start the command, wait until it reaches `point` (its marker file appears), SIGKILL it."""
    proc = command(*argv, kill_at=point, marker=marker)
    deadline = time.monotonic() + DEADLINE_S
    while not marker.exists():
        if proc.poll() is not None:
            pytest.fail(f"exited ({proc.returncode}) before reaching {point}: {proc.stderr.read()[-2000:]}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"never reached {point}")
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    marker.unlink()


def metric_values(run):
    """metrics.csv less its wall-time column (seconds since the start: the one column a resume cannot repeat)."""
    return [line.rsplit(",", 1)[0] for line in (run / "metrics.csv").read_text().splitlines()]


def scalars(run):
    return {d.name: read_scalars(d) for d in sorted((run / "tensorboard").iterdir()) if d.name != "gradients"}


def test_runs_killed_mid_step_mid_checkpoint_and_mid_truncation_resume_to_the_uninterrupted_records(tmp_path):
    reference, run, marker = tmp_path / "reference", tmp_path / "run", tmp_path / "reached"
    # The uninterrupted reference trains in this process (the same command line, one TensorFlow
    # start-up fewer); the runs that are killed and resumed are processes of their own.
    assert main(["run", *TINY, "--epochs", "4", "--checkpoint-every", "off", "--out", str(reference)]) == 0

    # Epochs have 4 training and 2 test batches: the 9th batch drawn is in epoch 1's training.
    kill_at("step:9", marker, "run", *TINY, "--epochs", "4", "--checkpoint-every", "1", "--out", run)
    assert json.loads((run / "manifest.json").read_text())["status"] == "running"     # killed: no ending
    assert CheckpointStore(run).checkpoints() == [(0, 1)]

    kill_at("truncation", marker, "resume", run, "--checkpoint-every", "1", "--quiet")
    # The next resume's first checkpoint is epoch 2's; killed while epoch 3's arrays are being written.
    kill_at("checkpoint:2", marker, "resume", run, "--checkpoint-every", "1", "--quiet")
    assert CheckpointStore(run).checkpoints() == [(0, 1), (0, 2)]
    assert any(n.endswith(".tmp") for n in os.listdir(run / "checkpoints"))    # the write cut off

    code, _, err = finish("resume", run, "--checkpoint-every", "1", "--quiet")
    assert code == 0, err
    assert metric_values(run) == metric_values(reference)
    assert (run / "transparency.txt").read_text() == (reference / "transparency.txt").read_text()
    assert (run / "gradients.csv").read_text() == (reference / "gradients.csv").read_text()
    assert scalars(run) == scalars(reference)
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["status"] == "completed"
    # A resumption is recorded once the records are cut back: the one killed during the cut is not.
    assert [r["from_epoch"] for r in manifest["resumptions"]] == [{"0": 1}, {"0": 2}]
    assert all(r["host"] and r["at"] for r in manifest["resumptions"])
    assert manifest["trials"][0]["epochs_done"] == 4 and manifest["trials"][0]["status"] == "completed"
    assert manifest["checkpoints"]["latest"]["epoch"] == 4 and manifest["checkpoints"]["latest"]["bytes"] > 0
    assert not any(n.endswith(".tmp") for n in os.listdir(run / "checkpoints"))


# --------------------------------------------------------------------------- in process
def tiny_config(epochs=2, trials=1):
    config = load_preset("quick").with_(arch="vanilla", cases=("0", "1"), data=DataSpec("sample", 50, 25),
                                        trials=trials)
    return config.with_train(epochs=epochs, batch_size=25)


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A completed two-epoch run, two trials, checkpointed every epoch (copied by each test that changes it)."""
    out = tmp_path_factory.mktemp("finished") / "run"
    outcome = run_experiment(tiny_config(trials=2), out, checkpoint_every="1")
    assert outcome.status == "completed", outcome.error
    return out


@pytest.fixture
def run(finished, tmp_path):
    copy = tmp_path / "run"
    shutil.copytree(finished, copy, symlinks=True)
    return copy


def snapshot(folder):
    out = {}
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file() or path.is_symlink():
            out[str(path.relative_to(folder))] = path.read_bytes() if path.is_file() else os.readlink(path)
    return out


def refused(argv, folder, capsys):
    before = snapshot(folder)
    assert main(argv) == 2
    line = capsys.readouterr().err.strip()
    assert snapshot(folder) == before
    assert len(line.splitlines()) == 1 and "Traceback" not in line
    return line


def test_extending_a_finished_run_trains_every_trial_on_as_if_started_with_more_epochs(run, tmp_path):
    assert main(["resume", str(run), "--epochs", "3", "--quiet"]) == 0
    longer = run_experiment(tiny_config(epochs=3, trials=2), tmp_path / "longer", checkpoint_every="off")
    assert longer.status == "completed"
    assert sorted(metric_values(run)) == sorted(metric_values(tmp_path / "longer"))
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["config"]["train"]["epochs"] == 3
    assert manifest["resumptions"][0]["from_epoch"] == {"0": 2, "1": 2}
    assert [t["epochs_done"] for t in manifest["trials"]] == [3, 3]
    assert manifest["resumptions"][0]["checkpoint_every"] == "1"     # checkpointing goes on as the run was started
    # steps.csv goes on too: every epoch's last report as the longer run's, none recorded twice
    steps = read_steps(run / "steps.csv")
    assert epoch_end_steps(steps) == epoch_end_steps(read_steps(tmp_path / "longer" / "steps.csv"))
    assert {r.epoch for r in steps} == {0, 1, 2}
    keys = [(r.trial, r.epoch, r.step, r.case) for r in steps]
    assert len(keys) == len(set(keys))


def epoch_end_steps(steps):
    """Each epoch's last step report (always kept; the ones between depend on the clock)."""
    return sorted((r.trial, r.epoch, r.case, r.cost, r.accuracy) for r in steps if r.step == r.steps_per_epoch)


def test_a_damaged_newest_checkpoint_is_passed_over_in_one_line_and_the_one_before_used(run, capsys):
    newest = run / "checkpoints" / "trial001-epoch000002.npz"
    data = bytearray(newest.read_bytes())
    data[-100] ^= 0xFF
    newest.write_bytes(bytes(data))
    expected = metric_values(run)
    assert main(["resume", str(run), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "trial001-epoch000002.npz: damaged checkpoint" in err and "using the one before" in err
    assert metric_values(run) == expected          # trial 1's second epoch trained again, to the same bits
    assert json.loads((run / "manifest.json").read_text())["resumptions"][0]["from_epoch"] == {"1": 1}


def test_a_finished_run_without_more_epochs_is_refused(run, capsys):
    assert "already complete with 2 epochs" in refused(["resume", str(run)], run, capsys)


def test_fewer_epochs_than_planned_are_refused(run, capsys):
    assert "never shortened" in refused(["resume", str(run), "--epochs", "1"], run, capsys)


def test_a_folder_that_is_not_a_run_is_refused(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("hello")
    assert "not a run folder" in refused(["resume", str(tmp_path)], tmp_path, capsys)
    missing = tmp_path / "missing"
    assert main(["resume", str(missing)]) == 2 and not missing.exists()


def test_a_running_run_is_refused(run, capsys):
    lock = FolderLock(run).acquire()            # a live writer
    try:
        before = snapshot(run)
        assert main(["resume", str(run), "--epochs", "3"]) == 2
        assert "it is running" in capsys.readouterr().err
        assert snapshot(run) == before
    finally:
        lock.release()


def test_a_run_without_a_checkpoint_is_refused(tmp_path, capsys):
    out = tmp_path / "run"
    assert run_experiment(tiny_config(epochs=1), out, checkpoint_every="off").status == "completed"
    assert "no checkpoint" in refused(["resume", str(out), "--epochs", "2"], out, capsys)


@pytest.mark.parametrize("field,value,says", [("engine_version", 1, "engine version 1"),
                                              ("architecture", "post-a", "architecture post-a")])
def test_a_checkpoint_of_another_engine_or_architecture_is_refused(run, capsys, field, value, says):
    for path in (run / "checkpoints").glob("*.json"):
        record = json.loads(path.read_text())
        record["belongs_to"][field] = value
        path.write_text(json.dumps(record))
    assert says in refused(["resume", str(run), "--epochs", "3"], run, capsys)


def test_an_edited_configuration_is_refused(run, capsys):
    manifest = json.loads((run / "manifest.json").read_text())
    manifest["config"]["train"]["learning_rate"] = 0.01
    (run / "manifest.json").write_text(json.dumps(manifest))
    assert "was edited" in refused(["resume", str(run), "--epochs", "3"], run, capsys)


def test_a_bad_checkpoint_every_is_refused_in_one_line(run, capsys):
    assert "--checkpoint-every" in refused(["resume", str(run), "--epochs", "3", "--checkpoint-every", "soon"],
                                           run, capsys)


def test_a_checkpoint_that_cannot_be_written_is_recorded_and_training_goes_on(tmp_path, monkeypatch):
    import errno

    from workbench.records import checkpoint_store

    def full_disk(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(checkpoint_store.CheckpointStore, "save", full_disk)
    outcome = run_experiment(tiny_config(epochs=2), tmp_path / "run", checkpoint_every="1")
    assert outcome.status == "completed"
    record = json.loads((tmp_path / "run" / "manifest.json").read_text())["checkpoints"]
    assert record["failures"] == [{"trial": 0, "epoch": 1, "error": "No space left on device"},
                                  {"trial": 0, "epoch": 2, "error": "No space left on device"}]
    assert "latest" not in record


def test_a_metrics_file_missing_epochs_the_checkpoint_has_trained_is_refused(run, capsys):
    lines = (run / "metrics.csv").read_text().splitlines(keepends=True)
    (run / "metrics.csv").write_text("".join(line for line in lines if not line.startswith("1,")))  # trial 1 gone
    assert "trial 1 lacks epoch 0" in refused(["resume", str(run), "--epochs", "3"], run, capsys)


def test_other_data_than_the_run_trained_on_is_refused(run, capsys):
    manifest = json.loads((run / "manifest.json").read_text())
    manifest["data"]["files"][0]["sha256"] = "0" * 64
    (run / "manifest.json").write_text(json.dumps(manifest))
    assert "not the data the run trained on" in refused(["resume", str(run), "--epochs", "3"], run, capsys)
