"""A run folder: manifest.json, metrics.csv, transparency.txt, predictions.npz.

Written at every epoch (metrics appended and flushed, the others replaced
atomically), so a run killed at any moment leaves every finished epoch
readable and a manifest that says how far it got.
"""
from __future__ import annotations

import datetime as _dt
import json
import math
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import numpy as np

from engine import catalog
from engine.events import CaseEpoch, EpochEvent, TrialResult

from . import metrics as M
from .config import ExperimentConfig
from .version import app_version

MANIFEST_VERSION = 1


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).astimezone().isoformat(timespec="seconds")


def atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _git_hash() -> str | None:
    root = Path(__file__).resolve().parent.parent
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True,
                             timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None


def environment() -> dict:
    return {
        "app_version": app_version(),
        "git_commit": _git_hash(),
        "python": platform.python_version(),
        "tensorflow": _version("tensorflow"),
        "numpy": _version("numpy"),
        "pyside6": _version("PySide6-Essentials"),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
    }


def _finite(x: float):
    """JSON has no NaN; a diverged value is written as null."""
    return x if isinstance(x, (int, float)) and math.isfinite(x) else None


def _case_epoch_dict(m: CaseEpoch) -> dict:
    return {"train_cost": _finite(m.train_cost), "train_accuracy": _finite(m.train_accuracy),
            "test_cost": _finite(m.test_cost), "test_accuracy": _finite(m.test_accuracy),
            "diverged": m.diverged}


def transparency_text(rows: list[M.MetricRow], case_names: dict[str, str], log_every: int,
                      final_epoch: int | None = None, header: str = "") -> str:
    """The post-A log layout, one `----- Case K -------` block per (trial, case).

    Epochs logged: every `log_every`-th, plus the last one written so far.
    """
    by_key: dict[tuple[int, str], dict[int, dict[str, M.MetricRow]]] = {}
    for r in rows:
        by_key.setdefault((r.trial, r.case), {}).setdefault(r.epoch, {})[r.split] = r
    trials = sorted({t for t, _ in by_key})
    out = [header] if header else []
    for trial, case in sorted(by_key, key=lambda k: (k[0], list(case_names).index(k[1])
                                                       if k[1] in case_names else 99)):
        epochs = by_key[(trial, case)]
        title = f"----- Case {case} -------"
        if len(trials) > 1:
            title += f"  (trial {trial})"
        out.append(title)
        out.append(f"# {case_names.get(case, case)}")
        last = max(epochs)
        for e in sorted(epochs):
            if e % log_every and e != last:
                continue
            split = epochs[e]
            out.append(f"====== Current iter:  {e} ========")
            if "train" in split:
                out.append(f"Current Avg Train Cost :  {split['train'].cost!r}")
                out.append(f"Current Avg Train Acc :  {split['train'].accuracy!r}")
            if "test" in split:
                out.append(f"Current Avg Test Cost :  {split['test'].cost!r}")
                out.append(f"Current Avg Test Acc :  {split['test'].accuracy!r}")
            out.append(f"====== Current iter:  {e} ========")
        out += ["", ""]
    return "\n".join(out) + "\n"


