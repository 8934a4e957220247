"""Where the application keeps its runs: one home for the window and the command line.

$RCNN_WORKBENCH_RUNS when set; otherwise the platform's application-data
folder (on Linux $XDG_DATA_HOME/rcnn-workbench/runs, i.e.
~/.local/share/rcnn-workbench/runs). Qt-free so the CLI need not load Qt;
on Linux this is what QStandardPaths.AppDataLocation gives for this app.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

APP_NAME = "rcnn-workbench"
RUNS_ENV = "RCNN_WORKBENCH_RUNS"


def app_data_dir() -> Path:
    """The platform's per-user application-data folder for this app."""
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / APP_NAME
    if os.name == "nt":
        base = os.environ.get("APPDATA", "").strip()
        return (Path(base) if base else Path.home() / "AppData" / "Roaming") / APP_NAME
    base = os.environ.get("XDG_DATA_HOME", "").strip()
    return (Path(base).expanduser() if base else Path.home() / ".local" / "share") / APP_NAME


def runs_home() -> Path:
    """The default parent of every run and study folder (not created here)."""
    env = os.environ.get(RUNS_ENV, "").strip()
    return Path(env).expanduser() if env else app_data_dir() / "runs"
