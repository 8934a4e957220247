"""The plots panel and gradient-flow view, thin Qt views over the Qt-free model in plots.model."""
