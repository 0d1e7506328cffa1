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


def test_extra_columns_ride_along_with_their_point():
    """Each stored row is a real raw row: the extras of the kept minimum are its own."""
    steps = np.arange(50_000)
    loss = np.cos(steps / 900.0) + 2.0
    loss[31_337] = 99.0
    history = History(256, extra_columns=2)
    for start in range(0, steps.size, 777):
        chunk = slice(start, start + 777)
        history.extend(steps[chunk], loss[chunk], np.stack([steps[chunk] * 2.0,
                                                            -loss[chunk]], axis=1))
    rows = history.rows
    assert rows.shape == (len(history), 4) and len(history) <= 256 + 2
    kept = rows[:, 0].astype(int)
    np.testing.assert_array_equal(rows[:, 1], loss[kept])
    np.testing.assert_array_equal(rows[:, 2], kept * 2.0)
    np.testing.assert_array_equal(rows[:, 3], -loss[kept])
    assert 31_337 in kept
    np.testing.assert_array_equal(history.extras, rows[:, 2:])


def test_a_flat_stretch_stores_no_step_twice():
    """A bucket whose values are all equal keeps its first and last point, not one point
    twice (the old envelope stored the same (x, y) twice: a curve that doubles back)."""
    history = History(16)
    history.extend(np.arange(1000), np.ones(1000))
    assert history.decimated
    assert np.all(np.diff(history.x) > 0)
    one_by_one = History(16)
    for step in range(1000):
        one_by_one.append(step, 1.0)
    np.testing.assert_array_equal(one_by_one.x, history.x)


def test_replace_newest_only_while_nothing_is_thinned():
    history = History(8, extra_columns=1)
    history.append(0, 5.0, 0.1)
    assert history.replace_newest(0, 4.0, 0.2)
    np.testing.assert_array_equal(history.rows, [[0, 4.0, 0.2]])
    assert not history.replace_newest(1, 3.0, 0.3), "another x is a new point"
    for step in range(1, 40):
        history.append(step, 1.0 / step, 0.0)
    assert history.decimated and history.newest_x == 39
    assert not history.replace_newest(39, 0.0, 0.0)


def test_extras_are_required_when_declared():
    with pytest.raises(ValueError):
        History(16, extra_columns=2).extend(np.arange(3), np.zeros(3))
    with pytest.raises(ValueError):
        History(16, extra_columns=1).append(0, 1.0)


def test_a_table_thins_by_its_loss_keeps_real_rows_and_the_newest():
    from nnviz.core.history import HistoryTable

    table = HistoryTable(64)
    for step in range(5000):
        row = {"step": float(step), "epoch": step / 10, "train_loss": 1.0 / (step + 1)}
        if step == 3001:
            row["train_loss"] = 40.0
        if step >= 2000:
            row["test_accuracy"] = step / 5000
        table.add(row)
    columns = table.columns()
    assert list(columns) == ["step", "epoch", "train_loss", "test_accuracy"]
    assert len(table) <= 64 + 3 and {len(c) for c in columns.values()} == {len(table)}
    steps = columns["step"]
    assert steps[-1] == 4999 and np.all(np.diff(steps) > 0)
    assert 3001 in steps and columns["train_loss"].max() == 40.0
    np.testing.assert_array_equal(columns["epoch"], steps / 10)
    early = steps < 2000
    assert np.isnan(columns["test_accuracy"][early]).all()
    np.testing.assert_array_equal(columns["test_accuracy"][~early], steps[~early] / 5000)


def test_a_table_read_back_is_not_thinned_again():
    from nnviz.core.history import HistoryTable

    columns = {"step": np.arange(300.0), "wall_seconds": np.arange(300.0) / 7}
    table = HistoryTable.from_columns(columns, 64)
    read = table.columns()
    assert list(read) == ["step", "wall_seconds"]
    for name, column in columns.items():
        np.testing.assert_array_equal(read[name], column)
