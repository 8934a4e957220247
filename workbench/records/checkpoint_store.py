"""A run folder's checkpoints: a trainer's state between epochs, written so that no failure loses one.

Each checkpoint is two files in ``<run>/checkpoints/``: ``trialT-epochE.npz`` (the arrays,
uncompressed, read back with ``allow_pickle=False``) and, written after it, ``trialT-epochE.json``
(the plain facts, the sha256 and size of the .npz, when and how long the write took). Both are
written through core/atomic_write.py (a fresh temporary file, fsync, rename), so a checkpoint
is complete exactly when its .json is there and the .npz matches the checksum it names. The
previous checkpoint is pruned only after the new one is complete; a full disk or a kill during a
write leaves at most a temporary file (removed by the next write) and the previous one intact.
A checkpoint that fails its checks on load is refused in one line and the one before it is used.
Nothing is read or written through a symbolic link, and the folder itself must be a real folder.
"""
from __future__ import annotations

import datetime as _dt
import errno
import hashlib
import json
import os
import re
import stat
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workbench.core.atomic_write import atomic_file, atomic_write
from workbench.core.json_reader import MissingRecordFile, RecordFileError, open_regular, parse_json

FOLDER = "checkpoints"
FORMAT = 1
KEEP = 2                      # checkpoints kept of the trial being written (the newest and the one before)
_NAME = re.compile(r"^trial(\d{3,})-epoch(\d{6,})\.json$")
_MAX_JSON = 64 * 1024 * 1024
_HASH_CHUNK = 4 * 1024 * 1024


class CheckpointError(ValueError):
    """A checkpoint that cannot be used, or a checkpoint folder that cannot be; one line."""


@dataclass(frozen=True)
class Checkpoint:
    """A complete checkpoint as found on disk (its state is read by `load`)."""
    trial: int
    epoch: int               # epochs done: the next epoch to train
    record: dict             # the .json: facts, checksum, size, times, what it belongs to
    path: Path               # the .json

    @property
    def arrays_path(self) -> Path:
        return self.path.with_suffix(".npz")


def stem(trial: int, epoch: int) -> str:
    return f"trial{trial:03d}-epoch{epoch:06d}"


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).astimezone().isoformat(timespec="seconds")


def _sha256(handle) -> str:
    return hashlib.file_digest(handle, "sha256").hexdigest()


