"""Histogram views: values against NumPy, bin edges that never shrink, the run's history."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from nnviz.core.histograms import (
    PERCENTILES,
    DistributionRecorder,
    HistogramSet,
    LayerHistogram,
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


# --- edge cases and exact numbers (each kills planted bugs the tests above let through) ---


def _snap(step, spread, norms=(1.0, 0.1), small=((True, False), (True, True), (False, True))):
    """A snapshot with deterministic values: weights spread·t³ over t in [−1, 1] (plus a second
    layer), gradient norms exactly ``norms``, and one hidden layer's derivative mask."""
    t = np.linspace(-1.0, 1.0, 41)
    return layer_histograms(
        step, {"weights": [spread * t**3, spread * t + 0.5],
               "gradients": [np.full(4, n / 2) for n in norms]},
        StableBins(), [np.array(small)],
    )


def _percentiles(snapshot, key=(0, "weights")):
    return snapshot.histograms[key].percentiles


def _merged(*snapshots, key=(0, "weights")):
    """What a row standing for ``snapshots`` should hold: the mean of their percentiles, with the
    minimum of the minima and the maximum of the maxima."""
    rows = np.array([_percentiles(s, key) for s in snapshots])
    expected = rows.mean(axis=0)
    expected[0], expected[-1] = rows[:, 0].min(), rows[:, -1].max()
    return expected


def test_layer_names_and_quantities_of_a_histogram_set():
    edges = np.array([0.0, 1.0])
    histograms = {key: histogram(key[0], key[1], np.array([0.5]), edges)
                  for key in [(0, "zeta"), (0, "gradients"), (0, "alpha"), (0, "weights"),
                              (1, "biases")]}
    hs = HistogramSet(0, histograms, (), (), layer_names=("in", "out"))
    assert hs.layer_name(1) == "out" and hs.layer_name(2) == "layer 3"
    assert hs.quantities(0) == ["weights", "gradients", "alpha", "zeta"]
    assert hs.quantities(1) == ["biases"]
    assert hs.quantities(2) == []


def test_stable_bins_default_to_fifty_and_allow_a_single_bin():
    assert len(StableBins().edges((0, "weights"), np.array([0.3]))) == 51
    np.testing.assert_array_equal(StableBins(bins=1).edges((0, "weights"), np.array([0.3])),
                                  [-0.5, 0.5])
    with pytest.raises(ValueError, match=r"^a histogram needs at least one bin$"):
        StableBins(bins=0)


def test_batches_with_nothing_finite_get_unit_edges_and_move_no_edges():
    bins = StableBins(bins=4)
    edges = bins.edges((0, "weights"), np.array([np.nan, np.inf, -np.inf]))
    assert (edges[0], edges[-1]) == (-1.0, 1.0)
    edges = bins.edges((0, "activations"), np.zeros(0))
    assert (edges[0], edges[-1]) == (0.0, 1.0)
    bins.edges((1, "weights"), np.array([0.3, -0.2]))
    edges = bins.edges((1, "weights"), np.array([np.nan, np.nan]))  # a diverged step
    assert (edges[0], edges[-1]) == (-0.5, 0.5)


def test_relu_zeros_do_not_widen_activation_edges():
    bins = StableBins(bins=10)
    bins.edges((0, "activations"), np.array([0.0, 0.7]))
    edges = bins.edges((0, "activations"), np.array([0.0, 0.0, 0.3]))
    assert (edges[0], edges[-1]) == (0.0, 1.0)


def test_widening_doubles_away_from_zero_exactly():
    bins = StableBins(bins=10)
    bins.edges((0, "weights"), np.array([-0.3, 0.42]))
    edges = bins.edges((0, "weights"), np.array([-3.0]))
    assert (edges[0], edges[-1]) == (-4.0, 0.5)  # 0.5 doubled three times, one side only
    # a half-open activation range grows below zero by its width, doubling the steps
    bins.edges((1, "activations"), np.array([0.0, 1.5]))
    edges = bins.edges((1, "activations"), np.array([-3.0]))
    assert (edges[0], edges[-1]) == (-4.0, 2.0)  # two widths of 2
    bins.edges((2, "activations"), np.array([0.0, 0.7]))
    edges = bins.edges((2, "activations"), np.array([-0.2]))
    assert (edges[0], edges[-1]) == (-1.0, 1.0)  # one width of 1 is enough


