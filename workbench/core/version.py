"""The application's version: one source of truth, the package metadata.

pyproject.toml's `version` is written into the installed package's metadata;
everything that shows or records a version (`--version`, Help → About, every
run manifest) asks here. A source tree that was never installed falls back to
reading pyproject.toml itself, so the answer is still that one field.
"""
from __future__ import annotations

import functools
import tomllib
from importlib import metadata
from pathlib import Path

DISTRIBUTION = "rcnn-workbench"


@functools.cache
def app_version() -> str:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        pass
    pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
    try:
        project = tomllib.loads(pyproject.read_text())["project"]
        if project.get("name") == DISTRIBUTION:
            return str(project["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        pass
    return "unknown"


def version_line(prog: str = DISTRIBUTION) -> str:
    """What `--version` prints."""
    return f"{prog} {app_version()}"
