"""A study's pooled result without a widget: the same numbers as the command line's compare, per seed too."""
from __future__ import annotations

import math

import pytest

from tests.ui.results.record_doubles import tiny, write_study
from workbench.stats.distributions import t_quantile
from workbench.studies.compare import study_comparison_text
from workbench.studies.spec import StudySpec
from ui.studies.model.study_result import read_study_result

ACC = {("0", 0): 0.80, ("0", 1): 0.84, ("0", 2): 0.83, ("1", 0): 0.85, ("1", 1): 0.86, ("1", 2): 0.90}


def accuracy(group, case, seed):
    return ACC[case, seed] + (0.02 if "0.007" in group else 0.0)


@pytest.fixture
def study(tmp_path):
    spec = StudySpec.from_config(tiny(), (0, 1, 2), learning_rates=(0.001, 0.007))
    return write_study(tmp_path / "sweep-study", spec, accuracy, pending=(5,))


def test_each_configuration_and_case_gets_its_mean_interval_and_seeds(study):
    result = read_study_result(study, reference="0")
    assert result.groups == ("post-a lr=0.001", "post-a lr=0.007")
    assert result.seeds == {"post-a lr=0.001": (0, 1, 2), "post-a lr=0.007": (0, 1)}
    one = result.of("post-a lr=0.001", "1")
    values = [0.85, 0.86, 0.90]
    mean = sum(values) / 3
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / 2)
    half = t_quantile(0.975, 2) * sd / math.sqrt(3)
    assert one.n == 3 and math.isclose(one.mean, mean)
    assert math.isclose(one.low, mean - half) and math.isclose(one.high, mean + half)
    assert one.per_seed == pytest.approx({0: 0.85, 1: 0.86, 2: 0.90})
    assert result.of("post-a lr=0.007", "1").per_seed == pytest.approx({0: 0.87, 1: 0.88})
    assert result.of("post-a lr=0.001", "0").versus is None                    # the reference itself


def test_the_differences_are_the_command_lines_compare_to_the_digit(study):
    result = read_study_result(study, reference="0")
    text = study_comparison_text(study, reference="0")
    versus = result.of("post-a lr=0.001", "1").versus
    assert versus.method == "paired"
    assert f"{versus.diff:+.4f}, 95% CI [{versus.ci_low:+.4f}, {versus.ci_high:+.4f}] (paired): {versus.verdict}" in text
    assert any("trial-5" in n and "pending" in n for n in result.notes)


def test_a_study_with_no_completed_trial_is_one_line(tmp_path):
    spec = StudySpec.from_config(tiny(), (0,))
    folder = write_study(tmp_path / "s", spec, accuracy, pending=(0,), status="running")
    with pytest.raises(ValueError, match="no completed trial"):
        read_study_result(folder)


def test_the_strip_plot_puts_a_configurations_cases_side_by_side(study):
    result = read_study_result(study, reference="0")
    strip = result.strip()
    assert [(x, label) for x, label, _ in strip] == [(0.0, "case 0\npost-a lr=0.001"), (1.0, "case 1\npost-a lr=0.001"),
                                                     (2.5, "case 0\npost-a lr=0.007"), (3.5, "case 1\npost-a lr=0.007")]
    assert strip[3][2] is result.of("post-a lr=0.007", "1")


def test_a_reference_in_one_configuration_compares_the_other_configuration_paired_by_seed(tmp_path):
    spec = StudySpec.from_config(tiny(), (0, 1, 2), learning_rates=(0.001, 0.007))
    study = write_study(tmp_path / "lr-study", spec, accuracy)
    result = read_study_result(study, reference="1", reference_group="post-a lr=0.001")
    faster = result.of("post-a lr=0.007", "1").versus
    assert faster.method == "paired" and math.isclose(faster.diff, 0.02)         # +0.02 on every seed
    assert faster.verdict.startswith("same difference in every trial")            # no seed noise to judge
    assert result.of("post-a lr=0.001", "1").versus is None                       # the reference itself
    text = study_comparison_text(study, reference="1")
    assert "across configurations" in text and f"{faster.diff:+.4f}" in text
