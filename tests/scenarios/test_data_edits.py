"""Drawing a data set, without Qt: the edit log, its undo history, and a session that trains
on the edited points (the network kept, the sampler and steps per epoch following the count).
"""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.core.views import InputPlane
from nnviz.data.features import FeaturePlane
from nnviz.data.point_edits import (
    ADD,
    CLEAR,
    DATA_EDITS,
    ERASE,
    REDO,
    UNDO,
    DataEdit,
    PointEditLog,
)
from nnviz.data.toy import Split
from nnviz.io.wire import WireError, decode_message, encode_message
from nnviz.scenarios.moons import MoonsConfig, build
from nnviz.session import Mailbox, train


def small_split() -> Split:
    train_x = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    test_x = np.array([[2.0, 2.0]])
    return Split(train_x, np.array([0, 1, 0]), test_x, np.array([1]), 2)


def add(points, labels, *, stroke=0, split="train") -> DataEdit:
    return DataEdit(ADD, np.array(points, float), np.array(labels), split=split, stroke=stroke)


def test_add_erase_undo_redo_and_clear_change_the_split_and_come_back():
    log = PointEditLog(small_split())
    assert log.apply(add([[5, 5]], [1], stroke=1))
    np.testing.assert_array_equal(log.data.train_x[-1], [5, 5])
    assert log.data.train_y.tolist() == [0, 1, 0, 1]
    assert log.apply(DataEdit(ERASE, np.array([[0.0, 0.0]]), radius=0.5, stroke=2))
    assert log.data.train_x.tolist() == [[1, 0], [0, 1], [5, 5]]
    assert log.data.test_y.tolist() == [1]  # the test split untouched by training edits
    assert log.apply(DataEdit(CLEAR))
    assert len(log.data.train_y) == len(log.data.test_y) == 0
    assert log.data.n_classes == 2
    assert log.apply(DataEdit(UNDO))
    assert log.data.train_x.tolist() == [[1, 0], [0, 1], [5, 5]]
    assert log.apply(DataEdit(UNDO)) and log.apply(DataEdit(UNDO))
    assert log.data.train_x.tolist() == small_split().train_x.tolist()
    assert not log.apply(DataEdit(UNDO))  # nothing left to undo: nothing changes
    assert log.apply(DataEdit(REDO))
    assert log.data.train_y.tolist() == [0, 1, 0, 1]


def test_one_gesture_is_one_undo_step_and_a_new_edit_ends_redo():
    log = PointEditLog(small_split())
    for x in range(5):  # one spray: five dabs of the same stroke
        log.apply(add([[x, 3]], [1], stroke=7))
    log.apply(add([[9, 9]], [0], stroke=8))
    assert len(log.data.train_y) == 3 + 6
    log.apply(DataEdit(UNDO))
    assert len(log.data.train_y) == 3 + 5
    log.apply(DataEdit(UNDO))
    assert len(log.data.train_y) == 3  # the whole spray at once
    log.apply(add([[4, 4]], [0], stroke=9))
    assert not log.can_redo and not log.apply(DataEdit(REDO))


def test_an_erase_over_no_point_changes_nothing_and_is_no_undo_step():
    log = PointEditLog(small_split())
    assert not log.apply(DataEdit(ERASE, np.array([[50.0, 50.0]]), radius=1.0, stroke=1))
    assert not log.can_undo


def test_edits_of_the_test_split_leave_the_training_split():
    log = PointEditLog(small_split())
    log.apply(add([[3, 3]], [0], split="test"))
    assert log.data.test_y.tolist() == [1, 0] and len(log.data.train_y) == 3
    log.apply(DataEdit(ERASE, np.array([[2.0, 2.0]]), radius=0.1, split="test"))
    assert log.data.test_y.tolist() == [0] and len(log.data.train_y) == 3


def test_the_history_forgets_the_oldest_steps_past_its_budget():
    log = PointEditLog(small_split(), history_bytes=1)
    for stroke in range(1, 4):
        log.apply(add([[stroke, 0]], [0], stroke=stroke))
    log.apply(DataEdit(UNDO))
    assert not log.can_undo  # one step kept at least, none more past the budget
    assert len(log.data.train_y) == 5


