"""The entry point: pre-flight check before the window, --version, --verbose, quiet TensorFlow.

The missing-library and no-display cases are simulated (an injected `ldd`
answer, an emptied environment); the real-process tests check that the user
gets one sentence and an exit status instead of Qt's abort.
"""
from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.tensorflow_loader import filter_startup_lines
from workbench.entry import launcher
from workbench.entry import preflight
from workbench.core.version import app_version

ROOT = Path(__file__).resolve().parents[3]

LDD_OUTPUT = """\
\tlinux-vdso.so.1 (0x00007ffd)
\tlibQt6XcbQpa.so.6 => /venv/PySide6/Qt/lib/libQt6XcbQpa.so.6 (0x00007f1)
\tlibxcb-cursor.so.0 => not found
\tlibxcb-icccm.so.4 => not found
\tlibxcb-util.so.1 => /lib/x86_64-linux-gnu/libxcb-util.so.1 (0x00007f2)
\tlibxcb-icccm.so.4 => not found
"""


def _fake_ldd(stdout):
    def run(cmd, **kw):
        assert cmd[0] == "ldd"
        return subprocess.CompletedProcess(cmd, 0, stdout, "")
    return run


def test_ldd_output_gives_each_missing_library_once(monkeypatch):
    monkeypatch.setattr(preflight.shutil, "which", lambda name: "/usr/bin/ldd")
    missing = preflight.missing_libraries(Path("/x/libqxcb.so"), run=_fake_ldd(LDD_OUTPUT))
    assert missing == ("libxcb-cursor.so.0", "libxcb-icccm.so.4")


def _check(env, missing=(), reachable=True):
    return preflight.check("rcnn-workbench", env=env, find_missing=lambda path: tuple(missing),
                           reachable=lambda display: reachable, plugin=lambda name: Path(f"/x/{name}.so"))


def test_a_missing_xcb_library_names_the_package_and_the_command():
    problem = _check({"DISPLAY": ":94"}, missing=("libxcb-cursor.so.0", "libxcb-icccm.so.4"))
    assert problem.kind == "missing-libraries" and problem.packages == ("libxcb-cursor0", "libxcb-icccm4")
    assert "sudo apt-get install libxcb-cursor0 libxcb-icccm4" in problem.message
    assert "\n" not in problem.message


def test_a_library_with_no_known_package_is_still_named():
    problem = _check({"DISPLAY": ":94"}, missing=("libweird.so.3",))
    assert problem.unknown == ("libweird.so.3",) and "libweird.so.3" in problem.message
    assert "apt-get" not in problem.message


def test_nothing_missing_is_no_problem():
    assert _check({"DISPLAY": ":94"}) is None
    assert _check({"QT_QPA_PLATFORM": "offscreen"}) is None


def test_no_display_points_to_headless_work():
    problem = _check({})
    assert problem.kind == "no-display"
    assert "rcnn-workbench run" in problem.message and "QT_QPA_PLATFORM=offscreen" in problem.message
    assert preflight.check("main.py", env={}).message.count("python main.py run") == 1


def test_an_x_server_that_does_not_answer_is_said():
    problem = _check({"DISPLAY": ":94"}, reachable=False)
    assert problem.kind == "display-unreachable" and "':94'" in problem.message


def test_a_dead_display_number_is_unreachable():
    # No X server listens on display 12345 (neither the abstract nor the file socket).
    assert not preflight.x_display_reachable(":12345")
    assert preflight.x_display_reachable("not a display form")


def test_platform_follows_the_environment():
    assert preflight.platform_name({"QT_QPA_PLATFORM": "offscreen"}) == "offscreen"
    assert preflight.platform_name({"QT_QPA_PLATFORM": "wayland;xcb"}) == "wayland"
    assert preflight.platform_name({"DISPLAY": ":0"}) == "xcb"
    assert preflight.platform_name({"WAYLAND_DISPLAY": "wayland-0"}) == "wayland"
    assert preflight.platform_name({}) is None


def _missing_then(after):
    """A check that reports libxcb-cursor0 missing once, then `after`."""
    answers = [_check({"DISPLAY": ":1"}, missing=("libxcb-cursor.so.0",)), after]
    return lambda prog: answers.pop(0)


def test_as_root_the_launcher_installs_the_missing_package():
    installed, out = [], io.StringIO()
    ok = launcher.ensure_window_can_start("rcnn-workbench", check=_missing_then(None), can_install=lambda: True,
                                          install=lambda pkgs: installed.append(pkgs) or True, stream=out)
    assert ok and installed == [("libxcb-cursor0",)] and "installing libxcb-cursor0" in out.getvalue()


