"""Stand-ins for the window's tests: a finished run folder as the engine leaves it, an engine that records.

The window's actions are tested by what they do; where that would be a whole run, the controller is
replaced by RecordingController (runs themselves are tested in test_main_window.py).
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog

from engine.cases import PUBLISHED_CASES
from engine.events import EpochEvent, Progress
from workbench.core.config import DataSpec, load_preset
from workbench.records.gradient_log import GradientLog
from workbench.records.metrics import MetricRow, write_metrics


def tiny(epochs=1, cases=("0", "1")):
    return load_preset("quick").with_(cases=cases, data=DataSpec("sample", train_limit=200, test_limit=100)
                                      ).with_train(epochs=epochs, batch_size=50)


def gradient_record(scale: float) -> dict:
    return {**{("in", str(t)): scale * (t + 1) for t in range(4)}, ("grad", "Wx"): scale}


def fake_run(folder: Path, cases=("0", "2"), epochs=2, gradient_scale: float | None = 5.0) -> Path:
    """A finished run folder as the engine leaves it (manifest, metrics, optionally gradients.csv)."""
    folder.mkdir(parents=True)
    config = tiny(epochs=epochs, cases=cases)
    rows = [MetricRow(0, c, e, split, 2.0 - e / 10, 0.5 + e / 10, float(e))
            for c in cases for e in range(epochs) for split in ("train", "test")]
    write_metrics(folder / "metrics.csv", rows)
    manifest = {"kind": "run", "status": "completed", "config": config.to_dict(),
                "cases": {c: {"name": PUBLISHED_CASES[c].name, "colour": PUBLISHED_CASES[c].colour} for c in cases},
                "environment": {"python": "3.x", "platform": "test"}, "trials": [{"trial": 0, "seed": 1}]}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (folder / "transparency.txt").write_text("----- Case 0 -------\n")
    if gradient_scale is not None:
        log = GradientLog(folder)
        for e in range(epochs):
            log.epoch(EpochEvent(0, e, {}, (), Progress(e + 1, epochs, 1.0, None), 1.0,
                                 gradients={c: gradient_record(gradient_scale * (e + 1)) for c in cases}))
        log.close()
    return folder


class RecordingController:
    """Stands in for the engine: records what the window asks of it."""

    def __init__(self, real):
        self.real, self.calls, self.running = real, [], False

    def start(self, config, out_dir, **kwargs):
        self.calls.append(("start", out_dir, kwargs))
        self.running = True

    def pause(self):
        self.calls.append(("pause",))

    def resume(self):
        self.calls.append(("resume",))

    def start_study(self, spec, out_dir, options, **kwargs):
        self.calls.append(("start_study", spec, out_dir))
        self.running = True

    def stop(self):
        self.calls.append(("stop",))

    def shutdown(self, *args):
        self.real.shutdown(*args)


@pytest.fixture
def answer(monkeypatch):
    """Answer the next file dialogs: answer(getSaveFileName=path, ...); records what each dialog was."""
    asked = []

    def reply(**answers):
        for name, value in answers.items():
            def dialog(*args, _name=name, _value=value, **kwargs):
                asked.append(_name)
                if _name == "getExistingDirectory":
                    return str(_value)
                return str(_value), ""
            monkeypatch.setattr(QFileDialog, name, staticmethod(dialog))
        return asked
    return reply
