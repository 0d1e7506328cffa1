"""word2vec on a real text file of your own: nnviz against gensim, same tokens, same settings.

    .venv/bin/python benchmarks/bench_word2vec_corpus.py --corpus PATH [--epochs 1] [--json]

What is measured, for each of nnviz (NumPy, one thread, as the app trains) and gensim's
``Word2Vec`` (one worker), in the same run:

* load: nnviz reads, tokenises and counts the file (``load_corpus``); gensim builds its
  vocabulary from the same tokens, which this script first writes one sentence a line (gensim
  has no tokeniser of its own for a plain text file, and ``corpus_file`` is its fastest path);
* training: seconds, and corpus words a second (raw tokens × epochs / seconds, gensim's
  "effective words/s" convention, before subsampling); nnviz's time includes forming each
  epoch's shuffled examples, as gensim's includes its own;
* total: load + training (nnviz), tokenising pass + load + training (gensim);
* quality: top-1 accuracy of 3CosAdd (b − a + c, a, b, c excluded) on gensim's
  ``questions-words.txt``, overall and on ``capital-common-countries``, over the questions
  whose four words are in the vocabulary (the same for both: same tokens, same min_count),
  scored by one function for both models.

Settings default to the original word2vec's skip-gram: negative sampling k = 5, window 5
(dynamic), dimension 100, sample 1e-3, min_count 5, α 0.025 → 0.0001 linearly. BLAS runs on
one thread. The load average is printed: numbers from a busy machine are not comparable.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

from nnviz.core.similarity import unit_rows
from nnviz.core.word2vec import ExampleStream, NegativeSampler, Word2Vec, linear_rate
from nnviz.data.corpus import (
    Corpus,
    analogy_path,
    iter_lines,
    load_analogies,
    load_corpus,
    tokenize,
)

#: the section the classic country → capital picture comes from
CAPITALS = "capital-common-countries"
#: questions scored at once (a chunk's scores are chunk × vocabulary float32)
CHUNK = 256


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", required=True, help="a UTF-8 text file, one sentence a line")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--dimension", type=int, default=100)
    parser.add_argument("--window", type=int, default=5)
    parser.add_argument("--negatives", type=int, default=5)
    parser.add_argument("--sample", type=float, default=1e-3)
    parser.add_argument("--min-count", type=int, default=5)
    parser.add_argument("--alpha", type=float, default=0.025)
    parser.add_argument("--min-alpha", type=float, default=0.0001)
    parser.add_argument("--batch", type=int, default=512,
                        help="nnviz examples per update (the embeddings scenario's default)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-gensim", action="store_true")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--check-scoring", action="store_true",
                        help="also score gensim's vectors with gensim's own "
                             "evaluate_word_analogies (slow), to check this script's scoring")
    return parser.parse_args(argv)


def analogy_accuracy(vectors: np.ndarray, index: dict[str, int],
                     sections: list[tuple[str, tuple[tuple[str, str, str, str], ...]]]
                     ) -> dict[str, dict[str, float]]:
    """Top-1 3CosAdd accuracy per section and overall: {name: {"questions", "asked",
    "accuracy"}}; "asked" counts the questions whose four words are in the vocabulary."""
    unit = unit_rows(np.asarray(vectors, dtype=np.float32))
    results: dict[str, dict[str, float]] = {}
    hits_all = asked_all = questions_all = 0
    for name, questions in sections:
        known = np.array([[index[w] for w in q] for q in questions
                          if all(w in index for w in q)], dtype=np.int64).reshape(-1, 4)
        hits = 0
        for start in range(0, len(known), CHUNK):
            ids = known[start:start + CHUNK]
            scores = (unit[ids[:, 1]] - unit[ids[:, 0]] + unit[ids[:, 2]]) @ unit.T
            scores[np.arange(len(ids))[:, None], ids[:, :3]] = -np.inf
            hits += int((scores.argmax(axis=1) == ids[:, 3]).sum())
        results[name] = {"questions": len(questions), "asked": len(known),
                         "accuracy": hits / len(known) if len(known) else float("nan")}
        hits_all += hits
        asked_all += len(known)
        questions_all += len(questions)
    results["overall"] = {"questions": questions_all, "asked": asked_all,
                          "accuracy": hits_all / asked_all if asked_all else float("nan")}
    return results


def train_nnviz(corpus: Corpus, args: argparse.Namespace
                ) -> tuple[float, float, np.ndarray]:
    """(seconds, CPU seconds, input vectors): the embeddings scenario's training step, epoch
    after epoch."""
    counts = corpus.vocabulary.counts
    model = Word2Vec(len(counts), args.dimension, method="skipgram", objective="negative",
                     negatives=args.negatives, seed=args.seed)
    stream = ExampleStream(corpus.token_ids, corpus.sentence_ids, counts, method="skipgram",
                           window=args.window, sample=args.sample, batch_size=args.batch,
                           seed=args.seed)
    sampler = NegativeSampler(counts)
    rng = np.random.default_rng([args.seed, 3])
    started, started_cpu = time.perf_counter(), time.process_time()
    while stream.progress < args.epochs:
        rate = linear_rate(args.alpha, args.min_alpha, stream.progress / args.epochs)
        inputs, targets = stream.next_batch()
        model.train_batch(inputs, targets, rate, sampler, rng)
    return (time.perf_counter() - started, time.process_time() - started_cpu,
            model.input_vectors)


def write_tokenized(path: str, out: Path) -> float:
    """Write the file's nnviz tokens one sentence a line (what gensim reads); seconds taken."""
    started = time.perf_counter()
    with open(out, "w", encoding="utf-8") as sink:
        for line in iter_lines(path):
            tokens = tokenize(line)
            if tokens:
                sink.write(" ".join(tokens))
                sink.write("\n")
    return time.perf_counter() - started


