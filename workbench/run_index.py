"""The runs a researcher can lay side by side: the runs home plus any folder the user adds.

Qt-free (the window's run list is a view of this; tests need no Qt). A run is a folder
holding a manifest.json of kind "run"; a folder that holds run folders (the runs home, a
study, a copied archive) is scanned one level deep, and deeper levels are left alone so a
large disk is never walked. A manifest that cannot be read is listed as damaged, with its
reason, rather than skipped without a word. Symlinks out of a scanned folder are not followed.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from .paths import runs_home


@dataclass(frozen=True)
class RunEntry:
    path: Path
    name: str
    date: str                      # started_at as recorded (ISO), or "" when unknown
    arch: str
    cases: tuple[str, ...]
    status: str                    # completed, stopped, failed, running, interrupted, … or "damaged"
    final_accuracy: dict[str, float] = field(default_factory=dict)   # case -> mean final test accuracy
    trials: int = 1
    epochs_done: int = 0
    problem: str = ""              # why a damaged entry cannot be shown
    report: Path | None = None     # a claims report's report.html (opened in the browser, not overlaid)

    @property
    def best_accuracy(self) -> float:
        finite = [v for v in self.final_accuracy.values() if math.isfinite(v)]
        return max(finite) if finite else math.nan

    def accuracy_text(self) -> str:
        """'0.912 (case 1)' for the best case; '' when no epoch finished."""
        finite = {k: v for k, v in self.final_accuracy.items() if math.isfinite(v)}
        if not finite:
            return ""
        key = max(finite, key=finite.get)
        return f"{finite[key]:.3f} (case {key})"


def read_report_entry(folder: Path) -> RunEntry | None:
    """A claims report folder (claims.json of kind claims-report beside report.html), or None.

    Listed beside the runs so the report a claims study wrote is found where its runs are;
    its status says how many claims got which verdict.
    """
    folder = Path(folder)
    data, html = folder / "claims.json", folder / "report.html"
    if not (data.is_file() and html.is_file()) or data.is_symlink() or html.is_symlink():
        return None
    try:
        if data.stat().st_size > 16 * 2**20:
            raise ValueError("claims.json larger than 16 MiB")
        claims = json.loads(data.read_text())
    except (OSError, ValueError) as exc:
        return RunEntry(folder, folder.name, "", "claims report", (), "damaged", problem=f"claims.json: {exc}")
    if not isinstance(claims, dict) or claims.get("kind") != "claims-report":
        return None
    verdicts: dict[str, int] = {}
    for claim in claims.get("claims") or []:
        for result in (claim.get("results") or []) if isinstance(claim, dict) else []:
            if isinstance(result, dict) and result.get("verdict"):
                verdicts[str(result["verdict"])] = verdicts.get(str(result["verdict"]), 0) + 1
    status = ", ".join(f"{n} {v}" for v, n in sorted(verdicts.items())) or "report"
    scale = claims.get("scale") if isinstance(claims.get("scale"), dict) else {}
    return RunEntry(path=folder, name=folder.name, date=str(claims.get("generated_at") or ""),
                    arch=f"claims report ({scale.get('name', '?')} scale)", cases=(), status=status,
                    report=html)


def read_entry(folder: Path) -> RunEntry | None:
    """The run in `folder`, a damaged entry when its manifest is unreadable, None when it is no run."""
    folder = Path(folder)
    report = read_report_entry(folder)
    if report is not None:
        return report
    path = folder / "manifest.json"
    if not path.is_file() or path.is_symlink():
        return None
    try:
        manifest = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        return RunEntry(folder, folder.name, "", "?", (), "damaged", problem=f"manifest.json: {exc}")
    if not isinstance(manifest, dict) or manifest.get("kind", "run") != "run":
        return None
    config = manifest.get("config") if isinstance(manifest.get("config"), dict) else {}
    cases = manifest.get("cases") if isinstance(manifest.get("cases"), dict) else {}
    trials = [t for t in manifest.get("trials") or [] if isinstance(t, dict)]
    finals: dict[str, list[float]] = {}
    for t in trials:
        for key, values in (t.get("final") or {}).items():
            try:
                finals.setdefault(str(key), []).append(float(values.get("test_accuracy")))
            except (AttributeError, TypeError, ValueError):
                continue
    accuracy = {k: (sum(v) / len(v) if v else math.nan) for k, v in finals.items()}
    return RunEntry(
        path=folder, name=folder.name, date=str(manifest.get("started_at") or ""),
        arch=str(config.get("arch", "?")), cases=tuple(str(k) for k in cases),
        status=str(manifest.get("status", "?")), final_accuracy=accuracy, trials=max(1, len(trials)),
        epochs_done=max((int(t.get("epochs_done") or 0) for t in trials), default=0))


def scan(folders: list[Path] | None = None, include_home: bool = True) -> list[RunEntry]:
    """Every run in the runs home and in `folders` (each a run or a folder of runs), newest first."""
    roots = ([runs_home()] if include_home else []) + [Path(f) for f in folders or []]
    seen: set[Path] = set()
    entries: list[RunEntry] = []

    def add(folder: Path) -> bool:
        try:
            key = folder.resolve()
        except OSError:
            return False
        if key in seen:
            return True
        entry = read_entry(folder)
        if entry is not None:
            seen.add(key)
            entries.append(entry)
            return True
        return False

    for root in roots:
        if not root.is_dir() or add(root):
            continue
        try:
            children = sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink())
        except OSError:
            continue
        for child in children:
            add(child)
    entries.sort(key=lambda e: (e.date, e.name), reverse=True)
    return entries
