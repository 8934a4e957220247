"""What a verdict rests on: its p-value, Holm's correction, the scale it was measured at, divergence.

Expected numbers are worked out here from the definitions (closed forms of the
t and chi-square distributions at 2 degrees of freedom, Holm's rule by rank),
never copied from the code's output.
"""
import math
from dataclasses import replace

import pytest

from workbench.claims.claim_set import load_claims
from workbench.claims.divergence_note import divergence_flag, divergence_note
from workbench.claims.family_wise import adjust
from workbench.stats.holm import holm_adjust
from workbench.claims.scale_match import FAR, NEAR, SAME, Scale, compare, place_published, published_scale
from workbench.claims.verdicts import CONTRADICTED, SUPPORTED, WITHIN_NOISE, evaluate

CLAIMS = {c.id: c for c in load_claims().claims}
PAIRED = CLAIMS["A-dense2-beats-autodiff"]        # case 5 > case 1
WELCH = CLAIMS["B-multistream-beats-vanilla"]
CONCAT = CLAIMS["B-concat-fails"]
SPREAD = CLAIMS["A-trials-differ"]


def seeds(*values):
    return {i: v for i, v in enumerate(values)}


def holm_by_definition(ps):
    """adj(p_(i)) = max over j <= i of min(1, (m - j + 1) p_(j)), ranks j = 1..m of the sorted p-values."""
    m = len(ps)
    ranked = sorted(ps)
    out = []
    for p in ps:
        i = ranked.index(p) + 1
        out.append(max(min(1.0, (m - j + 1) * ranked[j - 1]) for j in range(1, i + 1)))
    return out


# ------------------------------------------------------------------ Holm
def test_holm_on_known_p_values():
    ps = [0.01, 0.04, 0.03, 0.005]
    # By hand: sorted 0.005, 0.01, 0.03, 0.04 -> 4·0.005 = 0.02, 3·0.01 = 0.03, 2·0.03 = 0.06,
    # 1·0.04 = 0.04 raised to 0.06 (never below an earlier one).
    assert holm_adjust(ps) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm_adjust(ps) == pytest.approx(holm_by_definition(ps))


def test_holm_caps_at_one_and_leaves_untested_entries_out_of_the_family():
    got = holm_adjust([0.4, math.nan, 0.3, 0.02])
    # Family of three: 3·0.02 = 0.06, 2·0.3 = 0.6, 1·0.4 = 0.4 -> 0.6.
    assert got[0] == pytest.approx(0.6) and got[2] == pytest.approx(0.6) and got[3] == pytest.approx(0.06)
    assert math.isnan(got[1])
    assert holm_adjust([0.6, 0.7]) == [1.0, 1.0]


def test_a_verdict_loses_supported_after_holm_only_when_its_adjusted_p_reaches_alpha():
    strong = evaluate(PAIRED, [seeds(0.83, 0.87, 0.935, 0.84, 0.91), seeds(0.80, 0.85, 0.90, 0.82, 0.88)], "corrected")
    weak = replace(strong, p_value=0.03)
    untested = replace(strong, verdict=WITHIN_NOISE, p_value=math.nan)
    assert strong.verdict == SUPPORTED and strong.p_value < 0.01
    out = adjust([strong, weak, weak, untested])
    # Family of three: 3·p_strong, then 2·0.03 = 0.06 for both weak ones (>= 0.05: within seed noise).
    assert out[0].verdict == SUPPORTED and out[0].p_holm == pytest.approx(3 * strong.p_value)
    assert out[1].verdict == out[2].verdict == WITHIN_NOISE and out[1].p_holm == pytest.approx(0.06)
    assert not out[3].in_family and out[3].verdict == WITHIN_NOISE and math.isnan(out[3].p_holm)


# ------------------------------------------------------------------ p-values behind the intervals
def test_paired_p_value_is_the_two_sided_t_test_of_the_differences():
    # Differences 0.01, 0.03, 0.02: mean 0.02, sd 0.01, t = 0.02 / (0.01/√3) = 2√3, df 2.
    # Student t with 2 df: F(t) = 1/2 + t / (2√(2 + t²)), so p = 1 − t/√(2 + t²).
    r = evaluate(PAIRED, [seeds(0.81, 0.83, 0.82), seeds(0.80, 0.80, 0.80)], "corrected")
    t = 2 * math.sqrt(3)
    assert r.p_value == pytest.approx(1 - t / math.sqrt(2 + t * t), rel=1e-9)
    assert r.verdict == WITHIN_NOISE and r.p_value > 0.05        # interval contains zero <=> p >= 0.05


def test_welch_p_value_agrees_with_its_interval():
    r = evaluate(WELCH, [seeds(0.95, 0.96, 0.955, 0.965), seeds(0.90, 0.91, 0.92, 0.905)], "corrected")
    assert r.verdict == SUPPORTED and r.ci_low > 0 and r.p_value < 0.05
    r = evaluate(WELCH, [seeds(0.90, 0.96, 0.92), seeds(0.91, 0.90, 0.95)], "corrected")
    assert r.verdict == WITHIN_NOISE and r.p_value >= 0.05


def test_spread_p_value_is_the_chi_square_test_of_the_published_gap():
    values = seeds(0.80, 0.90, 0.85)                  # sd 0.05, df 2
    r = evaluate(SPREAD, [values], "corrected")
    k = 1.959963984540054 * math.sqrt(2)
    sigma0 = SPREAD.published_gap() / k                # the sd the published gap stands for
    x = 2 * 0.05 ** 2 / sigma0 ** 2
    below = 1 - math.exp(-x / 2)                       # chi-square with 2 df
    assert r.p_value == pytest.approx(2 * min(below, 1 - below), rel=1e-6)


