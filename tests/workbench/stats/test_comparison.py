"""Multi-seed statistics, checked against plain-Python arithmetic and published t-table values."""
import math
import statistics

import numpy as np
import pytest

from tests.workbench.stats.test_distributions import T_TABLE   # printed t-table values
from workbench.stats.comparison import band, compare, final_epochs, final_values, summarize
from workbench.records.metrics import MetricRow


def rows_for(finals, *, early=0.5):
    """case -> per-trial final test accuracy; each trial also gets an earlier epoch with junk values."""
    rows = []
    for case, values in finals.items():
        for trial, value in enumerate(values):
            for split in ("train", "test"):
                rows.append(MetricRow(trial, case, 0, split, 9.0, early, 0.0))
                rows.append(MetricRow(trial, case, 10, split, 1.0 - value, value if split == "test" else 0.99, 1.0))
    return rows


FINALS = {
    "1": [0.90, 0.91, 0.92],      # reference
    "5": [0.95, 0.96, 0.97],      # clearly better, same spread -> Welch df = 4
    "0": [0.80, 0.81, 0.82],      # clearly worse
    "3": [0.905, 0.915, 0.925],   # overlapping
    "2": [0.88, 0.93, 0.95],      # unequal spread -> fractional df
}


def welch_by_hand(a, b):
    """Plain-Python Welch interval for mean(a) - mean(b)."""
    va, vb = statistics.variance(a) / len(a), statistics.variance(b) / len(b)
    df = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    diff = statistics.mean(a) - statistics.mean(b)
    se = math.sqrt(va + vb)
    return diff, df, se


def test_summaries_against_statistics_module():
    summaries = {s.case: s for s in summarize(rows_for(FINALS))}
    assert list(summaries) == list(FINALS)
    for case, values in FINALS.items():
        s = summaries[case]
        assert s.n == 3 and s.n_diverged == 0 and s.values == values
        assert s.mean == pytest.approx(statistics.mean(values), abs=1e-15)
        assert s.sd == pytest.approx(statistics.stdev(values), abs=1e-15)


def test_compare_against_hand_computed_welch():
    result = {c.case: c for c in compare(rows_for(FINALS), reference="1", method="welch")}
    assert set(result) == {"5", "0", "3", "2"}
    ref = FINALS["1"]
    for case in ("5", "0", "3"):
        diff, df, se = welch_by_hand(FINALS[case], ref)
        assert df == pytest.approx(4.0, abs=1e-9)       # equal spreads, n = 3 each
        half = T_TABLE[(0.975, 4)] * se
        c = result[case]
        assert c.reference == "1"
        assert c.diff == pytest.approx(diff, abs=1e-12)
        assert c.ci_low == pytest.approx(diff - half, abs=1e-6 * se + 1e-12)
        assert c.ci_high == pytest.approx(diff + half, abs=1e-6 * se + 1e-12)
    assert result["5"].verdict == "better"
    assert result["0"].verdict == "worse"
    assert result["3"].verdict == "within seed noise"
    # Fractional df: the half-width sits between the table values of its integer neighbours.
    diff, df, se = welch_by_hand(FINALS["2"], ref)
    c = result["2"]
    assert 2 < df < 3
    assert T_TABLE[(0.975, 3)] * se < c.ci_high - diff < T_TABLE[(0.975, 2)] * se
    assert c.ci_high - diff == pytest.approx(diff - c.ci_low, abs=1e-12)
    assert c.verdict == "within seed noise"
    # A wider confidence level widens the interval.
    c99 = {c.case: c for c in compare(rows_for(FINALS), reference="1", confidence=0.99, method="welch")}["5"]
    assert c99.ci_low < result["5"].ci_low and c99.ci_high > result["5"].ci_high


def test_final_value_is_each_trials_last_epoch():
    rows = rows_for({"1": [0.9, 0.91, 0.92]})
    # Trial 2 was cut off: its test rows stop at epoch 0.
    rows = [r for r in rows if not (r.trial == 2 and r.epoch == 10)]
    assert final_values(rows) == {"1": [0.9, 0.91, 0.5]}
    assert final_epochs(rows) == {"1": [10, 10, 0]}
    assert final_values(rows, metric="cost", split="train") == {"1": [1.0 - 0.9, 1.0 - 0.91, 9.0]}
    with pytest.raises(ValueError):
        final_values(rows, metric="loss")


