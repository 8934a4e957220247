"""Per-timestep noise: the same NumPy code feeds training and the GUI preview.

Noise is drawn on the host with NumPy so that the preview never needs
TensorFlow, and so that one draw per step can be handed to every case alike.
Formulas follow post A: x + scale * sample, no clipping (values may exceed 1).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

# Defaults are the post-A constants; each parameter is editable.
DEFAULTS: dict[str, dict[str, float]] = {
    "none": {},
    "gaussian": {"scale": 0.1, "mean": 0.0, "std": 1.0},
    "poisson": {"scale": 0.1, "lam": 1.0},
    "gamma": {"scale": 0.1, "alpha": 1.0, "beta": 1.0},
    "uniform": {"scale": 0.6, "low": 0.5, "high": 1.0},
}
KINDS = tuple(DEFAULTS)

FORMULAS = {
    "none": "x (clean image)",
    "gaussian": "x + scale·N(mean, std²)",
    "poisson": "x + scale·Poisson(lam)",
    "gamma": "x + scale·Gamma(alpha, rate beta)",
    "uniform": "x + scale·U[low, high)",
}


@dataclass(frozen=True)
class NoiseSpec:
    kind: str = "none"
    params: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self):
        if self.kind not in DEFAULTS:
            raise ValueError(f"unknown noise {self.kind!r}; choose one of {', '.join(KINDS)}")
        unknown = set(self.params) - set(DEFAULTS[self.kind])
        if unknown:
            raise ValueError(f"{self.kind} noise has no parameter {', '.join(sorted(unknown))}")
        merged = {**DEFAULTS[self.kind], **{k: float(v) for k, v in self.params.items()}}
        object.__setattr__(self, "params", merged)
        problem = _problem(self.kind, merged)
        if problem:
            raise ValueError(f"{self.kind} noise: {problem}")

    @property
    def formula(self) -> str:
        return FORMULAS[self.kind]

    def label(self) -> str:
        if self.kind == "none":
            return "clean"
        args = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        return f"{self.kind} ({args})"

    def sample(self, rng: np.random.Generator, shape) -> np.ndarray:
        """The additive term, float32."""
        p = self.params
        if self.kind == "none":
            return np.zeros(shape, np.float32)
        if self.kind == "gaussian":
            draw = rng.standard_normal(shape, dtype=np.float32) * np.float32(p["std"]) + np.float32(p["mean"])
        elif self.kind == "poisson":
            draw = rng.poisson(p["lam"], shape).astype(np.float32)
        elif self.kind == "gamma":
            draw = rng.standard_gamma(p["alpha"], shape, dtype=np.float32) / np.float32(p["beta"])
        else:
            draw = rng.uniform(p["low"], p["high"], shape).astype(np.float32)
        return draw * np.float32(p["scale"])

    def apply(self, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return (x + self.sample(rng, x.shape)).astype(np.float32, copy=False)

    def added_mean(self) -> float:
        """Expected value of the additive term (shown to users; checked by tests)."""
        p = self.params
        base = {"none": 0.0, "gaussian": p.get("mean", 0.0), "poisson": p.get("lam", 0.0),
                "gamma": p.get("alpha", 0.0) / p.get("beta", 1.0),
                "uniform": (p.get("low", 0.0) + p.get("high", 0.0)) / 2}[self.kind]
        return base * p.get("scale", 0.0)

    def added_std(self) -> float:
        p = self.params
        base = {"none": 0.0, "gaussian": p.get("std", 0.0), "poisson": math.sqrt(p.get("lam", 0.0)),
                "gamma": math.sqrt(p.get("alpha", 0.0)) / p.get("beta", 1.0),
                "uniform": (p.get("high", 0.0) - p.get("low", 0.0)) / math.sqrt(12)}[self.kind]
        return base * abs(p.get("scale", 0.0))

    def to_dict(self) -> dict:
        return {"kind": self.kind, "params": dict(self.params)}

    @classmethod
    def from_dict(cls, data: Mapping) -> "NoiseSpec":
        return cls(data["kind"], dict(data.get("params", {})))


def _problem(kind: str, p: Mapping[str, float]) -> str | None:
    if any(not math.isfinite(v) for v in p.values()):
        return "parameters must be finite numbers"
    if kind == "gaussian" and p["std"] < 0:
        return "std must be ≥ 0"
    if kind == "poisson" and p["lam"] < 0:
        return "lam must be ≥ 0"
    if kind == "gamma" and (p["alpha"] <= 0 or p["beta"] <= 0):
        return "alpha and beta must be > 0"
    if kind == "uniform" and p["high"] <= p["low"]:
        return "high must be greater than low"
    return None


def noise_spec(kind: str, **params: float) -> NoiseSpec:
    return NoiseSpec(kind, params)


POST_A_SCHEDULE = (noise_spec("gaussian"), noise_spec("poisson"), noise_spec("gamma"), noise_spec("uniform"))
POST_B_SCHEDULE = (noise_spec("none"), noise_spec("gaussian"), noise_spec("poisson"), noise_spec("uniform"))


_SPEC_RE = re.compile(r"^\s*([a-z]+)\s*(?:\((.*)\))?\s*$")


def parse_schedule(text: str) -> tuple[NoiseSpec, ...]:
    """'gaussian(scale=0.2), poisson, gamma, uniform(low=0.4)' -> one NoiseSpec per timestep."""
    specs = []
    for part in re.split(r",(?![^()]*\))", text):
        match = _SPEC_RE.match(part)
        if not match:
            raise ValueError(f"cannot read noise {part.strip()!r}; write e.g. gaussian(scale=0.2) or none")
        kind, args = match.groups()
        params = {}
        for item in filter(None, (a.strip() for a in (args or "").split(","))):
            name, sep, value = item.partition("=")
            try:
                params[name.strip()] = float(value)
            except ValueError:
                raise ValueError(f"noise {kind}: {item!r} is not name=number") from None
            if not sep:
                raise ValueError(f"noise {kind}: {item!r} is not name=number")
        specs.append(NoiseSpec(kind, params))
    return tuple(specs)


def noisy_timesteps(x: np.ndarray, schedule: Sequence[NoiseSpec], rng: np.random.Generator) -> np.ndarray:
    """[B,28,28,1] clean batch -> [T,B,28,28,1] float32, one fresh draw per timestep."""
    return np.stack([spec.apply(x, rng) for spec in schedule]).astype(np.float32, copy=False)


class NoiseStream:
    """A seeded source of noisy batches; one stream for training, one for testing.

    Each call draws afresh, so the sequence of draws (not the batch) is what the
    seed fixes, exactly like the original's resampling on every run.
    """

    def __init__(self, schedule: Sequence[NoiseSpec], seed: int):
        self.schedule = tuple(schedule)
        self._rng = np.random.default_rng(seed)

    @property
    def rng(self) -> np.random.Generator:
        """The generator behind the draws (its state is part of a trainer's state)."""
        return self._rng

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return noisy_timesteps(x, self.schedule, self._rng)


def preview(images: np.ndarray, schedule: Sequence[NoiseSpec], seed: int = 0) -> np.ndarray:
    """Noisy versions of `images` ([N,28,28] or [N,28,28,1]) per timestep: [T,N,28,28]."""
    x = np.asarray(images, np.float32)
    if x.ndim == 3:
        x = x[..., None]
    return noisy_timesteps(x, schedule, np.random.default_rng(seed))[..., 0]
