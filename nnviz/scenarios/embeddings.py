"""The embeddings scenario: word2vec trains on a corpus and its word vectors move in 2-D.

Views (computed only when a snapshot is due): the PCA projection of the chosen words' unit
vectors, axes matched to the previous frame so words glide instead of flipping, groups coloured
(countries, capitals, other words) and arrows for the pairs (country → capital); the answers to
the typed query (nearest neighbours, or an analogy such as ``paris - france + italy``); and the
analogy check of the corpus's question set, whose scores are also metrics.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from nnviz.core.similarity import (
    AnalogyCheck,
    answer_query,
    check_analogies,
    unit_rows,
)
from nnviz.core.views import Projection, ViewKinds, pca_2d
from nnviz.core.word2vec import (
    METHODS,
    OBJECTIVES,
    ExampleStream,
    NegativeSampler,
    Word2Vec,
    linear_rate,
)
from nnviz.data.corpus import (
    ANALOGY_SETS,
    AnalogySection,
    CorpusError,
    analogy_path,
    corpus_path,
    load_analogies,
    load_corpus,
)
from nnviz.scenarios.base import Scenario, SessionBase, next_run_id
from nnviz.scenarios.params import Config, ParamError, param
from nnviz.scenarios.registry import register

#: multiply-adds one analogy check may cost (questions × vocabulary × dimension); beyond it
#: the questions are thinned evenly over each section, so a snapshot stays cheap
CHECK_BUDGET = 2e8
#: an analogy check of at most this many multiply-adds runs at every snapshot (a few ms)
CHEAP_CHECK = 1e8
#: the most of a run's time that larger analogy checks may take
CHECK_TIME_SHARE = 0.1
#: views of a vocabulary × dimension up to this are redone at every snapshot (a few ms)
CHEAP_VIEWS = 2e6
#: the most of a run's time that the views of a larger vocabulary may take
VIEWS_TIME_SHARE = 0.2
#: pairs drawn with arrows when ``pairs = "auto"``
AUTO_PAIRS = 12
#: sections whose questions read "capital country capital country" (gensim's set)
CAPITAL_FIRST = ("capital-common-countries", "capital-world")


@dataclass(frozen=True)
class EmbeddingsConfig(Config):
    corpus: str = param("world", kind="path", group="data",
                        help="world (bundled), lee (gensim's news corpus) or any UTF-8 text "
                             "file; one line = one sentence")
    min_count: int = param(1, minimum=1, maximum=10_000, group="data", label="Min count",
                           help="words rarer than this are dropped before training")
    analogy_set: str = param("corpus", choices=ANALOGY_SETS, group="data",
                             help="questions scored as training goes: the corpus's own set, "
                                  "the world set, gensim's questions-words, or none")
    method: str = param("skipgram", choices=METHODS,
                        help="skip-gram predicts each context word from the centre word; "
                             "CBOW predicts the centre word from the mean of its context")
    objective: str = param("negative", choices=OBJECTIVES,
                           help="negative sampling (k words from unigram^0.75) or the exact "
                                "full softmax over the vocabulary (slow for big vocabularies)")
    dimension: int = param(50, minimum=2, maximum=1000, label="Dimension",
                           help="length d of each word vector (the original word2vec "
                                "experiments go up to 1000)")
    window: int = param(2, minimum=1, maximum=20,
                        help="context words each side; the window shrinks at random to 1…w")
    sample: float = param(1e-3, minimum=0.0, maximum=1.0, advanced=True, label="Subsampling",
                          help="frequent words are dropped with P = 1 − (√(f/s)+1)·s/f; 0 = off")
    negatives: int = param(5, minimum=1, maximum=50, live=True, group="optimiser",
                           help="k negative words per example (negative sampling)")
    learning_rate: float = param(0.025, minimum=1e-5, maximum=2.0, log_scale=True, live=True,
                                 group="optimiser", label="Learning rate",
                                 help="η at the start; decays linearly to the minimum")
    min_learning_rate: float = param(1e-4, minimum=0.0, maximum=2.0, live=True,
                                     group="optimiser", advanced=True, label="Minimum rate")
    epochs: float = param(5.0, minimum=0.01, maximum=10_000.0, live=True, group="optimiser",
                          label="Decay epochs",
                          help="the learning rate reaches its minimum after this many epochs")
    batch_size: int = param(512, minimum=1, maximum=65_536, live=True, group="optimiser",
                            help="training examples (pairs; CBOW: windows) per update")
    seed: int = param(0, minimum=0, maximum=2**31 - 1, group="data",
                      help="same seed: same initial vectors, same subsampling and negatives")
    view_top_n: int = param(20, minimum=0, maximum=300, live=True, group="view",
                            label="Frequent words", help="show the N most frequent words")
    view_words: str = param("", live=True, group="view", label="Words to show",
                            help="words to show instead of the most frequent (space or comma "
                                 "separated)")
    pairs: str = param("auto", live=True, group="view", label="Arrows",
                       help="pairs drawn as arrows, e.g. france:paris italy:rome; auto = from "
                            "the analogy set's first section; empty = none")
    query: str = param("paris - france + italy", live=True, group="view",
                       help="a word (its nearest neighbours) or words joined by + and -")

    def check(self) -> None:
        if self.min_learning_rate > self.learning_rate:
            raise ParamError(
                f"min_learning_rate={self.min_learning_rate:g} is above "
                f"learning_rate={self.learning_rate:g}; the rate decays from the first to the "
                "second"
            )

    def unavailable_reason(self) -> str:
        """The lee corpus and the questions-words analogies are files gensim ships; a path
        a person typed is checked when the run starts, with the file's own error."""
        try:
            if self.corpus == "lee":
                corpus_path(self.corpus)
            analogy_path(self.analogy_set, self.corpus)
        except CorpusError as error:
            return str(error)
        return ""


