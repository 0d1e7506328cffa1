import numpy as np
import pytest

from nnviz.core.history import History


def test_keeps_every_point_until_full():
    history = History(64)
    ys = np.linspace(1, 0, 50)
    history.extend(np.arange(50), ys)
    np.testing.assert_array_equal(history.y, ys)
    assert history.stride == 1 and not history.decimated


def test_memory_stays_bounded_and_spikes_survive():
    rng = np.random.default_rng(0)
    ys = rng.normal(size=200_000)
    ys[123_457] = 80.0
    ys[7] = -60.0
    history = History(1024)
    for start in range(0, len(ys), 333):
        stop = min(start + 333, len(ys))
        history.extend(np.arange(start, stop), ys[start:stop])
    assert len(history) <= 1024 + 2
    assert history.total == len(ys)
    assert history.y.max() == 80.0 and history.x[history.y.argmax()] == 123_457
    assert history.y.min() == -60.0 and history.x[history.y.argmin()] == 7
    assert np.all(np.diff(history.x) > 0)
    # the envelope: every stored point is a real point
    np.testing.assert_array_equal(ys[history.x.astype(int)], history.y)


def test_point_by_point_equals_in_bulk():
    ys = np.sin(np.arange(3000) / 17.0)
    one, bulk = History(64), History(64)
    for i, y in enumerate(ys):
        one.append(i, y)
    bulk.extend(np.arange(3000), ys)
    np.testing.assert_array_equal(one.x, bulk.x)
    np.testing.assert_array_equal(one.y, bulk.y)


def test_nan_gaps_do_not_break_decimation():
    ys = np.ones(400)
    ys[100:140] = np.nan
    history = History(32)
    history.extend(np.arange(400), ys)
    assert np.nanmax(history.y) == 1.0


def test_copy_is_independent():
    history = History(16)
    history.extend(np.arange(10), np.arange(10.0))
    twin = history.copy()
    history.extend(np.arange(10, 100), np.zeros(90))
    assert len(twin) == 10 and twin.y[-1] == 9.0


def test_rejects_bad_capacity_and_mismatched_lengths():
    with pytest.raises(ValueError):
        History(10)
    with pytest.raises(ValueError):
        History(16).extend(np.arange(3), np.arange(4.0))
