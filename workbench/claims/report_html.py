"""The claims report as one self-contained HTML page: the verdict table, claim by claim, the plots.

It renders what report.py computed (the same structure the JSON and the CSV
hold), so the page cannot say another number than the files beside it. Plots
are inline SVG (workbench.claims.svg_plot): no script, no network, no file
beside the HTML is needed to read it.
"""
from __future__ import annotations

import math
from html import escape
from pathlib import Path

import resources

from workbench.claims.claim_set import Claim, ClaimSet, group_of
from workbench.claims.study import ClaimsRequest, Trial
from workbench.claims.svg_plot import Interval, Series, interval_chart, line_chart
from workbench.claims.verdict_words import acc, estimate_words, flags, pts, published_summary, scale_words
from workbench.claims.verdicts import CONTRADICTED, NOT_TESTABLE, SUPPORTED, WITHIN_NOISE, ClaimResult
from workbench.stats.comparison import band

PUBLISHED_LOGS = {"post-a": ("Transparcy2.txt", "published trial 2"), "vanilla": ("casea.txt", "published")}
ARCH_COLOURS = {"vanilla": "#1f77b4", "multi-stream": "#ff7f0e", "concat": "#2ca02c",
                "internal-conv": "#d62728", "lag2": "#9467bd", "post-a": "#444444"}
VERDICT_STYLE = {SUPPORTED: "supported", CONTRADICTED: "contradicted", WITHIN_NOISE: "noise",
                 NOT_TESTABLE: "untestable"}


def case_colour(case: str) -> str:
    """A case's colour in the report and the claims dialog (yellow, unreadable on white, as dark gold)."""
    from engine.cases import PUBLISHED_CASES
    c = PUBLISHED_CASES.get(case)
    return "#b8a300" if c and c.colour.lower() in ("#ffff00", "yellow", "#ff0") else (c.colour if c else "#808080")


# ------------------------------------------------------------------ plots
def _published_rows(arch: str, batch_size: int | None):
    """The shipped published log for this architecture, costs rescaled to the run's batch size."""
    if arch not in PUBLISHED_LOGS:
        return [], "", ""
    from workbench.records.published_logs import cost_at_batch, parse_log
    name, label = PUBLISHED_LOGS[arch]
    try:
        log = parse_log(Path(str(resources.published_logs() / name)), case=None if arch == "post-a" else "1")
    except Exception:       # a missing or damaged shipped log must not stop the report
        return [], "", ""
    rows, note = cost_at_batch(log, batch_size) if batch_size else (log.rows, "")
    return rows, label, note


def _measured_rows(trials: list[Trial], arch: str, semantics: str):
    rows = []
    for t in trials:
        if t.arch == arch and t.semantics == semantics:
            rows.extend(r.__class__(t.seed, r.case, r.epoch, r.split, r.cost, r.accuracy, r.wall_time_s)
                        for r in t.rows)
    return rows


def curve_plots(trials: list[Trial], claims: ClaimSet, request: ClaimsRequest) -> list[tuple[str, str]]:
    """(caption, svg) for every learning-curve plot: per post and semantics, test accuracy and test cost."""
    plots = []
    cases_by_arch = claims.cases_by_arch()
    published_final = {}
    for claim in claims.claims:
        if claim.post == "B":
            for i, arm in enumerate(claim.arms):
                vals = [t.values[i] for t in claim.published if t.values[i] is not None]
                if vals:
                    published_final[arm.arch] = vals[0]
    post_a = [a for a in cases_by_arch if group_of(a) == "post-a"]
    post_b = [a for a in cases_by_arch if group_of(a) == "post-b"]
    for sem in request.semantics:
        for arch in post_a:
            batch = next((t.batch_size for t in trials if t.arch == arch), None)
            pub_rows, pub_label, pub_note = _published_rows(arch, batch)
            rows = _measured_rows(trials, arch, sem)
            for metric, ylabel in (("accuracy", "test accuracy"), ("cost", "test cost")):
                series = []
                for case in cases_by_arch[arch]:
                    colour = case_colour(case)
                    s = _band_series(rows, case, metric, f"case {case}", colour)
                    if s:
                        series.append(s)
                    pub = sorted((r.epoch + 1, getattr(r, metric)) for r in pub_rows
                                 if r.case == case and r.split == "test")
                    if pub:
                        series.append(Series(f"case {case} {pub_label}", colour, pub, dashed=True))
                log_x = _wants_log(series)
                cap = (f"Post A ({arch}), {sem}: {ylabel} per case, mean over seeds with the min–max band; "
                       f"dashed: {pub_label or 'no published log'}; cases whose curves coincide are drawn on top of one another (the last listed on top)")
                if metric == "cost" and pub_note:
                    cap += f" (published costs {pub_note.replace('cost ', '')}: per-batch sums rescaled to batch {batch})"
                plots.append((cap, line_chart(f"post A · {sem} · {ylabel}", series, "epoch", ylabel, log_x)))
        if post_b:
            for metric, ylabel in (("accuracy", "test accuracy"), ("cost", "test cost")):
                series = []
                for arch in post_b:
                    colour = ARCH_COLOURS.get(arch, "#808080")
                    rows = _measured_rows(trials, arch, sem)
                    for case in cases_by_arch[arch]:
                        s = _band_series(rows, case, metric, arch, colour)
                        if s:
                            series.append(s)
                    pub_rows, pub_label, _ = _published_rows(arch, None)
                    pub = sorted((r.epoch + 1, getattr(r, metric)) for r in pub_rows if r.split == "test")
                    if pub:
                        series.append(Series(f"{arch}, {pub_label}", colour, pub, dashed=True))
                    if metric == "accuracy" and arch in published_final:
                        series.append(Series(f"{arch}, pub. final", colour, [(31, published_final[arch])],
                                             markers=True))
                cap = (f"Post B, {sem}: {ylabel} of each architecture (case 1, automatic differentiation), mean "
                       f"over seeds with the min–max band; dashed: the published vanilla log; triangles: the "
                       f"published final value (epoch 30)")
                plots.append((cap, line_chart(f"post B · {sem} · {ylabel}", series, "epoch", ylabel,
                                              _wants_log(series))))
    return plots


