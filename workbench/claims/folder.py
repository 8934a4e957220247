"""A claims folder from start to report, one sequence for the command line and the window.

``create_claims_folder`` makes the new folder and records what was asked;
the study itself runs in ``DIR/study`` through the study driver (the CLI calls
it directly, the window through its StudyController); ``write_claims_report``
then writes the report from the trial folders, however the study ended.
``read_claims_request`` reads a folder's request back to continue it.
"""
from __future__ import annotations

import json
from pathlib import Path

from workbench.claims.claim_set import ClaimSet
from workbench.claims.report import write_report
from workbench.claims.study import REQUEST_FILE, STUDY_DIR, ClaimsRequest
from workbench.core.config import ConfigError


def create_claims_folder(out: Path, request: ClaimsRequest) -> None:
    """The claims folder is new (never written into an existing record) and records what was asked."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        out.mkdir()
    except FileExistsError:
        if not out.is_dir() or any(out.iterdir()):
            raise ConfigError(f"{out} already exists and is not empty; choose a new --out, or finish it with "
                              f"`claims --resume {out}`") from None
    except OSError as exc:
        raise ConfigError(f"{out}: cannot create ({exc.strerror})") from None
    data = {**request.to_dict(), "command": request.command(out)}
    from workbench.core.atomic_write import atomic_write
    atomic_write(out / REQUEST_FILE, json.dumps(data, indent=2) + "\n", replace=False)


def read_claims_request(out: Path) -> ClaimsRequest:
    """The request recorded in a claims folder, or one ConfigError line saying why there is none."""
    from workbench.core.json_reader import RecordFileError, read_json
    out = Path(out)
    try:
        return ClaimsRequest.from_dict(read_json(out / REQUEST_FILE, what="claims request"))
    except OSError as exc:
        raise ConfigError(f"{exc}; is {out} a claims folder?") from None
    except RecordFileError as exc:
        raise ConfigError(str(exc)) from None
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ConfigError(f"{out / REQUEST_FILE}: not a claims request ({exc})") from None


def write_claims_report(out: Path, claims: ClaimSet, request: ClaimsRequest) -> dict:
    """report.html, claims.json and claims.csv from the study's trial folders (finished or not)."""
    from workbench.studies.study_file import read_study
    try:
        state = read_study(Path(out) / STUDY_DIR)
    except ConfigError:
        state = None
    return write_report(Path(out), claims, request, state)
