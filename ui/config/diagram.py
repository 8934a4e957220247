"""An architecture diagram drawn with Qt from the engine's own description of it.

Layout: one column per timestep (its input/noise block above its recurrent
block, recurrent edges between neighbouring columns), shared blocks (the
head) centred below, in the order data flows. Boxes are coloured by role and
show the output shape and the parameter count; dead (inert) edges are dashed
grey. Nothing is a static picture, so the diagram follows the code.
"""
from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import (QGraphicsPathItem, QGraphicsScene, QGraphicsSimpleTextItem,
                               QGraphicsTextItem, QGraphicsView, QWidget)

from engine.description import ROLES, ArchitectureDescription, Block, Edge

ROLE_COLOURS = {
    "input": "#e3e3e3",
    "noise": "#fff1a8",
    "stream": "#e4d7f7",
    "recurrent": "#bcd9ff",
    "combine": "#c9efc9",
    "head": "#ffd6ad",
    "output": "#f7c6d9",
}
ROLE_NAMES = {
    "input": "input", "noise": "input + noise", "stream": "input stream", "recurrent": "recurrent layer",
    "combine": "combine states", "head": "head (shared)", "output": "output",
}
EDGE_STYLES = {   # colour, width, dash
    "forward": ("#444444", 1.3, Qt.SolidLine),
    "recurrent": ("#1f5fbf", 2.4, Qt.SolidLine),
    "skip": ("#8e24aa", 2.0, Qt.SolidLine),
    "inert": ("#9e9e9e", 1.3, Qt.DashLine),
}
EDGE_MEANING = {"forward": "data flow", "recurrent": "state carried to another timestep",
                "skip": "state skipping a timestep", "inert": "computed but without effect (as published)"}
assert set(ROLE_COLOURS) == set(ROLES)

COL_W = 200          # width of one timestep column
BOX_W = 176          # width of a per-timestep box
SHARED_W = 330       # widest shared (head) box
ROW_GAP = 38
MARGIN = 16
HEADER_H = 24


def shape_text(shape: tuple[int, ...]) -> str:
    return "×".join(str(d) for d in shape) if shape else "scalar"


def layer_depths(desc: ArchitectureDescription) -> dict[str, int]:
    """Row of each block: longest path over the edges that do not run along time.

    Time-wise (recurrent/skip) edges count only when a timestep writes into a shared
    block (a memory), so that block sits below the timesteps that feed it.
    """
    keys = [b.key for b in desc.blocks]
    step = {b.key: b.timestep for b in desc.blocks}
    preds: dict[str, list[str]] = {k: [] for k in keys}
    for e in desc.edges:
        if e.src not in preds or e.dst not in preds or e.src == e.dst:
            continue
        into_shared = step[e.src] is not None and step[e.dst] is None   # e.g. a state written to a memory
        across_time = step[e.src] is not None and step[e.dst] is not None and step[e.src] != step[e.dst]
        if across_time or (e.kind in ("recurrent", "skip") and not into_shared):
            continue
        preds[e.dst].append(e.src)
    depth: dict[str, int] = {}
    visiting: set[str] = set()

    def visit(k: str) -> int:
        if k in depth:
            return depth[k]
        if k in visiting:           # a cycle: stop here rather than loop
            return 0
        visiting.add(k)
        d = max((visit(p) + 1 for p in preds[k]), default=0)
        visiting.discard(k)
        depth[k] = d
        return d

    for k in keys:
        visit(k)

    # shared blocks downstream of the timesteps (the head) go below every timestep row
    succs: dict[str, list[str]] = {k: [] for k in keys}
    for k, ps in preds.items():
        for p in ps:
            succs[p].append(k)
    below, todo = set(), [k for k in keys if step[k] is not None]
    while todo:
        for n in succs[todo.pop()]:
            if step[n] is None and n not in below:
                below.add(n)
                todo.append(n)
    if below:
        last_step_row = max((depth[k] for k in keys if step[k] is not None), default=-1)
        shift = last_step_row + 1 - min(depth[k] for k in below)
        if shift > 0:
            for k in below:
                depth[k] += shift
    return depth


