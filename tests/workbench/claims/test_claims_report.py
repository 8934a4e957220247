"""The claims report against the study's run folders: its numbers, its files, and that it renders offline."""
import csv
import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from workbench.claims.claim_set import load_claims, scale_config
from workbench.claims.report import write_report
from workbench.claims.study import STUDY_DIR, ClaimsRequest, arm_values, read_trials
from workbench.stats.comparison import t_quantile
from workbench.records.metrics import MetricRow, write_metrics


def _fake_trial(folder: Path, arch: str, cases, seed: int, semantics: str, finals: dict, epochs=3,
                status="completed"):
    """An ordinary run folder as a trial leaves it: manifest.json and metrics.csv (final values given)."""
    folder.mkdir(parents=True)
    config = scale_config("quick", arch, tuple(cases)).with_train(seed=seed, semantics=semantics, epochs=epochs)
    rows = []
    for case in cases:
        for epoch in range(epochs):
            frac = (epoch + 1) / epochs
            acc = finals[case] * frac if epoch < epochs - 1 else finals[case]
            for split in ("train", "test"):
                rows.append(MetricRow(0, case, epoch, split, 3.0 - acc, acc, float(epoch)))
    write_metrics(folder / "metrics.csv", rows)
    manifest = {"kind": "run", "status": status, "config": config.to_dict(),
                "environment": {"python": "3.x", "tensorflow": "2.x", "numpy": "2.x", "platform": "test",
                                "cpu_count": 2, "git_commit": "abc", "app_version": "0"},
                "data": {"n_train": 1000, "n_test": 500}, "trials": [{"trial": 0, "seed": seed}]}
    (folder / "manifest.json").write_text(json.dumps(manifest))


# Final test accuracies by (semantics, arch, case) for seeds 0..3.
FINALS = {
    ("corrected", "post-a", "1"): [0.80, 0.85, 0.90, 0.82],
    ("corrected", "post-a", "5"): [0.83, 0.87, 0.935, 0.84],     # clearly ahead of case 1 in every seed
    ("corrected", "post-a", "0"): [0.80, 0.85, 0.90, 0.82],
    ("corrected", "vanilla", "1"): [0.90, 0.91, 0.92, 0.905],
    ("corrected", "multi-stream", "1"): [0.90, 0.93, 0.89, 0.92],
}
IDS = ("A-dense2-beats-autodiff", "A-trials-differ", "B-multistream-beats-vanilla")


@pytest.fixture()
def claims_dir(tmp_path):
    claims = load_claims().select(IDS)
    out = tmp_path / "claims"
    study = out / STUDY_DIR
    k = 0
    for arch, cases in claims.cases_by_arch().items():
        for seed in range(4):
            finals = {c: FINALS[("corrected", arch, c)][seed] for c in cases}
            _fake_trial(study / f"trial-{k}", arch, cases, seed, "corrected", finals)
            k += 1
    # An unfinished trial of a fifth seed must not count.
    _fake_trial(study / f"trial-{k}", "vanilla", ("1",), 4, "corrected", {"1": 0.1}, status="stopped")
    request = ClaimsRequest("quick", 5, ("corrected",), IDS)
    data = write_report(out, claims, request)
    return out, data, claims


def test_report_numbers_are_the_run_folders_numbers(claims_dir):
    out, data, claims = claims_dir
    by_id = {c["id"]: c for c in data["claims"]}
    dense = by_id["A-dense2-beats-autodiff"]["results"][0]
    # Independently from the folders: read every trial's metrics.csv and take the last test row.
    finals = {}
    for folder in sorted((out / STUDY_DIR).iterdir()):
        manifest = json.loads((folder / "manifest.json").read_text())
        if manifest["status"] != "completed":
            continue
        with open(folder / "metrics.csv") as fh:
            rows = [r for r in csv.DictReader(fh) if r["split"] == "test"]
        for case in {r["case"] for r in rows}:
            last = max((r for r in rows if r["case"] == case), key=lambda r: int(r["epoch"]))
            finals[(manifest["config"]["arch"], case, manifest["config"]["train"]["seed"])] = float(last["accuracy"])
    a5 = [finals[("post-a", "5", s)] for s in range(4)]
    a1 = [finals[("post-a", "1", s)] for s in range(4)]
    assert dense["arms"][0]["values"] == {str(s): v for s, v in enumerate(a5)}
    assert dense["arms"][0]["mean"] == pytest.approx(sum(a5) / 4, abs=1e-15)
    diffs = [x - y for x, y in zip(a5, a1)]
    mean = sum(diffs) / 4
    sd = math.sqrt(sum((d - mean) ** 2 for d in diffs) / 3)
    half = t_quantile(0.975, 3) * sd / 2
    assert dense["estimate"] == pytest.approx(mean, abs=1e-12)
    assert dense["ci_low"] == pytest.approx(mean - half, abs=1e-12)
    assert dense["ci_high"] == pytest.approx(mean + half, abs=1e-12)
    assert dense["verdict"] == "supported" and dense["n_seeds"] == 4 and dense["method"] == "paired t"
    # Seed 4 was asked for but its vanilla trial stopped: counted as missing, not used.
    ms = by_id["B-multistream-beats-vanilla"]["results"][0]
    assert ms["arms"][1]["missing_seeds"] == [4] and ms["arms"][1]["n"] == 4
    assert ms["verdict"] == "within seed noise"
    assert data["trials"]["completed"] == 12 and data["trials"]["expected"] == 15
    # The epochs behind each value are recorded.
    assert set(dense["arms"][0]["epochs"].values()) == {3}