def test_widening_reaches_a_quarter_of_the_float_range():
    bins = StableBins(bins=10)
    bins.edges((0, "gradients"), np.array([-1.0, 1.0]))
    edges = bins.edges((0, "gradients"), np.array([4e307]))
    assert edges[-1] >= 4e307 and np.all(np.isfinite(np.diff(edges)))
    bins.edges((0, "activations"), np.array([0.0, 1.0]))
    edges = bins.edges((0, "activations"), np.array([-4e307]))
    assert edges[0] <= -4e307 and np.all(np.isfinite(np.diff(edges)))


def test_only_non_negative_activations_get_a_half_open_range():
    bins = StableBins(bins=10)
    edges = bins.edges((0, "weights"), np.array([0.1, 0.3]))
    assert (edges[0], edges[-1]) == (-0.5, 0.5)
    edges = bins.edges((0, "activations"), np.array([-0.3, 0.8]))  # tanh
    assert (edges[0], edges[-1]) == (-1.0, 1.0)


@pytest.mark.parametrize("extent, limit", [
    (0.1, 0.1), (0.15, 0.2), (0.3, 0.5), (0.7, 1.0), (1.0, 1.0), (20.0, 20.0), (3e-3, 5e-3),
    (0.0, 1.0),  # biases initialised to zero
])
def test_first_edges_are_the_next_1_2_5_step(extent, limit):
    edges = StableBins(bins=10).edges((0, "biases"), np.array([-extent / 3, extent]))
    assert edges[-1] == pytest.approx(limit, rel=1e-12)
    assert edges[0] == pytest.approx(-limit, rel=1e-12)


@pytest.mark.parametrize("values", [[1e-322], [5e-324, 0.0], [-3e-320, 1e-321], [4e307],
                                    [6e307], [1e308], [1.7e308]])
@pytest.mark.parametrize("quantity", ["weights", "activations"])
def test_first_edges_of_tiny_or_huge_values_are_finite_and_increasing(values, quantity):
    values = np.array(values)
    bins = StableBins()
    edges = bins.edges((0, quantity), values)
    assert np.all(np.isfinite(np.diff(edges))) and np.all(np.diff(edges) > 0)
    if np.abs(values).max() <= np.finfo(np.float64).max / 4:
        assert edges[0] <= values.min() and edges[-1] >= values.max()
    assert histogram(0, quantity, values, edges).total == len(values)
    larger = np.array([-1.5, 1.5]) * min(np.abs(values).max(), 1e308)
    wider = bins.edges((0, quantity), larger)
    assert wider[0] <= edges[0] and wider[-1] >= edges[-1]  # edges never shrink


def test_float32_values_are_summarised_in_float64():
    values = (np.random.default_rng(4).normal(size=1000) * 1e-3 + 1000).astype(np.float32)
    exact = values.astype(np.float64)
    result = histogram(0, "weights", values, np.linspace(999, 1001, 9))
    assert result.mean == pytest.approx(exact.mean(), rel=1e-15)
    assert result.std == pytest.approx(exact.std(), rel=1e-12)
    np.testing.assert_allclose(result.percentiles, np.percentile(exact, PERCENTILES),
                               rtol=1e-15)


def test_a_histogram_keeps_its_edges_and_labels():
    edges = np.linspace(-1, 1, 5)
    result = histogram(3, "biases", np.array([0.2, -0.7]), edges)
    np.testing.assert_array_equal(result.edges, edges)
    assert (result.layer, result.quantity) == (3, "biases")


def test_a_histogram_of_nothing_finite_is_empty_with_nan_summaries():
    edges = np.linspace(-1, 1, 5)
    result = histogram(2, "gradients", np.array([np.nan, np.inf, -np.inf]), edges)
    assert (result.layer, result.quantity, result.total) == (2, "gradients", 0)
    np.testing.assert_array_equal(result.edges, edges)
    np.testing.assert_array_equal(result.counts, [0, 0, 0, 0])
    assert np.isnan(result.mean) and np.isnan(result.std)
    assert result.percentiles.shape == (len(PERCENTILES),)
    assert result.percentiles.dtype == np.float64 and np.all(np.isnan(result.percentiles))


def test_layer_histograms_label_each_histogram_and_carry_the_activation():
    quantities = {"weights": [np.array([0.1, 0.3]), np.array([2.0, -1.5])],
                  "biases": [np.array([-0.04])]}
    result = layer_histograms(0, quantities, StableBins(bins=4))
    assert result.activation == ""
    for (layer, quantity), hist in result.histograms.items():
        assert (hist.layer, hist.quantity) == (layer, quantity)
    assert result.get(0, "weights").edges[-1] == 0.5
    assert result.get(1, "weights").edges[-1] == 2.0
    assert result.get(0, "biases").edges[-1] == pytest.approx(0.05)
    assert layer_histograms(0, quantities, StableBins(), activation="tanh").activation == "tanh"


