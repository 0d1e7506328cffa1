"""word2vec's fast batch step is still the exact batch update, and stays fast by construction.

The step sums a batch's repeated words through one reused sparse matrix (all V rows for a
small vocabulary, the distinct words otherwise), draws each negative from one uniform and
forms a one-block epoch's windows once; these tests hold it to a plain reference and guard
those choices without timing anything (``benchmarks/bench_word2vec.py`` does the timing).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.sparse

from nnviz.core import word2vec as word2vec_module
from nnviz.core.word2vec import (
    ExampleStream,
    NegativeSampler,
    RowSums,
    Word2Vec,
    number_rows,
)


def plain_batch_update(input_vectors, output_vectors, centres, targets, negatives,
                       learning_rate):
    """Skip-gram with negative sampling, one batch of plain SGD, from the definition in
    float64: every example's gradient at the batch's starting vectors, then all applied.

    L_b = −log σ(u_t·v_c) − Σ_{n ≠ t} log σ(−u_n·v_c); dL/ds = σ(s) − label.
    """
    v, u = input_vectors.astype(np.float64), output_vectors.astype(np.float64)
    grad_v, grad_u = np.zeros_like(v), np.zeros_like(u)
    for centre, target, drawn in zip(centres, targets, negatives, strict=True):
        h = v[centre]
        grad_h = np.zeros_like(h)
        for word, label in [(target, 1.0)] + [(n, 0.0) for n in drawn if n != target]:
            d_score = 1.0 / (1.0 + np.exp(-(u[word] @ h))) - label
            grad_u[word] += d_score * h
            grad_h += d_score * u[word]
        grad_v[centre] += grad_h
    return v - learning_rate * grad_v, u - learning_rate * grad_u


def zipf_batch(vocabulary: int, size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(centres (size, 1), targets) drawn ∝ 1/rank: the first words repeat many times."""
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, vocabulary + 1)
    words = rng.choice(vocabulary, (size, 2), p=weights / weights.sum()).astype(np.int32)
    return words[:, :1], words[:, 1]


@pytest.mark.parametrize("vocabulary", [300, 20_000])  # summed over all rows / distinct rows
def test_a_float32_step_equals_the_plain_batch_update(vocabulary):
    """A default-sized step (512 examples, k = 5, d = 50) in float32 lands where the plain
    float64 update does, to float32 rounding, although its most frequent words repeat
    dozens of times in the batch; keeping one term per repeated word (fancy-index ``+=``)
    would miss by 100× the tolerance."""
    size, learning_rate = 512, 0.05
    model = Word2Vec(vocabulary, 50, negatives=5, seed=1)
    rng = np.random.default_rng(2)
    model.input_vectors[:] = rng.normal(0.0, 0.3, model.input_vectors.shape)
    model.output_vectors[:] = rng.normal(0.0, 0.3, model.output_vectors.shape)
    centres, targets = zipf_batch(vocabulary, size, seed=3)
    sampler = NegativeSampler(np.ceil(1e6 / np.arange(1, vocabulary + 1)))  # Zipf's counts
    drawn = sampler.draw(np.random.default_rng(4), (size, 5))  # what train_batch will draw
    assert np.bincount(centres[:, 0]).max() > 30 and np.bincount(drawn.ravel()).max() > 5
    expected_in, expected_out = plain_batch_update(model.input_vectors, model.output_vectors,
                                                   centres[:, 0], targets, drawn,
                                                   learning_rate)
    before_in = model.input_vectors.copy()
    model.train_batch(centres, targets, learning_rate, sampler, np.random.default_rng(4))
    tolerance = 2e-5
    np.testing.assert_allclose(model.input_vectors, expected_in, rtol=0, atol=tolerance)
    np.testing.assert_allclose(model.output_vectors, expected_out, rtol=0, atol=tolerance)
    one_term_each = before_in.astype(np.float64)
    one_term_each[centres[:, 0]] += (expected_in - before_in)[centres[:, 0]] / np.bincount(
        centres[:, 0], minlength=vocabulary)[centres[:, 0], None]
    assert np.abs(one_term_each - expected_in).max() > 100 * tolerance


