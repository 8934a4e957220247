"""Before the window starts: can Qt open a window here at all?

Without this, a missing system library or a missing display ends in Qt's own
abort ("no Qt platform plugin could be initialized", exit 134), which tells a
new user nothing. We ask the same questions first, without loading Qt:

* is there a display (DISPLAY / WAYLAND_DISPLAY, or QT_QPA_PLATFORM chosen),
  and does the X server answer;
* does the platform plugin Qt will load (PySide6's `libqxcb.so`, ...) find
  every shared library it links to (`ldd`), and which Debian/Ubuntu package
  provides each missing one.

Qt-free and side-effect free: `check()` returns a `Problem` or None; the
launcher decides what to do (install when root, else print the command).
"""
from __future__ import annotations

import importlib.util
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

# Shared libraries Qt's platform plugins (and QtGui under them) link to, and the
# Debian/Ubuntu package of each. Names as in Debian 12/13 and Ubuntu 22.04+.
DEBIAN_PACKAGES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xinput.so.0": "libxcb-xinput0",
    "libxcb-glx.so.0": "libxcb-glx0",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb.so.1": "libxcb1",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libX11.so.6": "libx11-6",
    "libXau.so.6": "libxau6",
    "libXdmcp.so.6": "libxdmcp6",
    "libSM.so.6": "libsm6",
    "libICE.so.6": "libice6",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libGL.so.1": "libgl1",
    "libGLX.so.0": "libglx0",
    "libGLdispatch.so.0": "libglvnd0",
    "libEGL.so.1": "libegl1",
    "libOpenGL.so.0": "libopengl0",
    "libfontconfig.so.1": "libfontconfig1",
    "libfreetype.so.6": "libfreetype6",
    "libdbus-1.so.3": "libdbus-1-3",
    "libglib-2.0.so.0": "libglib2.0-0",
    "libgthread-2.0.so.0": "libglib2.0-0",
    "libwayland-client.so.0": "libwayland-client0",
    "libwayland-cursor.so.0": "libwayland-cursor0",
    "libwayland-egl.so.1": "libwayland-egl1",
}

# What the README tells a new user to install: every library of PySide6's xcb
# plugin (and QtGui under it) that a minimal Debian/Ubuntu lacks.
README_PACKAGES = ("libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxcb-image0", "libxcb-randr0",
                   "libxcb-render-util0", "libxcb-shape0", "libxcb-xfixes0", "libxcb-sync1", "libxcb-shm0",
                   "libxcb-xkb1", "libx11-xcb1", "libxkbcommon-x11-0", "libegl1", "libgl1", "libfontconfig1",
                   "libdbus-1-3", "libglib2.0-0")

_PLUGIN_FILES = {"xcb": "libqxcb.so", "wayland": "libqwayland.so", "wayland-egl": "libqwayland.so",
                 "offscreen": "libqoffscreen.so", "minimal": "libqminimal.so", "eglfs": "libqeglfs.so",
                 "vnc": "libqvnc.so", "linuxfb": "libqlinuxfb.so"}
_LOG = logging.getLogger(__name__)
_NOT_FOUND = re.compile(r"^\s*(\S+)\s*=>\s*not found", re.MULTILINE)


@dataclass(frozen=True)
class Problem:
    """Why the window cannot start here; `message` is the one sentence for the user."""
    kind: str                         # "no-display", "display-unreachable", "missing-libraries"
    message: str
    missing: tuple[str, ...] = ()     # shared-library names
    packages: tuple[str, ...] = ()    # Debian packages that provide them (when all are known)
    unknown: tuple[str, ...] = field(default=())   # libraries with no known package


def platform_name(env=None) -> str | None:
    """The platform plugin Qt will try first, or None when there is nothing to show a window on."""
    env = os.environ if env is None else env
    chosen = env.get("QT_QPA_PLATFORM", "").strip()
    if chosen:
        return chosen.split(";")[0].split(":")[0].strip() or None
    if not sys.platform.startswith("linux"):
        return "native"
    wayland = env.get("WAYLAND_DISPLAY", "").strip()
    x11 = env.get("DISPLAY", "").strip()
    if wayland and (not x11 or env.get("XDG_SESSION_TYPE") == "wayland"):
        return "wayland"
    return "xcb" if x11 else None


