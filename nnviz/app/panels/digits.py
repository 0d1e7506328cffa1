"""Panels of image classifiers: confusion matrix, weight tiles, examples with their scores.

They draw :mod:`nnviz.core.classifier_views` records from ``snapshot.views``
(``"confusion_matrix"``, ``"weight_tiles"``, ``"misclassified"``), whichever backend made
them. Each builds its image and text items once and updates them in place; tiles are laid
out in one mosaic image (gaps are NaN, drawn transparent) so a hundred tiles cost one
``setImage``.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QWidget

from nnviz.app.panels.axes import EmptyState, plain_plot
from nnviz.app.panels.base import CsvTable, Panel, register_panel, view_types
from nnviz.app.panels.cell_texts import CellTexts
from nnviz.app.panels.gallery_table import gallery_table
from nnviz.app.panels.legends import caption_below, fit_title
from nnviz.core.classifier_views import ConfusionMatrix, ExampleGallery, ImageTiles
from nnviz.session import Snapshot

#: negative weights blue, zero white, positive red (ColorBrewer RdBu, reversed)
DIVERGING = pg.ColorMap(pos=np.array([0.0, 0.5, 1.0]),
                        color=np.array([(33, 102, 172), (247, 247, 247), (178, 24, 43)]))
#: fraction of a row: white to dark blue
SEQUENTIAL = pg.ColorMap(pos=np.array([0.0, 1.0]),
                         color=np.array([(255, 255, 255), (8, 69, 148)]))
GRAYSCALE_INK = pg.ColorMap(pos=np.array([0.0, 1.0]),
                            color=np.array([(255, 255, 255), (0, 0, 0)]))
WRONG = (200, 30, 30)
RIGHT = (30, 120, 50)


def mosaic_columns(count: int, aspect: float = 1.0) -> int:
    """Columns of a grid of ``count`` tiles that is about ``aspect`` times wider than tall."""
    if count <= 0:
        return 1
    return max(1, min(count, math.ceil(math.sqrt(count * aspect))))


def tile_mosaic(tiles: np.ndarray, columns: int, gap: int = 1,
                fill: float = np.nan) -> np.ndarray:
    """Tiles (n, h, w[, 3]) laid out row by row in one (rows·(h+gap)−gap, …[, 3]) image.

    Gaps hold ``fill``: NaN (drawn transparent) for values through a colour map, 1.0 (white)
    for RGB images.
    """
    count, height, width = tiles.shape[:3]
    rows = max(1, math.ceil(count / columns))
    mosaic = np.full((rows * (height + gap) - gap, columns * (width + gap) - gap,
                      *tiles.shape[3:]), fill, dtype=np.float32)
    for index in range(count):
        row, column = divmod(index, columns)
        top, left = row * (height + gap), column * (width + gap)
        mosaic[top:top + height, left:left + width] = tiles[index]
    return mosaic


def _image_plot() -> tuple[pg.PlotWidget, pg.ImageItem]:
    plot = plain_plot(enableMenu=False)
    fit_title(plot.getPlotItem())  # a long title wraps, never widens the plot
    plot.setBackground("w")
    plot.setAspectLocked(True)
    plot.invertY(True)
    image = pg.ImageItem(axisOrder="row-major")
    plot.addItem(image)
    return plot, image


@register_panel
class ConfusionMatrixPanel(Panel):
    """Rows are the true classes, columns the predicted ones; colour is the row's fraction."""

    kind: ClassVar[str] = "confusion_matrix"
    draws = view_types(confusion_matrix=ConfusionMatrix)
    title: ClassVar[str] = "Confusion matrix"
    view_name: ClassVar[str] = "confusion_matrix"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot, self.image = _image_plot()
        self.image.setLookupTable(SEQUENTIAL.getLookupTable(nPts=256))
        self.plot.setLabel("bottom", "predicted")
        self.plot.setLabel("left", "true")
        self.empty_state = EmptyState(self.plot)
        self.empty_state.show()
        self.layout_.addWidget(self.plot)
        self.counts = CellTexts()
        self.plot.addItem(self.counts, ignoreBounds=True)  # the range is the matrix's
        self.matrix: ConfusionMatrix | None = None
        self._names: tuple[str, ...] = ()

    def show_snapshot(self, snapshot: Snapshot) -> None:
        super().show_snapshot(snapshot)
        view = snapshot.view(ConfusionMatrix, self.view_name)
        if view is not None:
            self.draw(view)

    def draw(self, matrix: ConfusionMatrix) -> None:
        self.matrix = matrix
        self.empty_state.hide()
        fractions = matrix.row_fractions()
        n = len(matrix.class_names)
        self.image.setImage(fractions, levels=(0.0, 1.0), autoLevels=False)
        self.image.setRect(-0.5, -0.5, n, n)
        if matrix.class_names != self._names:
            self._set_ticks(matrix.class_names)
        texts = []
        for (row, column), count in np.ndenumerate(matrix.counts):
            if n > 12 and not count:
                continue  # a large matrix shows only the cells that hold examples
            dark = fractions[row, column] > 0.55
            colour = (255, 255, 255) if dark else ((20, 20, 20) if count else (170, 170, 170))
            texts.append((float(column), float(row), str(int(count)), colour))
        self.counts.set_texts(texts)
        self.plot.setTitle(
            f"Confusion matrix ({matrix.split}, {int(matrix.counts.sum())} examples, "
            f"accuracy {100 * matrix.accuracy:.1f}%)", color="k", size="10pt")

    def _set_ticks(self, names: tuple[str, ...]) -> None:
        ticks = [[(i, name) for i, name in enumerate(names)]]
        self.plot.getAxis("bottom").setTicks(ticks)
        self.plot.getAxis("left").setTicks(ticks)
        self.plot.setXRange(-0.5, len(names) - 0.5, padding=0.02)
        self.plot.setYRange(-0.5, len(names) - 0.5, padding=0.02)
        self._names = names

    def start_run(self, run_id: int) -> None:
        super().start_run(run_id)
        self.matrix = None
        self.empty_state.show()
        self.image.clear()
        self.counts.set_texts([])

    def export_target(self) -> pg.GraphicsItem:
        return self.plot.getPlotItem()

    def csv_tables(self) -> dict[str, CsvTable]:
        if self.matrix is None:
            return {}
        names = list(self.matrix.class_names)
        columns: list[list[object]] = [names]
        for column in range(len(names)):
            columns.append([int(v) for v in self.matrix.counts[:, column]])
        return {"confusion_matrix": (["true \\ predicted", *names], columns)}


