"""word2vec: exact gradients for all four variants, exact updates, sampling, windows, learning."""

from __future__ import annotations

import math

import numpy as np
import pytest

from nnviz.core.word2vec import (
    ExampleStream,
    NegativeSampler,
    Word2Vec,
    cbow_examples,
    context_windows,
    keep_probabilities,
    linear_rate,
    skipgram_pairs,
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
