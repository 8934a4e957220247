"""A run folder: manifest.json, metrics.csv, steps.csv, transparency.txt, predictions.npz, tensorboard/.

The promise: a folder is created fresh and exclusively (`create_run_dir`,
`claim_folder`), written only by the process holding its lock
(`run_lock.FolderLock`), never through a symbolic link, and left with a
truthful final status however the run ends. Metrics and the transparency
log are appended and flushed at every epoch (constant cost per epoch), the
manifest and predictions are replaced atomically, so a run killed at any
moment leaves every finished epoch readable. A small reserve file is kept
while the run is going and released before the final status is written, so
a full disk still gets its "failed" manifest.

`RunFolder` is event-driven: the process that owns the folder may receive
the events from training done in another process (a worker process, a Ray
node), and merges that process's environment facts with `record_environment`.
"""
from __future__ import annotations

import datetime as _dt
import json
import math
import os
import re
import socket
from pathlib import Path

import numpy as np

from engine import catalog
from engine.events import CaseEpoch, EpochEvent, TrialResult

from workbench.records import environment as env
from workbench.records import metrics as M
from workbench.records import steps as S
from workbench.core.atomic_write import atomic_write
from workbench.core.config import ExperimentConfig
from workbench.core.json_reader import MissingRecordFile, read_json
from workbench.core.paths import runs_home
from workbench.records.run_lock import LOCK_NAME, FolderBusyError, FolderLock
from workbench.records.space_reserve import RESERVE_BYTES, RESERVE_NAME, drop_reserve, make_reserve

MANIFEST_VERSION = 2
_OPEN = os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._+-]+")


class RunFolderError(ValueError):
    """A folder that cannot be used for a new record; one line naming it and why."""


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).astimezone().isoformat(timespec="seconds")


def environment() -> dict:
    """Kept for callers of the first version: the environment record of this process."""
    return env.capture()


