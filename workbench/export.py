"""One-file exports of a run folder: a long-format CSV and a ZIP of everything."""
from __future__ import annotations

import csv
import math
import zipfile
from pathlib import Path

from . import metrics as M
from .run_folder import read_manifest

LONG_COLUMNS = ("run", "arch", "semantics", "trial", "seed", "case", "case_name", "epoch", "split",
                "metric", "value", "wall_time_s")


def export_long_csv(run_dir: Path, dest: Path) -> int:
    """Every (trial, case, epoch, split, metric) of the run as one row; nothing downsampled."""
    run_dir = Path(run_dir)
    manifest = read_manifest(run_dir)
    rows = M.read_metrics(run_dir / "metrics.csv")
    config = manifest.get("config", {})
    train = config.get("train", {})
    seeds = {t["trial"]: t.get("seed") for t in manifest.get("trials", [])}
    names = {k: v.get("name", k) for k, v in manifest.get("cases", {}).items()}
    arch = config.get("arch", manifest.get("architecture", ""))
    count = 0
    with open(dest, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(LONG_COLUMNS)
        for r in rows:
            for metric in ("cost", "accuracy"):
                writer.writerow([run_dir.name, arch, train.get("semantics", ""), r.trial, seeds.get(r.trial, ""),
                                 r.case, names.get(r.case, r.case), r.epoch, r.split, metric,
                                 M._fmt(getattr(r, metric)), M._fmt(r.wall_time_s)])
                count += 1
    return count


def export_zip(run_dir: Path, dest: Path) -> int:
    """The whole run folder in one ZIP (paths inside start with the folder's name)."""
    run_dir = Path(run_dir).resolve()
    dest = Path(dest).resolve()
    files = [p for p in sorted(run_dir.rglob("*")) if p.is_file() and p != dest and not p.name.endswith(".tmp")]
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in files:
            archive.write(path, Path(run_dir.name) / path.relative_to(run_dir))
    return len(files)
