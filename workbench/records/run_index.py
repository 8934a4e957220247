"""The runs a researcher can lay side by side: the runs home plus any folder the user adds.

Qt-free (the window's run list is a view of this; tests need no Qt). A run is a folder
holding a manifest.json of kind "run"; a folder that holds run folders (the runs home, a
study, a copied archive) is scanned one level deep, and deeper levels are left alone so a
large disk is never walked. A manifest that cannot be read is listed as damaged, with its
reason, rather than skipped without a word. Symlinks out of a scanned folder are not followed.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from workbench.records.json_reader import read_json
from workbench.core.paths import runs_home
from workbench.records.run_status import status_of


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
        claims = read_json(data, what="claims report")
    except (OSError, ValueError) as exc:
        return RunEntry(folder, folder.name, "", "claims report", (), "damaged", problem=str(exc))
    if claims.get("kind") != "claims-report":
        return None
    verdicts: dict[str, int] = {}
    for claim in _list(claims.get("claims")):
        for result in _list(claim.get("results")) if isinstance(claim, dict) else []:
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
    if not os.path.lexists(path):
        return None
    try:
        manifest = read_json(path, what="run manifest")
        if manifest.get("kind", "run") != "run":
            return None
        return _run_entry(folder, manifest)
    except (OSError, ValueError) as exc:
        return _damaged(folder, str(exc))
    except (TypeError, AttributeError, OverflowError) as exc:      # a field of an unexpected shape
        return _damaged(folder, f"{path}: not a run manifest ({exc})")


def _damaged(folder: Path, problem: str) -> RunEntry:
    return RunEntry(folder, folder.name, "", "?", (), "damaged", problem=problem)


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _trial_problem(trial) -> str | None:
    """What is wrong with the shape of a manifest's trial entry (the fields the list shows), or None."""
    if not isinstance(trial, dict):
        return f"a {type(trial).__name__}, not an object"
    if not isinstance(trial.get("final", {}), dict):
        return f"'final' is a {type(trial['final']).__name__}, not an object"
    done = trial.get("epochs_done", 0)
    if not isinstance(done, int) or isinstance(done, bool) or done < 0:
        return f"'epochs_done' is {str(done)[:20]!r}, not a count"
    return None


def _run_entry(folder: Path, manifest: dict) -> RunEntry:
    path = folder / "manifest.json"
    if "trials" in manifest and not isinstance(manifest["trials"], list):
        return _damaged(folder, f"{path}: not a run manifest ('trials' is a {type(manifest['trials']).__name__}, "
                                f"not a list)")
    config = manifest.get("config") if isinstance(manifest.get("config"), dict) else {}
    cases = manifest.get("cases") if isinstance(manifest.get("cases"), dict) else {}
    trials = _list(manifest.get("trials"))
    for i, t in enumerate(trials):
        problem = _trial_problem(t)
        if problem:
            return _damaged(folder, f"{path}: not a run manifest (trial entry {i}: {problem})")
    finals: dict[str, list[float]] = {}
    for t in trials:
        final = t.get("final")
        for key, values in final.items() if isinstance(final, dict) else ():
            try:
                finals.setdefault(str(key), []).append(float(values.get("test_accuracy")))
            except (AttributeError, TypeError, ValueError):
                continue
    accuracy = {k: (sum(v) / len(v) if v else math.nan) for k, v in finals.items()}
    return RunEntry(
        path=folder, name=folder.name, date=str(manifest.get("started_at") or ""),
        arch=str(config.get("arch", "?")), cases=tuple(str(k) for k in cases),
        status=status_of(manifest, folder).status, final_accuracy=accuracy, trials=max(1, len(trials)),
        epochs_done=max((t.get("epochs_done", 0) for t in trials), default=0))


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
