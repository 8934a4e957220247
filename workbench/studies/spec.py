"""A study: a grid of seeds × architectures × optional hyper-parameter values, expanded into trials.

Each grid cell is a *trial*: one ordinary experiment configuration (all its
selected cases in lockstep) with one seed. The spec is plain data: it saves
as JSON, loads back, and never imports TensorFlow or Qt, so the CLI, the
window and the study driver share it.
"""
from __future__ import annotations

import itertools
import json
import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from engine.settings import INITS, SEMANTICS

from workbench.core.checkpoint_policy import CheckpointPolicy
from workbench.core.config import ConfigError, ExperimentConfig

SPEC_VERSION = 1
BACKENDS = ("local", "processes", "ray")
MAX_TRIALS = 10_000

# Grid axes beyond seeds and architectures: spec field -> (TrainSettings field, short label).
AXES = {
    "learning_rates": ("learning_rate", "lr"),
    "batch_sizes": ("batch_size", "batch"),
    "semantics": ("semantics", "semantics"),
    "inits": ("init", "init"),
    "dilation_Ps": ("dilation_P", "P"),
    "dilation_ks": ("dilation_k", "k"),
}


@dataclass(frozen=True)
class TrialSpec:
    """One cell of the grid: trial `index` trains `config` (trials=1, its own seed) into folder `name`."""
    index: int
    config: ExperimentConfig
    overrides: dict          # axis -> value, e.g. {"learning_rate": 0.007}; empty when the grid has no axes
    group: str               # the configuration without the seed, e.g. "vanilla lr=0.007"

    @property
    def seed(self) -> int:
        return self.config.train.seed

    @property
    def arch(self) -> str:
        return self.config.arch

    @property
    def name(self) -> str:
        return f"trial-{self.index}"


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity), which bounds the worker processes worth starting."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


