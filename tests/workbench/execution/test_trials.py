"""Three seeds x three cases on the offline sample: the band and the comparison table's
arithmetic, recomputed here independently with the statistics module."""
import math
import statistics

import pytest

from workbench.records import metrics as M
from workbench.cli.main import main
from workbench.stats.comparison import band, compare, summarize
from workbench.core.config import DataSpec, load_preset
from workbench.execution.runner import run_experiment

T_975 = {2: 4.302652729911275, 3: 3.182446305284263, 4: 2.7764451051977987}   # published table values


@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    out = tmp_path_factory.mktemp("trials")
    config = load_preset("quick").with_(cases=("0", "1", "3"), trials=3, data=DataSpec("sample", 100, 60))
    outcome = run_experiment(config.with_train(epochs=2, batch_size=25, learning_rate=0.003), out)
    assert outcome.status == "completed" and [r.seed for r in outcome.results] == [0, 1, 2]
    return M.read_metrics(out / "metrics.csv"), out


def test_band_is_min_max_and_sd_over_trials(rows):
    rows, _ = rows
    for kind in ("minmax", "sd"):
        epochs, mean, low, high = band(rows, "3", "accuracy", "test", kind)
        assert list(epochs) == [0, 1]
        for i, epoch in enumerate(epochs):
            values = [r.accuracy for r in rows if (r.case, r.split, r.epoch) == ("3", "test", epoch)]
            assert len(values) == 3
            assert mean[i] == pytest.approx(statistics.fmean(values))
            if kind == "minmax":
                assert (low[i], high[i]) == (min(values), max(values))
            else:
                sd = statistics.stdev(values)
                assert (low[i], high[i]) == pytest.approx((statistics.fmean(values) - sd, statistics.fmean(values) + sd))


def _finals(rows):
    return {c: [r.accuracy for r in sorted(rows, key=lambda r: r.trial)
                if (r.case, r.split, r.epoch) == (c, "test", 1)] for c in "013"}


def test_summaries_against_the_statistics_module(rows):
    rows, _ = rows
    final = _finals(rows)
    summaries = {s.case: s for s in summarize(rows)}
    for c in "013":
        assert summaries[c].n == 3 and summaries[c].mean == pytest.approx(statistics.fmean(final[c]))
        assert summaries[c].sd == pytest.approx(statistics.stdev(final[c]))


def test_paired_comparison_against_an_independent_computation(rows):
    """Trials pair up (same seed, data and start for every case): t(0.975, n-1=2) on the differences."""
    rows, _ = rows
    final = _finals(rows)
    for comp in compare(rows, reference="1"):
        d = [a - b for a, b in zip(final[comp.case], final["1"])]
        mean, sd = statistics.fmean(d), statistics.stdev(d)
        half = T_975[2] * sd / math.sqrt(3)
        assert comp.method == "paired"
        assert comp.diff == pytest.approx(mean, abs=1e-15)
        assert (comp.ci_low, comp.ci_high) == pytest.approx((mean - half, mean + half), rel=1e-9)  # t by bisection
        if sd == 0 and mean == 0:
            assert comp.verdict == "identical in every trial"
        else:
            expected = "better" if comp.ci_low > 0 else "worse" if comp.ci_high < 0 else "within seed noise"
            assert comp.verdict == expected
    # Corrected-mode case 0 (hand-written BPTT) and case 1 (GradientTape) are the same maths.
    assert {c.case: c for c in compare(rows, reference="1")}["0"].verdict == "identical in every trial"


def test_welch_comparison_against_an_independent_interval(rows):
    rows, _ = rows
    final = _finals(rows)
    for comp in compare(rows, reference="1", method="welch"):
        a, b = final[comp.case], final["1"]
        diff = statistics.fmean(a) - statistics.fmean(b)
        va, vb = statistics.variance(a) / 3, statistics.variance(b) / 3
        assert comp.diff == pytest.approx(diff)
        if va + vb == 0:
            assert comp.ci_low == comp.ci_high == pytest.approx(diff)
            continue
        df = (va + vb) ** 2 / (va ** 2 / 2 + vb ** 2 / 2)
        # Welch df lies between 2 and 4 here: the half-width is bracketed by t(0.975, 4) and t(0.975, 2).
        assert 2 - 1e-9 <= df <= 4 + 1e-9
        half = (comp.ci_high - comp.ci_low) / 2
        assert T_975[4] * math.sqrt(va + vb) - 1e-12 <= half <= T_975[2] * math.sqrt(va + vb) + 1e-12
        assert (comp.ci_low + comp.ci_high) / 2 == pytest.approx(diff)


def test_compare_command_prints_the_table(rows, capsys):
    _, out = rows
    assert main(["compare", str(out), "--reference", "1"]) == 0
    text = capsys.readouterr().out
    assert "case 3" in text and "vs case 1" in text and "95% CI" in text
    assert main(["compare", str(out), "--reference", "9"]) == 2
