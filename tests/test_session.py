"""The Qt-free training loop: when snapshots come, what they carry, and how commands act."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from nnviz.scenarios.moons import MoonsConfig, build
from nnviz.session import Mailbox, Snapshot, train


def small_session(**values):
    return build(MoonsConfig(n_samples=120, grid_resolution=30).with_values(values))


def test_snapshots_every_k_steps_with_an_unbroken_trace():
    session = small_session()
    snapshots = list(train(session, max_steps=50, every=10, views=False))
    assert [s.step for s in snapshots] == [0, 10, 20, 30, 40, 50, 50]
    assert snapshots[-1].final and not any(s.final for s in snapshots[:-1])
    steps = np.concatenate([s.trace["step"] for s in snapshots if s.trace])
    assert steps.tolist() == list(range(1, 51))
    assert all(s.views == {} for s in snapshots)
    assert all(isinstance(s, Snapshot) and s.run_id == session.run_id for s in snapshots)


def test_views_are_computed_only_when_asked():
    session = small_session()
    first = next(train(session, max_steps=1, every=1))
    assert {"decision_grid", "histograms", "network"} <= set(first.views)
    grid = first.views["decision_grid"]
    assert grid.probabilities.shape == (30, 30, 2)
    np.testing.assert_allclose(grid.probabilities.sum(axis=-1), 1.0, rtol=1e-5)


def test_training_is_reproducible_for_a_seed():
    def losses(seed):
        snaps = list(train(small_session(seed=seed, batch_size=16), max_steps=40, every=40,
                           views=False))
        return np.concatenate([s.trace["loss"] for s in snaps if s.trace])

    np.testing.assert_array_equal(losses(3), losses(3))
    assert not np.array_equal(losses(3), losses(4))


def test_training_reduces_the_loss():
    snaps = list(train(small_session(), max_steps=300, every=300, views=False))
    assert snaps[-1].metrics["train_loss"] < 0.5 * snaps[0].metrics["train_loss"]


def test_a_live_change_reaches_the_next_step():
    session = small_session()
    mailbox = Mailbox()
    loop = train(session, mailbox=mailbox, max_steps=10, every=1, views=False)
    next(loop)
    next(loop)
    mailbox.post("learning_rate", 0.001)
    after = next(loop)
    assert session.config.learning_rate == 0.001
    assert session.engine.optimizer.learning_rate == pytest.approx(0.001)
    assert after.metrics["learning_rate"] == pytest.approx(0.001)


def test_a_live_change_is_shown_by_the_first_step_trained_with_it():
    """A slider move must not wait for the snapshot clock: the step after the change yields
    at once, carrying the new rate, even when the next timed snapshot is an hour away."""
    now = [0.0]
    session = small_session()
    mailbox = Mailbox()
    loop = train(session, mailbox=mailbox, max_steps=50, interval=3600.0, views=False,
                 clock=lambda: now[0])
    assert next(loop).step == 0
    mailbox.post("learning_rate", 0.002)
    shown = next(loop)
    assert shown.step == 1
    assert shown.metrics["learning_rate"] == pytest.approx(0.002)
    mailbox.stop()
    rest = list(loop)
    assert [s.final for s in rest] == [True]


def test_stop_ends_the_loop_with_a_final_snapshot():
    mailbox = Mailbox()
    loop = train(small_session(), mailbox=mailbox, every=5, views=False)
    next(loop)
    mailbox.stop()
    rest = list(loop)
    assert len(rest) == 1 and rest[0].final


def test_pause_and_step_budget_from_another_thread():
    session = small_session()
    mailbox = Mailbox(paused=True)
    seen: list[Snapshot] = []

    def worker():
        for snapshot in train(session, mailbox=mailbox, interval=None, views=False):
            seen.append(snapshot)

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        mailbox.step(3)
        for _ in range(200):
            if session.step_count == 3 and len(seen) >= 2:
                break
            threading.Event().wait(0.01)
        assert session.step_count == 3, "a budget of three steps takes exactly three"
        assert mailbox.paused
        assert seen[-1].step == 3, "a snapshot shows the result of the steps"
    finally:
        mailbox.stop()
        thread.join(timeout=5)
    assert not thread.is_alive()


def test_divergence_stops_at_the_last_good_step():
    session = small_session(learning_rate=10.0, loss_reduction="sum", n_samples=2000,
                            optimizer="sgd", activation="relu")
    snapshots = list(train(session, max_steps=500, every=1, views=False))
    last = snapshots[-1]
    assert last.diverged and last.final
    assert "diverged" in last.message and "learning rate" in last.message
    good = snapshots[-2]
    assert np.isfinite(good.metrics["train_loss"])
    assert last.step == good.step
    assert last.metrics == good.metrics
    assert all(np.isfinite(p).all() for p in session.model.params)


def test_report_is_flat_and_json_safe():
    snapshot = next(train(small_session(), max_steps=1, every=1, views=False))
    record = snapshot.report()
    for key in ("step", "epoch", "train_loss", "test_loss", "train_accuracy", "test_accuracy",
                "wall_seconds"):
        assert key in record
    assert all(isinstance(v, (int, float, type(None), str)) for v in record.values())


def test_trace_keeps_every_key_even_when_it_first_appears_mid_window():
    from nnviz.session import _stack_trace

    trace = _stack_trace([(1, {"progress": 0.5}), (2, {"progress": 1.0, "loss": 0.7})])
    assert trace["step"].tolist() == [1, 2]
    assert np.isnan(trace["loss"][0]) and trace["loss"][1] == 0.7
