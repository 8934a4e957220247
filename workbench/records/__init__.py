"""The run folder and everything written in it or read back from it: lock, status, index, metrics, logs, exports."""
