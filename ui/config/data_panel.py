"""Data and noise panel: the data source, its sizes, and one digit as every timestep sees it.

Owns `config.data` and `config.noise`. The preview uses the engine's own
NumPy noise code (engine.noise), so what is shown is what the network gets.
Downloads and file reads run on a worker thread; the offline sample is
loaded at once. No TensorFlow here.
"""
from __future__ import annotations

import os
import random

import numpy as np
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import (QComboBox, QFileDialog, QFrame, QGridLayout, QGroupBox, QHBoxLayout,
                               QLabel, QPushButton, QScrollArea, QSizePolicy, QSpinBox, QVBoxLayout,
                               QWidget)

from engine import catalog
from engine.data import DataError, Dataset, load_dataset
from engine.noise import DEFAULTS, FORMULAS, KINDS, NoiseSpec, preview
from workbench.core.config import DataSpec, ExperimentConfig
from ui.window.widgets import ErrorLabel, NumberField, PaneComboBox, PaneSpinBox, grey_pixmap, hint_label, pixmap_to_array

IMAGE_SCALE = 6                  # 28 px → 168 px, nearest neighbour
OPEN_FILE = "__open__"
BUILTIN = (("sample", "Offline sample (shipped, no download)"),
           ("mnist", "MNIST (Keras download / cache)"),
           ("fashion-mnist", "Fashion-MNIST (Keras download / cache)"))
SOURCE_NAMES = {"sample": "the offline sample", "mnist": "MNIST", "fashion-mnist": "Fashion-MNIST"}
GREY_MODES = (("clip", "0 = black, 1 = white (values outside are clipped)"),
              ("common", "one range for all images (min → black, max → white)"),
              ("own", "each image stretched to its own min–max"))
LIMIT_MAX = 10_000_000


# ------------------------------------------------------------------ loading
class _LoadSignals(QObject):
    done = Signal(int, str, object)      # generation, source, Dataset
    failed = Signal(int, str, str)       # generation, source, one-line message


class _LoadJob(QRunnable):
    """Loads a whole source (no limits) off the GUI thread."""

    def __init__(self, generation: int, source: str):
        super().__init__()
        self.generation, self.source = generation, source
        self.signals = _LoadSignals()

    def run(self) -> None:
        try:
            dataset = load_dataset(self.source)
        except DataError as exc:
            self.signals.failed.emit(self.generation, self.source, str(exc).splitlines()[0])
        except Exception as exc:  # a user-facing line, never a traceback in a thread
            self.signals.failed.emit(self.generation, self.source,
                                     f"{self.source}: cannot load ({type(exc).__name__}: {exc})")
        else:
            self.signals.done.emit(self.generation, self.source, dataset)


