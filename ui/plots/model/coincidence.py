"""Which cases coincide: curves no one could tell apart, so the later one would hide the earlier one.

In corrected mode case 1 (autodiff) equals case 0 (manual back-prop) to float32 rounding, and its
green curve is drawn exactly over the red one. The panel draws such a case dashed and says so in the
legend and on hover; this module only decides which cases coincide (plain NumPy, no Qt).
"""
from __future__ import annotations

import numpy as np

COINCIDE_FRACTION = 1e-4      # "the same curve": apart by under 1/10,000 of the plot's data range (far below a pixel)
MIN_RANGE = 0.02              # a plot's y-range is never under 2% of its values (as ui/plots/model/ranges.py fits it)

COVER_PIXELS = 2.0            # a curve is hidden under another that stays within its line's width (2 px)

__all__ = ["COINCIDE_FRACTION", "COVER_PIXELS", "covered_in_pane", "find_coinciding", "find_covered",
           "within_a_fraction_of_the_range"]


def within_a_fraction_of_the_range(a: np.ndarray, b: np.ndarray) -> bool:
    """Two curves no one could tell apart: every point within COINCIDE_FRACTION of their joint range.

    Manual back-prop and autodiff agree to float32 rounding (about 1e-6 relative on post A's costs),
    which is far below a pixel but not bit-equal; identical non-finite points (a divergence) match too.
    The range is at least MIN_RANGE of the values' size: with one point each (the test plots after the
    first epoch) the joint range is only the difference itself, and the two cases would seem to part.
    """
    both = np.concatenate([a, b])
    finite = both[np.isfinite(both)]
    span = float(finite.max() - finite.min()) if finite.size else 0.0
    if finite.size:
        span = max(span, MIN_RANGE * float(np.abs(finite).max()))
    same_nonfinite = np.array_equal(~np.isfinite(a), ~np.isfinite(b))
    ok = np.isfinite(a) & np.isfinite(b)
    return same_nonfinite and bool(np.all(np.abs(a[ok] - b[ok]) <= COINCIDE_FRACTION * span))


def find_coinciding(order: list[str], displayed: dict[tuple[object, str], tuple[np.ndarray, np.ndarray]],
                    panes) -> dict[str, str]:
    """case -> the earlier case (in `order`) whose shown curves it equals in every pane that has data.

    `displayed` maps (pane, case) to the (x, y) a case shows there; a pane is a plot's main curve, or
    one trial's thin line in a plot (with several trials the means wait for every trial, the thin
    lines do not). A case is compared with the earlier cases that do not themselves coincide with
    another, so a chain names the first case.
    """
    found: dict[str, str] = {}
    for i, key in enumerate(order):
        for other in order[:i]:
            if other in found:
                continue
            same, any_data = True, False
            for p in panes:
                a, b = displayed.get((p, key)), displayed.get((p, other))
                if a is None or b is None or not len(a[0]):
                    continue
                any_data = True
                if not (a[0].shape == b[0].shape and np.array_equal(a[0], b[0])
                        and within_a_fraction_of_the_range(a[1], b[1])):
                    same = False
                    break
            if same and any_data:
                found[key] = other
                break
    return found


def _within(a, b, tol: float) -> bool:
    """Two (x, y) curves on the same x whose y stay within `tol` wherever they are finite (and non-finite together)."""
    if not (a[0].shape == b[0].shape and np.array_equal(a[0], b[0])
            and np.array_equal(np.isfinite(a[1]), np.isfinite(b[1]))):
        return False
    ok = np.isfinite(a[1])
    return bool(np.all(np.abs(a[1][ok] - b[1][ok]) <= tol))


def find_covered(order: list[str], displayed: dict[tuple[object, str], tuple[np.ndarray, np.ndarray]],
                 tolerance: dict[object, float], skip: set[str]) -> dict[str, list[str]]:
    """case -> the later-drawn cases (in `order`) that hide its curve in every pane, at the plots' current size.

    Not the same curve (that is `find_coinciding`): cases 2 to 6 can sit within a pixel of one another
    for a whole short run while being far more than 1/10,000 of the range apart, and the one drawn last
    hides the others. A case is covered by a later one whose curve stays within `tolerance[pane]` (data
    units: about a line's width on screen) at every point, in every pane with data. Cases in `skip`
    (hidden by the user, or already drawn dashed as coinciding) neither hide nor are reported.
    """
    covered: dict[str, list[str]] = {}
    for i, key in enumerate(order):
        if key in skip:
            continue
        above = []
        for other in order[i + 1:]:
            if other in skip:
                continue
            panes = [(displayed.get((pane, key)), displayed.get((pane, other)), tol)
                     for pane, tol in tolerance.items()]
            panes = [(a, b, tol) for a, b, tol in panes if a is not None and b is not None and len(a[0])]
            if panes and all(_within(a, b, tol) for a, b, tol in panes):
                above.append(other)
        if above:
            covered[key] = above
    return covered


def covered_in_pane(order: list[str], displayed: dict[tuple[object, str], tuple[np.ndarray, np.ndarray]],
                    pane, tol: float, skip: set[str]) -> dict[str, str]:
    """case -> the topmost later-drawn case that hides its curve in this one pane (within `tol` everywhere).

    A plot's own note: in a short run the training cost of cases 0 to 5 can all lie under case 6's line
    while the test accuracies keep them apart, so no case is hidden in *every* plot.
    """
    out: dict[str, str] = {}
    for i, key in enumerate(order):
        a = displayed.get((pane, key))
        if key in skip or a is None or not len(a[0]):
            continue
        for other in reversed(order[i + 1:]):
            b = displayed.get((pane, other))
            if other not in skip and b is not None and _within(a, b, tol):
                out[key] = other
                break
    return out
