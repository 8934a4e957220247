"""Verdicts on constructed inputs: each of the four verdicts, and never one on zero width or too few seeds."""
import math

import pytest

from workbench.claims.claim_set import load_claims
from workbench.claims.verdicts import CONTRADICTED, NOT_TESTABLE, SUPPORTED, WITHIN_NOISE, evaluate

CLAIMS = {c.id: c for c in load_claims().claims}
GREATER_PAIRED = CLAIMS["A-dense2-beats-autodiff"]      # case 5 > case 1, paired
LESS_PAIRED = CLAIMS["A-sparse1-worse"]                 # case 2 < case 1, paired
GREATER_WELCH = CLAIMS["B-multistream-beats-vanilla"]   # multi-stream > vanilla, Welch
NOT_GREATER = CLAIMS["B-internal-not-better"]
SPREAD = CLAIMS["A-trials-differ"]


def seeds(*values):
    return {i: v for i, v in enumerate(values)}


def test_paired_supported_when_every_seed_agrees_in_direction():
    ref = seeds(0.80, 0.85, 0.90, 0.82, 0.88)
    case = seeds(0.83, 0.87, 0.935, 0.84, 0.91)       # +0.02..+0.035 (mean +0.027), not constant
    r = evaluate(GREATER_PAIRED, [case, ref], "corrected", min_seeds=3)
    assert r.verdict == SUPPORTED
    assert r.method == "paired t" and r.n_seeds == 5
    assert r.ci_low > 0
    assert r.estimate == pytest.approx(0.027, abs=1e-12)


def test_paired_uses_within_seed_differences_not_the_spread_between_seeds():
    # Seeds spread by 10 points, but the case is ahead in each by 1-2 points: paired says supported,
    # which Welch on these numbers would not.
    ref = seeds(0.70, 0.80, 0.90, 0.75)
    case = seeds(0.71, 0.82, 0.915, 0.762)
    assert evaluate(GREATER_PAIRED, [case, ref], "corrected").verdict == SUPPORTED


def test_paired_contradicted_when_the_interval_is_on_the_other_side():
    ref = seeds(0.80, 0.85, 0.90, 0.82)
    case = seeds(0.78, 0.84, 0.87, 0.80)
    r = evaluate(GREATER_PAIRED, [case, ref], "as-published")
    assert r.verdict == CONTRADICTED and r.ci_high < 0
    assert evaluate(LESS_PAIRED, [case, ref], "as-published").verdict == SUPPORTED


def test_within_noise_when_the_interval_contains_zero():
    ref = seeds(0.80, 0.85, 0.90, 0.82)
    case = seeds(0.82, 0.84, 0.91, 0.80)
    r = evaluate(GREATER_PAIRED, [case, ref], "corrected")
    assert r.verdict == WITHIN_NOISE and r.ci_low < 0 < r.ci_high
    assert evaluate(LESS_PAIRED, [case, ref], "corrected").verdict == WITHIN_NOISE


def test_zero_width_interval_is_not_testable_even_when_the_difference_is_not_zero():
    ref = seeds(0.75, 0.875, 0.5)
    r = evaluate(GREATER_PAIRED, [dict(ref), ref], "as-published")       # identical arms
    assert r.verdict == NOT_TESTABLE and "zero width" in r.explanation
    shifted = {s: v + 0.0625 for s, v in ref.items()}   # a constant shift (exact in binary): the old
    r2 = evaluate(GREATER_PAIRED, [shifted, ref], "as-published")       # comparison table said "better"
    assert r2.verdict == NOT_TESTABLE and "every one of 3 seeds" in r2.explanation
    assert math.isnan(r2.ci_low)


def test_too_few_seeds_is_not_testable_and_says_how_many():
    r = evaluate(GREATER_PAIRED, [seeds(0.9, 0.95), seeds(0.8, 0.81)], "corrected", min_seeds=3)
    assert r.verdict == NOT_TESTABLE and r.n_seeds == 2 and "at least 3" in r.explanation


def test_diverged_seeds_are_left_out_and_counted():
    ref = seeds(0.80, 0.85, 0.90, 0.82)
    case = seeds(0.83, float("nan"), 0.93, 0.86)
    r = evaluate(GREATER_PAIRED, [case, ref], "corrected", min_seeds=3)
    assert r.n_seeds == 3 and r.arms[0].n_diverged == 1
    r = evaluate(GREATER_PAIRED, [case, ref], "corrected", min_seeds=4)
    assert r.verdict == NOT_TESTABLE