@register_panel
class WeightTilesPanel(Panel):
    """Each unit's incoming weights drawn as an image: red positive, blue negative, shared scale.
    """

    kind: ClassVar[str] = "weight_tiles"
    draws = view_types(weight_tiles=ImageTiles)
    title: ClassVar[str] = "First-layer weights"
    view_name: ClassVar[str] = "weight_tiles"
    #: tiles get a caption when there are at most this many
    max_captions: ClassVar[int] = 12
    color_map: ClassVar[pg.ColorMap] = DIVERGING

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot, self.image = _image_plot()
        self.plot.hideAxis("bottom")
        self.plot.hideAxis("left")
        self.image.setLookupTable(self.color_map.getLookupTable(nPts=256))
        self.layout_.addWidget(self.plot)
        self.captions: list[pg.TextItem] = []
        self.tiles: ImageTiles | None = None
        self._layout_key: tuple[int, ...] = ()
        # whether captions fit depends on the panel's size: look again when it changes
        self.plot.getViewBox().sigResized.connect(self._refit)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        super().show_snapshot(snapshot)
        view = snapshot.view(ImageTiles, self.view_name)
        if view is not None:
            self.draw(view)

    def draw(self, tiles: ImageTiles) -> None:
        self.tiles = tiles
        count, height, width = tiles.tiles.shape
        columns = mosaic_columns(count, aspect=1.4)
        # captioned tiles get empty rows below them, so a caption never lies on the next tile
        gap = max(1, round(height * 0.4)) if count <= self.max_captions else 0
        mosaic = tile_mosaic(_padded_below(tiles.tiles, gap, np.nan) if gap else tiles.tiles,
                             columns)
        self.image.setImage(mosaic, levels=self.levels(tiles), autoLevels=False)
        key = (count, height, width, columns)
        if key != self._layout_key:
            self._layout_key = key
            self.plot.setXRange(0, mosaic.shape[1], padding=0.02)
            self.plot.setYRange(0, mosaic.shape[0], padding=0.02)
        self._draw_captions(tiles, columns, height + gap, width)
        shown = len(tiles.labels) if gap else 0
        _hide_captions_that_collide(self.plot, self.captions[:shown], width + 1, gap)
        shown = (f"{count} of {tiles.total_units} units, " if tiles.total_units > count
                 else "")
        self.plot.setTitle(f"{tiles.title} ({shown}{self.scale_text(tiles)})",
                           color="k", size="10pt")

    def _refit(self, _view: object) -> None:
        if self.tiles is not None:
            self.draw(self.tiles)

    def levels(self, tiles: ImageTiles) -> tuple[float, float]:
        """Symmetric about zero: white is a zero weight."""
        return -tiles.scale, tiles.scale

    def scale_text(self, tiles: ImageTiles) -> str:
        return f"colour ±{tiles.scale:.3g}"

    def _draw_captions(self, tiles: ImageTiles, columns: int, height: int, width: int) -> None:
        labels = tiles.labels if len(tiles.tiles) <= self.max_captions else ()
        while len(self.captions) < len(labels):
            caption = pg.TextItem(anchor=(0.5, 0.0), color=(30, 30, 30))
            self.captions.append(caption)
            self.plot.addItem(caption)
        for index, caption in enumerate(self.captions):
            if index < len(labels):
                row, column = divmod(index, columns)
                caption.setText(labels[index])
                caption.setPos(column * (width + 1) + width / 2,
                               row * (height + 1) + tiles.tiles.shape[1])
                caption.setVisible(True)
            else:
                caption.setVisible(False)

    def start_run(self, run_id: int) -> None:
        super().start_run(run_id)
        self.tiles = None
        self.image.clear()
        self._layout_key = ()
        for caption in self.captions:
            caption.setVisible(False)

    def export_target(self) -> pg.GraphicsItem:
        return self.plot.getPlotItem()

    def csv_tables(self) -> dict[str, CsvTable]:
        if self.tiles is None:
            return {}
        count, height, width = self.tiles.tiles.shape
        flat = self.tiles.tiles.reshape(count, -1)
        header = ["unit", *(f"r{r}c{c}" for r in range(height) for c in range(width))]
        columns: list[list[object]] = [list(range(count))]
        columns += [[float(v) for v in flat[:, p]] for p in range(height * width)]
        return {"weights": (header, columns)}


