"""Case panel: which training cases run, custom cases, the D schedule, training settings, presets.

Owns `config.cases`, `config.custom_cases`, `config.train` and `config.trials`.
Case names, colours and wiring come from engine.cases (one source for every
view). Every field refuses a bad value where it is typed. No TensorFlow.
"""
from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFormLayout, QFrame, QGroupBox, QHBoxLayout, QLabel,
                               QLineEdit, QPushButton, QScrollArea, QVBoxLayout, QWidget)
import pyqtgraph as pg

from engine import catalog
from engine.cases import PUBLISHED_CASES, Case, DilationSchedule, inert_connections, parse_connections
from engine import quirks as Q
from engine.settings import INITS, SEMANTICS, SEMANTICS_HELP, TrainSettings
from workbench.core.config import ExperimentConfig, preset_info, preset_names
from ui.window.reflow import Reflow
from ui.window.widgets import ErrorLabel, NumberField, PaneComboBox, Swatch, hint_label, mark_invalid

# Colours for custom cases: distinct from the seven published ones.
CUSTOM_COLOURS = ("#8c564b", "#ff7f0e", "#7f7f7f", "#6a3d9a", "#17becf", "#b15928", "#006d2c", "#e377c2")
SEED_MAX = 2**31 - 1
D_PLOT_POINTS = 512
PRESET_PLACEHOLDER = "Choose a preset…"
INIT_HELP = {
    "published": "published: the posts' N(0, sd) initialisation (may train slowly or diverge on small data)",
    "scaled": "scaled: sd = 1/√fan-in, a safer start for short runs",
}


class CaseRow(QWidget):
    """Swatch, on/off box, name, plain description and the gradient wiring of one case."""

    toggled = Signal()
    remove_requested = Signal(str)

    def __init__(self, case: Case, custom: bool = False, parent: QWidget | None = None):
        super().__init__(parent)
        self.case = case
        self.custom = custom
        self.check = QCheckBox()
        self.check.setChecked(True)
        self.check.setToolTip(f"Train case {case.key} in the next run")
        self.check.clicked.connect(lambda _c: self.toggled.emit())
        self.swatch = Swatch(case.colour, 18)
        self.name = QLabel(f"<b>{case.key} · {_esc(case.name)}</b>"
                           + (" <span style='color:#666'>(custom)</span>" if custom else ""))
        self.name.setBuddy(self.check)
        self.description = QLabel(case.description or "Case 0 plus the connections below, times D.")
        self.description.setWordWrap(True)
        self.wiring = QLabel(case.wiring())
        self.wiring.setStyleSheet("font-family: monospace; color: #333;")
        self.wiring.setWordWrap(True)
        self.wiring.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.warning = QLabel()
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #b35c00;")
        self.warning.hide()

        text = QVBoxLayout()
        text.setSpacing(1)
        text.addWidget(self.name)
        text.addWidget(self.description)
        text.addWidget(self.wiring)
        text.addWidget(self.warning)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(2, 3, 2, 3)
        layout.addWidget(self.check, 0, Qt.AlignTop)
        layout.addWidget(self.swatch, 0, Qt.AlignTop)
        layout.addLayout(text, 1)
        if custom:
            remove = QPushButton("Remove")
            remove.setToolTip(f"Delete custom case {case.key}")
            remove.clicked.connect(lambda: self.remove_requested.emit(case.key))
            layout.addWidget(remove, 0, Qt.AlignTop)
            self.remove_button = remove

    def set_architecture(self, desc, quirks=()) -> None:
        """`quirks`: the chosen quirk set (or a semantics name)."""
        dead = inert_connections(self.case, desc.head_timesteps, desc.dead_targets(quirks))
        if dead:
            reasons = "; ".join(f"{c.label()}: {why}" for c, why in dead)
            mode = " with the off-by-one quirk" if desc.dead_targets(quirks) else ""
            self.warning.setText(f"On {desc.key}{mode} some connections cannot change training ({reasons}).")
        self.warning.setVisible(bool(dead))


STACKED_CASES_MAX_HEIGHT = 560