# ------------------------------------------------------------------ scale
def test_published_scale_comes_from_the_published_scale_data():
    assert published_scale(PAIRED) == Scale((801,), 60000)
    assert published_scale(WELCH) == Scale((31,), 55000)


def test_quick_scale_is_flagged_far_and_names_the_published_epoch():
    post_a = compare(Scale((3,), 1000), published_scale(PAIRED))
    assert post_a.match == FAR and post_a.to_dict()["far"] is True
    assert "early in training and on a small set" in post_a.note
    assert "3 epochs on 1,000 training images" in post_a.note
    assert "the published claim concerns epoch 800" in post_a.note
    post_b = compare(Scale((5,), 1500), published_scale(WELCH))
    assert post_b.match == FAR and "epoch 30" in post_b.note
    enough_epochs = compare(Scale((31,), 4000), published_scale(WELCH))
    assert enough_epochs.match == FAR and "on a small set" in enough_epochs.note
    assert "early in training" not in enough_epochs.note


def test_published_scale_is_same_and_a_close_one_is_near():
    same = compare(Scale((31,), 55000), published_scale(WELCH))
    assert same.match == SAME and same.same and "published scale" in same.note
    near = compare(Scale((20,), 40000), published_scale(WELCH))
    assert near.match == NEAR and not near.same and "epoch 30" in near.note
    truncated = compare(Scale((30, 31), 55000), published_scale(WELCH))
    assert truncated.match == NEAR                     # one seed ended early: not the published scale


def test_no_above_or_below_wording_unless_the_scales_match():
    low, high = 0.03, 0.07                             # the published +0.8 points lies below this interval
    far = place_published(WELCH, low, high, compare(Scale((5,), 1500), published_scale(WELCH)))
    assert far and all("beside the measured interval" in c and "not compared" in c for c in far)
    assert not any(w in c for c in far for w in ("above", "below", "inside"))
    same = place_published(WELCH, low, high, compare(Scale((31,), 55000), published_scale(WELCH)))
    assert any("+0.8 points lies below" in c for c in same)


# ------------------------------------------------------------------ divergence
def test_a_verdict_resting_on_divergence_says_the_published_run_did_not_diverge():
    nan = math.nan
    r = evaluate(CONCAT, [seeds(nan, nan, nan), seeds(0.9, 0.91, 0.92)], "as-published")
    assert r.verdict == SUPPORTED and r.method == "divergence count"
    note = divergence_note(CONCAT, r)
    assert note.startswith("This verdict rests on divergence")
    assert "concat diverged (cost NaN or infinite) in 3 of 3 seeds here" in note
    assert "the published run did not diverge that way" in note and "5.0e17" in note and "30.816" in note
    assert divergence_flag(CONCAT, r) == "rests on divergence; the published run did not diverge"


def test_divergence_note_follows_the_published_record():
    nan = math.nan
    r = evaluate(CONCAT, [seeds(nan, 0.1, 0.12, 0.11), seeds(0.9, 0.91, 0.92, 0.93)], "as-published")
    assert divergence_note(CONCAT, r).startswith("Diverged seeds are left out of the interval")
    diverged = replace(CONCAT, published=tuple(replace(t, diverged=(True, False)) for t in CONCAT.published))
    assert "the published run diverged too" in divergence_note(diverged, r)
    assert divergence_flag(CONCAT, r) == ""                # seeds left out: the verdict rests on an interval
    unknown = replace(CONCAT, published=tuple(replace(t, diverged=()) for t in CONCAT.published))
    assert "do not record whether" in divergence_note(unknown, r)
    fine = evaluate(CONCAT, [seeds(0.1, 0.12, 0.11), seeds(0.9, 0.91, 0.92)], "corrected")
    assert fine.verdict == SUPPORTED and divergence_note(CONCAT, fine) == ""
    assert evaluate(CONCAT, [seeds(0.95, 0.96, 0.97), seeds(0.9, 0.91, 0.92)], "x").verdict == CONTRADICTED


def test_a_verdict_with_no_completed_trial_is_not_said_to_be_early_in_training():
    nothing = compare(Scale((), 1000), published_scale(PAIRED))
    assert nothing.match == FAR and nothing.note.startswith("Not measured: no completed trial")
    assert "early in training" not in nothing.note and "epoch 800" in nothing.note


def test_the_holm_sentence_reads_as_one_sentence():
    from workbench.claims.family_wise import why
    sentence = why(7)
    assert sentence.startswith("This report reads 7 intervals together; even if no claim held, about one in twenty")
    assert sentence.count(".") == 1 and sentence.endswith("at 5%.")


def test_a_spread_verdict_speaks_of_the_scale_it_measured_not_of_the_published_run():
    """The published gap was measured at epoch 800: a spread seen after a few epochs says what is ordinary at
    that scale, never that the published gap itself 'is' seed noise."""
    wide = evaluate(SPREAD, [seeds(0.50, 0.80, 0.65, 0.95, 0.40)], "as-published")
    assert wide.verdict == SUPPORTED
    assert "at the scale measured here" in wide.explanation and "ordinary seed noise at that scale" in wide.explanation
    assert "gap of 12.5 points is ordinary" not in wide.explanation
    narrow = evaluate(SPREAD, [seeds(0.900, 0.901, 0.899, 0.900, 0.902)], "corrected")
    assert narrow.verdict == CONTRADICTED and "at the scale measured here" in narrow.explanation
