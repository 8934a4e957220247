"""Which trials train together: seeds on the engine's member axis (a *pack*, engine/trainer.py).

Trials that differ only in seed train as one pack by default: one trainer, one
process, the same ops for every seed, each seed still its own trial with its own
records. A packed seed's numbers equal its lone run's within float32 rounding
(tests/engine/test_seed_pack.py), so a run records its packing and a re-run
repeats it: the same packing, the same bits.
"""
from __future__ import annotations

PACK_CHOICES = ("on", "off")


def trial_packs(trials, pack: bool = True) -> list[list[int]]:
    """The trials (a count, or the trial numbers) as packs: all in one, or each alone."""
    numbers = list(range(trials)) if isinstance(trials, int) else [int(t) for t in trials]
    if not numbers:
        return []
    return [numbers] if pack else [[t] for t in numbers]


def split_packs(trials, parts: int) -> list[list[int]]:
    """The trials in `parts` packs of as even a size as can be (the first ones one larger), in
    order: with more workers than packs, a pack splits so that no worker idles."""
    numbers = list(range(trials)) if isinstance(trials, int) else [int(t) for t in trials]
    parts = max(1, min(parts, len(numbers)))
    size, extra = divmod(len(numbers), parts)
    out, start = [], 0
    for i in range(parts):
        end = start + size + (1 if i < extra else 0)
        out.append(numbers[start:end])
        start = end
    return out


def plan_packs(cells: list[list[int]], slots: int) -> list[list[int]]:
    """Packs of the trials waiting to run, one per cell (trials that differ only in seed), the
    largest split in two while there are more free workers than packs."""
    packs = [list(c) for c in cells if c]
    while len(packs) < slots:
        largest = max(packs, key=len, default=[])
        if len(largest) < 2:
            break
        i = packs.index(largest)
        packs[i:i + 1] = split_packs(largest, 2)
    return packs


def packable(config) -> bool:
    """Whether a configuration's seeds gain from packing without changing a number: a pack of
    one case per seed takes grouped convolutions where the lone seed takes plain ones, and those
    round differently (engine/members.py), so one-case trials train alone."""
    return len(config.cases) > 1


def packing_record(packs: list[list[int]]) -> dict:
    """What a manifest says of its packing."""
    return {"packed": any(len(p) > 1 for p in packs), "packs": [list(p) for p in packs]}


def recorded_pack(manifest: dict) -> bool:
    """Whether the run a manifest describes trained its trials packed (a manifest from before
    packing trained them one after another)."""
    packing = manifest.get("packing")
    return isinstance(packing, dict) and packing.get("packed") is True
