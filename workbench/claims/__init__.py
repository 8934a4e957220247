"""The published claims, the study that tests them, the verdicts and the report."""