def test_csv_holds_every_number_of_the_json(claims_dir):
    out, data, _ = claims_dir
    with open(out / "claims.csv") as fh:
        rows = list(csv.DictReader(fh))
    dense = next(c for c in data["claims"] if c["id"] == "A-dense2-beats-autodiff")["results"][0]
    got = {(r["quantity"], r["arm"], r["seed"]): r for r in rows if r["claim"] == "A-dense2-beats-autodiff"
           and r["semantics"] == "corrected"}
    for seed, v in dense["arms"][0]["values"].items():
        assert float(got[("final test accuracy", "post-a/5", seed)]["value"]) == v
    assert float(got[("ci_low", "", "")]["value"]) == dense["ci_low"]
    assert got[("verdict", "", "")]["text"] == "supported"
    published = [r for r in rows if r["claim"] == "A-dense2-beats-autodiff" and r["quantity"] == "published"]
    assert {float(r["value"]) for r in published} == {0.9499, 0.9127, 0.9406, 0.8326}


def test_every_result_states_its_scale_holm_and_effect_and_the_csv_carries_them(claims_dir):
    out, data, _ = claims_dir
    results = [(c, r) for c in data["claims"] for r in c["results"]]
    ps = [r["p_value"] for _, r in results]
    assert all(p is not None and 0 < p < 1 for p in ps)
    m = len(ps)
    ranked = sorted(ps)
    with open(out / "claims.csv") as fh:
        rows = list(csv.DictReader(fh))
    for c, r in results:
        # Holm by its definition: max over j <= rank of min(1, (m − j + 1) p_(j)).
        i = ranked.index(r["p_value"]) + 1
        expected = max(min(1.0, (m - j + 1) * ranked[j - 1]) for j in range(1, i + 1))
        assert r["holm"]["p_adjusted"] == pytest.approx(expected) and r["holm"]["in_family"]
        if r["holm"]["p_adjusted"] >= 0.05:
            assert r["holm"]["verdict"] in ("within seed noise", "not testable at this scale")
        else:
            assert r["holm"]["verdict"] == r["verdict"]
        assert r["effect_points"]["estimate"] == pytest.approx(r["estimate"] * 100)
        assert r["effect_points"]["ci_low"] == pytest.approx(r["ci_low"] * 100)
        assert r["effect_points"]["ci_high"] == pytest.approx(r["ci_high"] * 100)
        # The fake trials ran 3 epochs on 1,000 images: far from either post's published scale.
        assert r["scale"]["measured"] == {"epochs": [3], "train_images": 1000}
        assert r["scale"]["match"] == "far" and "early in training" in r["scale"]["note"]
        assert r["scale"]["published"]["epochs"] == [801 if c["post"] == "A" else 31]
        assert not any(w in x for x in r["published_checks"] for w in (" lies above", " lies below", " lies inside"))
        got = {row["quantity"]: row for row in rows if row["claim"] == c["id"] and row["semantics"] == r["semantics"]}
        assert float(got["p_value"]["value"]) == r["p_value"]
        assert float(got["p_holm"]["value"]) == r["holm"]["p_adjusted"]
        assert got["verdict_holm"]["text"] == r["holm"]["verdict"]
        assert float(got["effect_points_estimate"]["value"]) == r["effect_points"]["estimate"]
        assert got["scale_match"]["text"] == "far" and got["scale_note"]["text"] == r["scale"]["note"]
        assert got["scale_train_images"]["value"] == "1000" and got["scale_epochs"]["value"] == "3"
    assert data["family_wise"]["family_size"] == m and "Holm" in data["family_wise"]["why"]
    html = (out / "report.html").read_text()
    assert "after Holm" in html and data["family_wise"]["why"].replace("'", "&#x27;") in html
    assert " lies above" not in html and " lies below" not in html


def test_a_verdict_resting_on_divergence_says_so_in_json_csv_and_html(tmp_path):
    claims = load_claims().select(("B-concat-fails",))
    out = tmp_path / "claims"
    k = 0
    for seed in range(3):
        for arch, final in (("concat", math.nan), ("vanilla", 0.9 + seed / 100)):
            _fake_trial(out / STUDY_DIR / f"trial-{k}", arch, ("1",), seed, "as-published", {"1": final})
            k += 1
    data = write_report(out, claims, ClaimsRequest("quick", 3, ("as-published",), ("B-concat-fails",)))
    r = data["claims"][0]["results"][0]
    assert r["method"] == "divergence count" and r["verdict"] == "supported"
    assert r["divergence_flag"] == "rests on divergence; the published run did not diverge"
    assert "did not diverge that way" in r["divergence_note"] and "5.0e17" in r["divergence_note"]
    assert r["holm"] == {"p_adjusted": None, "verdict": "supported", "in_family": False}
    assert data["family_wise"]["family_size"] == 0 and "no family" in data["family_wise"]["why"]
    with open(out / "claims.csv") as fh:
        rows = {row["quantity"]: row for row in csv.DictReader(fh) if row["semantics"] == "as-published"}
    assert rows["divergence_note"]["text"] == r["divergence_note"]
    assert rows["divergence_flag"]["text"] == r["divergence_flag"]
    html = (out / "report.html").read_text()
    assert "rests on divergence; the published run did not diverge" in html


