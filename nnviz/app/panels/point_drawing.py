"""Drawing a data set on a panel's plot: click adds, drag sprays, Shift erases.

:class:`PointDrawing` is a "Draw" toggle (:attr:`PointDrawing.toggle`, in the panel's title
row), the tool row it opens above the plot (the class to draw, add or erase, the split drawn
into, undo, redo, clear) and the mouse handling on the plot. The row takes height from the
plot only while drawing: a short panel (a three-row window) keeps its plot's proportions, and
a click on the plot adds nothing unless the person chose to draw. On the decision
boundary a point has the chosen class; on a regression's fit (:meth:`PointDrawing.
draw_targets`) there is no class to choose: a point drawn at (x, y) is the input x with the
target y. It changes no data:
each gesture becomes a :class:`~nnviz.data.point_edits.DataEdit` in the plot's coordinates,
emitted as ``edited``; the session applies it between two steps and the next snapshot draws
the points (the panel only draws snapshots). One press-drag-release is one ``stroke``, so
undo takes back a whole spray.

Erasing is Shift with the left button (Ctrl-click is the right button on a Mac), or the
Erase tool. The tools are widgets of the panel, not items of the plot: an export never shows
them.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPointF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QIcon,
    QKeySequence,
    QMouseEvent,
    QPixmap,
    QResizeEvent,
    QShortcut,
)
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QWidget,
)

from nnviz.app.panels.colors import class_color
from nnviz.data.point_edits import ADD, CLEAR, ERASE, REDO, UNDO, DataEdit

#: what the tool row says about the mouse (the panel's hint; exports never show it)
DRAW_HINT = "Shift+click erases · click adds · drag sprays"
NO_POINTS_HINT = "no training points: click to add some"
#: the same on a regression's fit, where a point's height is its target
TARGET_DRAW_HINT = "Shift+click erases · click adds a point (x, y) · drag sprays"
#: the hint's tooltip: the whole story, where the row has room for a few words only
HINT_TIP = ("Click adds a point of the chosen class to the training split (or the test split, "
            "when ticked), dragging sprays more, Shift+click or the Erase tool removes the "
            "points under the pointer. Training goes on with the edited data; with no "
            "training points it waits. Undo: Ctrl+Z, redo: Ctrl+Shift+Z.")
TARGET_HINT_TIP = ("Click adds a training point (or a test point, when ticked) where you click: "
                   "its input is x, its target y. Dragging sprays more, Shift+click or the "
                   "Erase tool removes the points under the pointer. Training goes on with "
                   "the edited data and the curve follows; with no training points it waits. "
                   "Undo: Ctrl+Z, redo: Ctrl+Shift+Z.")
#: a drag adds a dab of points each time the pointer has moved this many pixels
SPRAY_STEP_PIXELS = 6.0
#: points per dab, scattered with this σ in pixels around the pointer
SPRAY_POINTS = 2
SPRAY_SIGMA_PIXELS = 10.0
#: the eraser's radius in pixels
ERASER_PIXELS = 14.0
HINT_COLOR = "#555555"
#: the class choice is at most this wide (a longer name is cut; its colour shows)
CLASS_CHOICE_PIXELS = 110
DRAW_TOGGLE_TEXT = "✎ Draw"
DRAW_TOGGLE_TIP = ("Draw the data set: opens the drawing tools above the plot; then a click "
                   "adds points, a drag sprays, Shift+click erases. Click again to close them.")


class ElidedLabel(QLabel):
    """A one-line label that ends in "…" where the row leaves it too little room."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.setText(text)

    def setText(self, text: str) -> None:
        self.full_text = text
        self._fit()

    def text(self) -> str:
        return self.full_text

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        shown = self.fontMetrics().elidedText(self.full_text, Qt.TextElideMode.ElideRight,
                                              max(self.width(), 0))
        super().setText(shown)


def edit_keys() -> dict[str, list[QKeySequence]]:
    """Undo: the platform's keys (Ctrl+Z); redo: Ctrl+Shift+Z and the platform's (Ctrl+Y on
    some), each once: two shortcuts on one key would both be ambiguous and neither fire."""
    keys: dict[str, list[QKeySequence]] = {UNDO: [], REDO: [QKeySequence("Ctrl+Shift+Z")]}
    for action, standard in ((UNDO, QKeySequence.StandardKey.Undo),
                             (REDO, QKeySequence.StandardKey.Redo)):
        for key in QKeySequence.keyBindings(standard):
            if all(key != known for known in keys[action]):
                keys[action].append(key)
    return keys


def class_icon(index: int, size: int = 12) -> QIcon:
    """A swatch of the class's colour, the colour the panel draws its points in."""
    pixmap = QPixmap(size, size)
    pixmap.fill(QColor(*class_color(index)))
    return QIcon(pixmap)


