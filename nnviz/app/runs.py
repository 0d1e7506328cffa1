"""Saved runs in the app: keep the current run, save it, open one, scrub and compare.

:class:`RunKeeper` follows the window's snapshots into a bounded
:class:`~nnviz.io.runs.RunRecord` (a new record when the run id changes), saves it to one file
and opens saved files in a :class:`RunViewer`. The record's curves are the run's one curve
store: the window's loss panel draws them (:meth:`RunKeeper.curves_for`). The viewer draws the
saved run's curves, can overlay the run training now (dashed) for comparison, and has a
timeline slider that puts the scenario's own panels back at any recorded snapshot.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from nnviz.app.headless_export import feed
from nnviz.app.panels import all_panels
from nnviz.app.panels.axes import plain_plot
from nnviz.app.panels.base import Panel
from nnviz.app.watch_curves import change_marks, mark_line
from nnviz.io.files import ExportError, safe_stem, unused_stem
from nnviz.io.run_curves import RunCurves
from nnviz.io.runs import SUFFIX, RunFileError, RunRecord, load_run, replay, save_run

#: what the open and save dialogs list: saved runs, and runs recorded by ``nnviz.watch``
#: (``record="runs/resnet.nnviz"``, the name the issue's example gives)
RUN_FILE_PATTERN = f"nnviz runs (*{SUFFIX} *.nnviz *.npz)"
#: what the open dialog also lists: a TensorBoard event file opens its folder's logs
OPEN_RUN_PATTERN = f"{RUN_FILE_PATTERN};;TensorBoard event files (*tfevents*)"
#: run ids for replayed snapshots: negative, so they never match a live run
_replay_ids = itertools.count(-1, -1)


class RunViewer(QWidget):
    """One saved run: its curves (optionally against the current run) and its snapshots."""

    def __init__(self, record: RunRecord, *, current: Callable[[], RunRecord | None] | None
                 = None, exports: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.record = record
        self.current = current
        self.setWindowTitle(f"nnviz — run {record.label or record.scenario}")
        layout = QVBoxLayout(self)
        self.summary = QLabel(self._summary())
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)

        row = QHBoxLayout()
        self.metric_box = QComboBox()
        for name in self._metric_names():
            self.metric_box.addItem(name.replace("_", " "), name)
        self.metric_box.currentIndexChanged.connect(self.draw_curves)
        row.addWidget(QLabel("Curve"))
        row.addWidget(self.metric_box)
        self.compare = QCheckBox("Compare with the current run")
        self.compare.setEnabled(current is not None)
        self.compare.toggled.connect(self._compare_toggled)
        row.addWidget(self.compare)
        row.addStretch(1)
        layout.addLayout(row)

        self.plot = plain_plot()
        self.plot.addLegend(offset=(-10, 10))
        self.plot.setLabel("bottom", "step")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.saved_curve = self.plot.plot(pen=pg.mkPen("#4c9be8", width=2),
                                          name=f"saved: {record.label or 'run'}")
        self.current_curve = self.plot.plot(
            pen=pg.mkPen("#f28e2b", width=2, style=Qt.PenStyle.DashLine), name="current run")
        self.step_line = pg.InfiniteLine(angle=90, pen=pg.mkPen("#888", width=1))
        self.plot.addItem(self.step_line)
        # live changes (a watched run's steering) dashed and labelled, as the watch window
        self.change_lines = [mark_line(mark, (210, 210, 210), fill=(0, 0, 0, 200))
                             for mark in change_marks(record.config_changes)]
        for line in self.change_lines:
            self.plot.addItem(line)
        layout.addWidget(self.plot, 2)

        grid = QGridLayout()
        registry = all_panels()
        # a watched run has no scenario to build: its config names the panels it draws
        kinds = _scenario_panels(record.scenario) or getattr(record.config,
                                                             "recorded_panels", ())
        self.panels: list[Panel] = [registry[kind]() for kind in kinds if kind in registry]
        for index, panel in enumerate(self.panels):  # an odd last one spans its row
            span = 2 if index == len(self.panels) - 1 and index % 2 == 0 else 1
            grid.addWidget(panel, index // 2, index % 2, 1, span)
        if self.panels:
            layout.addLayout(grid, 3)
        if exports is not None:
            exports.install_all(self.panels)

        timeline = QHBoxLayout()
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, max(len(record.snapshots) - 1, 0))
        self.slider.setEnabled(len(record.snapshots) > 1)
        self.position = QLabel()
        timeline.addWidget(QLabel("Timeline"))
        timeline.addWidget(self.slider, 1)
        timeline.addWidget(self.position)
        layout.addLayout(timeline)
        self._scrub = QTimer(self)
        self._scrub.setSingleShot(True)
        self._scrub.setInterval(40)
        self._scrub.timeout.connect(lambda: self.show_position(self.slider.value()))
        self.slider.valueChanged.connect(lambda _: self._scrub.start())
        self._refresh = QTimer(self)
        self._refresh.setInterval(500)
        self._refresh.timeout.connect(self.draw_curves)

        self.draw_curves()
        if record.snapshots:
            self.slider.setValue(len(record.snapshots) - 1)
            self.show_position(len(record.snapshots) - 1)

    # -- text -----------------------------------------------------------------------------
    def _summary(self) -> str:
        record = self.record
        latest = record.latest
        parts = [f"<b>{record.scenario}</b>"]
        if record.preset:
            parts.append(f"preset {record.preset}")
        parts.append(f"{record.steps} steps")
        if latest is not None:
            accuracy = latest.metrics.get("test_accuracy")
            if accuracy is not None and math.isfinite(accuracy):
                parts.append(f"test accuracy {accuracy:.3f}")
        if record.config_changes:
            parts.append(f"{len(record.config_changes)} live changes")
        return " · ".join(parts)

    def _metric_names(self) -> list[str]:
        names = [k for k in self.record.history_arrays()
                 if k not in ("step", "epoch", "wall_seconds")]
        names.sort(key=lambda n: (0 if "loss" in n else 1, n))
        # every per-step series: a watched run's learning rates, a TensorBoard run's tags
        names[:0] = [f"{key} (every step)" for key in self.record.trace]
        return names

    # -- curves ---------------------------------------------------------------------------
    def _series(self, record: RunRecord, name: str) -> tuple[np.ndarray, np.ndarray]:
        if name.endswith(" (every step)"):
            key = name.removesuffix(" (every step)")
            if key in record.trace:
                steps, values = record.trace_arrays()[key]
                return steps.astype(float), values
            return np.zeros(0), np.zeros(0)
        history = record.history_arrays()
        if name not in history:
            return np.zeros(0), np.zeros(0)
        return history["step"], history[name]

    def draw_curves(self) -> None:
        name = self.metric_box.currentData()
        if name is None:
            return
        self.saved_curve.setData(*self._series(self.record, name))
        other = self.current() if (self.current and self.compare.isChecked()) else None
        if other is None:
            self.current_curve.setData([], [])
            return
        self.current_curve.setData(*self._series(other, name))
        differences = self.record.final_config.differences(other.final_config) \
            if type(other.final_config) is type(self.record.final_config) else {}
        if differences:
            text = ", ".join(f"{k}: {a} → {b}" for k, (a, b) in list(differences.items())[:4])
            self.summary.setText(f"{self._summary()}<br>current run differs: {text}")
        else:
            self.summary.setText(self._summary())

    def _compare_toggled(self, on: bool) -> None:
        if on:
            self._refresh.start()
        else:
            self._refresh.stop()
        self.draw_curves()

    # -- timeline -------------------------------------------------------------------------
    def show_position(self, index: int) -> None:
        """Put every panel back at recorded snapshot ``index`` (with its history)."""
        if not self.record.snapshots:
            return
        index = int(np.clip(index, 0, len(self.record.snapshots) - 1))
        run_id = next(_replay_ids)
        frames = replay(self.record, index, run_id=run_id)
        for panel in self.panels:
            panel.start_run(run_id)
            feed(panel, frames)
        step = frames[-1].step
        if self.slider.value() != index:
            self.slider.blockSignals(True)
            self.slider.setValue(index)
            self.slider.blockSignals(False)
        self.step_line.setValue(step)
        self.position.setText(f"step {step}  ({index + 1}/{len(self.record.snapshots)})")

    def closeEvent(self, event: Any) -> None:
        self._refresh.stop()
        super().closeEvent(event)


def _scenario_panels(name: str) -> tuple[str, ...]:
    from nnviz.scenarios.registry import all_scenarios

    scenario = all_scenarios().get(name)
    return scenario.panels if scenario is not None else ()


class RunKeeper(QObject):
    """Keeps the current run as a :class:`RunRecord`; saves it and opens saved runs."""

    message = Signal(str)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None, *, folder: Callable[[], Path] | None = None,
                 preset: Callable[[], str | None] | None = None,
                 final_state: Callable[[], Any] | None = None, exports: Any = None) -> None:
        super().__init__(parent)
        #: an ExportController that gives the viewer's panels their export menu
        self.exports = exports
        self.record: RunRecord | None = None
        self.folder = folder or Path.home
        self.preset = preset or (lambda: None)
        #: returns the session's checkpoint when the window can get it (else weights come
        #: from the last network view)
        self.final_state = final_state
        self.viewers: list[RunViewer] = []
        #: a dialog hook for tests: (title, default path, save?) -> chosen path or None
        self.ask_path: Callable[[str, Path, bool], Path | None] = self._ask_path
        #: the same for a folder: (title, where to start) -> chosen folder or None
        self.ask_folder: Callable[[str, Path], Path | None] = self._ask_folder

    def on_snapshot(self, snapshot: Any) -> None:
        """Feed every snapshot the window shows (GUI thread)."""
        if self.record is None or snapshot.run_id != self.record.run_id:
            self.record = RunRecord.from_snapshot(snapshot, preset=self.preset())
        self.record.add(snapshot)

    def current(self) -> RunRecord | None:
        return self.record

    def curves_for(self, run_id: int) -> RunCurves | None:
        """The curve store of run ``run_id`` while it is the kept run (None otherwise): the
        window's curve panels draw from it, so they show exactly what "Save run" writes."""
        record = self.record
        return record.curves if record is not None and record.run_id == run_id else None

    def _ask_path(self, title: str, default: Path, save: bool) -> Path | None:
        parent = self.parent() if isinstance(self.parent(), QWidget) else None
        pattern = RUN_FILE_PATTERN
        if save:
            chosen, _ = QFileDialog.getSaveFileName(parent, title, str(default), pattern)
        else:
            chosen, _ = QFileDialog.getOpenFileName(parent, title, str(default),
                                                    OPEN_RUN_PATTERN)
        return Path(chosen) if chosen else None

    def _ask_folder(self, title: str, start: Path) -> Path | None:
        parent = self.parent() if isinstance(self.parent(), QWidget) else None
        chosen = QFileDialog.getExistingDirectory(parent, title, str(start))
        return Path(chosen) if chosen else None

    def open_folder(self) -> RunViewer | None:
        """Open a TensorBoard log folder ("Open run…" picks files, this picks a folder)."""
        path = self.ask_folder("Open TensorBoard folder", Path(self.folder()))
        return self.open(path) if path is not None else None

    def default_path(self) -> Path:
        record = self.record
        step = record.steps if record else 0
        folder = Path(self.folder())
        # the scenario name may come from an opened run file: it must not name another folder
        stem = unused_stem(folder, safe_stem(f"{record.scenario if record else 'nnviz'}-{step}"),
                           [SUFFIX])
        return folder / f"{stem}{SUFFIX}"

    def save(self) -> Path | None:
        if self.record is None or self.record.latest is None:
            self.failed.emit("There is no run to save yet: press Run first.")
            return None
        path = self.ask_path("Save run", self.default_path(), True)
        if path is None:
            return None
        if not path.name.endswith(SUFFIX) and path.suffix != ".npz":
            path = path.with_name(path.name + SUFFIX)
        if self.final_state is not None:
            try:
                self.record.final_state = self.final_state()
            except Exception as error:  # a missing checkpoint must not lose the save
                self.message.emit(f"weights from the last snapshot ({error})")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            save_run(path, self.record)
        except (OSError, ExportError) as error:
            self.failed.emit(f"Saving the run failed: {error}")
            return None
        self.message.emit(f"Saved run to {path}")
        return path

    def open(self, path: Path | None = None) -> RunViewer | None:
        if path is None:
            path = self.ask_path("Open run", Path(self.folder()), False)
            if path is None:
                return None
            if "tfevents" in path.name:  # TensorBoard's run is the folder of its event files
                path = path.parent
        try:
            record = load_run(path)
        except RunFileError as error:
            self.failed.emit(str(error))
            return None
        viewer = RunViewer(record, current=self.current, exports=self.exports)
        viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
        viewer.destroyed.connect(lambda *_: self._forget(viewer))
        self.viewers.append(viewer)
        viewer.resize(1000, 800)
        viewer.show()
        return viewer

    def _forget(self, viewer: RunViewer) -> None:
        self.viewers = [v for v in self.viewers if v is not viewer]
