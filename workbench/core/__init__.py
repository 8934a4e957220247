"""Configuration, paths, the version string and verbosity: what every other room reads."""