def test_welch_between_architectures():
    vanilla = seeds(0.90, 0.91, 0.92, 0.905)
    multi = seeds(0.95, 0.96, 0.955, 0.965)
    r = evaluate(GREATER_WELCH, [multi, vanilla], "corrected")
    assert r.method == "Welch t" and r.verdict == SUPPORTED
    # Welch does not pair: seeds need not match.
    multi_other = {10 + s: v for s, v in multi.items()}
    assert evaluate(GREATER_WELCH, [multi_other, vanilla], "corrected").verdict == SUPPORTED
    assert evaluate(GREATER_WELCH, [vanilla, multi], "corrected").verdict == CONTRADICTED
    same = evaluate(GREATER_WELCH, [seeds(0.9, 0.9, 0.9), seeds(0.8, 0.8, 0.8)], "corrected")
    assert same.verdict == NOT_TESTABLE


def test_not_greater_claim():
    vanilla = seeds(0.90, 0.91, 0.92, 0.905)
    worse = seeds(0.85, 0.86, 0.855, 0.845)
    level = seeds(0.90, 0.92, 0.91, 0.915)
    better = seeds(0.95, 0.96, 0.955, 0.965)
    assert evaluate(NOT_GREATER, [worse, vanilla], "corrected").verdict == SUPPORTED
    r = evaluate(NOT_GREATER, [level, vanilla], "corrected")
    assert r.verdict == WITHIN_NOISE and "does not prove" in r.explanation
    assert evaluate(NOT_GREATER, [better, vanilla], "corrected").verdict == CONTRADICTED


def test_spread_claim_each_verdict():
    # Published gap: 0.9085 - 0.7835 = 12.5 points.
    wide = seeds(0.60, 0.95, 0.70, 0.90, 0.55, 0.85, 0.65, 0.98, 0.75, 0.62)   # sd ~ 0.15
    narrow = seeds(0.900, 0.905, 0.898, 0.903, 0.901, 0.899, 0.902, 0.904)     # sd ~ 0.0025
    middle = seeds(0.90, 0.85, 0.95)
    assert evaluate(SPREAD, [wide], "corrected").verdict == SUPPORTED
    r = evaluate(SPREAD, [narrow], "corrected")
    assert r.verdict == CONTRADICTED and r.ci_high < 0.125
    assert evaluate(SPREAD, [middle], "corrected").verdict == WITHIN_NOISE
    assert evaluate(SPREAD, [seeds(0.9, 0.9, 0.9)], "corrected").verdict == NOT_TESTABLE
    assert evaluate(SPREAD, [seeds(0.9, 0.8)], "corrected").verdict == NOT_TESTABLE


def test_every_shipped_claim_loads_with_its_published_figures():
    claims = load_claims()
    assert len(claims.claims) >= 8 and claims.min_seeds >= 3
    for c in claims.claims:
        assert c.published and c.wording and c.section
        if c.kind == "difference":
            assert c.comparison == ("paired" if c.arms[0].arch == c.arms[1].arch else "welch")
    # Both post-A trials where they exist.
    assert [t.values for t in CLAIMS["A-dense2-beats-autodiff"].published] == [(0.9499, 0.9127), (0.9406, 0.8326)]
    assert CLAIMS["A-trials-differ"].published_gap() == pytest.approx(0.125)


def test_an_arm_that_diverged_in_every_seed_counts_as_the_worse_arm():
    nan = float("nan")
    concat = CLAIMS["B-concat-fails"]              # concat < vanilla
    diverged = seeds(nan, nan, nan, nan)
    vanilla = seeds(0.90, 0.91, 0.92, 0.905)
    r = evaluate(concat, [diverged, vanilla], "as-published")
    assert r.verdict == SUPPORTED and "diverged" in r.explanation and r.n_seeds == 4
    assert evaluate(GREATER_WELCH, [diverged, vanilla], "as-published").verdict == CONTRADICTED
    assert evaluate(GREATER_WELCH, [vanilla, diverged], "as-published").verdict == SUPPORTED
    # Too few seeds on the other arm: still not testable.
    assert evaluate(concat, [diverged, seeds(0.9, 0.91)], "as-published").verdict == NOT_TESTABLE
    # Some seeds diverged: the rest decide, and the explanation says what was left out.
    partly = seeds(0.1, nan, 0.1, 0.12, 0.09)
    r = evaluate(concat, [partly, seeds(0.9, 0.91, 0.92, 0.905, 0.93)], "corrected")
    assert r.verdict == SUPPORTED and "diverged in 1 seed(s), left out" in r.explanation
