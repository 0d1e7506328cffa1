"""word2vec: exact gradients for all four variants, exact updates, sampling, windows, learning."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import scipy.sparse

from nnviz.core import word2vec as word2vec_module
from nnviz.core.word2vec import (
    ExampleStream,
    NegativeSampler,
    Word2Vec,
    cbow_examples,
    context_windows,
    epoch_examples,
    keep_probabilities,
    linear_rate,
    selection_matrix,
    shuffle_rows,
    skipgram_pairs,
    windows_of,
)

VARIANTS = [(m, o) for m in ("skipgram", "cbow") for o in ("negative", "softmax")]
V, D = 7, 4


def batch(method: str, rng: np.random.Generator, size: int = 9):
    """A batch with repeated words (so the exact accumulation is exercised)."""
    targets = rng.integers(0, V, size)
    if method == "skipgram":
        inputs = rng.integers(0, 3, (size, 1))  # only 3 distinct centre words: many repeats
    else:
        inputs = rng.integers(0, V, (size, 4))
        inputs[rng.random((size, 4)) < 0.3] = -1
        inputs[:, 0] = rng.integers(0, V, size)  # at least one context word
    negatives = rng.integers(0, V, (size, 3))
    negatives[0, 0] = targets[0]  # a negative equal to its target is ignored
    return inputs, targets, negatives


def model(method: str, objective: str, seed: int = 0) -> Word2Vec:
    m = Word2Vec(V, D, method=method, objective=objective, negatives=3, seed=seed,
                 dtype=np.float64)
    m.output_vectors[:] = np.random.default_rng(seed + 10).normal(size=(V, D))
    m.input_vectors[:] = np.random.default_rng(seed + 11).normal(size=(V, D))
    return m


@pytest.mark.parametrize(("method", "objective"), VARIANTS)
def test_gradients_match_finite_differences(method, objective):
    rng = np.random.default_rng(1)
    m = model(method, objective)
    inputs, targets, negatives = batch(method, rng)
    _, grad_in, grad_out = m.loss_and_gradients(inputs, targets, negatives)
    eps = 1e-6
    for matrix, analytic in ((m.input_vectors, grad_in), (m.output_vectors, grad_out)):
        numeric = np.zeros_like(matrix)
        for index in np.ndindex(matrix.shape):
            saved = matrix[index]
            matrix[index] = saved + eps
            up = m.loss_and_gradients(inputs, targets, negatives)[0]
            matrix[index] = saved - eps
            down = m.loss_and_gradients(inputs, targets, negatives)[0]
            matrix[index] = saved
            numeric[index] = (up - down) / (2 * eps)
        assert np.allclose(analytic, numeric, atol=1e-6, rtol=1e-5)
        assert np.abs(analytic).max() > 1e-3  # not trivially zero


@pytest.mark.parametrize(("method", "objective"), VARIANTS)
def test_loss_and_gradients_match_torch_autograd(method, objective):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    m = model(method, objective, seed=3)
    inputs, targets, negatives = batch(method, rng)
    loss, grad_in, grad_out = m.loss_and_gradients(inputs, targets, negatives)

    v = torch.tensor(m.input_vectors, requires_grad=True)
    u = torch.tensor(m.output_vectors, requires_grad=True)
    ids = torch.tensor(inputs.reshape(len(targets), -1))
    valid = (ids >= 0).double()
    h = (v[ids.clamp(min=0)] * valid[:, :, None]).sum(1) / valid.sum(1, keepdim=True)
    t = torch.tensor(targets)
    if objective == "softmax":
        reference = torch.nn.functional.cross_entropy(h @ u.T, t, reduction="sum")
    else:
        n = torch.tensor(negatives)
        positive = torch.nn.functional.logsigmoid((u[t] * h).sum(1))
        negative = torch.nn.functional.logsigmoid(-(u[n] * h[:, None, :]).sum(2))
        negative = negative * (n != t[:, None]).double()
        reference = -(positive.sum() + negative.sum())
    reference.backward()
    assert loss == pytest.approx(reference.item(), rel=1e-10)
    assert np.allclose(grad_in, v.grad.numpy(), atol=1e-10)
    assert np.allclose(grad_out, u.grad.numpy(), atol=1e-10)


def reference_loss_and_gradients(input_vectors, output_vectors, inputs, targets, negatives,
                                 objective):
    """Loss and gradients example by example, straight from the formulas in float64.

    No batching, no sparse matrices, no shared code with the model: h = mean of the input
    words' vectors; softmax: L = log Σ_w exp(s_w) − s_t, dL/ds = softmax(s) − one-hot(t);
    negative sampling: L = −log σ(s_t) − Σ_n log σ(−s_n) over the negatives n ≠ t,
    dL/ds = σ(s) − label.
    """
    v, u = np.asarray(input_vectors, float), np.asarray(output_vectors, float)
    loss, grad_v, grad_u = 0.0, np.zeros_like(v), np.zeros_like(u)
    for b, target in enumerate(targets):
        words = [int(w) for w in np.atleast_1d(inputs[b]) if w >= 0]
        h = v[words].mean(axis=0)
        grad_h = np.zeros_like(h)
        if objective == "softmax":
            scores = u @ h
            log_norm = scores.max() + np.log(np.exp(scores - scores.max()).sum())
            loss += log_norm - scores[target]
            d_scores = np.exp(scores - log_norm)
            d_scores[target] -= 1.0
            grad_u += np.outer(d_scores, h)
            grad_h += u.T @ d_scores
        else:
            labelled = [(target, 1.0)] + [(n, 0.0) for n in negatives[b] if n != target]
            for word, label in labelled:
                score = u[word] @ h
                loss += np.logaddexp(0.0, -score if label else score)
                d_score = 1.0 / (1.0 + np.exp(-score)) - label
                grad_u[word] += d_score * h
                grad_h += d_score * u[word]
        for word in words:
            grad_v[word] += grad_h / len(words)
    return loss, grad_v, grad_u


@pytest.mark.parametrize(("method", "objective"), VARIANTS)
def test_train_batch_applies_every_example_in_full(method, objective):
    """Both matrices move by exactly −η · (sum of per-example gradients), repeated words,
    repeated negatives and negatives equal to their target included."""
    m = model(method, objective)
    size, learning_rate = 30, 0.05
    inputs, targets, _ = batch(method, np.random.default_rng(4), size=size)
    sampler = NegativeSampler(np.arange(1, V + 1))
    drawn = sampler.draw(np.random.default_rng(5), (size, 3))  # what train_batch will draw
    assert (drawn == targets[:, None]).any()
    assert any(len(set(row)) < len(row) for row in drawn.tolist())
    before_in, before_out = m.copy_params()
    loss, grad_in, grad_out = reference_loss_and_gradients(before_in, before_out, inputs,
                                                           targets, drawn, objective)
    mean_loss = m.train_batch(inputs, targets, learning_rate, sampler,
                              np.random.default_rng(5))
    assert mean_loss == pytest.approx(loss / size, rel=1e-12)
    for after, before, gradient in ((m.input_vectors, before_in, grad_in),
                                    (m.output_vectors, before_out, grad_out)):
        step = -learning_rate * gradient
        assert np.abs(step).max() > 1e-3  # the check below is not about zeros
        np.testing.assert_allclose(after - before, step, rtol=1e-9,
                                   atol=1e-12 * np.abs(step).max())


@pytest.mark.parametrize("objective", ["negative", "softmax"])
def test_float64_cbow_gradients_are_float64_accurate(objective):
    """The 1/count averaging weights stay in the model's dtype: in float32, 1/3 is off by
    3·10⁻⁸ and a float64 CBOW would only be float32-accurate. The reference is a fourth-order
    central difference, (−L(x+2ε) + 8L(x+ε) − 8L(x−ε) + L(x−2ε)) / 12ε, of the independently
    computed loss: differences of the model's own loss would agree with its own weights."""
    rng = np.random.default_rng(6)
    m = model("cbow", objective, seed=2)
    inputs = rng.integers(0, V, (9, 4))
    inputs[:, 3] = -1  # three context words each: every weight is 1/3
    targets, negatives = rng.integers(0, V, 9), rng.integers(0, V, (9, 3))
    loss, grad_in, grad_out = m.loss_and_gradients(inputs, targets, negatives)

    def reference_loss():
        return reference_loss_and_gradients(m.input_vectors, m.output_vectors, inputs,
                                            targets, negatives, objective)[0]

    assert loss == pytest.approx(reference_loss(), rel=1e-13)
    eps = 1e-3
    for matrix, analytic in ((m.input_vectors, grad_in), (m.output_vectors, grad_out)):
        numeric = np.zeros_like(matrix)
        for index in np.ndindex(matrix.shape):
            saved = matrix[index]
            values = []
            for shift in (2, 1, -1, -2):
                matrix[index] = saved + shift * eps
                values.append(reference_loss())
            matrix[index] = saved
            numeric[index] = (-values[0] + 8 * values[1] - 8 * values[2] + values[3]) / (12 * eps)
        # correct weights agree to ~2·10⁻¹⁰, float32 ones miss by ~4·10⁻⁸
        np.testing.assert_allclose(analytic, numeric, rtol=2e-9,
                                   atol=2e-9 * np.abs(numeric).max())


