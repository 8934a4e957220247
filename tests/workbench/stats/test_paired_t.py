"""The one paired t interval: a difference that is constant up to float rounding gets no verdict,
from the comparison table and from the claims alike."""
import math
import statistics

import pytest

from workbench.claims.claim_set import load_claims
from workbench.claims.verdicts import NOT_TESTABLE, SUPPORTED, evaluate
from workbench.records.metrics import MetricRow
from workbench.stats.comparison import BETTER, CONSTANT, compare
from workbench.stats.paired_t import paired_t_interval, sample_sd

PAIRED_CLAIM = {c.id: c for c in load_claims().claims}["A-dense2-beats-autodiff"]   # case 5 > case 1


def _rows(reference, case):
    return [MetricRow(t, c, 0, "test", 1.0, v, 0.0)
            for t, (r, x) in enumerate(zip(reference, case)) for c, v in (("1", r), ("5", x))]


@pytest.mark.parametrize("reference, case", [
    ((0.0, 0.0, 0.0), (0.1, 0.1, 0.1)),          # three equal differences of 0.1: the mean is not 0.1
    ((0.2, 0.3, 0.6), (0.3, 0.4, 0.7)),          # the same 0.1 computed from other floats (last bits differ)
])
def test_a_difference_constant_up_to_rounding_gets_no_verdict_from_either(reference, case):
    row = {c.case: c for c in compare(_rows(reference, case), reference="1")}["5"]
    assert row.verdict == CONSTANT
    assert row.ci_low == row.ci_high == row.diff
    result = evaluate(PAIRED_CLAIM, [dict(enumerate(case)), dict(enumerate(reference))], "corrected")
    assert result.verdict == NOT_TESTABLE and "every one of 3 seeds" in result.explanation


def test_a_real_spread_still_gets_the_textbook_interval_and_verdict():
    reference, case = (0.80, 0.85, 0.90, 0.82), (0.83, 0.87, 0.935, 0.84)
    diffs = [c - r for c, r in zip(case, reference)]
    interval = paired_t_interval(list(zip(case, reference)))
    assert interval.sd == pytest.approx(statistics.stdev(diffs), rel=1e-12)
    half = 3.182446305284263 * statistics.stdev(diffs) / math.sqrt(4)      # t(0.975, 3), printed tables
    assert (interval.low, interval.high) == pytest.approx((statistics.mean(diffs) - half,
                                                           statistics.mean(diffs) + half), rel=1e-9)
    row = {c.case: c for c in compare(_rows(reference, case), reference="1")}["5"]
    assert row.verdict == BETTER and (row.ci_low, row.ci_high) == pytest.approx((interval.low, interval.high))
    result = evaluate(PAIRED_CLAIM, [dict(enumerate(case)), dict(enumerate(reference))], "corrected")
    assert result.verdict == SUPPORTED
    assert (result.ci_low, result.ci_high) == pytest.approx((interval.low, interval.high))


def test_sample_sd_is_zero_only_within_rounding():
    assert sample_sd([0.1, 0.1, 0.1]) == 0.0
    assert sample_sd([0.1, 0.1 + 1e-9, 0.1]) > 0.0
    assert math.isnan(sample_sd([0.1]))