class DiagramScene(QGraphicsScene):
    """The scene for one description; `block_items[key]` is the box of block `key`."""

    def __init__(self, desc: ArchitectureDescription, parent=None):
        super().__init__(parent)
        self.desc = desc
        self.block_items: dict[str, QGraphicsPathItem] = {}
        self.block_rects: dict[str, QRectF] = {}
        self.edge_items: list[tuple[Edge, QGraphicsPathItem]] = []
        self._draw()

    # ---------------------------------------------------------------- layout
    def _draw(self) -> None:
        desc = self.desc
        steps = [b.timestep for b in desc.blocks if b.timestep is not None]
        columns = max([desc.timesteps] + [t + 1 for t in steps])
        width = columns * COL_W
        depth = layer_depths(desc)

        # rows: per depth, first the shared blocks, then the per-timestep ones
        rows: dict[tuple[int, int], list[Block]] = {}
        for b in desc.blocks:
            rows.setdefault((depth[b.key], 0 if b.timestep is None else 1), []).append(b)

        for t in range(columns):
            header = QGraphicsSimpleTextItem(f"timestep {t}")
            font = QFont()
            font.setBold(True)
            header.setFont(font)
            header.setBrush(QColor("#555"))
            r = header.boundingRect()
            header.setPos(MARGIN + t * COL_W + (COL_W - r.width()) / 2, MARGIN)
            self.addItem(header)

        y = MARGIN + HEADER_H
        for (d, per_step) in sorted(rows):
            blocks = rows[(d, per_step)]
            placed = []
            if per_step:
                by_step: dict[int, list[Block]] = {}
                for b in blocks:
                    by_step.setdefault(b.timestep, []).append(b)
                for t, group in by_step.items():
                    w = (BOX_W - 6 * (len(group) - 1)) / len(group)
                    for i, b in enumerate(group):
                        x = MARGIN + t * COL_W + (COL_W - BOX_W) / 2 + i * (w + 6)
                        placed.append((b, x, w))
            else:
                n = len(blocks)
                w = min(SHARED_W, (width - 12 * (n - 1)) / n)
                total = n * w + 12 * (n - 1)
                for i, b in enumerate(blocks):
                    placed.append((b, MARGIN + (width - total) / 2 + i * (w + 12), w))
            texts = [(b, x, w, self._text(b, w)) for b, x, w in placed]
            row_h = max(t.boundingRect().height() for *_, t in texts) + 6
            for b, x, w, text in texts:
                self._box(b, QRectF(x, y, w, row_h), text)
            arcs = any(e.kind == "skip" and e.src in {b.key for b, *_ in placed} for e in desc.edges)
            y += row_h + ROW_GAP + (22 if arcs else 0)

        self._edges()
        self.setSceneRect(self.itemsBoundingRect().adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN))

    def _text(self, b: Block, w: float) -> QGraphicsTextItem:
        params = self.desc.block_parameters(b)
        if params:
            shared = ", shared over time" if b.timestep is not None else ""
            count = f"{params:,} params{shared}"
        else:
            count = "no weights"
        item = QGraphicsTextItem()
        item.setHtml(f"<div align='center'><span style='font-size:10pt'>{_esc(b.label)}</span><br>"
                     f"<span style='font-size:9pt; color:#333'>out {shape_text(b.shape_out)} · "
                     f"{count}</span></div>")
        item.setTextWidth(w - 4)
        return item

    def _box(self, b: Block, rect: QRectF, text: QGraphicsTextItem) -> None:
        path = QPainterPath()
        path.addRoundedRect(rect, 6, 6)
        colour = QColor(ROLE_COLOURS.get(b.role, "#ffffff"))
        box = QGraphicsPathItem(path)
        box.setBrush(QBrush(colour))
        box.setPen(QPen(colour.darker(160), 1.2))
        weights = ", ".join(f"{w} {shape_text(self.desc.weights[w])}" for w in b.weights if w in self.desc.weights)
        tip = [f"<b>{_esc(b.label)}</b>", f"role: {ROLE_NAMES.get(b.role, b.role)}",
               f"output per example: {shape_text(b.shape_out)}"]
        if weights:
            tip.append(f"weights: {_esc(weights)} ({self.desc.block_parameters(b):,} parameters)")
        if b.detail:
            tip.append(_esc(b.detail))
        box.setToolTip("<br>".join(tip))
        box.setZValue(1)
        box.setData(0, b.key)
        self.addItem(box)
        text.setParentItem(box)
        text.setPos(rect.x() + 2, rect.y() + (rect.height() - text.boundingRect().height()) / 2)
        text.setAcceptedMouseButtons(Qt.NoButton)
        text.setAcceptHoverEvents(False)
        self.block_items[b.key] = box
        self.block_rects[b.key] = rect

    # ----------------------------------------------------------------- edges
    def _edges(self) -> None:
        rects = self.block_rects
        incoming: dict[str, list[Edge]] = {}
        outgoing: dict[str, list[Edge]] = {}
        for e in self.desc.edges:
            if e.src in rects and e.dst in rects and e.kind in ("forward", "inert"):
                incoming.setdefault(e.dst, []).append(e)
                outgoing.setdefault(e.src, []).append(e)
        for lst in list(incoming.values()) + list(outgoing.values()):
            lst.sort(key=lambda e: (rects[e.src].center().x(), rects[e.dst].center().x()))

        for e in self.desc.edges:
            if e.src not in rects or e.dst not in rects or e.src == e.dst:
                continue
            a, b = rects[e.src], rects[e.dst]
            colour, width, dash = EDGE_STYLES.get(e.kind, EDGE_STYLES["forward"])
            path = QPainterPath()
            same_row = abs(a.center().y() - b.center().y()) < 1
            fan = e.kind in ("forward", "inert")
            if same_row and e.kind == "skip":           # arc under the row, clear of the neighbour
                start = QPointF(a.center().x() + 12, a.bottom())
                end = QPointF(b.center().x() - 12, b.bottom())
                bulge = 16 + 5 * round(abs(b.center().x() - a.center().x()) / COL_W)
                path.moveTo(start)
                path.cubicTo(QPointF(start.x(), start.y() + bulge), QPointF(end.x(), end.y() + bulge), end)
                direction = QPointF(0, -1)
            elif same_row:                               # side to side
                left_to_right = b.center().x() >= a.center().x()
                start = QPointF(a.right() if left_to_right else a.left(), a.center().y())
                end = QPointF(b.left() if left_to_right else b.right(), b.center().y())
                if e.kind == "inert":                    # keep clear of a solid edge on the same pair
                    start += QPointF(0, a.height() * 0.3)
                    end += QPointF(0, b.height() * 0.3)
                path.moveTo(start)
                path.lineTo(end)
                direction = end - start
            else:                                        # between rows: vertical tangents
                down = b.top() >= a.bottom() - 1
                outs, ins = outgoing.get(e.src, []), incoming.get(e.dst, [])
                if fan and e in outs:
                    start = _spread(a, outs.index(e), len(outs), bottom=down)
                else:
                    start = QPointF(a.center().x() + (8 if not fan else 0), a.bottom() if down else a.top())
                if fan and e in ins:
                    end = _spread(b, ins.index(e), len(ins), bottom=not down)
                else:
                    end = QPointF(b.center().x() + (8 if not fan else 0), b.top() if down else b.bottom())
                if not fan and not down:                 # a return path: offset so it does not overlap
                    start, end = start - QPointF(16, 0), end - QPointF(16, 0)
                mid = (start.y() + end.y()) / 2
                path.moveTo(start)
                path.cubicTo(QPointF(start.x(), mid), QPointF(end.x(), mid), end)
                direction = QPointF(0, 1 if down else -1)
            item = QGraphicsPathItem(path)
            pen = QPen(QColor(colour), width, dash)
            pen.setCapStyle(Qt.RoundCap)
            item.setPen(pen)
            item.setZValue(0)
            item.setToolTip(f"{e.src} → {e.dst}: {EDGE_MEANING.get(e.kind, e.kind)}"
                            + (f"<br>{_esc(e.label)}" if e.label else ""))
            item.setData(0, e.kind)
            self.addItem(item)
            self._arrow(end, direction, QColor(colour))
            self.edge_items.append((e, item))
            if e.label and e.kind in ("recurrent", "skip", "inert"):
                self._edge_label(e, path, colour, same_row and e.kind != "skip", a, b)

    def _edge_label(self, e: Edge, path: QPainterPath, colour: str, between: bool, a: QRectF,
                    b: QRectF) -> None:
        """Short labels on the edge; long ones stay in the tooltip and the legend under the diagram."""
        label = QGraphicsSimpleTextItem(e.label)
        label.setBrush(QColor(colour))
        f = QFont()
        f.setPointSizeF(8.5)
        label.setFont(f)
        r = label.boundingRect()
        room = (abs(b.left() - a.right()) + 12) if between else 90
        if r.width() > room:
            return
        p = path.pointAtPercent(0.5)
        label.setPos(p.x() - r.width() / 2, p.y() - r.height() - 1)
        label.setZValue(2)
        self.addItem(label)

    def _arrow(self, tip: QPointF, direction: QPointF, colour: QColor) -> None:
        length = math.hypot(direction.x(), direction.y()) or 1.0
        ux, uy = direction.x() / length, direction.y() / length
        size = 7
        left = QPointF(tip.x() - ux * size - uy * size * 0.5, tip.y() - uy * size + ux * size * 0.5)
        right = QPointF(tip.x() - ux * size + uy * size * 0.5, tip.y() - uy * size - ux * size * 0.5)
        path = QPainterPath()
        path.addPolygon(QPolygonF([tip, left, right, tip]))
        head = QGraphicsPathItem(path)
        head.setBrush(colour)
        head.setPen(QPen(colour, 1))
        head.setZValue(2)
        self.addItem(head)