@pytest.mark.parametrize(("dtype", "rel"), [(np.float64, 1e-9), (np.float32, 1e-6)])
def test_negative_sampling_loss_is_exact_at_extreme_scores(dtype, rel):
    """−log σ(s) is computed as softplus(−s) = max(−s, 0) + log1p(e^(−|s|)): a target scoring
    −40 costs 40 + log1p(e^(−40)) (not −log of a σ clamped at 1e−30 ≈ 69), and a well-placed
    one costs log1p(e^(−40)) ≈ 4.2·10⁻¹⁸ (not 0)."""
    m = Word2Vec(4, 1, objective="negative", negatives=2, dtype=dtype)
    m.input_vectors[:] = 1.0
    one = (np.array([[0]]), np.array([1]), np.array([[2, 3]]))  # scores s = u_w, w = 1, 2, 3
    m.output_vectors[:, 0] = [0.0, -40.0, 40.0, 40.0]  # every term at the bad end
    loss, grad_in, grad_out = m.loss_and_gradients(*one)
    assert loss / 3 == pytest.approx(40.0 + math.log1p(math.exp(-40.0)), rel=rel)
    assert grad_out[1:, 0].tolist() == pytest.approx([-1.0, 1.0, 1.0], rel=rel)
    assert grad_in[0, 0] == pytest.approx(40.0 + 40.0 + 40.0, rel=rel)
    m.output_vectors *= -1.0  # every term at the good end
    loss, _, _ = m.loss_and_gradients(*one)
    assert loss / 3 == pytest.approx(math.log1p(math.exp(-40.0)), rel=rel)


