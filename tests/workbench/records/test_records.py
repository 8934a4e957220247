"""Run records you can trust: never overwritten, a truthful status, safe writes, one line per bad input.

These tests make the faults for real where a test can: folders that exist,
a second writer, planted symbolic links, a dead writer, a cut-off CSV line,
a pickled settings value, /dev/zero, a proxy that never answers. Signals,
full and read-only file systems and the thread-count re-run are in
test_records_faults.py (subprocesses and mounts).
"""
import json
import os
import pickle
import socket
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest

from engine.events import CaseEpoch, EpochEvent, Progress, TrialResult
from workbench.records import metrics as M
from workbench.records import run_lock
from workbench.cli.main import main
from workbench.core.config import ConfigError, DataSpec, ExperimentConfig, load_preset
from workbench.records.export import ExportError, export_folder
from workbench.records.run_folder import (RESERVE_BYTES, RESERVE_NAME, RunFolder, RunFolderError, claim_folder,
                                  create_run_dir, new_run_dir, read_manifest)
from workbench.records.run_status import read_status

ROOT = Path(__file__).resolve().parents[3]


def small(**train):
    config = load_preset("quick").with_(cases=("0", "1"), data=DataSpec("sample", 100, 40))
    return config.with_train(**{"epochs": 3, "batch_size": 25, **train})


def event(epoch, trial=0, cases=("0", "1"), vary=True):
    e = epoch if vary else 0
    metrics = {k: CaseEpoch(60.0 + e + i / 8, 0.5 + e / 128, 61.0 - e, 0.25 + i / 8)
               for i, k in enumerate(cases)}
    return EpochEvent(trial, epoch, metrics, (), Progress(epoch + 1, 10, 1.0, None), float(epoch))


def result(trial=0, epochs=1, status="completed"):
    return TrialResult(trial, trial, status, epochs, {}, {}, {"0": 0.1}, {"0": [1, 2]}, [1, 2])


def one_line_error(capsys, code, argv):
    assert main(argv) == code
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("rcnn-workbench: error:"), err
    return err


# ------------------------------------------------------------------------- 1. never overwrite
def test_create_run_dir_is_exclusive_and_numbers_taken_names(tmp_path):
    made = []
    barrier = threading.Barrier(8)

    def make():
        barrier.wait()
        made.append(create_run_dir(tmp_path, "same stem"))

    threads = [threading.Thread(target=make) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    names = sorted(p.name for p in made)
    assert names == sorted(["same-stem"] + [f"same-stem-{n}" for n in range(2, 9)])
    assert all(p.is_dir() and not any(p.iterdir()) for p in made)


def test_new_run_dir_uses_the_one_runs_home(tmp_path, monkeypatch):
    monkeypatch.setenv("RCNN_WORKBENCH_RUNS", str(tmp_path / "home"))
    from workbench.app.worker import new_run_dir as window_new_run_dir
    a, b = new_run_dir(small()), window_new_run_dir(small())
    assert a.parent == b.parent == tmp_path / "home" and a != b and " " not in a.name


def test_run_out_on_an_earlier_run_is_refused_and_leaves_it_alone(tmp_path, capsys):
    earlier = tmp_path / "earlier"
    earlier.mkdir()
    (earlier / "metrics.csv").write_text("precious\n")
    err = one_line_error(capsys, 2, ["run", "--out", str(earlier), "--epochs", "1"])
    assert str(earlier) in err and "never overwritten" in err
    assert [p.name for p in earlier.iterdir()] == ["metrics.csv"]
    assert (earlier / "metrics.csv").read_text() == "precious\n"


@pytest.mark.parametrize("where", ["", "under-a-file"])
def test_run_out_empty_or_under_a_file_is_one_line(tmp_path, capsys, where):
    if where:
        (tmp_path / "file").write_text("x")
        target = str(tmp_path / "file" / "run")
    else:
        target = ""
    one_line_error(capsys, 2, ["run", "--out", target, "--epochs", "1"])
    assert (tmp_path / "file").read_text() == "x" if where else True


def test_a_second_writer_is_refused_naming_the_holder(tmp_path):
    folder = tmp_path / "run"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; sys.path.insert(0, sys.argv[1]);"
        "from workbench.records.run_lock import FolderLock; from pathlib import Path;"
        "p = Path(sys.argv[2]); p.mkdir(); FolderLock(p).acquire(); print('held', flush=True); time.sleep(60)"),
        str(ROOT), str(folder)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(RunFolderError) as err:
            RunFolder(folder, small())
        assert f"process {holder.pid} on host {socket.gethostname()}" in str(err.value)
        assert os.listdir(folder) == [run_lock.LOCK_NAME]      # nothing written by the refused writer
    finally:
        holder.kill()
        holder.wait()
    # The holder died: its lock is free, and the (otherwise empty) folder can be used.
    RunFolder(folder, small()).finish("stopped")


