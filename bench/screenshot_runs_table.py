"""Screenshots of the Runs tab and a study's result (README "The workbench window"), without training.

The runs home is written as the workbench leaves it by the tests' record stand-ins (two single runs of
different learning rates and semantics, a learning-rate study over three seeds, a damaged copy), so the
pictures show real rows read through workbench/records and the study's real pooled statistics.

    python bench/screenshot_runs_table.py [--size 1366x768] [--out docs/screenshots]

Run it under a display (Xvfb works) or with QT_QPA_PLATFORM=offscreen.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from bench.screenshots import Shots  # noqa: E402


def write_home(home: Path) -> Path:
    from tests.ui.results.record_doubles import tiny, write_run, write_study
    from workbench.records.run_notes import update_notes
    from workbench.studies.spec import StudySpec
    write_run(home / "post-a-lr0.001", tiny(learning_rate=0.001), {"0": [0.80, 0.82], "1": [0.70, 0.72]},
              started="2026-11-01T10:00:00+00:00")
    write_run(home / "post-a-lr0.007-published", tiny(learning_rate=0.007, semantics="as-published", epochs=3,
              batch_size=100), {"0": [0.60], "1": [0.91]}, started="2026-11-03T10:00:00+00:00")
    acc = {("0", 0): 0.80, ("0", 1): 0.84, ("0", 2): 0.83, ("1", 0): 0.85, ("1", 1): 0.86, ("1", 2): 0.90}
    study = write_study(home / "post-a-lr-sweep-study",
                        StudySpec.from_config(tiny(), (0, 1, 2), learning_rates=(0.001, 0.007)),
                        lambda g, c, s: acc[c, s] + (0.02 + 0.01 * (s % 2) if "0.007" in g else 0.0),
                        created="2026-11-02T10:00:00+00:00")
    (home / "copied-broken").mkdir()
    (home / "copied-broken" / "manifest.json").write_text("{not json")
    update_notes(home / "post-a-lr0.001", display_name="baseline lr 0.001", tags="paper, keep",
                 note="the run of Fig. 2")
    return study


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    p.add_argument("--size", default="1366x768")
    a = p.parse_args()
    shots = Shots(a.out, prefix="rcnn-runs-table-")
    study = write_home(Path(os.environ["RCNN_WORKBENCH_RUNS"]))
    window = shots.window(a.size)
    width = int(a.size.split("x")[0])
    window.top_split.setSizes([int(0.62 * width), width - int(0.62 * width)])    # the table, dragged wider
    window.run_list.refresh()
    window.config_tabs.setCurrentWidget(window.run_list_tab)
    window.run_list.select(study)
    shots.settle()
    shots.save(window, "runs-table")
    window.set_pane_widths(width)
    window.show_study_result(study)
    window.study_result.show_result(study, "1", "post-a lr=0.001")     # lr 0.007 against lr 0.001
    shots.settle()
    shots.save(window, "study-result")
    window.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
