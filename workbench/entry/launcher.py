"""The one entry point: `rcnn-workbench`, `python -m workbench` and the repository's `main.py`.

Without a command it opens the window, after the pre-flight check
(workbench/entry/preflight.py) has made sure Qt can: a missing system library is
installed when we run as root with apt-get, otherwise the one command to run
is printed and we stop; without a display one line says how to work headless.
With a command (`run`, `rerun`, `import-log`, `compare`, `export`, ...) it is
the command line (workbench/cli/main.py), which never loads Qt's widgets.

`--install-desktop` / `--uninstall-desktop` add or remove the application-menu
entry for this user. `--version` works everywhere and loads neither Qt nor TensorFlow; `--verbose`
(before or after the command) lets TensorFlow's start-up lines and the
project's DEBUG logging through. Qt-free: this module must run where Qt cannot.
"""
from __future__ import annotations

import logging
import os
import subprocess
import sys

from workbench.core.verbosity import set_verbose
from workbench.core.version import version_line

EXIT_NO_WINDOW = 1
_LOG = logging.getLogger(__name__)


def _apt_install(packages, run=subprocess.run) -> bool:
    """`apt-get install` as root; refresh the package lists once when the first try fails."""
    command = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for attempt in range(2):
        if run(command, env=env).returncode == 0:
            return True
        if attempt == 0 and run(["apt-get", "update"], env=env).returncode != 0:
            return False
    return False


def _can_install() -> bool:
    import shutil
    return hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get") is not None


def ensure_window_can_start(prog: str, check=None, can_install=_can_install, install=_apt_install,
                            stream=None) -> bool:
    """True when the window can start; otherwise say why in one line on stderr and return False."""
    from workbench.entry import preflight
    check = check or preflight.check
    stream = stream or sys.stderr
    problem = check(prog)
    if problem is not None and problem.kind == "missing-libraries" and problem.packages \
            and not problem.unknown and can_install():
        print(f"{prog}: installing {' '.join(problem.packages)} (needed by Qt's window system plugin)…",
              file=stream, flush=True)
        if install(problem.packages):
            problem = check(prog)
    if problem is None:
        return True
    print(problem.message, file=stream, flush=True)
    return False


def open_window(argv: list[str], prog: str) -> int:
    if not ensure_window_can_start(prog):
        return EXIT_NO_WINDOW
    from ui.window.app import main as gui_main
    return gui_main(argv)


def main(argv: list[str] | None = None, prog: str = "rcnn-workbench") -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] in (["--install-desktop"], ["--uninstall-desktop"]):
        return desktop(argv[0], prog)
    verbose = False
    while argv and argv[0] in ("--verbose", "-v", "--version", "-V"):
        flag = argv.pop(0)
        if flag in ("--version", "-V"):
            print(version_line())
            return 0
        verbose = True
    set_verbose(verbose or "--verbose" in argv)
    if argv and (not argv[0].startswith("-") or argv[0] in ("-h", "--help")):
        from workbench.cli import main as cli
        return cli.main(argv, prog=prog)
    return open_window([a for a in argv if a != "--verbose"], prog)


def desktop(flag: str, prog: str) -> int:
    """--install-desktop / --uninstall-desktop: the application-menu entry for this user."""
    from workbench.entry import desktop_entry
    try:
        if flag == "--install-desktop":
            print(f"installed {desktop_entry.install()} (starts {desktop_entry.exec_line()})")
        else:
            removed = desktop_entry.uninstall()
            print("removed " + ", ".join(map(str, removed)) if removed else "no desktop entry was installed")
    except OSError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return 1
    return 0


def run() -> None:
    """Console script `rcnn-workbench`."""
    sys.exit(main(prog="rcnn-workbench"))


def run_window() -> None:
    """GUI script `rcnn-workbench-gui` (no console window on Windows): always the window."""
    argv = sys.argv[1:]
    if argv[:1] in (["--version"], ["-V"]):
        print(version_line())
        sys.exit(0)
    set_verbose("--verbose" in argv)
    sys.exit(open_window([a for a in argv if a != "--verbose"], "rcnn-workbench-gui"))
