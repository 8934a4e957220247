"""Studies as data: the grid a study runs, and the comparison of a finished study."""
