"""word2vec: exact gradients for all four variants, exact updates, sampling, windows, learning."""

from __future__ import annotations

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


@pytest.mark.parametrize(("method", "objective"), VARIANTS)
def test_train_batch_applies_every_example_in_full(method, objective):
    """The update is exactly −η · (sum of per-example gradients), repeated words included."""
    m = model(method, objective)
    inputs, targets, _ = batch(method, np.random.default_rng(4), size=30)
    sampler = NegativeSampler(np.arange(1, V + 1))
    drawn = sampler.draw(np.random.default_rng(5), (30, 3))
    before_in, before_out = m.copy_params()
    loss, grad_in, grad_out = m.loss_and_gradients(inputs, targets,
                                                   drawn if objective == "negative" else None)
    mean_loss = m.train_batch(inputs, targets, 0.05, sampler, np.random.default_rng(5))
    assert mean_loss == pytest.approx(loss / 30)
    assert np.allclose(m.input_vectors, before_in - 0.05 * grad_in)
    assert np.allclose(m.output_vectors, before_out - 0.05 * grad_out)
    one_by_one = sum(m_grad for m_grad in (
        model(method, objective).loss_and_gradients(inputs[i:i + 1], targets[i:i + 1],
                                                    drawn[i:i + 1])[1]
        for i in range(30))) if objective == "negative" else None
    if one_by_one is not None:
        assert np.allclose(grad_in, one_by_one)


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
