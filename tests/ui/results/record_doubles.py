"""Run and study folders as the workbench leaves them, written without training (for the runs table's tests).

A study is made from a real StudySpec (its trials, groups and overrides are the spec's own), its study.json
in the driver's shape, and each trial a run folder with a manifest and metrics.csv whose final test
accuracy is `accuracy(group, case, seed)`.
"""
from __future__ import annotations

import json
from pathlib import Path

from workbench.core.config import DataSpec, load_preset
from workbench.records.metrics import MetricRow, write_metrics
from workbench.studies.spec import StudySpec


def tiny(epochs=2, cases=("0", "1"), **train):
    return load_preset("quick").with_(cases=cases, data=DataSpec("sample", train_limit=200, test_limit=100)
                                      ).with_train(**{"epochs": epochs, "batch_size": 50, **train})


def write_run(folder: Path, config, finals: dict[str, list[float]], started="2026-11-01T10:00:00+00:00",
              status="completed", seeds=None) -> Path:
    """A run folder of len(finals[case]) trials whose last test epoch has these accuracies."""
    folder.mkdir(parents=True)
    n = len(next(iter(finals.values())))
    seeds = list(seeds) if seeds is not None else list(range(config.train.seed, config.train.seed + n))
    epochs = config.train.epochs
    rows = []
    for case, values in finals.items():
        for trial, final in enumerate(values):
            for e in range(epochs):
                acc = final - 0.1 * (epochs - 1 - e)
                rows += [MetricRow(trial, case, e, "train", 1.0, acc, float(e)),
                         MetricRow(trial, case, e, "test", 1.0, acc, float(e))]
    write_metrics(folder / "metrics.csv", rows)
    trials = [{"trial": t, "seed": seeds[t], "status": status, "epochs_done": epochs,
               "final": {c: {"epoch": epochs - 1, "test_accuracy": finals[c][t]} for c in finals},
               "diverged_at": {}, "train_seconds": {}} for t in range(n)]
    manifest = {"kind": "run", "status": status, "started_at": started,
                "config": config.with_(trials=n).to_dict(), "cases": {c: {"name": f"case {c}"} for c in finals},
                "trials": trials, "notes": []}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def write_study(folder: Path, spec: StudySpec, accuracy, status="completed",
                created="2026-11-02T10:00:00+00:00", pending=()) -> Path:
    """A study folder for `spec`; trials whose index is in `pending` have not started (no folder)."""
    folder.mkdir(parents=True)
    entries = []
    for t in spec.trials():
        done = t.index not in pending
        finals = {c: accuracy(t.group, c, t.seed) for c in t.config.cases}
        if done:
            write_run(folder / t.name, t.config, {c: [v] for c, v in finals.items()}, seeds=[t.seed],
                      started=created)
        entries.append({"index": t.index, "folder": t.name, "group": t.group, "arch": t.arch, "seed": t.seed,
                        "overrides": t.overrides, "status": "completed" if done else "pending", "attempts": int(done),
                        "error": None, "node": None, "epochs_done": t.config.train.epochs if done else 0,
                        "final": {c: {"test_accuracy": v} for c, v in finals.items()} if done else {},
                        "diverged_at": {}, "previous_folders": []})
    state = {"kind": "study", "schema_version": 1, "status": status, "created_at": created,
             "updated_at": created, "ended_at": created, "description": spec.describe(), "spec": spec.to_dict(),
             "options": {"backend": "local"}, "backend": "local", "data": [], "sessions": [], "error": None,
             "trials": entries}
    (folder / "study.json").write_text(json.dumps(state))
    return folder
