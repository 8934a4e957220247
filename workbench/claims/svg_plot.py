"""Small, dependency-free SVG charts for self-contained reports (no matplotlib, no network).

`line_chart` draws curves (solid or dashed), min–max bands and point
markers on linear or logarithmic x, with a legend; `interval_chart` draws one
estimate with its interval per row against a zero line (a forest plot). The
output is a string holding one <svg> element, to be inlined in HTML.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape


@dataclass
class Series:
    label: str
    colour: str
    points: list[tuple[float, float]] = field(default_factory=list)
    band: list[tuple[float, float, float]] = field(default_factory=list)    # (x, low, high)
    dashed: bool = False
    markers: bool = False          # draw points as markers only (no line)


def _finite(v) -> bool:
    return v is not None and isinstance(v, (int, float)) and math.isfinite(v)


def _nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / count
    mag = 10 ** math.floor(math.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=10 * mag)
    start = math.ceil(lo / step) * step
    ticks = []
    v = start
    while v <= hi + step * 1e-9:
        ticks.append(round(v, 12))
        v += step
    return ticks


def _fmt(v: float) -> str:
    if v == 0:
        return "0"
    if abs(v) >= 1e6:
        return f"{v:.0e}"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:.0f}" if v == int(v) else f"{v:.1f}"
    return f"{v:.3g}"


def line_chart(title: str, series: list[Series], x_label: str, y_label: str, log_x: bool = False,
               width: int = 550, height: int = 320, note: str = "", log_y: bool | None = None) -> str:
    """log_y=None: logarithmic y when every value is positive and they span more than 1000×."""
    if log_y is None:
        ys_all = [y for s in series for y in [p[1] for p in s.points] + [b[i] for b in s.band for i in (1, 2)]
                  if _finite(y)]
        log_y = bool(ys_all) and min(ys_all) > 0 and max(ys_all) / min(ys_all) > 1000
    if log_y:
        series = [Series(s.label, s.colour, [(x, math.log10(y)) for x, y in s.points if _finite(y) and y > 0],
                         [(x, math.log10(lo), math.log10(hi)) for x, lo, hi in s.band
                          if _finite(lo) and _finite(hi) and lo > 0 and hi > 0], s.dashed, s.markers)
                  for s in series]
        y_label += " (log scale)"
    left, right, top, bottom = 64, 170, 34, 46
    pw, ph = width - left - right, height - top - bottom
    xs = [p[0] for s in series for p in s.points] + [b[0] for s in series for b in s.band]
    ys = ([p[1] for s in series for p in s.points] + [b[1] for s in series for b in s.band]
          + [b[2] for s in series for b in s.band])
    xs = [x for x in xs if _finite(x) and (x > 0 or not log_x)]
    ys = [y for y in ys if _finite(y)]
    out = [f'<svg class="chart" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
           f'<text x="{left}" y="20" class="title">{escape(title)}</text>']
    if not xs or not ys:
        out.append(f'<text x="{left}" y="{top + ph / 2}" class="empty">no finished epoch to draw</text></svg>')
        return "\n".join(out)
    x0, x1 = min(xs), max(xs)
    y0, y1 = min(ys), max(ys)
    pad = (y1 - y0) * 0.05 or abs(y0) * 0.05 or 0.05
    y0, y1 = y0 - pad, y1 + pad
    if log_x:
        lx0, lx1 = math.log10(x0), math.log10(max(x1, x0 * 1.0001))
        fx = lambda x: left + (math.log10(x) - lx0) / (lx1 - lx0) * pw
    else:
        if x1 == x0:
            x0, x1 = x0 - 0.5, x1 + 0.5
        fx = lambda x: left + (x - x0) / (x1 - x0) * pw
    fy = lambda y: top + (1 - (y - y0) / (y1 - y0)) * ph
    out.append(f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" class="frame"/>')
    for t in _nice_ticks(y0, y1):
        if y0 <= t <= y1:
            y = fy(t)
            label = _fmt(10 ** t) if log_y else _fmt(t)
            out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" class="grid"/>'
                       f'<text x="{left - 6}" y="{y + 4:.1f}" class="tick" text-anchor="end">{label}</text>')
    if log_x:
        ticks = [10 ** e * m for e in range(int(math.floor(lx0)), int(math.ceil(lx1)) + 1) for m in (1, 2, 5)]
        ticks = [t for t in ticks if x0 <= t <= x1 * 1.0001]
    else:
        ticks = [t for t in _nice_ticks(x0, x1) if x0 <= t <= x1]
    for t in ticks:
        x = fx(t)
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + ph}" class="grid"/>'
                   f'<text x="{x:.1f}" y="{top + ph + 16}" class="tick" text-anchor="middle">{_fmt(t)}</text>')
    out.append(f'<text x="{left + pw / 2}" y="{height - 8}" class="axis" text-anchor="middle">'
               f'{escape(x_label)}{" (log scale)" if log_x else ""}</text>')
    out.append(f'<text x="14" y="{top + ph / 2}" class="axis" text-anchor="middle" '
               f'transform="rotate(-90 14 {top + ph / 2})">{escape(y_label)}</text>')
    keep = lambda x: _finite(x) and (x > 0 or not log_x)
    for s in series:
        band = [(x, lo, hi) for x, lo, hi in s.band if keep(x) and _finite(lo) and _finite(hi)]
        if len(band) >= 2 and any(hi > lo for _, lo, hi in band):
            upper = " ".join(f"{fx(x):.1f},{fy(hi):.1f}" for x, _, hi in band)
            lower = " ".join(f"{fx(x):.1f},{fy(lo):.1f}" for x, lo, _ in reversed(band))
            out.append(f'<polygon points="{upper} {lower}" fill="{s.colour}" class="band"/>')
    for s in series:
        pts = [(x, y) for x, y in s.points if keep(x) and _finite(y)]
        if not pts:
            continue
        if s.markers:
            for x, y in pts:
                out.append(f'<path d="M{fx(x):.1f},{fy(y) - 6:.1f} l5,9 h-10 z" fill="{s.colour}" '
                           f'class="marker"><title>{escape(s.label)}: {y:.4g}</title></path>')
            continue
        d = " ".join(f"{fx(x):.1f},{fy(y):.1f}" for x, y in pts)
        dash = ' stroke-dasharray="6 4"' if s.dashed else ""
        out.append(f'<polyline points="{d}" stroke="{s.colour}" class="line"{dash}/>')
        if len(pts) == 1:
            out.append(f'<circle cx="{fx(pts[0][0]):.1f}" cy="{fy(pts[0][1]):.1f}" r="3" fill="{s.colour}"/>')
    ly = top + 4
    for s in series:
        if not s.points:
            continue
        lx = left + pw + 12
        if s.markers:
            out.append(f'<path d="M{lx + 11},{ly + 1} l5,9 h-10 z" fill="{s.colour}" class="marker"/>')
        else:
            dash = ' stroke-dasharray="6 4"' if s.dashed else ""
            out.append(f'<line x1="{lx}" y1="{ly + 6}" x2="{lx + 22}" y2="{ly + 6}" stroke="{s.colour}" '
                       f'class="line"{dash}/>')
        out.append(f'<text x="{lx + 28}" y="{ly + 10}" class="legend">{escape(s.label)}</text>')
        ly += 16
    if note:
        out.append(f'<text x="{left}" y="{top - 6}" class="note">{escape(note)}</text>')
    out.append("</svg>")
    return "\n".join(out)


@dataclass
class Interval:
    label: str
    estimate: float
    low: float
    high: float
    colour: str = "#333333"
    hollow: bool = False           # a published point: no interval, drawn as an open diamond


def interval_chart(title: str, rows: list[Interval], x_label: str, reference: float | None = 0.0,
                   width: int = 560, row_height: int = 26, scale: float = 100.0) -> str:
    """One row per estimate: a dot with its interval (or an open diamond for a lone value); `scale` multiplies values."""
    left, right, top, bottom = 200, 24, 30, 40
    height = top + bottom + row_height * max(1, len(rows))
    pw = width - left - right
    vals = [v * scale for r in rows for v in (r.estimate, r.low, r.high) if _finite(v)]
    if reference is not None:
        vals.append(reference * scale)
    out = [f'<svg class="chart" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">',
           f'<text x="8" y="18" class="title">{escape(title)}</text>']
    if not vals:
        out.append(f'<text x="{left}" y="{top + 16}" class="empty">nothing measured</text></svg>')
        return "\n".join(out)
    lo, hi = min(vals), max(vals)
    pad = (hi - lo) * 0.08 or 1.0
    lo, hi = lo - pad, hi + pad
    fx = lambda v: left + (v - lo) / (hi - lo) * pw
    bottom_y = top + row_height * len(rows)
    for t in _nice_ticks(lo, hi, 6):
        if lo <= t <= hi:
            x = fx(t)
            out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{bottom_y}" class="grid"/>'
                       f'<text x="{x:.1f}" y="{bottom_y + 15}" class="tick" text-anchor="middle">{_fmt(t)}</text>')
    if reference is not None:
        x = fx(reference * scale)
        out.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{bottom_y}" class="zero"/>')
    for i, r in enumerate(rows):
        y = top + row_height * i + row_height / 2
        out.append(f'<text x="{left - 8}" y="{y + 4:.1f}" class="legend" text-anchor="end">{escape(r.label)}</text>')
        if _finite(r.low) and _finite(r.high):
            out.append(f'<line x1="{fx(r.low * scale):.1f}" y1="{y:.1f}" x2="{fx(r.high * scale):.1f}" '
                       f'y2="{y:.1f}" stroke="{r.colour}" class="ci"/>')
        if _finite(r.estimate):
            x = fx(r.estimate * scale)
            if r.hollow:
                out.append(f'<path d="M{x:.1f},{y - 6:.1f} l6,6 l-6,6 l-6,-6 z" fill="white" stroke="{r.colour}" '
                           f'class="diamond"/>')
            else:
                out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{r.colour}"/>')
        else:
            out.append(f'<text x="{left + 6}" y="{y + 4:.1f}" class="empty">not testable</text>')
    out.append(f'<text x="{left + pw / 2}" y="{height - 6}" class="axis" text-anchor="middle">'
               f'{escape(x_label)}</text>')
    out.append("</svg>")
    return "\n".join(out)