class CasePanel(QWidget):
    """The cases to train and the settings shared by all of them."""

    changed = Signal()
    preset_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None, arch: str = "post-a"):
        super().__init__(parent)
        self._loading = False
        self._arch = arch
        self._train = TrainSettings()          # fields this panel does not show are kept from here
        self.rows: dict[str, CaseRow] = {}
        self.custom_cases: list[Case] = []

        left = QVBoxLayout()
        left.addWidget(self._build_cases(), 1)
        left.addWidget(self._build_custom_form())
        right = QVBoxLayout()
        right.addWidget(self._build_presets())
        right.addWidget(self._build_training())
        right.addWidget(self._build_dilation(), 1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addLayout(right, 2)
        self._reflow = Reflow(layout)          # training settings under the cases when the pane is narrow

        for case in PUBLISHED_CASES.values():
            self._add_row(case, custom=False)
        self.load(ExperimentConfig(arch=arch))

    def reflow(self, width: int) -> None:
        """Cases and training settings side by side when `width` allows, else one above the other.

        Stacked, the case list is given the height of its rows (up to STACKED_CASES_MAX_HEIGHT),
        so it does not shrink to one visible case; the tab's own scroll bar moves through the rest.
        """
        self._reflow.fit(width)
        rows = self.cases_scroll.widget().sizeHint().height()
        self.cases_scroll.setMinimumHeight(min(rows, STACKED_CASES_MAX_HEIGHT) if self._reflow.stacked else 0)

    # ============================================================ the contract
    def load(self, config: ExperimentConfig) -> None:
        self._loading = True
        try:
            self._arch = config.arch
            self._train = config.train
            for key in [k for k, r in self.rows.items() if r.custom]:
                self._remove_row(key)
            self.custom_cases = []
            for case in config.custom_cases:
                self.custom_cases.append(case)
                self._add_row(case, custom=True)
            selected = set(config.cases)
            for key, row in self.rows.items():
                row.check.setChecked(key in selected)
            t = config.train
            self.lr.set_value(t.learning_rate)
            self.batch.set_value(t.batch_size)
            self.epochs.set_value(t.epochs)
            self.seed.set_value(t.seed)
            self.trials.set_value(config.trials)
            self.dil_P.set_value(t.dilation_P)
            self.dil_k.set_value(t.dilation_k)
            _set_combo(self.init, t.init)
            _set_combo(self.semantics, t.semantics)
            self._set_quirk_boxes(t.quirks)
            self._show_choice_help()
            index = self.presets.findText(config.preset) if config.preset else 0
            self.presets.setCurrentIndex(max(index, 0))
            self._show_preset_description()
            self.set_architecture(config.arch)
            self._update_plot()
            self._update_case_problem()
        finally:
            self._loading = False

    def apply(self, config: ExperimentConfig) -> ExperimentConfig:
        train = config.train.with_(
            learning_rate=float(self.lr.value()), batch_size=int(self.batch.value()),
            epochs=int(self.epochs.value()), seed=int(self.seed.value()),
            quirks=self.selected_quirks(), init=self.init.currentText(),
            dilation_P=float(self.dil_P.value()), dilation_k=float(self.dil_k.value()))
        return config.with_(cases=self.selected_cases(), custom_cases=tuple(self.custom_cases),
                            train=train, trials=int(self.trials.value()))

    def problem(self) -> str | None:
        for field in self._fields():
            if field.problem():
                return field.problem()
        return self._case_problem()

    # ============================================================ public extras
    def selected_cases(self) -> tuple[str, ...]:
        return tuple(k for k, r in self.rows.items() if r.check.isChecked())

    def set_architecture(self, key: str) -> None:
        """Check custom cases against `key`'s timesteps and flag connections that have no effect."""
        try:
            desc = catalog.describe(key)
        except ValueError:
            return
        self._arch = key
        self._refresh_rows(desc)
        self._update_case_problem()

    def _refresh_rows(self, desc=None) -> None:
        """Flag connections that cannot change training for this architecture and semantics."""
        if desc is None:
            try:
                desc = catalog.describe(self._arch)
            except ValueError:
                return
        for row in self.rows.values():
            row.set_architecture(desc, self.selected_quirks())
        for name, box in self.quirk_boxes.items():
            q = Q.QUIRKS[name]
            concerns = q.concerns(desc.key)
            box.setText(q.title + ("" if concerns else "  (not this architecture)"))
            box.setStyleSheet("" if concerns else "color: #888;")

    def d_curve(self) -> tuple[np.ndarray, np.ndarray]:
        """The (epochs, D) points drawn in the D plot."""
        x, y = self.d_plot_item.getData()
        return np.asarray(x), np.asarray(y)

    # ============================================================ building
    def _build_cases(self) -> QWidget:
        box = QGroupBox("Cases (each trains its own copy of the network on the same batches)")
        self.rows_layout = QVBoxLayout()
        self.rows_layout.setSpacing(0)
        host = QWidget()
        host_layout = QVBoxLayout(host)
        host_layout.setContentsMargins(0, 0, 0, 0)
        host_layout.addLayout(self.rows_layout)
        host_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(host)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.cases_scroll = scroll
        buttons = QHBoxLayout()
        all_on = QPushButton("All")
        all_on.clicked.connect(lambda: self._check_all(True))
        all_off = QPushButton("None")
        all_off.clicked.connect(lambda: self._check_all(False))
        self.add_button = QPushButton("Add custom case…")
        self.add_button.clicked.connect(self._open_custom_form)
        buttons.addWidget(QLabel("Select:"))
        buttons.addWidget(all_on)
        buttons.addWidget(all_off)
        buttons.addStretch(1)
        buttons.addWidget(self.add_button)
        self.case_error = ErrorLabel()
        legend = hint_label("g_s: the gradient that reaches timestep s from the head; p_s: what timestep s "
                            "passes back to the previous state; in_t: the gradient timestep t receives. "
                            "D is the dilation factor below.")
        layout = QVBoxLayout(box)
        layout.addWidget(legend)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.case_error)
        layout.addLayout(buttons)
        return box

    def _build_custom_form(self) -> QWidget:
        box = QGroupBox("New custom case (case 0 plus your dilated connections)")
        self.custom_key = QLineEdit()
        self.custom_key.setPlaceholderText("e.g. 7 or skip3")
        self.custom_key_error = ErrorLabel()
        self.custom_name = QLineEdit()
        self.custom_name.setPlaceholderText("optional, e.g. dilated sparse 3")
        self.custom_connections = QLineEdit()
        self.custom_connections.setPlaceholderText("e.g. 1<g3, 0<p2")
        self.custom_connections_error = ErrorLabel()
        self.custom_preview = QLabel()
        self.custom_preview.setStyleSheet("font-family: monospace; color: #333;")
        self.custom_preview.setWordWrap(True)
        help_text = hint_label("Connections: t<gS adds D × the head gradient of timestep S to timestep t; "
                               "t<pS adds D × what timestep S passes back; S must be later than t; "
                               "append *0.5 to scale one. Separate with commas.")
        add = QPushButton("Add case")
        add.clicked.connect(self._add_custom)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(lambda: self.custom_box.hide())
        self.custom_add_button = add
        for edit in (self.custom_key, self.custom_connections):
            edit.textEdited.connect(lambda _t: self._validate_custom())

        def with_error(edit, error):
            w = QWidget()
            v = QVBoxLayout(w)
            v.setContentsMargins(0, 0, 0, 0)
            v.setSpacing(1)
            v.addWidget(edit)
            v.addWidget(error)
            return w

        form = QFormLayout()
        form.addRow("Key", with_error(self.custom_key, self.custom_key_error))
        form.addRow("Name", self.custom_name)
        form.addRow("Connections", with_error(self.custom_connections, self.custom_connections_error))
        form.addRow("", self.custom_preview)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(add)
        layout = QVBoxLayout(box)
        layout.addWidget(help_text)
        layout.addLayout(form)
        layout.addLayout(buttons)
        box.hide()
        self.custom_box = box
        return box

    def _build_presets(self) -> QWidget:
        box = QGroupBox("Preset")
        self.presets = PaneComboBox()
        self.presets.addItem(PRESET_PLACEHOLDER)
        for name in preset_names():
            self.presets.addItem(name)
            self.presets.setItemData(self.presets.count() - 1, _preset_description(name), Qt.ToolTipRole)
        self.presets.activated.connect(self._on_preset)
        self.presets.currentIndexChanged.connect(lambda _i: self._show_preset_description())
        self.preset_description = hint_label("")
        row = QHBoxLayout()
        row.addWidget(QLabel("Load settings from"))
        row.addWidget(self.presets, 1)
        layout = QVBoxLayout(box)
        layout.addLayout(row)
        layout.addWidget(self.preset_description)
        return box

    def _build_training(self) -> QWidget:
        box = QGroupBox("Training (shared by every case)")
        self.lr = NumberField("learning rate", float, minimum=0, min_exclusive=True, maximum=10.0)
        self.batch = NumberField("batch size", int, minimum=1, maximum=1_000_000)
        self.epochs = NumberField("epochs", int, minimum=1, maximum=1_000_000)
        self.seed = NumberField("seed", int, minimum=0, maximum=SEED_MAX)
        self.trials = NumberField("trials", int, minimum=1, maximum=100)
        self.lr.setToolTip("Adam step size, e.g. 0.001")
        self.batch.setToolTip("Images per training step")
        self.epochs.setToolTip("Passes over the training images")
        self.seed.setToolTip("Fixes initial weights, shuffling and noise; trial i uses seed + i")
        self.trials.setToolTip("Repeat the whole run with seeds seed, seed+1, … to compare cases with "
                               "confidence intervals")
        self.init = PaneComboBox()
        self.init.addItems(INITS)
        self.semantics = PaneComboBox()
        self.semantics.addItems(SEMANTICS + ("custom",))
        self.semantics.setItemData(2, "any subset of the quirks below", Qt.ToolTipRole)
        self.init_help = hint_label("")
        self.semantics_help = hint_label("")
        self.semantics.setToolTip(SEMANTICS_HELP)
        for field in (self.lr, self.batch, self.epochs, self.seed, self.trials):
            field.edited.connect(self._on_field)
        self.epochs.edited.connect(self._update_plot)
        for combo in (self.init, self.semantics):
            combo.activated.connect(self._on_choice)

        form = QFormLayout(box)
        form.addRow("Learning rate", self.lr)
        form.addRow("Batch size", self.batch)
        form.addRow("Epochs", self.epochs)
        form.addRow("Seed", self.seed)
        form.addRow("Trials", self.trials)
        form.addRow("Initialisation", self.init)
        form.addRow("", self.init_help)
        form.addRow("Semantics", self.semantics)
        form.addRow("", self.semantics_help)
        form.addRow("Quirks", self._build_quirks())
        return box

    def _build_quirks(self) -> QWidget:
        """One check box per quirk of the original scripts (engine/quirks.py)."""
        host = QWidget()
        layout = QVBoxLayout(host)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        self.quirk_boxes: dict[str, QCheckBox] = {}
        for name, q in Q.QUIRKS.items():
            box = QCheckBox(q.title)
            box.setObjectName(f"quirk-{name}")
            box.setToolTip(f"<b>{name}</b> ({q.section})<br>{_esc(q.effect)}<br>"
                           f"<span style='color:#777'>architectures: {', '.join(q.architectures)}</span>")
            box.toggled.connect(lambda on, n=name: self._on_quirk(n, on))
            layout.addWidget(box)
            self.quirk_boxes[name] = box
        return host

    def selected_quirks(self) -> tuple[str, ...]:
        return tuple(n for n, box in self.quirk_boxes.items() if box.isChecked())

    def _set_quirk_boxes(self, quirks) -> None:
        for name, box in self.quirk_boxes.items():
            box.blockSignals(True)
            box.setChecked(name in quirks)
            box.blockSignals(False)

    def _on_quirk(self, name: str, on: bool) -> None:
        # slot-training trains the slots stale-state keeps: keep the pair consistent
        for other, q in Q.QUIRKS.items():
            if on and other == name:
                for needed in q.requires:
                    self._set_quirk_boxes(set(self.selected_quirks()) | {needed})
            if not on and name in q.requires and self.quirk_boxes[other].isChecked():
                self._set_quirk_boxes(set(self.selected_quirks()) - {other})
        _set_combo(self.semantics, Q.label(self.selected_quirks()))
        self._show_choice_help()
        self._refresh_rows()
        self._emit_changed()

    def _build_dilation(self) -> QWidget:
        box = QGroupBox("Dilation factor D(epoch) = P / (1 + k · epoch)")
        box.setToolTip("Used by cases 2–6 and by custom cases")
        self.dil_P = NumberField("P", float, minimum=0, width=90)
        self.dil_k = NumberField("k", float, minimum=0, width=90)
        self.dil_P.setToolTip("D at epoch 0 (published: 1000)")
        self.dil_k.setToolTip("How fast D decays with the epoch (published: 0.008)")
        for field in (self.dil_P, self.dil_k):
            field.edited.connect(self._on_field)
            field.edited.connect(self._update_plot)
        self.d_summary = QLabel()
        self.d_summary.setWordWrap(True)
        self.d_plot = pg.PlotWidget(background="w")
        self.d_plot.setMinimumHeight(150)
        self.d_plot.setMenuEnabled(False)
        self.d_plot.setMouseEnabled(x=False, y=False)
        self.d_plot.hideButtons()
        self.d_plot.showGrid(x=True, y=True, alpha=0.25)
        self.d_plot.setLabel("bottom", "epoch")
        self.d_plot.setLabel("left", "D")
        self.d_plot_item = self.d_plot.plot([], [], pen=pg.mkPen("#1f3fff", width=2))
        row = QHBoxLayout()
        row.addWidget(QLabel("P"))
        row.addWidget(self.dil_P, 0, Qt.AlignTop)
        row.addSpacing(12)
        row.addWidget(QLabel("k"))
        row.addWidget(self.dil_k, 0, Qt.AlignTop)
        row.addSpacing(12)
        row.addWidget(self.d_summary, 1)
        layout = QVBoxLayout(box)
        layout.addWidget(hint_label("Used by cases 2–6 and by custom cases."))
        layout.addLayout(row)
        layout.addWidget(self.d_plot, 1)
        return box

    # ============================================================ rows
    def _add_row(self, case: Case, custom: bool) -> None:
        row = CaseRow(case, custom)
        row.toggled.connect(self._on_toggle)
        row.remove_requested.connect(self._on_remove)
        self.rows_layout.addWidget(row)
        self.rows[case.key] = row
        try:
            row.set_architecture(catalog.describe(self._arch), self.selected_quirks())
        except ValueError:
            pass

    def _remove_row(self, key: str) -> None:
        row = self.rows.pop(key)
        self.rows_layout.removeWidget(row)
        row.deleteLater()

    def _check_all(self, on: bool) -> None:
        for row in self.rows.values():
            row.check.setChecked(on)
        self._on_toggle()

    def _on_toggle(self) -> None:
        self._update_case_problem()
        self._emit_changed()

    def _on_remove(self, key: str) -> None:
        self.custom_cases = [c for c in self.custom_cases if c.key != key]
        self._remove_row(key)
        self._update_case_problem()
        self._emit_changed()

    # ============================================================ custom cases
    def _open_custom_form(self) -> None:
        used = {c.colour for c in self.custom_cases}
        taken = {k for k in self.rows}
        n = 7
        while str(n) in taken:
            n += 1
        if not self.custom_key.text():
            self.custom_key.setText(str(n))
        self.custom_box.show()
        self.custom_connections.setFocus()
        self._next_colour = next((c for c in CUSTOM_COLOURS if c not in used), CUSTOM_COLOURS[0])
        self._validate_custom()

    def _validate_custom(self) -> Case | None:
        """The case the form describes, or None with the problems shown at the fields."""
        key = self.custom_key.text().strip()
        key_problem = None
        if not key:
            key_problem = "enter a key (letters, digits, '-', '_' or '.')"
        elif key in PUBLISHED_CASES:
            key_problem = f"{key} is a published case; choose another key"
        elif key in self.rows:
            key_problem = f"a custom case {key} already exists"
        connections, conn_problem = (), None
        try:
            connections = parse_connections(self.custom_connections.text())
            if not connections:
                conn_problem = "enter at least one connection, e.g. 1<g3"
        except ValueError as exc:
            conn_problem = str(exc)
        case = None
        if not key_problem and not conn_problem:
            try:
                case = Case(key, self.custom_name.text().strip() or f"custom {key}",
                            getattr(self, "_next_colour", CUSTOM_COLOURS[0]), "manual", connections,
                            "Case 0 plus: " + ", ".join(c.label() for c in connections) + ".")
            except ValueError as exc:
                key_problem = str(exc)
        if case is not None:
            try:
                case.validate_for(catalog.describe(self._arch).timesteps)
            except ValueError as exc:
                conn_problem, case = str(exc), None
        self.custom_key_error.show_message(key_problem)
        mark_invalid(self.custom_key, bool(key_problem))
        self.custom_connections_error.show_message(conn_problem)
        mark_invalid(self.custom_connections, bool(conn_problem) and bool(self.custom_connections.text()))
        self.custom_preview.setText(case.wiring() if case else "")
        self.custom_add_button.setEnabled(case is not None)
        return case

    def _add_custom(self) -> None:
        case = self._validate_custom()
        if case is None:
            return
        self.custom_cases.append(case)
        self._add_row(case, custom=True)
        self.custom_key.clear()
        self.custom_name.clear()
        self.custom_connections.clear()
        self.custom_box.hide()
        self._update_case_problem()
        self._emit_changed()

    # ============================================================ reactions
    def _on_field(self) -> None:
        self._update_case_problem()
        self._emit_changed()

    def _on_choice(self, _index: int) -> None:
        chosen = self.semantics.currentText()
        if chosen in Q.PRESETS:
            self._set_quirk_boxes(Q.PRESETS[chosen])
        self._show_choice_help()
        self._refresh_rows()
        self._emit_changed()

    def _show_choice_help(self) -> None:
        self.init_help.setText(INIT_HELP.get(self.init.currentText(), ""))
        parts = {p.split(":", 1)[0].strip(): p.split(":", 1)[1].strip()
                 for p in SEMANTICS_HELP.split(". ") if ":" in p}
        chosen = self.semantics.currentText()
        other = [s for s in SEMANTICS if s != chosen]
        sentence = parts.get(chosen, "")
        text = f"<b>{chosen}</b>: {sentence.rstrip('.')}." if sentence else SEMANTICS_HELP
        if other and other[0] in parts:
            text += f"<br><span style='color:#777'>{other[0]}: {parts[other[0]].rstrip('.')}.</span>"
        self.semantics_help.setText(text)

    def _on_preset(self, index: int) -> None:
        if index <= 0:
            return
        self._show_preset_description()
        self.preset_requested.emit(self.presets.itemText(index))

    def _show_preset_description(self) -> None:
        name = self.presets.currentText()
        if name == PRESET_PLACEHOLDER:
            self.preset_description.setText("Presets replace the data, cases and training settings "
                                            "(the architecture stays as selected).")
        else:
            self.preset_description.setText(_preset_description(name))

    def _update_plot(self) -> None:
        P, k = float(self.dil_P.value()), float(self.dil_k.value())
        epochs = max(1, int(self.epochs.value() or 1))
        schedule = DilationSchedule(P, k)
        # At most D_PLOT_POINTS points whatever the epoch count (memory never grows with a typed number);
        # D is smooth and monotone, so evenly spaced epochs draw it exactly enough.
        x = (np.unique(np.round(np.linspace(0.0, epochs - 1, min(epochs, D_PLOT_POINTS))))
             if epochs > 1 else np.array([0.0, 1.0]))
        y = P / (1.0 + k * x)
        self.d_plot_item.setData(x, y)
        self.d_plot.setYRange(0, max(P, 1e-9) * 1.05, padding=0)
        last = int(x[-1])
        self.d_summary.setText(f"D(0) = {schedule(0):g} · D({last}) = {schedule(last):.4g}")

    def _case_problem(self) -> str | None:
        selected = self.selected_cases()
        if not selected:
            return "select at least one case"
        try:
            timesteps = catalog.describe(self._arch).timesteps
        except ValueError:
            timesteps = None
        if timesteps is not None:
            for case in self.custom_cases:
                if case.key in selected:
                    try:
                        case.validate_for(timesteps)
                    except ValueError as exc:
                        return str(exc)
        seed, trials = self.seed.value(), self.trials.value()
        if seed is not None and trials is not None and seed + trials > 2**31:
            return "seed + trials must stay below 2147483648"
        return None

    def _update_case_problem(self) -> None:
        problem = self._case_problem()
        self.case_error.show_message(problem)

    def _fields(self) -> list[NumberField]:
        return [self.lr, self.batch, self.epochs, self.seed, self.trials, self.dil_P, self.dil_k]

    def _emit_changed(self) -> None:
        if not self._loading:
            self.changed.emit()


def _set_combo(combo: QComboBox, text: str) -> None:
    combo.blockSignals(True)
    combo.setCurrentText(text)
    combo.blockSignals(False)


def _preset_description(name: str) -> str:
    try:
        return str(preset_info(name).get("description", ""))
    except Exception as exc:   # a broken preset file must not break the panel
        return f"(cannot read this preset: {exc})"


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