class RunFolder:
    def __init__(self, out_dir: Path, config: ExperimentConfig):
        self.dir = Path(out_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.config = config
        self.rows: list[M.MetricRow] = []
        self.case_names = {c.key: c.name for c in config.case_objects()}
        self.manifest: dict = {
            "kind": "run",
            "schema_version": MANIFEST_VERSION,
            "status": "running",
            "started_at": now_iso(),
            "ended_at": None,
            "config": config.to_dict(),
            "quirks": list(config.train.quirks),
            "environment": environment(),
            "data": None,
            "trials": [],
            "cases": {c.key: {"name": c.name, "colour": c.colour, "wiring": c.wiring()}
                      for c in config.case_objects()},
            "notes": [],
            "error": None,
        }
        self._metrics = open(self.dir / "metrics.csv", "w", newline="")
        M.write_header(self._metrics)
        self._metrics.flush()
        self._predictions: dict[str, np.ndarray] = {}
        self.write_manifest()
        self.write_transparency()

    # -------------------------------------------------------------------- updates
    def set_data(self, summary: dict) -> None:
        self.manifest["data"] = summary
        self.write_manifest()

    def set_device(self, device: dict) -> None:
        """The device TensorFlow trains on (engine/device.py), known once TensorFlow is loaded."""
        self.manifest["environment"]["device"] = device
        self.write_manifest()

    def add_notes(self, notes: list[str]) -> None:
        self.manifest["notes"].extend(notes)
        self.write_manifest()

    def start_trial(self, trial: int, seed: int) -> None:
        self.manifest["trials"].append({"trial": trial, "seed": seed, "status": "running", "epochs_done": 0,
                                        "final": {}, "diverged_at": {}, "train_seconds": {}})
        self.write_manifest()

    def epoch(self, event: EpochEvent) -> None:
        rows = []
        for key, m in event.metrics.items():
            rows.append(M.MetricRow(event.trial, key, event.epoch, "train", m.train_cost, m.train_accuracy,
                                    event.wall_time_s))
            rows.append(M.MetricRow(event.trial, key, event.epoch, "test", m.test_cost, m.test_accuracy,
                                    event.wall_time_s))
        self.rows.extend(rows)
        M.append_rows(self._metrics, rows)
        self._metrics.flush()
        entry = self.manifest["trials"][-1]
        entry["epochs_done"] = event.epoch + 1
        for key, m in event.metrics.items():
            entry["final"][key] = {"epoch": event.epoch, **_case_epoch_dict(m)}
            if m.diverged:
                entry["diverged_at"][key] = event.epoch
        self.write_manifest()
        self.write_transparency()

    def end_trial(self, result: TrialResult) -> None:
        entry = self.manifest["trials"][-1]
        entry["status"] = result.status
        entry["train_seconds"] = {k: round(v, 3) for k, v in result.train_seconds.items()}
        self._predictions["labels"] = np.asarray(result.test_labels, np.int16)
        for key, preds in result.test_predictions.items():
            self._predictions[f"trial{result.trial}_case{key}"] = np.asarray(preds, np.int16)
        tmp = self.dir / "predictions.tmp.npz"
        np.savez_compressed(tmp, **self._predictions)
        os.replace(tmp, self.dir / "predictions.npz")
        self.write_manifest()

    def finish(self, status: str, error: str | None = None) -> None:
        self.manifest["status"] = status
        self.manifest["ended_at"] = now_iso()
        self.manifest["error"] = error
        self.write_manifest()
        self.write_transparency()
        if not self._metrics.closed:
            self._metrics.close()

    # ----------------------------------------------------------------------- files
    def write_manifest(self) -> None:
        atomic_write(self.dir / "manifest.json", json.dumps(self.manifest, indent=2) + "\n")

    def transparency(self) -> str:
        c = self.config
        from engine.quirks import describe_set
        header = (f"# RCNN Workbench run, architecture {c.arch}, semantics {c.train.semantics}, "
                  f"seed {c.train.seed}, status {self.manifest['status']}\n"
                  f"# quirks: {describe_set(c.train.quirks)}\n"
                  f"# cost: {'per-batch sum' if catalog.describe(c.arch).cost_is_batch_sum else 'per-batch mean'}; "
                  f"epoch values are means over the epoch's batches")
        if self.manifest.get("error"):
            header += f"\n# error: {self.manifest['error']}"
        return transparency_text(self.rows, self.case_names, c.train.log_every, header=header)

    def write_transparency(self) -> None:
        atomic_write(self.dir / "transparency.txt", self.transparency())


def read_manifest(run_dir: Path) -> dict:
    path = Path(run_dir) / "manifest.json"
    try:
        return json.loads(path.read_text())
    except OSError as exc:
        raise FileNotFoundError(f"{path}: cannot read ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not a run manifest ({exc.msg})") from None