# ------------------------------------------------------------------ folders
def _why(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def create_run_dir(parent: Path, stem: str) -> Path:
    """Create ``parent/stem`` exclusively, or ``stem-2``, ``stem-3``… when taken; return it (empty).

    Atomic (``mkdir`` fails if the name exists), so two processes starting in
    the same second get different folders. Spaces and odd characters in
    `stem` become "-".
    """
    parent = Path(parent)
    stem = _UNSAFE_NAME.sub("-", str(stem)).strip("-.") or "run"
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise RunFolderError(f"{parent}: cannot create the folder for runs ({_why(exc)})") from None
    n = 1
    while True:
        path = parent / (stem if n == 1 else f"{stem}-{n}")
        try:
            os.mkdir(path)
            return path
        except FileExistsError:
            n += 1
        except OSError as exc:
            raise RunFolderError(f"{path}: cannot create ({_why(exc)})") from None


def default_stem(config: ExperimentConfig) -> str:
    return f"{_dt.datetime.now().strftime('%Y%m%d-%H%M%S')}-{config.arch}"


def new_run_dir(config: ExperimentConfig, base: Path | None = None) -> Path:
    """A new, empty, exclusively created default run folder under `base` (default: paths.runs_home())."""
    return create_run_dir(Path(base) if base is not None else runs_home(), default_stem(config))


def claim_folder(path: Path) -> bool:
    """Make `path` a folder this process may fill: create it, or accept it only when it is empty.

    Returns True when it was created here. Refuses (RunFolderError, nothing
    written) a non-empty folder, a file, a symbolic link, or an uncreatable path.
    """
    path = Path(path)
    if not str(path).strip() or str(path) in (".", ""):
        raise RunFolderError("the output folder is empty; give a folder name")
    if path.is_symlink():
        raise RunFolderError(f"{path}: is a symbolic link; give a real folder")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        os.mkdir(path)
        return True
    except FileExistsError:
        pass
    except OSError as exc:
        raise RunFolderError(f"{path}: cannot create ({_why(exc)})") from None
    if not path.is_dir():
        raise RunFolderError(f"{path}: exists and is not a folder")
    try:
        entries = [e for e in os.listdir(path) if e != LOCK_NAME]   # a lock alone: its holder decides
    except OSError as exc:
        raise RunFolderError(f"{path}: cannot read ({_why(exc)})") from None
    if entries:
        raise RunFolderError(f"{path}: already holds {len(entries)} file(s) (e.g. {sorted(entries)[0]}); "
                             f"a record is never overwritten: choose a new folder")
    return False


# ------------------------------------------------------------- appends
class AppendFile:
    """An append-only file created fresh (O_EXCL|O_NOFOLLOW); a failed append is rolled back."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND | _OPEN, 0o644)
        self.size = 0

    @classmethod
    def reopen(cls, path: Path) -> "AppendFile":
        """An existing file (never through a link), appended to from its end."""
        handle = cls.__new__(cls)
        handle.path = Path(path)
        handle.fd = os.open(handle.path, os.O_WRONLY | os.O_APPEND | _OPEN)
        handle.size = os.fstat(handle.fd).st_size
        return handle

    def append(self, text: str, sync: bool = False) -> None:
        data = memoryview(text.encode("utf-8"))
        try:
            while data:
                data = data[os.write(self.fd, data):]
            if sync:
                os.fsync(self.fd)
        except BaseException:
            try:
                os.ftruncate(self.fd, self.size)     # never leave half a line behind
            except OSError:
                pass
            raise
        self.size = os.fstat(self.fd).st_size

    def close(self) -> None:
        if self.fd >= 0:
            fd, self.fd = self.fd, -1
            os.close(fd)

    @property
    def closed(self) -> bool:
        return self.fd < 0


def _csv_text(lines) -> str:
    import csv
    import io
    buffer = io.StringIO()
    csv.writer(buffer).writerows(lines)
    return buffer.getvalue()


def _finite(x: float):
    """JSON has no NaN; a diverged value is written as null."""
    return x if isinstance(x, (int, float)) and math.isfinite(x) else None


def _case_epoch_dict(m: CaseEpoch) -> dict:
    return {"train_cost": _finite(m.train_cost), "train_accuracy": _finite(m.train_accuracy),
            "test_cost": _finite(m.test_cost), "test_accuracy": _finite(m.test_accuracy),
            "diverged": m.diverged}


# ------------------------------------------------------------ transparency
def _block(epoch: int, split: dict[str, M.MetricRow]) -> list[str]:
    out = [f"====== Current iter:  {epoch} ========"]
    if "train" in split:
        out.append(f"Current Avg Train Cost :  {split['train'].cost!r}")
        out.append(f"Current Avg Train Acc :  {split['train'].accuracy!r}")
    if "test" in split:
        out.append(f"Current Avg Test Cost :  {split['test'].cost!r}")
        out.append(f"Current Avg Test Acc :  {split['test'].accuracy!r}")
    out.append(f"====== Current iter:  {epoch} ========")
    return out


def epoch_transparency(rows: list[M.MetricRow], case_names: dict[str, str], multi_trial: bool) -> str:
    """One epoch's blocks in the post-A layout, one `----- Case K -------` block per case (appended)."""
    by_case: dict[str, dict[str, M.MetricRow]] = {}
    for r in rows:
        by_case.setdefault(r.case, {})[r.split] = r
    out = []
    for case, split in by_case.items():
        r = next(iter(split.values()))
        title = f"----- Case {case} -------" + (f"  (trial {r.trial})" if multi_trial else "")
        out += [title, f"# {case_names.get(case, case)}", *_block(r.epoch, split), ""]
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------ folder
class RunFolder:
    """The one writer of a run folder. Refuses a folder that holds anything (or another writer's lock)."""

    def __init__(self, out_dir: Path, config: ExperimentConfig, command_line: list[str] | None = None):
        self.dir = Path(out_dir)
        self.config = config
        self.rows: list[M.MetricRow] = []
        self.case_names = {c.key: c.name for c in config.case_objects()}
        self._created = claim_folder(self.dir)
        self.lock = FolderLock(self.dir)
        try:
            self.lock.acquire()
            if set(os.listdir(self.dir)) - {self.lock.path.name}:
                raise RunFolderError(f"{self.dir}: another process started writing it first")
        except FolderBusyError as exc:
            raise RunFolderError(str(exc)) from None
        except BaseException as exc:
            self.lock.release()
            if self._created:
                try:
                    os.rmdir(self.dir)
                except OSError:
                    pass
            if isinstance(exc, OSError):
                raise RunFolderError(f"{self.dir}: cannot write the run folder ({_why(exc)})") from None
            raise
        self._metrics = self._transparency = self._steps = None
        self._tensorboard = None
        self._reserve = self.dir / RESERVE_NAME
        self._finished = False
        self._last_logged: dict[tuple[int, str], int] = {}
        try:
            self._make_reserve()
            environment_record = env.capture(command_line)
            self.manifest: dict = {
                "kind": "run",
                "schema_version": MANIFEST_VERSION,
                "status": "running",
                "started_at": now_iso(),
                "ended_at": None,
                "heartbeat_at": now_iso(),
                "writer": {"host": socket.gethostname(), "pid": os.getpid(),
                           "lock": self.lock.path.name, "heartbeat_s": self.lock.info["heartbeat_s"]},
                "config": config.to_dict(),
                "quirks": list(config.train.quirks),
                "environment": environment_record,
                "data": None,
                "trials": [],
                "cases": {c.key: {"name": c.name, "colour": c.colour, "wiring": c.wiring()}
                          for c in config.case_objects()},
                "notes": [],
                "error": None,
            }
            self._metrics = AppendFile(self.dir / "metrics.csv")
            self._metrics.append(_csv_text([M.COLUMNS]))
            self._steps = S.StepLog(AppendFile(self.dir / S.FILE_NAME), fresh=True)
            self._transparency = AppendFile(self.dir / "transparency.txt")
            self._transparency_append(self._header() + "\n")
            self.write_manifest()
        except BaseException as exc:
            self._abandon()
            if isinstance(exc, OSError):
                raise RunFolderError(f"{self.dir}: cannot write the run folder ({_why(exc)})") from None
            raise
        from workbench.records.tensorboard_export import ScalarStream
        self._tensorboard = ScalarStream(self.dir, multi_trial=config.trials > 1)
        self._predictions: dict[str, np.ndarray] = {}
        self.lock.start_heartbeat()

    @classmethod
    def reopen(cls, out_dir: Path, config: ExperimentConfig, lock: FolderLock, manifest: dict,
               kept_epochs: dict[int, int | None], resumption: dict) -> "RunFolder":
        """The writer of an existing run folder that a resume continues (its lock already held).

        Every record is cut back to the epochs kept (kept_epochs: trial -> epochs kept, None for
        all; a trial not named keeps none), so no epoch is ever written twice: metrics.csv first
        (the record the others follow), then transparency.txt and the TensorBoard scalars written
        again from it. Each step can be repeated, so a resume killed here can be resumed again.
        The manifest says running again and records the resumption.
        """
        from workbench.records.tensorboard_export import ScalarStream, clear_event_tree
        self = cls.__new__(cls)
        self.dir, self.config, self.lock = Path(out_dir), config, lock
        self.case_names = {c.key: c.name for c in config.case_objects()}
        self._created, self._finished = False, False
        self._metrics = self._transparency = self._tensorboard = self._steps = None
        self._reserve = self.dir / RESERVE_NAME
        self._last_logged = {}
        self._predictions = _read_predictions(self.dir)
        path = self.dir / "metrics.csv"
        self.rows = [r for r in M.read_metrics(path) if _kept(kept_epochs, r.trial, r.epoch)]
        atomic_write(path, _csv_text([M.COLUMNS, *(r.as_csv() for r in self.rows)]))
        self._metrics = AppendFile.reopen(path)
        steps_path = self.dir / S.FILE_NAME
        if os.path.lexists(steps_path):       # a folder recorded before steps were kept has none, and gets none
            kept_steps = [r for r in S.read_steps(steps_path) if _kept(kept_epochs, r.trial, r.epoch)]
            atomic_write(steps_path, S.csv_text([S.COLUMNS, *(r.as_csv() for r in kept_steps)]))
            self._steps = S.StepLog(AppendFile.reopen(steps_path), fresh=False)
        atomic_write(self.dir / "transparency.txt", "")
        self._transparency = AppendFile.reopen(self.dir / "transparency.txt")
        self._transparency_append(self._header() + "\n")
        by_epoch: dict[tuple[int, int], list[M.MetricRow]] = {}
        for r in self.rows:
            by_epoch.setdefault((r.trial, r.epoch), []).append(r)
        clear_event_tree(self.dir / "tensorboard")
        self._tensorboard = ScalarStream(self.dir, multi_trial=config.trials > 1)
        last_epoch = {trial: epoch for trial, epoch in by_epoch}        # in file order: the last wins
        for (trial, epoch), rows in by_epoch.items():
            if epoch % config.train.log_every == 0:
                self._log_epoch(rows)
            self._tensorboard.epoch(trial, epoch, _scalars(rows))
            if kept_epochs.get(trial, 0) is None and epoch == last_epoch[trial]:
                self._log_last_epochs(trial)      # a finished trial the resume does not continue
                self._tensorboard.end_trial(trial)
        for entry in manifest.get("trials", []):
            if entry["trial"] in kept_epochs and kept_epochs[entry["trial"]] is not None:
                _cut_trial_entry(entry, kept_epochs[entry["trial"]], self.rows)
        manifest["trials"] = [e for e in manifest.get("trials", []) if e["trial"] in kept_epochs]
        manifest.update(status="running", ended_at=None, error=None, config=config.to_dict())
        manifest["writer"] = {"host": socket.gethostname(), "pid": os.getpid(), "lock": lock.path.name,
                              "heartbeat_s": lock.info["heartbeat_s"]}
        manifest.setdefault("resumptions", []).append({"at": now_iso(), "host": socket.gethostname(), **resumption})
        self.manifest = manifest
        self._make_reserve()                  # (one left by the run that was killed is replaced)
        self.write_manifest()
        self.lock.start_heartbeat()
        return self

    def _make_reserve(self) -> None:
        make_reserve(self._reserve)

    def _drop_reserve(self) -> None:
        drop_reserve(self._reserve)

    def _abandon(self) -> None:
        """Creation failed part-way: remove what this process made, leave nothing behind."""
        for handle in (self._metrics, self._transparency, self._steps):
            if handle is not None:
                handle.close()
        if self._created:
            for name in os.listdir(self.dir) if self.dir.is_dir() else ():
                if name != self.lock.path.name:
                    try:
                        os.unlink(self.dir / name)
                    except OSError:
                        pass
        self.lock.release()
        if self._created:
            try:
                os.rmdir(self.dir)
            except OSError:
                pass

    # -------------------------------------------------------------------- updates
    def record_environment(self, facts: dict) -> None:
        """Merge environment facts recorded by the process that trained (threads, devices, backend, node)."""
        record = self.manifest.setdefault("environment", {})
        for key, value in (facts or {}).items():
            if isinstance(value, dict) and isinstance(record.get(key), dict):
                record[key] = {**record[key], **value}
            else:
                record[key] = value
        self.write_manifest()

    def set_data(self, summary: dict) -> None:
        self.manifest["data"] = summary
        self.write_manifest()

    def set_device(self, device: dict) -> None:
        """The device TensorFlow trains on (engine/device.py), known once TensorFlow is loaded."""
        self.manifest["environment"]["device"] = device
        self.write_manifest()

    def add_notes(self, notes: list[str]) -> None:
        self.manifest["notes"].extend(notes)
        self.write_manifest()

    def set_packing(self, record: dict) -> None:
        """Which trials trained together (execution/packing.py)."""
        self.manifest["packing"] = record
        self.write_manifest()

    def add_packing(self, record: dict) -> None:
        """A resumed session's packs, beside the first session's."""
        self.manifest.setdefault("packing", {}).setdefault("resumed", []).append(record["packs"])
        self.write_manifest()

    def start_trial(self, trial: int, seed: int) -> None:
        self.manifest["trials"].append({"trial": trial, "seed": seed, "status": "running", "epochs_done": 0,
                                        "final": {}, "diverged_at": {}, "train_seconds": {}})
        self.write_manifest()

    def continue_trial(self, trial: int, epochs_done: int) -> None:
        """A trial a resume continues from a checkpoint after `epochs_done` epochs."""
        entry = self._entry(trial)
        entry.update(status="running", epochs_done=epochs_done)
        entry.setdefault("resumed_from", []).append(epochs_done)
        self.write_manifest()

    def _entry(self, trial: int) -> dict:
        for entry in reversed(self.manifest["trials"]):
            if entry["trial"] == trial:
                return entry
        raise ValueError(f"trial {trial} was not started in this run folder")

    def step(self, event) -> None:
        """A step report the window is sent (its writer throttles them): appended to steps.csv, unsynced
        (a kill loses at most the page cache's last lines; metrics.csv is the record)."""
        if self._steps is not None:
            self._steps.record(event)

    def epoch(self, event: EpochEvent) -> None:
        rows = []
        for key, m in event.metrics.items():
            rows.append(M.MetricRow(event.trial, key, event.epoch, "train", m.train_cost, m.train_accuracy,
                                    event.wall_time_s))
            rows.append(M.MetricRow(event.trial, key, event.epoch, "test", m.test_cost, m.test_accuracy,
                                    event.wall_time_s))
        # metrics.csv first, synced: it is the record; the rest follows from it.
        self._metrics.append(_csv_text(r.as_csv() for r in rows), sync=True)
        self.rows.extend(rows)
        entry = self._entry(event.trial)
        entry["epochs_done"] = event.epoch + 1
        for key, m in event.metrics.items():
            entry["final"][key] = {"epoch": event.epoch, **_case_epoch_dict(m)}
            if m.diverged:
                entry["diverged_at"][key] = event.epoch
        if event.epoch % self.config.train.log_every == 0:
            self._log_epoch(rows)
        self._tensorboard.epoch(event.trial, event.epoch,
                                {k: (m.train_cost, m.train_accuracy, m.test_cost, m.test_accuracy)
                                 for k, m in event.metrics.items()})
        self.write_manifest()

    def _log_epoch(self, rows: list[M.MetricRow]) -> None:
        self._transparency_append(epoch_transparency(rows, self.case_names, self.config.trials > 1))
        for r in rows:
            self._last_logged[(r.trial, r.case)] = r.epoch

    def _transparency_append(self, text: str) -> None:
        self._transparency.append(text)

    def _log_last_epochs(self, trial: int | None = None) -> None:
        """The last epoch of each case is always in the log, whatever log_every says."""
        last: dict[tuple[int, str], int] = {}
        for r in reversed(self.rows):
            if trial is not None and r.trial != trial:
                continue
            last.setdefault((r.trial, r.case), r.epoch)
            if len(last) >= len(self.case_names) and trial is not None:
                break
        missing = [r for r in self.rows if last.get((r.trial, r.case)) == r.epoch
                   and self._last_logged.get((r.trial, r.case)) != r.epoch]
        if missing:
            for t in sorted({r.trial for r in missing}):
                for e in sorted({r.epoch for r in missing if r.trial == t}):
                    self._log_epoch([r for r in missing if r.trial == t and r.epoch == e])

    def end_trial(self, result: TrialResult) -> None:
        entry = self._entry(result.trial)
        entry["status"] = result.status
        entry["train_seconds"] = {k: round(v, 3) for k, v in result.train_seconds.items()}
        self._predictions["labels"] = np.asarray(result.test_labels, np.int16)
        for key, preds in result.test_predictions.items():
            self._predictions[f"trial{result.trial}_case{key}"] = np.asarray(preds, np.int16)
        self._write_predictions()
        self._log_last_epochs(result.trial)
        if self._tensorboard is not None:
            self._tensorboard.end_trial(result.trial)
        self.write_manifest()

    def _write_predictions(self) -> None:
        import io
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **self._predictions)
        atomic_write(self.dir / "predictions.npz", buffer.getvalue())

    def finish(self, status: str, error: str | None = None) -> None:
        """Write the final status; every step is attempted even when an earlier one fails."""
        if self._finished:
            return
        self._finished = True
        self._drop_reserve()            # the space the final manifest needs, even on a full disk
        self.manifest["status"] = status
        for entry in self.manifest["trials"]:
            if entry["status"] == "running":          # a trial the ending cut short ends as the run does
                entry["status"] = status
        self.manifest["ended_at"] = now_iso()
        self.manifest["error"] = error
        problems = []
        for step in (self._log_last_epochs, self._close_tensorboard, self._log_ending):
            try:
                step()
            except Exception as exc:
                problems.append(exc)
        if problems and status != "failed":
            self.manifest["notes"].append(f"while finishing: {problems[0]}")
        try:
            self.write_manifest()
        finally:
            for handle in (self._metrics, self._transparency, self._steps):
                if handle is not None:
                    handle.close()
            self.lock.release()

    def _close_tensorboard(self) -> None:
        if self._tensorboard is not None:
            self._tensorboard.close()

    def _log_ending(self) -> None:
        line = f"# status: {self.manifest['status']}"
        if self.manifest.get("error"):
            line += f"\n# error: {self.manifest['error']}"
        self._transparency_append(line + "\n")

    # ----------------------------------------------------------------------- files
    def write_manifest(self) -> None:
        self.manifest["heartbeat_at"] = now_iso()
        atomic_write(self.dir / "manifest.json", json.dumps(self.manifest, indent=2) + "\n")
        self.lock.touch()

    def _header(self) -> str:
        c = self.config
        from engine.quirks import describe_set
        return (f"# RCNN Workbench run, architecture {c.arch}, semantics {c.train.semantics}, "
                f"seed {c.train.seed}\n"
                f"# quirks: {describe_set(c.train.quirks)}\n"
                f"# cost: {'per-batch sum' if catalog.describe(c.arch).cost_is_batch_sum else 'per-batch mean'}; "
                f"epoch values are means over the epoch's batches")



