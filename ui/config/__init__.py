"""The panels that configure a run: data, cases, architecture gallery and diagram, run settings."""
