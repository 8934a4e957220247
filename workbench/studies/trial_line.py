"""One trial's change of state in words ('trial-3 (post-a seed 2) completed, best test acc 0.912 (case 5)'),
the same on the command line and in the claims dialog."""
from __future__ import annotations


def trial_groups(state: dict) -> dict[int, str]:
    """trial index -> 'group seed N', from a study's study.json state."""
    return {e["index"]: f"{e['group']} seed {e['seed']}" for e in state["trials"]}


def trial_line(k: int, entry: dict, group: str = "") -> str:
    what = f"trial-{k} ({group})"
    status = entry["status"]
    if status == "running":
        return f"{what} running on {entry.get('node')} ({entry.get('worker')}), attempt {entry['attempts']}"
    if status == "completed":
        finals = {c: m["test_accuracy"] for c, m in entry.get("final", {}).items()
                  if m.get("test_accuracy") is not None}
        best = max(finals.items(), key=lambda kv: kv[1]) if finals else None
        return f"{what} completed" + (f", best test acc {best[1]:.3f} (case {best[0]})" if best else "")
    return f"{what} {status}" + (f": {entry['error']}" if entry.get("error") else "")
