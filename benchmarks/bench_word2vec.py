"""word2vec training speed: nnviz's NumPy skip-gram against gensim's Word2Vec, one worker.

Same corpus (gensim's ``lee_background.cor``, tokenised by nnviz), same settings: skip-gram,
negative sampling k=5, window 2 (dynamic), dimension 50, sample 1e-3, min_count 5, α 0.025 →
0.0001 linearly, one worker/thread. Prints corpus tokens per second for each and the ratio.

    .venv/bin/python benchmarks/bench_word2vec.py [--epochs 10] [--batch 2048] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np

from nnviz.core.similarity import check_analogies, unit_rows
from nnviz.core.word2vec import ExampleStream, NegativeSampler, Word2Vec, linear_rate
from nnviz.data.corpus import analogy_path, load_analogies, load_corpus

SETTINGS = {"dimension": 50, "window": 2, "negatives": 5, "sample": 1e-3, "min_count": 5,
            "alpha": 0.025, "min_alpha": 0.0001}


def time_nnviz(corpus, epochs: int, batch: int, seed: int = 0) -> tuple[float, np.ndarray]:
    model = Word2Vec(len(corpus.vocabulary), SETTINGS["dimension"], method="skipgram",
                     objective="negative", negatives=SETTINGS["negatives"], seed=seed)
    stream = ExampleStream(corpus.token_ids, corpus.sentence_ids, corpus.vocabulary.counts,
                           method="skipgram", window=SETTINGS["window"],
                           sample=SETTINGS["sample"], batch_size=batch, seed=seed)
    sampler = NegativeSampler(corpus.vocabulary.counts)
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    while stream.progress < epochs:
        rate = linear_rate(SETTINGS["alpha"], SETTINGS["min_alpha"], stream.progress / epochs)
        inputs, targets = stream.next_batch()
        model.train_batch(inputs, targets, rate, sampler, rng)
    return time.perf_counter() - started, model.input_vectors


def time_gensim(sentences, epochs: int, seed: int = 0):
    from gensim.models import Word2Vec as GensimWord2Vec

    model = GensimWord2Vec(vector_size=SETTINGS["dimension"], window=SETTINGS["window"],
                           sg=1, hs=0, negative=SETTINGS["negatives"], sample=SETTINGS["sample"],
                           min_count=SETTINGS["min_count"], alpha=SETTINGS["alpha"],
                           min_alpha=SETTINGS["min_alpha"], workers=1, seed=seed)
    model.build_vocab(sentences)
    started = time.perf_counter()
    model.train(sentences, total_examples=len(sentences), epochs=epochs)
    return time.perf_counter() - started, model.wv


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="lee")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--batch", type=int, default=2048, help="nnviz examples per step")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    corpus = load_corpus(args.corpus, SETTINGS["min_count"])
    from nnviz.data.corpus import corpus_path, read_text, tokenize

    sentences = [t for t in map(tokenize, read_text(corpus_path(args.corpus)).splitlines()) if t]
    tokens = corpus.raw_token_count * args.epochs
    print(f"corpus {args.corpus}: {corpus.raw_token_count} tokens, vocabulary "
          f"{len(corpus.vocabulary)} (min_count {SETTINGS['min_count']}), {args.epochs} epochs; "
          f"load average {os.getloadavg()[0]:.2f}")
    ours, theirs = [], []
    for _ in range(args.repeat):
        seconds, gensim_vectors = time_gensim(sentences, args.epochs)
        theirs.append(tokens / seconds)
        seconds, our_vectors = time_nnviz(corpus, args.epochs, args.batch)
        ours.append(tokens / seconds)
    best_ours, best_theirs = max(ours), max(theirs)
    print(f"gensim Word2Vec (1 worker): {best_theirs:12,.0f} tokens/s  "
          f"(runs: {', '.join(f'{v:,.0f}' for v in theirs)})")
    print(f"nnviz NumPy (batch {args.batch}): {best_ours:12,.0f} tokens/s  "
          f"(runs: {', '.join(f'{v:,.0f}' for v in ours)})")
    print(f"ratio nnviz / gensim: {best_ours / best_theirs:.2f}")
    path = analogy_path("corpus", args.corpus)
    if path is not None:
        sections = [(s.name, s.questions) for s in load_analogies(path)]
        words = corpus.vocabulary.words
        theirs_check = check_analogies(unit_rows(gensim_vectors.vectors),
                                       gensim_vectors.index_to_key,
                                       gensim_vectors.key_to_index, sections)
        ours_check = check_analogies(unit_rows(our_vectors), words, corpus.vocabulary.index,
                                     sections)
        print(f"same quality? analogy top-3 ({path.name}, {ours_check.questions} questions): "
              f"gensim {theirs_check.top3:.3f}, nnviz {ours_check.top3:.3f}")


if __name__ == "__main__":
    main()