def run_gensim(path: str, args: argparse.Namespace, raw_tokens: int) -> dict:
    from gensim.models import Word2Vec as GensimWord2Vec

    with tempfile.TemporaryDirectory(prefix="nnviz-bench-") as folder:
        tokens_file = Path(folder) / "tokens.txt"
        tokenize_seconds = write_tokenized(path, tokens_file)
        model = GensimWord2Vec(vector_size=args.dimension, window=args.window, sg=1, hs=0,
                               negative=args.negatives, sample=args.sample,
                               min_count=args.min_count, alpha=args.alpha,
                               min_alpha=args.min_alpha, workers=1, seed=args.seed)
        started, started_cpu = time.perf_counter(), time.process_time()
        model.build_vocab(corpus_file=str(tokens_file))
        load_seconds = time.perf_counter() - started
        load_cpu = time.process_time() - started_cpu
        started, started_cpu = time.perf_counter(), time.process_time()
        model.train(corpus_file=str(tokens_file), total_words=model.corpus_total_words,
                    total_examples=model.corpus_count, epochs=args.epochs)
        train_seconds = time.perf_counter() - started
        train_cpu = time.process_time() - started_cpu
    vectors = model.wv
    own_score = {}
    if args.check_scoring:
        overall, _ = vectors.evaluate_word_analogies(
            analogy_path("questions-words", path), restrict_vocab=len(vectors.index_to_key))
        own_score = {"gensim_evaluate_word_analogies": overall}
    return {"name": "gensim Word2Vec (1 worker)", **own_score, "tokenize_seconds": tokenize_seconds,
            "load_seconds": load_seconds, "train_seconds": train_seconds,
            "load_cpu_seconds": load_cpu, "train_cpu_seconds": train_cpu,
            "total_seconds": tokenize_seconds + load_seconds + train_seconds,
            "words_per_second": raw_tokens * args.epochs / train_seconds,
            "words_per_cpu_second": raw_tokens * args.epochs / train_cpu,
            "vocabulary": len(vectors.index_to_key),
            "vectors": (vectors.vectors, dict(vectors.key_to_index))}


