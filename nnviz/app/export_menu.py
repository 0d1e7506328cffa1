"""The export actions a person reaches: right-click on a panel, "export all", screenshot.

:class:`ExportController` owns the export folder (remembered in QSettings), the preset name
for sidecars, and the dialogs. :meth:`ExportController.install` gives a panel its right-click
menu: on a pyqtgraph plot the entries join pyqtgraph's own menu (they replace its "Export…"
entry, which writes non-atomically and without a sidecar); anywhere else on the panel they
form the menu. A panel with a pinned run to compare (the decision boundary) also offers the
pinned and current runs side by side, and "export all" writes that figure too. Errors reach
the person as a message, never as a traceback.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QPoint, QSettings, QSize, QStandardPaths, Signal
from PySide6.QtGui import QAction, QContextMenuEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QWidget,
)

from nnviz.app import export
from nnviz.app.panels.base import Panel
from nnviz.io.files import export_stem, safe_stem

SCALES = (1.0, 2.0, 3.0, 4.0)


def default_export_folder() -> Path:
    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    return Path(pictures or Path.home()) / "nnviz"


class ExportDialog(QDialog):
    """Formats, output size, scale and folder (and a file name for a single panel)."""

    def __init__(self, parent: QWidget | None, *, title: str, formats: Iterable[str],
                 on_screen: QSize, folder: Path, stem: str | None, csv_available: bool = True
                 ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.on_screen = on_screen
        #: True while one size box is set from the other (so it does not answer back)
        self._syncing = False
        form = QFormLayout(self)
        row = QHBoxLayout()
        self.format_boxes: dict[str, QCheckBox] = {}
        for name in export.FORMATS:
            box = QCheckBox(name.upper())
            box.setChecked(name in formats)
            if name == "csv" and not csv_available:
                box.setEnabled(False)
                box.setChecked(False)
                box.setToolTip("this panel draws no data table")
            self.format_boxes[name] = box
            row.addWidget(box)
        form.addRow("Formats", row)

        self.scale = QComboBox()
        for value in SCALES:
            self.scale.addItem(f"{value:g}×", value)
        self.scale.setToolTip("device-pixel ratio: 2× draws text and lines twice as sharp")
        form.addRow("Scale", self.scale)
        size_row = QHBoxLayout()
        self.width_box = QSpinBox()
        self.height_box = QSpinBox()
        for box in (self.width_box, self.height_box):
            box.setRange(16, 16384)
            box.setSuffix(" px")
            size_row.addWidget(box)
        self.keep_aspect = QCheckBox("keep aspect")
        self.keep_aspect.setChecked(True)
        size_row.addWidget(self.keep_aspect)
        form.addRow("PNG size", size_row)
        self._set_size_from_scale()
        self.scale.currentIndexChanged.connect(self._set_size_from_scale)
        self.width_box.valueChanged.connect(self._width_changed)
        self.height_box.valueChanged.connect(self._height_changed)

        folder_row = QHBoxLayout()
        self.folder_edit = QLineEdit(str(folder))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        folder_row.addWidget(self.folder_edit)
        folder_row.addWidget(browse)
        form.addRow("Folder", folder_row)
        self.stem_edit: QLineEdit | None = None
        if stem is not None:
            self.stem_edit = QLineEdit(stem)
            form.addRow("Name", self.stem_edit)
        note = QLabel("Existing files are never replaced: -1, -2 … is added to the name.\n"
                      "A .json sidecar beside the files records how to reproduce them.")
        note.setWordWrap(True)
        form.addRow(note)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.buttons = buttons
        form.addRow(buttons)

    def _set_size_from_scale(self) -> None:
        scale = self.scale.currentData()
        self._syncing = True
        self.width_box.setValue(max(16, round(self.on_screen.width() * scale)))
        self.height_box.setValue(max(16, round(self.on_screen.height() * scale)))
        self._syncing = False

    def _width_changed(self, value: int) -> None:
        if self.keep_aspect.isChecked() and not self._syncing:
            self._syncing = True
            ratio = self.on_screen.height() / max(self.on_screen.width(), 1)
            self.height_box.setValue(max(16, round(value * ratio)))
            self._syncing = False

    def _height_changed(self, value: int) -> None:
        if self.keep_aspect.isChecked() and not self._syncing:
            self._syncing = True
            ratio = self.on_screen.width() / max(self.on_screen.height(), 1)
            self.width_box.setValue(max(16, round(value * ratio)))
            self._syncing = False

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Export into folder",
                                                  self.folder_edit.text())
        if chosen:
            self.folder_edit.setText(chosen)

    def formats(self) -> tuple[str, ...]:
        return tuple(name for name, box in self.format_boxes.items() if box.isChecked())

    def options(self, preset: str | None) -> export.ExportOptions:
        return export.ExportOptions(self.formats(),
                                    (self.width_box.value(), self.height_box.value()),
                                    float(self.scale.currentData()), preset)

    def folder(self) -> Path:
        return Path(os.path.expanduser(self.folder_edit.text().strip() or "."))

    def stem(self) -> str | None:
        """The typed name as a plain file name (``../../x`` must not leave the folder)."""
        if self.stem_edit is None or not self.stem_edit.text().strip():
            return None
        return safe_stem(self.stem_edit.text())


class ExportController(QObject):
    """Export actions for the panels of one window; see the module docstring."""

    #: one line for the status bar after a successful export
    message = Signal(str)
    #: one line when an export failed (also shown in a message box unless ``quiet``)
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None, *, settings: QSettings | None = None
                 ) -> None:
        super().__init__(parent)
        self.settings = settings or QSettings("nnviz", "nnviz")
        self.preset: str | None = None
        #: more sidecar fields, asked for at each export (the window adds live changes)
        self.sidecar_extra: Callable[[], dict[str, Any]] = dict
        self.quiet = False
        #: builds extra right-click entries per panel (e.g. "Record this panel…")
        self.panel_actions: list[Callable[[Panel, QMenu], None]] = []
        self._menus: dict[int, QMenu] = {}
        #: a dialog hook for tests and scripting: (dialog) -> accepted?
        self.run_dialog: Callable[[QDialog], bool] = lambda dialog: dialog.exec() == 1

    # -- settings -------------------------------------------------------------------------
    @property
    def folder(self) -> Path:
        stored = self.settings.value("export/folder", "")
        return Path(stored) if stored else default_export_folder()

    @folder.setter
    def folder(self, value: Path) -> None:
        self.settings.setValue("export/folder", str(value))

    # -- actions ---------------------------------------------------------------------------
    def _report(self, written: Sequence[Path]) -> None:
        if written:
            folder = written[0].parent
            names = ", ".join(p.name for p in written)
            self.message.emit(f"Wrote {names} in {folder}")

    def _fail(self, what: str, error: Exception) -> None:
        text = f"{what} failed: {error}"
        self.failed.emit(text)
        if not self.quiet:
            box = QMessageBox(QMessageBox.Icon.Warning, "nnviz: export failed", text,
                              parent=self._dialog_parent())
            box.open()

    def _dialog_parent(self) -> QWidget | None:
        parent = self.parent()
        return parent if isinstance(parent, QWidget) else None

    def export_panel(self, panel: Panel, formats: Iterable[str] = ("png",), *,
                     parent: QWidget | None = None) -> list[Path]:
        """Ask for size and folder, then write the panel (an empty list if cancelled)."""
        snapshot = panel.last_snapshot
        stem = export_stem(snapshot.scenario if snapshot else "nnviz",
                           snapshot.step if snapshot else None, export.panel_name(panel))
        on_screen = panel.size()
        target = panel.export_target()
        if target is not None and export._view_of(target) is not None:
            on_screen = export._target_pixels(target)
        dialog = ExportDialog(parent or panel.window(),
                              title=f"Export {panel.title or panel.kind}",
                              formats=formats, on_screen=on_screen, folder=self.folder,
                              stem=stem, csv_available=bool(panel.csv_tables()))
        if not self.run_dialog(dialog):
            return []
        try:
            options = dataclasses.replace(dialog.options(self.preset),
                                          sidecar_extra=self.sidecar_extra())
            written = export.export_panel(panel, dialog.folder(), options, stem=dialog.stem())
        except (OSError, ValueError) as error:
            self._fail(f"Export of {panel.title or panel.kind}", error)
            return []
        self.folder = dialog.folder()
        self._report(written)
        return written

    def export_comparison(self, panel: Panel) -> list[Path]:
        """The panel's last pinned run beside its current run, through the export dialog."""
        figure = panel.comparison_figure()
        if figure is None:
            return []
        try:
            return self.export_panel(figure, ("png",), parent=panel.window())
        finally:
            figure.close()
            figure.deleteLater()

    def export_all(self, panels: Sequence[Panel], parent: QWidget | None = None) -> list[Path]:
        """Every panel into one folder, each at its on-screen size × the chosen scale (and
        each comparison of a pinned run with the current one, side by side)."""
        panels = list(panels)
        if not panels:
            return []
        dialog = ExportDialog(parent or panels[0].window(), title="Export all panels",
                              formats=("png", "svg", "csv"), on_screen=QSize(100, 100),
                              folder=self.folder, stem=None)
        dialog.width_box.setEnabled(False)
        dialog.height_box.setEnabled(False)
        dialog.keep_aspect.setEnabled(False)
        dialog.width_box.setToolTip("each panel keeps its own size, times the scale")
        dialog.scale.setCurrentIndex(SCALES.index(2.0))  # figures for slides and papers
        if not self.run_dialog(dialog):
            return []
        formats = dialog.formats()
        written: list[Path] = []
        try:
            for panel in panels:
                chosen = tuple(f for f in formats if f != "csv" or panel.csv_tables())
                if not chosen:
                    continue
                options = export.ExportOptions(chosen, None, float(dialog.scale.currentData()),
                                               self.preset, self.sidecar_extra())
                written += export.export_panel(panel, dialog.folder(), options)
                if panel.can_compare():
                    written += export.export_comparison(panel, dialog.folder(), options)
        except (OSError, ValueError) as error:
            self._fail("Export of all panels", error)
            self._report(written)
            return written
        self.folder = dialog.folder()
        self._report(written)
        return written

    def save_screenshot(self, window: QWidget, snapshot: Any = None, scale: float = 1.0
                        ) -> list[Path]:
        """The whole window into the export folder (no dialog: one action)."""
        try:
            written = export.save_screenshot(window, self.folder, scale=scale,
                                             snapshot=snapshot, preset=self.preset,
                                             sidecar_extra=self.sidecar_extra())
        except (OSError, ValueError) as error:
            self._fail("Screenshot", error)
            return []
        self._report(written)
        return written

    def save_data_set(self, panel: Panel) -> Path | None:
        """The panel's points as a CSV that ``dataset=file`` reads back (train and test, a
        ``split`` column), through a save dialog that says when they are only a sample."""
        from nnviz.io.dataset_csv import write_dataset_csv

        held = panel.point_data_set()
        if held is None:
            return None
        sampled = bool(held.sample)
        snapshot = panel.last_snapshot
        stem = export_stem(snapshot.scenario if snapshot else "nnviz",
                           snapshot.step if snapshot else None,
                           "dataset-sample" if sampled else "dataset")
        title = ("Save data set as CSV (a sample of the points: nnviz export --data "
                 "writes them all)" if sampled else "Save data set as CSV")
        dialog = QFileDialog(self._dialog_parent() or panel.window(), title,
                             str(self.folder / f"{stem}.csv"), "CSV files (*.csv)")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setDefaultSuffix("csv")
        if not self.run_dialog(dialog) or not dialog.selectedFiles():
            return None
        path = Path(dialog.selectedFiles()[0])
        try:
            write_dataset_csv(path, held.data, held.notes,
                              target_name=held.target_name or None)
        except OSError as error:
            self._fail("Saving the data set", error)
            return None
        self.folder = path.parent
        self.message.emit(f"Wrote {path.name} in {path.parent}"
                          + (f" ({held.sample})" if sampled else ""))
        return path

    def copy(self, panel: Panel) -> None:
        try:
            export.copy_to_clipboard(panel, scale=2.0)
        except (OSError, ValueError) as error:
            self._fail("Copy to clipboard", error)
            return
        self.message.emit(f"Copied {panel.title or panel.kind} to the clipboard")

    # -- menus -----------------------------------------------------------------------------
    def menu_for(self, panel: Panel) -> QMenu:
        """The panel's export menu (built once, refreshed each time it opens)."""
        menu = self._menus.get(id(panel))
        if menu is not None:
            return menu
        menu = QMenu("Export", panel)
        menu.setObjectName("export-menu")
        menu.aboutToShow.connect(lambda: self._fill(menu, panel))
        self._fill(menu, panel)
        self._menus[id(panel)] = menu
        panel.destroyed.connect(lambda *_: self._menus.pop(id(panel), None))
        return menu

    def _fill(self, menu: QMenu, panel: Panel) -> None:
        menu.clear()
        figure = panel.figure  # a panel of controls has data to export, no picture
        entries: list[tuple[str, Callable[[], Any], bool]] = [
            ("Export as PNG…", lambda: self.export_panel(panel, ("png",)), figure),
            ("Export as SVG…", lambda: self.export_panel(panel, ("svg",)), figure),
            ("Export data as CSV…", lambda: self.export_panel(panel, ("csv",)),
             bool(panel.csv_tables())),
            ("Copy image to clipboard", lambda: self.copy(panel), figure),
        ]
        if panel.compares_runs:
            entries.append(("Export pinned and current side by side…",
                            lambda: self.export_comparison(panel), panel.can_compare()))
        if panel.saves_data_set:
            entries.append(("Save data set as CSV…", lambda: self.save_data_set(panel),
                            panel.point_data_set() is not None))
        for text, slot, enabled in entries:
            action = QAction(text, menu)
            action.setEnabled(enabled)
            action.triggered.connect(lambda _checked=False, slot=slot: slot())
            menu.addAction(action)
        if self.panel_actions:
            menu.addSeparator()
            for add in self.panel_actions:
                add(panel, menu)

    def install(self, panel: Panel) -> None:
        """Give ``panel`` the export entries in every right-click menu it shows."""
        menu = self.menu_for(panel)
        for view in panel.findChildren(pg.GraphicsView):
            scene = view.scene()
            if isinstance(scene, pg.GraphicsScene):
                scene.contextMenu = [menu]
        if not panel.property("nnviz_export_menu"):
            panel.installEventFilter(self)
            panel.setProperty("nnviz_export_menu", True)

    def install_all(self, panels: Iterable[Panel]) -> None:
        for panel in panels:
            self.install(panel)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.ContextMenu or not isinstance(watched, Panel):
            return False
        assert isinstance(event, QContextMenuEvent)
        self.install(watched)  # picks up plots a panel created after it was installed
        if _over_plot_menu(watched, event.globalPos()):
            return True  # pyqtgraph shows its own menu (with ours inside) on the click
        self.menu_for(watched).popup(event.globalPos())
        return True


def _over_plot_menu(panel: QWidget, global_pos: QPoint) -> bool:
    """True where pyqtgraph raises its own context menu: over a ViewBox whose menu is on."""
    for view in panel.findChildren(pg.GraphicsView):
        local = view.mapFromGlobal(global_pos)
        if not view.rect().contains(local):
            continue
        for item in view.items(local):
            while item is not None:
                if isinstance(item, pg.ViewBox) and item.menuEnabled():
                    return True
                item = item.parentItem()
    return False
