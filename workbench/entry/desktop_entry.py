"""The application-menu entry and icon for the current user (XDG), for any kind of install.

`make install-desktop` and `rcnn-workbench --install-desktop` (pip/pipx installs
have no Makefile) both come here. The entry starts the GUI script next to the
running Python (`rcnn-workbench-gui`), or `python -m workbench` when there is none.
"""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import resources

NAME = "rcnn-workbench"


def data_home(env=None) -> Path:
    env = os.environ if env is None else env
    base = env.get("XDG_DATA_HOME", "").strip()
    return Path(base).expanduser() if base else Path.home() / ".local" / "share"


def targets(home: Path) -> dict[str, Path]:
    return {"desktop": home / "applications" / f"{NAME}.desktop",
            "svg": home / "icons" / "hicolor" / "scalable" / "apps" / f"{NAME}.svg",
            "png": home / "icons" / "hicolor" / "256x256" / "apps" / f"{NAME}.png"}


def exec_line(python: str | None = None) -> str:
    python = os.path.abspath(python or sys.executable)     # not resolve(): a venv's python is a symlink
    gui = Path(python).parent / "rcnn-workbench-gui"
    return shlex.quote(str(gui)) if gui.is_file() else f"{shlex.quote(python)} -m workbench"


def _refresh(home: Path) -> None:
    if shutil.which("update-desktop-database"):
        subprocess.run(["update-desktop-database", "-q", str(home / "applications")], check=False)


def install(home: Path | None = None, python: str | None = None) -> Path:
    home = home or data_home()
    paths = targets(home)
    for path in paths.values():
        path.parent.mkdir(parents=True, exist_ok=True)
    template = (resources.root() / f"{NAME}.desktop").read_text()
    lines = [f"Exec={exec_line(python)}" if line.startswith("Exec=") else line for line in template.splitlines()]
    paths["desktop"].write_text("\n".join(lines) + "\n")
    paths["svg"].write_bytes(resources.icon("svg").read_bytes())
    paths["png"].write_bytes(resources.icon("png").read_bytes())
    _refresh(home)
    return paths["desktop"]


def uninstall(home: Path | None = None) -> list[Path]:
    home = home or data_home()
    removed = []
    for path in targets(home).values():
        if path.exists():
            path.unlink()
            removed.append(path)
    _refresh(home)
    return removed
