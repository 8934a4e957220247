"""The runs a researcher can lay side by side: the runs home plus any folder the user adds.

Qt-free (the window's run list is a view of this; tests need no Qt). A run is a folder
holding a manifest.json of kind "run"; a folder that holds run folders (the runs home, a
study, a copied archive) is scanned one level deep, and deeper levels are left alone so a
large disk is never walked. A manifest that cannot be read is listed as damaged, with its
reason, rather than skipped without a word. Symlinks out of a scanned folder are not followed.

A study folder (study.json beside its trial-N run folders) is ONE entry: its settings are those of
every trial (a value list where the grid varies one), its accuracy the mean over its completed trials
per configuration and case; its trial folders are not listed beside it. Each entry carries the
hyper-parameters the runs table shows and the researcher's notes (records/run_notes), read from
the folder's own notes file, never from the manifest.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path

from workbench.core.json_reader import read_json
from workbench.core.paths import runs_home
from workbench.records.run_notes import RunNotes, read_notes
from workbench.records.run_status import status_of

STUDY_FILE = "study.json"
# The settings every entry reports (TrainSettings names); "dilation" is the D schedule (P, k).
SETTINGS = ("learning_rate", "batch_size", "epochs", "semantics", "quirks", "init", "dilation")


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
    kind: str = "run"              # "run", "study" or "report"
    settings: dict[str, tuple] = field(default_factory=dict)   # SETTINGS name -> its distinct values
    seeds: tuple[int, ...] = ()
    notes: RunNotes = field(default_factory=RunNotes)

    @property
    def display_name(self) -> str:
        """The name the researcher gave it (its notes file), else the folder's name."""
        return self.notes.display_name or self.name

    @property
    def best_case(self) -> str | None:
        """The case (for a study of several configurations, 'case, configuration') with the highest
        final test accuracy, or None when no epoch finished."""
        finite = {k: v for k, v in self.final_accuracy.items() if math.isfinite(v)}
        return max(finite, key=finite.get) if finite else None

    @property
    def best_accuracy(self) -> float:
        finite = [v for v in self.final_accuracy.values() if math.isfinite(v)]
        return max(finite) if finite else math.nan

    def accuracy_text(self) -> str:
        """'0.912 (case 1)' for the best case; '' when no epoch finished."""
        key = self.best_case
        return "" if key is None else f"{self.final_accuracy[key]:.3f} (case {key})"


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
        return RunEntry(folder, folder.name, "", "claims report", (), "damaged", problem=str(exc), kind="report")
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
                    report=html, kind="report", notes=read_notes(folder))


def read_entry(folder: Path) -> RunEntry | None:
    """The run in `folder`, a damaged entry when its manifest is unreadable, None when it is no run."""
    folder = Path(folder)
    report = read_report_entry(folder)
    if report is not None:
        return report
    if os.path.lexists(folder / STUDY_FILE):
        return read_study_entry(folder)
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


def _damaged(folder: Path, problem: str, kind: str = "run") -> RunEntry:
    return RunEntry(folder, folder.name, "", "?", (), "damaged", problem=problem, kind=kind,
                    notes=read_notes(folder))


def settings_of(config: dict) -> dict[str, object]:
    """The SETTINGS of one configuration (a manifest's "config"), each one value; absent ones left out."""
    train = config.get("train") if isinstance(config.get("train"), dict) else {}
    out: dict[str, object] = {}
    for name in ("learning_rate", "batch_size", "epochs", "semantics", "init"):
        value = train.get(name)
        if isinstance(value, (int, float, str)) and not isinstance(value, bool):
            out[name] = value
    quirks = train.get("quirks")
    if isinstance(quirks, list) and all(isinstance(q, str) for q in quirks):
        out["quirks"] = tuple(sorted(quirks))
    P, k = train.get("dilation_P"), train.get("dilation_k")
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (P, k)):
        out["dilation"] = (float(P), float(k))
    return out


def _gather(settings: list[dict[str, object]]) -> dict[str, tuple]:
    """name -> the distinct values over `settings`, in first-seen order."""
    out: dict[str, tuple] = {}
    for one in settings:
        for name, value in one.items():
            if value not in out.get(name, ()):
                out[name] = out.get(name, ()) + (value,)
    return out


def _mean_finals(trials: list[dict], label=lambda case: case) -> dict[str, float]:
    """label(case) -> the mean final test accuracy over `trials` (manifest or study.json trial entries)."""
    finals: dict[str, list[float]] = {}
    for t in trials:
        final = t.get("final")
        for key, values in final.items() if isinstance(final, dict) else ():
            try:
                finals.setdefault(label(str(key)), []).append(float(values.get("test_accuracy")))
            except (AttributeError, TypeError, ValueError):
                continue
    return {k: (sum(v) / len(v) if v else math.nan) for k, v in finals.items()}


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
    seeds = tuple(t["seed"] for t in trials if isinstance(t.get("seed"), int) and not isinstance(t["seed"], bool))
    if not seeds:
        train = config.get("train") if isinstance(config.get("train"), dict) else {}
        first, count = train.get("seed"), config.get("trials", 1)
        if isinstance(first, int) and isinstance(count, int) and 0 < count <= 10_000:
            seeds = tuple(range(first, first + count))
    return RunEntry(
        path=folder, name=folder.name, date=str(manifest.get("started_at") or ""),
        arch=str(config.get("arch", "?")), cases=tuple(str(k) for k in cases),
        status=status_of(manifest, folder).status, final_accuracy=_mean_finals(trials),
        trials=max(1, len(trials)), epochs_done=max((t.get("epochs_done", 0) for t in trials), default=0),
        settings=_gather([settings_of(config)]), seeds=seeds, notes=read_notes(folder))