def _kept(kept_epochs: dict[int, int | None], trial: int, epoch: int) -> bool:
    return trial in kept_epochs and (kept_epochs[trial] is None or epoch < kept_epochs[trial])


def _scalars(rows: list[M.MetricRow]) -> dict[str, tuple[float, float, float, float]]:
    """One epoch's rows -> case -> (train cost, train accuracy, test cost, test accuracy)."""
    split: dict[str, dict[str, M.MetricRow]] = {}
    for r in rows:
        split.setdefault(r.case, {})[r.split] = r
    return {case: (s["train"].cost, s["train"].accuracy, s["test"].cost, s["test"].accuracy)
            for case, s in split.items() if "train" in s and "test" in s}


def _cut_trial_entry(entry: dict, epochs: int, rows: list[M.MetricRow]) -> None:
    """A manifest trial entry as it stood after `epochs` epochs (its rows are the ones kept)."""
    entry.update(status="running", epochs_done=epochs)
    entry["diverged_at"] = {k: e for k, e in entry.get("diverged_at", {}).items() if e < epochs}
    final: dict[str, dict] = {}
    for case, values in _last_epochs(entry["trial"], rows).items():
        epoch, (tc, ta, vc, va) = values
        final[case] = {"epoch": epoch, **_case_epoch_dict(CaseEpoch(tc, ta, vc, va,
                                                                    entry["diverged_at"].get(case) == epoch))}
    entry["final"] = final


