"""What the runs table costs on top of reading the runs: 5,000 synthetic run folders, no training.

Writes N run folders as the workbench leaves them (a manifest with a full configuration, seven cases'
final values, one to three trials; one in a hundred damaged), then times, best of --repeat:

  index  reading them (workbench.records.run_index.scan: every manifest parsed, its status and notes read)
  load   the runs table's rows from those entries (ui/results/model/runs_table.RunsTable.load)
  sort   re-sorting the table by the metric column, and by every column in turn (mean per column)
  view   the Runs tab fitting its columns to that table (Qt, offscreen; Qt measures SAMPLE_ROWS rows)

and reports load + sort as a ratio to reading the index (the table should add little to what the
records layer must read anyway) and the open time (index + load) against the window's 1 s target.

    python bench/bench_runs_table.py              # 5,000 runs
    python bench/bench_runs_table.py --tiny       # 60 runs, one repeat (the test suite runs this)
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from workbench.core.config import DataSpec, load_preset  # noqa: E402
from workbench.records.run_index import scan  # noqa: E402
from ui.results.model.runs_table import KEYS, RunsTable  # noqa: E402


def write_runs(home: Path, n: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    base = load_preset("quick").with_(data=DataSpec("sample", 200, 100))
    cases = [c.key for c in base.case_objects()]
    for i in range(n):
        folder = home / f"run-{i:05d}"
        folder.mkdir(parents=True)
        if i % 100 == 99 or i == n - 1:
            (folder / "manifest.json").write_text('{"kind": "run", "trials": ')          # damaged
            continue
        trials = rng.randint(1, 3)
        config = base.with_(trials=trials, arch=rng.choice(("post-a", "vanilla"))).with_train(
            learning_rate=rng.choice((0.001, 0.003, 0.007)), batch_size=rng.choice((50, 100)),
            epochs=rng.randint(1, 800), seed=rng.randint(0, 9), semantics=rng.choice(("corrected", "as-published")))
        manifest = {
            "kind": "run", "schema_version": 2, "status": rng.choice(("completed", "stopped", "failed")),
            "started_at": f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:00:00+00:00",
            "config": config.to_dict(), "cases": {c: {"name": f"case {c}", "colour": "#808080"} for c in cases},
            "environment": {"python": "3.12", "platform": "Linux", "packages": {f"pkg{j}": "1.0" for j in range(30)}},
            "trials": [{"trial": t, "seed": config.train.seed + t, "status": "completed", "epochs_done": 5,
                        "final": {c: {"epoch": 4, "train_cost": 0.5, "train_accuracy": 0.9, "test_cost": 0.6,
                                      "test_accuracy": rng.random()} for c in cases},
                        "diverged_at": {}, "train_seconds": {c: 1.0 for c in cases}} for t in range(trials)],
            "notes": ["quirks: none"]}
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))


def best_of(repeat: int, fn):
    times, value = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t0)
    return min(times), value


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tiny", action="store_true", help="60 runs, one repeat (a check that it runs)")
    args = parser.parse_args(argv)
    n, repeat = (60, 1) if args.tiny else (args.runs, args.repeat)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "runs"
        write_runs(home, n)
        t_index, entries = best_of(repeat, lambda: scan([home], include_home=False))
        t_load, table = best_of(repeat, lambda: RunsTable(entries))
        t_metric, _ = best_of(repeat, lambda: table.sort("accuracy", descending=True))
        per_column = [best_of(repeat, lambda k=k: table.sort(k))[0] for k in KEYS]
        t_columns = sum(per_column) / len(per_column)
        t_view = view_time(home, repeat)
    damaged = sum(1 for e in entries if e.status == "damaged")
    print(f"{len(entries)} runs listed ({damaged} damaged), best of {repeat}:")
    print("| runs | read the index | table load | sort by accuracy | sort, mean over columns | view fit | "
          "(load + sort) / index | open (index + load + view) |")
    print("|---|---|---|---|---|---|---|---|")
    print(f"| {len(entries)} | {t_index * 1e3:.1f} ms | {t_load * 1e3:.1f} ms | {t_metric * 1e3:.1f} ms | "
          f"{t_columns * 1e3:.1f} ms | {t_view * 1e3:.1f} ms | {(t_load + t_metric) / t_index:.3f} | "
          f"{(t_index + t_load + t_view) * 1e3:.0f} ms |")
    return 0


def view_time(home: Path, repeat: int) -> float:
    """The Runs tab's column fit over the runs in `home` (its own scan and load are not counted)."""
    os.environ["RCNN_WORKBENCH_RUNS"] = str(home)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication
    from ui.results.run_list_panel import RunListPanel
    app = QApplication.instance() or QApplication([])
    panel = RunListPanel()
    panel.resize(1000, 600)
    panel.show()
    app.processEvents()
    seconds, _ = best_of(repeat, panel.fit_columns)
    panel.close()
    return seconds


if __name__ == "__main__":
    raise SystemExit(main())