@register_panel
class AverageDigitsPanel(WeightTilesPanel):
    """The mean training image of each class: the templates of the nearest-mean baseline."""

    kind: ClassVar[str] = "average_digits"
    draws = view_types(class_means=ImageTiles)
    title: ClassVar[str] = "Average digits"
    view_name: ClassVar[str] = "class_means"
    color_map: ClassVar[pg.ColorMap] = GRAYSCALE_INK

    def levels(self, tiles: ImageTiles) -> tuple[float, float]:
        return 0.0, tiles.scale

    def scale_text(self, tiles: ImageTiles) -> str:
        return f"ink 0 to {tiles.scale:.2f}"


#: captions a gallery of the default size needs (``example_gallery``'s ``limit``)
GALLERY_CAPTIONS = 24


@register_panel
class MisclassifiedPanel(Panel):
    """Examples with true class, prediction and top scores, mistakes first."""

    kind: ClassVar[str] = "misclassified"
    draws = view_types(misclassified=ExampleGallery)
    title: ClassVar[str] = "Misclassified examples"
    view_name: ClassVar[str] = "misclassified"
    #: empty rows of pixels under each image, for its caption
    caption_rows: ClassVar[float] = 0.6
    #: how the title names the evaluated examples
    split_name: ClassVar[str] = "test"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot, self.image = _image_plot()
        self.plot.hideAxis("bottom")
        self.plot.hideAxis("left")
        self._ink = GRAYSCALE_INK.getLookupTable(nPts=256)
        self.layout_.addWidget(self.plot)
        self.captions: list[pg.TextItem] = []
        # a frame in the caption's colour marks every tile, even where captions do not fit,
        # and the key under the plot says what red and green are, counting the tiles drawn
        self.frames = {
            wrong: pg.PlotCurveItem(pen=pg.mkPen(color, width=2), connect="pairs")
            for wrong, color in ((True, WRONG), (False, RIGHT))}
        for frame in self.frames.values():
            self.plot.addItem(frame)
        self.key = caption_below(self.plot.getPlotItem())
        self.gallery: ExampleGallery | None = None
        self._layout_key: tuple[int, ...] = ()
        self.plot.getViewBox().sigResized.connect(self._refit)
        # the usual gallery's captions, made while the window waits for its first snapshot:
        # made at the first draw, they were half of a 40 ms stall of a training window
        QTimer.singleShot(0, self, lambda: self._ensure_captions(GALLERY_CAPTIONS))

    def _ensure_captions(self, count: int) -> None:
        while len(self.captions) < count:
            caption = pg.TextItem(anchor=(0.5, 0.0))
            caption.setFont(_small_font())
            caption.setVisible(False)
            self.captions.append(caption)
            self.plot.addItem(caption)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        super().show_snapshot(snapshot)
        view = snapshot.view(ExampleGallery, self.view_name)
        if view is not None:
            self.draw(view)

    def draw(self, gallery: ExampleGallery) -> None:
        self.gallery = gallery
        images = gallery.images
        count = len(images)
        if count == 0:
            self.image.clear()
            for caption in self.captions:
                caption.setVisible(False)
            for frame in self.frames.values():
                frame.setData([], [])
            self.plot.setTitle("No examples", color="k", size="10pt")
            self.key.setText(" ")
            return
        height, width = images.shape[1:3]
        gap = max(1, round(height * self.caption_rows))
        columns = mosaic_columns(count, aspect=1.3)
        color = images.ndim == 4
        fill = 1.0 if color else np.nan
        mosaic = tile_mosaic(_padded_below(images, gap, fill), columns, gap=1, fill=fill)
        self.image.setLookupTable(None if color else self._ink)
        self.image.setImage(mosaic, levels=(0.0, 1.0), autoLevels=False)
        key = (count, height, width, columns)
        if key != self._layout_key:
            self._layout_key = key
            self.plot.setXRange(0, mosaic.shape[1], padding=0.02)
            self.plot.setYRange(0, mosaic.shape[0], padding=0.02)
        self._ensure_captions(count)
        names = gallery.class_names
        for index, caption in enumerate(self.captions):
            if index >= count:
                caption.setVisible(False)
                continue
            row, column = divmod(index, columns)
            true, guess = int(gallery.labels[index]), int(gallery.predicted[index])
            wrong = true != guess
            caption.setText(_caption(gallery.scores[index], true, guess, names),
                            color=WRONG if wrong else RIGHT)
            caption.setPos(column * (width + 1) + width / 2, row * (height + gap + 1) + height)
            caption.setVisible(True)
        if not _hide_captions_that_collide(self.plot, self.captions[:count], width + 1, gap):
            for index, caption in enumerate(self.captions[:count]):  # the short form: "4→1"
                true, guess = int(gallery.labels[index]), int(gallery.predicted[index])
                caption.setText(names[true] if true == guess else f"{names[true]}→{names[guess]}",
                                color=WRONG if true != guess else RIGHT)
            _hide_captions_that_collide(self.plot, self.captions[:count], width + 1, gap)
        for wrong, frame in self.frames.items():
            chosen = np.flatnonzero(gallery.wrong == wrong)
            frame.setData(*tile_frames(chosen, columns, width, height, height + gap + 1),
                          connect="pairs")
        self.plot.setTitle(
            f"{gallery.n_wrong} of {gallery.n_total} {self.split_name} examples misclassified",
            color="k", size="10pt")
        self.key.setText(gallery_key(gallery))

    def _refit(self, _view: object) -> None:
        if self.gallery is not None:
            self.draw(self.gallery)

    def start_run(self, run_id: int) -> None:
        super().start_run(run_id)
        self.gallery = None
        self.image.clear()
        self._layout_key = ()
        for caption in self.captions:
            caption.setVisible(False)
        for frame in self.frames.values():
            frame.setData([], [])
        self.key.setText(" ")

    def export_target(self) -> pg.GraphicsItem:
        return self.plot.getPlotItem()

    def csv_tables(self) -> dict[str, CsvTable]:
        return {"examples": gallery_table(self.gallery)} if self.gallery is not None else {}


