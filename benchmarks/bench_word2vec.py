"""word2vec training speed: nnviz's NumPy skip-gram against gensim's Word2Vec, one worker.

The embeddings scenario's defaults on both sides (the bundled ``world`` corpus, min_count 1,
skip-gram, negative sampling k=5, window 2 (dynamic), dimension 50, sample 1e-3, α 0.025 →
0.0001 linearly over the run), one gensim worker and NumPy's BLAS on one thread as the app
runs it (:func:`nnviz.core.threads.limit_blas_threads`). nnviz is timed at each ``--batch``
(the first is the scenario's default).

The two are timed in turns, ``--repeat`` rounds of gensim then each batch size, and each
ratio is nnviz over the gensim run of the same round: a machine whose load changes during
the run (other jobs) moves both sides of a ratio alike. Medians and the spread (min–max)
are reported. Speed is corpus words per second of wall-clock time (every epoch counts every
word of the corpus, subsampled or not); the process CPU time is reported too (gensim's
includes its job-feeding thread), being steadier on a loaded machine. Quality is the
analogy check of the corpus's question set after training, for both.

    .venv/bin/python benchmarks/bench_word2vec.py [--epochs 5] [--batch 512,2048]
        [--repeat 5] [--corpus world|lee|PATH] [--min-count N] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

from nnviz.core.similarity import check_analogies, unit_rows
from nnviz.core.threads import limit_blas_threads
from nnviz.core.word2vec import ExampleStream, NegativeSampler, Word2Vec, linear_rate
from nnviz.data.corpus import (
    analogy_path,
    corpus_path,
    load_analogies,
    load_corpus,
    read_text,
    tokenize,
)
from nnviz.scenarios.embeddings import EmbeddingsConfig

DEFAULTS = EmbeddingsConfig()


def time_nnviz(corpus, epochs: int, batch: int, seed: int = 0
               ) -> tuple[float, float, np.ndarray]:
    """(wall seconds, CPU seconds, input vectors) of training as the scenario does."""
    config = DEFAULTS
    model = Word2Vec(len(corpus.vocabulary), config.dimension, method="skipgram",
                     objective="negative", negatives=config.negatives, seed=seed)
    stream = ExampleStream(corpus.token_ids, corpus.sentence_ids, corpus.vocabulary.counts,
                           method="skipgram", window=config.window, sample=config.sample,
                           batch_size=batch, seed=seed)
    sampler = NegativeSampler(corpus.vocabulary.counts)
    rng = np.random.default_rng(seed)
    wall, cpu = time.perf_counter(), time.process_time()
    while stream.progress < epochs:
        rate = linear_rate(config.learning_rate, config.min_learning_rate,
                           stream.progress / epochs)
        inputs, targets = stream.next_batch()
        model.train_batch(inputs, targets, rate, sampler, rng)
    return time.perf_counter() - wall, time.process_time() - cpu, model.input_vectors


def time_gensim(sentences, epochs: int, min_count: int, seed: int = 0):
    """(wall seconds, CPU seconds, keyed vectors) of gensim's training (vocabulary untimed)."""
    from gensim.models import Word2Vec as GensimWord2Vec

    config = DEFAULTS
    model = GensimWord2Vec(vector_size=config.dimension, window=config.window, sg=1, hs=0,
                           negative=config.negatives, sample=config.sample,
                           min_count=min_count, alpha=config.learning_rate,
                           min_alpha=config.min_learning_rate, workers=1, seed=seed)
    model.build_vocab(sentences)
    wall, cpu = time.perf_counter(), time.process_time()
    model.train(sentences, total_examples=len(sentences), epochs=epochs)
    return time.perf_counter() - wall, time.process_time() - cpu, model.wv


def _spread(values: list[float]) -> dict[str, Any]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "runs": values}


def _quality(vectors: np.ndarray, words, index, sections) -> dict[str, float]:
    check = check_analogies(unit_rows(vectors), words, index, sections)
    return {"top1": check.top1, "top3": check.top3, "questions": check.questions}


