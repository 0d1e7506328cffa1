"""Loss values against their direct formulas; the fused pass against the plain one."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.core.losses import OutputScratch, accuracy, column_max, get_output_loss, softmax


def test_softmax_cross_entropy_is_minus_log_probability_of_the_label():
    z = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    labels = np.array([1, 0])
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    expected = -np.log(p[[0, 1], labels])
    output = get_output_loss("softmax")
    assert output.loss(z, labels, "sum") == pytest.approx(expected.sum())
    assert output.loss(z, labels) == pytest.approx(expected.mean())
    np.testing.assert_allclose(output.probabilities(z), p)
    np.testing.assert_allclose(output.gradient(z, labels, "sum"), p - np.eye(3)[labels])


def test_sigmoid_binary_cross_entropy():
    z = np.array([[0.3], [-2.0], [4.0]])
    labels = np.array([1, 0, 0])
    p = 1 / (1 + np.exp(-z[:, 0]))
    expected = -(labels * np.log(p) + (1 - labels) * np.log(1 - p))
    output = get_output_loss("sigmoid")
    assert output.loss(z, labels) == pytest.approx(expected.mean())
    np.testing.assert_allclose(output.probabilities(z), np.stack([1 - p, p], axis=1))
    np.testing.assert_allclose(output.gradient(z, labels, "sum")[:, 0], p - labels)


def test_losses_are_stable_for_huge_logits():
    z = np.array([[1000.0, -1000.0], [-1000.0, 1000.0]])
    labels = np.array([0, 0])
    softmax_loss = get_output_loss("softmax").loss(z, labels, "sum")
    assert softmax_loss == pytest.approx(2000.0)
    sigmoid_loss = get_output_loss("sigmoid").loss(z[:, :1], labels, "sum")
    assert sigmoid_loss == pytest.approx(1000.0)
    assert np.isfinite(softmax(z)).all()


@pytest.mark.parametrize("kind, units", [("softmax", 4), ("softmax", 2), ("sigmoid", 1)])
def test_fused_pass_matches_the_plain_formulas(kind, units):
    """The fused pass works on examples as columns; it must agree with the (n, k) formulas."""
    rng = np.random.default_rng(0)
    z = rng.normal(scale=30.0, size=(9, units))
    labels = rng.integers(0, max(units, 2), 9)
    output = get_output_loss(kind)
    probabilities_t = np.empty((max(units, 2), 9))
    delta_t = np.empty((units, 9))
    scratch = OutputScratch.allocate(9, units, z.dtype)
    total = output.fused(np.ascontiguousarray(z.T), labels, probabilities_t, delta_t, scratch)
    assert total == pytest.approx(output.loss(z, labels, "sum"), rel=1e-12)
    np.testing.assert_allclose(delta_t.T, output.gradient(z, labels, "sum"), atol=1e-15)
    np.testing.assert_allclose(probabilities_t.T, output.probabilities(z), atol=1e-15)
    again = output.probabilities_columns(np.ascontiguousarray(z.T), np.empty_like(
        probabilities_t), scratch)
    np.testing.assert_allclose(again, probabilities_t, atol=1e-15)


def test_column_max_and_accuracy():
    z_t = np.array([[1.0, 5.0, 2.0], [7.0, -1.0, 0.0]])
    np.testing.assert_array_equal(column_max(z_t, np.empty((1, 3)))[0], [7.0, 5.0, 2.0])
    assert accuracy(np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]]), np.array([0, 1, 1])) \
        == pytest.approx(2 / 3)
    assert np.isnan(accuracy(np.empty((0, 2)), np.empty(0, int)))


def test_unknown_output_and_reduction():
    with pytest.raises(ValueError, match="unknown output"):
        get_output_loss("hinge")
    with pytest.raises(ValueError, match="reduction"):
        get_output_loss("softmax").loss(np.zeros((1, 2)), np.zeros(1, int), "max")


# -- tests added after mutation testing (each kills surviving mutants of nnviz.core.losses) ---

# rows whose logits lie 2000 apart: a shift by the largest logit of all would underflow one row
FAR_APART = np.array([[1000.0, 999.0], [-1000.0, -1001.0]])


def test_softmax_shifts_each_row_by_its_own_maximum():
    p_first = 1 / (1 + np.exp(-1.0))
    expected = np.array([[p_first, 1 - p_first], [p_first, 1 - p_first]])
    np.testing.assert_allclose(softmax(FAR_APART), expected, rtol=1e-12)
    output = get_output_loss("softmax")
    labels = np.array([0, 1])
    per_example = [np.logaddexp(0.0, -1.0), 1.0 + np.logaddexp(0.0, -1.0)]
    assert output.loss(FAR_APART, labels, "sum") == pytest.approx(sum(per_example), rel=1e-12)
    np.testing.assert_allclose(output.gradient(FAR_APART, labels),
                               (expected - np.eye(2)[labels]) / 2, rtol=1e-12)


@pytest.mark.parametrize("kind, units", [("softmax", 3), ("sigmoid", 1)])
def test_gradient_reduction_mean_divides_by_n_and_is_the_default(kind, units):
    rng = np.random.default_rng(1)
    z = rng.normal(size=(5, units))
    labels = np.array([0, 1, 1, 0, 1])
    output = get_output_loss(kind)
    summed = output.gradient(z, labels, "sum")
    np.testing.assert_allclose(output.gradient(z, labels, "mean"), summed / 5, rtol=1e-12)
    np.testing.assert_allclose(output.gradient(z, labels), summed / 5, rtol=1e-12)


def test_out_arrays_receive_the_results():
    z = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    expected = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    for compute in (softmax, get_output_loss("softmax").probabilities):
        out = np.full_like(z, np.nan)
        assert compute(z, out=out) is out
        np.testing.assert_allclose(out, expected, rtol=1e-12)
    z_t = np.array([[1.0, 5.0, 2.0], [7.0, -1.0, 0.0]])
    row = np.full((1, 3), np.nan)
    assert column_max(z_t, row) is row
    np.testing.assert_array_equal(row, [[7.0, 5.0, 2.0]])


@pytest.mark.parametrize("kind, units", [("softmax", 3), ("sigmoid", 1)])
def test_float32_logits_give_float32_results(kind, units):
    z = np.random.default_rng(2).normal(size=(4, units)).astype(np.float32)
    labels = np.array([0, 1, 1, 0])
    output = get_output_loss(kind)
    assert output.probabilities(z).dtype == np.float32
    assert output.gradient(z, labels).dtype == np.float32
    scratch = OutputScratch.allocate(4, units, np.dtype(np.float32))
    assert {scratch.row.dtype, scratch.ones.dtype, scratch.one_hot.dtype} \
        == {np.dtype(np.float32)}
