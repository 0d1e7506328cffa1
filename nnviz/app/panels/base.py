"""What every plot panel is: a widget that draws snapshots, and knows how to export itself.

Panels only draw what a :class:`~nnviz.session.Snapshot` holds; they never compute training
quantities. They build their plot items once and update them with ``setData``/``setImage``.
Each panel class registers under a ``kind`` name that scenarios list in ``Scenario.panels``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, ClassVar

import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QVBoxLayout, QWidget

from nnviz.data.toy import Split
from nnviz.io.columns import TableNotes
from nnviz.io.run_curves import RunCurves
from nnviz.session import Snapshot

#: one CSV table: column names and equally long columns of numbers or text
CsvTable = tuple[list[str], list[list[object]]]

PANELS: dict[str, type[Panel]] = {}


def view_types(**kinds: type) -> Mapping[str, type]:
    """What a panel draws (``Panel.draws``): view kind -> record type, read-only."""
    return MappingProxyType(kinds)


def register_panel(cls: type[Panel]) -> type[Panel]:
    """Class decorator: make a panel class available under its ``kind``."""
    if not cls.kind:
        raise ValueError(f"{cls.__name__} has no kind")
    PANELS[cls.kind] = cls
    return cls


@dataclass(frozen=True)
class PointDataSet:
    """Points a panel draws, as a data set to save, with notes saying what they are.

    ``sample`` says in words when they are a sample of a larger set ("" when they are all of
    it), so a save dialog can say so without reading the notes. ``target_name`` names a
    regression's real-valued target column ("": the labels are classes)."""

    data: Split
    notes: tuple[str, ...]
    sample: str = ""
    target_name: str = ""


class Panel(QWidget):
    """Base class of plot panels.

    Subclasses set ``kind`` and ``title``, build their items in ``__init__`` and implement
    :meth:`show_snapshot`. Export (PNG/SVG/CSV) works through :meth:`export_target` and
    :meth:`csv_tables`, so the GUI, the CLI and tests share one code path.

    Everything the window and the exporter ask of a panel is declared here with the answer of
    a plain panel, so they call it on any panel; a panel overrides what it does differently.
    """

    kind: ClassVar[str] = ""
    title: ClassVar[str] = ""
    #: False for a panel of controls (the racer editor): exports write its data as CSV and
    #: never a picture of its widgets, which is no figure
    figure: ClassVar[bool] = True
    #: the most draws per second the window asks of this panel (0: every frame). Painting
    #: competes with training for the GIL; slow-moving curves look the same at 10 Hz.
    max_fps: ClassVar[float] = 0.0
    #: the views this panel draws: snapshot view kind -> the record type it reads there
    #: (``Snapshot.view``). The window asks the training loop for exactly these kinds, at the
    #: rate the panel is drawn, and a test checks that every scenario's session makes them,
    #: of these types, for its panels (empty: a panel of metrics and trace only)
    draws: ClassVar[Mapping[str, type]] = view_types()
    #: views the panel also reads when a snapshot has them (a word query to highlight), which
    #: a scenario may not make
    may_draw: ClassVar[Mapping[str, type]] = view_types()
    #: True for a panel that keeps pinned runs drawn under the current one (:meth:`pin_run`)
    pins_runs: ClassVar[bool] = False
    #: True for a panel that can export a pinned run beside the current one
    #: (:meth:`comparison_figure`): its export menu offers that, enabled by :meth:`can_compare`
    compares_runs: ClassVar[bool] = False
    #: True for a panel whose points can be saved as a data set (:meth:`point_data_set`)
    saves_data_set: ClassVar[bool] = False

    #: (param name, value): the panel edited a hyperparameter in place (a racer line, a word
    #: query, an image to classify); the window applies it exactly as an edit in the controls
    live_change = Signal(str, object)
    #: "pin" or "clear": a person pressed this panel's own pin buttons; the window does the
    #: same to every other panel that pins runs
    pins_requested = Signal(str)
    #: the panel's title now (see :meth:`set_title`); its frame shows it above the panel
    title_changed = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"panel-{self.kind}")
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.run_id: int | None = None
        self.last_snapshot: Snapshot | None = None

    def title_tools(self) -> list[QWidget]:
        """Small controls the frame puts at the right end of the panel's title row: room
        the title leaves free, where a tool row above the plot would take its height."""
        return []

    def set_title(self, text: str) -> None:
        """Say what this panel shows in this scenario: the loss panel of a regression shows
        a loss and R², not "Loss and accuracy". ``title`` (the class's words until then) is
        read by exports and by the frame, which follows :attr:`title_changed`."""
        if text != self.title:
            self.title = text  # type: ignore[misc]  # this panel's own words from now on
            self.title_changed.emit(text)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Draw ``snapshot`` (called on the GUI thread, at most at the display rate)."""
        self.last_snapshot = snapshot
        self.run_id = snapshot.run_id

    def record_snapshot(self, snapshot: Snapshot) -> None:
        """Take in a snapshot that will not be drawn (the GUI draws only the newest per frame).

        Curve panels keep its ``trace`` and ``metrics`` here so no point is lost; views ignore
        it (the default). ``show_snapshot`` must still work without a prior ``record_snapshot``.
        """

    def read_curves_from(self, source: Callable[[int], RunCurves | None]) -> None:
        """Draw a run's curves from the one store ``source`` keeps for each run id (the
        window's run keeper) instead of keeping copies (a panel of curves); a panel that
        draws views has none to read."""

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

    def csv_notes(self) -> dict[str, TableNotes]:
        """What this panel can say of its tables beyond the shared column vocabulary
        (:mod:`nnviz.io.columns`), by table name; empty for most panels."""
        return {}

    def point_data_set(self) -> PointDataSet | None:
        """The points this panel draws, as a data set to save (a panel that
        ``saves_data_set``); None while it has none."""
        return None

    def sidecar_fields(self) -> dict[str, Any]:
        """More fields for an export's sidecar (a comparison: the pinned run's settings)."""
        return {}

    def pin_run(self) -> None:
        """Keep the current run drawn under the next ones (a panel that ``pins_runs``)."""

    def clear_pinned(self) -> None:
        """Forget the pinned runs (a panel that ``pins_runs``)."""

    def can_compare(self) -> bool:
        """Whether :meth:`comparison_figure` has a pinned run to put beside this one."""
        return False

    def comparison_figure(self) -> Panel | None:
        """A new panel with the last pinned run beside the current one, for one export; the
        caller closes it (None: nothing to compare)."""
        return None
