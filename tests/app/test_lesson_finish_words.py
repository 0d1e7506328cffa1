"""Lessons name the finish line's quantities as the table prints them, and never its shape.

The finish table puts racers in columns and quantities in rows, and turns that around when its
panel is narrow (``RaceFinishPanel.transposed``). A lesson that says "the columns compute time
to target" points at rows in the window a reader most likely has, so lessons name the
quantities (in the table's own words) and leave rows and columns out.
"""

from __future__ import annotations

import re

import pytest

from nnviz.app.panels.race_finish import FINISH_COLUMNS
from nnviz.scenarios.presets import all_presets

FINISH_LESSONS = [name for name, preset in all_presets().items()
                  if preset.lesson is not None
                  and any("finish line" in text.lower() for text in preset.lesson.texts)]
#: a clock's time to the target, as a lesson names one of the table's quantities
TIME_TO_TARGET = re.compile(r"\b\w+ time to target\b")


def test_lessons_about_the_finish_line_are_found():
    assert {"classic-batch-vs-minibatch", "race-batch-vs-minibatch",
            "race-momentum"} <= set(FINISH_LESSONS)


@pytest.mark.parametrize("name", FINISH_LESSONS)
def test_a_lesson_never_says_rows_or_columns_of_the_finish_line(name):
    texts = all_presets()[name].lesson.texts
    shaped = [text for text in texts if "finish line" in text.lower()
              and re.search(r"\b(columns?|rows?)\b", text)]
    assert not shaped, f"{name}: the finish table turns in a narrow panel: {shaped}"


@pytest.mark.parametrize("name", FINISH_LESSONS)
def test_a_time_to_target_a_lesson_names_is_in_the_table(name):
    texts = all_presets()[name].lesson.texts
    named = [phrase for text in texts for phrase in TIME_TO_TARGET.findall(text)]
    unknown = [phrase for phrase in named if phrase not in FINISH_COLUMNS]
    assert not unknown, f"{name}: not in the finish table: {unknown}"