def test_softmax_loss_is_exact_at_extreme_scores():
    """The log-sum-exp subtracts the largest score first: scores (1000, −1000, 0, 0) with
    target 1 cost 2000 + log(1 + 2e^(−1000) + e^(−2000)) = 2000, with no overflow."""
    m = Word2Vec(4, 1, objective="softmax", dtype=np.float64)
    m.input_vectors[:] = 1.0
    m.output_vectors[:, 0] = [1000.0, -1000.0, 0.0, 0.0]
    loss, grad_in, grad_out = m.loss_and_gradients(np.array([[0]]), np.array([1]))
    assert loss == pytest.approx(2000.0, rel=1e-15)
    assert grad_out[:, 0].tolist() == pytest.approx([1.0, -1.0, 0.0, 0.0], abs=1e-15)
    assert grad_in[0, 0] == pytest.approx(2000.0, rel=1e-15)


def test_negative_sampling_loss_equals_a_hand_computed_value():
    """Two examples summed by hand, −log σ(s) = log(1 + e^(−s)) for the target and
    −log σ(−s) = log(1 + e^s) for each negative; a negative equal to its target is ignored."""
    m = Word2Vec(5, 2, method="cbow", objective="negative", negatives=2, dtype=np.float64)
    m.input_vectors[:] = [[0.5, -1.0], [2.0, 1.0], [-1.5, 0.5], [1.0, 1.0], [0.0, 3.0]]
    m.output_vectors[:] = [[1.0, 0.0], [-4.0, 6.0], [0.5, 0.5], [-40.0, -40.0], [3.0, -2.0]]
    # skip-gram: input 0, h = (0.5, −1); target 1 scores −8; negatives 2 (−0.25) and 0 (0.5)
    skipgram = math.log1p(math.exp(8.0)) + math.log1p(math.exp(-0.25)) + math.log1p(
        math.exp(0.5))
    loss, _, _ = m.loss_and_gradients(np.array([[0]]), np.array([1]), np.array([[2, 0]]))
    assert loss == pytest.approx(skipgram, rel=1e-13)
    # CBOW: inputs 0, 1, 2, h = (1/3, 1/6); target 3 scores −20; negative 4 scores 2/3, and
    # the second negative is the target itself
    h = ((0.5 + 2.0 - 1.5) / 3, (-1.0 + 1.0 + 0.5) / 3)
    target_score = -40.0 * h[0] - 40.0 * h[1]
    negative_score = 3.0 * h[0] - 2.0 * h[1]
    cbow = math.log1p(math.exp(-target_score)) + math.log1p(math.exp(negative_score))
    loss, _, _ = m.loss_and_gradients(np.array([[0, 1, 2]]), np.array([3]),
                                      np.array([[4, 3]]))
    assert loss == pytest.approx(cbow, rel=1e-13)
    assert target_score == pytest.approx(-20.0) and cbow == pytest.approx(21.081, abs=1e-3)


def test_negative_sampler_follows_unigram_to_the_three_quarters():
    counts = np.array([1000, 100, 10, 1, 0])
    sampler = NegativeSampler(counts)
    expected = counts**0.75 / (counts**0.75).sum()
    assert np.allclose(sampler.probabilities, expected)
    draws = sampler.draw(np.random.default_rng(0), (400_000,))
    observed = np.bincount(draws, minlength=5) / draws.size
    assert np.allclose(observed, expected, atol=3e-3)
    assert observed[4] == 0


def test_keep_probabilities_follow_word2vec():
    counts = np.array([9000, 900, 90, 10])
    keep = keep_probabilities(counts, 1e-3)
    f = counts / counts.sum()
    assert np.allclose(keep, np.minimum((np.sqrt(f / 1e-3) + 1) * 1e-3 / f, 1.0))
    assert keep[0] < 0.05 and keep[-1] == 1.0
    assert np.all(keep_probabilities(counts, 0.0) == 1.0)


def test_context_windows_stay_in_sentences_and_shrink():
    tokens = np.array([10, 11, 12, 13, 20, 21])
    sentences = np.array([0, 0, 0, 0, 1, 1])
    centres, contexts = context_windows(tokens, sentences, 2)
    assert contexts.tolist()[0] == [-1, -1, 11, 12]
    assert contexts.tolist()[2] == [10, 11, 13, -1]
    assert contexts.tolist()[4] == [-1, -1, 21, -1]  # nothing from the previous sentence
    inputs, targets = skipgram_pairs(centres, contexts)
    assert len(targets) == (contexts >= 0).sum() and inputs.shape == (len(targets), 1)
    assert (10, 12) in set(zip(inputs[:, 0].tolist(), targets.tolist(), strict=True))
    cbow_inputs, cbow_targets = cbow_examples(centres, contexts)
    assert cbow_targets.tolist() == tokens.tolist()
    assert cbow_inputs[2].tolist() == [10, 11, 13, -1]
    # dynamic windows: reach b ~ U{1..w}, so far pairs are rarer than near ones
    long = np.arange(20_000) % 50
    _, shrunk = context_windows(long, np.zeros_like(long), 2, np.random.default_rng(0))
    near, far = (shrunk[:, 2] >= 0).mean(), (shrunk[:, 3] >= 0).mean()
    assert near == pytest.approx(1.0, abs=1e-3) and far == pytest.approx(0.5, abs=0.02)


def test_example_stream_epochs_and_state():
    tokens = np.arange(200) % 9
    stream = ExampleStream(tokens.astype(np.int32), np.arange(200) // 10,
                           np.bincount(tokens), method="skipgram", window=2, sample=0.0,
                           batch_size=64, seed=1)
    first = stream.next_batch()
    state = stream.state()
    again = stream.next_batch()
    stream.set_state(state)
    assert np.array_equal(stream.next_batch()[1], again[1])
    assert first[0].shape == (64, 1)
    while stream.progress < 2.0:
        stream.next_batch()
    assert stream.epochs_done == 2


