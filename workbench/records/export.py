"""Exports of a run folder: a long-format CSV, a ZIP of everything, and a copy of the folder.

Exports never write into a run folder or over an existing file, and never
leave a partial file: they are written to a temporary name beside the
destination and put in place only when complete. The ZIP and the copy hold
only the user's files, the regular files inside the run folder: symbolic
links (to files or folders) are skipped and counted, never followed, and the
writer's own bookkeeping is left out: its lock, temporary files, and the
256 KiB disk-space reserve a killed writer leaves behind (only the writer
removes that; a reader never touches another process's folder).
"""
from __future__ import annotations

import csv
import os
import shutil
import stat
import tempfile
import zipfile
from pathlib import Path

from workbench.records import metrics as M
from workbench.core.atomic_write import atomic_file
from workbench.records.run_folder import RESERVE_NAME, read_manifest
from workbench.records.run_lock import LOCK_NAME

LONG_COLUMNS = ("run", "arch", "semantics", "trial", "seed", "case", "case_name", "epoch", "split",
                "metric", "value", "wall_time_s")
RECORD_KINDS = ("run", "imported-log")
_NOT_USER_FILES = (".tmp", LOCK_NAME, RESERVE_NAME)   # name endings of the writer's bookkeeping


class ExportError(ValueError):
    """An export that cannot be made; one line, nothing written."""


def _run_manifest(run_dir: Path) -> dict:
    try:
        manifest = read_manifest(run_dir)
    except (OSError, ValueError) as exc:
        raise ExportError(str(exc)) from None
    if manifest.get("kind") not in RECORD_KINDS:
        raise ExportError(f"{run_dir}: not a run folder (manifest kind {manifest.get('kind')!r})")
    return manifest


def _inside_record(path: Path) -> Path | None:
    """The run or study folder holding `path`, if any (a folder with a manifest.json)."""
    for parent in Path(path).resolve().parents:
        if (parent / "manifest.json").is_file():
            return parent
    return None


def _check_destination(dest: Path, run_dir: Path, replace: bool = False) -> Path:
    if not str(dest).strip() or str(dest) == ".":
        raise ExportError("the destination file name is empty")
    dest = Path(dest)
    if dest.is_symlink() or (dest.exists() and not (replace and dest.is_file())):
        raise ExportError(f"{dest}: already exists; an export never replaces a file (choose a new name)")
    holder = _inside_record(dest)
    if holder is not None:
        raise ExportError(f"{dest}: is inside the record folder {holder}; export to a place outside it")
    if not dest.parent.is_dir():
        raise ExportError(f"{dest.parent}: no such folder")
    return dest


def _publish(dest: Path, write, replace: bool = False) -> None:
    """Write via `write(handle)` to a temporary file beside `dest`, then link it in (core/atomic_write).

    Without `replace` an existing `dest` is never touched (os.link fails); with it (the window,
    after its save dialog asked) `dest` is replaced atomically, never left partial.
    """
    try:
        with atomic_file(dest, replace=replace) as handle:
            write(handle)
    except FileExistsError:
        raise ExportError(f"{dest}: already exists; an export never replaces a file") from None
    except OSError as exc:
        raise ExportError(f"{dest}: cannot write ({exc.strerror or exc})") from None


def export_long_csv(run_dir: Path, dest: Path, replace: bool = False) -> int:
    """Every (trial, case, epoch, split, metric) of the run as one row; nothing downsampled.

    `replace`: an existing file outside any record may be replaced (the window's save dialog asks).
    """
    run_dir = Path(run_dir)
    manifest = _run_manifest(run_dir)
    dest = _check_destination(dest, run_dir, replace)
    try:
        rows = M.read_metrics(run_dir / "metrics.csv")
    except M.MetricsFileError as exc:
        raise ExportError(str(exc)) from None
    config = manifest.get("config") if isinstance(manifest.get("config"), dict) else {}
    train = config.get("train") if isinstance(config.get("train"), dict) else {}
    trials = manifest.get("trials") if isinstance(manifest.get("trials"), list) else []
    seeds = {t.get("trial"): t.get("seed") for t in trials if isinstance(t, dict)}
    cases = manifest.get("cases")
    if isinstance(cases, dict):
        names = {k: (v.get("name", k) if isinstance(v, dict) else k) for k, v in cases.items()}
    else:                                   # an imported log lists its case keys
        names = {}
    arch = config.get("arch", manifest.get("architecture", ""))
    count = 0

    def write(handle):
        nonlocal count
        import io
        text = io.TextIOWrapper(handle, newline="", encoding="utf-8")
        writer = csv.writer(text)
        writer.writerow(LONG_COLUMNS)
        for r in rows:
            for metric in ("cost", "accuracy"):
                writer.writerow([run_dir.name, arch, train.get("semantics", ""), r.trial, seeds.get(r.trial, ""),
                                 r.case, names.get(r.case, r.case), r.epoch, r.split, metric,
                                 M._fmt(getattr(r, metric)), M._fmt(r.wall_time_s)])
                count += 1
        text.flush()
        text.detach()

    _publish(dest, write, replace)
    return count