def test_diverged_trials_are_excluded_and_counted():
    finals = {"1": [0.90, 0.91, 0.92], "4": [math.nan, 0.95, 0.97], "6": [math.nan, math.nan, 0.99],
              "7": [math.nan, math.nan, math.nan]}
    summaries = {s.case: s for s in summarize(rows_for(finals))}
    s4 = summaries["4"]
    assert (s4.n, s4.n_diverged, s4.values) == (2, 1, [0.95, 0.97])
    assert s4.mean == pytest.approx(0.96) and s4.sd == pytest.approx(statistics.stdev([0.95, 0.97]))
    s6 = summaries["6"]
    assert (s6.n, s6.n_diverged, s6.mean) == (1, 2, 0.99) and math.isnan(s6.sd)
    s7 = summaries["7"]
    assert (s7.n, s7.n_diverged) == (0, 3) and math.isnan(s7.mean)
    result = {c.case: c for c in compare(rows_for(finals), reference="1", method="welch")}
    diff, df, se = welch_by_hand([0.95, 0.97], finals["1"])
    c4 = result["4"]
    assert c4.diff == pytest.approx(diff, abs=1e-12) and 1 < df < 2
    # Two surviving trials leave a wide interval (t between the df 1 and df 2 table values).
    assert T_TABLE[(0.975, 2)] * se < c4.ci_high - diff < T_TABLE[(0.975, 1)] * se
    assert c4.verdict == "within seed noise"
    assert result["6"].verdict == "not enough trials"
    assert result["6"].diff == pytest.approx(0.99 - 0.91)
    assert math.isnan(result["6"].ci_low) and math.isnan(result["6"].ci_high)
    assert result["7"].verdict == "not enough trials" and math.isnan(result["7"].diff)
    # A single-trial reference is not enough either.
    one = {c.case: c for c in compare(rows_for({"1": [0.9], "5": [0.95, 0.96, 0.97]}))}
    assert one["5"].verdict == "not enough trials"
    with pytest.raises(ValueError, match="reference case '9'"):
        compare(rows_for(FINALS), reference="9")


def test_identical_trials_give_a_point_interval_and_no_verdict():
    # A zero-width interval measures no seed noise: not "better".
    from workbench.stats.comparison import CONSTANT
    result = compare(rows_for({"1": [0.9, 0.9, 0.9], "5": [0.95, 0.95]}))[0]
    assert result.ci_low == result.ci_high == pytest.approx(0.05) and result.verdict == CONSTANT


def test_band_minmax_and_sd():
    rows = []
    values = {0: [0.1, 0.2, 0.6], 1: [0.5, 0.7, math.nan], 2: [0.8]}   # trial 1 and 2 stop early
    for epoch, per_trial in values.items():
        for trial, v in enumerate(per_trial):
            rows.append(MetricRow(trial, "5", epoch, "test", 1.0, v, 0.0))
    rows.append(MetricRow(0, "5", 0, "train", 1.0, 0.99, 0.0))      # other split: ignored
    rows.append(MetricRow(0, "6", 0, "test", 1.0, 0.01, 0.0))       # other case: ignored
    epochs, mean, low, high = band(rows, "5", "accuracy", "test", kind="minmax")
    assert epochs.tolist() == [0, 1, 2]
    np.testing.assert_allclose(mean, [0.3, 0.6, 0.8])
    np.testing.assert_allclose(low, [0.1, 0.5, 0.8])
    np.testing.assert_allclose(high, [0.6, 0.7, 0.8])
    epochs, mean, low, high = band(rows, "5", "accuracy", "test", kind="sd")
    sd0, sd1 = statistics.stdev([0.1, 0.2, 0.6]), statistics.stdev([0.5, 0.7])
    np.testing.assert_allclose(low, [0.3 - sd0, 0.6 - sd1, 0.8])
    np.testing.assert_allclose(high, [0.3 + sd0, 0.6 + sd1, 0.8])
    with pytest.raises(ValueError):
        band(rows, "5", "accuracy", "test", kind="iqr")


def test_paired_interval_uses_per_trial_differences():
    import statistics
    finals = {"1": [0.90, 0.80, 0.85], "5": [0.92, 0.825, 0.865], "0": [0.90, 0.80, 0.85]}
    result = {c.case: c for c in compare(rows_for(finals), reference="1")}
    d = [a - b for a, b in zip(finals["5"], finals["1"])]
    half = 4.302652729911275 * statistics.stdev(d) / 3 ** 0.5          # t(0.975, 2), published table
    c = result["5"]
    assert c.method == "paired" and c.diff == pytest.approx(statistics.fmean(d))
    assert (c.ci_low, c.ci_high) == pytest.approx((statistics.fmean(d) - half, statistics.fmean(d) + half))
    assert c.verdict == "better"                 # +0.02 ± 0.012: consistent across the paired trials
    assert result["0"].verdict == "identical in every trial" and result["0"].ci_low == result["0"].ci_high == 0
    # Unpaired, the same numbers are within seed noise: the pairing is what makes the difference visible.
    welch = {c.case: c for c in compare(rows_for(finals), reference="1", method="welch")}
    assert welch["5"].verdict == "within seed noise" and welch["5"].method == "welch"


def test_a_constant_difference_in_every_trial_is_not_called_better_or_worse():
    """A zero-width interval measures no seed noise: neither paired nor Welch says better/worse."""
    from workbench.stats.comparison import CONSTANT
    rows = []
    for trial, ref in enumerate((0.75, 0.875, 0.5)):
        for case, value in (("1", ref), ("5", ref + 0.0625)):      # exactly +0.0625 in every trial
            rows.append(MetricRow(trial, case, 0, "test", 1.0, value, 0.0))
    paired = {c.case: c for c in compare(rows, reference="1")}["5"]
    assert paired.verdict == CONSTANT and paired.diff == 0.0625
    flat = [MetricRow(t, c, 0, "test", 1.0, 0.5 if c == "1" else 0.625, 0.0) for t in range(3) for c in ("1", "5")]
    welch = {c.case: c for c in compare(flat, reference="1", method="welch")}["5"]
    assert welch.verdict == CONSTANT
