"""What every architecture's compute module provides to the trainer.

An architecture owns its forward pass, its losses and its hand-written
backward pass; the trainer owns weights, optimiser state and the lockstep.
Manual gradients come back as *update groups*: a list of {weight: gradient}
applied one after another (corrected mode: one group; the as-published post-A
code updated the recurrent weights once per timestep: several groups).
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import tensorflow as tf

from .cases import Connection
from .description import ArchitectureDescription


class Architecture:
    def __init__(self, description: ArchitectureDescription):
        self.description = description
        self.timesteps = description.timesteps
        self.semantics = "corrected"

    @property
    def cost_is_batch_sum(self) -> bool:
        """Post A logged per-batch sums, post B batch means; the trainer scales epoch means to match."""
        return self.description.cost_is_batch_sum

    def set_semantics(self, semantics: str) -> None:
        """The mode of the next run; architectures whose forward wiring differs by mode read it."""
        self.semantics = semantics

    # -- weights -------------------------------------------------------------------
    def published_stddev(self, name: str) -> float:
        """The posts' N(0, sd) initialisation for this weight."""
        return 1.0

    def init_weights(self, rng: np.random.Generator, init: str) -> dict[str, np.ndarray]:
        """One draw shared by every case, so cases start from identical weights."""
        out = {}
        for name, shape in self.description.weights.items():
            if init == "published":
                sd = self.published_stddev(name)
            else:
                fan_in = math.prod(shape[:-1]) if len(shape) > 1 else shape[0]
                sd = 1.0 / math.sqrt(fan_in)
            out[name] = (rng.standard_normal(shape) * sd).astype(np.float32)
        return out

    # -- maths each architecture supplies ----------------------------------------------
    def forward(self, w: dict, xs, *, bptt: bool = True) -> dict:
        """xs [T,B,28,28,1] -> a dict holding at least "probs" [B,10] plus whatever backward needs."""
        raise NotImplementedError

    def example_costs(self, fwd: dict, y_onehot):
        """The logged cost per example [B] (summed over classes where that is the published metric)."""
        raise NotImplementedError

    def autodiff_loss(self, fwd: dict, y_onehot, semantics: str):
        """The scalar that automatic differentiation minimises; in corrected mode also the
        loss whose exact gradient the manual backward pass computes."""
        raise NotImplementedError

    def autodiff_bptt(self, semantics: str) -> bool:
        """As published, the state entered as a variable read: no gradient through time."""
        return semantics == "corrected"

    def manual_gradients(self, w: dict, fwd: dict, xs, y_onehot, connections: Sequence[Connection],
                         D, semantics: str) -> list[dict]:
        raise NotImplementedError

    def optimizer_correction(self, gradient: str, semantics: str) -> str:
        """Adam bias correction: the hand-written post-A Adam used constants."""
        return "standard"


def softmax_cross_entropy_sum(probs, y_onehot):
    return -tf.reduce_sum(y_onehot * tf.math.log(probs))
