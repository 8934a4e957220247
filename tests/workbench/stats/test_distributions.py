"""The shared CDF inversion and the t / chi-square quantiles, against printed tables and closed forms."""
import math

import pytest

from workbench.stats import comparison

from workbench.stats import distributions

from workbench.claims import verdicts
from workbench.stats.distributions import chi2_cdf, chi2_quantile, invert_cdf, t_cdf, t_quantile


def test_invert_cdf_recovers_a_closed_form_quantile():
    # Exponential(1): F(x) = 1 - exp(-x), quantile -log(1 - p); first upper ends below and above the answer.
    def cdf(x):
        return -math.expm1(-x)

    for p in (1e-6, 0.1, 0.5, 0.9, 0.999):   # away from 1, where F itself loses digits
        for hi in (0.25, 1.0, 1e3):
            assert invert_cdf(cdf, p, 0.0, hi) == pytest.approx(-math.log1p(-p), rel=1e-12)


def test_invert_cdf_says_inf_when_no_finite_x_reaches_p_and_refuses_a_useless_upper_end():
    assert invert_cdf(lambda x: 0.5, 0.9, 0.0, 1.0) == math.inf
    with pytest.raises(ValueError):
        invert_cdf(lambda x: x, 0.5, 0.0, 0.0)


def test_comparison_and_verdicts_use_the_one_shared_implementation():
    assert comparison.t_quantile is distributions.t_quantile
    assert verdicts.t_quantile is distributions.t_quantile
    assert verdicts.chi2_quantile is distributions.chi2_quantile


@pytest.mark.parametrize("quantile,p,df,printed", [(t_quantile, 0.975, 4, 2.776), (t_quantile, 0.95, 10, 1.812),
                                                   (chi2_quantile, 0.95, 1, 3.841), (chi2_quantile, 0.05, 10, 3.940)])
def test_quantiles_match_printed_tables_to_three_decimals(quantile, p, df, printed):
    assert round(quantile(p, df), 3) == printed


# Two-sided 95% critical values t(0.975, df) and a few others, from the standard printed table.
T_TABLE = {(0.975, 1): 12.706205, (0.975, 2): 4.302653, (0.975, 3): 3.182446, (0.975, 4): 2.776445,
           (0.975, 5): 2.570582, (0.975, 10): 2.228139, (0.975, 30): 2.042272, (0.95, 20): 1.724718,
           (0.995, 30): 2.749996, (0.9995, 3): 12.923979, (0.9, 7): 1.414924}


@pytest.mark.parametrize("p,df", sorted(T_TABLE))
def test_t_quantile_matches_table(p, df):
    assert t_quantile(p, df) == pytest.approx(T_TABLE[(p, df)], abs=1e-6)
    assert t_quantile(1 - p, df) == pytest.approx(-T_TABLE[(p, df)], abs=1e-6)


def test_t_quantile_against_closed_forms_and_limits():
    # Closed-form CDFs for df = 3 and 4 check the bisection path independently.
    def cdf3(t):
        return 0.5 + (t / (math.sqrt(3) * (1 + t * t / 3)) + math.atan(t / math.sqrt(3))) / math.pi

    def cdf4(t):
        return 0.5 + 0.375 * (t / math.sqrt(1 + t * t / 4)) * (1 - t * t / (12 * (1 + t * t / 4)))

    for p in (0.6, 0.8, 0.9, 0.975, 0.999):
        assert cdf3(t_quantile(p, 3)) == pytest.approx(p, abs=1e-12)
        assert cdf4(t_quantile(p, 4)) == pytest.approx(p, abs=1e-12)
        assert t_cdf(t_quantile(p, 7.3), 7.3) == pytest.approx(p, abs=1e-12)
    assert t_quantile(0.5, 3) == 0.0
    assert t_quantile(0.975, math.inf) == pytest.approx(1.959964, abs=1e-6)
    assert t_quantile(0.975, 1e6) == pytest.approx(1.959966, abs=1e-6)
    # Fractional df (Welch) falls between its integer neighbours.
    assert T_TABLE[(0.975, 5)] < t_quantile(0.975, 4.5) < T_TABLE[(0.975, 4)]
    with pytest.raises(ValueError):
        t_quantile(1.0, 3)


@pytest.mark.parametrize("df,p,expected", [(1, 0.95, 3.841458820694124), (4, 0.025, 0.4844185570879305),
                                           (4, 0.975, 11.143286781877796), (9, 0.5, 8.342832692252941),
                                           (30, 0.99, 50.89218131151707)])
def test_chi2_quantile_matches_tables(df, p, expected):
    assert chi2_quantile(p, df) == pytest.approx(expected, rel=1e-9)
    assert chi2_cdf(expected, df) == pytest.approx(p, rel=1e-9)
