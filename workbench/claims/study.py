"""Run the study the claims need, and read its trials back as per-seed final values.

One claims folder holds:

    DIR/claims-request.json   what was asked (scale, seeds, semantics, claims, backend) and the command
    DIR/study/                the study (issue "Studies"): study.json and one run folder per trial
    DIR/report.html, DIR/claims.json, DIR/claims.csv   written by claims_report from the trial folders

The study grid is every architecture the chosen claims touch (each with the
cases its claims compare, at the scale's settings) × seeds × semantics.
Trials are read back from their own manifest.json and metrics.csv, so the
report's numbers are the run folders' numbers.
"""
from __future__ import annotations

import math
import shlex
import time
from dataclasses import dataclass, field
from pathlib import Path

from engine.settings import SEMANTICS

from workbench.claims.claim_set import ClaimSet, group_of, scale_config, scale_info
from workbench.stats.comparison import final_epochs, final_values
from workbench.core.config import ConfigError, DataSpec, ExperimentConfig
from workbench.records.metrics import MetricsFileError, read_metrics
from workbench.records.run_folder import read_manifest

REQUEST_FILE = "claims-request.json"
STUDY_DIR = "study"


@dataclass(frozen=True)
class ClaimsRequest:
    scale: str
    seeds: int
    semantics: tuple[str, ...] = ("corrected",)
    claim_ids: tuple[str, ...] = ()          # empty: every claim
    backend: str = "local"
    workers: int | None = None
    threads_per_worker: int | None = None
    address: str | None = None
    quirks: tuple[str, ...] | None = None    # a custom quirk set instead of named semantics (one label)

    def problem(self) -> str | None:
        if not isinstance(self.seeds, int) or not 1 <= self.seeds <= 1000:
            return "--seeds must be a whole number between 1 and 1000"
        if not self.semantics:
            return "--semantics: give corrected, as-published or both"
        for s in self.semantics if self.quirks is None else ():
            if s not in SEMANTICS:
                return f"--semantics: {s!r} is not one of {', '.join(SEMANTICS)}"
        if len(set(self.semantics)) != len(self.semantics):
            return "--semantics: a value is listed twice"
        try:
            scale_info(self.scale)
        except ConfigError as exc:
            return str(exc)
        return None

    def command(self, out: Path | str) -> str:
        """The command line that reproduces this request."""
        parts = ["python", "main.py", "claims", "--scale", self.scale, "--seeds", str(self.seeds)]
        if self.quirks is not None:
            parts += ["--quirks", ",".join(self.quirks) or "none"]
        else:
            parts += ["--semantics", ",".join(self.semantics)]
        if self.claim_ids:
            parts += ["--claims", ",".join(self.claim_ids)]
        if self.backend != "local":
            parts += ["--backend", self.backend]
        if self.workers:
            parts += ["--workers", str(self.workers)]
        if self.threads_per_worker:
            parts += ["--threads-per-worker", str(self.threads_per_worker)]
        if self.address:
            parts += ["--address", self.address]
        parts += ["--out", str(out)]
        return " ".join(shlex.quote(p) for p in parts)

    def to_dict(self) -> dict:
        return {"kind": "claims-request", "schema_version": 1, "scale": self.scale, "seeds": self.seeds,
                "semantics": list(self.semantics), "claims": list(self.claim_ids), "backend": self.backend,
                "workers": self.workers, "threads_per_worker": self.threads_per_worker, "address": self.address,
                "quirks": None if self.quirks is None else list(self.quirks)}

    @classmethod
    def from_dict(cls, data: dict) -> "ClaimsRequest":
        try:
            return cls(scale=str(data["scale"]), seeds=int(data["seeds"]),
                       semantics=tuple(data.get("semantics") or ("corrected",)),
                       claim_ids=tuple(data.get("claims") or ()), backend=str(data.get("backend", "local")),
                       workers=data.get("workers"), threads_per_worker=data.get("threads_per_worker"),
                       address=data.get("address"),
                       quirks=None if data.get("quirks") is None else tuple(data["quirks"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"invalid claims request: {exc}") from None


def base_configs(claims: ClaimSet, scale: str, quirks: tuple[str, ...] | None = None
                 ) -> tuple[ExperimentConfig, ...]:
    """One configuration per architecture the claims touch, with the cases its claims compare."""
    bases = tuple(scale_config(scale, arch, cases) for arch, cases in claims.cases_by_arch().items())
    if quirks is not None:
        bases = tuple(b.with_train(quirks=tuple(quirks)) for b in bases)
    return bases


def build_spec(claims: ClaimSet, request: ClaimsRequest):
    """The study: every architecture the claims touch × seeds 0…K-1 × the semantics asked for."""
    from workbench.studies.spec import StudySpec
    axis = () if request.quirks is not None else tuple(request.semantics)
    return StudySpec(bases=base_configs(claims, request.scale, request.quirks), seeds=tuple(range(request.seeds)),
                     semantics=axis, name=f"claims-{request.scale}").validated()


def study_options(request: ClaimsRequest):
    from workbench.studies.spec import StudyOptions
    return StudyOptions(backend=request.backend, workers=request.workers,
                        threads_per_worker=request.threads_per_worker, address=request.address).validated()


# ------------------------------------------------------------------ reading trials back
@dataclass
class Trial:
    folder: Path
    arch: str
    semantics: str
    seed: int
    status: str
    epochs: int                    # configured
    batch_size: int
    rows: list = field(default_factory=list)
    manifest: dict = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return self.status == "completed"


def _trial_dirs(study_dir: Path) -> list[Path]:
    out = []
    for p in Path(study_dir).iterdir() if Path(study_dir).is_dir() else ():
        name = p.name
        if p.is_dir() and not p.is_symlink() and name.startswith("trial-") and name[6:].isdigit():
            out.append(p)
    return sorted(out, key=lambda p: int(p.name[6:]))


def read_trials(study_dir: Path) -> list[Trial]:
    """Every trial-<k>/ run folder of the study (earlier attempts are not read)."""
    trials = []
    for folder in _trial_dirs(study_dir):
        try:
            manifest = read_manifest(folder)
            config = manifest["config"]
            train = config["train"]
        except (OSError, ValueError, KeyError, TypeError):
            continue        # a trial that never started writes no manifest; it counts as missing
        try:
            rows = read_metrics(folder / "metrics.csv")
        except MetricsFileError:
            rows = []
        trials.append(Trial(folder, str(config.get("arch")), str(train.get("semantics", "corrected")),
                            int(train.get("seed", 0)), str(manifest.get("status")), int(train.get("epochs", 0)),
                            int(train.get("batch_size", 0)), rows, manifest))
    return trials


@dataclass(frozen=True)
class ArmValues:
    values: dict[int, float]        # seed -> final test accuracy (completed trials only)
    epochs: dict[int, int]          # seed -> number of epochs behind that value
    missing: tuple[int, ...]        # seeds asked for whose trial is absent or did not complete


def arm_values(trials: list[Trial], arch: str, case: str, semantics: str, seeds: int,
               metric: str = "accuracy", split: str = "test") -> ArmValues:
    values, epochs, missing = {}, {}, []
    by_seed = {t.seed: t for t in trials if t.arch == arch and t.semantics == semantics}
    for seed in range(seeds):
        t = by_seed.get(seed)
        if t is None or not t.complete:
            missing.append(seed)
            continue
        finals = final_values(t.rows, metric, split).get(case)
        last = final_epochs(t.rows, split).get(case)
        if not finals:
            missing.append(seed)
            continue
        values[seed] = finals[0]
        epochs[seed] = last[0] + 1
    return ArmValues(values, epochs, tuple(missing))


# ------------------------------------------------------------------ projected time
_SIZES = {"mnist": (60000, 10000), "fashion-mnist": (60000, 10000), "sample": (4000, 1000)}


def data_size(data: DataSpec) -> tuple[int, int] | None:
    """Training and test images a configuration uses, without loading the data (None when unknown)."""
    sizes = _SIZES.get(str(data.source).strip().lower())
    if sizes is None:
        return None
    train = sizes[0] - data.train_skip
    train = min(train, data.train_limit) if data.train_limit else train
    test = min(sizes[1], data.test_limit) if data.test_limit else sizes[1]
    return max(0, train), test


def measure_throughput(config: ExperimentConfig, workdir: Path) -> float:
    """Images per second one trial of `config` trains and tests (its cases in lockstep), measured here.

    Two short epochs on the offline sample (same architecture, cases and batch size); the second
    epoch's wall time, free of compilation, gives the rate.
    """
    from workbench.execution.runner import run_experiment
    batch = config.train.batch_size
    train_n = min(4000, max(4 * batch, 1000))      # enough steps for a stable rate, within the sample
    test_n = min(1000, max(batch, 500))
    probe = config.with_(data=DataSpec("sample", train_n, test_n, 0), trials=1).with_train(
        epochs=2, log_every=1, points_per_epoch=1)
    outcome = run_experiment(probe, workdir)
    if outcome.status != "completed":
        raise ConfigError(f"could not measure throughput for {config.arch}: {outcome.error or outcome.status}")
    rows = read_metrics(outcome.folder / "metrics.csv")
    walls = {}
    for r in rows:
        walls[r.epoch] = max(walls.get(r.epoch, 0.0), r.wall_time_s)
    seconds = walls[1] - walls[0]
    usable_train = (train_n // batch) * batch
    return (usable_train + test_n) / seconds if seconds > 0 else math.inf


def projected_seconds(spec, rates: dict[str, float], workers: int) -> tuple[float, list[str]]:
    """Wall time of the whole study from per-architecture rates, spread over `workers`; and the lines saying so."""
    total = 0.0
    lines = []
    for base in spec.bases:
        size = data_size(base.data)
        if size is None:
            lines.append(f"{base.arch}: data size unknown ({base.data.source}); not counted")
            continue
        train_n, test_n = size
        usable = (train_n // base.train.batch_size) * base.train.batch_size
        per_trial = base.train.epochs * (usable + test_n) / rates[base.arch]
        n = len(spec.seeds) * max(1, len(spec.semantics))
        total += per_trial * n
        lines.append(f"{base.arch}: {rates[base.arch]:.0f} images/s per trial ({len(base.cases)} case(s) in "
                     f"lockstep, batch {base.train.batch_size}) → {_duration(per_trial)} per trial × {n} trials")
    return total / max(1, workers), lines


def _duration(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "?"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 3 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def describe_duration(seconds: float) -> str:
    return _duration(seconds)


def now() -> float:
    return time.time()
