"""The main window: picker and controls on the left, the scenario's panels in the middle.

The window only wires parts together: :class:`ScenarioPicker` chooses a target,
:class:`ControlsPanel` edits the config, :class:`RunController` owns the training runs,
:class:`PanelArea` draws snapshots, and export/recording (``window_exports``) hooks into
:meth:`panels`, :attr:`current_config` and the newest snapshot. Geometry, dock layout and the
last target persist in QSettings.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QLabel,
    QMainWindow,
    QMenu,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStyle,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from nnviz.app.controls import ControlsPanel
from nnviz.app.panel_area import PanelArea
from nnviz.app.panels import Panel
from nnviz.app.picker import ScenarioPicker, Target, resolve_target
from nnviz.app.runner import FINISHED, PAUSED, RUNNING, RunController
from nnviz.app.settings import app_settings
from nnviz.app.status import StatusReadout
from nnviz.scenarios.base import Scenario
from nnviz.scenarios.params import Config
from nnviz.scenarios.presets import UI_QUOTE
from nnviz.session import Snapshot

DEFAULT_TARGET = "moons"
#: how long a warning (e.g. "the run restarted") stays above the panels
BANNER_WARNING_MS = 6000
DOCK_WIDTH = 330
BANNER_STYLE = {
    "error": "background: #fdecea; color: #8a1c12; border: 1px solid #e6a19a;",
    "warning": "background: #fff6e0; color: #7a5200; border: 1px solid #ecd08a;",
}


def lesson_html(text: str) -> str:
    """A lesson text as rich text: escaped, and each «name» of the window in bold."""
    return UI_QUOTE.sub(lambda quoted: f"<b>{quoted.group(1)}</b>", html.escape(text))


PAUSED_HINT = ": Space runs, N steps once"


def paused_text(step: int) -> str:
    return f"Paused at step {step:,}{PAUSED_HINT}"


class MainWindow(QMainWindow):
    def __init__(self, target: str | None = None, *, settings: QSettings | None = None,
                 interval: float | None = None) -> None:
        super().__init__()
        self.setObjectName("nnviz-main")
        self.setWindowTitle("nnviz")
        self.settings = settings if settings is not None else app_settings()
        self.runner = RunController(self, **({"interval": interval} if interval else {}))
        self.target: Target | None = None
        self.controls: ControlsPanel | None = None
        #: a lesson's comparison waits for run A to reach this step (``run_comparison``)
        self._comparison_at: int | None = None
        self._build_actions()
        self._build_layout()
        self.runner.frame.connect(self._frame)
        self.runner.run_started.connect(self._run_started)
        self.runner.message.connect(self.show_message)
        self.runner.state_changed.connect(self._state_changed)
        self.runner.config_restored.connect(self._config_restored)
        self.exports = self._make_exports()
        #: the watched-runs part (:mod:`nnviz.app.watch_view`), made by :meth:`start_watching`
        self.watch: Any = None
        self._restore_layout()
        self.open_target(target or str(self.settings.value("last/target", DEFAULT_TARGET)),
                         fallback=DEFAULT_TARGET)

    # -- what other parts hook into -------------------------------------------------------
    def panels(self) -> list[Panel]:
        return list(self.panel_area.panels)

    @property
    def current_config(self) -> Config | None:
        return self.runner.config

    @property
    def current_scenario(self) -> Scenario | None:
        return self.runner.scenario

    @property
    def current_preset(self) -> str | None:
        return self.target.preset.name if self.target and self.target.preset else None

    @property
    def last_snapshot(self) -> Snapshot | None:
        return self.runner.last_snapshot

    # -- building -------------------------------------------------------------------------
    def _build_actions(self) -> None:
        style = self.style()

        def action(name: str, text: str, shortcut: str, tip: str, slot: Any,
                   icon: QStyle.StandardPixmap | None = None) -> QAction:
            made = QAction(text, self)
            made.setObjectName(name)
            if icon is not None:
                made.setIcon(style.standardIcon(icon))
            made.setShortcut(QKeySequence(shortcut))
            made.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            made.setToolTip(f"{tip} ({shortcut})")
            made.triggered.connect(lambda _checked=False: slot())
            self.addAction(made)
            return made

        pixmap = QStyle.StandardPixmap
        self.run_action = action("run", "Run", "Space", "Run or pause training",
                                 self.runner.toggle, pixmap.SP_MediaPlay)
        self.step_action = action("step", "Step", "N", "Take one training step, then pause",
                                  self.runner.step, pixmap.SP_MediaSkipForward)
        self.epoch_action = action("step-epoch", "Step epoch", "Shift+N",
                                   "Train one epoch, then pause", self.runner.step_epoch,
                                   pixmap.SP_MediaSeekForward)
        self.reset_action = action("reset", "Reset", "Ctrl+R",
                                   "Start again from the current seed: same data, same weights",
                                   self.runner.reset, pixmap.SP_BrowserReload)
        self.pin_action = action("pin", "Pin run", "Ctrl+P",
                                 "Keep this run's curves; the next run draws over them",
                                 self.pin_run)
        self.quit_action = action("quit", "Quit", "Ctrl+Q", "Stop training and close nnviz",
                                  self.close)
        self.toolbar = QToolBar("Training")
        self.toolbar.setObjectName("training-toolbar")
        self.toolbar.setMovable(False)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for made in (self.run_action, self.step_action, self.epoch_action, self.reset_action,
                     self.pin_action):
            self.toolbar.addAction(made)
        self.addToolBar(self.toolbar)

    def _build_layout(self) -> None:
        self.picker = ScenarioPicker(fill_after_first_paint=True)  # the window shows sooner
        self.picker.chosen.connect(self.open_target)
        self.lesson = QLabel()
        self.lesson.setObjectName("lesson")
        self.lesson.setWordWrap(True)
        self.lesson.setTextFormat(Qt.TextFormat.RichText)
        self.lesson.setStyleSheet("padding: 4px;")
        self.lesson.setMinimumWidth(DOCK_WIDTH - 40)
        self.lesson.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.compare_button = QPushButton("Pin this run and try the comparison")
        self.compare_button.setObjectName("compare")
        self.compare_button.clicked.connect(self.run_comparison)
        self.compare_button.hide()
        self.controls_scroll = QScrollArea()
        self.controls_scroll.setWidgetResizable(True)
        self.controls_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.controls_scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        side = QWidget()
        column = QVBoxLayout(side)
        column.setContentsMargins(2, 2, 2, 2)
        column.addWidget(self.lesson)
        column.addWidget(self.compare_button)
        column.addWidget(self.controls_scroll, 1)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.picker)
        splitter.addWidget(side)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([150, 600])
        self.dock = QDockWidget("Scenario and settings")
        self.dock.setObjectName("controls-dock")
        self.dock.setMinimumWidth(DOCK_WIDTH)
        self.dock.setWidget(splitter)
        self.dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                              | QDockWidget.DockWidgetFeature.DockWidgetFloatable)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.dock)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        self.banner = QLabel()
        self.banner.setObjectName("banner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self._banner_timer = QTimer(self)
        self._banner_timer.setSingleShot(True)
        self._banner_timer.setInterval(BANNER_WARNING_MS)
        self._banner_timer.timeout.connect(self.banner.hide)
        self.panel_area = PanelArea()
        # panels keep a readable height; a scenario with many (digits: eight) scrolls
        self.panel_scroll = QScrollArea()
        self.panel_scroll.setObjectName("panel-scroll")
        self.panel_scroll.setWidgetResizable(True)
        self.panel_scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        self.panel_scroll.setWidget(self.panel_area)
        layout.addWidget(self.banner)
        layout.addWidget(self.panel_scroll, 1)
        self.setCentralWidget(central)

        self.readout = StatusReadout()
        self.statusBar().addPermanentWidget(self.readout)

    def _make_exports(self) -> Any:
        from nnviz.app.window_exports import WindowExports  # loaded with a window, not on import

        exports = WindowExports(self, panels=self.panels, latest=lambda: self.last_snapshot,
                                preset=lambda: self.current_preset,
                                final_state=self._idle_checkpoint)
        # "Open run…" picks files; the menu of its button also opens a TensorBoard folder
        open_menu = QMenu(self)
        open_menu.addAction("Open TensorBoard folder…", lambda: exports.runs.open_folder())
        exports.open_run_action.setMenu(open_menu)
        self.toolbar.addSeparator()
        for made in exports.actions:
            self.toolbar.addAction(made)
        return exports

    def _idle_checkpoint(self) -> Any:
        """The session's weights for a saved run, only while no step can be running."""
        latest = self.last_snapshot
        taken = self.runner.checkpoint() if latest is not None else None
        if taken is None or latest is None:
            return None
        run_id, step, state = taken
        if (run_id, step) != (latest.run_id, latest.step):
            return None  # the weights would not match the curves being saved
        return state

    def start_watching(self) -> Any:
        """The watched-runs part: the picker's "Watch" group and the listener (``nnviz app``
        starts it; a window made by a test has none unless it asks)."""
        if self.watch is None:
            from nnviz.app.watch_view import WatchController  # only when watching

            self.watch = WatchController(self.picker, exports=self.exports, parent=self,
                                         report=self.show_message)
        return self.watch

    # -- choosing what to train -----------------------------------------------------------
    def open_target(self, name: str, *, fallback: str | None = None) -> bool:
        """Open a scenario or preset by name; False (and a message) if it cannot be opened.
        A watched run's picker entry (``watch:…``) attaches that run instead."""
        if self.watch is not None and self.watch.handles(name):
            return self.watch.attach(name)
        try:
            target = resolve_target(name)
            reason = target.unavailable_reason()
            if reason:
                raise KeyError(reason)
        except Exception as error:  # unknown name, broken preset, missing dependency
            text = error.args[0] if isinstance(error, KeyError) and error.args else str(error)
            if fallback and fallback != name:
                opened = self.open_target(fallback)
                self.show_message("warning", f"Could not open {name!r}: {text}")
                return opened
            self.show_message("error", f"Could not open {name!r}: {text}")
            return False
        config = target.config()
        if self.target is None or target.scenario is not self.target.scenario:
            self._build_for(target.scenario)
        assert self.controls is not None
        self.controls.set_config(config)
        self.target = target
        self._comparison_at = None
        self.picker.select(name)
        self._show_lesson(target)
        self.setWindowTitle(f"nnviz — {target.title}")
        self.settings.setValue("last/target", name)
        self.banner.hide()
        planned = target.preset.steps if target.preset else None
        self.runner.hold_at = planned
        self.runner.open(target.scenario, config)
        length = (f" (it pauses at step {planned:,}, where this preset's run ends)"
                  if planned else "")
        self.show_message("info", f"{target.title}: press Run (Space) to train{length}")
        return True

    def _build_for(self, scenario: Scenario) -> None:
        self.controls = ControlsPanel(scenario.config_type)
        self.controls.changed.connect(self._control_changed)
        self.controls.advanced_button.setChecked(
            self.settings.value("controls/advanced", False, type=bool))
        self.controls.advanced_button.toggled.connect(
            lambda shown: self.settings.setValue("controls/advanced", shown))
        old = self.controls_scroll.takeWidget()
        if old is not None:
            old.deleteLater()
        self.controls_scroll.setWidget(self.controls)
        self.panel_area.set_kinds(scenario.panels)
        for panel in self.panels():
            panel.live_change.connect(self._panel_changed)  # a racer line, a word query …
            panel.pins_requested.connect(  # the loss panel's pin buttons
                lambda action, source=panel: self._pin_others(action, source))
        if self.exports is not None:
            self.exports.install(self.panels())
            for panel in self.panels():  # the loss panel draws the saved run's curves
                panel.read_curves_from(self.exports.curves_for)

    def _show_lesson(self, target: Target) -> None:
        lesson = target.preset.lesson if target.preset else None
        description = target.preset.description if target.preset else target.scenario.description
        parts = [f"<b>{html.escape(target.title)}</b><br>{html.escape(description)}"]
        if lesson is not None:
            if lesson.what:
                parts.append(lesson_html(lesson.what))
            if lesson.try_steps:
                parts.append("Try:<ul>" + "".join(f"<li>{lesson_html(step)}</li>"
                                                  for step in lesson.try_steps) + "</ul>")
            if lesson.look_for:
                parts.append(f"<i>Look for:</i> {lesson_html(lesson.look_for)}")
        self.lesson.setText("<p>" + "</p><p>".join(parts) + "</p>")
        label = lesson.compare_label if lesson and lesson.compare_label else "the comparison"
        self.compare_button.setText(f"Pin this run and try {label}")
        self.compare_button.setVisible(bool(lesson and lesson.compare))

    def run_comparison(self) -> None:
        """The lesson's comparison in one action: run A up to the lesson's step count (if it
        is not there yet), pin it, then run B over it."""
        preset = self.target.preset if self.target else None
        if preset is None or preset.lesson is None or not preset.lesson.compare:
            return
        wanted = (preset.lesson.compare_after or preset.steps
                  or self.target.scenario.default_steps)
        latest = self.last_snapshot
        reached = latest.step if latest is not None and latest.run_id == self.runner.run_id else 0
        if reached < wanted and self.runner.state != FINISHED:
            self._comparison_at = wanted
            self.runner.run()
            self.show_message("info", f"First run to step {wanted:,}; then it is pinned and "
                                      "the comparison run starts over it")
            return
        self._start_comparison()

    def _start_comparison(self) -> None:
        self._comparison_at = None
        compare = self.target.compare_config() if self.target else None
        if compare is None or self.controls is None:
            return
        self.pin_run()
        self.controls.set_config(compare)
        if self.runner.set_config(compare) == "live":
            self.runner.reset()  # B is a run of its own from step 0, not A's weights going on
        if not self.runner.has_run or self.runner.state != RUNNING:
            self.runner.run()
        self.show_message("info", "Pinned the first run; the comparison run draws over it")

    # -- reacting -------------------------------------------------------------------------
    def _control_changed(self, name: str, value: Any) -> None:
        if not self.runner.set_value(name, value) and self.controls is not None:
            self.controls.editors[name].set_value(getattr(self.runner.config, name))

    def _panel_changed(self, name: str, value: Any) -> None:
        """A panel edited a hyperparameter: the same path as typing it into the controls."""
        if self.controls is not None and name in self.controls.editors:
            self.controls.editors[name].set_value(value)
        self._control_changed(name, value)

    def _config_restored(self, config: Config) -> None:
        """A change could not be applied; the controls show the values still in force."""
        if self.controls is not None and isinstance(config, self.controls.config_type):
            self.controls.set_config(config)

    def _frame(self, snapshots: list[Snapshot]) -> None:
        if self.exports is not None:  # first: the curve panels draw the store it feeds
            for snapshot in snapshots:  # every one: saved runs keep the whole curve
                self.exports.on_snapshot(snapshot)
        self.panel_area.show_snapshots(snapshots)
        self.runner.want_views(self.panel_area.view_wants())  # at the rates just measured
        newest = snapshots[-1]
        self.readout.show_snapshot(newest)
        if self.statusBar().currentMessage().endswith(PAUSED_HINT):
            # the worker finishes the step it was in after Pause was pressed: the message
            # follows the snapshots still arriving, so it names the step training stopped at
            self.statusBar().showMessage(paused_text(newest.step))
        if self._comparison_at is not None and newest.step >= self._comparison_at:
            self._start_comparison()

    def _run_started(self, run_id: int) -> None:
        self.panel_area.start_run(run_id)

    def _state_changed(self, state: str) -> None:
        self.readout.set_state(state)
        if state == FINISHED and self._comparison_at is not None:
            self._start_comparison()  # run A ended early (it diverged, or its epochs ran out)
        running = state == RUNNING
        self.run_action.setText("Pause" if running else "Run")
        self.run_action.setIcon(self.style().standardIcon(
            QStyle.StandardPixmap.SP_MediaPause if running else QStyle.StandardPixmap.SP_MediaPlay))
        if state != FINISHED and self.banner.property("level") == "error":
            self.banner.hide()
        if state == RUNNING:
            self.statusBar().showMessage("Training: Space pauses, N takes one step")
        elif state == PAUSED and self.last_snapshot is not None:
            self.statusBar().showMessage(paused_text(self.last_snapshot.step))

    def show_message(self, level: str, text: str) -> None:
        """The status bar keeps the last message; warnings and errors also show a banner."""
        self.statusBar().showMessage(text)
        if level in BANNER_STYLE:
            self.banner.setText(text)
            self.banner.setProperty("level", level)
            self.banner.setStyleSheet(BANNER_STYLE[level] + " padding: 4px;")
            self.banner.show()
            if level == "warning":
                self._banner_timer.start()
            else:
                self._banner_timer.stop()

    def _pin_others(self, action: str, source: Panel) -> None:
        """A panel pinned (or cleared) its own run: every other panel that pins does too."""
        for panel in self.panels():
            if panel is not source and panel.pins_runs:
                panel.pin_run() if action == "pin" else panel.clear_pinned()

    def pin_run(self) -> None:
        self.panel_area.draw_pending()  # a pin keeps what a panel shows: make it the newest
        pinning = [panel for panel in self.panels() if panel.pins_runs]
        for panel in pinning:
            panel.pin_run()
        if pinning:
            self.show_message("info", "Pinned: the next run draws over this one")

    # -- persistence and closing ----------------------------------------------------------
    def _restore_layout(self) -> None:
        geometry = self.settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1440, 900)
        state = self.settings.value("window/state")
        if state is not None:
            self.restoreState(state)
        else:  # first launch: the panels get the room, not the lesson text
            self.resizeDocks([self.dock], [DOCK_WIDTH], Qt.Orientation.Horizontal)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.sync()
        self.runner.shutdown(timeout=1.0)
        if self.watch is not None:
            self.watch.shutdown()
        if self.exports is not None:
            self.exports.shutdown()
        super().closeEvent(event)
