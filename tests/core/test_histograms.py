"""Histogram views: values against NumPy, bin edges that never shrink, the run's history."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.core.histograms import (
    PERCENTILES,
    DistributionRecorder,
    StableBins,
    histogram,
    layer_histograms,
)


def test_histogram_matches_numpy_on_known_values():
    values = np.array([[-0.9, -0.5, 0.0], [0.1, 0.49, 0.51], [0.99, np.nan, 0.2]])
    edges = np.linspace(-1, 1, 5)
    result = histogram(2, "weights", values, edges)
    finite = values[np.isfinite(values)]
    expected, _ = np.histogram(finite, bins=edges)
    np.testing.assert_array_equal(result.counts, expected)
    np.testing.assert_array_equal(result.counts, [1, 1, 4, 2])
    assert result.mean == pytest.approx(finite.mean())
    assert result.std == pytest.approx(finite.std())
    np.testing.assert_allclose(result.percentiles, np.percentile(finite, PERCENTILES))
    assert (result.layer, result.quantity, result.total) == (2, "weights", 8)


def test_values_beyond_the_edges_land_in_the_outer_bins():
    result = histogram(0, "biases", np.array([-5.0, 0.1, 7.0]), np.array([-1.0, 0.0, 1.0]))
    np.testing.assert_array_equal(result.counts, [1, 2])


def test_stable_edges_start_nice_and_never_shrink_or_move_while_data_fits():
    bins = StableBins(bins=20)
    key = (0, "weights")
    first = bins.edges(key, np.array([-0.3, 0.42]))
    assert (first[0], first[-1], len(first)) == (-0.5, 0.5, 21)
    rng = np.random.default_rng(0)
    previous = first
    for scale in [0.1, 0.45, 0.01, 0.3]:
        edges = bins.edges(key, rng.uniform(-scale, scale, 100))
        np.testing.assert_array_equal(edges, previous)
    grown = bins.edges(key, np.array([0.0, 1.7]))
    assert grown[0] <= first[0] and grown[-1] >= 1.7
    assert grown[-1] == 2.0 and grown[0] == -0.5  # only the side that overflowed widens
    after = bins.edges(key, np.array([0.001]))
    np.testing.assert_array_equal(after, grown)


def test_edges_widen_by_doubling_to_any_scale_and_stay_finite():
    bins = StableBins(bins=10)
    key = (1, "gradients")
    bins.edges(key, np.array([-1.0, 1.0]))
    wide = bins.edges(key, np.array([-3e5, 10.0, np.inf]))
    assert np.all(np.isfinite(wide))
    assert wide[0] <= -3e5 and wide[0] > -3e5 * 2.1
    assert wide[-1] == 16.0  # 10 needed: 1 doubled four times


def test_non_negative_activations_get_a_half_open_range():
    bins = StableBins(bins=10)
    edges = bins.edges((0, "activations"), np.array([0.0, 0.7]))
    assert (edges[0], edges[-1]) == (0.0, 1.0)
    widened = bins.edges((0, "activations"), np.array([-0.2, 0.5]))
    assert widened[0] <= -0.2 and widened[-1] == 1.0


def test_layer_histograms_health_figures():
    small = [np.array([[True, False, True], [True, False, False]])]
    grads = [np.array([[3.0, 4.0]]), np.array([[0.0, 1.0]])]
    result = layer_histograms(
        5, {"weights": [np.ones((2, 3)), np.ones((3, 2))], "gradients": grads}, StableBins(),
        small, "relu", ("hidden 1", "output"),
    )
    assert result.saturated == pytest.approx((0.5,))
    assert result.dead == pytest.approx((1 / 3,))  # only the first unit is off on every row
    assert result.gradient_norms == pytest.approx((5.0, 1.0))
    assert result.n_layers == 2
    assert result.quantities(0) == ["weights", "gradients"]
    assert result.layer_name(1) == "output" and result.layer_name(7) == "layer 8"
    assert result.history is None


def _set(step, spread, norms=(1.0, 0.1)):
    rng = np.random.default_rng(step)
    return layer_histograms(
        step, {"weights": [rng.normal(0, spread, 200), rng.normal(0, spread, 50)],
               "gradients": [np.full(4, n / 2) for n in norms]},
        StableBins(), [np.zeros((3, 2), bool)],
    )


def test_recorder_keeps_percentile_rows_per_snapshot():
    recorder = DistributionRecorder(capacity=8)
    for step in range(5):
        history = recorder.record(_set(step * 10, 1.0 + step))
    assert list(history.steps) == [0, 10, 20, 30, 40]
    bands = history.percentiles[(0, "weights")]
    assert bands.shape == (5, len(PERCENTILES))
    assert np.all(np.diff(bands[:, -1] - bands[:, 0]) > 0)  # the spread grows with the data
    np.testing.assert_allclose(history.gradient_norms[-1], [1.0, 0.1])


def test_recorder_memory_is_bounded_and_keeps_extremes():
    recorder = DistributionRecorder(capacity=8)
    spikes = {}
    for step in range(100):
        hs = _set(step, 50.0 if step == 37 else 1.0)
        spikes[step] = hs.histograms[(0, "weights")].percentiles[-1]
        history = recorder.record(hs)
    assert len(history) <= 9
    assert history.stride >= 8
    assert history.steps[-1] == 99
    assert np.all(np.diff(history.steps) > 0)
    assert history.percentiles[(0, "weights")][:, -1].max() == pytest.approx(spikes[37])


def test_histograms_of_a_layer_stay_on_fixed_edges_through_a_run():
    bins = StableBins()
    rng = np.random.default_rng(3)
    previous = None
    for _ in range(20):
        hs = layer_histograms(0, {"weights": [rng.normal(0, 0.2, 300)]}, bins)
        edges = hs.histograms[(0, "weights")].edges
        if previous is not None:
            assert edges[0] <= previous[0] and edges[-1] >= previous[-1]
        previous = edges


def test_recorder_replaces_a_repeated_step_instead_of_adding_a_row():
    recorder = DistributionRecorder(capacity=8)
    recorder.record(_set(0, 1.0))
    recorder.record(_set(10, 1.0))
    history = recorder.record(_set(10, 3.0))
    assert list(history.steps) == [0, 10]
    assert history.percentiles[(0, "weights")][-1, -1] > 3.0
