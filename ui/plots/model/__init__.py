"""Qt-free plot model: curves, bands, coincidence, ranges and hover text, tested without widgets."""