def _spread(rect: QRectF, i: int, n: int, bottom: bool) -> QPointF:
    """Point i of n along the bottom (or top) edge of `rect`, so fan-in edges stay apart."""
    y = rect.bottom() if bottom else rect.top()
    if n <= 1:
        return QPointF(rect.center().x(), y)
    usable = rect.width() * 0.7
    return QPointF(rect.center().x() - usable / 2 + usable * i / (n - 1), y)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class DiagramView(QGraphicsView):
    """Shows a DiagramScene scaled to fit; `interactive=False` for thumbnails (clicks go to the parent)."""

    def __init__(self, desc: ArchitectureDescription | None = None, interactive: bool = True,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing | QPainter.SmoothPixmapTransform)
        self.setBackgroundBrush(QColor("#ffffff"))
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setFrameShape(QGraphicsView.NoFrame if not interactive else QGraphicsView.StyledPanel)
        self.interactive = interactive
        if not interactive:
            self.setAttribute(Qt.WA_TransparentForMouseEvents)
            self.setFocusPolicy(Qt.NoFocus)
        self.desc: ArchitectureDescription | None = None
        if desc is not None:
            self.set_description(desc)

    def set_description(self, desc: ArchitectureDescription) -> None:
        self.desc = desc
        old = self.scene()
        self.setScene(DiagramScene(desc, self))
        if old is not None:
            old.deleteLater()
        self._fit()

    def diagram(self) -> DiagramScene | None:
        return self.scene()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        self._fit()

    def _fit(self) -> None:
        if self.scene() is not None:
            self.fitInView(self.scene().sceneRect(), Qt.KeepAspectRatio)


__all__ = ["DiagramScene", "DiagramView", "ROLE_COLOURS", "ROLE_NAMES", "EDGE_STYLES", "layer_depths"]
