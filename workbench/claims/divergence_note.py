"""Whether a verdict rests on divergence, and whether the published run diverged the same way.

A diverged arm (cost NaN or infinite) counts as the worse arm, or its seeds
are left out; either way the verdict then rests partly on a failure, and a
reader must know whether the published run failed in the same way. The
published side comes from resources/claims.json: each published trial may
record, per arm, whether that run diverged, with its course in the note.
"""
from __future__ import annotations

from workbench.claims.claim_set import Claim
from workbench.claims.verdicts import ClaimResult


def published_diverged(claim: Claim, arm: int) -> bool | None:
    """True if a published run of this arm diverged, False if every one is recorded as not, else None."""
    recorded = [t.diverged_arm(arm) for t in claim.published]
    if any(d is True for d in recorded):
        return True
    return False if recorded and all(d is False for d in recorded) else None


def divergence_note(claim: Claim, result: ClaimResult) -> str:
    """One or two sentences, or '' when no measured seed diverged."""
    parts = []
    for i, arm in enumerate(result.arms):
        if not arm.n_diverged:
            continue
        seeds = arm.n + arm.n_diverged
        here = f"{arm.label} diverged (cost NaN or infinite) in {arm.n_diverged} of {seeds} seeds here"
        published = published_diverged(claim, i)
        if published:
            parts.append(f"{here}; the published run diverged too.")
        elif published is False:
            notes = "; ".join(t.note for t in claim.published if t.note)
            parts.append(f"{here}; the published run did not diverge that way" + (f" ({notes})." if notes else "."))
        else:
            parts.append(f"{here}; the published figures do not record whether that run diverged.")
    if not parts:
        return ""
    lead = ("This verdict rests on divergence: " if result.method == "divergence count"
            else "Diverged seeds are left out of the interval: ")
    return lead + " ".join(parts)


def divergence_flag(claim: Claim, result: ClaimResult) -> str:
    """A few words for a summary table: '' unless the verdict rests on divergence."""
    if result.method != "divergence count":
        return ""
    failed = [i for i, arm in enumerate(result.arms) if arm.n == 0 and arm.n_diverged]
    published = [published_diverged(claim, i) for i in failed]
    if published and all(p is False for p in published):
        return "rests on divergence; the published run did not diverge"
    if any(published):
        return "rests on divergence, as the published run diverged"
    return "rests on divergence; the published record does not say"
