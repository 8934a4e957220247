"""What every architecture's compute module provides to the trainer.

An architecture owns its forward pass, its losses and its hand-written
backward pass; the trainer owns weights, optimiser state and the lockstep.
Manual gradients come back as *update groups*: a list of {weight: gradient}
applied one after another (corrected mode: one group; the as-published post-A
code updated the recurrent weights once per timestep: several groups).
"""
from __future__ import annotations

import math

import numpy as np
import tensorflow as tf

from . import quirks as Q
from .description import ArchitectureDescription


class Architecture:
    # Quirks whose forward wiring differs (post B); a forward pass refuses a set that differs there.
    WIRING_QUIRKS: tuple[str, ...] = ()

    def __init__(self, description: ArchitectureDescription):
        self.description = description
        self.timesteps = description.timesteps
        self.quirks: frozenset[str] = frozenset()

    @property
    def cost_is_batch_sum(self) -> bool:
        """Post A logged per-batch sums, post B batch means; the trainer scales epoch means to match."""
        return self.description.cost_is_batch_sum

    @property
    def semantics(self) -> str:
        return Q.label(self.quirks)

    def set_quirks(self, quirks) -> None:
        """The quirk set of the next run (a semantics name or quirk names); forward passes read it."""
        self.quirks = Q.resolve(quirks)

    def set_semantics(self, semantics) -> None:
        self.set_quirks(semantics)

    def _q(self, quirks=None) -> frozenset[str]:
        """The quirk set for one call: the architecture's own, or the one given (which must agree
        with it on the quirks that change the forward wiring)."""
        if quirks is None:
            return self.quirks
        chosen = Q.resolve(quirks)
        for name in self.WIRING_QUIRKS:
            if (name in chosen) != (name in self.quirks):
                raise ValueError(f"{self.description.key}: the forward wiring depends on quirk {name}; "
                                 f"call set_quirks / set_semantics({Q.label(chosen)!r}) before training")
        return chosen

    # -- stale state (engine/quirks.py) ------------------------------------------------
    def state_slots(self) -> dict[str, tuple[int, ...]]:
        """name -> per-slot shape [n, *example_shape] of the state that persists across passes
        with `stale-state` (the batch axis is inserted after n)."""
        raise NotImplementedError

    def input_slots(self) -> tuple[str, ...]:
        """Slots that hold the input batch, which every member shares (the others: one block of
        channels per member, as the maps of engine/members.py)."""
        return ()

    def slots_written(self, fwd: dict, state: dict) -> dict:
        """name -> the value this pass stores in each slot ([n, b, ...]); `state` is what it read."""
        raise NotImplementedError

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
    def forward(self, w: dict, xs, *, bptt: bool = True, state: dict | None = None) -> dict:
        """Stacked weights [M, ...] and a shared xs [T,B,28,28,1] -> a dict holding at least "probs"
        [M,B,10] plus whatever backward needs (engine/members.py: the layouts).

        `state`: with the stale-state quirk, the start-of-pass slot values the recurrence reads."""
        raise NotImplementedError

    def example_costs(self, fwd: dict, y_onehot):
        """The logged cost per member and example [M, B] (summed over classes where that is the published metric)."""
        raise NotImplementedError

    def autodiff_loss(self, fwd: dict, y_onehot, quirks=None):
        """What automatic differentiation minimises, per member [M]; in corrected mode also the
        loss whose exact gradient the manual backward pass computes."""
        raise NotImplementedError

    def autodiff_bptt(self, quirks=None) -> bool:
        """As published, the state entered as a variable read: no gradient through time."""
        return "no-bptt-autodiff" not in self._q(quirks)

    def manual_gradients(self, w: dict, fwd: dict, xs, y_onehot, connections, D, quirks=None,
                         flow: dict | None = None) -> list[dict]:
        """Update groups of stacked gradients [M, ...]; `connections` is the coefficient tensor
        [M, target, source, signal] (cases.dilation_coefficients) or one list for every member.
        With `flow` (a dict) also fills flow[(signal, t)] with the maps g_t, p_t, the dilated
        addition and in_t for the gradient-flow record."""
        raise NotImplementedError

    def optimizer_correction(self, gradient: str, quirks=None) -> str:
        """Adam bias correction: the hand-written post-A Adam used constants."""
        return "standard"

