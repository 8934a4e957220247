"""An experiment's full configuration, its presets, and its versioned file form.

The same object drives the CLI, the GUI and a re-run from a manifest, so a
run folder always holds everything needed to repeat it.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

import resources
import numpy as np

from engine import catalog
from engine.cases import CASE_KEYS, Case, resolve_cases
from engine.noise import NoiseSpec
from engine.settings import TrainSettings

SCHEMA_VERSION = 1


class ConfigError(ValueError):
    """A configuration that cannot run; the message says which field and why."""


@dataclass(frozen=True)
class DataSpec:
    source: str = "sample"            # "sample", "mnist", "fashion-mnist" or a path
    train_limit: int | None = None
    test_limit: int | None = None
    train_skip: int = 0

    def problem(self) -> str | None:
        for name in ("train_limit", "test_limit"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or value < 1):
                return f"{name.replace('_', '-')} must be a whole number ≥ 1 (or empty for all)"
        if not isinstance(self.train_skip, int) or self.train_skip < 0:
            return "train-skip must be a whole number ≥ 0"
        if not str(self.source).strip():
            return "choose a data source"
        return None


@dataclass(frozen=True)
class ExperimentConfig:
    arch: str = "post-a"
    cases: tuple[str, ...] = CASE_KEYS
    custom_cases: tuple[Case, ...] = ()
    data: DataSpec = field(default_factory=DataSpec)
    noise: tuple[NoiseSpec, ...] | None = None   # None: the architecture's published schedule
    train: TrainSettings = field(default_factory=TrainSettings)
    trials: int = 1
    preset: str | None = None

    # ---------------------------------------------------------------- checks
    def problem(self) -> str | None:
        try:
            desc = catalog.describe(self.arch)
        except ValueError as exc:
            return str(exc)
        try:
            for case in resolve_cases(self.cases, self.custom_cases):
                case.validate_for(desc.timesteps)
        except ValueError as exc:
            return str(exc)
        for case in self.custom_cases:
            for conn in case.connections:
                if not (isinstance(conn.factor, (int, float)) and math.isfinite(conn.factor)):
                    return (f"case {case.key}: connection {conn.target}<{conn.signal}{conn.source} has factor "
                            f"{conn.factor!r}; a connection factor must be a finite number")
        if self.noise is not None and len(self.noise) != desc.timesteps:
            return f"{desc.title} has {desc.timesteps} timesteps but {len(self.noise)} noise settings were given"
        for t, spec in enumerate(self.noise_schedule()):
            problem = unsampleable(spec)
            if problem:
                return f"noise at timestep {t} ({spec.label()}): {problem}"
        if not isinstance(self.trials, int) or not 1 <= self.trials <= 100:
            return "trials must be a whole number between 1 and 100"
        if self.train.seed + self.trials > 2**31:
            return "seed + trials must stay below 2147483648"
        return self.data.problem() or self.train.problem()

    def validated(self) -> "ExperimentConfig":
        problem = self.problem()
        if problem:
            raise ConfigError(problem)
        return self

    # --------------------------------------------------------------- derived
    def noise_schedule(self) -> tuple[NoiseSpec, ...]:
        return self.noise if self.noise is not None else catalog.describe(self.arch).default_noise

    def case_objects(self) -> list[Case]:
        return resolve_cases(self.cases, self.custom_cases)

    def with_(self, **changes) -> "ExperimentConfig":
        return replace(self, **changes)

    def with_train(self, **changes) -> "ExperimentConfig":
        return replace(self, train=self.train.with_(**changes))

    # ------------------------------------------------------------ file form
    def to_dict(self) -> dict:
        return {
            "schema_version": SCHEMA_VERSION,
            "arch": self.arch,
            "cases": list(self.cases),
            "custom_cases": [c.to_dict() for c in self.custom_cases],
            "data": {"source": self.data.source, "train_limit": self.data.train_limit,
                     "test_limit": self.data.test_limit, "train_skip": self.data.train_skip},
            "noise": None if self.noise is None else [n.to_dict() for n in self.noise],
            "train": self.train.to_dict(),
            "trials": self.trials,
            "preset": self.preset,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "ExperimentConfig":
        check_types(data)
        try:
            version = data.get("schema_version", SCHEMA_VERSION)
            if version > SCHEMA_VERSION:
                raise ConfigError(f"configuration schema {version} is newer than this workbench "
                                  f"understands ({SCHEMA_VERSION}); update the workbench")
            noise = data.get("noise")
            config = cls(
                arch=str(data.get("arch", "post-a")),
                cases=tuple(str(k) for k in data.get("cases", CASE_KEYS)),
                custom_cases=tuple(Case.from_dict(c) for c in data.get("custom_cases", ())),
                data=DataSpec(**data.get("data", {})),
                noise=None if noise is None else tuple(NoiseSpec.from_dict(n) for n in noise),
                train=TrainSettings.from_dict(data.get("train", {})),
                trials=int(data.get("trials", 1)),
                preset=data.get("preset"),
            )
        except ConfigError:
            raise
        except (TypeError, ValueError, KeyError, AttributeError, OverflowError) as exc:
            raise ConfigError(f"invalid configuration: {exc}") from None
        return config.validated()

    def save(self, path: Path) -> None:
        from workbench.core.atomic_write import atomic_write
        atomic_write(Path(path), json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> "ExperimentConfig":
        path = Path(path)
        from workbench.core.json_reader import read_json
        try:
            data = read_json(path, what="JSON configuration", limit=4 * 1024 * 1024, kind=None)
        except (OSError, ValueError) as exc:
            raise ConfigError(str(exc)) from None
        if isinstance(data, dict) and "config" in data and "arch" not in data:
            data = data["config"]     # a run manifest: re-use its configuration
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: not a configuration object")
        try:
            return cls.from_dict(data)
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}") from None


# ------------------------------------------------------------------ checks
def unsampleable(spec: NoiseSpec) -> str | None:
    """Why NumPy cannot draw this noise as finite float32 values (e.g. Poisson λ=1e300), or None."""
    try:
        with np.errstate(all="ignore"):
            draw = spec.sample(np.random.default_rng(0), (64,))
    except (ValueError, OverflowError) as exc:
        return f"cannot be sampled ({exc})"
    if not np.all(np.isfinite(draw)):
        return "draws values too large for float32 (inf); use smaller parameters"
    return None


def _type_problem(where: str, value, expected) -> str | None:
    """Booleans are not numbers; integers must be whole; floats must be finite."""
    if expected is int:
        if isinstance(value, bool) or not isinstance(value, int):
            return f"{where} must be a whole number, not {json.dumps(value)}"
    elif expected is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"{where} must be a number, not {json.dumps(value)}"
        if not math.isfinite(value):
            return f"{where} must be a finite number, not {value}"
    elif expected is str and not isinstance(value, str):
        return f"{where} must be text, not {json.dumps(value)}"
    return None


def check_types(data) -> None:
    """Refuse unknown keys and wrong JSON types in a configuration's file form, naming the key."""
    if not isinstance(data, dict):
        raise ConfigError("a configuration must be a JSON object")
    known = set(ExperimentConfig().to_dict())
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"unknown configuration key(s): {', '.join(map(str, unknown))} "
                          f"(known: {', '.join(sorted(known))})")
    problems = []
    if "schema_version" in data:
        problems.append(_type_problem("schema_version", data["schema_version"], int))
    if "arch" in data:
        problems.append(_type_problem("arch", data["arch"], str))
    if "trials" in data:
        problems.append(_type_problem("trials", data["trials"], int))
    if data.get("preset") is not None:
        problems.append(_type_problem("preset", data["preset"], str))
    if "cases" in data:
        cases = data["cases"]
        if not isinstance(cases, list) or not all(isinstance(k, str) and k for k in cases):
            problems.append(f"cases must be a list of case keys (text), not {json.dumps(cases)[:60]}")
        elif not cases:
            problems.append("cases is empty; choose at least one case")
    for key in ("custom_cases",):
        if key in data and not isinstance(data[key], list):
            problems.append(f"{key} must be a list")
    if "noise" in data and data["noise"] is not None:
        if not isinstance(data["noise"], list) or not all(isinstance(n, dict) for n in data["noise"]):
            problems.append("noise must be null or a list of {kind, params} objects")
        else:
            for t, n in enumerate(data["noise"]):
                params = n.get("params", {})
                if not isinstance(params, dict):
                    problems.append(f"noise[{t}].params must be an object")
                    continue
                for name, value in params.items():
                    problems.append(_type_problem(f"noise[{t}].params.{name}", value, float))
    if "data" in data:
        d = data["data"]
        if not isinstance(d, dict):
            problems.append("data must be an object")
        else:
            allowed = {"source": str, "train_limit": int, "test_limit": int, "train_skip": int}
            extra = sorted(set(d) - set(allowed))
            if extra:
                problems.append(f"unknown data key(s): {', '.join(map(str, extra))}")
            for name, kind in allowed.items():
                if name in d and not (d[name] is None and name.endswith("limit")):
                    problems.append(_type_problem(f"data.{name}", d[name], kind))
    if "train" in data:
        t = data["train"]
        if not isinstance(t, dict):
            problems.append("train must be an object")
        else:
            kinds = {f.name: type(f.default) for f in fields(TrainSettings)}
            extra = sorted(set(t) - set(kinds))
            if extra:
                problems.append(f"unknown train key(s): {', '.join(map(str, extra))}")
            for name, kind in kinds.items():
                if name in t:
                    problems.append(_type_problem(f"train.{name}", t[name], kind))
    problems = [p for p in problems if p]
    if problems:
        raise ConfigError(problems[0])


# ------------------------------------------------------------------ presets
def preset_names() -> tuple[str, ...]:
    """The shipped presets (package data of `resources`, so they come with `pip install .`)."""
    return tuple(sorted(p.name[:-len(".json")] for p in resources.presets().iterdir()
                        if p.name.endswith(".json")))


def preset_info(name: str) -> dict:
    path = resources.presets() / f"{name}.json"
    if name not in preset_names():
        raise ConfigError(f"unknown preset {name!r}; choose one of {', '.join(preset_names())}")
    return json.loads(path.read_text())


def load_preset(name: str, arch: str | None = None) -> ExperimentConfig:
    """A preset's configuration, for `arch` if given (presets may tune per architecture)."""
    info = preset_info(name)
    data = dict(info["config"])
    data["preset"] = name
    if arch is not None:
        data["arch"] = arch
    overrides = info.get("arch_overrides", {}).get(data.get("arch", "post-a"), {})
    data["train"] = {**data.get("train", {}), **overrides.get("train", {})}
    if "data" in overrides:
        data["data"] = {**data.get("data", {}), **overrides["data"]}
    return ExperimentConfig.from_dict(data)
