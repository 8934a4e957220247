"""The claims report: DIR/report.html (self-contained), DIR/claims.json and DIR/claims.csv.

Every number comes from the study's trial run folders (their metrics.csv and
manifest.json) and from the published figures in resources/claims.json. This
file computes the one structure behind all three views (and the terminal's
verdict table) and writes the JSON and the CSV; report_html.py renders the
same structure as HTML, so the three files cannot disagree.
"""
from __future__ import annotations

import csv
import io
import json
import math
import platform
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from workbench.core.atomic_write import atomic_write
from workbench.claims.claim_set import Claim, ClaimSet, scale_info
from workbench.claims.study import STUDY_DIR, ArmValues, ClaimsRequest, Trial, arm_values, read_trials
from workbench.claims.divergence_note import divergence_flag, divergence_note
from workbench.claims.family_wise import METHOD as FAMILY_METHOD, adjust, why as family_why
from workbench.claims.report_html import render_html
from workbench.claims.scale_match import Scale, compare as compare_scale, place_published, published_scale
from workbench.claims.verdict_words import estimate_words, flags, published_summary
from workbench.claims.verdicts import ClaimResult, evaluate

REPORT_VERSION = 2


# ------------------------------------------------------------------ computing
def compute(claims: ClaimSet, request: ClaimsRequest, trials: list[Trial]) -> list[dict]:
    """Per claim: the claim, and per semantics its verdict with every number behind it: the scale it was
    measured at against the published one, a note when it rests on divergence, and the verdict after
    Holm's correction over every interval of the report."""
    images = {f["arch"]: f["train_images"] for f in scale_facts(trials, request)}
    out = []
    for claim in claims.claims:
        per_sem = []
        published = published_scale(claim)
        for sem in request.semantics:
            arms: list[ArmValues] = [arm_values(trials, a.arch, a.case, sem, request.seeds) for a in claim.arms]
            result = evaluate(claim, [a.values for a in arms], sem, claims.min_seeds)
            epochs = tuple(sorted({e for a in arms for e in a.epochs.values()}))
            scale = compare_scale(Scale(epochs, images.get(claim.arms[0].arch)), published)
            if claim.kind == "difference" and math.isfinite(result.ci_low):
                result = replace(result, published_checks=place_published(claim, result.ci_low, result.ci_high,
                                                                          scale))
            per_sem.append({"result": result, "arms": arms, "scale": scale,
                            "divergence": divergence_note(claim, result),
                            "divergence_flag": divergence_flag(claim, result)})
        out.append({"claim": claim, "semantics": per_sem})
    flat = [s for c in out for s in c["semantics"]]
    for s, adjusted in zip(flat, adjust([s["result"] for s in flat])):
        s["holm"] = adjusted
    return out


def family(computed: list[dict]) -> dict:
    """What the report's family-wise correction covers, and the sentence that says why."""
    size = sum(s["holm"].in_family for c in computed for s in c["semantics"])
    return {"method": FAMILY_METHOD, "alpha": 0.05, "family_size": size, "why": family_why(size)}


def _num(v):
    return None if v is None or (isinstance(v, float) and not math.isfinite(v)) else v


def _result_dict(entry: dict) -> dict:
    result: ClaimResult = entry["result"]
    arms: list[ArmValues] = entry["arms"]
    holm = entry["holm"]
    points = (None if not math.isfinite(result.estimate) else
              {"estimate": result.estimate * 100, "ci_low": _num(result.ci_low * 100),
               "ci_high": _num(result.ci_high * 100)})
    return {
        "semantics": result.semantics, "verdict": result.verdict, "explanation": result.explanation,
        "method": result.method, "n_seeds": result.n_seeds, "statistic": result.statistic,
        "estimate": _num(result.estimate), "ci_low": _num(result.ci_low), "ci_high": _num(result.ci_high),
        "effect_points": points,
        "p_value": _num(result.p_value),
        "holm": {"p_adjusted": _num(holm.p_holm), "verdict": holm.verdict, "in_family": holm.in_family},
        "scale": entry["scale"].to_dict(),
        "divergence_note": entry["divergence"],
        "divergence_flag": entry["divergence_flag"],
        "published_checks": list(result.published_checks),
        "arms": [{"label": s.label, "arm": s.key, "n": s.n, "n_diverged": s.n_diverged, "mean": _num(s.mean),
                  "sd": _num(s.sd), "values": {str(k): v for k, v in s.values.items()},
                  "epochs": {str(k): v for k, v in a.epochs.items()}, "missing_seeds": list(a.missing)}
                 for s, a in zip(result.arms, arms)],
    }