def test_linear_rate():
    assert linear_rate(0.025, 0.0001, 0.0) == 0.025
    assert linear_rate(0.025, 0.0001, 1.0) == pytest.approx(0.0001)
    assert linear_rate(0.025, 0.0001, 2.0) == pytest.approx(0.0001)


def test_rejects_unknown_variant():
    with pytest.raises(ValueError, match="method='glove'"):
        Word2Vec(5, method="glove")


@pytest.mark.parametrize(("method", "objective"), VARIANTS)
def test_learns_cooccurrence_structure(method, objective):
    """Two word families that never share a sentence end up far apart; members close."""
    rng = np.random.default_rng(0)
    sentences = [rng.choice(4, 6) if i % 2 else rng.choice(4, 6) + 4 for i in range(600)]
    tokens = np.concatenate(sentences).astype(np.int32)
    owners = np.repeat(np.arange(600), 6)
    m = Word2Vec(8, 10, method=method, objective=objective, negatives=4, seed=0)
    stream = ExampleStream(tokens, owners, np.bincount(tokens), method=method, window=2,
                           sample=0.0, batch_size=64, seed=0)
    sampler, draw_rng = NegativeSampler(np.bincount(tokens)), np.random.default_rng(1)
    losses = [m.train_batch(*stream.next_batch(), 0.01, sampler, draw_rng) for _ in range(300)]
    assert np.mean(losses[-10:]) < np.mean(losses[:10])
    unit = m.input_vectors / np.linalg.norm(m.input_vectors, axis=1, keepdims=True)
    cosine = unit @ unit.T
    within = (cosine[:4, :4].sum() - 4) / 12
    across = cosine[:4, 4:].mean()
    assert within > across + 0.5


# -- edge cases and contracts (each kills planted bugs that the tests above let through) ---


def alias_distribution(sampler: NegativeSampler) -> np.ndarray:
    """The exact distribution an alias table draws from: column c (chosen with probability
    1/size) gives c with probability threshold[c] and alias[c] otherwise."""
    size = len(sampler.alias)
    keep = sampler.threshold.astype(np.float64)
    implied = keep.copy()
    np.add.at(implied, sampler.alias, 1.0 - keep)
    return implied / size


@pytest.mark.parametrize(("counts", "power"), [
    ([1, 6, 8, 0, 5], 1.0),  # scaled to 1/4, 3/2, 2, 0, 5/4: both kinds of "large" column
    ([2, 12, 16, 0], 1.0),  # scaled 1/15, 2/5, 8/15 … after a large column drops below 1
    ([1000, 100, 10, 1, 0], 0.75),
    ([3, 3, 3, 3, 1, 7], 1.0),
    ([2, 2, 1, 3], 1.0),  # scaled exactly 1, 1, 1/2, 3/2
])
def test_alias_table_encodes_the_exact_distribution(counts, power):
    """Walker's table is exact: the per-column coins and aliases add up to count^power / Σ,
    to the float32 rounding of the thresholds (no statistics involved)."""
    sampler = NegativeSampler(np.array(counts), power=power)
    expected = np.array(counts, dtype=np.float64) ** power
    expected /= expected.sum()
    np.testing.assert_allclose(alias_distribution(sampler), expected, rtol=0, atol=1e-7)


def test_negative_sampler_probabilities_are_float64_and_draws_int32():
    """float32 counts still give float64 probabilities (the table is built from them), and
    the drawn negatives are int32 word ids like every other word id in the module."""
    counts = np.array([1000, 100, 10, 1], dtype=np.float32)
    sampler = NegativeSampler(counts)
    expected = np.array([1000, 100, 10, 1], dtype=np.float64) ** 0.75
    assert sampler.probabilities.dtype == np.float64
    np.testing.assert_allclose(sampler.probabilities, expected / expected.sum(), rtol=1e-14)
    assert sampler.draw(np.random.default_rng(0), (3, 4)).dtype == np.int32


class _EdgeGenerator:
    """A stand-in random generator with ``random`` only (the sampler draws one uniform per
    negative and nothing else): every uniform is column / V, that is the column ``column``
    with a coin of exactly 0.0 (a value ``Generator.random`` can return)."""

    def __init__(self, column: int, size: int) -> None:
        self.column, self.size = column, size

    def random(self, size, dtype=np.float64):
        return np.full(size, self.column / self.size, dtype=dtype)


def test_a_zero_count_word_is_never_drawn_even_on_a_zero_coin():
    """The coin is uniform on [0, 1) and the column keeps its own word when coin < threshold:
    a word of count 0 has threshold 0, so a coin of exactly 0 must still go to its alias."""
    sampler = NegativeSampler(np.array([4, 0]), power=1.0)
    assert sampler.threshold[1] == 0.0 and sampler.alias[1] == 0
    assert sampler.draw(_EdgeGenerator(1, 2), (5,)).tolist() == [0] * 5
    assert sampler.draw(_EdgeGenerator(0, 2), (5,)).tolist() == [0] * 5


def test_one_uniform_gives_the_column_and_the_coin():
    """u·V's whole part is the column and its fraction the coin: with V = 4, u = 0.6 is
    column 2 with coin 0.4, below column 2's threshold 0.5, so word 2; u = 0.7 (coin 0.8)
    goes to column 2's alias; u just below 1 is column 3, never a column past the table."""
    sampler = NegativeSampler(np.array([2, 2, 1, 3]), power=1.0)  # scaled 1, 1, 1/2, 3/2
    assert sampler.threshold[2] == 0.5 and sampler.alias[2] == 3

    class Uniforms:
        def random(self, size, dtype=np.float64):
            return np.array([0.6, 0.7, np.nextafter(1.0, 0.0), 0.0], dtype=dtype)

    assert sampler.draw(Uniforms(), (4,)).tolist() == [2, 3, 3, 0]


