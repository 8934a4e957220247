"""Training hyper-parameters shared by every case of a run."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace

SEMANTICS = ("corrected", "as-published")
INITS = ("published", "scaled")

SEMANTICS_HELP = (
    "corrected: the maths the posts describe — true back-propagation through time, standard Adam. "
    "as-published: the original scripts' behaviour, bugs included (off-by-one backward pass, "
    "one Adam step per timestep, constant bias correction, no gradient through time for autodiff)."
)


@dataclass(frozen=True)
class TrainSettings:
    epochs: int = 4
    batch_size: int = 100
    learning_rate: float = 0.001
    beta1: float = 0.9
    beta2: float = 0.999
    epsilon: float = 1e-8
    seed: int = 0
    semantics: str = "corrected"
    init: str = "scaled"          # "published": the posts' N(0, sd) init; "scaled": sd = 1/sqrt(fan_in)
    dilation_P: float = 1000.0
    dilation_k: float = 0.008
    log_every: int = 1            # epochs between blocks in transparency.txt (post A printed every 100)
    points_per_epoch: int = 10    # intra-epoch progress points sent to listeners

    def __post_init__(self):
        problem = self.problem()
        if problem:
            raise ValueError(problem)

    def problem(self) -> str | None:
        """The first invalid field, as a sentence a user can act on."""
        if not isinstance(self.epochs, int) or self.epochs < 1:
            return "epochs must be a whole number ≥ 1"
        if not isinstance(self.batch_size, int) or self.batch_size < 1:
            return "batch size must be a whole number ≥ 1"
        if not (math.isfinite(self.learning_rate) and self.learning_rate > 0):
            return "learning rate must be a positive number"
        if not (0 <= self.beta1 < 1 and 0 <= self.beta2 < 1):
            return "Adam betas must lie in [0, 1)"
        if not (self.epsilon > 0):
            return "Adam epsilon must be > 0"
        if not isinstance(self.seed, int) or self.seed < 0 or self.seed >= 2**31:
            return "seed must be a whole number between 0 and 2147483647"
        if self.semantics not in SEMANTICS:
            return f"semantics must be one of {', '.join(SEMANTICS)}"
        if self.init not in INITS:
            return f"init must be one of {', '.join(INITS)}"
        if not (math.isfinite(self.dilation_P) and self.dilation_P >= 0):
            return "dilation P must be ≥ 0"
        if not (math.isfinite(self.dilation_k) and self.dilation_k >= 0):
            return "dilation k must be ≥ 0"
        if not isinstance(self.log_every, int) or self.log_every < 1:
            return "log-every must be a whole number ≥ 1"
        if not isinstance(self.points_per_epoch, int) or self.points_per_epoch < 1:
            return "points per epoch must be a whole number ≥ 1"
        return None

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "TrainSettings":
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown training setting(s): {', '.join(sorted(unknown))}")
        return cls(**data)

    def with_(self, **changes) -> "TrainSettings":
        return replace(self, **changes)