def run_nnviz(path: str, args: argparse.Namespace) -> tuple[dict, Corpus]:
    started, started_cpu = time.perf_counter(), time.process_time()
    corpus = load_corpus(path, args.min_count)
    load_seconds, load_cpu = time.perf_counter() - started, time.process_time() - started_cpu
    train_seconds, train_cpu, vectors = train_nnviz(corpus, args)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return ({"name": f"nnviz NumPy (batch {args.batch})", "load_seconds": load_seconds,
             "train_seconds": train_seconds, "total_seconds": load_seconds + train_seconds,
             "load_cpu_seconds": load_cpu, "train_cpu_seconds": train_cpu,
             "words_per_second": corpus.raw_token_count * args.epochs / train_seconds,
             "words_per_cpu_second": corpus.raw_token_count * args.epochs / train_cpu,
             "vocabulary": len(corpus.vocabulary), "peak_rss_mib": peak_mib,
             "vectors": (vectors, corpus.vocabulary.index)}, corpus)


def score(result: dict, sections) -> None:
    vectors, index = result.pop("vectors")
    result["analogies"] = analogy_accuracy(vectors, index, sections)


def table(report: dict) -> str:
    lines = [f"corpus {report['corpus']}: {report['megabytes']:.1f} MB, "
             f"{report['raw_tokens']:,} tokens, {report['sentences']:,} lines with words; "
             f"{report['settings']}",
             f"machine: {report['machine']}; load average {report['load_average']:.2f}",
             f"{'':30} {'load s':>8} {'train s':>9} {'total s':>9} {'words/s':>10} "
             f"{'words/cpu s':>12} {'vocab':>8} {'analogies':>10} {'capitals':>9}"]
    for result in report["results"]:
        overall, capitals = result["analogies"]["overall"], result["analogies"].get(CAPITALS)
        capital_text = f"{capitals['accuracy']:9.1%}" if capitals and capitals["asked"] else \
            f"{'–':>9}"
        lines.append(f"{result['name']:30} {result['load_seconds']:8.1f} "
                     f"{result['train_seconds']:9.1f} {result['total_seconds']:9.1f} "
                     f"{result['words_per_second']:10,.0f} "
                     f"{result['words_per_cpu_second']:12,.0f} {result['vocabulary']:8,} "
                     f"{overall['accuracy']:10.1%} {capital_text}")
    first = report["results"][0]["analogies"]
    lines.append(f"analogies: top-1 on questions-words, {first['overall']['asked']:,} of "
                 f"{first['overall']['questions']:,} questions in the vocabulary; capitals: "
                 f"{CAPITALS}, {first.get(CAPITALS, {}).get('asked', 0)} asked")
    for result in report["results"]:
        if "gensim_evaluate_word_analogies" in result:
            lines.append(f"gensim's own evaluate_word_analogies on its vectors: "
                         f"{result['gensim_evaluate_word_analogies']:.1%}")
    if len(report["results"]) == 2 and "tokenize_seconds" in report["results"][1]:
        lines.append(f"gensim's total includes {report['results'][1]['tokenize_seconds']:.1f} s "
                     "writing nnviz's tokens one sentence a line")
    return "\n".join(lines)


def processor_name() -> str:
    """The CPU's model name (from /proc/cpuinfo on Linux), else the architecture."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main(argv: list[str] | None = None) -> dict:
    args = parse_arguments(argv)
    sections = [(s.name, s.questions) for s in
                load_analogies(analogy_path("questions-words", args.corpus))]
    nnviz_result, corpus = run_nnviz(args.corpus, args)
    results = [nnviz_result]
    if not args.skip_gensim:
        results.append(run_gensim(args.corpus, args, corpus.raw_token_count))
    for result in results:
        score(result, sections)
    report = {
        "corpus": args.corpus, "megabytes": Path(args.corpus).stat().st_size / 1e6,
        "raw_tokens": corpus.raw_token_count, "sentences": corpus.sentences,
        "settings": (f"skip-gram, k={args.negatives}, window {args.window}, d={args.dimension}, "
                     f"sample {args.sample:g}, min_count {args.min_count}, "
                     f"α {args.alpha:g}→{args.min_alpha:g}, {args.epochs} epoch(s), "
                     f"seed {args.seed}"),
        "machine": f"{processor_name()}, {os.cpu_count()} cores, "
                   f"Python {platform.python_version()}, NumPy {np.__version__}",
        "load_average": os.getloadavg()[0], "results": results,
    }
    print(json.dumps(report) if args.json else table(report))
    sys.stdout.flush()
    return report


if __name__ == "__main__":
    main()
