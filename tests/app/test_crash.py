"""An exception in a slot shows a dialog, is logged, and leaves the window usable."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QPushButton

from nnviz.app.crash import CrashDialog, CrashHandler


class Emitter(QObject):
    fire = Signal()


@pytest.fixture
def handler(qtbot, tmp_path):
    button = QPushButton("still here")
    qtbot.addWidget(button)
    crash = CrashHandler(button, log_path=tmp_path / "crash.log")
    crash.install()
    yield crash
    crash.uninstall()
    for dialog in list(crash.dialogs):
        dialog.close()


def boom():
    raise RuntimeError("a slot failed on purpose")


@pytest.mark.qt_no_exception_capture
def test_exception_in_a_slot_opens_a_dialog_and_is_logged(qtbot, handler, tmp_path):
    emitter = Emitter()
    emitter.fire.connect(boom)
    emitter.fire.emit()
    qtbot.waitUntil(lambda: bool(handler.dialogs), timeout=3000)
    dialog = handler.dialogs[0]
    assert isinstance(dialog, CrashDialog)
    assert "a slot failed on purpose" in dialog.details.toPlainText()
    assert "Traceback" in dialog.details.toPlainText()
    log = (tmp_path / "crash.log").read_text(encoding="utf-8")
    assert "RuntimeError: a slot failed on purpose" in log
    dialog.copy_button.click()
    assert "a slot failed on purpose" in QGuiApplication.clipboard().text()
    # the app goes on: the parent still responds
    handler.parent_window.click()
    assert handler.parent_window.isEnabled()


@pytest.mark.qt_no_exception_capture
def test_errors_from_threads_are_relayed_and_floods_are_capped(qtbot, handler):
    def fail():
        raise ValueError("from a worker thread")

    threads = [threading.Thread(target=fail) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    qtbot.waitUntil(lambda: len(handler.reports) == 6, timeout=3000)
    qtbot.wait(50)
    assert len(handler.dialogs) == handler.max_dialogs
    assert all("from a worker thread" in r for r in handler.reports)


def test_uninstall_restores_the_previous_hooks(qtbot, tmp_path):
    import sys

    before, before_thread = sys.excepthook, threading.excepthook
    crash = CrashHandler(log_path=tmp_path / "log").install()
    assert sys.excepthook == crash.handle
    crash.uninstall()
    assert sys.excepthook is before and threading.excepthook is before_thread
