"""A study folder claimed for one driver: created exclusively, and held by one writer at a time.

The study driver (workbench/execution/study_driver.py) claims a new folder here and holds its
lock while it writes; a refusal is one line (ConfigError) that says what to do instead.
"""
from __future__ import annotations

from pathlib import Path

from workbench.core.config import ConfigError
from workbench.studies.study_file import is_study_dir


def claim_study_folder(path: Path) -> None:
    """Create the study folder; an existing non-empty folder is never written into."""
    from workbench.records.run_folder import RunFolderError, claim_folder
    try:
        claim_folder(path)
    except RunFolderError as exc:
        hint = (f"; continue a study with `study --resume {path}`" if is_study_dir(path) else "")
        raise ConfigError(f"{exc}{hint}") from None


class StudyLock:
    """One driver per study folder: the records' folder lock (flock, with a heartbeat)."""

    def __init__(self, study_dir: Path):
        from workbench.records.run_lock import FolderLock
        self.lock = FolderLock(study_dir)

    def acquire(self) -> None:
        from workbench.records.run_lock import FolderBusyError
        try:
            self.lock.acquire()
        except FolderBusyError as exc:
            raise ConfigError(f"{exc}; wait for it or stop it first") from None
        self.lock.start_heartbeat()

    def release(self) -> None:
        self.lock.release()
