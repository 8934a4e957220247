"""The words a verdict is shown with, in the report's HTML and in the terminal's verdict table.

Both views read the same JSON entries (report.py), so a verdict, its effect, its
scale flag and the published figures are worded once, here.
"""
from __future__ import annotations

import math


def acc(v) -> str:
    """An accuracy to four places, or — when there is none."""
    return "—" if v is None or (isinstance(v, float) and not math.isfinite(v)) else f"{v:.4f}"


def pts(v) -> str:
    """A difference in signed accuracy points (+3.1), or — when there is none."""
    return "—" if v is None or (isinstance(v, float) and not math.isfinite(v)) else f"{v * 100:+.1f}"


def estimate_words(c: dict, r: dict, interval: bool = False) -> str:
    """'Δ −0.2 pts, ' for a difference, 'gap 4.6 pts, ' for a spread, '' when nothing was estimated;
    with `interval`, the 95% interval in points follows the estimate."""
    if r["method"] == "divergence count":
        return "one arm diverged in every seed, "
    if r["estimate"] is None:
        return ""
    ci = f" [{pts(r['ci_low'])}, {pts(r['ci_high'])}]" if interval and r["ci_low"] is not None else ""
    if c["kind"] == "spread":
        ci = f" [{r['ci_low'] * 100:.1f}, {r['ci_high'] * 100:.1f}]" if ci else ""
        return f"gap {r['estimate'] * 100:.1f}{ci} pts, "
    return f"Δ {pts(r['estimate'])}{ci} pts, "


def scale_words(scale: dict) -> str:
    """'3 epochs, 1,000 images' from the JSON scale entry."""
    e = scale["epochs"]
    epochs = "?" if not e else (str(e[0]) if len(e) == 1 else f"{min(e)}–{max(e)}")
    images = f"{scale['train_images']:,}" if scale["train_images"] else "?"
    return f"{epochs} epoch(s), {images} images"


def scale_flag(r: dict) -> str:
    """The short flag of a verdict measured away from the published scale."""
    note = r["scale"]["note"]
    head = note.split(":")[0].removeprefix("Measured ").strip()
    pub = r["scale"]["published"]
    return f"{head}; published: epoch {pub['epochs'][0] - 1}, {pub['train_images']:,} images"


def published_summary(c: dict, t: dict) -> str:
    """'trial 2 (epoch 800): 0.9406 vs 0.8326': one published trial's final accuracies, first arm first, with
    the epoch they were reached at, so that they are not read as figures of the measured scale."""
    name = t["trial"].split(" (")[0]
    vals = " vs ".join(acc(v) for v in t["values"])
    epochs = next((r["scale"]["published"]["epochs"] for r in c.get("results", ())), None)
    return f"{name} (epoch {epochs[0] - 1}): {vals}" if epochs else f"{name}: {vals}"


def missing_flag(r: dict) -> str:
    """'5 of 5 trials did not complete' when trials behind a verdict are missing: a verdict they leave
    untestable says nothing about the scale."""
    missing = sum(len(a["missing_seeds"]) for a in r["arms"])
    if not missing:
        return ""
    asked = sum(a["n"] + a["n_diverged"] + len(a["missing_seeds"]) for a in r["arms"])
    return f"{missing} of {asked} trials did not complete"


def flags(r: dict) -> list[str]:
    """Every short flag a verdict must carry beside it: missing trials, the scale when it is not the
    published one, a verdict that rests on divergence."""
    out = [missing_flag(r)]
    out.append(scale_flag(r) if r["scale"]["match"] != "same" else "")
    out.append(r["divergence_flag"])
    return [f for f in out if f]