def test_a_folder_being_written_is_refused_to_a_second_run_folder(tmp_path):
    first = RunFolder(tmp_path / "run", small())
    with pytest.raises(RunFolderError):
        RunFolder(tmp_path / "run", small())
    first.finish("completed")
    assert not (tmp_path / "run" / run_lock.LOCK_NAME).exists()


def _finished_folder(path, epochs=2, status="completed"):
    folder = RunFolder(path, small(epochs=epochs))
    folder.start_trial(0, 0)
    for e in range(epochs):
        folder.epoch(event(e))
    folder.end_trial(result(epochs=epochs))
    folder.finish(status)
    return path


def _snapshot(path):
    return {p.relative_to(path): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def test_rerun_import_and_export_never_write_into_a_run(tmp_path, capsys):
    run = _finished_folder(tmp_path / "run")
    before = _snapshot(run)
    one_line_error(capsys, 2, ["rerun", str(run), "--out", str(run)])
    one_line_error(capsys, 2, ["import-log", str(ROOT / "resources" / "published_logs" / "Transparcy2.txt"),
                               "--out", str(run)])
    err = one_line_error(capsys, 1, ["export", str(run), "--csv", str(run / "metrics.csv")])
    assert "already exists" in err
    one_line_error(capsys, 1, ["export", str(run), "--csv", str(run / "new.csv")])   # inside a record
    one_line_error(capsys, 1, ["export", str(run), "--zip", ""])
    assert _snapshot(run) == before


def test_export_refuses_an_existing_file_and_leaves_no_partial_file(tmp_path, capsys):
    run = _finished_folder(tmp_path / "run")
    out = tmp_path / "out"
    out.mkdir()
    (out / "taken.zip").write_text("mine")
    one_line_error(capsys, 1, ["export", str(run), "--zip", str(out / "taken.zip")])
    assert (out / "taken.zip").read_text() == "mine"
    assert main(["export", str(run), "--zip", str(out / "run.zip"), "--csv", str(out / "run.csv")]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["run.csv", "run.zip", "taken.zip"]   # no temporary left


def test_export_of_something_that_is_not_a_run_is_refused(tmp_path, capsys):
    (tmp_path / "folder").mkdir()
    err = one_line_error(capsys, 1, ["export", str(tmp_path / "folder"), "--csv", str(tmp_path / "x.csv")])
    assert "not a run folder" in err and not (tmp_path / "x.csv").exists()
    (tmp_path / "study").mkdir()
    (tmp_path / "study" / "manifest.json").write_text('{"kind": "something-else"}')
    one_line_error(capsys, 1, ["export", str(tmp_path / "study"), "--zip", str(tmp_path / "x.zip")])
    assert not (tmp_path / "x.zip").exists()


def test_export_of_an_imported_published_log_works(tmp_path, capsys):
    log = ROOT / "resources" / "published_logs" / "Transparcy2.txt"
    assert main(["import-log", str(log), "--out", str(tmp_path / "imported")]) == 0
    assert main(["export", str(tmp_path / "imported"), "--csv", str(tmp_path / "a.csv"),
                 "--zip", str(tmp_path / "a.zip")]) == 0
    assert len((tmp_path / "a.csv").read_text().splitlines()) > 10
    assert zipfile.ZipFile(tmp_path / "a.zip").namelist()


# ------------------------------------------------------------------------- 2. truthful status
def test_a_writer_that_died_reads_as_interrupted_and_rerun_says_there_is_nothing(tmp_path, capsys):
    folder = RunFolder(tmp_path / "run", small())
    assert read_status(tmp_path / "run").status == "running"
    os.close(folder.lock._fd)        # what the kernel does when the writing process dies: the lock
    folder.lock._fd = None           # is dropped, the lock file stays
    status = read_status(tmp_path / "run")
    assert status.status == "interrupted" and str(os.getpid()) in status.detail
    err = one_line_error(capsys, 1, ["rerun", str(tmp_path / "run")])
    assert "no finished epoch" in err
    assert not any(p.name.startswith("run-rerun") for p in tmp_path.iterdir())


def test_a_running_manifest_from_another_host_is_judged_by_its_heartbeat(tmp_path):
    from workbench.records.run_status import status_of
    manifest = {"status": "running", "writer": {"host": "elsewhere", "pid": 1},
                "heartbeat_at": "2020-01-01T00:00:00+00:00"}
    assert status_of(manifest, tmp_path).status == "interrupted"
    import datetime as dt
    manifest["heartbeat_at"] = dt.datetime.now(dt.timezone.utc).isoformat()
    assert status_of(manifest, tmp_path).status == "running"


def test_an_error_in_training_leaves_failed_with_one_line_and_no_tmp(tmp_path, monkeypatch):
    from engine import trainer
    from workbench.execution.runner import run_experiment

    def boom(self, listener, control):
        listener.on_epoch(event(0, cases=tuple(c.key for c in self.cases)))
        raise RuntimeError("out of cheese\nsecond line")

    monkeypatch.setattr(trainer.LockstepTrainer, "run_seeds", boom)        # what the runner calls
    outcome = run_experiment(small(), tmp_path / "run")
    manifest = read_manifest(tmp_path / "run")
    assert outcome.status == manifest["status"] == "failed"
    assert manifest["error"] == "RuntimeError: out of cheese"
    assert len(M.read_metrics(tmp_path / "run" / "metrics.csv")) == 4          # the finished epoch stands
    assert not [p for p in (tmp_path / "run").rglob("*") if p.name.endswith(".tmp") or p.name.startswith(".")]
    assert read_status(tmp_path / "run").status == "failed"


def test_a_second_ctrl_c_still_leaves_stopped(tmp_path, monkeypatch):
    from engine import trainer
    from workbench.execution.runner import run_experiment

    def interrupted(self, listener, control):
        listener.on_epoch(event(0, cases=tuple(c.key for c in self.cases)))
        raise KeyboardInterrupt

    monkeypatch.setattr(trainer.LockstepTrainer, "run_seeds", interrupted)
    outcome = run_experiment(small(), tmp_path / "run")
    assert outcome.status == read_manifest(tmp_path / "run")["status"] == "stopped"
    assert len(M.read_metrics(tmp_path / "run" / "metrics.csv")) == 4


def test_a_metrics_line_cut_off_by_a_kill_is_dropped_not_fatal(tmp_path):
    path = tmp_path / "metrics.csv"
    M.write_metrics(path, [M.MetricRow(0, "0", 0, "train", 1.0, 0.5, 1.0)])
    with open(path, "a") as handle:
        handle.write("0,0,1,tra")
    assert len(M.read_metrics(path)) == 1
    path.write_text("")
    with pytest.raises(M.MetricsFileError, match="empty"):
        M.read_metrics(path)


@pytest.mark.parametrize("content", ["", "{trunc", "[1, 2]", "\"text\"", json.dumps({"kind": "run", "config": [1]}),
                                     json.dumps({"kind": "run", "config": {"train": {"epochs": "3"}}}),
                                     json.dumps({"kind": "run", "trials": {"a": 1}, "cases": [3], "config": 7})])
def test_rerun_and_export_of_damaged_manifests_give_one_line(tmp_path, capsys, content):
    run = _finished_folder(tmp_path / "run")
    (run / "manifest.json").write_text(content)
    one_line_error(capsys, 1, ["rerun", str(run)])
    data = json.loads(content) if content.startswith("{\"") else None
    if isinstance(data, dict):       # export needs only the metrics: wrong types elsewhere are skipped
        assert main(["export", str(run), "--csv", str(tmp_path / "x.csv")]) == 0
    else:
        one_line_error(capsys, 1, ["export", str(run), "--csv", str(tmp_path / "x.csv")])


def test_rerun_of_an_empty_metrics_file_is_one_line(tmp_path, capsys):
    run = _finished_folder(tmp_path / "run")
    (run / "metrics.csv").write_text("")
    one_line_error(capsys, 1, ["rerun", str(run)])


# ------------------------------------------------------------------------- 3. environment record
def test_the_manifest_records_what_changes_the_numbers(tmp_path, monkeypatch):
    monkeypatch.setenv("TF_NUM_INTRAOP_THREADS", "1")
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "0")
    folder = RunFolder(tmp_path / "run", small(), command_line=["main.py", "run", "--epochs", "3"])
    folder.finish("stopped")
    env = read_manifest(tmp_path / "run")["environment"]
    assert env["threads"]["intra_op"] == 1 and env["threads"]["inter_op"] == 0
    assert env["onednn"] == "0" and env["host"] == socket.gethostname()
    assert env["command_line"] == ["main.py", "run", "--epochs", "3"]
    assert env["cpu"]["model"] and env["cpu"]["flags"] and env["cpu"]["usable"] >= 1
    assert set(env["git"]) == {"commit", "dirty"}


def test_apply_threads_puts_the_recorded_settings_back(monkeypatch):
    from workbench.records import environment as E
    monkeypatch.delenv("TF_NUM_INTRAOP_THREADS", raising=False)
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "1")
    problems = E.apply_threads({"threads": {"intra_op": 1, "inter_op": 0}, "onednn": None})
    if "tensorflow" not in sys.modules:
        assert problems == []
        assert os.environ["TF_NUM_INTRAOP_THREADS"] == "1" and "TF_ENABLE_ONEDNN_OPTS" not in os.environ
    diffs = E.differences({"threads": {"intra_op": 1}, "onednn": "0", "tensorflow": "1.0"},
                          {"threads": {"intra_op": 0}, "onednn": None, "tensorflow": "2.21"})
    assert any("intra-op threads: recorded 1, current 0" in d for d in diffs)
    assert any(d.startswith("oneDNN") for d in diffs) and any(d.startswith("TensorFlow") for d in diffs)