def test_health_of_a_layer_seen_on_no_examples_is_zero():
    result = layer_histograms(0, {"weights": [np.ones(3)]}, StableBins(),
                              [np.zeros((0, 3), dtype=bool)])
    assert result.saturated == (0.0,) and result.dead == (0.0,)


def test_a_recorder_adds_the_history_and_changes_nothing_else():
    args = (7, {"weights": [np.linspace(-1, 1, 9)], "gradients": [np.array([3.0, 4.0])]})
    kwargs = {"derivative_small": [np.array([[True, False], [True, True]])],
              "activation": "sigmoid", "layer_names": ("hidden", "out")}
    plain = layer_histograms(*args, StableBins(), **kwargs)
    recorded = layer_histograms(*args, StableBins(), recorder=DistributionRecorder(4), **kwargs)
    assert isinstance(recorded, HistogramSet) and plain.history is None
    assert (recorded.step, recorded.activation, recorded.layer_names) == (7, "sigmoid",
                                                                            ("hidden", "out"))
    assert (recorded.saturated, recorded.dead, recorded.gradient_norms) == (
        plain.saturated, plain.dead, plain.gradient_norms) == ((0.75,), (0.5,), (5.0,))
    assert recorded.histograms.keys() == plain.histograms.keys()
    history = recorded.history
    assert list(history.steps) == [7]
    np.testing.assert_array_equal(history.percentiles[(0, "weights")][0],
                                  plain.histograms[(0, "weights")].percentiles)
    np.testing.assert_array_equal(history.gradient_norms, [[5.0]])


def test_recorder_capacity_must_be_even_and_at_least_two():
    assert len(DistributionRecorder(capacity=2)) == 0
    for capacity in (0, 1, 3, 5):
        with pytest.raises(ValueError, match=r"^capacity must be an even number ≥ 2$"):
            DistributionRecorder(capacity=capacity)


def test_a_fresh_recorder_is_empty_and_its_first_snapshot_is_one_row():
    recorder = DistributionRecorder(capacity=4)
    assert len(recorder) == 0
    history = recorder.history()
    assert history.steps.shape == (0,) and history.steps.dtype == np.int64
    for column in (history.gradient_norms, history.saturated, history.dead):
        assert column.shape == (0, 0) and column.dtype == np.float64
    history = recorder.record(_snap(5, 1.0))
    assert list(history.steps) == [5] and history.steps.dtype == np.int64
    assert len(recorder) == 1


def test_health_columns_follow_the_number_of_layers():
    recorder = DistributionRecorder(capacity=8)
    history = recorder.record(layer_histograms(0, {"weights": [np.ones(3)]}, StableBins()))
    assert history.gradient_norms.shape == (1, 0)
    recorder.record(_snap(1, 1.0, norms=(1.0,)))
    history = recorder.record(_snap(2, 1.0, norms=(2.0, 3.0)))
    np.testing.assert_allclose(history.gradient_norms,
                               [[np.nan, np.nan], [1.0, np.nan], [2.0, 3.0]])


def test_a_repeated_step_replaces_its_row_exactly():
    recorder = DistributionRecorder(capacity=8)
    recorder.record(_snap(0, 1.0))
    recorder.record(_snap(10, 1.0))
    again = _snap(10, 3.0, norms=(5.0, 0.5), small=((False, False),))
    history = recorder.record(again)
    assert list(history.steps) == [0, 10]
    for key in again.histograms:
        np.testing.assert_array_equal(history.percentiles[key][-1], _percentiles(again, key))
    np.testing.assert_allclose(history.gradient_norms[-1], [5.0, 0.5])
    np.testing.assert_array_equal(history.saturated[-1], [0.0])


def test_halving_merges_neighbouring_rows():
    recorder = DistributionRecorder(capacity=4)
    snaps = [_snap(0, 0.5, (1.0, 0.1), ((True, True),)), _snap(1, 2.0, (3.0, 0.3)),
             _snap(2, 3.0, (2.0, 0.2)), _snap(3, 1.0, (6.0, 0.6), ((False, False),))]
    for snap in snaps:
        history = recorder.record(snap)
    assert list(history.steps) == [1, 3] and history.stride == 2
    for key in snaps[0].histograms:
        np.testing.assert_allclose(history.percentiles[key],
                                   [_merged(*snaps[:2], key=key), _merged(*snaps[2:], key=key)])
    np.testing.assert_allclose(history.gradient_norms, [[2.0, 0.2], [4.0, 0.4]])
    for name in ("saturated", "dead"):
        figures = np.array([getattr(snap, name) for snap in snaps])
        np.testing.assert_allclose(getattr(history, name),
                                   [figures[:2].mean(axis=0), figures[2:].mean(axis=0)])


