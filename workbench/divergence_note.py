"""Whether a verdict rests on divergence, and whether the published run diverged the same way.

A diverged arm (cost NaN or infinite) counts as the worse arm, or its seeds
are left out; either way the verdict then rests partly on a failure, and a
reader must know whether the published run failed in the same way. The
published side comes from resources/claims.json: each published trial may
record, per arm, whether that run diverged, with its course in the note.
"""
from __future__ import annotations

from .claims import Claim
from .verdicts import ClaimResult


def divergence_note(claim: Claim, result: ClaimResult) -> str:
    """One or two sentences, or '' when no measured seed diverged."""
    parts = []
    for i, arm in enumerate(result.arms):
        if not arm.n_diverged:
            continue
        seeds = arm.n + arm.n_diverged
        here = f"{arm.label} diverged (cost NaN or infinite) in {arm.n_diverged} of {seeds} seeds here"
        recorded = [(t, t.diverged_arm(i)) for t in claim.published]
        if any(d is True for _, d in recorded):
            parts.append(f"{here}; the published run diverged too.")
        elif recorded and all(d is False for _, d in recorded):
            notes = "; ".join(t.note for t, _ in recorded if t.note)
            parts.append(f"{here}; the published run did not diverge that way" + (f" ({notes})." if notes else "."))
        else:
            parts.append(f"{here}; the published figures do not record whether that run diverged.")
    if not parts:
        return ""
    lead = ("This verdict rests on divergence: " if result.method == "divergence count"
            else "Diverged seeds are left out of the interval: ")
    return lead + " ".join(parts)