def test_data_files_are_checksummed_whatever_the_source(tmp_path):
    import numpy as np
    from engine.data import data_files, load_dataset, sample_path
    from workbench.records.environment import file_checksums, sha256_file
    local = tmp_path / "mine.npz"
    with np.load(sample_path()) as z:
        np.savez(local, **{k: z[k] for k in ("x_train", "y_train", "x_test", "y_test")})
    ds = load_dataset(str(local), train_limit=10, test_limit=10)
    assert ds.files == (str(local),) and data_files("sample") == [sample_path()]
    (entry,) = file_checksums(ds.files)
    assert entry["sha256"] == sha256_file(local) and entry["bytes"] == local.stat().st_size


# ------------------------------------------------------------------------- 4. one line per bad input
@pytest.mark.parametrize("argv,words", [
    (["run", "--cases", ""], "--cases"),
    (["run", "--cases", "0,,1"], "--cases"),
    (["run", "--noise", ""], "--noise"),
    (["run", "--case", "big=1<g3*1e999", "--cases", "0,big"], "--case"),
    (["run", "--noise", "gaussian,poisson(lam=1e300),gamma,uniform"], "--noise"),
    (["run", "--noise", "gaussian(std=1e300),poisson,gamma,uniform"], "--noise"),
])
def test_unsampleable_or_empty_options_are_refused_naming_the_option(argv, words, capsys):
    err = one_line_error(capsys, 2, argv)
    assert words in err