def tile_frames(indices: np.ndarray, columns: int, width: int, height: int,
                row_height: int) -> tuple[np.ndarray, np.ndarray]:
    """Pair-connected segments of a frame round each tile ``indices`` of a mosaic laid out as
    :func:`tile_mosaic` does (tiles 1 pixel apart, rows ``row_height`` apart)."""
    rows, cols = np.divmod(np.asarray(indices, dtype=np.int64), columns)
    left, top = cols * (width + 1) - 0.5, rows * row_height - 0.5
    right, bottom = left + width + 1, top + height + 1
    xs = np.stack([left, right, right, right, right, left, left, left], axis=1).ravel()
    ys = np.stack([top, top, top, bottom, bottom, bottom, bottom, top], axis=1).ravel()
    return xs.astype(np.float64), ys.astype(np.float64)


def gallery_key(gallery: ExampleGallery) -> str:
    """What the red and the green tiles are, counted from the tiles themselves.

    The gallery shows mistakes first (most confident first) and fills the rest with correct
    answers (least sure first); a title that only counts mistakes would leave the green ones
    unexplained.
    """
    wrong = int(np.count_nonzero(gallery.wrong))
    right = len(gallery.labels) - wrong
    red = _colored("Red frames", WRONG)
    green = _colored("green frames" if wrong else "Green frames", RIGHT)
    parts = []
    if wrong == gallery.n_wrong and wrong:
        parts.append(f"{red}: {'the' if wrong == 1 else 'all'} {_count(wrong, 'mistake')}, "
                     "most confident first (true→predicted)")
    elif wrong:
        parts.append(f"{red}: the {wrong} most confident of the {gallery.n_wrong} mistakes "
                     "(true→predicted)")
    else:
        parts.append("No mistakes")
    if right:
        parts.append(f"{green}: {_count(right, 'correct answer')}, the least sure first")
    return "; ".join(parts) + "."


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _colored(text: str, rgb: tuple[int, int, int]) -> str:
    return f"<b style='color: rgb{rgb}'>{text}</b>"


