"""Panels to figures: PNG at a chosen size and scale, SVG, CSV of the drawn numbers, clipboard.

One code path serves the right-click menu, the "export all" action, the CLI and the tests:
:func:`export_panel` takes a folder and writes, atomically, ``scenario-step-panel.png/.svg/.csv``
plus the JSON sidecar that says how to make the figure again and what every CSV column means
(``nnviz.io.sidecar``, ``nnviz.io.columns``). Names that exist already get ``-1``, ``-2`` … so
nothing is overwritten silently. A panel that compares a pinned run with the current one
(``comparison_figure()``) also exports the two side by side (:func:`export_comparison`).

How a panel is rendered: if :meth:`Panel.export_target` names a pyqtgraph item or scene, the
panel is laid out for a moment so that the item has the requested logical size
(``size / scale`` pixels), then pyqtgraph's ``ImageExporter`` renders it at ``scale`` (text and
lines drawn at full resolution, not an enlarged bitmap) and ``SVGExporter`` writes its vectors.
Otherwise the whole widget is rendered with ``QWidget.render`` (PNG) or into a
``QSvgGenerator`` (SVG). The panel goes back to its size before control returns to the event
loop, so nothing visible flickers.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from pyqtgraph.exporters import ImageExporter, SVGExporter
from PySide6.QtCore import QBuffer, QByteArray, QEvent, QIODevice, QPoint, QRect, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QRegion
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QWidget

from nnviz.app.panels.base import Panel
from nnviz.io.columns import describe_table
from nnviz.io.files import (
    ExportError,
    all_or_nothing,
    atomic_path,
    atomic_write,
    check_writable_folder,
    export_stem,
    safe_stem,
    slug,
    unused_stem,
)
from nnviz.io.sidecar import make_sidecar, snapshot_sidecar, write_sidecar
from nnviz.io.tables import check_table, csv_text

FORMATS = ("png", "svg", "csv")


@dataclass(frozen=True)
class ExportOptions:
    """What to write: ``formats`` from :data:`FORMATS`; ``size`` (W, H) in output pixels or
    None for the panel's on-screen size; ``scale`` multiplies the on-screen size when ``size``
    is None, and is the device-pixel ratio of the rendering (2 → text twice as sharp)."""

    formats: tuple[str, ...] = ("png",)
    size: tuple[int, int] | None = None
    scale: float = 1.0
    preset: str | None = None
    #: more fields for the sidecar (e.g. the live changes made during the run)
    sidecar_extra: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        bad = [f for f in self.formats if f not in FORMATS]
        if bad or not self.formats:
            raise ValueError(f"format {', '.join(bad) or '(none)'}: accepted: "
                             f"{', '.join(FORMATS)}")
        if not 0.25 <= self.scale <= 8:
            raise ValueError(f"scale {self.scale:g}: accepted from 0.25 to 8")


def panel_name(panel: Panel) -> str:
    """The panel's part of file names: its kind (``decision_boundary`` → ``decision-boundary``)."""
    kind = panel.kind or panel.title or type(panel).__name__
    return slug(kind.replace("_", "-"))


# -- rendering ------------------------------------------------------------------------------

def _view_of(target: Any) -> pg.GraphicsView | None:
    scene = target if isinstance(target, pg.GraphicsScene) else target.scene()
    views = scene.views() if scene is not None else []
    return views[0] if views else None


def _target_pixels(target: Any) -> QSize:
    """The on-screen size of an export target, in logical pixels."""
    view = _view_of(target)
    if isinstance(target, pg.GraphicsScene) or view is None:
        return view.size() if view is not None else QSize(0, 0)
    rect = view.mapFromScene(target.sceneBoundingRect()).boundingRect()
    return rect.size()


def _settle(widget: QWidget | None = None) -> None:
    """Let Qt and pyqtgraph lay the widgets and graphics items out, without painting.

    ViewBoxes update their view transform lazily, just before a paint; the SVG exporter
    never paints, so without ``prepareForPaint`` it would write the data with the transform
    of the previous size (plot contents shrunk against their axes).
    """
    for _ in range(3):
        QApplication.sendPostedEvents(None, QEvent.Type.LayoutRequest)
        QApplication.sendPostedEvents(None, QEvent.Type.GraphicsSceneResize)
    if widget is not None:
        for view in widget.findChildren(pg.GraphicsView):
            scene = view.scene()
            if isinstance(scene, pg.GraphicsScene):
                scene.prepareForPaint()