def test_without_root_the_launcher_prints_the_command_and_stops():
    installed, out = [], io.StringIO()
    ok = launcher.ensure_window_can_start("rcnn-workbench", check=_missing_then(None), can_install=lambda: False,
                                          install=lambda pkgs: installed.append(pkgs) or True, stream=out)
    assert not ok and installed == []
    assert out.getvalue().strip().endswith("sudo apt-get install libxcb-cursor0.")
    assert out.getvalue().count("\n") == 1


def test_a_failed_install_still_ends_with_the_command():
    out = io.StringIO()
    still = _check({"DISPLAY": ":1"}, missing=("libxcb-cursor.so.0",))
    ok = launcher.ensure_window_can_start("rcnn-workbench", check=_missing_then(still), can_install=lambda: True,
                                          install=lambda pkgs: False, stream=out)
    assert not ok and "sudo apt-get install libxcb-cursor0" in out.getvalue().splitlines()[-1]


def test_apt_install_refreshes_the_lists_once_when_the_first_try_fails():
    calls = []

    def run(cmd, env=None):
        calls.append(cmd[:2])
        return subprocess.CompletedProcess(cmd, 100 if len(calls) == 1 else 0)
    assert launcher._apt_install(("libxcb-cursor0",), run=run)
    assert calls == [["apt-get", "install"], ["apt-get", "update"], ["apt-get", "install"]]


def _process(*argv, env_drop=(), **env):
    environ = {k: v for k, v in os.environ.items() if k not in env_drop}
    environ.update(env)
    return subprocess.run([sys.executable, *argv], cwd=ROOT, env=environ, capture_output=True, text=True,
                          timeout=120)


