"""Training hyper-parameters shared by every case of a run."""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace

from . import quirks as Q

SEMANTICS = ("corrected", "as-published")     # presets of the quirk set: none, all
SEMANTICS_LABELS = SEMANTICS + ("custom",)     # "custom": any other subset
INITS = ("published", "scaled")

SEMANTICS_HELP = (
    "corrected: the maths the posts describe — true back-propagation through time, standard Adam. "
    "as-published: every quirk of the original scripts (off-by-one backward pass, one Adam step per "
    "timestep, constant bias correction, BCE autodiff loss, no gradient through time for autodiff, stale "
    "recurrent state, Adam training the state slots, the published wiring slips). "
    "custom: any subset of the quirks, each a switch of its own."
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
    semantics: str = "corrected"  # label of the quirk set: corrected (none), as-published (all), custom
    quirks: tuple[str, ...] | None = None   # None: the preset named by `semantics`
    init: str = "scaled"          # "published": the posts' N(0, sd) init; "scaled": sd = 1/sqrt(fan_in)
    dilation_P: float = 1000.0
    dilation_k: float = 0.008
    log_every: int = 1            # epochs between blocks in transparency.txt (post A printed every 100)
    points_per_epoch: int = 10    # intra-epoch progress points sent to listeners
    gradient_flow: bool = True    # record gradient norms at the step-report cadence (numbers unchanged)

    def __post_init__(self):
        if self.quirks is None:
            if self.semantics not in Q.PRESETS:
                raise ValueError(f"semantics must be one of {', '.join(SEMANTICS)} "
                                 "(or give the quirks for a custom set)")
            object.__setattr__(self, "quirks", Q.PRESETS[self.semantics])
        else:
            object.__setattr__(self, "quirks", Q.normalise(self.quirks))
            object.__setattr__(self, "semantics", Q.label(self.quirks))
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
        if self.semantics not in SEMANTICS_LABELS:
            return f"semantics must be one of {', '.join(SEMANTICS)}"
        if not isinstance(self.gradient_flow, bool):
            return "gradient-flow must be true or false"
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

    def has(self, quirk: str) -> bool:
        return quirk in self.quirks

    def to_dict(self) -> dict:
        out = asdict(self)
        out["quirks"] = list(self.quirks)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "TrainSettings":
        names = {f.name for f in fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown training setting(s): {', '.join(sorted(unknown))}")
        data = dict(data)
        if data.get("quirks") is None and data.get("semantics") == "as-published":
            # Written before each quirk was a switch: as-published then lacked the stale state.
            data["quirks"] = Q.LEGACY_AS_PUBLISHED
        return cls(**data)

    def with_(self, **changes) -> "TrainSettings":
        if "semantics" in changes and "quirks" not in changes:
            changes["quirks"] = None          # a preset name replaces the set
        return replace(self, **changes)