@pytest.mark.parametrize("change,words", [
    (lambda d: d.update(colour="red"), "unknown configuration key(s): colour"),
    (lambda d: d["train"].update(epochs=True), "train.epochs must be a whole number, not true"),
    (lambda d: d.update(trials=False), "trials must be a whole number"),
    (lambda d: d["train"].update(learning_rate=True), "train.learning_rate must be a number"),
    (lambda d: d["data"].update(train_limit=2.5), "data.train_limit"),
    (lambda d: d["train"].update(speed=3), "unknown train key(s): speed"),
    (lambda d: d.update(cases=[]), "cases is empty"),
])
def test_config_files_refuse_unknown_keys_and_wrong_types(tmp_path, capsys, change, words):
    data = small().to_dict()
    change(data)
    path = tmp_path / "c.json"
    path.write_text(json.dumps(data))
    err = one_line_error(capsys, 2, ["run", "--config", str(path)])
    assert words in err
    with pytest.raises(ConfigError):
        ExperimentConfig.from_dict(data)


def test_a_connection_factor_of_1e999_never_reaches_a_manifest(tmp_path):
    data = small().to_dict()
    data["custom_cases"] = [{"key": "big", "name": "big", "colour": "#808080", "gradient": "manual",
                             "connections": "1<g3*1e999", "description": ""}]
    data["cases"] = ["0", "big"]
    with pytest.raises(ConfigError, match="finite"):
        ExperimentConfig.from_dict(data)


