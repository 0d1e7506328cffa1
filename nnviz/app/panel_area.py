"""The central area: the panels a scenario lists, in a grid, each under its title.

Built from ``Scenario.panels`` through the panel registry, never per scenario; a kind that no
module has registered (a panel another part of nnviz has not shipped yet) is skipped and
named in ``missing``.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from nnviz.app.frame_budget import FrameBudget
from nnviz.app.panels import Panel, panel_classes
from nnviz.session import Snapshot

COLUMNS = 2
#: below this a panel's labels collide; the window scrolls instead of squeezing further
MIN_PANEL_HEIGHT = 260
#: the width a panel of a long line-up needs for its titles and legends to read whole
MIN_PANEL_WIDTH = 380
#: three columns of a long line-up need this much each: a 1440×900 window's area (about 1,045
#: pixels) then holds the eight digits panels in three rows of 345×265 with nothing below the
#: fold, every panel checked readable (the loss plots side by side, titles wrapped between
#: words); two columns made four rows and hid histograms and layer health under the fold
MIN_THIRD_WIDTH = 340
#: a line-up this long (the eight digits panels) adapts: one panel per row in a narrow area
#: (two would squeeze each plot until titles wrap letter by letter), three in a wide one. Below
#: MIN_PANEL_HEIGHT a panel's rows stop shrinking and the area scrolls. Shorter line-ups keep
#: the two columns they were laid out for, main views side by side in the first row.
LONG_LINE_UP = 7
#: the least time between the end of one panel's draw or paint and the next draw. Panels due
#: in the same frame draw one after another, this far apart, so the event loop (each draw's
#: paint, the person's clicks, the next snapshots) runs in between: one frame stalls the
#: window at most one panel's draw and paint, never the sum of every panel due at once (the
#: eight digits panels drawn together were a 90 ms stall)
STAGGER_SECONDS = 0.006


def columns_for(width: int, panels: int) -> int:
    """How many panels side by side an area ``width`` pixels wide shows."""
    if panels < LONG_LINE_UP:
        return COLUMNS
    if width < COLUMNS * MIN_PANEL_WIDTH:
        return 1
    return 3 if width >= 3 * MIN_THIRD_WIDTH else COLUMNS


def newest_drawable(panel: Panel, snapshots: Sequence[Snapshot]) -> Snapshot | None:
    """The newest of ``snapshots`` that holds every view ``panel`` draws (the loop computes
    each view only as often as its panels are drawn), None if none does."""
    for snapshot in reversed(snapshots):
        if all(kind in snapshot.views for kind in panel.draws):
            return snapshot
    return None


def settle_views(views: Sequence[pg.GraphicsView]) -> None:
    """Fit a panel's auto-ranged plots to their new data now, not in their next paint.

    pyqtgraph auto-ranges a view box as the paint starts; the new range moves its contents,
    which asks for a second paint: every draw of the histograms and layer-health panels was
    painted twice (10-15 ms each)."""
    for view in views:
        scene = view.scene()
        if scene is not None:
            scene.prepareForPaint()


class PanelFrame(QFrame):
    """A panel under a bold title, with a thin border."""

    def __init__(self, panel: Panel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.panel = panel
        self.setObjectName(f"frame-{panel.kind}")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setMinimumHeight(MIN_PANEL_HEIGHT)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 4)
        layout.setSpacing(2)
        self.title = QLabel(panel.title or panel.kind)
        self.title.setStyleSheet("font-weight: bold;")
        panel.title_changed.connect(self.title.setText)
        title_row = QHBoxLayout()
        title_row.setContentsMargins(0, 0, 0, 0)
        title_row.addWidget(self.title, 1)
        for tool in panel.title_tools():  # the panel's own small controls, right-aligned
            title_row.addWidget(tool)
        layout.addLayout(title_row)
        layout.addWidget(panel, 1)


class PanelArea(QWidget):
    def __init__(self, kinds: Sequence[str] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("panel-area")
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(2, 2, 2, 2)
        self.grid.setSpacing(4)
        self.panels: list[Panel] = []
        self.frames: list[PanelFrame] = []
        self.columns = 0
        self.missing: list[str] = []
        self._drawn_at: dict[Panel, float] = {}
        self._pending: dict[Panel, Snapshot] = {}
        #: when the last draw of any panel ended (see STAGGER_SECONDS)
        self._last_draw_end = -1e9
        self.budget = FrameBudget()
        self._flush_timer = QTimer(self)
        self._flush_timer.setSingleShot(True)
        self._flush_timer.timeout.connect(self.flush)
        self.set_kinds(kinds)

    def heightForWidth(self, width: int) -> int:
        """None preferred: a word-wrapped label in one panel would otherwise make the scroll
        area give every row its preferred height instead of sharing the window's."""
        return -1

    def set_kinds(self, kinds: Sequence[str]) -> None:
        """Replace the panels by one per known kind, in order."""
        for panel in self.panels:
            frame = panel.parentWidget()
            self.grid.removeWidget(frame)
            frame.hide()  # gone now, not at the next event loop pass: no overlap in between
            frame.deleteLater()
        for row in range(self.grid.rowCount()):  # a longer earlier line-up left its rows
            self.grid.setRowStretch(row, 0)
        self.panels, self.missing = [], []
        self._drawn_at, self._pending = {}, {}
        registry = panel_classes(kinds)  # imports only these kinds' modules
        for kind in kinds:
            if kind not in registry:
                self.missing.append(kind)
                continue
            self.panels.append(registry[kind]())
        self.frames = [PanelFrame(panel) for panel in self.panels]
        self.columns = 0
        self._arrange(columns_for(self.width(), len(self.panels)))
        self.budget.watch(self.panels)

    def _arrange(self, columns: int) -> None:
        """Put the frames in a grid of ``columns`` (the first row a little taller)."""
        if columns == self.columns:
            return
        for frame in self.frames:
            self.grid.removeWidget(frame)
        for row in range(self.grid.rowCount()):
            self.grid.setRowStretch(row, 0)
        for column in range(self.grid.columnCount()):
            self.grid.setColumnStretch(column, 0)
        self.columns = columns
        for index, frame in enumerate(self.frames):
            last_alone = index == len(self.frames) - 1 and index % columns == 0
            # a last panel alone on its row takes the whole row
            self.grid.addWidget(frame, index // columns, index % columns, 1,
                                columns if last_alone else 1)
        rows = max(1, (len(self.frames) + columns - 1) // columns)
        for row in range(rows):  # the first row holds the main views: a little taller
            self.grid.setRowStretch(row, 3 if row == 0 and rows > 1 else 2)
        for column in range(columns):
            self.grid.setColumnStretch(column, 1)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._arrange(columns_for(event.size().width(), len(self.frames)))

    def start_run(self, run_id: int) -> None:
        for panel in self.panels:
            panel.start_run(run_id)

    def view_wants(self) -> dict[str, float]:
        """The view kinds the shown panels draw, each with the least seconds between two
        draws of it (0: every snapshot), for the training loop to compute nothing else
        (:class:`~nnviz.session.ViewDemand`). A hidden panel wants nothing."""
        wants: dict[str, float] = {}
        for panel in self.panels:
            if panel.isHidden() or panel.parentWidget().isHidden():
                continue
            rate = self.budget.rate(panel)
            gap = 1.0 / rate if rate else 0.0
            for kind in (*panel.draws, *panel.may_draw):
                wants[kind] = min(gap, wants.get(kind, gap))
        return wants

    def show_snapshots(self, snapshots: Sequence[Snapshot]) -> None:
        """Every snapshot to curves (``record_snapshot``); the newest a panel can draw (one
        holding the views it draws) drawn by it.

        A panel drawn less than 1/rate ago (its ``max_fps``, or the rate the frame budget
        allows it, see :mod:`nnviz.app.frame_budget`) only records it, and is drawn when it
        is due (by the next frame, or by a timer if no frame comes). Of the panels due, the
        first (the main view when it is due) draws now and the others one at a time after
        it (:data:`STAGGER_SECONDS`); :meth:`draw_pending` draws them all at once.
        """
        if not snapshots:
            return
        now = time.monotonic()
        for panel in self.panels:
            drawable = newest_drawable(panel, snapshots)
            for snapshot in snapshots:
                if snapshot is not drawable:
                    panel.record_snapshot(snapshot)
            if drawable is None:
                continue  # views computed for other panels only: keep what it shows
            if self._wait(panel, now) <= 0 and self._stagger_wait(time.monotonic()) <= 0:
                self._draw(panel, drawable, now)
            else:
                panel.record_snapshot(drawable)
                self._pending[panel] = drawable
        self._schedule_flush(time.monotonic())

    def _wait(self, panel: Panel, now: float) -> float:
        rate = self.budget.rate(panel)
        if not rate:
            return 0.0
        return self._drawn_at.get(panel, -1e9) + 1.0 / rate - now

    def _stagger_wait(self, now: float) -> float:
        """How long until the next panel may draw: the stagger counts from the end of the
        last draw or of the last paint of a panel, whichever came later (a draw's paint
        follows it at the next pass of the event loop)."""
        return max(self._last_draw_end, self.budget.last_paint_end) + STAGGER_SECONDS - now

    def _draw(self, panel: Panel, snapshot: Snapshot, now: float) -> None:
        self._pending.pop(panel, None)
        self._drawn_at[panel] = now
        start = time.perf_counter()
        panel.show_snapshot(snapshot)
        settle_views(self.budget.views.get(panel, ()))
        self.budget.drawn(panel, time.perf_counter() - start)
        self._last_draw_end = time.monotonic()

    @property
    def drawing_behind(self) -> bool:
        """Whether a panel still holds back a newer snapshot than it shows (its rate limit)."""
        return bool(self._pending)

    def draw_pending(self) -> None:
        """Draw every held-back snapshot now, due or not (before a pin keeps what is shown)."""
        now = time.monotonic()
        for panel, snapshot in list(self._pending.items()):
            self._draw(panel, snapshot, now)
        self._flush_timer.stop()

    def flush(self) -> None:
        """Draw one due panel whose newest snapshot was held back (the main view first, then
        the one drawn longest ago), if the last draw is far enough behind; then wait for the
        next."""
        now = time.monotonic()
        if self._stagger_wait(now) <= 0:
            due = [(panel is not self.budget.primary, self._drawn_at.get(panel, -math.inf),
                    index, panel)
                   for index, panel in enumerate(self.panels)
                   if panel in self._pending and self._wait(panel, now) <= 0]
            if due:
                panel = min(due)[3]
                self._draw(panel, self._pending[panel], now)
        self._schedule_flush(time.monotonic())

    def _schedule_flush(self, now: float) -> None:
        """Time the flush for when the next held-back panel may draw (none: no timer)."""
        if not self._pending:
            self._flush_timer.stop()
            return
        wait = max(self._stagger_wait(now),
                   min(self._wait(panel, now) for panel in self._pending))
        self._flush_timer.start(max(1, math.ceil(wait * 1000)))