@pytest.mark.parametrize("width", [1, 6])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sums_over_all_rows_and_over_distinct_rows_agree_bit_for_bit(monkeypatch, width,
                                                                     dtype):
    """The two ways of summing a batch's terms add the same terms in the same (batch) order,
    so they agree bit for bit, and with ``np.add.at`` in float64 to rounding."""
    rng = np.random.default_rng(5)
    vocabulary, batch = 40, 64
    ids = rng.integers(0, 8, (batch, width)).astype(np.int32)  # 8 words: many repeats
    ids[0, 0] = 39  # and the vocabulary's last word
    weights = rng.normal(size=(batch, width)).astype(dtype)
    sources = rng.normal(size=(batch, 3)).astype(dtype)
    sums = []
    for dense_rows_per_term in (1e9, 0):
        monkeypatch.setattr(word2vec_module, "DENSE_ROWS_PER_TERM", dense_rows_per_term)
        row_sums = RowSums(vocabulary)
        for _ in range(2):  # the reused matrix gives what the first one gave
            rows, values = row_sums(ids, weights, sources)
            full = np.zeros((vocabulary, 3), dtype=dtype)
            full[rows] = values
            sums.append(full)
    assert all(full.dtype == dtype for full in sums)
    for other in sums[1:]:
        np.testing.assert_array_equal(other, sums[0])
    expected = np.zeros((vocabulary, 3))
    np.add.at(expected, ids.ravel(), (weights.astype(np.float64)[:, :, None]
                                      * sources.astype(np.float64)[:, None, :]).reshape(-1, 3))
    np.testing.assert_allclose(sums[0], expected, rtol=1e-5 if dtype == np.float32 else 1e-12,
                               atol=1e-6)


def test_number_rows_numbers_each_distinct_word_once_whatever_the_scratch_held():
    ids = np.array([7, 3, 7, 7, 0, 3, 9], dtype=np.int32)
    scratch = np.full(10, 123, dtype=np.int32)
    for _ in range(2):
        rows, local = number_rows(ids, scratch)
        assert sorted(rows.tolist()) == [0, 3, 7, 9]
        assert rows[local].tolist() == ids.tolist()
        scratch[:] = -5


def test_a_small_vocabulary_step_renumbers_nothing_and_makes_one_matrix(monkeypatch):
    """On a vocabulary small beside the batch (the default scenario's 220 words, 512
    examples) no word is renumbered and the sparse matrix of the first step is reused by
    both sums of every later one: scipy's checks of a new matrix cost as much as its
    product, and the sort of ``np.unique`` more."""
    made = []

    def counted(kind):
        def make(*args, **kwargs):
            made.append(kind)
            return kind(*args, **kwargs)
        return make

    def no_renumbering(*args, **kwargs):
        raise AssertionError("renumbered the rows of a small vocabulary")

    monkeypatch.setattr(scipy.sparse, "csc_matrix", counted(scipy.sparse.csc_matrix))
    monkeypatch.setattr(scipy.sparse, "csr_matrix", counted(scipy.sparse.csr_matrix))
    monkeypatch.setattr(word2vec_module, "_distinct_rows", no_renumbering)
    monkeypatch.setattr(word2vec_module, "number_rows", no_renumbering)
    model = Word2Vec(220, 50, negatives=5)
    sampler, rng = NegativeSampler(np.arange(220, 0, -1)), np.random.default_rng(6)
    centres, targets = zipf_batch(220, 512, seed=7)
    for _ in range(3):
        model.train_batch(centres, targets, 0.025, sampler, rng)
    assert len(made) == 1


def test_a_one_block_epoch_forms_its_windows_once(monkeypatch):
    """A corpus of at most ``EXAMPLE_BLOCK`` tokens is one block: no counting pass first."""
    calls = []
    windows_of = word2vec_module.windows_of

    def counted(*args):
        calls.append(len(args[0]))
        return windows_of(*args)

    monkeypatch.setattr(word2vec_module, "windows_of", counted)
    tokens = (np.arange(3000) % 50).astype(np.int32)
    stream = ExampleStream(tokens, np.arange(3000) // 30, np.bincount(tokens),
                           method="skipgram", window=2, sample=0.0, batch_size=512)
    stream.peek_batch()
    assert calls == [3000]


def test_the_benchmark_prints_one_json_object_with_both_speeds_and_qualities(
        monkeypatch, capsys):
    """``bench_word2vec.py --json``: one object with nnviz's and gensim's words per second
    at each batch size, their ratios (medians and spread) and both analogy scores."""
    pytest.importorskip("gensim")
    import importlib.util
    import sys
    from pathlib import Path

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_word2vec.py"
    spec = importlib.util.spec_from_file_location("bench_word2vec", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    monkeypatch.setattr(sys, "argv", ["bench_word2vec.py", "--json", "--epochs", "1",
                                      "--repeat", "1", "--batch", "512,2048"])
    bench.main()
    result = json.loads(capsys.readouterr().out)
    assert result["corpus"] == "world" and result["default_batch"] == 512
    assert result["gensim"]["words_per_s"]["median"] > 0
    for batch in ("512", "2048"):
        ours = result["nnviz"][batch]["words_per_s"]["median"]
        ratio = result["ratio"][batch]
        assert ratio["median"] == pytest.approx(
            ours / result["gensim"]["words_per_s"]["median"])
        assert ratio["min"] <= ratio["median"] <= ratio["max"]
        assert 0 <= result["quality"]["nnviz"][batch]["top3"] <= 1
    assert result["quality"]["gensim"]["questions"] > 1000