class _Scan(HTMLParser):
    def __init__(self):
        super().__init__()
        self.svgs = self.figures = 0
        self.refs, self.scripts, self.text = [], 0, []
        self._in_fig = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "svg":
            self.svgs += 1
        if tag == "figure":
            self.figures += 1
        if tag == "script":
            self.scripts += 1
        for key in ("src", "href", "xlink:href"):
            if key in a:
                self.refs.append(a[key])

    def handle_data(self, data):
        self.text.append(data)


def test_report_renders_offline_with_every_plot(claims_dir):
    out, data, _ = claims_dir
    html = (out / "report.html").read_text()
    scan = _Scan()
    scan.feed(html)
    # One figure per claim plus the curves: post A accuracy and cost, post B accuracy and cost (one semantics).
    assert scan.figures == len(data["claims"]) + 4
    assert scan.svgs == scan.figures                      # one SVG per plot, all inline
    assert scan.scripts == 0
    assert all(ref.startswith("#") for ref in scan.refs), scan.refs
    assert not re.search(r"https?://|url\(|@import", html)
    # Every plot holds something drawn (no "no finished epoch" placeholders).
    assert "no finished epoch" not in html
    text = " ".join(scan.text)
    for c in data["claims"]:
        assert c["wording"] in text
    assert "python main.py claims --scale quick --seeds 5" in text
    assert "Only 12 of 15 trials completed" in text
    # The published trial-2 curves are drawn beside the measured post-A curves.
    assert "published trial 2" in html


def test_read_trials_ignores_earlier_attempts(claims_dir, tmp_path):
    out, _, _ = claims_dir
    n = len(read_trials(out / STUDY_DIR))
    (out / STUDY_DIR / "trial-0.attempt-1").mkdir()
    assert len(read_trials(out / STUDY_DIR)) == n
    trials = read_trials(out / STUDY_DIR)
    assert arm_values(trials, "post-a", "5", "as-published", 4).values == {}


def test_chart_switches_to_log_y_for_costs_spanning_many_decades():
    from workbench.claims.svg_plot import Series, line_chart
    huge = [Series("concat", "#2ca02c", [(1, 5e17), (2, 3e20)]), Series("vanilla", "#1f77b4", [(1, 2.1), (2, 1.4)])]
    svg = line_chart("costs", huge, "epoch", "test cost")
    assert "test cost (log scale)" in svg
    plain = line_chart("accuracy", [Series("vanilla", "#1f77b4", [(1, 0.2), (2, 0.4)])], "epoch", "test accuracy")
    assert "log scale" not in plain


def test_every_verdict_carries_its_flags_beside_it_in_every_view(claims_dir):
    """A verdict measured far from the published scale, or short of trials, is never shown without its flags:
    not in the summary table, not in the claim's measured table, not in its sentence, not in the text table."""
    from workbench.claims.report import verdict_table
    out, data, _ = claims_dir
    html = (out / "report.html").read_text()
    results = [r for c in data["claims"] for r in c["results"]]
    # The fixture asks for 5 seeds and completed 4: every verdict is short of trials, and far from the scale.
    beside = re.findall(r'<span class="v [a-z]+">[^<]+</span> <span class="flag">· (\d+) of (\d+) trials did not '
                        r'complete</span> <span class="flag">· early in training and on a small set; published: '
                        r'epoch (?:800, 60,000|30, 55,000) images</span>', html)
    assert len(beside) == 3 * len(results)
    table = {line.split(" | ")[0].removeprefix("| "): line for line in verdict_table(data).splitlines()}
    for c in data["claims"]:
        for r in c["results"]:
            missing = sum(len(a["missing_seeds"]) for a in r["arms"])
            asked = 5 * len(r["arms"])
            assert missing >= 1 and (str(missing), str(asked)) in beside
            assert f"{missing} of {asked} trials did not complete" in table[c["id"]]
            assert "early in training" in table[c["id"]]


def test_published_figures_in_the_tables_name_the_epoch_they_were_reached_at(claims_dir):
    from workbench.claims.report import verdict_table
    out, data, _ = claims_dir
    table = verdict_table(data)
    assert "| trial 1 (epoch 800): 0.9499 vs 0.9127; trial 2 (epoch 800): 0.9406 vs 0.8326 |" in table
    assert "| caseb.txt / casea.txt (epoch 30): 0.9534 vs 0.9453 |" in table
    assert "<td>trial 1 (epoch 800): 0.9499 vs 0.9127; trial 2 (epoch 800): 0.9406 vs 0.8326</td>" in (
        out / "report.html").read_text()
