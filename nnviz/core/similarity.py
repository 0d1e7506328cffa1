"""Questions to word vectors: nearest neighbours by cosine, and analogies a − b + c.

The analogy rule is 3CosAdd (Mikolov et al. 2013, as gensim's ``most_similar``): with unit
vectors, the answer to "a : b :: c : ?" is the word w ∉ {a, b, c} maximising
cos(w, b̂ − â + ĉ). A question counts as solved "top k" when the expected word is among the
k best answers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

Array = np.ndarray


def unit_rows(vectors: Array) -> Array:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


@dataclass(frozen=True)
class QueryAnswer:
    """The answers to one typed query, best first: (word, cosine) pairs.

    ``kind`` is "neighbours" (one word), "analogy" (words joined by + and −), "empty" or
    "error"; ``message`` says what went wrong (an unknown word …).
    """

    #: the snapshot view kind it is computed as (``Snapshot.view``'s default key)
    view_kind: ClassVar[str] = "word_query"

    query: str
    kind: str
    answers: tuple[tuple[str, float], ...] = ()
    message: str = ""


_TERM = re.compile(r"\s*([+-]?)\s*([^\s+-]+)")


def parse_query(text: str) -> tuple[list[str], list[str]]:
    """"paris - france + italy" → (["paris", "italy"], ["france"]); a bare word is positive."""
    positive: list[str] = []
    negative: list[str] = []
    position = 0
    text = text.strip().lower()
    while position < len(text):
        match = _TERM.match(text, position)
        if match is None:
            raise ValueError(f"cannot read {text[position:]!r}: write words joined by + or -")
        (negative if match.group(1) == "-" else positive).append(match.group(2))
        position = match.end()
        while position < len(text) and text[position].isspace():
            position += 1
    return positive, negative


def answer_query(text: str, unit: Array, words: Sequence[str], index: Mapping[str, int],
                 top: int = 5) -> QueryAnswer:
    """Nearest neighbours of one word, or the 3CosAdd answers of a sum of words."""
    if not text.strip():
        return QueryAnswer(text, "empty", message="type a word, or e.g. paris - france + italy")
    try:
        positive, negative = parse_query(text)
    except ValueError as error:
        return QueryAnswer(text, "error", message=str(error))
    unknown = [w for w in positive + negative if w not in index]
    if unknown:
        return QueryAnswer(text, "error",
                           message=f"not in the vocabulary: {', '.join(unknown)}")
    if not positive:
        return QueryAnswer(text, "error", message="a query needs at least one word with +")
    target = unit[[index[w] for w in positive]].sum(axis=0)
    if negative:
        target = target - unit[[index[w] for w in negative]].sum(axis=0)
    scores = unit @ (target / max(np.linalg.norm(target), 1e-12))
    scores[[index[w] for w in positive + negative]] = -np.inf
    best = np.argsort(-scores)[:top]
    kind = "neighbours" if len(positive) == 1 and not negative else "analogy"
    return QueryAnswer(text, kind, tuple((words[i], float(scores[i])) for i in best
                                         if np.isfinite(scores[i])))


@dataclass(frozen=True)
class AnalogyCheck:
    """How well the vectors solve analogy questions, per section and in all.

    ``examples`` holds a few questions as (a, b, c, expected, top-3 answers, solved top 3).
    """

    #: the snapshot view kind it is computed as (``Snapshot.view``'s default key)
    view_kind: ClassVar[str] = "analogies"

    questions: int
    skipped: int
    top1: float
    top3: float
    sections: Mapping[str, tuple[int, float, float]] = field(default_factory=dict)
    examples: tuple[tuple[str, str, str, str, tuple[str, ...], bool], ...] = ()


def check_analogies(unit: Array, words: Sequence[str], index: Mapping[str, int],
                    sections: Sequence[tuple[str, Sequence[tuple[str, str, str, str]]]],
                    examples_per_section: int = 4) -> AnalogyCheck:
    """Score every question whose four words are in the vocabulary (others are skipped)."""
    top1_hits = top3_hits = total = skipped = 0
    per_section: dict[str, tuple[int, float, float]] = {}
    examples = []
    for name, questions in sections:
        known = [q for q in questions if all(w in index for w in q)]
        skipped += len(questions) - len(known)
        if not known:
            continue
        ids = np.array([[index[w] for w in q] for q in known])
        target = unit[ids[:, 1]] - unit[ids[:, 0]] + unit[ids[:, 2]]
        scores = target @ unit.T
        rows = np.arange(len(ids))[:, None]
        scores[rows, ids[:, :3]] = -np.inf
        best = np.argpartition(-scores, 3, axis=1)[:, :3] if scores.shape[1] > 3 else \
            np.argsort(-scores, axis=1)[:, :3]
        best = np.take_along_axis(best, np.argsort(-np.take_along_axis(scores, best, 1), 1), 1)
        hit1 = best[:, 0] == ids[:, 3]
        hit3 = (best == ids[:, 3:4]).any(axis=1)
        per_section[name] = (len(known), float(hit1.mean()), float(hit3.mean()))
        top1_hits += int(hit1.sum())
        top3_hits += int(hit3.sum())
        total += len(known)
        step = max(len(known) // examples_per_section, 1)
        for i in range(0, len(known), step)[:examples_per_section]:
            a, b, c, d = known[i]
            examples.append((a, b, c, d, tuple(words[j] for j in best[i]), bool(hit3[i])))
    return AnalogyCheck(total, skipped, top1_hits / total if total else float("nan"),
                        top3_hits / total if total else float("nan"), per_section,
                        tuple(examples))
