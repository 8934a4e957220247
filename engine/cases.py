"""The training cases as data: how the gradient is obtained plus dilated connections.

A case is not code. Case 0 is hand-written back-propagation through time;
case 1 is automatic differentiation; cases 2-6 are case 0 plus "dilated"
connections, each of which adds D(epoch) x a signal from a later timestep s
into the gradient that arrives at an earlier timestep t:

- g_s: the gradient that reaches h_s from the head (the FC layers in post A);
- p_s: the gradient that timestep s passes back to the previous state.

A user-defined case is one more list of connections.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Iterable, Mapping, Sequence

import numpy as np

SIGNALS = {"g": "head gradient", "p": "recurrent pass-back"}
GRADIENT_KINDS = ("manual", "auto")


@dataclass(frozen=True)
class Connection:
    target: int           # timestep whose incoming gradient receives the addition
    signal: str           # "g" or "p"
    source: int           # timestep the signal comes from; always later than target
    factor: float = 1.0   # multiplies D; 1 for every published case

    def __post_init__(self):
        if self.signal not in SIGNALS:
            raise ValueError(f"signal must be 'g' or 'p', not {self.signal!r}")
        if self.source <= self.target:
            raise ValueError(f"a dilated connection goes from a later timestep to an earlier one "
                             f"(got {self.signal}_{self.source} into timestep {self.target})")
        if self.target < 0:
            raise ValueError("timesteps start at 0")
        if not math.isfinite(self.factor):
            raise ValueError(f"the factor of {self.target}<{self.signal}{self.source} must be a finite number, "
                             f"not {self.factor}")

    def label(self) -> str:
        scale = "D" if self.factor == 1.0 else f"{self.factor:g}·D"
        return f"in_{self.target} += {scale}·{self.signal}_{self.source}"

    def to_text(self) -> str:
        suffix = "" if self.factor == 1.0 else f"*{self.factor:g}"
        return f"{self.target}<{self.signal}{self.source}{suffix}"


_CONNECTION_RE = re.compile(r"^\s*(\d+)\s*<\s*([gp])\s*(\d+)\s*(?:\*\s*([-+0-9.eE]+))?\s*$")


def parse_connections(text: str) -> tuple[Connection, ...]:
    """'1<g3, 0<g2' -> connections; the compact form used by the CLI and config files."""
    if not text.strip():
        return ()
    out = []
    for part in text.split(","):
        match = _CONNECTION_RE.match(part)
        if not match:
            raise ValueError(f"cannot read connection {part.strip()!r}; write e.g. '1<g3' "
                             "(timestep 1 receives D times the head gradient of timestep 3) or '0<p2'")
        target, signal, source, factor = match.groups()
        out.append(Connection(int(target), signal, int(source), float(factor) if factor else 1.0))
    return tuple(out)


@dataclass(frozen=True)
class Case:
    key: str
    name: str
    colour: str                      # hex; one map used by plots, legend, diagrams and exports
    gradient: str = "manual"         # "manual" (hand-written BPTT) or "auto" (tf.GradientTape)
    connections: tuple[Connection, ...] = field(default_factory=tuple)
    description: str = ""

    def __post_init__(self):
        if self.gradient not in GRADIENT_KINDS:
            raise ValueError(f"gradient must be 'manual' or 'auto', not {self.gradient!r}")
        if self.gradient == "auto" and self.connections:
            raise ValueError("dilated connections need hand-written back-propagation (gradient 'manual')")
        if not re.fullmatch(r"[A-Za-z0-9_.-]{1,32}", self.key):
            raise ValueError(f"case key {self.key!r}: use 1-32 letters, digits, '-', '_' or '.'")

    def wiring(self) -> str:
        if self.gradient == "auto":
            return "tf.GradientTape on the training loss"
        base = "in_t = g_t + p_(t+1)"
        if not self.connections:
            return base
        return base + "; " + "; ".join(c.label() for c in self.connections)

    def validate_for(self, timesteps: int) -> None:
        for c in self.connections:
            if c.source >= timesteps:
                raise ValueError(f"case {self.key}: {c.label()} needs timestep {c.source}, "
                                 f"but the architecture has timesteps 0..{timesteps - 1}")

    def to_dict(self) -> dict:
        return {"key": self.key, "name": self.name, "colour": self.colour, "gradient": self.gradient,
                "connections": ", ".join(c.to_text() for c in self.connections),
                "description": self.description}

    @classmethod
    def from_dict(cls, data: Mapping) -> "Case":
        return cls(str(data["key"]), str(data.get("name", data["key"])), str(data.get("colour", "#808080")),
                   str(data.get("gradient", "manual")), parse_connections(str(data.get("connections", ""))),
                   str(data.get("description", "")))


def _published(key, name, colour, gradient, connections, description) -> Case:
    return Case(key, name, colour, gradient, parse_connections(connections), description)


# Colours as published (train plots): r, g, b, c, m, y, k. Yellow is a darker
# gold and cyan a deeper teal so both stay readable on a light background.
PUBLISHED_CASES: dict[str, Case] = {c.key: c for c in (
    _published("0", "manual back-prop", "#d62728", "manual", "",
               "Hand-written back-propagation through time: each timestep receives its own head "
               "gradient plus what the next timestep passes back."),
    _published("1", "automatic differentiation", "#2ca02c", "auto", "",
               "TensorFlow computes the gradient (GradientTape); no hand-written maths."),
    _published("2", "dilated sparse 1", "#1f3fff", "manual", "1<g3, 0<g2",
               "Case 0 plus the head gradient of the timestep two steps later, times D."),
    _published("3", "dilated sparse 2", "#00a5b5", "manual", "1<p3, 0<p2",
               "Case 0 plus the recurrent pass-back from two steps later, times D."),
    _published("4", "dilated dense 1", "#d020d0", "manual", "1<g3, 0<g3, 0<g2",
               "Case 0 plus the head gradients of every timestep at least two steps later, times D."),
    _published("5", "dilated dense 2", "#d4a800", "manual", "1<p3, 0<p3, 0<p2",
               "Case 0 plus the recurrent pass-backs of every timestep at least two steps later, times D."),
    _published("6", "dilated dense 3", "#000000", "manual", "1<g3, 0<g3, 0<g2, 0<p3",
               "Case 0 plus head gradients from two and three steps later and the pass-back from three, times D."),
)}

CASE_KEYS = tuple(PUBLISHED_CASES)


def resolve_cases(keys: Iterable[str], custom: Sequence[Case] = ()) -> list[Case]:
    """Case keys (published or custom) -> Case objects, in the order given; duplicates refused."""
    known = dict(PUBLISHED_CASES)
    for case in custom:
        if case.key in PUBLISHED_CASES:
            raise ValueError(f"custom case key {case.key!r} collides with a published case")
        known[case.key] = case
    out, seen = [], set()
    for key in keys:
        key = str(key).strip()
        if key not in known:
            raise ValueError(f"unknown case {key!r}; known cases: {', '.join(known)}")
        if key in seen:
            raise ValueError(f"case {key} is listed twice")
        seen.add(key)
        out.append(known[key])
    if not out:
        raise ValueError("select at least one case")
    return out


@dataclass(frozen=True)
class DilationSchedule:
    """D(epoch) = P / (1 + k * epoch); P=1000, k=0.008 as published."""
    P: float = 1000.0
    k: float = 0.008

    def __post_init__(self):
        if self.P < 0 or self.k < 0:
            raise ValueError("dilation P and k must be ≥ 0")

    def __call__(self, epoch: int) -> float:
        return self.P / (1.0 + self.k * epoch)


SIGNAL_AXIS = tuple(SIGNALS)          # the coefficient tensor's last axis: g, p


def dilation_coefficients(connection_lists: Sequence[Sequence[Connection]], timesteps: int) -> np.ndarray:
    """The dilated connections of M members as one tensor [M, target, source, signal] of factors.

    Member m's timestep t receives D · Σ coef[m, t, s, σ] · σ_s over sources s and signals σ
    (σ = g or p); a member without connections (case 0, or the autodiff case) has zero rows,
    so every manual member runs the same ops.
    """
    coef = np.zeros((len(connection_lists), timesteps, timesteps, len(SIGNAL_AXIS)))
    for m, connections in enumerate(connection_lists):
        for c in connections:
            coef[m, c.target, c.source, SIGNAL_AXIS.index(c.signal)] += c.factor
    return coef


def as_coefficients(connections, members: int, timesteps: int) -> np.ndarray:
    """A coefficient tensor as it is, or one list of connections given to every member."""
    if isinstance(connections, np.ndarray):
        return connections
    return dilation_coefficients([tuple(connections)] * members, timesteps)


def inert_connections(case: Case, head_timesteps: Iterable[int], dead_targets: Iterable[int] = ()
                      ) -> list[tuple[Connection, str]]:
    """Connections that cannot change training for an architecture, with the reason.

    A head gradient g_s is zero when h_s does not feed the head (post B uses only
    the last timestep); anything added to a target whose local gradient is
    always zero (timestep 0 in the as-published post-A code) is wiped out.
    """
    heads, dead = set(head_timesteps), set(dead_targets)
    out = []
    for c in case.connections:
        if c.target in dead:
            out.append((c, f"timestep {c.target}'s local gradient is always zero in this mode"))
        elif c.signal == "g" and c.source not in heads:
            out.append((c, f"h_{c.source} does not feed the head, so g_{c.source} is zero"))
    return out