def _band_series(rows, case, metric, label, colour):
    epochs, mean, low, high = band(rows, case, metric, "test", "minmax")
    if len(epochs) == 0:
        return None
    xs = [int(e) + 1 for e in epochs]
    return Series(label, colour, list(zip(xs, mean.tolist())), list(zip(xs, low.tolist(), high.tolist())))


def _wants_log(series: list[Series]) -> bool:
    measured = [p[0] for s in series if not s.dashed and not s.markers for p in s.points]
    published = [p[0] for s in series if s.dashed or s.markers for p in s.points]
    return bool(measured and published and max(published) > 10 * max(measured))


def claim_plot(entry: dict) -> str:
    claim: Claim = entry["claim"]
    rows = []
    colours = {"corrected": "#1f5fa8", "as-published": "#a8431f"}
    for s in entry["semantics"]:
        r: ClaimResult = s["result"]
        rows.append(Interval(f"measured, {r.semantics}", r.estimate, r.ci_low, r.ci_high,
                             colours.get(r.semantics, "#333")))
    if claim.kind == "spread":
        gap = claim.published_gap()
        rows.append(Interval("published gap (2 trials)", gap if gap is not None else math.nan, math.nan, math.nan,
                             "#000", hollow=True))
        return interval_chart("95th percentile of the gap between two seeds, with its 95% interval", rows,
                              "accuracy points", reference=None)
    for t in claim.published:
        rows.append(Interval(f"published, {t.trial.split(' (')[0]}",
                             t.difference if t.difference is not None else math.nan, math.nan, math.nan, "#000",
                             hollow=True))
    return interval_chart(f"{claim.arms[0].label} minus {claim.arms[1].label}: difference with its 95% interval",
                          rows, "difference in test accuracy, points")


# ------------------------------------------------------------------ HTML
CSS = """
body{font-family:-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;max-width:1180px;margin:24px auto;
padding:0 20px;color:#1d1d1f;line-height:1.45}
h1{font-size:26px;margin-bottom:4px}h2{margin-top:36px;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{margin-bottom:4px}.sub{color:#555;margin-top:0}
table{border-collapse:collapse;margin:8px 0 12px}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left;
vertical-align:top;font-size:14px}th{background:#f4f4f6}td.num{text-align:right;font-variant-numeric:tabular-nums}
.v{display:inline-block;padding:1px 8px;border-radius:10px;font-weight:600;font-size:13px;white-space:nowrap}
.v.supported{background:#d8f0dc;color:#145a24}.v.contradicted{background:#f7d9d6;color:#8a1c12}
.v.noise{background:#fdf0c8;color:#6b5200}.v.untestable{background:#e4e4e8;color:#444}
.claim{border:1px solid #ddd;border-radius:8px;padding:4px 16px 12px;margin:18px 0}
.wording{font-size:16px}.meta{color:#666;font-size:13px}code,pre{background:#f4f4f6;padding:1px 4px;border-radius:4px}
pre{padding:8px;overflow-x:auto;white-space:pre-wrap}
svg.chart{font-size:11px;background:#fff;margin:4px 8px 4px 0}svg .title{font-weight:600;font-size:12px}
svg .frame{fill:none;stroke:#999}svg .grid{stroke:#eee}svg .tick{fill:#555}svg .axis{fill:#333}
svg .line{fill:none;stroke-width:1.8}svg .band{opacity:.15}svg .legend{fill:#333}svg .note{fill:#777;font-size:10px}
svg .zero{stroke:#000;stroke-width:1}svg .ci{stroke-width:3}svg .empty{fill:#999}
figure{display:inline-block;margin:0 12px 14px 0;vertical-align:top;max-width:550px}
figcaption{font-size:12px;color:#555}.flag{color:#8a4b00;font-size:13px}.warn{background:#fff4d6;border:1px solid #e6c65c;padding:8px 12px;border-radius:6px}
"""


