"""Figures from the live plots: the four plots and their legend, with a caption, as PNG or SVG;
and the plotted data itself as CSV (`export_plotted_csv`).

Both are painted by one function from the plots' own scene, so the PNG and the SVG
show the same thing. The SVG is written by Qt's own generator (pyqtgraph 0.14's
SVGExporter cannot parse the closed paths Qt 6 writes); the caption says what the
figure shows (the run, its architecture, semantics and seeds, what lines, dots and
bands mean), so a figure taken out of the window still reads correctly.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QImage, QPainter


def _caption_font() -> QFont:
    font = QFont()
    font.setPointSizeF(8.5)
    return font


def _layout(view, caption: str) -> tuple[QRectF, float]:
    """The plots' scene rectangle and the height the word-wrapped caption needs under it."""
    rect = view.ci.sceneBoundingRect()
    metrics = QFontMetricsF(_caption_font())
    text = metrics.boundingRect(QRectF(0, 0, rect.width() - 16, 10_000), int(Qt.TextFlag.TextWordWrap), caption)
    return rect, text.height() + 12


def _paint(view, painter: QPainter, rect: QRectF, caption_h: float, caption: str) -> None:
    painter.fillRect(QRectF(0, 0, rect.width(), rect.height() + caption_h), QColor("white"))
    view.scene().render(painter, QRectF(0, 0, rect.width(), rect.height()), rect)
    painter.setPen(QColor("#303030"))
    painter.setFont(_caption_font())
    painter.drawText(QRectF(8, rect.height() + 4, rect.width() - 16, caption_h - 6),
                     int(Qt.TextFlag.TextWordWrap | Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop),
                     caption)


def export_png(view, caption: str, path: Path, width: int = 1600) -> Path:
    rect, caption_h = _layout(view, caption)
    scale = width / max(1.0, rect.width())
    image = QImage(int(rect.width() * scale), int((rect.height() + caption_h) * scale), QImage.Format.Format_ARGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    painter.scale(scale, scale)
    try:
        _paint(view, painter, rect, caption_h, caption)
    finally:
        painter.end()
    if not image.save(str(path), "PNG"):
        raise OSError(f"{path}: cannot write the PNG file")
    return Path(path)


def export_svg(view, caption: str, path: Path) -> Path:
    from PySide6.QtSvg import QSvgGenerator
    rect, caption_h = _layout(view, caption)
    generator = QSvgGenerator()
    generator.setFileName(str(path))
    generator.setSize(QSize(int(rect.width()), int(rect.height() + caption_h)))
    generator.setViewBox(QRectF(0, 0, rect.width(), rect.height() + caption_h))
    generator.setTitle("RCNN Workbench plots")
    generator.setDescription(caption)
    painter = QPainter()
    if not painter.begin(generator):
        raise OSError(f"{path}: cannot write the SVG file")
    try:
        _paint(view, painter, rect, caption_h, caption)
    finally:
        painter.end()
    if not Path(path).exists():
        raise OSError(f"{path}: cannot write the SVG file")
    return Path(path)


PLOTTED_COLUMNS = ("plot", "series", "x_axis", "x", "y")


def export_plotted_csv(series, x_axis: str, caption: str, path: Path) -> Path:
    """Exactly the series the plots draw, (plot title, series name, xs, ys) each, as they are drawn: after
    smoothing, on the chosen x-axis (`x_axis`: its label). One long table, a '# ' caption line first.

    Written whole to a temporary file and renamed over `path` (the save dialog asked before replacing)."""
    import csv
    import io
    from workbench.core.atomic_write import atomic_write
    from workbench.records.metrics import _fmt
    buffer = io.StringIO()
    buffer.write("# " + " ".join(caption.split()) + "\n")
    writer = csv.writer(buffer)
    writer.writerow(PLOTTED_COLUMNS)
    for plot, name, xs, ys in series:
        for x, y in zip(xs, ys):
            writer.writerow([plot, name, x_axis, _fmt(float(x)), _fmt(float(y))])
    try:
        atomic_write(Path(path), buffer.getvalue())
    except OSError as exc:
        raise OSError(f"{path}: cannot write the CSV file ({exc.strerror or exc})") from None
    return Path(path)
