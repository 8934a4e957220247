"""The published claims and the study scales, as plain data read from resources/.

A claim names what the posts asserted (wording, post, spec section), the
arms it compares (architecture and case), the direction asserted, the test
(paired within a seed for cases of one architecture, Welch between
architectures) and the published figures. A scale says how large a study
tests them. Nothing here imports TensorFlow or Qt.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import resources

from workbench.core.config import ConfigError, DataSpec, ExperimentConfig, load_preset


KINDS = ("difference", "spread")
DIRECTIONS = ("greater", "less", "not-greater")
COMPARISONS = ("paired", "welch")
SCALES = ("quick", "medium", "published")


@dataclass(frozen=True)
class Arm:
    arch: str
    case: str
    label: str

    @property
    def key(self) -> str:
        return f"{self.arch}/{self.case}"


@dataclass(frozen=True)
class PublishedTrial:
    trial: str
    values: tuple[float | None, ...]    # one per arm; None where the log lacks it
    note: str = ""
    diverged: tuple[bool | None, ...] = ()   # one per arm: did that published run diverge (None: not recorded)

    def diverged_arm(self, i: int) -> bool | None:
        return self.diverged[i] if i < len(self.diverged) else None

    @property
    def difference(self) -> float | None:
        """First arm minus second (difference claims) when both are known."""
        if len(self.values) == 2 and None not in self.values:
            return self.values[0] - self.values[1]
        return None


@dataclass(frozen=True)
class Claim:
    id: str
    post: str
    section: str
    wording: str
    kind: str                  # "difference" (arm 0 vs arm 1) or "spread" (seed-to-seed spread of arm 0)
    arms: tuple[Arm, ...]
    direction: str | None      # difference claims: greater / less / not-greater (arm 0 relative to arm 1)
    comparison: str | None     # difference claims: paired / welch
    published: tuple[PublishedTrial, ...]

    @property
    def archs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(a.arch for a in self.arms))

    def published_gap(self) -> float | None:
        """Spread claims: the largest difference between published trials of the one arm."""
        values = [t.values[0] for t in self.published if t.values and t.values[0] is not None]
        return max(values) - min(values) if len(values) >= 2 else None


@dataclass(frozen=True)
class ClaimSet:
    claims: tuple[Claim, ...]
    min_seeds: int
    metric: dict

    def select(self, ids) -> "ClaimSet":
        if not ids:
            return self
        known = {c.id: c for c in self.claims}
        missing = [i for i in ids if i not in known]
        if missing:
            raise ConfigError(f"unknown claim(s) {', '.join(missing)}; known: {', '.join(known)}")
        return ClaimSet(tuple(known[i] for i in ids), self.min_seeds, self.metric)

    def cases_by_arch(self) -> dict[str, tuple[str, ...]]:
        """The cases each architecture must train for these claims (architecture order of first use)."""
        out: dict[str, list[str]] = {}
        for claim in self.claims:
            for arm in claim.arms:
                cases = out.setdefault(arm.arch, [])
                if arm.case not in cases:
                    cases.append(arm.case)
        return {arch: tuple(sorted(cases, key=_case_order)) for arch, cases in out.items()}


def _case_order(key: str):
    return (0, int(key)) if key.isdigit() else (1, key)


def _read_json(path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from None


def _claim(data: dict, where: str) -> Claim:
    try:
        arms = tuple(Arm(str(a["arch"]), str(a["case"]), str(a.get("label") or f"{a['arch']} case {a['case']}"))
                     for a in data["arms"])
        published = tuple(PublishedTrial(str(p["trial"]),
                                         tuple(None if v is None else float(v) for v in p["values"]),
                                         str(p.get("note", "")),
                                         tuple(None if d is None else bool(d) for d in p.get("diverged", ())))
                          for p in data.get("published", ()))
        claim = Claim(id=str(data["id"]), post=str(data["post"]), section=str(data["section"]),
                      wording=str(data["wording"]), kind=str(data["kind"]), arms=arms,
                      direction=data.get("direction"), comparison=data.get("comparison"),
                      published=published)
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: malformed claim ({exc})") from None
    problem = None
    if claim.kind not in KINDS:
        problem = f"kind must be one of {', '.join(KINDS)}"
    elif claim.kind == "difference" and len(arms) != 2:
        problem = "a difference claim compares exactly two arms"
    elif claim.kind == "difference" and claim.direction not in DIRECTIONS:
        problem = f"direction must be one of {', '.join(DIRECTIONS)}"
    elif claim.kind == "difference" and claim.comparison not in COMPARISONS:
        problem = f"comparison must be one of {', '.join(COMPARISONS)}"
    elif claim.kind == "difference" and claim.comparison == "paired" and arms[0].arch != arms[1].arch:
        problem = "a paired comparison needs both arms on one architecture (trials pair within a seed)"
    elif claim.kind == "spread" and len(arms) != 1:
        problem = "a spread claim has one arm"
    elif any(len(p.values) != len(arms) for p in published):
        problem = "every published trial needs one value per arm"
    elif any(p.diverged and len(p.diverged) != len(arms) for p in published):
        problem = "a published trial's 'diverged' needs one entry (true, false or null) per arm"
    elif any(v is not None and not math.isfinite(v) for p in published for v in p.values):
        problem = "published values must be finite"
    if problem:
        raise ConfigError(f"{where}: claim {claim.id}: {problem}")
    return claim


def load_claims(path: Path | None = None) -> ClaimSet:
    path = Path(path) if path is not None else resources.claims()
    data = _read_json(path)
    claims = tuple(_claim(c, str(path)) for c in data.get("claims", ()))
    ids = [c.id for c in claims]
    if len(set(ids)) != len(ids):
        raise ConfigError(f"{path}: a claim id is listed twice")
    min_seeds = int(data.get("min_seeds", 3))
    if min_seeds < 2:
        raise ConfigError(f"{path}: min_seeds must be at least 2 (an interval needs two seeds)")
    return ClaimSet(claims, min_seeds, dict(data.get("metric", {})))


# ------------------------------------------------------------------ scales
def group_of(arch: str) -> str:
    """Which post's settings an architecture takes: post A for post-a, post B for the five RNNs."""
    return "post-a" if arch == "post-a" else "post-b"


def scale_info(scale: str, path: Path | None = None) -> dict:
    data = _read_json(Path(path) if path is not None else resources.claim_scales())
    scales = data.get("scales", {})
    if scale not in scales:
        raise ConfigError(f"unknown scale {scale!r}; choose one of {', '.join(scales)}")
    return scales[scale]


def scale_config(scale: str, arch: str, cases: tuple[str, ...], path: Path | None = None) -> ExperimentConfig:
    """The configuration one architecture trains at this scale (one trial; the study sets the seed)."""
    info = scale_info(scale, path)
    group = info["groups"][group_of(arch)]
    config = load_preset(group["preset"], arch)
    d = config.data
    overrides = group.get("data", {})
    data = DataSpec(overrides.get("source", d.source), overrides.get("train_limit", d.train_limit),
                    overrides.get("test_limit", d.test_limit), overrides.get("train_skip", d.train_skip))
    try:
        config = config.with_(cases=tuple(cases), data=data, trials=1).with_train(**group.get("train", {}))
    except ValueError as exc:
        raise ConfigError(f"scale {scale}: {exc}") from None
    return config.validated()
