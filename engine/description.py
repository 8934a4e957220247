"""Plain descriptions of architectures: what the GUI draws and the engine builds.

The weight shapes listed here are the ones the engine allocates (a test checks
it), so the diagram cannot drift from the code. Nothing here imports
TensorFlow: the GUI reads it before TensorFlow is loaded.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

ROLES = ("input", "noise", "stream", "recurrent", "combine", "head", "output")


@dataclass(frozen=True)
class Block:
    key: str                       # unique within the architecture
    label: str                     # short text in the box, e.g. "conv 5×5 VALID 1→6 + ReLU"
    role: str                      # one of ROLES: decides the colour
    shape_out: tuple[int, ...]     # per example, e.g. (24, 24, 6)
    timestep: int | None = None    # column in the unrolled diagram; None for shared blocks
    weights: tuple[str, ...] = ()  # names of the weights this block uses (shared across timesteps)
    detail: str = ""               # one sentence for the tooltip

    def __post_init__(self):
        if self.role not in ROLES:
            raise ValueError(f"block {self.key}: role must be one of {ROLES}")


@dataclass(frozen=True)
class Edge:
    src: str
    dst: str
    kind: str = "forward"          # "forward", "recurrent" (state to next timestep), "skip" (lag-2), "inert" (published dead code)
    label: str = ""


@dataclass(frozen=True)
class ArchitectureDescription:
    key: str                        # CLI name: "post-a", "vanilla", ...
    title: str
    summary: str                    # one line for the gallery
    post: str                       # "A" or "B"
    timesteps: int
    blocks: tuple[Block, ...]
    edges: tuple[Edge, ...]
    weights: dict[str, tuple[int, ...]]   # name -> shape, exactly as allocated
    head_timesteps: tuple[int, ...]       # timesteps whose output reaches the head (g_t != 0)
    default_noise: tuple = ()             # NoiseSpec per timestep
    notes: tuple[str, ...] = field(default_factory=tuple)  # what differs between corrected / as-published
    # The logged cost is a per-batch SUM over examples and classes (post A), not a batch mean (post B).
    cost_is_batch_sum: bool = False
    # Timesteps whose local gradient is always zero with the off-by-one quirk (post A: 0).
    dead_targets_as_published: tuple[int, ...] = ()

    def dead_targets(self, quirks) -> tuple[int, ...]:
        """Timesteps where anything a dilated connection adds is wiped out, for this quirk set
        (or semantics name): post A's off-by-one backward reads make delta_0 zero."""
        from .quirks import resolve
        return self.dead_targets_as_published if "off-by-one" in resolve(quirks) else ()

    @property
    def parameter_count(self) -> int:
        return sum(math.prod(s) for s in self.weights.values())

    def block_parameters(self, block: Block) -> int:
        return sum(math.prod(self.weights[w]) for w in block.weights)

    def block(self, key: str) -> Block:
        for b in self.blocks:
            if b.key == key:
                return b
        raise KeyError(key)