def test_drawn_points_become_inputs_through_the_plane():
    """Extra features are computed from x₁, x₂; on a slice a point is the input there."""
    features = FeaturePlane(("x1^2", "x1x2"))
    data = Split(np.array([[1.0, 2.0, 1.0, 2.0]]), np.array([0]), np.zeros((0, 4)),
                 np.zeros(0, np.int64), 2)
    log = PointEditLog(data, to_inputs=features.inputs_at, to_plane=features.coordinates)
    log.apply(add([[3, -1]], [1]))
    np.testing.assert_allclose(log.data.train_x[-1], [3, -1, 9, -3])
    plane = InputPlane(origin=np.array([1.0, 1.0, 1.0]),
                       axes=np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]))
    three = Split(np.ones((1, 3)), np.array([0]), np.zeros((0, 3)), np.zeros(0, np.int64), 2)
    log = PointEditLog(three, to_inputs=plane.inputs_at, to_plane=plane.coordinates)
    log.apply(add([[0.5, 2]], [1]))
    np.testing.assert_allclose(log.data.train_x[-1], [1.5, 3, 1])
    assert log.apply(DataEdit(ERASE, np.array([[0.5, 2.0]]), radius=0.01))
    assert len(log.data.train_y) == 1


@pytest.mark.parametrize("bad", [
    dict(action="paint"),
    dict(action=ADD, points=np.zeros((2, 2)), labels=np.array([0])),
    dict(action=ADD, points=np.zeros((1, 2)), labels=np.array([-1])),
    dict(action=ADD, points=np.array([[np.nan, 0.0]]), labels=np.array([0])),
    dict(action=ERASE, radius=-1.0),
    dict(action=ADD, split="validation"),
])
def test_a_malformed_edit_is_refused(bad):
    with pytest.raises(ValueError):
        DataEdit(**bad)


def test_a_label_past_the_data_sets_classes_is_refused():
    with pytest.raises(ValueError, match="class 5"):
        PointEditLog(small_split()).apply(add([[0, 0]], [5]))


def test_an_edit_crosses_the_wire_and_a_forged_one_is_refused():
    edit = add([[0.25, -1]], [1], stroke=3, split="test")
    back = decode_message(encode_message({"type": "edit_data", "edit": edit}))["edit"]
    assert isinstance(back, DataEdit)
    assert (back.action, back.split, back.stroke) == (ADD, "test", 3)
    np.testing.assert_array_equal(back.points, [[0.25, -1]])
    forged = encode_message({"type": "edit_data", "edit": edit}).replace(b'"add"', b'"xyz"')
    with pytest.raises(WireError, match="no data edit 'xyz'"):
        decode_message(forged)


def params_of(session) -> list[np.ndarray]:
    return [p.copy() for p in session.model.params]


def test_a_session_trains_on_the_edited_points_without_losing_its_network():
    session = build(MoonsConfig(batch_size=32))
    mailbox = Mailbox()
    loop = train(session, mailbox=mailbox, every=5, max_steps=10_000)
    next(loop)
    next(loop)
    n, per_epoch, run_id = session.n_train, session.steps_per_epoch, session.run_id
    weights, epoch = params_of(session), session.epoch
    sprayed = np.random.default_rng(0).normal(size=(64, 2))
    mailbox.post_data_edit(add(sprayed, np.ones(64, int), stroke=1))
    session.apply_live(mailbox.take_changes())  # what the loop does before its next step
    assert session.n_train == n + 64 and session.run_id == run_id
    assert session.steps_per_epoch == (n + 64) // 32 > per_epoch
    assert session.batches.n == n + 64
    for kept, now in zip(weights, params_of(session), strict=True):  # not reset
        np.testing.assert_array_equal(kept, now)
    assert session.epoch == pytest.approx(epoch)  # epochs so far keep counting
    snapshot = next(loop)
    grid = snapshot.views["decision_grid"]
    assert grid.point_totals[0] == n + 64
    np.testing.assert_allclose(grid.train_points[-64:], sprayed)
    seen = set()
    for _ in range(session.steps_per_epoch):
        seen.update(session.next_batch_index().tolist())
    assert max(seen) < n + 64


