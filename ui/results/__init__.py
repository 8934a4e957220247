"""The results table and the list of recorded runs."""