def _claim_dict(claim: Claim) -> dict:
    return {"id": claim.id, "post": claim.post, "section": claim.section, "wording": claim.wording,
            "kind": claim.kind, "direction": claim.direction, "comparison": claim.comparison,
            "arms": [{"arch": a.arch, "case": a.case, "label": a.label} for a in claim.arms],
            "published": [{"trial": t.trial, "values": list(t.values), "difference": t.difference, "note": t.note,
                           "diverged": list(t.diverged) or None}
                          for t in claim.published]}


def environment(trials: list[Trial]) -> dict:
    envs = [t.manifest.get("environment") or {} for t in trials]
    env = dict(envs[0]) if envs else {}
    worker = next((t.manifest.get("worker") for t in trials if t.manifest.get("worker")), None)
    if worker:
        env["worker"] = worker
    if not env:
        env = {"python": platform.python_version(), "platform": platform.platform()}
    return env


def scale_facts(trials: list[Trial], request: ClaimsRequest) -> list[dict]:
    """What each architecture trained on at this scale, from the trials' own manifests."""
    facts = {}
    for t in trials:
        if t.arch in facts:
            continue
        cfg = t.manifest.get("config", {})
        train = cfg.get("train", {})
        data = t.manifest.get("data") or {}
        facts[t.arch] = {"arch": t.arch, "cases": cfg.get("cases"), "data_source": cfg.get("data", {}).get("source"),
                         "train_images": data.get("train_size", data.get("n_train")),
                         "test_images": data.get("test_size", data.get("n_test")),
                         "train_limit": cfg.get("data", {}).get("train_limit"),
                         "test_limit": cfg.get("data", {}).get("test_limit"),
                         "epochs": train.get("epochs"), "batch_size": train.get("batch_size"),
                         "learning_rate": train.get("learning_rate"), "init": train.get("init")}
    return list(facts.values())


def build(out_dir: Path, claims: ClaimSet, request: ClaimsRequest, study_state: dict | None = None) -> dict:
    """Everything the three files say, as one JSON-ready dictionary (plus the live objects for the HTML)."""
    out_dir = Path(out_dir)
    trials = read_trials(out_dir / STUDY_DIR)
    computed = compute(claims, request, trials)
    expected = len(claims.cases_by_arch()) * request.seeds * len(request.semantics)
    complete = sum(t.complete for t in trials)
    info = scale_info(request.scale)
    data = {
        "kind": "claims-report", "schema_version": REPORT_VERSION,
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": request.command(out_dir),
        "request": request.to_dict(),
        "scale": {"name": request.scale, "summary": info.get("summary", ""), "architectures": scale_facts(trials, request)},
        "min_seeds": claims.min_seeds,
        "metric": claims.metric,
        "trials": {"expected": expected, "completed": complete,
                   "not_completed": [{"folder": t.folder.name, "arch": t.arch, "semantics": t.semantics,
                                      "seed": t.seed, "status": t.status} for t in trials if not t.complete],
                   "study_status": (study_state or {}).get("status")},
        "environment": environment(trials),
        "family_wise": family(computed),
        "claims": [{**_claim_dict(c["claim"]), "results": [_result_dict(s) for s in c["semantics"]]}
                   for c in computed],
    }
    return {"data": data, "computed": computed, "trials": trials}


# ------------------------------------------------------------------ CSV
CSV_COLUMNS = ("claim", "semantics", "quantity", "arm", "seed", "value", "text")


