"""The race's curve on the one bounded curve store (:mod:`nnviz.core.history`)."""

import numpy as np

from nnviz.scenarios.race_history import CurveHistory


def test_curve_history_stays_bounded_and_evenly_thinned_over_a_long_race():
    """The race's curve is the one bounded store: memory stays bounded, every kept row keeps
    the meaning of CURVE_COLUMNS, and old and new stretches are thinned alike (the race's own
    halving rule kept the newest points dense and the oldest ever coarser)."""
    history = CurveHistory(capacity=400)
    updates = np.arange(200_000)
    losses = 1.0 / (1.0 + updates / 1000.0)
    losses[150_001] = 7.0
    for update, loss in zip(updates, losses, strict=True):
        history.append(int(update), update / 100, update / 1e4, float(loss), update / 5e3)
    rows = history.rows
    assert len(rows) <= 402 and history.thinned
    kept = rows[:, 0].astype(int)
    np.testing.assert_array_equal(rows[:, 1], kept / 100)
    np.testing.assert_array_equal(rows[:, 2], kept / 1e4)
    np.testing.assert_array_equal(rows[:, 3], losses[kept])
    np.testing.assert_array_equal(rows[:, 4], kept / 5e3)
    assert 150_001 in kept and (np.diff(kept) > 0).all()
    first_half = np.count_nonzero(kept < 100_000)
    assert abs(first_half - (len(kept) - first_half)) <= 4, "evenly thinned"
    assert history.first_below(losses[60_000])[0] <= 60_000 + 2 * 1024
