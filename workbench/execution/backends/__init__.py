"""Backends that run a study's trials: in this process, in worker processes, or on a Ray cluster.

All three speak one protocol (`protocol.py`): the driver submits trials and
receives `TrialEvent`s; only the driver writes files.
"""
