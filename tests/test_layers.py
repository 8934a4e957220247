"""The layers of pyproject.toml's [tool.importlinter] hold: `lint-imports` runs with the suite.

engine knows no Qt and nothing of workbench or ui; ui imports no TensorFlow and only engine's
descriptions; workbench is Qt-free outside app/, which never imports QtWidgets; the workbench's
rooms form layers without cycles. A contract that breaks fails this test with lint-imports' report.
"""
import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _lint_imports(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert exe, "import-linter is a test dependency (pyproject.toml [test])"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([exe, "--no-cache", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)


def test_every_import_contract_is_kept():
    result = _lint_imports()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_broken_contract_fails_the_run(tmp_path):
    """The runner is not silently lenient: a contract today's code breaks is reported as broken."""
    config = tmp_path / "broken.toml"
    config.write_text('[tool.importlinter]\nroot_packages = ["workbench"]\n\n'
                      '[[tool.importlinter.contracts]]\nname = "records may not use core"\n'
                      'type = "forbidden"\nsource_modules = ["workbench.records"]\n'
                      'forbidden_modules = ["workbench.core"]\n')
    result = _lint_imports("--config", str(config))
    assert result.returncode != 0
    assert "records may not use core BROKEN" in result.stdout


def test_the_qtcore_bridge_never_imports_qt_widgets():
    """import-linter only names top-level external packages, so QtWidgets is checked from the source."""
    offenders = []
    for path in sorted((ROOT / "workbench").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [f"{node.module}.{a.name}" for a in node.names] + [node.module or ""]
                     if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.relative_to(ROOT)}:{node.lineno}" for n in names
                          if n == "PySide6.QtWidgets" or n.startswith("PySide6.QtWidgets.")]
    assert offenders == []
