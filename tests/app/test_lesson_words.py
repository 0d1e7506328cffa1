"""Lessons name the window's parts as the window names them.

A lesson quotes each button, control, panel or drop-down option it points to as «name». Each
test opens the lesson in a window, as a person would, and checks that every quoted name is
the text of something visible there: a toolbar action, a button or checkbox, a control's or
a group's title, a label (panel titles are labels), a drop-down option, a table column, or an
entry of the picker. A renamed button or a lesson that points at UI that does not exist
("the test accuracy in the status bar", "Press Compare") fails here.
"""

from __future__ import annotations

import contextlib
import re

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QGroupBox,
    QLabel,
    QTableWidget,
    QWidget,
)
from pytestqt.exceptions import TimeoutError as QtTimeoutError

from nnviz.app.controls.panel import RESTART_MARK
from nnviz.app.window import MainWindow, lesson_html
from nnviz.scenarios.presets import all_presets

LESSONS = [name for name, preset in all_presets().items() if preset.lesson is not None]
#: the words that point a person at a part of the window; what follows must be quoted
POINTING = re.compile(r"\b(?:[Pp]ress|[Cc]lick|[Tt]ick|[Cc]hoose) (?!«|Enter\b|Space\b)(\w+)")


def shown_name(text: str) -> str:
    """A widget's text as a lesson quotes it: no mnemonic '&', no ↻ mark, no trailing colon,
    no markup."""
    text = re.sub(r"<[^>]+>", "", text).replace("&&", "\0").replace("&", "").replace("\0", "&")
    return text.removesuffix(RESTART_MARK).strip().removesuffix(":").strip()


def visible_names(window: MainWindow) -> set[str]:
    """Every name a person can read in the window, outside the lesson text itself."""
    names: set[str] = set()
    for widget in window.findChildren(QWidget):
        if not widget.isVisible() or widget in (window.lesson, window.banner):
            continue
        if isinstance(widget, QAbstractButton):
            names.add(widget.text())
        elif isinstance(widget, QLabel):
            names.add(widget.text())
        elif isinstance(widget, QGroupBox):
            names.add(widget.title())
        elif isinstance(widget, QComboBox):
            names.update(widget.itemText(i) for i in range(widget.count()))
        elif isinstance(widget, QTableWidget):
            headers = (widget.horizontalHeaderItem(i) for i in range(widget.columnCount()))
            names.update(item.text() for item in headers if item is not None)
    names.update(action.text() for action in window.toolbar.actions() if action.isVisible())
    names.update(item.text(0).split(" — ")[0] for item in window.picker.items.values())
    return {shown_name(name) for name in names if name}


@pytest.fixture
def lesson_window(qtbot, app_settings):
    made = MainWindow("moons", settings=app_settings)
    qtbot.addWidget(made)
    made.resize(1440, 900)
    made.show()
    yield made
    made.close()


@pytest.mark.parametrize("name", LESSONS)
def test_every_name_a_lesson_quotes_is_in_its_window(qtbot, lesson_window, name):
    preset = all_presets()[name]
    reason = preset.unavailable_reason()
    if reason:
        pytest.skip(reason)
    # drop-downs that list a run's layers fill from its first snapshot
    with qtbot.waitSignal(lesson_window.runner.run_started, timeout=30_000):
        assert lesson_window.open_target(name)
    quoted = preset.lesson.ui_names
    assert quoted, f"{name} points at nothing in the window"

    def not_shown() -> list[str]:
        shown = visible_names(lesson_window)
        return [ui_name for ui_name in quoted if ui_name not in shown]

    # panels draw their first snapshot one after another (each fills its drop-downs then)
    with contextlib.suppress(QtTimeoutError):
        qtbot.waitUntil(lambda: not not_shown(), timeout=5_000)
    missing = not_shown()
    assert not missing, f"{name} quotes {missing}, which the window does not show"


@pytest.mark.parametrize("name", LESSONS)
def test_a_lesson_that_points_at_the_window_quotes_what_it_points_at(name):
    lesson = all_presets()[name].lesson
    unquoted = [match.group(0) for text in lesson.texts for match in POINTING.finditer(text)]
    assert not unquoted, f"{name}: quote what these point at: {unquoted}"


def test_quoted_names_are_bold_and_the_rest_is_plain_text():
    assert lesson_html("Press «Run» when |z| < 1") == "Press <b>Run</b> when |z| &lt; 1"


def test_the_window_shows_the_quoted_names_in_bold(qtbot, lesson_window):
    assert lesson_window.open_target("lesson-01-straight-line")
    text = lesson_window.lesson.text()
    assert "<b>Pin this run and try 3 tanh units</b>" in text
    assert "«" not in text and "status bar" not in text