def _v(verdict: str) -> str:
    return f'<span class="v {VERDICT_STYLE.get(verdict, "untestable")}">{escape(verdict)}</span>'


def render_html(built: dict, claims: ClaimSet) -> str:
    data, computed, trials = built["data"], built["computed"], built["trials"]
    req = data["request"]
    sems = req["semantics"]
    h = ['<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
         '<meta name="viewport" content="width=device-width, initial-scale=1">',
         '<title>Do the published claims hold? RCNN Workbench report</title>', f"<style>{CSS}</style></head><body>",
         "<h1>Do the published claims hold?</h1>",
         f'<p class="sub">RCNN Workbench · scale <b>{escape(req["scale"])}</b> ({escape(data["scale"]["summary"])}) · '
         f'<b>{req["seeds"]}</b> seed(s) per arm (0–{req["seeds"] - 1}) · semantics: {escape(", ".join(sems))} · '
         f'generated {escape(data["generated_at"])}</p>']
    tr = data["trials"]
    if tr["completed"] < tr["expected"]:
        h.append(f'<p class="warn">Only {tr["completed"]} of {tr["expected"]} trials completed '
                 f'(study status: {escape(str(tr["study_status"]))}). Verdicts use the completed trials only; '
                 f'continue with <code>python main.py claims --resume {escape(str(Path(data["command"].split(" --out ")[-1])))}</code>.</p>')
    h.append("<p>The 2018 posts drew their conclusions from single, unseeded runs. This report repeats the runs "
             "each claim needs with several seeds and asks whether the claimed difference is larger than the "
             "spread between seeds. A verdict is <b>supported</b> or <b>contradicted</b> only when the whole 95% "
             "interval lies on one side; <b>within seed noise</b> when it straddles zero; <b>not testable at this "
             f"scale</b> with fewer than {data['min_seeds']} seeds on an arm or an interval of zero width. "
             "Every verdict names the epochs and training images it rests on and says when they are far from "
             "the scale the published claim concerns; published figures are then shown beside the measured "
             "interval, not placed above or below it. "
             f"{escape(data['family_wise']['why'])}</p>")
    # summary table
    h.append("<h2>Verdicts</h2><p class=meta>In each cell: the verdict with its flags beside it (trials that did "
             "not complete, a scale far from the published one, a verdict resting on divergence), then the verdict "
             "after Holm's correction "
             "over the report's intervals; Δ is the measured difference, first arm minus second, in points of test "
             "accuracy (mean over seeds) with its 95% interval; gap is the typical spread between two seeds; then "
             "the seeds, epochs and training images the verdict rests on, flagged when far from the published "
             "scale. Published: final test accuracy of each arm in the published run(s), first arm vs second.</p>")
    h.append("<table><tr><th>claim</th><th>published</th>")
    h += [f"<th>{escape(s)}</th>" for s in sems]
    h.append("</tr>")
    for c in data["claims"]:
        pub = "; ".join(published_summary(c, t) for t in c["published"])
        h.append(f'<tr><td><a href="#{escape(c["id"])}">{escape(c["id"])}</a><br><span class="meta">'
                 f'{escape(c["wording"])}</span></td><td>{escape(pub)}</td>')
        for r in c["results"]:
            h.append(f"<td>{_v(r['verdict'])}{_flags_html(r)}<br><span class=meta>after Holm:</span> "
                     f"{_holm_cell(r)}<br><span class=\"meta\">{estimate_words(c, r, interval=True)}"
                     f"{r['n_seeds']} seed(s), {escape(scale_words(r['scale']['measured']))}</span></td>")
        h.append("</tr>")
    h.append("</table>")
    # per claim
    h.append("<h2>Claim by claim</h2>")
    for entry, c in zip(computed, data["claims"]):
        h.append(_claim_html(entry, c))
    # curves
    h.append("<h2>Learning curves</h2><p>Every arm the claims compare, test split, per semantics: the mean over "
             "seeds (solid) with the min–max band over seeds; dashed: the published log where one ships with the "
             "workbench (post A trial 2, post B vanilla). Post-A published costs are per-batch sums over 1,000 "
             "images and are rescaled to this run's batch size, as the window does. When the published run is "
             "far longer than this one, the epoch axis is logarithmic.</p>")
    for caption, svg in curve_plots(trials, claims, ClaimsRequest.from_dict(req)):
        h.append(f"<figure>{svg}<figcaption>{escape(caption)}</figcaption></figure>")
    # scale
    h.append("<h2>Scale: data and epochs</h2><table><tr><th>architecture</th><th>cases</th><th>data</th>"
             "<th>train / test images</th><th>epochs</th><th>batch</th><th>learning rate</th><th>init</th></tr>")
    for f in data["scale"]["architectures"]:
        h.append(f"<tr><td>{escape(str(f['arch']))}</td><td>{escape(', '.join(f['cases'] or []))}</td>"
                 f"<td>{escape(str(f['data_source']))}</td><td class=num>{f['train_images'] or f['train_limit'] or 'all'}"
                 f" / {f['test_images'] or f['test_limit'] or 'all'}</td><td class=num>{f['epochs']}</td>"
                 f"<td class=num>{f['batch_size']}</td><td class=num>{f['learning_rate']}</td>"
                 f"<td>{escape(str(f['init']))}</td></tr>")
    h.append("</table><p class=meta>Published set-up for comparison: post A 801 epochs on 60,000 MNIST images at "
             "batch 1000 with N(0, 1) weights; post B 31 epochs on 55,000 images at batch 100. Scales are defined "
             "in <code>resources/claim_scales.json</code>.</p>")
    # method
    h.append("<h2>Method</h2><ul>"
             "<li>Each trial is one seed of one architecture with the cases it needs trained in lockstep (same "
             "initial weights, batches and noise); its value is the test accuracy at its last epoch.</li>"
             "<li>Cases of one architecture are compared <b>paired within a seed</b>: the mean of the per-seed "
             "differences with the paired t interval. Architectures are compared with <b>Welch's</b> interval.</li>"
             "<li>The spread claim uses the 95th percentile of the gap between two seeds, 1.96·√2·sd, with the "
             "chi-square interval of the sd.</li>"
             "<li>Diverged seeds (NaN or infinite) and trials that did not complete are left out and counted; "
             "an arm that diverged in every seed counts as the worse arm, and the verdict then says whether the "
             "published run diverged the same way.</li>"
             f"<li>Family-wise correction: {escape(data['family_wise']['method'])} over the "
             f"{data['family_wise']['family_size']} interval(s) of this report (each test two-sided; its p is "
             "below 0.05 exactly when its 95% interval excludes the null value). A verdict stays supported or "
             "contradicted after the correction only if its adjusted p stays below 0.05.</li>"
             "<li>Scale: a verdict is flagged <i>early in training</i> below half the published epochs and "
             "<i>on a small set</i> below half the published training images (published scale: "
             "<code>resources/claim_scales.json</code>, scale <code>published</code>).</li>"
             "</ul>")
    # environment + reproduce
    env = data["environment"]
    h.append("<h2>Environment</h2><table>")
    for k in ("app_version", "git_commit", "python", "tensorflow", "numpy", "platform", "cpu_count"):
        if k in env:
            h.append(f"<tr><th>{escape(k)}</th><td>{escape(str(env[k]))}</td></tr>")
    h.append(f"<tr><th>backend</th><td>{escape(req['backend'])}"
             f"{', ' + str(req['workers']) + ' workers' if req.get('workers') else ''}</td></tr></table>")
    h.append("<h2>Reproduce</h2><p>This command made this report. Run it with a new <code>--out</code> folder "
             "to repeat the study from scratch (an existing folder is never written into); "
             "<code>python main.py claims --resume DIR</code> finishes an interrupted study and rewrites its "
             "report:</p>"
             f"<pre>{escape(data['command'])}</pre>"
             "<p>Every number above is also in <code>claims.json</code> and <code>claims.csv</code> beside this "
             "file; the trials are ordinary run folders under <code>study/</code> (open them in the window, or "
             "<code>python main.py compare study/</code>).</p></body></html>")
    return "\n".join(h)


