"""How far the scale a verdict was measured at lies from the scale the published claim concerns.

A claim about final accuracy after 801 epochs on 60,000 images is not tested
by 3 epochs on 1,000: such a verdict says what holds early in training on a
small set. Every verdict therefore names its scale (epochs and training
images), and the words come from the numbers, never from the claim: the
measured scale from the trials, the published one from the `published`
scale of resources/claim_scales.json (its presets and data). The published
figures are placed against the measured interval ("inside", "above",
"below") only when the two scales are the same; otherwise they are shown
beside it, with both scales, and not compared.
"""
from __future__ import annotations

from dataclasses import dataclass

from workbench.claims.claim_set import Claim, scale_config
from workbench.claims.study import data_size
from workbench.claims.verdicts import _pp as signed_points

SAME, NEAR, FAR = "same", "near", "far"
FAR_RATIO = 0.5          # below half the published epochs (or images) a scale is "far" from it


@dataclass(frozen=True)
class Scale:
    epochs: tuple[int, ...]            # epochs behind the values (one per distinct trial length)
    train_images: int | None           # None when unknown

    def words(self) -> str:
        """'3 epochs on 1,000 training images'."""
        if not self.epochs:
            e = "?"
        else:
            lo, hi = min(self.epochs), max(self.epochs)
            e = str(lo) if lo == hi else f"{lo}–{hi}"
        images = f"{self.train_images:,}" if self.train_images else "an unknown number of"
        return f"{e} epoch{'' if e == '1' else 's'} on {images} training images"


@dataclass(frozen=True)
class ScaleComparison:
    measured: Scale
    published: Scale
    match: str                         # SAME, NEAR or FAR
    note: str                          # one sentence: the measured scale and, unless SAME, how it differs

    @property
    def same(self) -> bool:
        return self.match == SAME

    def to_dict(self) -> dict:
        return {"measured": {"epochs": list(self.measured.epochs), "train_images": self.measured.train_images},
                "published": {"epochs": list(self.published.epochs),
                              "train_images": self.published.train_images},
                "match": self.match, "far": self.match == FAR, "note": self.note}


def published_scale(claim: Claim) -> Scale:
    """The published set-up of the claim's first arm: epochs of its preset, images of its data."""
    arm = claim.arms[0]
    config = scale_config("published", arm.arch, (arm.case,))
    size = data_size(config.data)
    return Scale((config.train.epochs,), size[0] if size else None)


def compare(measured: Scale, published: Scale) -> ScaleComparison:
    pe, me = published.epochs[0], (min(measured.epochs) if measured.epochs else 0)
    pi, mi = published.train_images, measured.train_images
    epochs_far = me < FAR_RATIO * pe
    images_far = pi is not None and (mi is None or mi < FAR_RATIO * pi)
    same = set(measured.epochs) == {pe} and mi is not None and mi == pi
    concerns = f"the published claim concerns epoch {pe - 1} ({published.words()})"
    if not measured.epochs:
        return ScaleComparison(measured, published, FAR,
                               f"Not measured: no completed trial behind this verdict; {concerns}.")
    if same:
        return ScaleComparison(measured, published, SAME,
                               f"Measured at the published scale: {measured.words()}.")
    if epochs_far or images_far:
        where = " and ".join(w for w, far in (("early in training", epochs_far), ("on a small set", images_far))
                             if far)
        return ScaleComparison(measured, published, FAR,
                               f"Measured {where}: {measured.words()}; {concerns}.")
    return ScaleComparison(measured, published, NEAR,
                           f"Measured near the published scale: {measured.words()}; {concerns}.")


def place_published(claim: Claim, low: float, high: float, scale: ScaleComparison) -> tuple[str, ...]:
    """Words on each published difference beside the measured interval; above/below only at the same scale."""
    out = []
    for t in claim.published:
        d = t.difference
        if d is None:
            continue
        if scale.same:
            where = "inside" if low <= d <= high else ("above" if d > high else "below")
            out.append(f"{t.trial}: published difference {signed_points(d)} lies {where} the measured interval")
        else:
            out.append(f"{t.trial}: published difference {signed_points(d)} (epoch {scale.published.epochs[0] - 1}), "
                       f"shown beside the measured interval [{signed_points(low)}, {signed_points(high)}] "
                       f"({scale.measured.words()}); not compared, the scales differ")
    return tuple(out)