def test_an_empty_canvas_waits_and_undo_brings_training_back():
    session = build(MoonsConfig())
    mailbox = Mailbox()
    loop = train(session, mailbox=mailbox, every=None, interval=0.01)
    next(loop)
    mailbox.post_data_edit(DataEdit(CLEAR))
    empty = next(loop)
    step = empty.step
    later = next(loop)
    assert later.step == step and not later.diverged  # no points: no step, no NaN
    assert "train_loss" not in later.metrics
    assert len(later.views["decision_grid"].train_points) == 0
    mailbox.post_data_edit(DataEdit(UNDO))
    next(loop)
    back = next(loop)
    assert back.step > step and np.isfinite(back.metrics["train_loss"])
    loop.close()


def test_edits_reach_the_session_in_order_among_live_values():
    mailbox = Mailbox()
    mailbox.post_data_edit(DataEdit(CLEAR))
    mailbox.post("learning_rate", 0.5)
    mailbox.post_data_edit(DataEdit(UNDO))
    changes = mailbox.take_changes()
    assert [e.action for e in changes[DATA_EDITS]] == [CLEAR, UNDO]
    session = build(MoonsConfig())
    n = session.n_train
    session.apply_live(changes)
    assert session.config.learning_rate == 0.5 and session.n_train == n


def test_points_drawn_with_extra_features_train_on_computed_features():
    session = build(MoonsConfig(extra_features=("x1^2", "x2^2")))
    session.apply_data_edits([add([[0.5, -2.0]], [1])])
    np.testing.assert_allclose(session.train_x[-1], [0.5, -2.0, 0.25, 4.0])
    assert session.decision_grid().train_points[-1].tolist() == [0.5, -2.0]


def test_points_drawn_on_a_data_files_slice_lie_on_that_slice(tmp_path):
    rows = np.random.default_rng(1).normal(size=(60, 4))
    table = np.column_stack([rows, (rows[:, 0] > 0).astype(int)])
    path = tmp_path / "four.csv"
    np.savetxt(path, table, delimiter=",", fmt="%.5f")
    session = build(MoonsConfig(dataset="file", data_file=str(path)))
    session.apply_data_edits([add([[0.3, 0.7]], [0])])
    np.testing.assert_allclose(session.decision_grid().train_points[-1], [0.3, 0.7], atol=1e-5)
    assert session.train_x.shape[1] == 4


def test_a_checkpoint_from_before_an_erase_restores_without_the_old_sampler():
    """A divergence goes back to the last good step; if points were erased since, the
    sampler's place in the old, longer permutation does not fit the new count."""
    session = build(MoonsConfig(batch_size=32, optimizer="sgd"))
    for _ in range(8):
        session.train_step()
    state = session.checkpoint()
    assert "data_version" not in state  # an unedited run's checkpoint is as it always was
    session.apply_data_edits([DataEdit(ERASE, np.zeros((1, 2)), radius=10.0)])
    session.apply_data_edits([add([[0, 0], [1, 1], [2, 0]], [0, 1, 0])])
    session.restore(state)
    assert session.step_count == 8 and session.n_train == 3
    assert np.isfinite(session.train_step()["loss"])


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_every_engine_trains_on_the_edited_split(backend):
    if backend == "torch":
        pytest.importorskip("torch")
    session = build(MoonsConfig(backend=backend, batch_size=0))
    session.apply_data_edits([DataEdit(CLEAR), add([[0, 0], [3, 3]], [0, 1])])
    assert session.engine.data.train_x.shape == (2, 2)
    losses = [session.train_step()["loss"] for _ in range(30)]
    assert losses[-1] < losses[0]
    assert session.metrics()["train_accuracy"] == 1.0
    assert "test_loss" not in session.metrics()
