"""Unexpected exceptions reach the person, never kill the window, and are logged to a file.

PySide6 hands an exception raised in a Python slot or event handler to ``sys.excepthook``
and carries on; by default that only prints to a terminal nobody watches. The handler
installed here shows a dialog with the traceback and a Copy button, appends the traceback to
``crash.log`` in the user's data directory, and returns, so the window stays usable.
"""

from __future__ import annotations

import datetime
import os
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import QObject, QStandardPaths, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

import nnviz

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], object]


def crash_log_path() -> Path:
    """``crash.log`` in the per-user data folder (``$XDG_DATA_HOME/nnviz`` on Linux)."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.GenericDataLocation)
    if not base:
        base = os.path.join(Path.home(), ".local", "share")
    return Path(base) / "nnviz" / "crash.log"


def format_report(kind: type[BaseException], error: BaseException,
                  tb: TracebackType | None) -> str:
    stamp = datetime.datetime.now().isoformat(timespec="seconds")
    body = "".join(traceback.format_exception(kind, error, tb))
    return f"nnviz {nnviz.__version__} — {stamp}\n{body}"


def append_to_log(report: str, path: Path | None = None) -> Path | None:
    """Append ``report``; return the path, or None when the log cannot be written."""
    path = path or crash_log_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as log:
            log.write(report.rstrip() + "\n\n")
    except OSError:
        return None
    return path


class CrashDialog(QDialog):
    """Says that something went wrong, shows the traceback, and copies it on request."""

    def __init__(self, report: str, log_path: Path | None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("nnviz: unexpected error")
        self.setObjectName("crash-dialog")
        self.report = report
        where = f"It was logged to {log_path}." if log_path else "It could not be logged."
        summary = report.strip().splitlines()[-1] if report.strip() else "unknown error"
        message = QLabel(
            f"<b>Something went wrong:</b> {_escape(summary)}<br>The window is still usable. "
            f"{_escape(where)} Copy the details below into a bug report."
        )
        message.setWordWrap(True)
        self.details = QPlainTextEdit(report)
        self.details.setReadOnly(True)
        self.details.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.details.setMinimumSize(560, 220)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("Copy")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_report)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(message)
        layout.addWidget(self.details)
        layout.addWidget(buttons)

    @Slot()
    def copy_report(self) -> None:
        QGuiApplication.clipboard().setText(self.report)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class CrashHandler(QObject):
    """Installs itself as ``sys.excepthook``; exceptions from other threads are relayed.

    Dialogs open non-modally so a flood of errors cannot stack nested event loops; after
    ``max_dialogs`` open ones, further errors are only logged.
    """

    _relay = Signal(str)

    def __init__(self, parent_window: QWidget | None = None, *, max_dialogs: int = 3,
                 log_path: Path | None = None) -> None:
        super().__init__()
        self.parent_window = parent_window
        self.max_dialogs = max_dialogs
        self.log_path = log_path
        self.dialogs: list[CrashDialog] = []
        self.reports: list[str] = []
        self._previous_hook: ExceptHook | None = None
        self._previous_thread_hook = None
        self._relay.connect(self._show, Qt.ConnectionType.QueuedConnection)

    def install(self) -> CrashHandler:
        self._previous_hook = sys.excepthook
        self._previous_thread_hook = threading.excepthook
        sys.excepthook = self.handle
        threading.excepthook = self._handle_thread
        return self

    def uninstall(self) -> None:
        if sys.excepthook == self.handle and self._previous_hook is not None:
            sys.excepthook = self._previous_hook
        if threading.excepthook == self._handle_thread and self._previous_thread_hook:
            threading.excepthook = self._previous_thread_hook

    def handle(self, kind: type[BaseException], error: BaseException,
               tb: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            QTimer.singleShot(0, QApplication.quit)
            return
        report = format_report(kind, error, tb)
        try:
            sys.stderr.write(report)
        except (OSError, ValueError, AttributeError):
            pass
        self.reports.append(report)
        path = append_to_log(report, self.log_path)
        self._relay.emit(report + ("\0" + str(path) if path else ""))

    def _handle_thread(self, args: threading.ExceptHookArgs) -> None:
        self.handle(args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback)

    @Slot(str)
    def _show(self, payload: str) -> None:
        report, _, path = payload.partition("\0")
        self.dialogs = [d for d in self.dialogs if d.isVisible()]
        if len(self.dialogs) >= self.max_dialogs:
            return
        dialog = CrashDialog(report, Path(path) if path else None, self.parent_window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.dialogs.append(dialog)
        dialog.show()