def test_the_window_without_a_display_is_one_line_not_a_qt_abort():
    proc = _process("main.py", env_drop=("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.count("\n") == 1 and "python main.py run" in proc.stderr
    assert "QT_QPA_PLATFORM=offscreen" in proc.stderr


@pytest.mark.parametrize("entry", [["main.py"], ["-m", "workbench"]])
def test_version_on_every_entry_point_loads_neither_qt_nor_tensorflow(entry):
    code = ("import runpy, sys; sys.argv = ['x', '--version']\n"
            "try:\n"
            + (f"    runpy.run_path({str(ROOT / 'main.py')!r}, run_name='__main__')\n" if entry == ["main.py"]
               else "    runpy.run_module('workbench', run_name='__main__')\n")
            + "except SystemExit as e:\n"
              "    print('exit', e.code, 'PySide6' in sys.modules, 'tensorflow' in sys.modules)\n")
    proc = _process("-c", code, env_drop=("DISPLAY",))
    assert proc.stdout.splitlines() == [f"rcnn-workbench {app_version()}", "exit 0 False False"], proc.stderr
    assert _process(*entry, "-V").stdout.strip() == f"rcnn-workbench {app_version()}"


def test_version_comes_from_the_package_metadata():
    import tomllib
    assert app_version() == tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]


CHATTER = """\
WARNING: All log messages before absl::InitializeLog() is called are written to STDERR
I0000 00:00:1795324954.939804    7425 port.cc:153] oneDNN custom operations are on.
I0000 00:00:1795324954.940229    7425 cudart_stub.cc:31] Could not find cuda drivers on your machine.
I0000 00:00:1795324956.374469    7425 cpu_feature_guard.cc:227] This TensorFlow binary is optimized
To enable the following instructions: AVX2 AVX512F, in other operations, rebuild TensorFlow.
E0000 00:00:1795324956.437642    7425 cuda_platform.cc:52] failed call to cuInit: UNKNOWN ERROR (303)
F0000 00:00:1795324956.437642    7425 x.cc:1] fatal: out of everything
/site-packages/x.py:3: DeprecationWarning: something a user should see
"""


def test_startup_filter_keeps_what_reaches_the_log_level_and_anything_else():
    kept, dropped = filter_startup_lines(CHATTER, min_level=3)
    assert kept == [CHATTER.splitlines()[6], CHATTER.splitlines()[7]]
    assert len(dropped) == 6
    kept, _ = filter_startup_lines(CHATTER, min_level=2)
    assert any("cuInit" in line for line in kept)


def test_a_normal_cli_run_prints_no_tensorflow_chatter(tmp_path):
    out = tmp_path / "run"
    argv = ["main.py", "run", "--cases", "1", "--epochs", "1", "--train-limit", "50", "--test-limit", "20",
            "--batch-size", "25", "--out", str(out)]
    proc = _process(*argv, env_drop=("TF_CPP_MIN_LOG_LEVEL",), CUDA_VISIBLE_DEVICES="")
    assert proc.returncode == 0, proc.stderr
    assert "absl" not in proc.stderr and "oneDNN" not in proc.stderr and "I0000" not in proc.stderr
    assert f"run folder: {out}" in proc.stdout
    verbose = _process(*argv[:-1], str(tmp_path / "run2"), "--verbose", env_drop=("TF_CPP_MIN_LOG_LEVEL",),
                       CUDA_VISIBLE_DEVICES="")
    assert verbose.returncode == 0 and "oneDNN" in verbose.stderr


def test_the_readme_lists_every_system_package_of_the_xcb_plugin():
    readme = (ROOT / "README.md").read_text()
    setup = readme[:readme.index("<!-- install:end -->")]
    listed = set(setup.replace("\\\n", " ").split())
    assert set(preflight.README_PACKAGES) <= listed
    # ...and the check knows the package of each of them, so it can name the one that is missing.
    assert set(preflight.README_PACKAGES) <= set(preflight.DEBIAN_PACKAGES.values())


def test_every_library_the_installed_xcb_plugin_links_to_has_a_known_package():
    """On this machine: each non-Qt library under libqxcb.so is known, or part of every base system."""
    plugin = preflight.plugin_path("xcb")
    if plugin is None:
        pytest.skip("PySide6 has no xcb plugin here")
    out = subprocess.run(["ldd", str(plugin)], capture_output=True, text=True, timeout=30).stdout
    names = {line.split()[0] for line in out.splitlines() if "=>" in line and "PySide6" not in line}
    x_and_gl = {n for n in names if n.startswith(("libxcb", "libX", "libxkb", "libGL", "libEGL", "libfont"))}
    assert x_and_gl <= set(preflight.DEBIAN_PACKAGES), x_and_gl - set(preflight.DEBIAN_PACKAGES)


def test_every_shipped_resource_is_package_data():
    """A file added under resources/ must reach the wheel (pyproject's package-data globs)."""
    import tomllib
    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["resources"]
    folder = ROOT / "resources"
    shipped = {p for pattern in globs for p in folder.glob(pattern)}
    tracked = subprocess.run(["git", "ls-files", "resources"], cwd=ROOT, capture_output=True, text=True).stdout
    files = {ROOT / line for line in tracked.split() if not line.endswith(".py")}
    if not files:
        pytest.skip("not a git checkout")
    assert files <= shipped, sorted(str(p.relative_to(ROOT)) for p in files - shipped)


def test_make_installs_and_removes_the_desktop_entry_for_this_user(tmp_path):
    import shutil
    from workbench.entry.desktop_entry import exec_line
    if shutil.which("make") is None:
        pytest.skip("no make")
    # STAMP=: no venv set-up here; PY/PYTHON: this interpreter.
    make = ["make", "-s", "-C", str(ROOT), f"DATA_HOME={tmp_path}", "STAMP=", f"PY={sys.executable}",
            f"PYTHON={sys.executable}"]
    subprocess.run([*make, "install-desktop"], check=True, capture_output=True, timeout=60)
    entry = (tmp_path / "applications" / "rcnn-workbench.desktop").read_text()
    assert f"Exec={exec_line(sys.executable)}" in entry.splitlines()
    assert "Icon=rcnn-workbench" in entry and "Type=Application" in entry
    icons = [tmp_path / "icons/hicolor/scalable/apps/rcnn-workbench.svg",
             tmp_path / "icons/hicolor/256x256/apps/rcnn-workbench.png"]
    assert all(icon.is_file() for icon in icons)
    subprocess.run([*make, "uninstall-desktop"], check=True, capture_output=True, timeout=60)
    assert not any(tmp_path.rglob("rcnn-workbench*"))


def test_the_desktop_entry_starts_the_gui_script_beside_the_python(tmp_path):
    from workbench.entry import desktop_entry
    bin_dir = tmp_path / "venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "python").write_text("")
    assert desktop_entry.exec_line(str(bin_dir / "python")) == f"{tmp_path}/venv/bin/python -m workbench"
    (bin_dir / "rcnn-workbench-gui").write_text("")
    home = tmp_path / "share"
    path = desktop_entry.install(home, python=str(bin_dir / "python"))
    assert f"Exec={bin_dir}/rcnn-workbench-gui" in path.read_text().splitlines()
    assert (home / "icons/hicolor/256x256/apps/rcnn-workbench.png").read_bytes()[:4] == b"\x89PNG"
    assert len(desktop_entry.uninstall(home)) == 3 and desktop_entry.uninstall(home) == []
