"""Architecture gallery: one card per architecture the engine has, drawn from its description.

Owns `config.arch`. Cards come from `engine.catalog.keys()`, so a new
architecture appears here as soon as the engine registers it. No TensorFlow:
only `catalog.describe` is used, never `catalog.build`.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from ui.window.reflow import Reflow
from PySide6.QtWidgets import (QFrame, QGridLayout, QHBoxLayout, QLabel, QScrollArea, QSizePolicy,
                               QVBoxLayout, QWidget)

from engine import catalog
from engine.description import ArchitectureDescription
from workbench.core.config import ExperimentConfig
from ui.config.diagram import EDGE_STYLES, ROLE_COLOURS, ROLE_NAMES, DiagramView
from ui.window.widgets import Swatch

LEGEND_EDGES = {"forward": "data flow", "recurrent": "state → another timestep",
                "skip": "state skipping a timestep", "inert": "no effect (as published)"}
CARD_STYLE = ("#card {{ background: {bg}; border: {bw}px solid {border}; border-radius: 8px; }}")


def _count(n: int) -> str:
    return f"{n:,} parameters"


class ArchitectureCard(QFrame):
    """A thumbnail diagram with the title, the one-line summary and the size; click to select."""

    clicked = Signal(str)

    def __init__(self, desc: ArchitectureDescription, parent: QWidget | None = None):
        super().__init__(parent)
        self.key = desc.key
        self.desc = desc
        self.setObjectName("card")
        self.setCursor(Qt.PointingHandCursor)
        self.setToolTip(f"Click to train {desc.title} in the next run")
        title = QLabel(f"<b>{desc.title}</b>")
        title.setWordWrap(True)
        key = QLabel(f"<span style='color:#666'>{desc.key}</span>")
        self.thumbnail = DiagramView(desc, interactive=False)
        self.thumbnail.setFixedHeight(190)
        self.thumbnail.setMinimumWidth(200)
        summary = QLabel(desc.summary)
        summary.setWordWrap(True)
        summary.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Minimum)
        size = QLabel(f"{_count(desc.parameter_count)} · {desc.timesteps} timesteps · post {desc.post}")
        size.setStyleSheet("color: #333;")
        size.setWordWrap(True)
        self.selected_mark = QLabel("✔ selected for the next run")
        self.selected_mark.setStyleSheet("color: #1565c0; font-weight: bold;")
        self.selected_mark.setVisible(False)
        head = QHBoxLayout()
        head.addWidget(title, 1)
        head.addWidget(key, 0, Qt.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addLayout(head)
        layout.addWidget(self.thumbnail)
        layout.addWidget(summary)
        layout.addWidget(size)
        layout.addWidget(self.selected_mark)
        layout.addStretch(1)
        self.set_selected(False)

    def set_selected(self, selected: bool) -> None:
        self.selected = selected
        self.setStyleSheet(CARD_STYLE.format(bg="#eaf2ff" if selected else "#ffffff",
                                             bw=3 if selected else 1,
                                             border="#1565c0" if selected else "#c8c8c8"))
        self.selected_mark.setVisible(selected)

    def mousePressEvent(self, event) -> None:  # noqa: N802
        if event.button() == Qt.LeftButton:
            self.clicked.emit(self.key)
        super().mousePressEvent(event)


WIDE_CARDS_WIDTH = 540        # two columns of cards beside the large diagram
STACKED_CARDS_HEIGHT = 330    # the cards' own scroll area, when it sits above the diagram


class ArchitectureGallery(QWidget):
    """Cards on the left, the selected architecture large on the right."""

    changed = Signal()
    architecture_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None, columns: int = 2):
        super().__init__(parent)
        self._columns = columns
        self._selected: str | None = None
        self._unknown: str | None = None    # a loaded key the catalog does not know
        self.cards: dict[str, ArchitectureCard] = {}

        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setSpacing(10)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.grid_host)
        scroll.setFrameShape(QFrame.NoFrame)
        scroll.setMinimumWidth(WIDE_CARDS_WIDTH)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.scroll = scroll

        self.title = QLabel()
        self.title.setStyleSheet("font-size: 16px; font-weight: bold;")
        self.title.setWordWrap(True)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.size_label = QLabel()
        self.large = DiagramView(interactive=True)
        self.large.setMinimumSize(420, 380)
        self.large.setToolTip("")
        self.notes = QLabel()
        self.notes.setWordWrap(True)
        self.notes.setStyleSheet("color: #333;")
        self.notes.setTextFormat(Qt.RichText)
        self.notes.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.notes.setTextInteractionFlags(Qt.TextSelectableByMouse)
        notes_scroll = QScrollArea()
        notes_scroll.setWidget(self.notes)
        notes_scroll.setWidgetResizable(True)
        notes_scroll.setFrameShape(QFrame.NoFrame)
        notes_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        notes_scroll.setMaximumHeight(150)
        self.notes_scroll = notes_scroll
        self.problem_label = QLabel()
        self.problem_label.setStyleSheet("color: #c62828;")
        self.problem_label.setWordWrap(True)
        self.problem_label.hide()

        detail = QVBoxLayout()
        detail.addWidget(self.title)
        detail.addWidget(self.summary)
        detail.addWidget(self.size_label)
        detail.addWidget(self.problem_label)
        detail.addWidget(self.large, 1)
        detail.addLayout(self._legend())
        detail.addWidget(self.notes_scroll)
        host = QWidget()
        host.setLayout(detail)

        layout = QHBoxLayout(self)
        layout.addWidget(scroll, 5)
        layout.addWidget(host, 6)
        self._reflow = Reflow(layout)     # cards above the large diagram when the pane is narrow
        self._wide_columns = columns
        self.refresh()

    def reflow(self, width: int) -> None:
        """Cards beside the large diagram when `width` allows; else the cards (one column if need be) above it."""
        if self._reflow.fit(width) or self._reflow.wide_width is not None:
            stacked = self._reflow.stacked
            self.scroll.setMinimumWidth(0 if stacked else WIDE_CARDS_WIDTH)
            self.scroll.setMinimumHeight(STACKED_CARDS_HEIGHT if stacked else 0)
        card = next(iter(self.cards.values()), None)
        per_card = (card.minimumSizeHint().width() if card else 230) + self.grid.spacing()
        columns = self._wide_columns if not self._reflow.stacked else max(1, min(self._wide_columns,
                                                                                 (width - 20) // per_card))
        if columns != self._columns:
            self._columns = columns
            self.refresh()

    # ============================================================ the contract
    def load(self, config: ExperimentConfig) -> None:
        self.blockSignals(True)
        try:
            self.select(config.arch)
        finally:
            self.blockSignals(False)

    def apply(self, config: ExperimentConfig) -> ExperimentConfig:
        if self._selected is None:
            return config
        return config.with_(arch=self._selected)

    def problem(self) -> str | None:
        if self._unknown:
            return (f"architecture {self._unknown!r} is not known to this workbench; "
                    f"choose one of {', '.join(self.cards)}")
        if self._selected is None:
            return "choose an architecture"
        return None

    # ============================================================ public extras
    def selected(self) -> str | None:
        return self._selected

    def refresh(self) -> None:
        """(Re)build the cards from the catalog; keeps the selection when it still exists."""
        for card in self.cards.values():
            self.grid.removeWidget(card)
            card.deleteLater()
        self.cards = {}
        for i, key in enumerate(catalog.keys()):
            card = ArchitectureCard(catalog.describe(key))
            card.clicked.connect(self._on_card)
            self.grid.addWidget(card, i // self._columns, i % self._columns)
            self.cards[key] = card
        self.grid.setRowStretch(len(self.cards) // self._columns + 1, 1)
        keep = self._selected if self._selected in self.cards else next(iter(self.cards), None)
        self._selected = None
        if keep:
            self.select(keep)

    def select(self, key: str) -> None:
        """Select `key` without signals (programmatic)."""
        if key not in self.cards:
            self._unknown = key
            self.problem_label.setText(f"The configuration names architecture {key!r}, which this "
                                       "workbench does not have; click one of the cards.")
            self.problem_label.show()
            return
        self._unknown = None
        self.problem_label.hide()
        self._selected = key
        for k, card in self.cards.items():
            card.set_selected(k == key)
        self._show_detail(self.cards[key].desc)

    # ============================================================ internals
    def _on_card(self, key: str) -> None:
        previous, unknown = self._selected, self._unknown
        self.select(key)
        self.architecture_selected.emit(key)
        if key != previous or unknown:
            self.changed.emit()

    def _show_detail(self, desc: ArchitectureDescription) -> None:
        self.title.setText(desc.title)
        self.summary.setText(desc.summary)
        weights = ", ".join(f"{name} {'×'.join(map(str, shape))}" for name, shape in desc.weights.items())
        heads = ", ".join(map(str, desc.head_timesteps))
        self.size_label.setText(f"<b>{_count(desc.parameter_count)}</b> ({weights}) · {desc.timesteps} timesteps · "
                          f"head reads timestep{'s' if len(desc.head_timesteps) != 1 else ''} {heads}")
        self.size_label.setWordWrap(True)
        self.large.set_description(desc)
        by_kind: dict[str, list[str]] = {}
        for e in desc.edges:
            if e.kind != "forward" and e.label and e.label not in by_kind.get(e.kind, []):
                by_kind.setdefault(e.kind, []).append(e.label)
        edges = []
        for kind, labels in by_kind.items():
            colour = EDGE_STYLES.get(kind, EDGE_STYLES["forward"])[0]
            edges.append(f"<li><span style='color:{colour}'><b>{kind} edges</b></span>: "
                         f"{_esc('; '.join(labels))}</li>")
        if desc.notes or edges:
            items = "".join(edges) + "".join(f"<li>{_esc(n)}</li>" for n in desc.notes)
            self.notes.setText(f"<ul style='margin-left:-20px'>{items}</ul>")
        else:
            self.notes.setText("")

    def _legend(self) -> QVBoxLayout:
        """Box colours three to a row and edge styles two to a row, so the legend fits a narrow pane."""
        rows = QVBoxLayout()
        rows.setSpacing(2)
        roles = [(Swatch(colour, 14), QLabel(ROLE_NAMES[role])) for role, colour in ROLE_COLOURS.items()]
        edges = []
        for kind in ("forward", "recurrent", "skip", "inert"):
            colour, _, dash = EDGE_STYLES[kind]
            style = "dashed" if dash != Qt.SolidLine else "solid"
            line = QLabel()
            line.setFixedSize(22, 8)
            line.setStyleSheet(f"border: none; border-top: 2px {style} {colour};")
            edges.append((line, QLabel(LEGEND_EDGES[kind])))
        for items, per_row in ((roles, 3), (edges, 2)):
            grid = QGridLayout()
            grid.setHorizontalSpacing(4)
            grid.setVerticalSpacing(2)
            for i, (mark, label) in enumerate(items):
                r, c = divmod(i, per_row)
                grid.addWidget(mark, r, 2 * c, Qt.AlignVCenter)
                grid.addWidget(label, r, 2 * c + 1)
            grid.setColumnStretch(2 * per_row, 1)
            rows.addLayout(grid)
        return rows


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
