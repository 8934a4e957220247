"""Running trials: the single-run runner, the engine process, the study driver and its backends."""