def _caption(scores: np.ndarray, true: int, guess: int, names: tuple[str, ...]) -> str:
    """``"4→1 0.97"`` over ``"4: 0.02"`` for a mistake; ``"7 0.99"`` for a right answer."""
    if true == guess:
        return f"{names[true]} {scores[true]:.2f}"
    return f"{names[true]}→{names[guess]} {scores[guess]:.2f}\n{names[true]}: {scores[true]:.2f}"


def _hide_captions_that_collide(plot: pg.PlotWidget, captions: list[pg.TextItem],
                                cell_width: float, room_height: float) -> bool:
    """Captions keep their size in pixels while the tiles shrink with the panel: when they
    would run into their neighbours, none is shown (the CSV export still holds them; a larger
    panel shows them again). True when they fit."""
    pixel_width, pixel_height = plot.getViewBox().viewPixelSize()
    shown = [caption for caption in captions if caption.toPlainText()]
    if not shown:
        return True
    if not (0 < pixel_width < np.inf and 0 < pixel_height < np.inf):  # a view with no room
        for caption in shown:
            caption.setVisible(False)
        return False
    widest = max(caption.textItem.boundingRect().width() for caption in shown)
    tallest = max(caption.textItem.boundingRect().height() for caption in shown)
    fits = (widest <= cell_width / pixel_width * 1.05
            and tallest <= (room_height + 1) / pixel_height * 1.3)
    for caption in shown:
        caption.setVisible(fits)
    return fits


def _small_font() -> QFont:
    font = QFont()
    font.setPointSizeF(7.5)
    return font


def _padded_below(images: np.ndarray, rows: int, fill: float) -> np.ndarray:
    """Images (n, h, w[, 3]) with ``rows`` rows of ``fill`` under each (room for captions)."""
    count, height, width = images.shape[:3]
    padded = np.full((count, height + rows, width, *images.shape[3:]), fill, dtype=np.float32)
    padded[:, :height] = images
    return padded