def read_study_entry(folder: Path) -> RunEntry:
    """A study folder as one entry (see the module docstring); damaged when study.json is unreadable."""
    path = folder / STUDY_FILE
    try:
        state = read_json(path, what="study file")
        if state.get("kind") != "study":
            raise ValueError(f"{path}: not a study file (kind {str(state.get('kind'))[:40]!r})")
        return _study_entry(folder, state)
    except (OSError, ValueError) as exc:
        return _damaged(folder, str(exc), kind="study")
    except (TypeError, AttributeError, KeyError, OverflowError) as exc:     # a field of an unexpected shape
        return _damaged(folder, f"{path}: damaged ({type(exc).__name__}: {exc})", kind="study")


def _trial_settings(folder: Path, entry: dict, bases: dict[str, dict]) -> dict[str, object]:
    """A trial's settings: its own manifest's when it has started, else its base with the grid's values."""
    trial = folder / str(entry.get("folder", ""))
    if entry.get("status") != "pending" and not trial.is_symlink() and os.path.lexists(trial / "manifest.json"):
        try:
            config = read_json(trial / "manifest.json", what="run manifest").get("config")
            if isinstance(config, dict):
                return settings_of(config)
        except (OSError, ValueError):
            pass                         # the study's own record still says what the trial was to run
    base = bases.get(str(entry.get("arch")), next(iter(bases.values()), {}))
    train = dict(base.get("train") or {}) if isinstance(base.get("train"), dict) else {}
    overrides = entry.get("overrides") if isinstance(entry.get("overrides"), dict) else {}
    train.update(overrides)
    if "semantics" in overrides:
        from engine.quirks import PRESETS
        train["quirks"] = list(PRESETS.get(str(overrides["semantics"]), train.get("quirks") or ()))
    return settings_of({**base, "train": train})


def _study_entry(folder: Path, state: dict) -> RunEntry:
    spec = state.get("spec") if isinstance(state.get("spec"), dict) else {}
    bases = {str(b.get("arch")): b for b in _list(spec.get("bases")) if isinstance(b, dict)}
    if not isinstance(state.get("trials"), list) or not all(isinstance(t, dict) for t in state["trials"]):
        raise ValueError(f"{folder / STUDY_FILE}: damaged ('trials' is not a list of objects)")
    trials = state["trials"]
    groups = list(dict.fromkeys(str(t.get("group", "")) for t in trials))
    completed = [t for t in trials if t.get("status") == "completed"]
    if len(groups) <= 1:
        accuracy = _mean_finals(completed)
    else:
        accuracy = {}
        for group in groups:
            accuracy.update(_mean_finals([t for t in completed if str(t.get("group", "")) == group],
                                         label=lambda case, g=group: f"{case}, {g}"))
    cases = list(dict.fromkeys(str(c) for b in bases.values() for c in _list(b.get("cases"))))
    archs = list(dict.fromkeys(str(t.get("arch", "?")) for t in trials)) or list(bases) or ["?"]
    seeds = tuple(dict.fromkeys(t["seed"] for t in trials if isinstance(t.get("seed"), int)))
    done = [t.get("epochs_done", 0) for t in trials if isinstance(t.get("epochs_done"), int)]
    return RunEntry(
        path=folder, name=folder.name, date=str(state.get("created_at") or ""), arch=", ".join(archs),
        cases=tuple(cases), status=status_of(state, folder).status, final_accuracy=accuracy,
        trials=len(trials), epochs_done=max(done, default=0), kind="study",
        settings=_gather([_trial_settings(folder, t, bases) for t in trials]), seeds=seeds,
        notes=read_notes(folder))


def trial_entries(study: Path) -> list[RunEntry]:
    """The trial run folders of a study (what its row expands to), in their study.json order; a trial
    not started yet has no folder and no entry; a symlinked trial folder is not followed."""
    study = Path(study)
    try:
        trials = _list(read_json(study / STUDY_FILE, what="study file").get("trials"))
    except (OSError, ValueError, AttributeError):
        return []
    out = []
    for t in trials:
        name = str(t.get("folder", "")) if isinstance(t, dict) else ""
        folder = study / name
        if not name or "/" in name or name in (".", "..") or folder.is_symlink() or not folder.is_dir():
            continue
        entry = read_entry(folder)
        if entry is not None and entry.kind == "run":
            out.append(entry)
    return out


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