def plugin_path(name: str) -> Path | None:
    """PySide6's plugin file for a platform, found without importing Qt."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations or name not in _PLUGIN_FILES:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "Qt" / "plugins" / "platforms" / _PLUGIN_FILES[name]
    return path if path.is_file() else None


def missing_libraries(path: Path, run=subprocess.run) -> tuple[str, ...]:
    """Shared libraries `path` needs (directly or through its dependencies) that the loader cannot find."""
    if shutil.which("ldd") is None:
        return ()
    try:
        out = run(["ldd", str(path)], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return ()
    return tuple(dict.fromkeys(_NOT_FOUND.findall(out.stdout)))


def x_display_reachable(display: str, timeout_s: float = 2.0) -> bool:
    """Does an X server answer at DISPLAY? (True when the form is one we do not probe.)"""
    match = re.fullmatch(r"(?:unix)?:(\d+)(?:\.\d+)?|([\w.\-]+):(\d+)(?:\.\d+)?", display.strip())
    if not match:
        return True
    if match.group(1) is not None:
        number = int(match.group(1))
        for address in ("\0/tmp/.X11-unix/X%d" % number, "/tmp/.X11-unix/X%d" % number):
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(timeout_s)
                try:
                    sock.connect(address)
                    return True
                except OSError:
                    continue
        return False
    host, number = match.group(2), int(match.group(3))
    try:
        with socket.create_connection((host, 6000 + number), timeout=timeout_s):
            return True
    except OSError:
        return False


def headless_hint(prog: str) -> str:
    prog = f"python {prog}" if prog.endswith(".py") else prog
    return (f"train without a window with `{prog} run …` (see `{prog} --help`), "
            f"or set QT_QPA_PLATFORM=offscreen to start the window off screen")


def install_command(packages) -> str:
    return "sudo apt-get install " + " ".join(packages)


def check(prog: str = "rcnn-workbench", env=None, find_missing=missing_libraries,
          reachable=x_display_reachable, plugin=plugin_path) -> Problem | None:
    """What stops the window from starting here, or None."""
    env = os.environ if env is None else env
    name = platform_name(env)
    if name is None:
        return Problem("no-display", f"{prog}: no display to open the window on (DISPLAY and WAYLAND_DISPLAY "
                                     f"are not set); {headless_hint(prog)}.")
    if name == "xcb" and "QT_QPA_PLATFORM" not in env and not reachable(env.get("DISPLAY", "")):
        return Problem("display-unreachable", f"{prog}: the X display {env.get('DISPLAY')!r} does not answer "
                                              f"(is the X server running?); {headless_hint(prog)}.")
    path = plugin(name)
    if path is None:
        _LOG.debug("window pre-flight: platform %s, no plugin file to check", name)
        return None
    missing = find_missing(path)
    _LOG.debug("window pre-flight: platform %s, plugin %s, missing libraries: %s", name, path,
               ", ".join(missing) or "none")
    if not missing:
        return None
    packages = tuple(dict.fromkeys(DEBIAN_PACKAGES[lib] for lib in missing if lib in DEBIAN_PACKAGES))
    unknown = tuple(lib for lib in missing if lib not in DEBIAN_PACKAGES)
    what = f"Qt's {name} platform plugin needs system libraries that are missing ({', '.join(missing)})"
    if packages and not unknown:
        how = f"install them with: {install_command(packages)}"
    elif packages:
        how = (f"install {' '.join(packages)} (e.g. {install_command(packages)}) and the packages that "
               f"provide {', '.join(unknown)}")
    else:
        how = "install the packages of your distribution that provide them"
    return Problem("missing-libraries", f"{prog}: {what}; {how}.", missing, packages, unknown)
