"""Nearest neighbours, analogies by 3CosAdd, and the query parser."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.core.similarity import answer_query, check_analogies, parse_query, unit_rows

WORDS = ("france", "paris", "italy", "rome", "spain", "madrid", "cheese")
# country = (1, 0, identity), capital = (0, 1, identity): capital − country is constant
VECTORS = np.array([
    [1, 0, 1, 0, 0], [0, 1, 1, 0, 0], [1, 0, 0, 1, 0], [0, 1, 0, 1, 0],
    [1, 0, 0, 0, 1], [0, 1, 0, 0, 1], [0.2, 0.2, 0.3, 0.3, 0.3],
], dtype=float)
INDEX = {w: i for i, w in enumerate(WORDS)}


def test_parse_query():
    assert parse_query("Paris - France + Italy") == (["paris", "italy"], ["france"])
    assert parse_query("rome") == (["rome"], [])
    assert parse_query("-a+b") == (["b"], ["a"])


def test_neighbours_and_analogy():
    unit = unit_rows(VECTORS)
    answer = answer_query("paris - france + italy", unit, WORDS, INDEX)
    assert answer.kind == "analogy" and answer.answers[0][0] == "rome"
    assert answer.answers[0][1] == pytest.approx(1.0)
    near = answer_query("paris", unit, WORDS, INDEX, top=2)
    assert near.kind == "neighbours" and len(near.answers) == 2
    assert "paris" not in [w for w, _ in near.answers]
    scores = [s for _, s in near.answers]
    assert scores == sorted(scores, reverse=True)


def test_query_errors_are_messages():
    unit = unit_rows(VECTORS)
    assert "not in the vocabulary: atlantis" in answer_query("atlantis", unit, WORDS,
                                                             INDEX).message
    assert answer_query("  ", unit, WORDS, INDEX).kind == "empty"
    assert answer_query("- paris", unit, WORDS, INDEX).kind == "error"


def test_check_analogies_scores_and_skips():
    unit = unit_rows(VECTORS)
    questions = [("france", "paris", "italy", "rome"), ("italy", "rome", "spain", "madrid"),
                 ("spain", "madrid", "france", "cheese"), ("x", "paris", "italy", "rome")]
    check = check_analogies(unit, WORDS, INDEX, [("capitals", questions)])
    assert check.questions == 3 and check.skipped == 1
    assert check.top1 == pytest.approx(2 / 3)
    assert check.sections["capitals"][0] == 3
    first = check.examples[0]
    assert first[:4] == ("france", "paris", "italy", "rome") and first[4][0] == "rome"
    assert first[5] is True
