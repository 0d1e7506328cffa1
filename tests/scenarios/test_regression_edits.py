"""Drawing a regression's data, without Qt: the edit log with real targets on the (x, y)
plane, and a regression session that trains on the drawn points without losing its network,
its curve following them; a fit of two inputs ignores edits.
"""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.data.point_edits import ADD, CLEAR, ERASE, UNDO, DataEdit, PointEditLog
from nnviz.data.toy import Split
from nnviz.io.wire import decode_message, encode_message
from nnviz.scenarios.regression import RegressionConfig, build
from nnviz.session import Mailbox, train


def fit_split() -> Split:
    return Split(np.array([[0.0], [1.0], [2.0]]), np.array([0.0, 1.0, 4.0]),
                 np.array([[3.0]]), np.array([9.0]), 1)


def add(points, *, stroke=0, split="train") -> DataEdit:
    points = np.array(points, float)
    return DataEdit(ADD, points, targets=points[:, 1], split=split, stroke=stroke)


def test_a_drawn_point_is_its_input_and_its_target():
    log = PointEditLog.for_regression(fit_split())
    assert log.apply(add([[0.5, -2.0], [1.5, 7.0]], stroke=1))
    assert log.data.train_x.tolist() == [[0.0], [1.0], [2.0], [0.5], [1.5]]
    assert log.data.train_y.tolist() == [0.0, 1.0, 4.0, -2.0, 7.0]
    assert log.data.test_y.tolist() == [9.0]
    np.testing.assert_array_equal(log.drawn("train")[-1], [1.5, 7.0])
    assert log.apply(add([[4.0, 1.0]], split="test"))
    assert log.data.test_x.tolist() == [[3.0], [4.0]]
    assert log.apply(DataEdit(UNDO)) and log.apply(DataEdit(UNDO))
    assert log.data.train_y.tolist() == [0.0, 1.0, 4.0]


def test_the_eraser_measures_on_screen_where_the_axes_differ():
    """y_scale: one y unit is that many x units on screen. A point 2 y units above the
    pointer is 0.2 x units away on a plot squeezed tenfold in y: within a 0.5 eraser."""
    log = PointEditLog.for_regression(fit_split())
    far_above = DataEdit(ERASE, np.array([[1.0, 3.0]]), radius=0.5)
    assert not log.apply(far_above)  # the same units: 2 is far
    squeezed = DataEdit(ERASE, np.array([[1.0, 3.0]]), radius=0.5, y_scale=0.1)
    assert log.apply(squeezed)
    assert log.data.train_x.tolist() == [[0.0], [2.0]]  # only the point under the pointer


def test_a_class_on_a_fit_and_a_target_on_a_boundary_are_refused():
    with pytest.raises(ValueError, match="target each, not a class"):
        PointEditLog.for_regression(fit_split()).apply(
            DataEdit(ADD, np.array([[0.0, 1.0]]), np.array([0])))
    boundary = Split(np.zeros((2, 2)), np.array([0, 1]), np.zeros((0, 2)),
                     np.zeros(0, int), 2)
    with pytest.raises(ValueError, match="class each, not a target"):
        PointEditLog(boundary).apply(add([[0.0, 1.0]]))
    with pytest.raises(ValueError, match="one finite target each"):
        DataEdit(ADD, np.array([[0.0, 1.0]]), targets=np.array([np.nan]))
    with pytest.raises(ValueError, match="y scale"):
        DataEdit(ERASE, np.array([[0.0, 1.0]]), y_scale=0.0)
    with pytest.raises(ValueError, match="a fit of one input"):
        PointEditLog.for_regression(Split(np.zeros((2, 2)), np.zeros(2), np.zeros((0, 2)),
                                          np.zeros(0), 1))


def test_a_target_edit_crosses_the_wire():
    edit = DataEdit(ERASE, np.array([[0.25, -1.0]]), radius=0.3, y_scale=0.5, stroke=4)
    back = decode_message(encode_message({"type": "edit_data", "edit": edit}))["edit"]
    assert (back.radius, back.y_scale, back.stroke) == (0.3, 0.5, 4)
    edit = add([[0.25, -1.0]])
    back = decode_message(encode_message({"type": "edit_data", "edit": edit}))["edit"]
    np.testing.assert_array_equal(back.targets, [-1.0])


def params_of(session) -> list[np.ndarray]:
    return [p.copy() for p in session.model.params]


def test_the_fit_trains_on_drawn_points_and_its_curve_follows_them():
    session = build(RegressionConfig(n_samples=200, noise=0.05))
    mailbox = Mailbox()
    loop = train(session, mailbox=mailbox, every=20, max_steps=100_000)
    next(loop)
    n, n_test, run_id, weights = session.n_train, len(session.test_y), session.run_id, \
        params_of(session)
    drawn = np.column_stack([np.linspace(3.5, 4.5, 30), np.full(30, 2.5)])  # past the sine
    mailbox.post_data_edit(add(drawn, stroke=1))
    session.apply_live(mailbox.take_changes())  # what the loop does before its next step
    assert session.n_train == n + 30 and len(session.test_y) == n_test
    assert session.run_id == run_id and session.train_y.dtype == session.model.dtype
    for kept, now in zip(weights, params_of(session), strict=True):  # not reset
        np.testing.assert_array_equal(kept, now)
    view = next(loop).views["regression_fit"]
    assert len(view.train_targets) == n + 30
    np.testing.assert_allclose(view.train_points[-30:, 0], drawn[:, 0], rtol=1e-6)
    assert view.curve.xs[-1] > 4.5  # the curve's range took in the points drawn beyond it
    assert view.target_range[1] >= 2.5
    for _ in range(40):
        view = next(loop).views["regression_fit"]
    assert float(np.interp(4.0, view.curve.xs, view.curve.predictions)) > 1.5
    assert session.metrics()["train_r2"] > 0.8


def test_a_cleared_fit_waits_and_a_fit_of_two_inputs_ignores_edits():
    session = build(RegressionConfig())
    session.apply_data_edits([DataEdit(CLEAR)])
    assert session.n_train == 0 and session.train_step() == {}
    assert "train_mse" not in session.metrics()
    session.apply_data_edits([DataEdit(UNDO)])
    assert np.isfinite(session.train_step()["loss"])
    surface = build(RegressionConfig(target="saddle"))
    n = surface.n_train
    surface.apply_data_edits([add([[0.0, 1.0]]), DataEdit(CLEAR)])
    assert surface.n_train == n and not surface.drawable
