"""The window's Qt-core bridge to runs and studies, and its saved settings (never QtWidgets)."""