def test_keep_probabilities_are_float64_and_quiet_for_unseen_words():
    """Integer or float32 counts give float64 probabilities (also for ``sample`` = 0), and a
    word of count 0 (frequency 0: s/f divides by zero) is kept with probability 1, silently."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        keep = keep_probabilities(np.array([9000, 900, 0]), 1e-3)
    assert keep[2] == 1.0
    assert keep_probabilities(np.array([3, 1]), 0.0).dtype == np.float64
    counts32 = np.array([9000, 900, 90, 7], dtype=np.float32)
    f = np.array([9000, 900, 90, 7], dtype=np.float64) / 9997
    keep32 = keep_probabilities(counts32, 1e-3)
    assert keep32.dtype == np.float64
    np.testing.assert_allclose(keep32, np.minimum((np.sqrt(f / 1e-3) + 1) * 1e-3 / f, 1.0),
                               rtol=1e-14)


def test_context_windows_of_a_corpus_shorter_than_the_window():
    """A window wider than the corpus gives every position the whole (short) corpus, as
    int32 word ids, −1 elsewhere."""
    centres, contexts = context_windows(np.array([5, 6]), np.array([0, 0]), 3)
    assert centres.dtype == np.int32 and contexts.dtype == np.int32
    assert contexts.tolist() == [[-1, -1, -1, 6, -1, -1], [-1, -1, 5, -1, -1, -1]]
    centres, contexts = context_windows(np.array([5]), np.array([0]), 2)
    assert centres.tolist() == [5] and contexts.tolist() == [[-1, -1, -1, -1]]


def test_word_zero_is_a_word_not_padding():
    """Only −1 is padding: word id 0 gives skip-gram pairs and keeps a CBOW example."""
    centres, contexts = context_windows(np.array([0, 3, 0]), np.array([0, 1, 1]), 1)
    assert contexts.tolist() == [[-1, -1], [-1, 0], [3, -1]]
    inputs, targets = skipgram_pairs(centres, contexts)
    assert list(zip(inputs[:, 0].tolist(), targets.tolist(), strict=True)) == [(3, 0), (0, 3)]
    cbow_inputs, cbow_targets = cbow_examples(np.array([7, 8]), np.array([[0, -1], [-1, -1]]))
    assert cbow_targets.tolist() == [7] and cbow_inputs.tolist() == [[0, -1]]


def test_word2vec_defaults_and_initialisation():
    """Defaults: 50 dimensions, skip-gram, negative sampling with 5 negatives, seed 0,
    float32; v ~ U(−0.5/d, 0.5/d) and u = 0, in the model's dtype; a seed reproduces."""
    m = Word2Vec(2000)
    assert (m.dimension, m.method, m.objective, m.negatives) == (50, "skipgram", "negative", 5)
    assert m.input_vectors.dtype == np.float32 and m.output_vectors.dtype == np.float32
    assert not m.output_vectors.any()
    np.testing.assert_array_equal(m.input_vectors, Word2Vec(2000, seed=0).input_vectors)
    np.testing.assert_array_equal(Word2Vec(30, 4, seed=3).input_vectors,
                                  Word2Vec(30, 4, seed=3).input_vectors)
    v = m.input_vectors
    assert v.min() >= -0.5 / 50 and v.max() < 0.5 / 50
    assert v.min() < -0.49 / 50 and v.max() > 0.49 / 50
    assert abs(float(v.mean())) < 0.01 / 50
    m64 = Word2Vec(10, 3, dtype=np.float64)
    assert m64.input_vectors.dtype == np.float64 and m64.output_vectors.dtype == np.float64


def test_unknown_variants_are_named_with_the_accepted_ones():
    with pytest.raises(ValueError, match=r"^method='glove'; accepted: skipgram, cbow$"):
        Word2Vec(5, method="glove")
    with pytest.raises(ValueError, match=r"^objective='hs'; accepted: negative, softmax$"):
        Word2Vec(5, objective="hs")


def test_negative_sampling_without_negatives_says_what_is_missing():
    m = Word2Vec(5, 2)
    with pytest.raises(ValueError,
                       match=r"^negative sampling needs the negatives \(B × k word ids\)$"):
        m.loss_and_gradients(np.array([[0]]), np.array([1]))
    message = r"^negative sampling needs a sampler and a random generator$"
    sampler = NegativeSampler(np.ones(5))
    for given in ((None, None), (sampler, None), (None, np.random.default_rng(0))):
        with pytest.raises(ValueError, match=message):
            m.train_batch(np.array([[0]]), np.array([1]), 0.1, *given)