def _flags_html(r: dict) -> str:
    """The verdict's flags, right beside its badge, so that no verdict reads without them."""
    return "".join(f' <span class="flag">· {escape(f)}</span>' for f in flags(r))


def _holm_cell(r: dict) -> str:
    """The verdict after Holm, or a plain word for a verdict outside the family (no interval to adjust)."""
    if not r["holm"]["in_family"]:
        return '<span class=meta>not adjusted (no interval)</span>'
    return _v(r["holm"]["verdict"])


def _p(p) -> str:
    return "—" if p is None else (f"{p:.3f}" if p >= 0.001 else "<0.001")


def _claim_html(entry: dict, c: dict) -> str:
    claim: Claim = entry["claim"]
    h = [f'<div class="claim" id="{escape(c["id"])}"><h3>{escape(c["id"])}</h3>',
         f'<p class="wording">{escape(c["wording"])}</p>',
         f'<p class="meta">Post {escape(c["post"])} · {escape(c["section"])} · test: '
         f'{escape("spread of one case over seeds" if claim.kind == "spread" else (c["comparison"] + " (" + ("within a seed" if c["comparison"] == "paired" else "between architectures") + ")"))}</p>']
    h.append("<table><tr><th>published</th>" + "".join(f"<th>{escape(a['label'])}</th>" for a in c["arms"])
             + ("<th>difference</th>" if claim.kind == "difference" else "") + "<th>note</th></tr>")
    for t in c["published"]:
        h.append(f"<tr><td>{escape(t['trial'])}</td>" + "".join(f"<td class=num>{acc(v)}</td>" for v in t["values"])
                 + (f"<td class=num>{pts(t['difference'])} pts</td>" if claim.kind == "difference" else "")
                 + f"<td class=meta>{escape(t['note'])}</td></tr>")
    h.append("</table>")
    h.append("<table><tr><th>measured</th>" + "".join(f"<th>{escape(a['label'])}<br>mean ± sd (n)</th>" for a in c["arms"])
             + "<th>effect, points (95% interval)</th><th>verdict</th><th>p / Holm-adjusted p</th>"
             "<th>after Holm</th><th>behind it</th></tr>")
    for r in c["results"]:
        cells = []
        for a in r["arms"]:
            sd = f"{a['sd']:.4f}" if a["sd"] is not None else "—"
            extra = f", {a['n_diverged']} diverged" if a["n_diverged"] else ""
            extra += f", {len(a['missing_seeds'])} missing" if a["missing_seeds"] else ""
            cells.append(f"<td class=num>{acc(a['mean'])} ± {sd} ({a['n']}{extra})</td>")
        if r["estimate"] is None:
            est = "—"
        elif claim.kind == "spread":
            est = f"gap {r['estimate'] * 100:.1f} pts [{r['ci_low'] * 100:.1f}, {r['ci_high'] * 100:.1f}]"
        else:
            est = f"{pts(r['estimate'])} pts [{pts(r['ci_low'])}, {pts(r['ci_high'])}]"
        behind = (f"{r['n_seeds']} seed(s), {scale_words(r['scale']['measured'])}"
                  f"{'; ' + r['method'] if r['method'] else ''}")
        holm = r["holm"]
        ps = (f"{_p(r['p_value'])} / {_p(holm['p_adjusted'])}" if holm["in_family"]
              else "— (no interval, not in the family)")
        h.append(f"<tr><td>{escape(r['semantics'])}</td>{''.join(cells)}<td class=num>{escape(est)}</td>"
                 f"<td>{_v(r['verdict'])}{_flags_html(r)}</td><td class=num>{escape(ps)}</td><td>{_holm_cell(r)}</td>"
                 f"<td class=meta>{escape(behind)}</td></tr>")
    h.append("</table>")
    for r in c["results"]:
        scale_cls = "flag" if r["scale"]["match"] != "same" else "meta"
        notes = [f'<br><span class="{scale_cls}">{escape(r["scale"]["note"])}</span>']
        if r["divergence_note"]:
            notes.append(f'<br><span class="flag">{escape(r["divergence_note"])}</span>')
        notes += [f"<br><span class=meta>{escape(x)}</span>" for x in r["published_checks"]]
        h.append(f"<p><b>{escape(r['semantics'])}:</b> {_v(r['verdict'])}{_flags_html(r)} — {escape(r['explanation'])}"
                 + "".join(notes) + "</p>")
    apart = any(r["scale"]["match"] != "same" for r in c["results"])
    h.append(f"<figure>{claim_plot(entry)}<figcaption>Dots and bars: measured estimate with its 95% interval; "
             f"open diamonds: the published figure(s)"
             + (", measured at the published scale, which differs from this one: drawn for reference, not "
                "compared" if apart else "") + ".</figcaption></figure></div>")
    return "\n".join(h)
