"""Panels of transfer learning: scored validation images, and the feature plane with the
new layer's boundary.

* ``image_scores`` draws ``views["gallery"]`` (an
  :class:`~nnviz.core.classifier_views.ExampleGallery` of colour thumbnails): each image with
  every class's score to five decimals ("hotdog 0.99956 / not_hotdog 0.00044"), mistakes
  first in a red frame. Above it: the feature-extraction progress
  (``views["feature_progress"]``) and the file last scored with "Classify an image…"
  (``views["classified"]``), and, once the run has run its course, why it stopped (the final
  snapshot's message: its epochs are done, or the loss fell below its floor). The button
  asks for a file and emits :attr:`ImageScoresPanel.live_change`
  ``("classify_image", path)``: the window posts
  it to the running session like any live hyperparameter, and the score comes back in the
  next snapshot.
* ``projection_boundary`` is the generic projection panel plus ``views["projection_boundary"]``
  (a :class:`~nnviz.core.views.DecisionGrid` over the same plane) drawn behind the points as
  class colours and iso-lines where the most probable class changes. Unlike the word plane,
  its aspect is free and its view is the field's extent: the panel is a wide strip, and
  locked axes would frame data between −12 and 10 in a range from −50 to 50.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from nnviz.app.panels.base import CsvTable, Panel, register_panel, view_types
from nnviz.app.panels.colors import qualitative_color
from nnviz.app.panels.field_table import field_notes, field_table
from nnviz.app.panels.gallery_table import gallery_table
from nnviz.app.panels.projection import ProjectionPanel
from nnviz.core.classifier_views import ExampleGallery
from nnviz.core.transfer_views import ClassifiedImage, FeatureProgress, class_scores
from nnviz.core.views import DecisionGrid, Projection
from nnviz.io.columns import TableNotes
from nnviz.session import Snapshot

RIGHT = "#2ca02c"
WRONG = "#d62728"
IMAGE_FILTER = "Images (*.jpg *.jpeg *.png *.bmp *.gif *.webp *.tif *.tiff *.ppm *.pgm)"


def to_pixmap(image: np.ndarray, size: int) -> QPixmap:
    """A float (h, w, 3) image in [0, 1] as a pixmap scaled to ``size`` pixels square."""
    pixels = np.ascontiguousarray(np.clip(np.asarray(image) * 255.0, 0, 255).astype(np.uint8))
    if pixels.ndim == 2:
        pixels = np.ascontiguousarray(np.repeat(pixels[:, :, None], 3, axis=2))
    height, width = pixels.shape[:2]
    qimage = QImage(pixels.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()
    return QPixmap.fromImage(qimage).scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                                            Qt.TransformationMode.SmoothTransformation)


class _Tile(QWidget):
    """One thumbnail in a coloured frame, with its true class and scores below."""

    def __init__(self, size: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(1)
        self.image = QLabel()
        self.image.setFixedSize(size + 6, size + 6)
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption = QLabel()
        self.caption.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.caption.setTextFormat(Qt.TextFormat.RichText)
        self.caption.setStyleSheet("font-size: 8pt;")
        layout.addWidget(self.image, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.caption)
        self.size = size

    def show_example(self, image: np.ndarray, scores: np.ndarray, true: str,
                     names: tuple[str, ...], wrong: bool) -> None:
        color = WRONG if wrong else RIGHT
        self.image.setPixmap(to_pixmap(image, self.size))
        self.image.setStyleSheet(f"border: 3px solid {color}; background: white;")
        said = f" (said {names[int(np.argmax(scores))]})" if wrong else ""
        mark = "✗" if wrong else "✓"
        lines = class_scores(scores, names)
        self.caption.setText(
            f"<span style='color:{color}'><b>{mark} {_escape(true + said)}</b></span><br>"
            + "<br>".join(_escape(line) for line in lines)
        )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@register_panel
class ImageScoresPanel(Panel):
    """Validation images with the new layer's class scores, misclassified first."""

    kind: ClassVar[str] = "image_scores"
    draws = view_types(feature_progress=FeatureProgress, gallery=ExampleGallery)
    may_draw = view_types(classified=ClassifiedImage)
    title: ClassVar[str] = "Validation images and scores"
    view_name: ClassVar[str] = "gallery"
    thumbnail_size: ClassVar[int] = 104

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setStyleSheet("background: white; color: #222;")
        header = QHBoxLayout()
        self.status = QLabel("Waiting for the first snapshot…")
        self.status.setWordWrap(True)
        self.classify_button = QPushButton("Classify an image…")
        self.classify_button.setToolTip("Score any image file with the classifier as it is now")
        self.classify_button.clicked.connect(self.choose_image)
        header.addWidget(self.status, 1)
        header.addWidget(self.classify_button, 0, Qt.AlignmentFlag.AlignTop)
        self.layout_.addLayout(header)

        self.query = QWidget()
        query_layout = QHBoxLayout(self.query)
        query_layout.setContentsMargins(4, 2, 4, 2)
        self.query_image = QLabel()
        self.query_text = QLabel()
        self.query_text.setTextFormat(Qt.TextFormat.RichText)
        self.query_text.setWordWrap(True)
        query_layout.addWidget(self.query_image)
        query_layout.addWidget(self.query_text, 1)
        self.query.setVisible(False)
        self.layout_.addWidget(self.query)

        self.grid_host = QWidget()
        self.grid = QGridLayout(self.grid_host)
        self.grid.setContentsMargins(2, 2, 2, 2)
        self.grid.setSpacing(4)
        self.grid.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.grid_host)
        self.layout_.addWidget(self.scroll, 1)
        self.tiles: list[_Tile] = []
        self.gallery: ExampleGallery | None = None
        self.classified: ClassifiedImage | None = None
        self.progress: FeatureProgress | None = None
        #: why the run stopped by itself ("" while it runs)
        self.finish_message = ""
        self._columns = 0

    def app_only_widgets(self) -> list[QWidget]:
        return [self.classify_button]

    # -- drawing ----------------------------------------------------------------------------
    def show_snapshot(self, snapshot: Snapshot) -> None:
        super().show_snapshot(snapshot)
        self.finish_message = snapshot.message if snapshot.final and not snapshot.diverged else ""
        self.progress = snapshot.view(FeatureProgress)
        view = snapshot.view(ExampleGallery, self.view_name)
        if view is not None:
            self.draw(view)
        self.show_classified(snapshot.view(ClassifiedImage))

    def draw(self, gallery: ExampleGallery) -> None:
        self.gallery = gallery
        progress = self.progress
        count = len(gallery.images)
        columns = self._column_count()
        while len(self.tiles) < count:
            self.tiles.append(_Tile(self.thumbnail_size))
        if columns != self._columns or any(
                self.grid.indexOf(tile) < 0 for tile in self.tiles[:count]):
            self._columns = columns
            for index, tile in enumerate(self.tiles):
                self.grid.removeWidget(tile)
                if index < count:
                    row, column = divmod(index, columns)
                    self.grid.addWidget(tile, row, column)
        names = gallery.class_names
        for index, tile in enumerate(self.tiles):
            if index < count:
                true = int(gallery.labels[index])
                tile.show_example(gallery.images[index], gallery.scores[index], names[true],
                                  names, true != int(gallery.predicted[index]))
            tile.setVisible(index < count)
        lines = []
        if progress is not None:
            waiting = "" if progress.finished else " The new layer trains once all are ready."
            lines.append(_escape(progress.text() + waiting))
        shown = f"showing {count}" if count < gallery.n_total else "all shown"
        lines.append(f"<b>{gallery.n_wrong} of {gallery.n_total}</b> validation images "
                     f"misclassified ({shown}, mistakes first, then the least sure)")
        if self.finish_message:
            lines.append(f"<b>{_escape(self.finish_message)}</b>")
        self.set_status("<br>".join(lines))

    def set_status(self, text: str) -> None:
        """Show ``text`` above the images, as many lines high as it needs at this width."""
        self.status.setText(text)
        width = max(self.status.width(), self.width() - self.classify_button.sizeHint().width(),
                    200)
        self.status.setMinimumHeight(self.status.heightForWidth(width))

    def _column_count(self) -> int:
        width = self.scroll.viewport().width() or self.width()
        return max(1, width // (self.thumbnail_size + 40))

    def show_classified(self, classified: ClassifiedImage | None) -> None:
        self.classified = classified
        if classified is None:
            self.query.setVisible(False)
            return
        name = _escape(Path(classified.path).name)
        if classified.error:
            self.query_image.clear()
            self.query_text.setText(f"<b>{name}</b><br><span style='color:{WRONG}'>"
                                    f"{_escape(classified.error)}</span>")
        else:
            if classified.image is not None:
                self.query_image.setPixmap(to_pixmap(classified.image,
                                                     int(1.4 * self.thumbnail_size)))
            lines = classified.score_lines()
            self.query_text.setText(f"<b>{name}</b> — the classifier now says:<br>"
                                    f"<span style='font-size: 12pt'><b>{_escape(lines[0])}"
                                    f"</b></span><br>" + "<br>".join(map(_escape, lines[1:])))
        self.query.setVisible(True)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.gallery is not None and self._column_count() != self._columns:
            self.draw(self.gallery)
        self.set_status(self.status.text())

    # -- classify an image --------------------------------------------------------------------
    def choose_image(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Classify an image", "", IMAGE_FILTER)
        if path:
            self.request_classification(path)

    def request_classification(self, path: str) -> None:
        self.set_status(f"Scoring {_escape(Path(path).name)} at the next snapshot…")
        self.live_change.emit("classify_image", path)

    # -- the panel contract -----------------------------------------------------------------
    def start_run(self, run_id: int) -> None:
        super().start_run(run_id)
        self.gallery = None
        self.progress = None
        self.finish_message = ""
        for tile in self.tiles:
            tile.setVisible(False)
        self.show_classified(None)
        self.set_status("Starting…")

    def csv_tables(self) -> dict[str, CsvTable]:
        if self.gallery is None:
            return {}
        return {"validation_scores": gallery_table(self.gallery)}


def class_colour_image(probabilities: np.ndarray, strength: float = 0.45) -> np.ndarray:
    """RGBA (ny, nx, 4) uint8: each class's palette colour weighted by its probability,
    washed towards white so the points on top stay readable."""
    k = probabilities.shape[-1]
    palette = np.array([qualitative_color(g) for g in range(k)], dtype=np.float64)
    mixed = probabilities.astype(np.float64) @ palette
    rgb = 255.0 - strength * (255.0 - mixed)
    alpha = np.full((*rgb.shape[:2], 1), 255.0)
    return np.concatenate([rgb, alpha], axis=-1).astype(np.uint8)


@register_panel
class ProjectionBoundaryPanel(ProjectionPanel):
    """The projection panel with a classifier's probabilities drawn behind the points."""

    kind: ClassVar[str] = "projection_boundary"
    draws = view_types(projection=Projection)
    may_draw = view_types(projection_boundary=DecisionGrid)
    title: ClassVar[str] = "Features (PCA) and the new layer's boundary"
    boundary_view: ClassVar[str] = "projection_boundary"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.background = pg.ImageItem(axisOrder="row-major")
        self.background.setZValue(-10)
        self.plot.addItem(self.background)
        self.boundary_item = pg.PlotDataItem(connect="pairs",
                                             pen=pg.mkPen((40, 40, 40), width=2))
        self.boundary_item.setZValue(-5)
        self.plot.addItem(self.boundary_item)
        self.grid: DecisionGrid | None = None
        # the plane fills the panel's strip; the axes say how long each unit is
        self.plot.setAspectLocked(False)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        self.draw_boundary(snapshot.view(DecisionGrid, self.boundary_view))
        super().show_snapshot(snapshot)

    def draw_boundary(self, grid: DecisionGrid | None) -> None:
        self.grid = grid
        if grid is None:
            self.background.clear()
            self.boundary_item.setData([], [])
            self.plot.enableAutoRange()  # frame the points alone
            return
        x_min, x_max, y_min, y_max = grid.extent
        # the field's extent is the points' plus a margin: it frames them, edge to edge
        self.plot.setRange(xRange=(x_min, x_max), yRange=(y_min, y_max), padding=0)
        ny, nx = grid.probabilities.shape[:2]
        half_x = (x_max - x_min) / max(nx - 1, 1) / 2
        half_y = (y_max - y_min) / max(ny - 1, 1) / 2
        self.background.setImage(class_colour_image(grid.probabilities), autoLevels=False)
        self.background.setRect(QRectF(x_min - half_x, y_min - half_y,
                                       x_max - x_min + 2 * half_x, y_max - y_min + 2 * half_y))
        borders = grid.borders
        if len(borders):
            self.boundary_item.setData(borders[:, 0], borders[:, 1])
        else:
            self.boundary_item.setData([], [])

    def start_run(self, run_id: int) -> None:
        super().start_run(run_id)
        self.draw_boundary(None)

    def csv_tables(self) -> dict[str, CsvTable]:
        tables = super().csv_tables()
        if self.grid is not None:
            tables["boundary_grid"] = field_table(self.grid, "x", "y", lambda j: f"p{j}")
        return tables

    def csv_notes(self) -> dict[str, TableNotes]:
        """The boundary grid's sampling and what its class columns are called."""
        notes = super().csv_notes()
        grid = self.grid
        if grid is not None and self.projection is not None:
            names = self.projection.group_names
            notes["boundary_grid"] = field_notes(
                grid, "x", "y", "the new layer's class probabilities over the PCA plane",
                {f"p{j}": f"the new layer's probability of class {j}"
                 + (f" ({names[j]})" if j < len(names) else "") + " at this grid point"
                 for j in range(grid.n_classes)})
        return notes
