"""Statistics: the t and chi-square quantiles and the paired comparison of cases."""
