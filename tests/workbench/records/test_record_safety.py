"""The one safe write and the one safe read, tried with real symbolic links, real FIFOs, real
processes: no write leaves a folder, no reader blocks or recurses without bound, and the folder
lock is never held by two processes at once."""
import json
import multiprocessing
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.workbench.records.test_records import _finished_folder
from workbench.records import run_lock
from workbench.core.atomic_write import atomic_write
from workbench.claims.claim_set import load_claims
from workbench.claims.report import write_report
from workbench.claims.study import ClaimsRequest
from workbench.records.export import export_long_csv, export_zip
from workbench.core.json_reader import RecordFileError, read_json
from workbench.records.run_folder import read_manifest
from workbench.records.run_index import read_entry
from workbench.studies.study_file import read_study
from workbench.core.config import ConfigError

ROOT = Path(__file__).resolve().parents[3]
HANG_GUARD_S = 300         # only so that a reader that blocks ends the test; no test asserts a duration


def _main(*argv):
    """`main.py ARGV` as a real process; (exit status, stderr)."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
    try:
        done = subprocess.run([sys.executable, str(ROOT / "main.py"), *argv], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=HANG_GUARD_S)
    except subprocess.TimeoutExpired:
        pytest.fail(f"main.py {' '.join(argv)} never returned (a reader blocked)")
    return done.returncode, done.stderr


def _one_line(err):
    assert err.count("\n") == 1 and "Traceback" not in err, err
    return err


# ------------------------------------------------------------------ writes
def test_claims_report_rewrite_never_follows_links_planted_at_temporary_names(tmp_path):
    out = tmp_path / "claims"
    out.mkdir()
    outside = tmp_path / "outside.txt"
    outside.write_text("not yours")
    for name in ("report.html.tmp", "claims.json.tmp", "claims.csv.tmp"):
        (out / name).symlink_to(outside)
    request = ClaimsRequest("quick", 3, ("corrected",), (), "local", None, None, None, None)
    write_report(out, load_claims(), request)
    assert outside.read_text() == "not yours"
    assert json.loads((out / "claims.json").read_text())["kind"] == "claims-report"
    assert (out / "report.html").stat().st_size > 0 and (out / "claims.csv").stat().st_size > 0


def test_a_temporary_name_taken_by_a_link_is_never_written_through(tmp_path, monkeypatch):
    outside = tmp_path / "outside.txt"
    outside.write_text("not yours")
    names = iter(["planted", "free"])
    monkeypatch.setattr("workbench.core.atomic_write.secrets.token_hex", lambda n: next(names))
    (tmp_path / ".file.json.planted.tmp").symlink_to(outside)
    atomic_write(tmp_path / "file.json", "{}\n")
    assert outside.read_text() == "not yours" and (tmp_path / "file.json").read_text() == "{}\n"
    assert (tmp_path / ".file.json.planted.tmp").is_symlink()          # left as it was, not used


def test_exports_get_the_run_folders_file_mode(tmp_path):
    run = _finished_folder(tmp_path / "run")
    export_long_csv(run, tmp_path / "long.csv")
    export_zip(run, tmp_path / "run.zip")
    want = stat.S_IMODE((run / "metrics.csv").stat().st_mode)
    assert want & 0o044                                           # readable beyond the owner (umask 022)
    for name in ("long.csv", "run.zip"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == want, name


def test_a_folder_export_gets_the_run_folders_mode(tmp_path):
    from workbench.records.export import export_folder
    run = _finished_folder(tmp_path / "run")
    target, _ = export_folder(run, tmp_path / "copies")
    assert stat.S_IMODE(target.stat().st_mode) == stat.S_IMODE(run.stat().st_mode)


# ------------------------------------------------------------------ reads
def test_a_fifo_named_metrics_csv_never_blocks_compare_or_export(tmp_path):
    run = _finished_folder(tmp_path / "run")
    (run / "metrics.csv").unlink()
    os.mkfifo(run / "metrics.csv")
    code, err = _main("compare", str(run))
    assert code == 2 and "FIFO" in _one_line(err)
    code, err = _main("export", str(run), "--csv", str(tmp_path / "out.csv"))
    assert code == 1 and "FIFO" in _one_line(err)
    assert not (tmp_path / "out.csv").exists()


def test_a_fifo_named_manifest_json_never_blocks_a_reader(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    os.mkfifo(run / "manifest.json")
    code, err = _main("compare", str(run))
    assert code == 2 and "manifest.json: is a FIFO" in _one_line(err)
    entry = read_entry(run)                       # in-process now that the CLI showed it returns
    assert entry.status == "damaged" and "FIFO" in entry.problem


def test_a_fifo_named_writer_lock_never_blocks_the_status(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    os.mkfifo(run / run_lock.LOCK_NAME)
    code = subprocess.run([sys.executable, "-c", "import sys; from workbench.records import run_lock; "
                           "sys.exit(0 if run_lock.is_held(sys.argv[1]) is None "
                           "and run_lock.holder(sys.argv[1]) is None else 3)", str(run)],
                          cwd=ROOT, timeout=HANG_GUARD_S).returncode
    assert code == 0


def test_json_nested_100000_deep_is_one_line_not_a_recursion_error(tmp_path):
    run = _finished_folder(tmp_path / "run")
    (run / "manifest.json").write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(ValueError, match="nested more than"):
        read_manifest(run)
    for argv, code in ((["compare", str(run)], 2), (["export", str(run), "--csv", str(tmp_path / "x.csv")], 1)):
        got, err = _main(*argv)
        assert got == code and "nested more than" in _one_line(err)


def test_a_shallow_parse_still_refuses_records_nested_past_the_limit(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text('{"a": ' + "[" * 70 + "]" * 70 + "}")          # parses, but deeper than any record
    with pytest.raises(RecordFileError, match="nested more than 64"):
        read_json(path)


@pytest.mark.parametrize("content", [b"\x00\xff\xfe binary", b"", b"[1, 2]"], ids=["binary", "empty", "a list"])
def test_a_damaged_study_json_is_one_line_naming_it(tmp_path, content):
    (tmp_path / "study.json").write_bytes(content)
    with pytest.raises(ConfigError, match="study.json"):
        read_study(tmp_path)


def test_a_study_json_planted_as_a_link_is_not_read(tmp_path):
    (tmp_path / "elsewhere.json").write_text(json.dumps({"kind": "study", "trials": []}))
    (tmp_path / "study").mkdir()
    (tmp_path / "study" / "study.json").symlink_to(tmp_path / "elsewhere.json")
    with pytest.raises(ConfigError, match="symbolic link"):
        read_study(tmp_path / "study")


def test_a_binary_config_file_is_one_line(tmp_path):
    binary = tmp_path / "config.bin"
    binary.write_bytes(bytes(range(256)) * 4)
    for command in ("run", "study"):
        code, err = _main(command, "--config", str(binary), "--out", str(tmp_path / command))
        assert code == 2 and "config.bin" in _one_line(err), (command, err)
        assert not (tmp_path / command).exists()


# ------------------------------------------------------------------ the folder lock
def _race(folder: str, marker: str, rounds: int, start, results) -> None:
    """Acquire and release `rounds` times; while holding, own `marker` exclusively (O_EXCL)."""
    held = both = 0
    start.wait()
    while held < rounds:
        lock = run_lock.FolderLock(Path(folder))
        try:
            lock.acquire()
        except run_lock.FolderBusyError:
            continue
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            both += 1                 # the other process believes it holds the lock too
        else:
            os.close(fd)
            os.unlink(marker)
        held += 1
        lock.release()
    results.put(both)


def test_two_processes_racing_acquire_and_release_never_both_hold(tmp_path):
    folder = tmp_path / "folder"
    folder.mkdir()
    context = multiprocessing.get_context("spawn")
    start, results = context.Event(), context.Queue()
    workers = [context.Process(target=_race, args=(str(folder), str(tmp_path / "holder"), 3000, start, results))
               for _ in range(2)]
    for w in workers:
        w.start()
    start.set()
    both = [results.get(timeout=HANG_GUARD_S) for _ in workers]
    for w in workers:
        w.join()
    assert both == [0, 0]
    assert not (folder / run_lock.LOCK_NAME).exists()