class CheckpointStore:
    """The checkpoints of one run folder. Only the folder's writer (the lock holder) saves or prunes."""

    def __init__(self, run_dir: Path, keep: int = KEEP):
        self.run_dir = Path(run_dir)
        self.dir = self.run_dir / FOLDER
        self.keep = max(1, int(keep))

    # ------------------------------------------------------------------ folder
    def _check_folder(self) -> bool:
        """True when the folder exists as a real folder; refuses a link or a file in its place."""
        try:
            info = os.lstat(self.dir)
        except FileNotFoundError:
            return False
        if stat.S_ISLNK(info.st_mode):
            raise CheckpointError(f"{self.dir}: is a symbolic link; checkpoints are never read or written "
                                  "through one")
        if not stat.S_ISDIR(info.st_mode):
            raise CheckpointError(f"{self.dir}: is not a folder")
        return True

    def _ensure_folder(self) -> None:
        if not self._check_folder():
            try:
                os.mkdir(self.dir)
            except FileExistsError:
                self._check_folder()

    # ------------------------------------------------------------------ write
    def save(self, trial: int, epoch: int, state: dict, belongs_to: dict) -> dict:
        """Write a trainer's state() taken after `epoch` epochs of `trial`; returns the .json record.

        `belongs_to`: what a resume must match (engine version, architecture, configuration).
        An OSError (a full disk) leaves the previous checkpoints as they were.
        """
        self._ensure_folder()
        started = time.perf_counter()
        name = stem(trial, epoch)
        arrays_path, record_path = self.dir / f"{name}.npz", self.dir / f"{name}.json"
        self._remove_temporaries()
        with atomic_file(arrays_path) as handle:
            np.savez(handle, **state["arrays"])
        with open_regular(arrays_path, None, "checkpoint") as handle:
            digest = _sha256(handle)
            size = os.fstat(handle.fileno()).st_size
        record = {
            "kind": "checkpoint",
            "format": FORMAT,
            "trial": trial,
            "epoch": epoch,
            "arrays": arrays_path.name,
            "sha256": digest,
            "bytes": size,
            "written_at": _now(),
            "belongs_to": belongs_to,
            "facts": state["facts"],
        }
        record["write_seconds"] = round(time.perf_counter() - started, 3)
        atomic_write(record_path, json.dumps(record, indent=1) + "\n")
        self.prune(current_trial=trial)
        return record

    def _remove_temporaries(self) -> None:
        """Temporary files a killed or failed write left behind (atomic_write's `.name.hex.tmp`)."""
        for entry in os.listdir(self.dir):
            if entry.startswith(".") and entry.endswith(".tmp"):
                self._unlink(entry)

    def _unlink(self, name: str) -> None:
        try:
            os.unlink(self.dir / name)
        except OSError:
            pass

    def prune(self, current_trial: int) -> None:
        """Keep the `keep` newest complete checkpoints of the current trial and the newest of every
        other trial (a finished trial's last state, for extending it); remove the rest, record first,
        and any arrays without a record."""
        complete = self._complete_names()
        kept: set[str] = set()
        for trial in {t for t, _ in complete}:
            epochs = sorted((e for t, e in complete if t == trial), reverse=True)
            for e in epochs[:self.keep if trial == current_trial else 1]:
                kept.add(stem(trial, e))
        for t, e in complete:
            if stem(t, e) not in kept:
                self._unlink(f"{stem(t, e)}.json")
                self._unlink(f"{stem(t, e)}.npz")
        for entry in os.listdir(self.dir):
            if entry.endswith(".npz") and entry[:-4] not in kept:
                self._unlink(entry)

    def clear(self) -> bool:
        """Remove every checkpoint and the folder (a study's finished trial); True when there were any."""
        if not self._check_folder():
            return False
        for entry in os.listdir(self.dir):
            if _NAME.match(entry) or entry.endswith((".npz", ".tmp")):
                self._unlink(entry)
        try:
            os.rmdir(self.dir)
        except OSError:
            pass                      # something else lives here: left as it is
        return True

    # ------------------------------------------------------------------ read
    def _complete_names(self) -> list[tuple[int, int]]:
        if not self._check_folder():
            return []
        out = []
        for entry in os.listdir(self.dir):
            match = _NAME.match(entry)
            if match and (self.dir / f"{entry[:-5]}.npz").exists():
                out.append((int(match.group(1)), int(match.group(2))))
        return sorted(out)

    def checkpoints(self) -> list[tuple[int, int]]:
        """(trial, epoch) of every checkpoint that looks complete (not yet verified), oldest first."""
        return self._complete_names()

    def _record(self, trial: int, epoch: int) -> Checkpoint:
        path = self.dir / f"{stem(trial, epoch)}.json"
        try:
            with open_regular(path, _MAX_JSON, "checkpoint record") as handle:
                record = parse_json(handle.read(), path, "checkpoint record")
        except (RecordFileError, MissingRecordFile) as exc:
            raise CheckpointError(str(exc)) from None
        if not isinstance(record, dict) or record.get("kind") != "checkpoint":
            raise CheckpointError(f"{path}: not a checkpoint record")
        if record.get("format") != FORMAT:
            raise CheckpointError(f"{path}: checkpoint format {record.get('format')!r}, this workbench reads "
                                  f"{FORMAT}")
        if (record.get("trial"), record.get("epoch")) != (trial, epoch) or \
                not isinstance(record.get("facts"), dict) or not isinstance(record.get("sha256"), str):
            raise CheckpointError(f"{path}: damaged checkpoint record (its fields do not match its name)")
        return Checkpoint(trial, epoch, record, path)

    def load(self, checkpoint: Checkpoint) -> dict:
        """The state of a checkpoint, its .npz checked against the recorded sha256 first."""
        path = checkpoint.arrays_path
        try:
            with open_regular(path, None, "checkpoint") as handle:
                if _sha256(handle) != checkpoint.record["sha256"]:
                    raise CheckpointError(f"{path}: damaged checkpoint (its checksum does not match the record)")
                handle.seek(0)
                with np.load(handle, allow_pickle=False) as npz:
                    arrays = {name: npz[name] for name in npz.files}
        except (RecordFileError, MissingRecordFile) as exc:
            raise CheckpointError(str(exc)) from None
        except (OSError, ValueError, zipfile.BadZipFile, EOFError) as exc:
            if isinstance(exc, CheckpointError):
                raise
            raise CheckpointError(f"{path}: damaged checkpoint ({exc})") from None
        return {"arrays": arrays, "facts": checkpoint.record["facts"]}

    def latest(self, trial: int | None = None, refused: list[str] | None = None
               ) -> tuple[Checkpoint, dict] | None:
        """The newest checkpoint (of `trial`, or of the latest trial that has one) that passes every
        check, with its state; None when there is none. Each one refused on the way is one line
        appended to `refused`."""
        candidates = [(t, e) for t, e in self._complete_names() if trial is None or t == trial]
        for t, e in sorted(candidates, reverse=True):
            try:
                checkpoint = self._record(t, e)
                return checkpoint, self.load(checkpoint)
            except CheckpointError as exc:
                if refused is not None:
                    refused.append(f"{exc}; using the one before")
        return None

    def newest_record(self, trial: int | None = None) -> Checkpoint | None:
        """The newest checkpoint record that reads as one (its arrays not yet checked)."""
        for t, e in sorted(self._complete_names(), reverse=True):
            if trial is None or t == trial:
                try:
                    return self._record(t, e)
                except CheckpointError:
                    continue
        return None


def is_full_disk(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)