def test_import_log_reads_a_bounded_amount(tmp_path, capsys):
    err = one_line_error(capsys, 1, ["import-log", "/dev/zero", "--out", str(tmp_path / "x")])
    assert "MiB" in err and not (tmp_path / "x").exists()


def test_a_download_that_gets_no_answer_gives_up(tmp_path, monkeypatch):
    """A proxy that accepts and never answers: the download fails with one line, socket limit ≤ 10 s."""
    from engine import data as D
    assert D._READ_TIMEOUT_S <= 10
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    accepted = []
    stop = threading.Event()

    def accept():
        server.settimeout(0.5)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])      # and never answer
            except OSError:
                pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    port = server.getsockname()[1]
    for name in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{port}")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setattr(D, "_READ_TIMEOUT_S", 1.0)      # the same path, a shorter wait for the test
    timeouts = []
    real = socket.setdefaulttimeout
    monkeypatch.setattr(socket, "setdefaulttimeout", lambda t: (timeouts.append(t), real(t)))
    try:
        with pytest.raises(D.DataError, match="Cannot download MNIST"):
            D.load_dataset("mnist")
    finally:
        stop.set()
        thread.join()
        server.close()
        for conn in accepted:
            conn.close()
    assert accepted and timeouts[0] == 1.0


# ------------------------------------------------------------------------- 6. safe by construction
def test_run_folder_writes_never_follow_a_planted_symlink(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("not yours")
    folder = RunFolder(tmp_path / "run", small())
    folder.start_trial(0, 0)
    (tmp_path / "run" / "manifest.json").unlink()
    (tmp_path / "run" / "manifest.json").symlink_to(outside)
    for name in ("predictions.npz", ".manifest.json.planted.tmp"):
        (tmp_path / "run" / name).symlink_to(outside)
    folder.epoch(event(0))
    folder.end_trial(result())
    folder.finish("completed")
    assert outside.read_text() == "not yours"
    assert not (tmp_path / "run" / "manifest.json").is_symlink()
    assert read_manifest(tmp_path / "run")["status"] == "completed"


def test_a_planted_symlink_is_never_read_as_a_manifest(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "elsewhere.json").write_text(json.dumps({"kind": "run"}))
    (tmp_path / "run" / "manifest.json").symlink_to(tmp_path / "elsewhere.json")
    with pytest.raises(ValueError, match="symbolic link"):
        read_manifest(tmp_path / "run")


def test_zip_export_stores_nothing_from_outside_the_run(tmp_path, capsys):
    run = _finished_folder(tmp_path / "run")
    secret = tmp_path / "secret"
    secret.mkdir()
    (secret / "key.txt").write_text("SECRET")
    (run / "link.txt").symlink_to(secret / "key.txt")
    (run / "linkdir").symlink_to(secret)
    assert main(["export", str(run), "--zip", str(tmp_path / "r.zip")]) == 0
    assert "skipped 2 symbolic link(s)" in capsys.readouterr().out
    with zipfile.ZipFile(tmp_path / "r.zip") as z:
        names = z.namelist()
        assert not any("link" in n for n in names) and "run/manifest.json" in names
        assert all(b"SECRET" not in z.read(n) for n in names)


def _as_a_killed_writer_leaves_it(run):
    """What SIGKILL leaves in a run folder besides the records: the lock, the space reserve, a temporary file."""
    (run / RESERVE_NAME).write_bytes(b"\0" * RESERVE_BYTES)
    (run / run_lock.LOCK_NAME).write_text("{}")
    (run / "manifest.json.abc.tmp").write_text("{")


def test_exports_leave_out_the_writers_bookkeeping_and_never_remove_it(tmp_path, capsys):
    run = _finished_folder(tmp_path / "run")
    users = sorted(str(p.relative_to(run)) for p in run.rglob("*") if p.is_file())
    _as_a_killed_writer_leaves_it(run)
    before = _snapshot(run)
    assert main(["export", str(run), "--zip", str(tmp_path / "r.zip"), "--csv", str(tmp_path / "r.csv")]) == 0
    with zipfile.ZipFile(tmp_path / "r.zip") as z:
        assert sorted(n.split("/", 1)[1] for n in z.namelist()) == users
    (tmp_path / "copies").mkdir()
    copy, skipped = export_folder(run, tmp_path / "copies")
    assert copy == tmp_path / "copies" / "run" and skipped == []
    assert sorted(str(p.relative_to(copy)) for p in copy.rglob("*") if p.is_file()) == users
    assert (copy / "metrics.csv").read_bytes() == (run / "metrics.csv").read_bytes()
    assert [p.name for p in (tmp_path / "copies").iterdir()] == ["run"]          # no temporary folder left
    assert _snapshot(run) == before          # the reserve stays: only its writer may remove it


def test_a_folder_export_never_writes_into_an_existing_folder_or_a_record(tmp_path):
    run = _finished_folder(tmp_path / "run")
    (tmp_path / "copies" / "run").mkdir(parents=True)
    (tmp_path / "copies" / "run" / "mine.txt").write_text("mine")
    with pytest.raises(ExportError, match="already exists"):
        export_folder(run, tmp_path / "copies")
    assert [p.name for p in (tmp_path / "copies" / "run").iterdir()] == ["mine.txt"]
    other = _finished_folder(tmp_path / "other")
    with pytest.raises(ExportError, match="inside the record folder"):
        export_folder(run, other)
    with pytest.raises(ExportError, match="other than the run's own"):
        export_folder(run, tmp_path)
    assert not any(p.name.endswith(".tmp") for p in tmp_path.rglob("*"))


def test_a_pickled_settings_value_is_ignored_not_loaded(tmp_path):
    """The file QSettings writes for a Python object: reading it with QSettings would run the payload."""
    marker = tmp_path / "pwned"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    blob = pickle.dumps(Payload())
    ini = ('[last-config]\nv1="@Variant(\\0\\0\\0\\x7f\\0\\0\\0\\x18PySide::PyObjectWrapper\\0\\0\\0\\0'
           + "".join(f"\\x{b:x}" for b in blob) + ')"\n')
    from workbench.app.settings_store import SettingsStore, default_config
    for content in (ini.encode(), blob):
        path = tmp_path / "settings.json"
        path.write_bytes(content)
        store = SettingsStore(path)
        assert store.load_config() == default_config()
        assert "ignored, not loaded" in store.last_problem
        assert not marker.exists()


def test_settings_are_plain_json(tmp_path):
    from workbench.app.settings_store import CONFIG_KEY, SettingsStore
    store = SettingsStore(tmp_path / "s.json")
    store.save_config(small())
    store.set_value("geometry", b"\x01\x02")
    store.sync()
    data = json.loads((tmp_path / "s.json").read_text())
    assert data[CONFIG_KEY]["train"]["epochs"] == 3
    assert SettingsStore(tmp_path / "s.json").value("geometry") == b"\x01\x02"
    with pytest.raises(TypeError):
        store.set_value("object", object())


# ------------------------------------------------------------------------- 7. constant cost per epoch
def test_transparency_is_appended_and_event_files_grow_epoch_by_epoch(tmp_path):
    from workbench.records.tensorboard_export import read_scalars
    folder = RunFolder(tmp_path / "run", small(epochs=60))
    folder.start_trial(0, 0)
    log = tmp_path / "run" / "transparency.txt"
    written, previous = [], log.read_bytes()
    for e in range(60):
        folder.epoch(event(e, vary=False))
        now = log.read_bytes()
        assert now.startswith(previous)                    # appended, never rewritten
        written.append(len(now) - len(previous))
        previous = now
        if e in (0, 59):
            scalars = read_scalars(tmp_path / "run" / "tensorboard" / "case_1")
            assert [s for s, _ in scalars["test/accuracy"]] == list(range(e + 1))   # before the run ends
    # What an epoch writes does not grow with the epoch number (same values: only its digits change).
    assert written[10:] == [written[10]] * 50
    folder.end_trial(result(epochs=60))
    folder.finish("completed")
    from workbench.records.published_logs import parse_log
    back = parse_log(log)
    assert not back.notes and {r.epoch for r in back.rows} == set(range(60))


def test_event_files_hold_the_values_tensorflow_reads(tmp_path):
    import numpy as np
    from workbench.records.tensorboard_export import ScalarStream, read_scalars
    stream = ScalarStream(tmp_path, multi_trial=True)
    stream.epoch(0, 0, {"3": (3000.25, 0.125, float("nan"), 1e39)})
    stream.epoch(0, 1, {"3": (2999.5, 0.25, 1.5, -2.0)})
    stream.close()
    got = read_scalars(tmp_path / "tensorboard" / "case_3_trial_0")
    assert got["train/cost"] == [(0, 3000.25), (1, 2999.5)]
    assert got["train/accuracy"] == [(0, 0.125), (1, 0.25)]
    assert np.isnan(got["test/cost"][0][1]) and got["test/accuracy"][0][1] == float("inf")


def test_the_window_may_replace_an_export_it_asked_about_but_never_a_record(tmp_path):
    from workbench.records.export import ExportError, export_long_csv, export_zip
    run = _finished_folder(tmp_path / "run")
    (tmp_path / "old.zip").write_text("old")
    assert export_zip(run, tmp_path / "old.zip", replace=True) > 0
    assert zipfile.ZipFile(tmp_path / "old.zip").namelist()
    with pytest.raises(ExportError):
        export_long_csv(run, run / "metrics.csv", replace=True)
    assert M.read_metrics(run / "metrics.csv")


def test_a_run_recorded_by_an_earlier_engine_is_named_as_an_engine_change():
    from engine import ENGINE_VERSION, ENGINE_VERSIONS
    from workbench.records import environment as E
    current = E.capture()
    assert current["engine_version"] == ENGINE_VERSION
    old = {k: v for k, v in current.items() if k != "engine_version"}      # a manifest before versions
    diffs = E.differences(old, current)
    assert diffs and diffs[0].startswith("engine: recorded version 1 (one graph per case), current version "
                                         f"{ENGINE_VERSION} ({ENGINE_VERSIONS[ENGINE_VERSION]})")
    assert not any(d.startswith("engine") for d in E.differences(current, current))