def _last_epochs(trial: int, rows: list[M.MetricRow]) -> dict[str, tuple[int, tuple]]:
    by_epoch: dict[tuple[str, int], list[M.MetricRow]] = {}
    for r in rows:
        if r.trial == trial:
            by_epoch.setdefault((r.case, r.epoch), []).append(r)
    out: dict[str, tuple[int, tuple]] = {}
    for (case, epoch), group in sorted(by_epoch.items(), key=lambda kv: kv[0][1]):
        values = _scalars(group).get(case)
        if values is not None:
            out[case] = (epoch, values)
    return out


def _read_predictions(run_dir: Path) -> dict[str, np.ndarray]:
    """predictions.npz as written so far ({} when there is none or it cannot be read)."""
    from workbench.core.json_reader import open_regular
    try:
        with open_regular(Path(run_dir) / "predictions.npz", None, "predictions") as handle:
            with np.load(handle, allow_pickle=False) as npz:
                return {name: npz[name] for name in npz.files}
    except (OSError, ValueError):
        return {}


def read_manifest(run_dir: Path) -> dict:
    """The manifest as a dict; one-line errors for a missing, unreadable, huge, nested or malformed one."""
    path = Path(run_dir) / "manifest.json"
    try:
        return read_json(path, what="run manifest")
    except MissingRecordFile as exc:
        if not os.path.lexists(path):
            raise FileNotFoundError(f"{Path(run_dir)}: not a run folder (no manifest.json)") from None
        raise FileNotFoundError(str(exc)) from None