class TimeShare:
    """When expensive work done between training steps may run again, so that it takes at
    most ``share`` of the run: after work of t seconds, not before training has had
    t · (1/share − 1) seconds. At the app's 30 snapshots a second, a view of a 100,000-word
    vocabulary (0.1–1 s) would otherwise leave training almost no time at all.
    """

    def __init__(self, share: float) -> None:
        self.share = share
        self.seconds = 0.0
        self.finished = -math.inf

    def due(self) -> bool:
        return time.perf_counter() - self.finished >= self.seconds * (1 / self.share - 1)

    @contextmanager
    def timed(self) -> Iterator[None]:
        """Time the work done in the ``with`` block."""
        started = time.perf_counter()
        yield
        self.finished = time.perf_counter()
        self.seconds = self.finished - started


def _words_of(text: str) -> list[str]:
    return [w for w in re.split(r"[\s,;]+", text.lower()) if w]


def _metric_name(section: str) -> str:
    return "analogy_top3_" + re.sub(r"\W+", "_", section.lower()).strip("_")


class EmbeddingsSession(SessionBase):
    """One word2vec run on one corpus."""

    def __init__(self, config: EmbeddingsConfig) -> None:
        self.run_id = next_run_id()
        self.scenario = "embeddings"
        self.config = config
        self.step_count = 0
        corpus = load_corpus(config.corpus, config.min_count)
        self.corpus = corpus
        self.words = corpus.vocabulary.words
        self.index = corpus.vocabulary.index
        if config.objective == "softmax" and len(self.words) > 20_000:
            raise ValueError(f"the full softmax over {len(self.words)} words would be very "
                             "slow; use negative sampling or a larger min_count")
        self.model = Word2Vec(len(self.words), config.dimension, method=config.method,
                              objective=config.objective, negatives=config.negatives,
                              seed=config.seed)
        self.stream = ExampleStream(corpus.token_ids, corpus.sentence_ids,
                                    corpus.vocabulary.counts, method=config.method,
                                    window=config.window, sample=config.sample,
                                    batch_size=config.batch_size, seed=config.seed)
        self.stream.peek_batch()  # a corpus with no word pairs fails here, with its reason
        self.sampler = NegativeSampler(corpus.vocabulary.counts)
        self.rng = np.random.default_rng([config.seed, 3])
        path = analogy_path(config.analogy_set, config.corpus)
        self.analogies: tuple[AnalogySection, ...] = load_analogies(path) if path else ()
        self.learning_rate = config.learning_rate
        self._loss_sum = 0.0
        self._loss_count = 0
        self._last_loss = math.nan
        self._basis: np.ndarray | None = None
        self._check: tuple[int, AnalogyCheck] | None = None
        self._check_share = TimeShare(CHECK_TIME_SHARE)
        self._views: tuple[int, dict[str, Any]] | None = None
        self._views_share = TimeShare(VIEWS_TIME_SHARE)
        self._unit: tuple[int, np.ndarray] | None = None
        self._questions = self._spread_questions()

    # -- the protocol -----------------------------------------------------------------------
    @property
    def epoch(self) -> float:
        return self.stream.progress

    @property
    def steps_per_epoch(self) -> int:
        return max(1, math.ceil(self.stream.examples_per_epoch / self.config.batch_size))

    def train_step(self) -> dict[str, float]:
        config = self.config
        self.learning_rate = linear_rate(config.learning_rate, config.min_learning_rate,
                                         self.stream.progress / config.epochs)
        inputs, targets = self.stream.next_batch()
        loss = self.model.train_batch(inputs, targets, self.learning_rate, self.sampler,
                                      self.rng)
        self.step_count += 1
        self._loss_sum += loss
        self._loss_count += 1
        self._last_loss = loss
        return {"loss": loss}

    def apply_live(self, values: Mapping[str, Any]) -> None:
        self.config = self.config.with_values(values)
        self._views = None  # a new query or new words to show: answer at once
        self.model.negatives = self.config.negatives
        self.stream.batch_size = self.config.batch_size

    def metrics(self) -> dict[str, float]:
        """Mean batch loss since the last report, the rate, and the analogy scores."""
        loss = self._loss_sum / self._loss_count if self._loss_count else self._last_loss
        self._loss_sum, self._loss_count = 0.0, 0
        metrics = {"learning_rate": self.learning_rate}
        metrics["train_loss"] = loss if math.isfinite(loss) else self.probe_loss()
        check = self.analogy_check()
        if check is not None and check.questions:
            metrics["analogy_top1"] = check.top1
            metrics["analogy_top3"] = check.top3
            metrics["analogy_questions"] = float(check.questions)
            for name, (_, _, top3) in check.sections.items():
                metrics[_metric_name(name)] = top3
        return metrics

    def views(self, kinds: ViewKinds = None) -> dict[str, Any]:
        """The projection, the query's answers and the analogy check of this step; for a
        vocabulary too large to redo them at every snapshot (``CHEAP_VIEWS``), the last ones
        until they are due again (see :class:`TimeShare`); a changed setting redoes them."""
        if kinds is not None and not kinds:
            return {}
        small = len(self.words) * self.config.dimension <= CHEAP_VIEWS
        if self._views is None or (self._views[0] != self.step_count
                                   and (small or self._views_share.due())):
            with self._views_share.timed():
                unit = self._unit_vectors()
                self._views = (self.step_count, {
                    "projection": self.projection(unit),
                    "word_query": answer_query(self.config.query, unit, self.words,
                                               self.index)})
        views = dict(self._views[1])
        if kinds is None or "analogies" in kinds:
            check = self.analogy_check()
            if check is not None:
                views["analogies"] = check
        return views if kinds is None else {k: v for k, v in views.items() if k in kinds}

    def checkpoint(self) -> dict[str, Any]:
        return {"step_count": self.step_count, "params": self.model.copy_params(),
                "stream": self.stream.state()}

    def restore(self, state: dict[str, Any]) -> None:
        self.model.set_params(state["params"])
        self.stream.set_state(state["stream"])
        self.step_count = state["step_count"]
        self._check = self._unit = self._views = None

    def probe_loss(self) -> float:
        """Mean loss of the coming batch, without training (the step-0 value of the curve)."""
        inputs, targets = self.stream.peek_batch()
        negatives = None
        if self.config.objective == "negative":
            probe_rng = np.random.default_rng([self.config.seed, 4])
            negatives = self.sampler.draw(probe_rng, (len(targets), self.config.negatives))
        loss, _, _ = self.model.loss_and_gradients(inputs, targets, negatives)
        return loss / max(len(targets), 1)

    # -- views ------------------------------------------------------------------------------
    def _spread_questions(self) -> list[tuple[str, list[tuple[str, str, str, str]]]]:
        known = [(s.name, [q for q in s.questions if all(w in self.index for w in q)])
                 for s in self.analogies]
        total = sum(len(q) for _, q in known)
        limit = max(200, int(CHECK_BUDGET / (len(self.words) * self.config.dimension)))
        if total <= limit:
            return [(n, q) for n, q in known if q]
        spread = []
        for name, questions in known:
            share = max(1, round(limit * len(questions) / total))
            if questions:
                picks = np.linspace(0, len(questions) - 1, min(share, len(questions)))
                spread.append((name, [questions[int(i)] for i in picks]))
        return spread

    def analogy_check(self) -> AnalogyCheck | None:
        """The analogy scores at this step (computed once per step), or, for a check of more
        than ``CHEAP_CHECK`` multiply-adds (a 100,000-word vocabulary costs about 1 s a
        check), the last ones measured until the next is due (see :class:`TimeShare`)."""
        if not self._questions:
            return None
        if self._check is None or (self._check[0] != self.step_count
                                   and (self._check_size() <= CHEAP_CHECK
                                        or self._check_share.due())):
            with self._check_share.timed():
                self._check = (self.step_count, check_analogies(
                    self._unit_vectors(), self.words, self.index, self._questions))
        return self._check[1]

    def _check_size(self) -> float:
        """Multiply-adds of one analogy check: questions × vocabulary × dimension."""
        questions = sum(len(q) for _, q in self._questions)
        return float(questions) * len(self.words) * self.config.dimension

    def _unit_vectors(self) -> np.ndarray:
        """The unit-length word vectors of this step (computed once per step: V × d)."""
        if self._unit is None or self._unit[0] != self.step_count:
            self._unit = (self.step_count, unit_rows(self.model.input_vectors))
        return self._unit[1]

    def chosen_pairs(self) -> tuple[list[tuple[str, str]], tuple[str, str]]:
        """The (start, end) word pairs drawn as arrows, and the names of the two groups."""
        text = self.config.pairs.strip()
        if text.lower() == "auto":
            if not self._questions:
                return [], ("", "")
            name, questions = self._questions[0]
            pairs: list[tuple[str, str]] = []
            for a, b, c, d in questions:
                for pair in ((a, b), (c, d)):
                    if pair not in pairs:
                        pairs.append(pair)
            if name in CAPITAL_FIRST:
                pairs = [(b, a) for a, b in pairs]
            names = (("countries", "capitals") if name.startswith("capital")
                     else ("first words", "second words"))
            return pairs[:AUTO_PAIRS], names
        pairs = []
        for item in _words_of(text):
            start, _, end = item.partition(":")
            if start in self.index and end in self.index:
                pairs.append((start, end))
        return pairs, ("pair starts", "pair ends")

    def projection(self, unit: np.ndarray) -> Projection:
        pairs, (start_name, end_name) = self.chosen_pairs()
        starts = [a for a, _ in pairs]
        ends = [b for _, b in pairs]
        chosen = [w for w in _words_of(self.config.view_words) if w in self.index]
        others = chosen or list(self.words[: self.config.view_top_n])
        labels = list(dict.fromkeys(starts + ends + others))
        if len(labels) < 2:
            labels = list(self.words[:2])
        position = {w: i for i, w in enumerate(labels)}
        groups = np.array([0 if w in starts else 1 if w in ends else 2 for w in labels])
        vectors = unit[[self.index[w] for w in labels]].astype(np.float64)
        # the axes are fitted to the paired words when there are pairs, so that their offsets
        # (country → capital) fill the plane; the other words are placed in the same axes
        fitted = vectors[: len(set(starts + ends))] if len(set(starts + ends)) >= 3 else vectors
        previous = self._basis if self._basis is not None and len(self._basis) == \
            vectors.shape[1] else None
        _, self._basis, ratios = pca_2d(fitted, previous)
        points = (vectors - fitted.mean(axis=0)) @ self._basis
        arrows = np.array([[position[a], position[b]] for a, b in pairs], dtype=np.int64)
        names = (start_name or "pair starts", end_name or "pair ends", "other words")
        if not pairs:
            groups, names = np.zeros(len(labels), dtype=np.int64), ("words",)
        return Projection(
            points=points, labels=labels, explained_variance=(float(ratios[0]),
                                                              float(ratios[1])),
            groups=groups, title=f"{self.config.method}, step {self.step_count}"
            + (" · axes fitted to the paired words" if fitted is not vectors else ""),
            group_names=names, arrows=arrows.reshape(-1, 2),
        )


def build(config: EmbeddingsConfig) -> EmbeddingsSession:
    return EmbeddingsSession(config)


SCENARIO = register(
    Scenario(
        name="embeddings",
        title="Word embeddings",
        description="word2vec learns word vectors; watch countries and capitals line up in 2-D",
        config_type=EmbeddingsConfig,
        build=build,
        panels=("projection", "loss", "word_query"),
        default_steps=2000,
    )
)