# --------------------------------------------------------- one timestep's noise
class NoiseColumn(QWidget):
    """The noisy image of one timestep with its noise kind and parameters."""

    edited = Signal()

    def __init__(self, timestep: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.timestep = timestep
        self._spec = NoiseSpec("none")          # the last valid spec
        self._problem: str | None = None
        self.fields: dict[str, NumberField] = {}

        self.caption = QLabel(f"<b>timestep {timestep}</b>")
        self.caption.setAlignment(Qt.AlignCenter)
        self.image = QLabel()
        self.image.setFixedSize(28 * IMAGE_SCALE, 28 * IMAGE_SCALE)
        self.image.setFrameShape(QFrame.Box)
        self.range_label = QLabel()
        self.range_label.setAlignment(Qt.AlignCenter)
        self.kind = PaneComboBox()
        self.kind.addItems(KINDS)
        self.kind.setToolTip("The noise added to the clean image at this timestep")
        self.formula = QLabel()
        self.formula.setWordWrap(True)
        self.formula.setAlignment(Qt.AlignCenter)
        self.formula.setStyleSheet("font-family: monospace;")
        self.stats = QLabel()
        self.stats.setAlignment(Qt.AlignCenter)
        self.stats.setStyleSheet("color: #555;")
        self.stats.setWordWrap(True)
        self.params_box = QWidget()
        self.params_layout = QGridLayout(self.params_box)
        self.params_layout.setContentsMargins(0, 0, 0, 0)
        self.params_layout.setVerticalSpacing(2)
        self.error = ErrorLabel()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(4)
        layout.addWidget(self.caption)
        layout.addWidget(self.image, 0, Qt.AlignHCenter)
        layout.addWidget(self.range_label)
        layout.addWidget(self.kind)
        layout.addWidget(self.formula)
        layout.addWidget(self.params_box)
        layout.addWidget(self.stats)
        layout.addWidget(self.error)
        layout.addStretch(1)
        self.setFixedWidth(28 * IMAGE_SCALE + 34)

        self.kind.activated.connect(self._on_kind)

    # -------------------------------------------------------------- state
    def set_spec(self, spec: NoiseSpec) -> None:
        """Show `spec` (no signal)."""
        self._spec = spec
        self._problem = None
        self.kind.blockSignals(True)
        self.kind.setCurrentText(spec.kind)
        self.kind.blockSignals(False)
        self._build_fields(spec.kind, spec.params)
        self._show_info()

    def spec(self) -> NoiseSpec:
        """The last valid spec (the current one when problem() is None)."""
        return self._spec

    def problem(self) -> str | None:
        return self._problem

    # ---------------------------------------------------------- internals
    def _build_fields(self, kind: str, params) -> None:
        while self.params_layout.count():
            item = self.params_layout.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        self.fields = {}
        for row, (name, default) in enumerate(DEFAULTS[kind].items()):
            field = NumberField(name, float, value=params.get(name, default), width=70)
            field.setToolTip(f"default {default:g}")
            field.edited.connect(self._on_field)
            label = QLabel(name)
            label.setAlignment(Qt.AlignRight | Qt.AlignTop)
            label.setContentsMargins(0, 4, 0, 0)
            self.params_layout.addWidget(label, row, 0)
            self.params_layout.addWidget(field, row, 1)
            self.fields[name] = field
        self.formula.setText(FORMULAS[kind])

    def _on_kind(self, _index: int) -> None:
        kind = self.kind.currentText()
        if kind == self._spec.kind and not self._problem:
            return
        self.set_spec(NoiseSpec(kind))
        self.edited.emit()

    def _on_field(self) -> None:
        self._validate()
        self.edited.emit()

    def _validate(self) -> None:
        kind = self.kind.currentText()
        for field in self.fields.values():
            field.set_extra_problem(None)
        bad = [f.problem() for f in self.fields.values() if f.problem()]
        if bad:
            self._problem = bad[0]
        else:
            try:
                self._spec = NoiseSpec(kind, {n: f.value() for n, f in self.fields.items()})
                self._problem = None
            except ValueError as exc:
                self._problem = str(exc)
                named = [f for n, f in self.fields.items() if n in str(exc).split(":", 1)[-1]]
                for field in named or self.fields.values():
                    field.set_extra_problem(" ")          # red border; the sentence is below
                    field.error.hide()
        self._show_info()

    def _show_info(self) -> None:
        field_shows_it = any(f.problem() == self._problem and f.error.isVisibleTo(self)
                             for f in self.fields.values())
        self.error.show_message(None if field_shows_it else self._problem)
        spec = self._spec
        if self._problem:
            self.stats.setText("preview shows the last valid setting")
        elif spec.kind == "none":
            self.stats.setText("adds nothing")
        else:
            self.stats.setText(f"adds mean {spec.added_mean():.3g}, sd {spec.added_std():.3g}")


# ----------------------------------------------------------------- the panel
class DataNoisePanel(QWidget):
    """Data source and per-timestep noise, with a large preview of one digit."""

    changed = Signal()
    dataset_loaded = Signal(str)    # the source now shown (after a load or a fallback)

    def __init__(self, parent: QWidget | None = None, arch: str = "post-a"):
        super().__init__(parent)
        self._loading = False
        self._arch = arch
        self._noise_edited = False
        self._dataset: Dataset | None = None
        self._dataset_source: str | None = None
        self._pending: str | None = None           # source being loaded by a worker
        self._generation = 0
        self._jobs: dict[int, _LoadJob] = {}
        self._preview_seed = 0
        self._preview: np.ndarray | None = None    # [T,28,28] float
        self._clean: np.ndarray | None = None
        self._shown: list[np.ndarray] = []         # the 8-bit arrays drawn (clean first)
        self._source_index = 0
        self.columns: list[NoiseColumn] = []

        self._build_data_box()
        self._build_preview_box()
        outer = QVBoxLayout(self)
        outer.addWidget(self.data_box)
        outer.addWidget(self.preview_box, 1)

        self.set_architecture(arch)
        self._request_load("sample")

    # ============================================================ the contract
    def load(self, config: ExperimentConfig) -> None:
        self._loading = True
        try:
            self.set_architecture(config.arch, force_default=config.noise is None)
            if config.noise is not None:
                specs = list(config.noise)
                if len(specs) != len(self.columns):
                    self._rebuild_columns(len(specs))
                for column, spec in zip(self.columns, specs):
                    column.set_spec(spec)
                self._noise_edited = True
            data = config.data
            self._select_source(data.source)
            for spin, value in ((self.train_limit, data.train_limit), (self.test_limit, data.test_limit),
                                (self.train_skip, data.train_skip)):
                spin.blockSignals(True)
                spin.setValue(int(value or 0))
                spin.blockSignals(False)
            self._update_noise_note()
            if data.source != self._dataset_source and data.source != self._pending:
                self._request_load(data.source)
            else:
                self._after_dataset_change()
        finally:
            self._loading = False

    def apply(self, config: ExperimentConfig) -> ExperimentConfig:
        data = DataSpec(source=self.source(), train_limit=self.train_limit.value() or None,
                        test_limit=self.test_limit.value() or None,
                        train_skip=self.train_skip.value())
        noise = tuple(c.spec() for c in self.columns) if self._noise_edited else None
        return config.with_(data=data, noise=noise)

    def problem(self) -> str | None:
        for column in self.columns:
            if column.problem():
                return f"noise at timestep {column.timestep}: {column.problem()}"
        return self._limit_problem()

    # ============================================================ public extras
    def set_architecture(self, key: str, force_default: bool = False) -> None:
        """Show `key`'s timesteps; its published noise unless the user edited a matching schedule."""
        desc = catalog.describe(key)
        self._arch = key
        default = list(desc.default_noise) or [NoiseSpec("none")] * desc.timesteps
        keep = self._noise_edited and not force_default and len(self.columns) == len(default)
        if len(self.columns) != len(default):
            self._rebuild_columns(len(default))
        if not keep:
            self._noise_edited = False
            for column, spec in zip(self.columns, default):
                column.set_spec(spec)
        blocks = {b.timestep: b for b in desc.blocks if b.role in ("input", "noise") and b.timestep is not None}
        for column in self.columns:
            block = blocks.get(column.timestep)
            column.caption.setToolTip(block.detail if block else "")
        self._update_noise_note()
        self._update_preview()

    def source(self) -> str:
        return self.source_combo.currentData() or "sample"

    def dataset(self) -> Dataset | None:
        return self._dataset

    def is_loading(self) -> bool:
        return self._pending is not None

    def shown_array(self, index: int) -> np.ndarray:
        """The grey values on screen of image `index` (0 = clean, 1.. = timesteps), [H,W] uint8."""
        label = self.clean_image if index == 0 else self.columns[index - 1].image
        return pixmap_to_array(label.pixmap())

    def preview_values(self) -> np.ndarray | None:
        """The noisy float images shown, [T,28,28]."""
        return self._preview

    def reset_noise(self) -> None:
        self._noise_edited = False
        self.set_architecture(self._arch, force_default=True)
        self._emit_changed()

    def resample(self) -> None:
        self._preview_seed = random.randrange(1, 2**31)
        self._update_preview()

    # ============================================================ building
    def _build_data_box(self) -> None:
        self.data_box = QGroupBox("Dataset")
        self.source_combo = PaneComboBox()
        for key, text in BUILTIN:
            self.source_combo.addItem(text, key)
        self.source_combo.insertSeparator(len(BUILTIN))
        self.source_combo.addItem("Open file… (.npz or IDX files)", OPEN_FILE)
        self.source_combo.setToolTip("Where the training and test images come from. MNIST and "
                                     "Fashion-MNIST are downloaded once into the Keras cache.")
        self.source_combo.setMinimumWidth(300)
        self.source_combo.activated.connect(self._on_source)

        def spin(tip: str, special: str) -> QSpinBox:
            box = PaneSpinBox()
            box.setRange(0, LIMIT_MAX)
            box.setSpecialValueText(special)
            box.setGroupSeparatorShown(True)
            box.setToolTip(tip)
            box.setMinimumWidth(110)
            box.valueChanged.connect(self._on_limits)
            return box

        self.train_limit = spin("Use only the first N training images (0 = all)", "all")
        self.test_limit = spin("Use only the first N test images (0 = all)", "all")
        self.train_skip = spin("Skip the first N training images (post B trains on train[5000:])", "none")
        self.sizes = QLabel("")
        self.sizes.setWordWrap(True)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.limit_error = ErrorLabel()

        # Two rows, so the pane needs no horizontal scrolling on a 1366-pixel screen.
        row = QHBoxLayout()
        row.addWidget(QLabel("Source"))
        row.addWidget(self.source_combo, 1)
        limits = QGridLayout()
        for i, (text, box) in enumerate((("Training images", self.train_limit), ("Test images", self.test_limit),
                                         ("Skip first", self.train_skip))):
            limits.addWidget(QLabel(text), i // 2, 2 * (i % 2))
            limits.addWidget(box, i // 2, 2 * (i % 2) + 1)
        limits.setColumnStretch(4, 1)
        layout = QVBoxLayout(self.data_box)
        layout.addLayout(row)
        layout.addLayout(limits)
        layout.addWidget(self.limit_error)
        layout.addWidget(self.sizes)
        layout.addWidget(self.status)

    def _build_preview_box(self) -> None:
        self.preview_box = QGroupBox("One digit as the network sees it, timestep by timestep")
        self.index = PaneSpinBox()
        self.index.setRange(0, 0)
        self.index.setMinimumWidth(90)
        self.index.setToolTip("Which training image to show")
        self.index.valueChanged.connect(lambda _v: self._update_preview())
        self.random_button = QPushButton("Random image")
        self.random_button.clicked.connect(self._random_image)
        self.resample_button = QPushButton("Resample noise")
        self.resample_button.setToolTip("Draw the noise again (a new preview seed); "
                                        "training draws fresh noise for every batch")
        self.resample_button.clicked.connect(self.resample)
        self.reset_button = QPushButton("Architecture's noise")
        self.reset_button.setToolTip("Go back to the noise schedule the architecture was published with")
        self.reset_button.clicked.connect(self.reset_noise)
        self.grey_mode = PaneComboBox()
        for key, text in GREY_MODES:
            self.grey_mode.addItem(text, key)
        self.grey_mode.setToolTip("How pixel values map to grey levels in these images "
                                  "(noise is not clipped: values can leave [0, 1])")
        self.grey_mode.currentIndexChanged.connect(lambda _i: self._draw())
        # Elided to a short width (the whole text is in the list and the tooltip): the pane fits 1366 px.
        self.grey_mode.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
        self.grey_mode.setMinimumContentsLength(16)

        controls = QHBoxLayout()          # which image, and its noise
        controls.addWidget(QLabel("Image #"))
        controls.addWidget(self.index)
        controls.addWidget(self.random_button)
        controls.addWidget(self.resample_button)
        controls.addStretch(1)
        noise_controls = QHBoxLayout()    # the published noise, and how pixels are drawn
        noise_controls.addWidget(self.reset_button)
        noise_controls.addSpacing(12)
        noise_controls.addWidget(QLabel("Grey scale"))
        noise_controls.addWidget(self.grey_mode)
        noise_controls.addStretch(1)

        self.clean_caption = QLabel("<b>clean</b>")
        self.clean_caption.setAlignment(Qt.AlignCenter)
        self.clean_image = QLabel()
        self.clean_image.setFixedSize(28 * IMAGE_SCALE, 28 * IMAGE_SCALE)
        self.clean_image.setFrameShape(QFrame.Box)
        self.clean_range = QLabel()
        self.clean_range.setAlignment(Qt.AlignCenter)
        self.label_text = QLabel()
        self.label_text.setAlignment(Qt.AlignCenter)
        self.label_text.setWordWrap(True)
        self.label_text.setStyleSheet("font-size: 15px;")
        clean = QWidget()
        clean_layout = QVBoxLayout(clean)
        clean_layout.setContentsMargins(4, 0, 4, 0)
        clean_layout.setSpacing(4)
        for w in (self.clean_caption, self.clean_image, self.clean_range, self.label_text):
            clean_layout.addWidget(w, 0, Qt.AlignHCenter if w is self.clean_image else Qt.Alignment())
        clean_layout.addWidget(hint_label("The network never sees this clean image; it gets one "
                                          "noisy copy per timestep, drawn afresh for every batch."))
        clean_layout.addStretch(1)
        clean.setFixedWidth(28 * IMAGE_SCALE + 34)
        self.clean_column = clean

        self.strip = QWidget()
        self.strip_layout = QHBoxLayout(self.strip)
        self.strip_layout.setContentsMargins(0, 0, 0, 0)
        self.strip_layout.setSpacing(6)
        self.strip_layout.addWidget(clean)
        self.strip_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(self.strip)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        self.scroll = scroll

        self.noise_note = QLabel()
        self.noise_note.setWordWrap(True)
        self.noise_note.setStyleSheet("color: #555;")
        layout = QVBoxLayout(self.preview_box)
        layout.addLayout(controls)
        layout.addLayout(noise_controls)
        layout.addWidget(self.noise_note)
        layout.addWidget(scroll, 1)

    def _rebuild_columns(self, count: int) -> None:
        for column in self.columns:
            self.strip_layout.removeWidget(column)
            column.deleteLater()
        self.columns = []
        for t in range(count):
            column = NoiseColumn(t)
            column.edited.connect(self._on_noise_edited)
            self.strip_layout.insertWidget(1 + t, column)
            self.columns.append(column)

    # ============================================================ data source
    def _select_source(self, source: str) -> None:
        index = self.source_combo.findData(source)
        if index < 0:
            index = self.source_combo.findData(OPEN_FILE)
            self.source_combo.insertItem(index, _short_path(source), source)
            self.source_combo.setItemData(index, source, Qt.ToolTipRole)
        self.source_combo.blockSignals(True)
        self.source_combo.setCurrentIndex(index)
        self.source_combo.blockSignals(False)
        self._source_index = index

    def _on_source(self, index: int) -> None:
        key = self.source_combo.itemData(index)
        if key == OPEN_FILE:
            path, _ = QFileDialog.getOpenFileName(
                self, "Open a dataset", os.path.expanduser("~"),
                "MNIST-style data (*.npz *-ubyte *-ubyte.gz);;All files (*)")
            if not path:
                self.source_combo.setCurrentIndex(self._source_index)
                return
            self._select_source(path)
            key = path
        self._source_index = self.source_combo.currentIndex()
        if key != self._dataset_source:
            self._request_load(key)
        self._emit_changed()

    def _request_load(self, source: str) -> None:
        self._generation += 1
        generation = self._generation
        if source == "sample":     # shipped, pure NumPy, a fraction of a second
            self._pending = None
            try:
                dataset = load_dataset("sample")
            except DataError as exc:
                self._dataset, self._dataset_source = None, None
                self.status.setText(f"<span style='color:#c62828'>{exc}</span>")
                self._after_dataset_change()
                return
            self._on_loaded(generation, source, dataset)
            return
        self._pending = source
        self.status.setText(f"Loading {SOURCE_NAMES.get(source, source)}… (the preview keeps "
                            f"showing {SOURCE_NAMES.get(self._dataset_source, self._dataset_source)} "
                            "until it arrives)")
        job = _LoadJob(generation, source)
        job.signals.done.connect(self._on_loaded)
        job.signals.failed.connect(self._on_failed)
        self._jobs[generation] = job
        QThreadPool.globalInstance().start(job)

    def _on_loaded(self, generation: int, source: str, dataset: Dataset) -> None:
        self._jobs.pop(generation, None)
        if generation != self._generation:
            return
        self._pending = None
        self._dataset, self._dataset_source = dataset, source
        self.status.setText("")
        self.status.setToolTip(dataset.source)
        self._after_dataset_change()
        self.dataset_loaded.emit(source)

    def _on_failed(self, generation: int, source: str, message: str) -> None:
        self._jobs.pop(generation, None)
        if generation != self._generation:
            return
        self._pending = None
        self._select_source("sample")
        self._request_load("sample")
        self.status.setText(f"<span style='color:#c62828'>{_html(message)}</span><br>"
                            "Switched back to the offline sample.")
        self._emit_changed()

    def _on_limits(self, _value: int) -> None:
        self._after_dataset_change()
        self._emit_changed()

    def _after_dataset_change(self) -> None:
        ds = self._dataset
        problem = self._limit_problem()
        self.limit_error.show_message(problem)
        for box in (self.train_limit, self.test_limit, self.train_skip):
            box.setStyleSheet("")
        if problem:
            bad = {"training": self.train_limit, "test": self.test_limit, "skip": self.train_skip}
            for word, box in bad.items():
                if problem.startswith(word) or (word == "skip" and "skip" in problem):
                    box.setStyleSheet("QSpinBox { border: 2px solid #c62828; background: #fff1f1; }")
                    break
        if ds is None:
            self.sizes.setText("No data loaded.")
            self.index.setRange(0, 0)
            self._update_preview()
            return
        n_train, n_test = len(ds.y_train), len(ds.y_test)
        used_train = self._used_training(n_train)
        used_test = min(self.test_limit.value() or n_test, n_test)
        name = SOURCE_NAMES.get(self._dataset_source, _short_path(self._dataset_source or ""))
        self.sizes.setText(f"<b>{name}</b>: {n_train:,} training and {n_test:,} test images of 28×28 "
                           f"available; this run uses <b>{used_train:,}</b> training and "
                           f"<b>{used_test:,}</b> test images.")
        self.sizes.setToolTip(ds.source)
        self.index.blockSignals(True)
        self.index.setRange(0, max(0, used_train - 1))
        self.index.blockSignals(False)
        self._update_preview()

    def training_images(self) -> int | None:
        """How many training images the run will use (None until the chosen data has loaded)."""
        ds = self._dataset
        if ds is None or self._dataset_source != self.source():
            return None
        return self._used_training(len(ds.y_train))

    def _used_training(self, n_train: int) -> int:
        return max(0, min(self.train_limit.value() or n_train, n_train - self.train_skip.value()))

    def _limit_problem(self) -> str | None:
        ds = self._dataset
        if ds is None or self._dataset_source != self.source():
            return None
        n_train, n_test = len(ds.y_train), len(ds.y_test)
        skip, train, test = self.train_skip.value(), self.train_limit.value(), self.test_limit.value()
        name = SOURCE_NAMES.get(self._dataset_source, "this dataset")
        if skip >= n_train:
            return f"skipping {skip:,} training images leaves none ({name} has {n_train:,})"
        if train and train > n_train - skip:
            return (f"training images: {train:,} is more than the {n_train - skip:,} "
                    f"available in {name}" + (f" after skipping {skip:,}" if skip else ""))
        if test and test > n_test:
            return f"test images: {test:,} is more than the {n_test:,} available in {name}"
        return None

    # ============================================================ preview
    def _random_image(self) -> None:
        if self.index.maximum() > 0:
            self.index.setValue(random.randint(0, self.index.maximum()))

    def _on_noise_edited(self) -> None:
        self._noise_edited = True
        self._update_noise_note()
        self._update_preview()
        self._emit_changed()

    def _update_noise_note(self) -> None:
        title = catalog.describe(self._arch).title
        if self._noise_edited:
            self.noise_note.setText(f"Your own noise schedule (the architecture's is restored by "
                                    f"“Architecture's noise”). Architecture: {title}.")
        else:
            self.noise_note.setText(f"The noise schedule published with {title}. Edit a timestep "
                                    "to change it for the next run.")
        self.reset_button.setEnabled(self._noise_edited)

    def _update_preview(self) -> None:
        ds = self._dataset
        if ds is None or not self.columns:
            self._clean, self._preview = None, None
            self._draw()
            return
        offset = self.train_skip.value()
        i = min(offset + self.index.value(), len(ds.y_train) - 1)
        clean = ds.x_train[i, :, :, 0]
        images = [preview(clean[None], (column.spec(),), seed=self._preview_seed * 1009 + column.timestep)[0, 0]
                  for column in self.columns]
        self._clean = clean
        self._preview = np.stack(images)
        label = int(ds.y_train[i])
        self.label_text.setText(f"label <b>{label}</b><br><span style='color:#555'>training image "
                                f"{self.index.value():,}</span>")
        self._draw()

    def _draw(self) -> None:
        if self._clean is None or self._preview is None:
            for label in [self.clean_image] + [c.image for c in self.columns]:
                label.clear()
            return
        images = [self._clean] + list(self._preview)
        mode = self.grey_mode.currentData()
        lo_all = min(float(im.min()) for im in images)
        hi_all = max(float(im.max()) for im in images)
        targets = [(self.clean_image, self.clean_range)] + [(c.image, c.range_label) for c in self.columns]
        self._shown = []
        for image, (label, range_label) in zip(images, targets):
            lo, hi = float(image.min()), float(image.max())
            if mode == "clip":
                shown_lo, shown_hi = 0.0, 1.0
            elif mode == "common":
                shown_lo, shown_hi = lo_all, hi_all
            else:
                shown_lo, shown_hi = lo, hi
            pixmap, data = grey_pixmap(image, shown_lo, shown_hi, IMAGE_SCALE)
            label.setPixmap(pixmap)
            self._shown.append(data)
            outside = lo < 0 or hi > 1
            colour = "#b35c00" if outside else "#333"
            range_label.setText(f"<span style='color:{colour}'>min {lo:.2f} · max {hi:.2f}</span>")
            range_label.setToolTip("Pixel values of this image after its noise"
                                   + (" (outside [0, 1]: the noise is not clipped)" if outside else ""))

    def _emit_changed(self) -> None:
        if not self._loading:
            self.changed.emit()


def _short_path(path: str) -> str:
    home = os.path.expanduser("~")
    shown = "~" + path[len(home):] if path.startswith(home) else path
    return shown if len(shown) <= 60 else "…" + shown[-59:]


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