@pytest.mark.parametrize(("method", "objective"), VARIANTS)
def test_float32_model_gradients_stay_float32(method, objective):
    rng = np.random.default_rng(7)
    m = Word2Vec(V, D, method=method, objective=objective, negatives=3, dtype=np.float32)
    m.output_vectors[:] = rng.normal(size=(V, D))
    inputs, targets, negatives = batch(method, rng)
    _, grad_in, grad_out = m.loss_and_gradients(inputs, targets, negatives)
    assert grad_in.dtype == np.float32 and grad_out.dtype == np.float32
    reference = reference_loss_and_gradients(m.input_vectors, m.output_vectors, inputs,
                                             targets, negatives, objective)
    np.testing.assert_allclose(grad_in, reference[1], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(grad_out, reference[2], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_selection_matrix_weights_in_the_requested_dtype(dtype):
    one = selection_matrix(np.array([[2], [0], [2]]), 4, dtype)
    assert one.dtype == dtype
    assert one.toarray().tolist() == [[0, 0, 1, 0], [1, 0, 0, 0], [0, 0, 1, 0]]
    two = selection_matrix(np.array([[1, 3], [-1, 2], [0, -1]]), 4, dtype)
    assert two.dtype == dtype
    assert two.toarray().tolist() == [[0, 0.5, 0, 0.5], [0, 0, 1, 0], [1, 0, 0, 0]]


@pytest.mark.parametrize("objective", ["negative", "softmax"])
def test_cbow_with_a_window_of_one(objective):
    """Window 1 gives CBOW inputs of two columns (one of them may be −1): h is their mean,
    not the first column."""
    m = model("cbow", objective, seed=4)
    inputs = np.array([[1, 3], [-1, 2], [0, -1], [4, 4], [6, 5]])
    targets = np.array([2, 0, 1, 5, 3])
    negatives = np.array([[3, 4], [5, 5], [1, 2], [0, 6], [3, 1]])
    loss, grad_in, grad_out = m.loss_and_gradients(inputs, targets, negatives)
    ref_loss, ref_in, ref_out = reference_loss_and_gradients(
        m.input_vectors, m.output_vectors, inputs, targets, negatives, objective)
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    np.testing.assert_allclose(grad_in, ref_in, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grad_out, ref_out, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("method", ["skipgram", "cbow"])
def test_negative_sampling_gradients_are_vocabulary_sized(method):
    """dL/du is V × d even when the batch never mentions the last words of the vocabulary,
    and with k = 0 negatives (only the target's term) the loss and gradients stay exact."""
    m = model(method, "negative", seed=5)
    rng = np.random.default_rng(8)
    inputs = rng.integers(0, 3, (6, 1 if method == "skipgram" else 3))
    targets = rng.integers(0, 3, 6)
    for negatives in (rng.integers(0, 3, (6, 2)), np.empty((6, 0), dtype=np.int64)):
        loss, grad_in, grad_out = m.loss_and_gradients(inputs, targets, negatives)
        assert grad_in.shape == (V, D) and grad_out.shape == (V, D)
        ref_loss, ref_in, ref_out = reference_loss_and_gradients(
            m.input_vectors, m.output_vectors, inputs, targets, negatives, "negative")
        assert loss == pytest.approx(ref_loss, rel=1e-12)
        np.testing.assert_allclose(grad_in, ref_in, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(grad_out, ref_out, rtol=1e-10, atol=1e-12)


def test_softmax_log_sum_exp_is_taken_per_example():
    """Each row subtracts its own max: an example whose scores are all near −1000 next to
    one near +1000 still costs log(1 + e^(−1)) + 1, not log 0."""
    m = Word2Vec(2, 1, objective="softmax", dtype=np.float64)
    m.input_vectors[:, 0] = [1.0, -1.0]
    m.output_vectors[:, 0] = [1000.0, 999.0]  # scores (1000, 999) and (−1000, −999)
    loss, grad_in, grad_out = m.loss_and_gradients(np.array([[0], [1]]), np.array([1, 0]))
    each = 1.0 + math.log1p(math.exp(-1.0))
    assert loss == pytest.approx(2 * each, rel=1e-14)
    assert np.isfinite(grad_in).all() and np.isfinite(grad_out).all()


def test_train_batch_of_one_example_reports_its_loss():
    m = model("skipgram", "negative")
    sampler = NegativeSampler(np.arange(1, V + 1))
    inputs, targets = np.array([[2]]), np.array([4])
    drawn = sampler.draw(np.random.default_rng(9), (1, 3))
    expected = m.loss_and_gradients(inputs, targets, drawn)[0]
    assert m.train_batch(inputs, targets, 0.1, sampler, np.random.default_rng(9)) == (
        pytest.approx(expected, rel=1e-14))


def stream_of(tokens, sentences, *, method="skipgram", window=1, sample=0.0,
              batch_size=10**6, **kwargs) -> ExampleStream:
    tokens = np.asarray(tokens, dtype=np.int32)
    return ExampleStream(tokens, np.asarray(sentences), np.bincount(tokens), method=method,
                         window=window, sample=sample, batch_size=batch_size, **kwargs)


def test_example_stream_epoch_gives_every_pair_once():
    """Window 1, no subsampling: one epoch is every in-sentence neighbour pair exactly once
    (shuffled), and reading it whole counts exactly one epoch."""
    tokens = [0, 1, 2, 3, 4, 5, 6]
    stream = stream_of(tokens, [0, 0, 0, 0, 1, 1, 1])
    assert stream.progress == 0.0 and stream.epochs_done == 0
    inputs, targets = stream.next_batch()
    pairs = sorted(zip(inputs[:, 0].tolist(), targets.tolist(), strict=True))
    expected = sorted([(a, b) for a, b in [(0, 1), (1, 2), (2, 3), (4, 5), (5, 6)]]
                      + [(b, a) for a, b in [(0, 1), (1, 2), (2, 3), (4, 5), (5, 6)]])
    assert pairs == expected
    assert stream.epochs_done == 1 and stream.progress == 1.0


def test_example_stream_draws_dynamic_windows():
    """Reach b ~ U{1, 2} per centre: a long sentence gives about 3 skip-gram pairs per
    word, not the 4 of a fixed window of 2."""
    stream = stream_of(np.arange(4000) % 37, np.zeros(4000, dtype=int), window=2)
    _, targets = stream.peek_batch()
    assert len(targets) / 4000 == pytest.approx(3.0, abs=0.1)


def test_example_stream_subsamples_each_occurrence():
    """Each occurrence of a frequent word is kept with its own coin: about P(keep) of them
    per epoch, not all or none."""
    tokens = np.zeros(4000, dtype=np.int32)
    tokens[1::2] = np.arange(2000) % 1000 + 1  # word 0 half the corpus, 1000 rare words
    sample = 1e-3
    keep = keep_probabilities(np.bincount(tokens), sample)[0]
    assert 0.03 < keep < 0.1
    stream = stream_of(tokens, np.zeros(4000, dtype=int), method="cbow", sample=sample)
    _, targets = stream.peek_batch()
    assert (targets == 0).sum() / 2000 == pytest.approx(keep, abs=0.02)


def test_example_stream_is_reproducible_and_has_its_own_random_numbers():
    """The same seed gives the same batches (seed 0 by default); the stream's generator is
    keyed [seed, 2], apart from the model's (seed) and the embeddings scenario's negative
    draws ([seed, 3]) and probe ([seed, 4])."""
    tokens, sentences = np.arange(300) % 11, np.arange(300) // 10
    first, second, default = (stream_of(tokens, sentences, window=2, sample=1e-2,
                                        batch_size=50, **seed)
                              for seed in ({"seed": 0}, {"seed": 0}, {}))
    for _ in range(3):
        batches = [s.next_batch() for s in (first, second, default)]
        for inputs, targets in batches[1:]:
            np.testing.assert_array_equal(inputs, batches[0][0])
            np.testing.assert_array_equal(targets, batches[0][1])
    fresh = stream_of(tokens, sentences, seed=5).rng.bit_generator.state
    for key in (5, [5, 3], [5, 4]):
        assert fresh != np.random.default_rng(key).bit_generator.state


def test_example_stream_restored_at_the_end_of_an_epoch_counts_it():
    """A state whose cursor has reached the end of its epoch is epochs_done + 1 along;
    reading on starts the next epoch there, so progress never jumps back or ahead."""
    stream = stream_of(np.arange(40) % 7, np.arange(40) // 8, batch_size=16)
    stream.next_batch()
    state = stream.state()
    state.update(epochs_done=3, cursor=len(state["targets"]))
    stream.set_state(state)
    assert stream.progress == 4.0
    stream.next_batch()
    assert stream.epochs_done == 4 and 4.0 < stream.progress < 5.0


def test_example_stream_without_examples_says_why():
    with pytest.raises(ValueError, match=r"^the corpus gives no training examples: every "
                       r"sentence has a single word after subsampling; use more text$"):
        stream_of([1, 2, 3], [0, 1, 2]).next_batch()


def test_peek_batch_is_the_next_batch_and_only_that():
    stream = stream_of(np.arange(40) % 7, np.zeros(40, dtype=int), batch_size=16)
    peeked = stream.peek_batch()
    assert len(peeked[1]) == 16
    taken = stream.next_batch()
    np.testing.assert_array_equal(peeked[0], taken[0])
    np.testing.assert_array_equal(peeked[1], taken[1])


# -- large vocabularies and large corpora: work per step and memory per epoch -----------------
def dense_update(m: Word2Vec, inputs, targets, negatives, learning_rate):
    """The update as one sparse product over all V rows, added to the whole matrices: the
    way a step was computed before it ran over the batch's rows only."""
    dtype = m.input_vectors.dtype
    scale = dtype.type(-learning_rate)
    vocabulary = m.vocabulary_size
    selection = selection_matrix(inputs, vocabulary, dtype)
    h = (m.input_vectors[inputs[:, 0]] if inputs.shape[1] == 1
         else np.asarray(selection @ m.input_vectors, dtype=dtype))
    if m.objective == "softmax":
        _, error, grad_h = m._softmax(h, targets)
        grad_out = (error * scale).T @ h
    else:
        _, error, grad_h, words = m._negative(h, targets, negatives)
        per_word = scipy.sparse.csr_matrix(
            ((error * scale).reshape(-1), words.reshape(-1),
             np.arange(0, words.size + 1, words.shape[1])), shape=(len(targets), vocabulary))
        grad_out = per_word.T @ h
    m.input_vectors += np.asarray(selection.T @ (grad_h * scale))
    m.output_vectors += np.asarray(grad_out)


@pytest.mark.parametrize(("method", "objective"), VARIANTS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_step_over_the_batch_rows_equals_the_step_over_all_rows_bit_for_bit(
        method, objective, dtype):
    """Training over the batch's distinct rows changes no bit of the result: every touched
    row sums its terms in batch order, every other row is left as it was."""
    size = 40
    inputs, targets, _ = batch(method, np.random.default_rng(21), size=size)
    sampler = NegativeSampler(np.arange(1, V + 1))
    rows_only = Word2Vec(V, D, method=method, objective=objective, negatives=3, seed=2,
                         dtype=dtype)
    rows_only.output_vectors[:] = np.random.default_rng(3).normal(size=(V, D))
    everything = Word2Vec(V, D, method=method, objective=objective, negatives=3, seed=2,
                          dtype=dtype)
    everything.set_params(rows_only.copy_params())
    for step in range(3):
        drawn = sampler.draw(np.random.default_rng(step), (size, 3))
        rows_only.train_batch(inputs, targets, 0.05, sampler, np.random.default_rng(step))
        dense_update(everything, inputs, targets, drawn, 0.05)
        np.testing.assert_array_equal(rows_only.input_vectors, everything.input_vectors)
        np.testing.assert_array_equal(rows_only.output_vectors, everything.output_vectors)


def test_a_negative_sampling_step_costs_the_batch_not_the_vocabulary():
    """A step on a 200,000-word vocabulary allocates about what its 64 examples need, not a
    V × d gradient (51 MB here; two of them a step made a large text 10× slower to train)."""
    import tracemalloc

    vocabulary, dimension, size = 200_000, 64, 64
    m = Word2Vec(vocabulary, dimension, negatives=5, seed=0)
    sampler = NegativeSampler(np.arange(vocabulary, 0, -1))
    rng = np.random.default_rng(1)
    inputs = rng.integers(0, vocabulary, (size, 1)).astype(np.int32)
    targets = rng.integers(0, vocabulary, size).astype(np.int32)
    tracemalloc.start()
    try:
        m.train_batch(inputs, targets, 0.025, sampler, rng)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000 < m.input_vectors.nbytes
    assert np.abs(m.output_vectors[targets]).min() > 0  # the step was taken (u starts at 0)


def test_epoch_examples_formed_in_blocks_are_the_rows_of_the_whole_window_table(monkeypatch):
    """Blocks of 7 centres, windows crossing the blocks' edges and sentence ends: the same
    rows, in the same order, as the window table of the whole corpus gives."""
    monkeypatch.setattr(word2vec_module, "EXAMPLE_BLOCK", 7)
    rng = np.random.default_rng(5)
    tokens = rng.integers(0, 30, 200).astype(np.int32)
    sentences = np.cumsum(rng.random(200) < 0.15).astype(np.int32)
    for window in (1, 3):
        reach = rng.integers(1, window + 1, 200)
        contexts = windows_of(tokens, sentences, reach, window)
        for method, flatten in (("skipgram", skipgram_pairs), ("cbow", cbow_examples)):
            inputs, targets = flatten(tokens, contexts)
            rows = epoch_examples(tokens, sentences, reach, window, method)
            assert rows.dtype == np.int32 and len(rows) > 100
            np.testing.assert_array_equal(rows[:, :-1], inputs)
            np.testing.assert_array_equal(rows[:, -1], targets)
    assert epoch_examples(tokens[:0], sentences[:0], reach[:0], 2, "cbow").shape == (0, 5)


@pytest.mark.parametrize("width", [2, 5])
def test_shuffle_rows_in_place_is_the_permutation_numpy_draws(width):
    """In-place shuffling (an int64 view for two int32 columns) puts the rows in the order
    ``rows[rng.permutation(n)]`` gives and leaves the generator where permutation does."""
    rows = np.arange(1001 * width, dtype=np.int32).reshape(1001, width)
    expected = rows[np.random.default_rng(8).permutation(1001)]
    rng, reference = np.random.default_rng(8), np.random.default_rng(8)
    reference.permutation(1001)
    shuffle_rows(rows, rng)
    np.testing.assert_array_equal(rows, expected)
    assert rng.random() == reference.random()


@pytest.mark.parametrize("method", ["skipgram", "cbow"])
def test_an_epoch_is_built_in_little_more_memory_than_its_examples(monkeypatch, method):
    """Building an epoch of a long corpus at window 10 peaks at under 1.6 × the examples it
    keeps: no n × 2w window table, no permutation index, no shuffled copy (which made the
    peak 3–4 × the examples, 1.7 GB for a 100 MB text at window 5)."""
    import tracemalloc

    monkeypatch.setattr(word2vec_module, "EXAMPLE_BLOCK", 4096)
    rng = np.random.default_rng(0)
    tokens = rng.integers(0, 5000, 200_000).astype(np.int32)
    sentences = (np.arange(200_000) // 40).astype(np.int32)
    stream = ExampleStream(tokens, sentences, np.bincount(tokens), method=method, window=10,
                           sample=0.0, batch_size=512)
    tracemalloc.start()
    try:
        stream.peek_batch()
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    examples = stream.state()["inputs"].base
    assert examples is not None and examples.nbytes > 0.9 * kept
    assert peak < 1.6 * kept


@pytest.mark.parametrize(("method", "window", "expected"), [("skipgram", 5, "b3f77c8167d2b764"),
                                                            ("cbow", 3, "7e31f218d3909db0")])
def test_the_world_corpus_gives_the_batches_it_gave_before_blocks_and_in_place_shuffles(
        method, window, expected):
    """Two epochs of batches on the bundled corpus, digested; the digests were taken with
    the earlier stream (whole window table, permutation index, shuffled copies)."""
    import hashlib

    from nnviz.data.corpus import load_corpus

    corpus = load_corpus("world", 1)
    stream = ExampleStream(corpus.token_ids, corpus.sentence_ids, corpus.vocabulary.counts,
                           method=method, window=window, sample=1e-3, batch_size=4096, seed=7)
    digest = hashlib.sha256()
    while stream.epochs_done < 2:
        inputs, targets = stream.next_batch()
        digest.update(np.ascontiguousarray(inputs, dtype=np.int32).tobytes())
        digest.update(np.ascontiguousarray(targets, dtype=np.int32).tobytes())
    assert digest.hexdigest()[:16] == expected


def test_the_next_epoch_is_formed_after_the_last_one_is_let_go():
    """At an epoch's end the last batch is copied and the epoch's examples released before
    the next epoch's are formed: one epoch of examples in memory, not two."""
    import weakref

    tokens = (np.arange(3000) % 50).astype(np.int32)
    stream = stream_of(tokens, np.arange(3000) // 30, window=2, batch_size=10**6)
    stream.peek_batch()
    first_epoch = weakref.ref(stream.state()["inputs"].base)
    inputs, targets = stream.next_batch()  # the whole epoch: the next one is formed now
    assert first_epoch() is None
    assert inputs.base is None and targets.base is None and len(targets) > 5000