@contextlib.contextmanager
def _shown(panel: QWidget) -> Iterator[None]:
    """A top-level panel that was never shown gets a real size (offscreen, never on screen)."""
    if panel.isVisible() or panel.parent() is not None:
        yield
        return
    panel.setAttribute(pg.QtCore.Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    panel.show()
    try:
        yield
    finally:
        panel.hide()


@contextlib.contextmanager
def laid_out(panel: QWidget, content: QSize | None, target: Any = None) -> Iterator[None]:
    """Resize ``panel`` for the block so that ``target`` (or the panel) measures ``content``."""
    with _shown(panel):
        _settle(panel)
        if content is None:
            yield
            return
        old = panel.size()
        current = _target_pixels(target) if target is not None else old
        chrome = old - current
        wanted = QSize(max(content.width() + chrome.width(), 16),
                       max(content.height() + chrome.height(), 16))
        if wanted == old:
            yield
            return
        panel.resize(wanted)
        _settle(panel)
        try:
            yield
        finally:
            panel.resize(old)
            _settle(panel)


def _logical(panel: QWidget, target: Any, size: tuple[int, int] | None,
             scale: float) -> tuple[QSize, QSize | None]:
    """(output pixels, logical content size to lay out or None for the current one)."""
    if size is None:
        with _shown(panel):
            _settle()
            current = _target_pixels(target) if target is not None else panel.size()
        width = max(1, round(current.width() * scale))
        height = max(1, round(current.height() * scale))
        return QSize(width, height), None
    width, height = size
    return QSize(width, height), QSize(max(1, round(width / scale)), max(1, round(height / scale)))


@contextlib.contextmanager
def figure_only(widget: QWidget) -> Iterator[None]:
    """For the block, ``widget`` as a figure: its app-only widgets hidden, its scroll areas
    without scroll bars (an export shows what fits, not the handles to scroll it)."""
    own = widget.app_only_widgets() if isinstance(widget, Panel) else []  # or a whole window
    hidden = [w for w in own if w.isVisible()]
    areas = widget.findChildren(QAbstractScrollArea)
    policies = [(area.horizontalScrollBarPolicy(), area.verticalScrollBarPolicy())
                for area in areas]
    for child in hidden:
        child.hide()
    for area in areas:
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        area.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    try:
        yield
    finally:
        for area, (horizontal, vertical) in zip(areas, policies, strict=True):
            area.setHorizontalScrollBarPolicy(horizontal)
            area.setVerticalScrollBarPolicy(vertical)
        for child in hidden:
            child.show()


def render_widget(widget: QWidget, size: tuple[int, int] | None = None, scale: float = 1.0,
                  background: QColor | None = None) -> QImage:
    """The whole widget as an image of ``size`` output pixels (or its size × ``scale``).

    A widget that cannot take the requested size (its minimum size is larger, e.g. a long
    unwrapped label) is drawn as large as fits, centred on its background colour.
    """
    out, content = _logical(widget, None, size, scale)
    with figure_only(widget), laid_out(widget, content):
        actual = widget.size()
        ratio = min(out.width() / max(actual.width(), 1), out.height() / max(actual.height(), 1))
        image = QImage(out, QImage.Format.Format_ARGB32_Premultiplied)
        image.setDevicePixelRatio(ratio)
        image.fill(background or widget.palette().window().color())
        offset = QPoint(round((out.width() / ratio - actual.width()) / 2),
                        round((out.height() / ratio - actual.height()) / 2))
        painter = QPainter(image)
        try:
            painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            widget.render(painter, offset, QRegion(),
                          QWidget.RenderFlag.DrawChildren | QWidget.RenderFlag.DrawWindowBackground)
        finally:
            painter.end()
    image.setDevicePixelRatio(1.0)
    return image


def render_png(panel: QWidget, size: tuple[int, int] | None = None,
               scale: float = 1.0) -> QImage:
    """The panel's figure as an image exactly ``size`` pixels (or on-screen size × ``scale``)."""
    target = panel.export_target() if isinstance(panel, Panel) else None
    if target is None or _view_of(target) is None:
        return render_widget(panel, size, scale)
    out, content = _logical(panel, target, size, scale)
    with laid_out(panel, content, target):
        exporter = ImageExporter(target)
        params = exporter.parameters()
        params.param("width").setValue(out.width(), blockSignal=exporter.widthChanged)
        params.param("height").setValue(out.height(), blockSignal=exporter.heightChanged)
        image = exporter.export(toBytes=True)
    if image is None or image.isNull():
        raise ExportError(f"{panel_name(panel)}: rendering produced no image")
    return image


def render_svg(panel: QWidget, size: tuple[int, int] | None = None) -> bytes:
    """The panel's figure as SVG; ``size`` is its width and height in SVG user units (px)."""
    target = panel.export_target() if isinstance(panel, Panel) else None
    if target is None or _view_of(target) is None:
        return _widget_svg(panel, size)
    out, content = _logical(panel, target, size, 1.0)
    with laid_out(panel, content, target):
        exporter = SVGExporter(target)
        params = exporter.parameters()
        params.param("width").setValue(float(out.width()), blockSignal=exporter.widthChanged)
        params.param("height").setValue(float(out.height()), blockSignal=exporter.heightChanged)
        data = bytes(exporter.export(toBytes=True))
    # pyqtgraph sizes the background as 100 %, which renderers without CSS layout (Qt's own,
    # many converters) draw as a small square; give it the figure's size instead
    return data.replace(b'<rect width="100%" height="100%"',
                        f'<rect x="0" y="0" width="{out.width()}" height="{out.height()}"'
                        .encode(), 1)


def _widget_svg(widget: QWidget, size: tuple[int, int] | None) -> bytes:
    _, content = _logical(widget, None, size, 1.0)
    with figure_only(widget), laid_out(widget, content):
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        generator = QSvgGenerator()
        generator.setOutputDevice(buffer)
        generator.setSize(widget.size())
        generator.setViewBox(QRect(QPoint(), widget.size()))
        generator.setTitle(_figure_title(widget))
        generator.setDescription("exported by nnviz")
        painter = QPainter(generator)
        try:
            widget.render(painter, QPoint(), QRegion(),
                          QWidget.RenderFlag.DrawChildren | QWidget.RenderFlag.DrawWindowBackground)
        finally:
            painter.end()
        buffer.close()
    return bytes(buffer.data().data())


def _figure_title(widget: QWidget) -> str:
    """An SVG's title: the panel's title or kind (another widget: its class)."""
    if isinstance(widget, Panel):
        return widget.title or panel_name(widget)
    return slug(type(widget).__name__)


def png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise ExportError("could not encode the image as PNG")
    buffer.close()
    return bytes(data.data())


def csv_files(panel: Panel) -> dict[str, tuple[str, dict[str, Any]]]:
    """File-name suffix (``""`` for a panel with one table, else ``"-table"``) → (CSV text,
    the sidecar's description of the table and its columns, with the panel's own
    :meth:`~Panel.csv_notes` on them)."""
    tables = panel.csv_tables()
    notes = panel.csv_notes()
    files = {}
    for name, table in tables.items():
        columns, values = check_table(name, table)
        rows = len(values[0]) if values else 0
        suffix = "" if len(tables) == 1 else f"-{slug(name)}"
        files[suffix] = (csv_text(name, table), describe_table(name, columns, rows,
                                                                notes.get(name)))
    return files


# -- files ------------------------------------------------------------------------------------

def export_panel(panel: Panel, folder: str | Path, options: ExportOptions | None = None, *,
                 snapshot: Any = None, stem: str | None = None) -> list[Path]:
    """Write the panel in every format of ``options`` into ``folder``, plus the sidecar.

    Returns the written paths (the sidecar last). The stem defaults to
    ``scenario-step-panel``; a given one is made file-safe (:func:`safe_stem`: a name typed
    in the dialog cannot leave ``folder``); ``-1``, ``-2`` … are appended until no file of
    this export would replace an existing one. Either every file is written or, when one
    fails (a full disk), none is left behind.
    """
    options = options or ExportOptions()
    folder = check_writable_folder(folder)
    snapshot = snapshot if snapshot is not None else panel.last_snapshot
    name = panel_name(panel)
    if stem is None:
        scenario = snapshot.scenario if snapshot is not None else "nnviz"
        stem = export_stem(scenario, snapshot.step if snapshot is not None else None, name)
    stem = safe_stem(stem)
    if not panel.figure:  # controls: their data, never a picture of them
        if "csv" not in options.formats:
            return []
        options = dataclasses.replace(options, formats=("csv",))
    contents: dict[str, bytes | str] = {}
    tables: dict[str, dict[str, Any]] = {}  # CSV suffix → what its table and columns are
    if "png" in options.formats:
        contents[".png"] = png_bytes(render_png(panel, options.size, options.scale))
    if "svg" in options.formats:
        contents[".svg"] = render_svg(panel, options.size)
    if "csv" in options.formats:
        files = csv_files(panel)
        if not files:
            raise ExportError(f"{name}: this panel draws no data to write as CSV")
        for suffix, (text, description) in files.items():
            contents[f"{suffix}.csv"] = text
            tables[f"{suffix}.csv"] = description
    stem = unused_stem(folder, stem, [*contents, ".json"])
    extra = {**(options.sidecar_extra or {}), **panel.sidecar_fields()}
    options = dataclasses.replace(options, sidecar_extra=extra)
    with all_or_nothing() as written:
        for suffix, data in contents.items():
            written.append(atomic_write(folder / f"{stem}{suffix}", data))
        written.append(_sidecar(folder / f"{stem}.json", snapshot, options.preset, name,
                                [p.name for p in written], options,
                                {f"{stem}{suffix}": entry for suffix, entry in tables.items()}))
    return written


def export_comparison(panel: Panel, folder: str | Path, options: ExportOptions | None = None,
                      *, stem: str | None = None) -> list[Path]:
    """The panel's pinned run and current run side by side (``…-decision-boundary-pair``),
    written like any panel; an empty list when the panel has nothing pinned to compare."""
    figure = panel.comparison_figure()
    if figure is None:
        return []
    try:
        return export_panel(figure, folder, options, stem=stem)
    finally:
        figure.close()
        figure.deleteLater()


def _sidecar(path: Path, snapshot: Any, preset: str | None, panel: str, files: Sequence[str],
             options: ExportOptions | None, csv: dict[str, dict[str, Any]] | None = None
             ) -> Path:
    extra: dict[str, Any] = dict(options.sidecar_extra or {}) if options is not None else {}
    if options is not None:
        extra["export"] = {"formats": list(options.formats), "scale": options.scale,
                           "size": list(options.size) if options.size else None}
    if snapshot is not None:
        record = snapshot_sidecar(snapshot, preset=preset, panel=panel, files=files, extra=extra,
                                  csv=csv)
    else:
        record = make_sidecar(scenario=None, config=None, step=None, panel=panel, files=files,
                              extra=extra, csv=csv)
    return write_sidecar(path, record)


def save_screenshot(window: QWidget, folder: str | Path, *, scale: float = 1.0,
                    snapshot: Any = None, preset: str | None = None,
                    sidecar_extra: Mapping[str, Any] | None = None) -> list[Path]:
    """The whole window as ``scenario-step-window.png`` (and its sidecar) in ``folder``."""
    folder = check_writable_folder(folder)
    image = render_widget(window, None, scale)
    scenario = snapshot.scenario if snapshot is not None else "nnviz"
    step = snapshot.step if snapshot is not None else None
    stem = unused_stem(folder, export_stem(scenario, step, "window"), [".png", ".json"])
    options = ExportOptions(("png",), None, scale, preset, sidecar_extra)
    with all_or_nothing() as written:
        written.append(png := atomic_write(folder / f"{stem}.png", png_bytes(image)))
        written.append(_sidecar(folder / f"{stem}.json", snapshot, preset, "window",
                                [png.name], options))
    return written


def save_image(image: QImage, path: str | Path) -> Path:
    """Write a QImage atomically; the format follows the suffix."""
    path = Path(path)
    with atomic_path(path) as temporary:
        if not image.save(str(temporary), path.suffix.lstrip(".").upper() or "PNG"):
            raise ExportError(f"{path}: could not encode the image")
    return path


def copy_to_clipboard(panel: QWidget, scale: float = 1.0) -> QImage:
    """Put the panel on the clipboard as an image (and as SVG where it has vectors).

    The clipboard's QMimeData must be created by Qt, not by Python: Qt deletes it in a static
    destructor after the interpreter has gone, and a Python-made one then calls back into
    Python (a segfault at exit). So ``setImage`` makes it, and the SVG is added to that.
    """
    image = render_png(panel, None, scale)
    clipboard = QApplication.clipboard()
    clipboard.setImage(image)
    with contextlib.suppress(Exception):
        clipboard.mimeData().setData("image/svg+xml", QByteArray(render_svg(panel)))
    return image