@dataclass(frozen=True)
class StudyOptions:
    """How to run a study (not what): the backend and its resources. Changing these never changes a
    number, except `pack`: a packed seed agrees with its lone run within float32 rounding."""
    backend: str = "local"
    workers: int | None = None            # processes/ray: parallel workers (default: cores // threads)
    threads_per_worker: int | None = None  # TensorFlow intra-op threads per worker (default 1 for processes/ray)
    address: str | None = None            # ray: "auto" or host:port; None starts a local Ray for the study
    max_attempts: int = 3                  # a trial whose worker dies is tried this many times in all
    checkpoint_every: str | None = None    # trials' checkpoints (checkpoint_policy.py; None: the default)
    pack: bool = True                      # a cell's seeds train as packs (execution/packing.py)

    def problem(self) -> str | None:
        if self.backend not in BACKENDS:
            return f"backend must be one of {', '.join(BACKENDS)}, not {self.backend!r}"
        for name in ("workers", "threads_per_worker"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
                return f"{name.replace('_', '-')} must be a whole number ≥ 1"
        if not isinstance(self.max_attempts, int) or self.max_attempts < 1:
            return "max-attempts must be a whole number ≥ 1"
        if not isinstance(self.pack, bool):
            return "pack must be true or false"
        if self.address is not None and self.backend != "ray":
            return "--address is for --backend ray"
        if self.checkpoint_every is not None:
            try:
                CheckpointPolicy.parse(self.checkpoint_every)
            except ValueError as exc:
                return str(exc)
        if self.workers is not None and self.workers > MAX_TRIALS:
            return f"--workers {self.workers}: at most {MAX_TRIALS:,} (a study has at most {MAX_TRIALS:,} trials)"
        return None

    def too_many_workers(self) -> str | None:
        """Why the processes backend cannot start this many workers here (the command line refuses it)."""
        if self.backend == "processes" and self.workers is not None and self.workers > usable_cpus():
            return (f"--workers {self.workers}: this machine has {usable_cpus()} usable CPU(s), so the processes "
                    f"backend runs at most {usable_cpus()} worker process(es)")
        return None

    def fitted(self) -> tuple["StudyOptions", str | None]:
        """These options with processes workers capped at this machine's CPUs (a study file or a resumed
        study made elsewhere), and the one-line notice saying so, or None when nothing changed."""
        problem = self.too_many_workers()
        if problem is None:
            return self, None
        return replace(self, workers=usable_cpus()), f"{problem}; using {usable_cpus()}"

    def validated(self) -> "StudyOptions":
        problem = self.problem()
        if problem:
            raise ConfigError(problem)
        return self

    def to_dict(self) -> dict:
        return {"backend": self.backend, "workers": self.workers, "threads_per_worker": self.threads_per_worker,
                "address": self.address, "max_attempts": self.max_attempts,
                "checkpoint_every": self.checkpoint_every, "pack": self.pack}

    @classmethod
    def from_dict(cls, data: dict) -> "StudyOptions":
        try:
            return cls(**{k: data[k] for k in ("backend", "workers", "threads_per_worker", "address",
                                                "max_attempts", "checkpoint_every", "pack") if k in data}).validated()
        except TypeError as exc:
            raise ConfigError(f"invalid backend options: {exc}") from None


@dataclass(frozen=True)
class StudySpec:
    """The grid. `bases` holds one full configuration per architecture (in grid order)."""
    bases: tuple[ExperimentConfig, ...]
    seeds: tuple[int, ...]
    learning_rates: tuple[float, ...] = ()
    batch_sizes: tuple[int, ...] = ()
    semantics: tuple[str, ...] = ()
    inits: tuple[str, ...] = ()
    dilation_Ps: tuple[float, ...] = ()
    dilation_ks: tuple[float, ...] = ()
    name: str = ""
    _cache: list = field(default_factory=list, compare=False, repr=False)

    @classmethod
    def from_config(cls, base: ExperimentConfig, seeds, archs=None, **axes) -> "StudySpec":
        """A spec from one configuration: `archs` (default: the base's) share every other setting."""
        archs = tuple(archs) if archs else (base.arch,)
        bases = tuple(base.with_(arch=a, trials=1) for a in archs)
        return cls(bases=bases, seeds=tuple(seeds), **{k: tuple(v) for k, v in axes.items() if v}).validated()

    # ---------------------------------------------------------------- checks
    @property
    def archs(self) -> tuple[str, ...]:
        return tuple(b.arch for b in self.bases)

    def problem(self) -> str | None:
        if not self.bases:
            return "a study needs at least one architecture"
        if len(set(self.archs)) != len(self.archs):
            return "an architecture is listed twice"
        if not self.seeds:
            return "a study needs at least one seed"
        if len(set(self.seeds)) != len(self.seeds):
            return "a seed is listed twice"
        for s in self.seeds:
            if not isinstance(s, int) or isinstance(s, bool) or not 0 <= s < 2**31:
                return f"seed {s!r} must be a whole number between 0 and 2147483647"
        for axis in AXES:
            values = getattr(self, axis)
            if len(set(values)) != len(values):
                return f"a value of {axis.replace('_', ' ')} is listed twice"
        for s in self.semantics:
            if s not in SEMANTICS:
                return f"semantics must be one of {', '.join(SEMANTICS)}, not {s!r}"
        for s in self.inits:
            if s not in INITS:
                return f"init must be one of {', '.join(INITS)}, not {s!r}"
        n = self.size
        if n > MAX_TRIALS:
            return f"the grid has {n} trials; at most {MAX_TRIALS} are allowed in one study"
        try:
            self._cache.clear()
            self._cache.extend(self._expand())
        except (ValueError, ConfigError) as exc:
            return str(exc)
        return None

    def validated(self) -> "StudySpec":
        problem = self.problem()
        if problem:
            raise ConfigError(problem)
        return self

    @property
    def size(self) -> int:
        return len(self.bases) * len(self.seeds) * math.prod(max(1, len(getattr(self, a))) for a in AXES)

    # --------------------------------------------------------------- expansion
    def _expand(self) -> list[TrialSpec]:
        axes = [(a, AXES[a][0], getattr(self, a)) for a in AXES if getattr(self, a)]
        out: list[TrialSpec] = []
        for base in self.bases:
            for values in itertools.product(*(vals for _, _, vals in axes)):
                overrides = {train_field: v for (_, train_field, _), v in zip(axes, values)}
                label = " ".join([base.arch] + [f"{AXES[a][1]}={v}" for (a, _, _), v in zip(axes, values)])
                for seed in self.seeds:
                    config = base.with_(trials=1).with_train(**overrides, seed=seed).validated()
                    out.append(TrialSpec(len(out), config, overrides, label))
        return out

    def trials(self) -> list[TrialSpec]:
        """Every trial, configurations outermost and seeds innermost (so a configuration's seeds are adjacent)."""
        if not self._cache:
            self._cache.extend(self._expand())
        return list(self._cache)

    def describe(self) -> str:
        parts = [f"{len(self.seeds)} seed(s) × {len(self.bases)} architecture(s) ({', '.join(self.archs)})"]
        for axis, (_, label) in AXES.items():
            if getattr(self, axis):
                parts.append(f"{label} ∈ {{{', '.join(str(v) for v in getattr(self, axis))}}}")
        return " × ".join(parts) + f" = {self.size} trial(s)"

    # -------------------------------------------------------------- file form
    def to_dict(self) -> dict:
        out = {"kind": "study-spec", "schema_version": SPEC_VERSION, "name": self.name,
               "bases": [b.to_dict() for b in self.bases], "seeds": list(self.seeds)}
        for axis in AXES:
            out[axis] = list(getattr(self, axis))
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "StudySpec":
        if not isinstance(data, dict):
            raise ConfigError("a study specification must be a JSON object")
        if data.get("schema_version", SPEC_VERSION) > SPEC_VERSION:
            raise ConfigError(f"study schema {data['schema_version']} is newer than this workbench understands")
        try:
            bases = tuple(ExperimentConfig.from_dict({**b, "trials": 1}) for b in data["bases"])
            axes = {a: tuple(data.get(a) or ()) for a in AXES}
            spec = cls(bases=bases, seeds=tuple(data["seeds"]), name=str(data.get("name", "")), **axes)
        except KeyError as exc:
            raise ConfigError(f"study specification lacks {exc.args[0]!r}") from None
        except TypeError as exc:
            raise ConfigError(f"invalid study specification: {exc}") from None
        return spec.validated()

    def save(self, path: Path, options: StudyOptions | None = None) -> None:
        data = self.to_dict()
        if options is not None:
            data["options"] = options.to_dict()
        from workbench.core.atomic_write import atomic_write
        atomic_write(Path(path), json.dumps(data, indent=2) + "\n")


def load_study_file(path: Path) -> tuple[StudySpec, StudyOptions | None]:
    """A study file (`StudySpec.save`) or a study folder's study.json: the grid and, if present, its options."""
    path = Path(path)
    if path.is_dir():
        path = path / "study.json"
    from workbench.core.json_reader import read_json
    try:
        data = read_json(path, what="JSON study file", kind=None)
    except (OSError, ValueError) as exc:
        raise ConfigError(str(exc)) from None
    if isinstance(data, dict) and data.get("kind") == "study":     # a study folder's study.json
        data = {**data.get("spec", {}), "options": data.get("options")}
    if not isinstance(data, dict) or "bases" not in data:
        raise ConfigError(f"{path}: not a study file (no 'bases')")
    try:
        spec = StudySpec.from_dict(data)
        options = StudyOptions.from_dict(data["options"]) if data.get("options") else None
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    return spec, options


def parse_seeds(text: str) -> tuple[int, ...]:
    """'0-4' -> (0,1,2,3,4); '0,3,7' and '0-2,10' work too."""
    seeds: list[int] = []
    for part in str(text).split(","):
        part = part.strip()
        if not part:
            continue
        lo, dash, hi = part.partition("-")
        try:
            if dash:
                a, b = int(lo), int(hi)
                if b < a:
                    raise ValueError
                if len(seeds) + (b - a + 1) > MAX_TRIALS:      # refused before a single seed is built
                    raise ConfigError(f"--seeds {text!r}: {b - a + 1:,} seeds; at most {MAX_TRIALS:,} in one study")
                seeds.extend(range(a, b + 1))
            else:
                seeds.append(int(part))
        except ConfigError:
            raise
        except ValueError:
            raise ConfigError(f"--seeds {text!r}: write seeds as 0-4 or 0,3,7") from None
    if not seeds:
        raise ConfigError("--seeds: give at least one seed, e.g. 0-4")
    if len(seeds) > MAX_TRIALS:
        raise ConfigError(f"--seeds {text!r}: at most {MAX_TRIALS} seeds")
    return tuple(seeds)


def parse_values(text: str, kind, option: str) -> tuple:
    """A comma-separated list of numbers or words for a grid axis."""
    out = []
    for part in str(text).split(","):
        part = part.strip()
        if not part:
            continue
        try:
            out.append(kind(part))
        except ValueError:
            raise ConfigError(f"{option} {text!r}: {part!r} is not a valid value") from None
    if not out:
        raise ConfigError(f"{option}: give at least one value")
    return tuple(out)
