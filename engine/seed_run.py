"""One seed of a trainer's pack: its random streams and what its trial has recorded so far.

A trainer trains S seeds at once (the trials that differ only in seed); each
seed draws its initial weights, batch order and noise from its own streams,
exactly as a trainer of that seed alone draws them: the streams are part of
the record. The trainer keeps one SeedRun per seed and reports each as its own
trial (its own events and TrialResult).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from .events import CaseEpoch, TrialResult
from .noise import NoiseSpec, NoiseStream


@dataclass
class SeedRun:
    trial: int
    seed: int
    init_rng: np.random.Generator
    train_noise: NoiseStream
    test_noise: NoiseStream
    shuffle_rng: np.random.Generator
    active: list[str]                                   # its cases still training
    epoch: int = 0                                      # the next epoch it trains
    diverged_at: dict[str, int] = field(default_factory=dict)
    final: dict[str, CaseEpoch] = field(default_factory=dict)
    train_seconds: dict[str, float] = field(default_factory=dict)
    predictions: dict[str, list[int]] = field(default_factory=dict)

    @classmethod
    def draw(cls, trial: int, seed: int, schedule: Sequence[NoiseSpec], keys: Sequence[str]) -> "SeedRun":
        """The seed's four streams: initial weights, training noise, test noise, batch order."""
        init_rng, train_noise, test_noise, shuffle = (
            np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4))
        return cls(trial, seed, init_rng, NoiseStream(schedule, train_noise.integers(2**63)),
                   NoiseStream(schedule, test_noise.integers(2**63)), shuffle, list(keys),
                   train_seconds={k: 0.0 for k in keys})

    def generators(self) -> dict[str, np.random.Generator]:
        """Every host random-number generator its run draws from, by name."""
        return {"shuffle": self.shuffle_rng, "train_noise": self.train_noise.rng,
                "test_noise": self.test_noise.rng}

    def result(self, status: str, labels: list[int]) -> TrialResult:
        return TrialResult(self.trial, self.seed, status, self.epoch, dict(self.final), dict(self.diverged_at),
                           dict(self.train_seconds), dict(self.predictions), labels)
