"""What every plot panel is: a widget that draws snapshots, and knows how to export itself.

Panels only draw what a :class:`~nnviz.session.Snapshot` holds; they never compute training
quantities. They build their plot items once and update them with ``setData``/``setImage``.
Each panel class registers under a ``kind`` name that scenarios list in ``Scenario.panels``.
"""

from __future__ import annotations

from typing import ClassVar

import pyqtgraph as pg
from PySide6.QtWidgets import QVBoxLayout, QWidget

from nnviz.session import Snapshot

#: one CSV table: column names and equally long columns of numbers or text
CsvTable = tuple[list[str], list[list[object]]]

PANELS: dict[str, type[Panel]] = {}


def register_panel(cls: type[Panel]) -> type[Panel]:
    """Class decorator: make a panel class available under its ``kind``."""
    if not cls.kind:
        raise ValueError(f"{cls.__name__} has no kind")
    PANELS[cls.kind] = cls
    return cls


class Panel(QWidget):
    """Base class of plot panels.

    Subclasses set ``kind`` and ``title``, build their items in ``__init__`` and implement
    :meth:`show_snapshot`. Export (PNG/SVG/CSV) works through :meth:`export_target` and
    :meth:`csv_tables`, so the GUI, the CLI and tests share one code path.

    A panel that lets a person edit a hyperparameter in place (a racer line, a word query, an
    image to classify) declares ``live_change = Signal(str, object)`` and emits
    ``(param name, value)``; the window applies it exactly as an edit in the controls.
    """

    kind: ClassVar[str] = ""
    title: ClassVar[str] = ""
    #: False for a panel of controls (the racer editor): exports write its data as CSV and
    #: never a picture of its widgets, which is no figure
    figure: ClassVar[bool] = True
    #: the most draws per second the window asks of this panel (0: every frame). Painting
    #: competes with training for the GIL; slow-moving curves look the same at 10 Hz.
    max_fps: ClassVar[float] = 0.0

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"panel-{self.kind}")
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.run_id: int | None = None
        self.last_snapshot: Snapshot | None = None

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Draw ``snapshot`` (called on the GUI thread, at most at the display rate)."""
        self.last_snapshot = snapshot
        self.run_id = snapshot.run_id

    def record_snapshot(self, snapshot: Snapshot) -> None:
        """Take in a snapshot that will not be drawn (the GUI draws only the newest per frame).

        Curve panels keep its ``trace`` and ``metrics`` here so no point is lost; views ignore
        it (the default). ``show_snapshot`` must still work without a prior ``record_snapshot``.
        """

    def start_run(self, run_id: int) -> None:
        """A new run starts: forget per-run state (curves keep pinned runs)."""
        self.run_id = run_id

    def app_only_widgets(self) -> list[QWidget]:
        """Widgets a person works in the app (a button, a query box): a panel drawn as a
        widget (no :meth:`export_target`) leaves them, and every scroll bar, out of its
        exported figure."""
        return []

    def export_target(self) -> pg.GraphicsItem | pg.GraphicsScene | None:
        """The pyqtgraph item or scene that PNG/SVG export renders (None: grab the widget)."""
        return None

    def csv_tables(self) -> dict[str, CsvTable]:
        """The numbers this panel draws, as named CSV tables (empty if it draws none)."""
        return {}