def test_a_row_at_stride_two_blends_its_two_snapshots():
    recorder = DistributionRecorder(capacity=6)
    for step in range(6):
        recorder.record(_snap(step, 10.0))  # stale rows above the halved ones
    assert recorder.stride == 2
    pairs = [(_snap(6, 0.5, (1.0, 0.1)), _snap(7, 2.0, (3.0, 0.3), ((False, False),))),
             (_snap(8, 3.0, (2.0, 0.2)), _snap(9, 1.0, (6.0, 0.6)))]
    for first, second in pairs:
        history = recorder.record(first)
        assert history.steps[-1] == first.step
        history = recorder.record(second)
    assert list(history.steps) == [1, 3, 5, 7, 9] and history.stride == 2
    for key in pairs[0][0].histograms:
        np.testing.assert_allclose(history.percentiles[key][3:],
                                   [_merged(*pairs[0], key=key), _merged(*pairs[1], key=key)])
    np.testing.assert_allclose(history.gradient_norms[3:], [[2.0, 0.2], [4.0, 0.4]])
    np.testing.assert_allclose(history.saturated[3:],
                               [np.mean([pair[0].saturated, pair[1].saturated], axis=0)
                                for pair in pairs])


def test_a_repeated_step_at_stride_two_stands_in_for_its_snapshot():
    recorder = DistributionRecorder(capacity=4)
    snaps = [_snap(step, 1.0 + step) for step in range(4)]
    for snap in snaps:
        recorder.record(snap)
    again = _snap(3, 7.0, norms=(9.0, 0.9))
    history = recorder.record(again)  # the row holds two snapshots; the newest is replaced
    assert list(history.steps) == [1, 3]
    row = (_merged(*snaps[2:]) + _percentiles(again)) / 2
    row[0], row[-1] = _merged(*snaps[2:], again)[[0, -1]]
    np.testing.assert_allclose(history.percentiles[(0, "weights")][-1], row)
    np.testing.assert_allclose(history.gradient_norms[-1], [(1.0 + 9.0) / 2, (0.1 + 0.9) / 2])


def test_a_second_halving_averages_four_snapshots():
    recorder = DistributionRecorder(capacity=4)
    snaps = [_snap(step, spread, (norm, norm / 10))
             for step, (spread, norm) in enumerate(zip([1, 4, 2, 8, 3, 0.5, 6, 1.5],
                                                       [1, 2, 3, 4, 5, 6, 7, 10], strict=True))]
    for snap in snaps:
        history = recorder.record(snap)
    assert list(history.steps) == [3, 7] and history.stride == 4
    for key in snaps[0].histograms:
        np.testing.assert_allclose(history.percentiles[key],
                                   [_merged(*snaps[:4], key=key), _merged(*snaps[4:], key=key)])
    np.testing.assert_allclose(history.gradient_norms, [[2.5, 0.25], [7.0, 0.7]])


def test_rows_with_gaps_keep_what_was_recorded():
    recorder = DistributionRecorder(capacity=2)
    t = np.linspace(-1, 1, 21)
    before = layer_histograms(0, {"weights": [t]}, StableBins())  # no gradients yet
    after = layer_histograms(1, {"weights": [np.full(5, np.nan)], "gradients": [t**3]},
                             StableBins())
    recorder.record(before)
    history = recorder.record(after)
    assert list(history.steps) == [1] and history.stride == 2
    np.testing.assert_array_equal(history.percentiles[(0, "weights")][0], _percentiles(before))
    np.testing.assert_array_equal(history.percentiles[(0, "gradients")][0],
                                  _percentiles(after, (0, "gradients")))
    np.testing.assert_allclose(history.gradient_norms, [after.gradient_norms])


def test_summaries_that_overflowed_blend_without_warnings():
    def overflowed(step, value):
        hist = LayerHistogram(0, "weights", np.array([-1.0, 1.0]), np.array([1]), value, 0.0,
                              np.full(len(PERCENTILES), value))
        return HistogramSet(step, {(0, "weights"): hist}, (), ())

    recorder = DistributionRecorder(capacity=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        recorder.record(overflowed(0, np.inf))
        history = recorder.record(overflowed(1, -np.inf))
    row = history.percentiles[(0, "weights")][0]
    assert (row[0], row[-1]) == (-np.inf, np.inf)
