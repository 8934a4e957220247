"""Run a short script in a fresh process whose one (offscreen) screen has a given size.

Qt reads the screen once, at start-up, so a window's fit to a 1366×768 laptop can only be seen
in a process started with that screen (Qt's offscreen platform takes it from a config file).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_on_screen(tmp_path: Path, size: tuple[int, int], script: str, timeout: float = 120):
    """Run `script` on a `size` screen with private settings and runs; the JSON of its last line."""
    config = tmp_path / "screen.json"
    config.write_text(json.dumps({"synchronousWindowSystem": True, "windowFrameMargins": False, "screens": [
        {"name": "s", "x": 0, "y": 0, "width": size[0], "height": size[1], "logicalDpi": 96,
         "logicalBaseDpi": 96, "dpr": 1}]}))
    env = {**os.environ, "QT_QPA_PLATFORM": f"offscreen:configfile={config}",
           "RCNN_WORKBENCH_SETTINGS": str(tmp_path / "s.json"), "RCNN_WORKBENCH_RUNS": str(tmp_path / "runs")}
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])
