"""An experiment's full configuration, its presets, and its versioned file form.

The same object drives the CLI, the GUI and a re-run from a manifest, so a
run folder always holds everything needed to repeat it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import resources
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
        if self.noise is not None and len(self.noise) != desc.timesteps:
            return f"{desc.title} has {desc.timesteps} timesteps but {len(self.noise)} noise settings were given"
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
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise ConfigError(f"invalid configuration: {exc}") from None
        return config.validated()

    def save(self, path: Path) -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2) + "\n")

    @classmethod
    def load(cls, path: Path) -> "ExperimentConfig":
        path = Path(path)
        try:
            data = json.loads(path.read_text())
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}: not a JSON configuration ({exc.msg}, line {exc.lineno})") from None
        if isinstance(data, dict) and "config" in data and "arch" not in data:
            data = data["config"]     # a run manifest: re-use its configuration
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: not a configuration object")
        try:
            return cls.from_dict(data)
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc}") from None


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