def zip_members(run_dir: Path) -> tuple[list[Path], list[str]]:
    """(the user's regular files inside the folder, names skipped because they are symbolic links).

    The writer's lock, temporary files and disk-space reserve are not the user's and are not listed.
    """
    run_dir = Path(run_dir)
    files, skipped = [], []
    for root, dirs, names in os.walk(run_dir, followlinks=False):
        root_path = Path(root)
        for d in list(dirs):
            if (root_path / d).is_symlink():
                skipped.append(str((root_path / d).relative_to(run_dir)))
                dirs.remove(d)
        for name in sorted(names):
            path = root_path / name
            st = path.lstat()
            if stat.S_ISLNK(st.st_mode):
                skipped.append(str(path.relative_to(run_dir)))
            elif stat.S_ISREG(st.st_mode) and not name.endswith(_NOT_USER_FILES):
                files.append(path)
        dirs.sort()
    return files, skipped


def export_zip(run_dir: Path, dest: Path, replace: bool = False) -> int:
    """The whole run folder in one ZIP (paths inside start with the folder's name)."""
    return export_zip_report(run_dir, dest, replace)[0]


def export_zip_report(run_dir: Path, dest: Path, replace: bool = False) -> tuple[int, list[str]]:
    """(files stored, symbolic links skipped)."""
    run_dir = Path(run_dir)
    _run_manifest(run_dir)
    dest = _check_destination(dest, run_dir, replace)
    files, skipped = zip_members(run_dir)

    def write(handle):
        with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in files:
                fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
                with os.fdopen(fd, "rb") as source:
                    info = zipfile.ZipInfo.from_file(path, str(Path(run_dir.name) / path.relative_to(run_dir)))
                    info.compress_type = zipfile.ZIP_DEFLATED
                    with archive.open(info, "w") as target:
                        while block := source.read(1 << 20):
                            target.write(block)

    _publish(dest, write, replace)
    return len(files), skipped


def export_folder(run_dir: Path, dest_dir: Path) -> tuple[Path, list[str]]:
    """Copy the run's files into a new folder `dest_dir`/<run name>; (that folder, symbolic links skipped).

    The same files as the ZIP; `dest_dir` is created if need be. The copy is made in a temporary
    folder beside the target and renamed into place when complete; an existing target is never
    written into.
    """
    run_dir = Path(run_dir)
    _run_manifest(run_dir)
    dest_dir = Path(dest_dir)
    target = dest_dir / run_dir.name
    if target.resolve() == run_dir.resolve():
        raise ExportError("choose a folder other than the run's own folder")
    if target.is_symlink() or target.exists():
        raise ExportError(f"{target}: already exists; an export never writes into an existing folder "
                          f"(choose another place)")
    holder = _inside_record(target)
    if holder is not None:
        raise ExportError(f"{target}: is inside the record folder {holder}; export to a place outside it")
    files, skipped = zip_members(run_dir)
    try:
        dest_dir.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{run_dir.name}.", suffix=".tmp", dir=dest_dir))
    except OSError as exc:
        raise ExportError(f"{dest_dir}: cannot write ({exc.strerror or exc})") from None
    try:
        for path in files:
            copy = tmp / path.relative_to(run_dir)
            copy.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
            with os.fdopen(fd, "rb") as source, open(copy, "xb") as target_file:
                shutil.copyfileobj(source, target_file, 1 << 20)
            shutil.copystat(path, copy, follow_symlinks=False)
        if target.exists() or target.is_symlink():
            raise ExportError(f"{target}: already exists; an export never writes into an existing folder")
        os.chmod(tmp, stat.S_IMODE(run_dir.stat().st_mode))    # the run folder's mode, not mkdtemp's 0700
        os.rename(tmp, target)
    except OSError as exc:
        raise ExportError(f"{target}: cannot write ({exc.strerror or exc})") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)          # gone already when the rename succeeded
    return target, skipped