def measure(corpus_name: str, min_count: int, epochs: int, batches: list[int],
            repeat: int, progress: Callable[[str], None] = lambda line: None
            ) -> dict[str, Any]:
    """Every figure of one interleaved run, as one JSON-ready dictionary."""
    limit_blas_threads(1)
    corpus = load_corpus(corpus_name, min_count)
    sentences = [t for t in map(tokenize, read_text(corpus_path(corpus_name)).splitlines())
                 if t]
    words = corpus.raw_token_count * epochs
    gensim_runs: dict[str, list[float]] = {"wall": [], "cpu": []}
    nnviz_runs = {b: {"wall": [], "cpu": []} for b in batches}
    last: dict[str, Any] = {}
    for round_ in range(repeat):
        wall, cpu, last["gensim"] = time_gensim(sentences, epochs, min_count)
        gensim_runs["wall"].append(words / wall)
        gensim_runs["cpu"].append(words / cpu)
        for batch in batches:
            wall, cpu, last[batch] = time_nnviz(corpus, epochs, batch)
            nnviz_runs[batch]["wall"].append(words / wall)
            nnviz_runs[batch]["cpu"].append(words / cpu)
        progress(f"round {round_ + 1}/{repeat}: gensim {gensim_runs['wall'][-1]:,.0f}, "
                 + ", ".join(f"batch {b} {nnviz_runs[b]['wall'][-1]:,.0f}" for b in batches)
                 + " words/s")
    result: dict[str, Any] = {
        "corpus": corpus_name, "corpus_words": corpus.raw_token_count,
        "vocabulary": len(corpus.vocabulary), "min_count": min_count, "epochs": epochs,
        "repeat": repeat, "default_batch": DEFAULTS.batch_size,
        "load_average": os.getloadavg()[0],
        "gensim": {"words_per_s": _spread(gensim_runs["wall"]),
                   "cpu_words_per_s": _spread(gensim_runs["cpu"])},
        "nnviz": {}, "ratio": {}, "cpu_ratio": {},
    }
    for batch in batches:
        runs = nnviz_runs[batch]
        result["nnviz"][str(batch)] = {"words_per_s": _spread(runs["wall"]),
                                       "cpu_words_per_s": _spread(runs["cpu"])}
        result["ratio"][str(batch)] = _spread(
            [ours / theirs for ours, theirs in zip(runs["wall"], gensim_runs["wall"],
                                                   strict=True)])
        result["cpu_ratio"][str(batch)] = _spread(
            [ours / theirs for ours, theirs in zip(runs["cpu"], gensim_runs["cpu"],
                                                   strict=True)])
    path = analogy_path("corpus", corpus_name)
    if path is not None:
        sections = [(s.name, s.questions) for s in load_analogies(path)]
        keyed = last["gensim"]
        result["quality"] = {
            "analogy_set": path.name,
            "gensim": _quality(keyed.vectors, keyed.index_to_key, keyed.key_to_index,
                               sections),
            "nnviz": {str(b): _quality(last[b], corpus.vocabulary.words,
                                       corpus.vocabulary.index, sections) for b in batches},
        }
    return result


def report(result: dict[str, Any]) -> str:
    """The human-readable summary of :func:`measure`'s result."""
    lines = [f"corpus {result['corpus']}: {result['corpus_words']} words, vocabulary "
             f"{result['vocabulary']} (min_count {result['min_count']}), {result['epochs']} "
             f"epochs, {result['repeat']} rounds; load average {result['load_average']:.2f}"]
    gensim = result["gensim"]["words_per_s"]
    lines.append(f"gensim Word2Vec (1 worker):  {gensim['median']:12,.0f} words/s  "
                 f"(min {gensim['min']:,.0f}, max {gensim['max']:,.0f})")
    for batch, figures in result["nnviz"].items():
        ours, ratio = figures["words_per_s"], result["ratio"][batch]
        cpu_ratio = result["cpu_ratio"][batch]
        lines.append(f"nnviz NumPy (batch {batch:>5}): {ours['median']:12,.0f} words/s  "
                     f"ratio {ratio['median']:.2f} (spread {ratio['min']:.2f}–"
                     f"{ratio['max']:.2f}; CPU time {cpu_ratio['median']:.2f})")
    quality = result.get("quality")
    if quality:
        theirs = quality["gensim"]
        lines.append(f"analogies ({quality['analogy_set']}, {theirs['questions']} questions) "
                     f"top-1/top-3: gensim {theirs['top1']:.3f}/{theirs['top3']:.3f}, "
                     + ", ".join(f"batch {b} {q['top1']:.3f}/{q['top3']:.3f}"
                                 for b, q in quality["nnviz"].items()))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=DEFAULTS.corpus)
    parser.add_argument("--min-count", type=int, default=None,
                        help="default: the scenario's (1); 5 for lee as gensim's tutorial")
    parser.add_argument("--epochs", type=int, default=int(DEFAULTS.epochs))
    parser.add_argument("--batch", default=f"{DEFAULTS.batch_size},2048",
                        help="nnviz examples per step, comma separated")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print one JSON object only")
    args = parser.parse_args()
    min_count = args.min_count or (5 if args.corpus == "lee" else DEFAULTS.min_count)
    batches = [int(b) for b in args.batch.split(",")]
    result = measure(args.corpus, min_count, args.epochs, batches, args.repeat,
                     progress=(lambda line: None) if args.json else print)
    print(json.dumps(result) if args.json else report(result))


if __name__ == "__main__":
    main()