def csv_rows(data: dict):
    for c in data["claims"]:
        for t in c["published"]:
            for arm, v in zip(c["arms"], t["values"]):
                yield (c["id"], "", "published", f"{arm['arch']}/{arm['case']}", t["trial"], v, t["note"])
            if t["difference"] is not None:
                yield (c["id"], "", "published difference", "", t["trial"], t["difference"], "")
        for r in c["results"]:
            sem = r["semantics"]
            for a in r["arms"]:
                for seed, v in a["values"].items():
                    yield (c["id"], sem, "final test accuracy", a["arm"], seed, v, f"epochs {a['epochs'].get(seed)}")
                for q in ("mean", "sd", "n", "n_diverged"):
                    yield (c["id"], sem, q, a["arm"], "", a[q], "")
            yield (c["id"], sem, "estimate", "", "", r["estimate"], r["statistic"])
            yield (c["id"], sem, "ci_low", "", "", r["ci_low"], "95%")
            yield (c["id"], sem, "ci_high", "", "", r["ci_high"], "95%")
            yield (c["id"], sem, "n_seeds", "", "", r["n_seeds"], r["method"])
            yield (c["id"], sem, "verdict", "", "", "", r["verdict"])
            points = r["effect_points"] or {}
            for q in ("estimate", "ci_low", "ci_high"):
                yield (c["id"], sem, f"effect_points_{q}", "", "", points.get(q), "accuracy points")
            yield (c["id"], sem, "p_value", "", "", r["p_value"], "two-sided")
            holm = r["holm"]
            yield (c["id"], sem, "p_holm", "", "", holm["p_adjusted"],
                   "in the family" if holm["in_family"] else "not in the family (no interval)")
            yield (c["id"], sem, "verdict_holm", "", "", "", holm["verdict"])
            s = r["scale"]
            yield (c["id"], sem, "scale_epochs", "", "", " ".join(map(str, s["measured"]["epochs"])),
                   "published " + " ".join(map(str, s["published"]["epochs"])))
            yield (c["id"], sem, "scale_train_images", "", "", s["measured"]["train_images"],
                   f"published {s['published']['train_images']}")
            yield (c["id"], sem, "scale_match", "", "", "", s["match"])
            yield (c["id"], sem, "scale_note", "", "", "", s["note"])
            if r["divergence_note"]:
                yield (c["id"], sem, "divergence_note", "", "", "", r["divergence_note"])
            if r["divergence_flag"]:
                yield (c["id"], sem, "divergence_flag", "", "", "", r["divergence_flag"])
            for check in r["published_checks"]:
                yield (c["id"], sem, "published_check", "", "", "", check)


def write_csv(path: Path, data: dict) -> None:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(CSV_COLUMNS)
    for row in csv_rows(data):
        w.writerow(["" if v is None else (repr(v) if isinstance(v, float) else v) for v in row])
    atomic_write(path, buf.getvalue())


def write_report(out_dir: Path, claims: ClaimSet, request: ClaimsRequest, study_state: dict | None = None) -> dict:
    """Write report.html, claims.json and claims.csv into `out_dir`; return the JSON data."""
    out_dir = Path(out_dir)
    built = build(out_dir, claims, request, study_state)
    atomic_write(out_dir / "claims.json", json.dumps(built["data"], indent=2, allow_nan=False) + "\n")
    write_csv(out_dir / "claims.csv", built["data"])
    atomic_write(out_dir / "report.html", render_html(built, claims))
    return built["data"]


def verdict_table(data: dict) -> str:
    """A plain-text table of the verdicts (for the terminal and the README)."""
    sems = data["request"]["semantics"]
    lines = ["| claim | published | " + " | ".join(sems) + " |", "|---|---|" + "---|" * len(sems)]
    for c in data["claims"]:
        pub = "; ".join(published_summary(c, t) for t in c["published"])
        cells = []
        for r in c["results"]:
            flag = "".join(f"; {f}" for f in flags(r))
            holm = r["holm"]["verdict"] if r["holm"]["in_family"] else "not adjusted, no interval"
            cells.append(f"{r['verdict']} ({estimate_words(c, r)}{r['n_seeds']} seeds; after Holm: {holm}{flag})")
        lines.append(f"| {c['id']} | {pub} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
