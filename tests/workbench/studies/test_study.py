"""Studies: the grid, the one writer of the study folder, and the three backends giving the same numbers.

The backend tests train a tiny study (vanilla, two cases, 200 images, one
epoch) with TensorFlow pinned to one thread everywhere, so every backend must
produce the same metrics bit for bit; one worker of each parallel backend is
killed (SIGKILL) in the middle of a trial, which must be retried and the
study complete.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from engine.events import RunControl
from workbench.cli.main import main
from workbench.core.config import ConfigError, DataSpec, load_preset
from workbench.records.run_lock import is_held
from workbench.execution.study_driver import resume_study, run_study
from workbench.studies.study_file import read_study
from workbench.studies.spec import StudyOptions, StudySpec, load_study_file, parse_seeds

ROOT = Path(__file__).resolve().parents[3]
TINY = ["--arch", "vanilla", "--cases", "0,1", "--epochs", "1", "--train-limit", "200", "--test-limit", "100",
        "--batch-size", "50"]


def tiny_base(arch="vanilla"):
    return (load_preset("quick", arch).with_(cases=("0", "1"), data=DataSpec("sample", 200, 100))
            .with_train(epochs=1, batch_size=50))


def metrics(study: Path) -> dict[int, str]:
    """trial -> its metrics.csv without the wall-time column."""
    state = read_study(study)
    out = {}
    for e in state["trials"]:
        lines = (study / e["folder"] / "metrics.csv").read_text().splitlines()
        out[e["index"]] = "\n".join(",".join(line.split(",")[:6]) for line in lines)
    return out


# --------------------------------------------------------------------------------- the grid
def test_grid_expands_configurations_outermost_seeds_innermost_and_round_trips_as_json(tmp_path):
    spec = StudySpec.from_config(tiny_base(), seeds=(0, 1), archs=("post-a", "vanilla"),
                                 learning_rates=(0.001, 0.007))
    trials = spec.trials()
    assert spec.size == len(trials) == 8
    assert [(t.arch, t.config.train.learning_rate, t.seed) for t in trials[:4]] == [
        ("post-a", 0.001, 0), ("post-a", 0.001, 1), ("post-a", 0.007, 0), ("post-a", 0.007, 1)]
    assert trials[5].group == "vanilla lr=0.001" and trials[5].config.trials == 1
    assert [t.name for t in trials] == [f"trial-{k}" for k in range(8)]
    spec.save(tmp_path / "s.json", StudyOptions("processes", workers=3))
    again, options = load_study_file(tmp_path / "s.json")
    assert [t.config.to_dict() for t in again.trials()] == [t.config.to_dict() for t in trials]
    assert options == StudyOptions("processes", workers=3)


@pytest.mark.parametrize("make, words", [
    (lambda: StudySpec.from_config(tiny_base(), seeds=()), "at least one seed"),
    (lambda: StudySpec.from_config(tiny_base(), seeds=(1, 1)), "listed twice"),
    (lambda: StudySpec.from_config(tiny_base(), seeds=(0,), learning_rates=(-1.0, 0.1)), "learning rate"),
    (lambda: StudySpec.from_config(tiny_base(), seeds=(0,), semantics=("nope", "corrected")), "semantics"),
    (lambda: parse_seeds("4-1"), "0-4"),
    (lambda: StudyOptions("slurm").validated(), "backend"),
    (lambda: StudyOptions("processes", address="auto").validated(), "--address"),
])
def test_bad_grids_and_options_raise_one_line(make, words):
    with pytest.raises(ConfigError) as info:
        make()
    assert words in str(info.value) and "\n" not in str(info.value)


# --------------------------------------------------------------------------------- the CLI
@pytest.mark.parametrize("argv, words", [
    (["study", "--seeds", "0-x", "--out", "X"], "--seeds"),
    (["study", "--arch", "post-a,nope", "--out", "X"], "nope"),
    (["study", "--backend", "slurm", "--out", "X"], "backend"),
    (["study", "--workers", "0", "--out", "X"], "workers"),
    (["study", "--lr", "0.1,abc", "--out", "X"], "abc"),
    (["study", "--seed", "3", "--out", "X"], "--seeds"),
    (["study", "--address", "auto", "--out", "X"], "--address"),
    (["study", "--seeds", "0-2"], "--out"),
    (["study", "--resume", "NOPE"], "study folder"),
])
def test_bad_study_options_give_one_line_and_status_2(argv, words, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("rcnn-workbench: error:") and err.count("\n") == 1 and words in err, err
    assert not (tmp_path / "X").exists()


def test_an_existing_study_folder_is_never_written_into(tmp_path, capsys):
    out = tmp_path / "study"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(["study", *TINY, "--seeds", "0", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "never overwritten" in err and err.count("\n") == 1
    assert sorted(p.name for p in out.iterdir()) == ["notes.txt"]


def test_without_ray_the_ray_backend_says_what_to_install(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)          # import ray -> ImportError
    assert main(["study", *TINY, "--seeds", "0", "--backend", "ray", "--out", str(tmp_path / "s")]) == 2
    err = capsys.readouterr().err
    assert "pip install .[ray]" in err and err.count("\n") == 1
    assert not (tmp_path / "s").exists()


# --------------------------------------------------------------------------------- resume
def test_resume_runs_only_the_trials_that_are_not_completed(tmp_path):
    spec = StudySpec.from_config(tiny_base(), seeds=(0, 1, 2))
    control = RunControl()

    class StopAfterFirst:
        def on_trial_end(self, k, result):
            control.stop()

    # Unpacked, so that the stop after the first trial leaves the others to a resume.
    first = run_study(spec, tmp_path / "s", StudyOptions("local", pack=False), StopAfterFirst(), control)
    assert first.status == "stopped"
    assert [t["status"] for t in first.trials] == ["completed", "pending", "pending"]
    kept = (tmp_path / "s" / "trial-0" / "manifest.json").read_text()

    seen = []

    class Record:
        def on_trial(self, k, entry):
            seen.append((k, entry["status"]))

    second = resume_study(tmp_path / "s", listener=Record())
    assert second.status == "completed"
    assert {k for k, _ in seen} == {1, 2}
    assert (tmp_path / "s" / "trial-0" / "manifest.json").read_text() == kept
    state = read_study(tmp_path / "s")
    assert [s["trials"] for s in state["sessions"]] == [[0, 1, 2], [1, 2]]
    assert all(t["status"] == "completed" for t in state["trials"])
    assert not is_held(tmp_path / "s")                 # the driver let go of the study folder


# --------------------------------------------------------------------------------- backends
class KillOnce:
    """Kills the worker process of trial `victim` (SIGKILL) at its first step (of epoch `epoch`), once.

    Events reach the driver some time after the worker sent them (Ray batches them), so the worker
    may be an epoch or more ahead when it dies. The killer therefore records the trial's checkpoints
    as the driver holds them (epochs done, newest last): when the kill is sent (`held_at_kill`) and
    when the driver gives the attempt up and queues the retry (`held_at_retry`), which the retry
    must continue from.
    """

    def __init__(self, victim: int, epoch: int = 0):
        self.victim, self.epoch, self.pid, self.killed = victim, epoch, None, False
        self.dir: Path | None = None
        self.held_at_kill: list[int] | None = None
        self.held_at_retry: list[int] | None = None

    def _held(self) -> list[int]:
        from workbench.records.checkpoint_store import CheckpointStore
        return [e for t, e in CheckpointStore(self.dir / f"trial-{self.victim}").checkpoints() if t == 0]

    def on_study_started(self, study_dir, state):
        self.dir = Path(study_dir)

    def on_trial(self, k, entry):
        if k != self.victim:
            return
        if entry["status"] == "running":
            self.pid = entry["pid"]
        elif entry["status"] == "pending" and self.killed and self.held_at_retry is None:
            self.held_at_retry = self._held()

    def on_step(self, k, event):
        if k == self.victim and event.epoch >= self.epoch and not self.killed and self.pid not in (None, os.getpid()):
            self.killed = True
            self.held_at_kill = self._held()
            os.kill(self.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def local_study(tmp_path_factory):
    """The reference: the local backend, in a fresh process pinned to one TensorFlow thread."""
    out = tmp_path_factory.mktemp("local") / "study"
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "study", *TINY, "--seeds", "0-2",
                           "--backend", "local", "--threads-per-worker", "1", "--pack", "off", "--quiet",
                           "--out", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "study status: completed" in done.stdout
    return out


def tiny_spec():
    return StudySpec.from_config(tiny_base(), seeds=(0, 1, 2))


@pytest.mark.parametrize("backend", ["processes", "ray"])
def test_parallel_backend_matches_local_bit_for_bit_after_a_worker_is_killed(backend, local_study, tmp_path):
    killer = KillOnce(victim=1)
    # Unpacked on both sides: the backends compared, one trial per worker (packs would split differently).
    outcome = run_study(tiny_spec(), tmp_path / "s",
                        StudyOptions(backend, workers=2, threads_per_worker=1, pack=False), killer)
    assert killer.killed
    assert outcome.status == "completed", outcome.error
    state = read_study(tmp_path / "s")
    by_index = {t["index"]: t for t in state["trials"]}
    assert by_index[1]["attempts"] == 2 and by_index[1]["previous_folders"] == ["trial-1.attempt-1"]
    aside = json.loads((tmp_path / "s" / "trial-1.attempt-1" / "manifest.json").read_text())
    assert aside["status"] == "interrupted" and "worker lost" in aside["error"]
    assert all(t["status"] == "completed" and t["node"] for t in state["trials"])
    assert metrics(tmp_path / "s") == metrics(local_study)
    manifest = json.loads((tmp_path / "s" / "trial-0" / "manifest.json").read_text())
    worker = manifest["worker"]
    assert worker["backend"] == backend and worker["intra_op_threads"] == 1 and worker["device"]["type"] == "CPU"
    assert (worker["ray"] is not None) == (backend == "ray")
    assert manifest["status"] == "completed" and manifest["study"]["trial"] == 0
    assert state["backend"]["workers"] == 2


def test_compare_pools_a_studys_trials_paired_by_seed(local_study, capsys):
    assert main(["compare", str(local_study), "--reference", "0"]) == 0
    out = capsys.readouterr().out
    assert "== vanilla: 3 seed(s) (0, 1, 2)" in out
    assert "case 1: " in out and "(n=3)" in out and "(paired)" in out


def test_the_command_line_and_a_study_file_describe_the_same_grid(tmp_path):
    from workbench.cli.main import build_parser
    from workbench.cli.study import _options, spec_from_args
    args = build_parser().parse_args(["study", *TINY[2:], "--arch", "vanilla,concat", "--seeds", "0-1",
                                      "--lr", "0.001,0.007", "--out", str(tmp_path / "o")])
    spec = spec_from_args(args)
    assert spec.size == 8 and spec.archs == ("vanilla", "concat")
    assert [(t.arch, t.config.train.learning_rate, t.seed) for t in spec.trials()][2:4] == [
        ("vanilla", 0.007, 0), ("vanilla", 0.007, 1)]
    assert all(t.config.cases == ("0", "1") and t.config.data.train_limit == 200 for t in spec.trials())
    spec.save(tmp_path / "grid.json", StudyOptions("ray", workers=4, threads_per_worker=2))
    again = build_parser().parse_args(["study", "--config", str(tmp_path / "grid.json"), "--workers", "3",
                                       "--out", str(tmp_path / "o")])
    assert [t.config.to_dict() for t in spec_from_args(again).trials()] == [t.config.to_dict() for t in spec.trials()]
    assert _options(again, load_study_file(tmp_path / "grid.json")[1]) == StudyOptions("ray", 3, 2)


def test_study_json_says_which_case_diverged_where_its_final_values_stop(tmp_path):
    from engine.cases import Case, parse_connections
    boom = Case("boom", "boom", "#888888", "manual", parse_connections("1<g3*1e38"))
    base = (tiny_base("post-a").with_(cases=("0", "boom"), custom_cases=(boom,))
            .with_train(epochs=2, dilation_P=1000.0))
    outcome = run_study(StudySpec.from_config(base, seeds=(0,)), tmp_path / "s", StudyOptions("local"))
    assert outcome.status == "completed", outcome.error
    entry = read_study(tmp_path / "s")["trials"][0]
    assert entry["diverged_at"] == {"boom": 0}
    assert entry["final"]["0"]["test_accuracy"] is not None
