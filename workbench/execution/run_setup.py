"""What every run folder records before its first step, whoever opens it (a run, or one trial of a study).

`run_experiment` and the study driver both open run folders through the trial
recorder (trial_recorder.py), which records this first, so the two record the
same things the same way: the data (its summary, each file's checksum and the
sha256 of the arrays trained on) and the notes on the quirk set and on cases
that cannot differ from case 0.
"""
from __future__ import annotations

from engine.cases import inert_connections

from workbench.core.config import ExperimentConfig
from workbench.records import environment as env
from workbench.records.run_folder import RunFolder


def case_notes(config: ExperimentConfig) -> list[str]:
    """Plain statements about cases that cannot differ from case 0 for this architecture and mode."""
    from engine import catalog
    desc = catalog.describe(config.arch)
    dead = desc.dead_targets(config.train.quirks)
    notes = []
    for case in config.case_objects():
        inert = inert_connections(case, desc.head_timesteps, dead)
        if inert and len(inert) == len(case.connections):
            notes.append(f"case {case.key} ({case.name}): no connection has any effect here "
                         f"({'; '.join(reason for _, reason in inert)}), so it trains exactly like case 0")
        for conn, reason in inert if len(inert) < len(case.connections) else ():
            notes.append(f"case {case.key}: {conn.label()} has no effect ({reason})")
    return notes


def quirk_note(config: ExperimentConfig) -> str:
    """The quirk set in words, and which of its quirks change nothing for this architecture."""
    from engine import quirks as Q
    text = "semantics: " + Q.describe_set(config.train.quirks)
    idle = [n for n in config.train.quirks if not Q.QUIRKS[n].concerns(config.arch)]
    if idle:
        text += f" ({', '.join(idle)} do{'es' if len(idle) == 1 else ''} not concern {config.arch})"
    return text


def data_record(dataset) -> dict:
    """The manifest's "data": the dataset's summary, its files with their checksums, the arrays' sha256."""
    from workbench.execution.backends.trial_runner import dataset_checksum
    summary = dataset.summary()
    return {**summary, "files": env.file_checksums(summary.get("files", ())), "sha256": dataset_checksum(dataset)}


def record_setup(folder: RunFolder, config: ExperimentConfig, data: dict) -> None:
    """The data trained on and the notes every run folder carries, before training starts."""
    folder.set_data(data)
    folder.add_notes([quirk_note(config)] + case_notes(config))