class PointDrawing(QObject):
    """The tool row (:attr:`toolbar`) and the mouse on ``plot``; see the module docstring."""

    #: a :class:`~nnviz.data.point_edits.DataEdit` for the run
    edited = Signal(object)

    def __init__(self, plot: pg.PlotWidget, parent: QWidget) -> None:
        super().__init__(parent)
        self.plot = plot
        self.view_box = plot.getPlotItem().getViewBox()
        self.toolbar = QWidget(parent)
        self.toolbar.setObjectName("point-drawing-tools")
        # the row never makes the panel wider than the plot needs (a narrow window would
        # scroll): on a narrow panel the hint gives way first
        self.toolbar.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.toolbar.hide()  # until the person chooses to draw (the toggle)
        self.toggle = self._tool(DRAW_TOGGLE_TEXT, DRAW_TOGGLE_TIP, True, name="toggle")
        # no taller than the title's line: the title row keeps its height
        self.toggle.setStyleSheet("QToolButton { padding: 0px 4px; }")
        self.toggle.setMaximumHeight(self.toggle.fontMetrics().height() + 2)
        self.toggle.toggled.connect(self._show_tools)
        row = QHBoxLayout(self.toolbar)
        row.setContentsMargins(2, 2, 2, 2)
        row.setSpacing(2)
        self.class_choice = QComboBox()
        self.class_choice.setObjectName("draw-class")
        self.class_choice.setToolTip("The class of the points you add")
        self.class_choice.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.class_choice.setMaximumWidth(CLASS_CHOICE_PIXELS)  # a file's long class names
        self.add_tool = self._tool("Add", "Click adds a point, dragging sprays more", True)
        self.erase_tool = self._tool("Erase", "Click or drag removes the points under the "
                                              "pointer (or hold Shift with Add)", True)
        self.add_tool.setChecked(True)
        modes = QButtonGroup(self)
        modes.addButton(self.add_tool)
        modes.addButton(self.erase_tool)
        self.test_split = QCheckBox("test")
        self.test_split.setObjectName("draw-test-split")
        self.test_split.setToolTip("Draw and erase the test points (triangles) instead of "
                                   "the training points")
        self.undo_tool = self._tool("↶", "Undo: take back the last drawing (Ctrl+Z)", name="undo")
        self.redo_tool = self._tool("↷", "Redo: do again what was taken back (Ctrl+Shift+Z)",
                                    name="redo")
        self.clear_tool = self._tool("Clear", "Remove every point: draw a data set from "
                                              "nothing (Undo brings them back)")
        self.hint = ElidedLabel(DRAW_HINT)
        self.hint.setStyleSheet(f"color: {HINT_COLOR};")
        self.hint.setToolTip(HINT_TIP)
        # the hint takes the room left and never widens the panel
        self.hint.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        for widget in (self.class_choice, self.add_tool, self.erase_tool, self.test_split,
                       self.undo_tool, self.redo_tool, self.clear_tool):
            row.addWidget(widget)
        row.addWidget(self.hint, 1)
        self.undo_tool.clicked.connect(lambda: self._send(UNDO))
        self.redo_tool.clicked.connect(lambda: self._send(REDO))
        self.clear_tool.clicked.connect(lambda: self._send(CLEAR))
        for action, keys in edit_keys().items():
            for key in keys:
                shortcut = QShortcut(key, parent)
                shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
                shortcut.activated.connect(lambda action=action: self._send(action))
        self._n_classes = 0
        #: a regression's fit: points carry their height as the target, not a class
        self._targets = False
        self._enabled = True
        self._classes_shown: tuple[int, tuple[str, ...]] | None = None
        self._drawing: str | None = None  # ADD or ERASE while a button is held
        self._last_dab: QPointF | None = None
        self._random = np.random.default_rng()
        # gestures are numbered from a random start: a new panel's first stroke must not
        # join the last gesture of a history it did not draw
        self._stroke = int(self._random.integers(1, 2**31))
        plot.viewport().installEventFilter(self)

    def _tool(self, text: str, tip: str, checkable: bool = False, *, name: str = ""
              ) -> QToolButton:
        button = QToolButton()
        button.setText(text)
        button.setToolTip(tip)
        button.setCheckable(checkable)
        button.setAutoRaise(True)
        button.setObjectName(f"draw-{name or text.lower()}")
        return button

    # -- what the data set is -------------------------------------------------------------
    def set_classes(self, n_classes: int, names: tuple[str, ...] = ()) -> None:
        """One entry per class, in its colour, named as the legend names it."""
        if (n_classes, names) == self._classes_shown:
            return
        self._classes_shown = (n_classes, names)
        chosen = self.class_choice.currentIndex()
        self.class_choice.clear()
        for index in range(n_classes):
            name = names[index] if index < len(names) else str(index)
            self.class_choice.addItem(class_icon(index), name)
        self.class_choice.setCurrentIndex(chosen if 0 <= chosen < n_classes else 0)
        self._n_classes = n_classes

    def draw_targets(self) -> None:
        """Draw a regression's points: no class to choose, a point's y is its target."""
        if self._targets:
            return
        self._targets = True
        self.class_choice.hide()
        self.hint.setText(TARGET_DRAW_HINT)
        self.hint.setToolTip(TARGET_HINT_TIP)

    def set_enabled(self, enabled: bool) -> None:
        """Offer drawing or not (a fit of two inputs draws no points): no toggle, no row."""
        self._enabled = enabled
        if self.toggle.parentWidget() is not None or not enabled:  # never a window of its own
            self.toggle.setVisible(enabled)
        self._show_tools(self.toggle.isChecked())

    def _show_tools(self, drawing: bool) -> None:
        """The tool row only while drawing is on: otherwise its height is the plot's."""
        self.toolbar.setVisible(self._enabled and drawing)
        if not (self._enabled and drawing):
            self._drawing = None

    @property
    def has_data(self) -> bool:
        """Whether there is a data set to edit: drawing offered and a data set shown (its
        classes known, or a fit's); undo and redo keys work then, drawing on or off."""
        return self._enabled and (self._targets or self._n_classes > 0)

    @property
    def ready(self) -> bool:
        """Whether the mouse draws: a data set to edit and the Draw toggle on."""
        return self.has_data and self.toggle.isChecked()

    def show_point_count(self, n_train: int) -> None:
        """Say how to start when every training point is gone."""
        drawing = TARGET_DRAW_HINT if self._targets else DRAW_HINT
        self.hint.setText(NO_POINTS_HINT if n_train == 0 else drawing)

    # -- the mouse ------------------------------------------------------------------------
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress and isinstance(event, QMouseEvent):
            return self._press(event)
        if kind == QEvent.Type.MouseMove and self._drawing is not None:
            self._move(event)  # type: ignore[arg-type]
            return True
        if kind == QEvent.Type.MouseButtonRelease and self._drawing is not None:
            self._drawing = None
            return True
        return False

    def _press(self, event: QMouseEvent) -> bool:
        if event.button() != Qt.MouseButton.LeftButton or not self.ready:
            return False
        point = self._in_plot(event.position())
        if point is None:
            return False
        erasing = (self.erase_tool.isChecked()
                   or bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier))
        self._stroke += 1
        self._drawing = ERASE if erasing else ADD
        self._last_dab = event.position()
        self.plot.setFocus()
        if erasing:
            self._erase_at(point)
        else:
            self._add([point])
        return True

    def _move(self, event: QMouseEvent) -> None:
        position = event.position()
        last = self._last_dab
        if last is not None and (position - last).manhattanLength() < SPRAY_STEP_PIXELS:
            return
        point = self._in_plot(position)
        if point is None:
            return
        self._last_dab = position
        if self._drawing == ERASE:
            self._erase_at(point)
        else:
            self._add(self._spray(point))

    def _in_plot(self, position: QPointF) -> np.ndarray | None:
        """The data coordinates under a viewport position; None outside the plot's area."""
        scene = self.plot.mapToScene(position.toPoint())
        if not self.view_box.sceneBoundingRect().contains(scene):
            return None
        view = self.view_box.mapSceneToView(scene)
        return np.array([view.x(), view.y()])

    def _pixel(self) -> np.ndarray:
        """A screen pixel's width and height in data units."""
        width, height = self.view_box.viewPixelSize()
        return np.array([abs(width), abs(height)])

    def _spray(self, centre: np.ndarray) -> list[np.ndarray]:
        scatter = self._random.normal(0.0, SPRAY_SIGMA_PIXELS, size=(SPRAY_POINTS, 2))
        return list(centre + scatter * self._pixel())

    # -- the edits ------------------------------------------------------------------------
    def _split(self) -> str:
        return "test" if self.test_split.isChecked() else "train"

    def _add(self, points: list[np.ndarray]) -> None:
        drawn = np.array(points)
        if self._targets:
            self.edited.emit(DataEdit(ADD, drawn, targets=drawn[:, 1], split=self._split(),
                                      stroke=self._stroke))
            return
        label = max(self.class_choice.currentIndex(), 0)
        self.edited.emit(DataEdit(ADD, drawn, np.full(len(points), label),
                                  split=self._split(), stroke=self._stroke))

    def _erase_at(self, point: np.ndarray) -> None:
        """Erase within :data:`ERASER_PIXELS` on screen: the radius in x units, y stretched
        by the pixel's aspect (a fit's axes have different units)."""
        width, height = self._pixel()
        self.edited.emit(DataEdit(ERASE, np.array([point]), radius=float(ERASER_PIXELS * width),
                                  y_scale=_aspect(width, height),
                                  split=self._split(), stroke=self._stroke))

    def _send(self, action: str) -> None:
        if self.has_data:
            self.edited.emit(DataEdit(action))


def _aspect(width: float, height: float) -> float:
    """A pixel's width over its height (1 while the plot has no size yet)."""
    ratio = width / height if width > 0 and height > 0 else 1.0
    return float(ratio) if np.isfinite(ratio) and ratio > 0 else 1.0
