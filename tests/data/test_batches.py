"""One mini-batch sampler and one steps-per-epoch rule (issue 16, item 3): full batches of a
seeded permutation per epoch, ⌊n / B⌋ of them, the same batches as before the sampler was
shared, and a state small enough for a checkpoint that brings the same batches back."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.data.batches import (
    EpochSampler,
    IndexedBatches,
    effective_batch_size,
    steps_per_epoch,
)
from nnviz.data.toy import make_toy
from nnviz.scenarios.mlp_training import MLPSession
from nnviz.scenarios.moons import MoonsConfig
from nnviz.scenarios.race import RaceConfig, RaceSession


def old_session_batches(n: int, seed: int, sizes: list[int]) -> list[np.ndarray | None]:
    """How the MLP, torch and hotdog sessions drew batches before they shared the sampler."""
    rng = np.random.default_rng([seed, 1])
    order, cursor, drawn = np.arange(n), n, []
    for size in sizes:
        size = n if size <= 0 or size >= n else size
        if size >= n:
            drawn.append(None)
            continue
        if cursor + size > len(order):
            order, cursor = rng.permutation(n), 0
        drawn.append(order[cursor:cursor + size])
        cursor += size
    return drawn


def drawn(sampler: EpochSampler, sizes: list[int]) -> list[np.ndarray | None]:
    return [sampler.next_indices(size) for size in sizes]


def assert_same_batches(mine, theirs) -> None:
    assert len(mine) == len(theirs)
    for a, b in zip(mine, theirs, strict=True):
        if b is None:
            assert a is None
        else:
            np.testing.assert_array_equal(a, b)


def test_the_rule_counts_full_batches_only():
    assert steps_per_epoch(100, 32) == 3  # 96 examples; the last 4 wait for the next shuffle
    assert steps_per_epoch(100, 25) == 4
    assert steps_per_epoch(100, 0) == steps_per_epoch(100, 100) == steps_per_epoch(100, 500) == 1
    assert steps_per_epoch(100, 1) == 100
    assert steps_per_epoch(0, 8) == 1  # never a division by zero
    assert effective_batch_size(100, 0) == 100 and effective_batch_size(100, 7) == 7


def test_one_epoch_is_one_permutation_read_in_full_batches():
    sampler = EpochSampler(103, [4, 1])
    epoch = drawn(sampler, [10] * sampler.steps_per_epoch(10))
    seen = np.concatenate(epoch)
    assert len(seen) == 100 and len(set(seen.tolist())) == 100  # no example twice
    assert sampler.state() == {"epochs": 1, "cursor": 100}
    sampler.next_indices(10)
    assert sampler.state() == {"epochs": 2, "cursor": 10}  # the partial batch was skipped


def test_the_sampler_draws_the_batches_the_sessions_drew_before():
    sizes = [8] * 30 + [0, 0] + [13] * 20 + [500] + [5] * 40
    assert_same_batches(drawn(EpochSampler(97, [3, 1]), sizes), old_session_batches(97, 3, sizes))


def test_the_full_batch_leaves_the_permutation_where_it_is():
    sampler = EpochSampler(50, [0, 1])
    assert sampler.next_indices(0) is None and sampler.next_indices(50) is None
    assert sampler.state() == {"epochs": 0, "cursor": 0}
    first = sampler.next_indices(10)
    assert sampler.next_indices(0) is None
    np.testing.assert_array_equal(EpochSampler(50, [0, 1]).next_indices(10), first)


def test_a_live_batch_size_change_reads_on_in_the_same_permutation():
    sampler = EpochSampler(40, [1, 1])
    a = sampler.next_indices(10)
    b = sampler.next_indices(20)
    whole = EpochSampler(40, [1, 1]).next_indices(30)
    np.testing.assert_array_equal(np.concatenate([a, b]), whole)
    sampler.next_indices(20)  # 10 left: too few, a new permutation
    assert sampler.state() == {"epochs": 2, "cursor": 20}


def test_peek_shows_the_next_batch_and_only_that():
    sampler = EpochSampler(20, [5, 1])
    for _ in range(7):  # across epochs: 20 // 6 = 3 batches each
        shown = sampler.peek_indices(6).copy()
        np.testing.assert_array_equal(sampler.peek_indices(6), shown)
        np.testing.assert_array_equal(sampler.next_indices(6), shown)
    assert_same_batches([EpochSampler(20, [5, 1]).next_indices(6) for _ in range(1)],
                        old_session_batches(20, 5, [6]))


@pytest.mark.parametrize("taken", [0, 1, 9, 10, 11, 35])
def test_restore_brings_back_the_batches_that_followed(taken):
    sampler = EpochSampler(31, [2, 1])
    drawn(sampler, [3] * taken)
    state = sampler.state()
    after = drawn(sampler, [3] * 25)
    elsewhere = EpochSampler(31, [2, 1])
    drawn(elsewhere, [7] * 4)  # wherever it stands, restore puts it there
    elsewhere.restore(state)
    assert_same_batches(drawn(elsewhere, [3] * 25), after)
    assert elsewhere.state() == sampler.state()


def test_a_state_that_does_not_fit_is_refused():
    with pytest.raises(ValueError, match="does not fit"):
        EpochSampler(10, 0).restore({"epochs": 1, "cursor": 11})
    with pytest.raises(ValueError, match="does not fit"):
        EpochSampler(10, 0).restore({"epochs": -1, "cursor": 0})


def test_indexed_batches_are_the_race_batches_of_before():
    """Batch k of size B: epoch k // ⌊n/B⌋ of the permutation drawn from (seed, 7, B, e)."""
    batches = IndexedBatches(np.arange(103.0)[:, None], np.arange(103), seed=4, cache=2)
    for size, index in ((10, 0), (10, 9), (10, 10), (10, 57), (20, 3), (1, 250)):
        epoch, offset = divmod(index, 103 // size)
        order = np.random.default_rng([4, 7, size, epoch]).permutation(103)
        np.testing.assert_array_equal(batches.indices(size, index),
                                      order[offset * size:(offset + 1) * size])
    assert batches.indices(0, 3) is None
    inputs, labels = batches.batch(500, 2)
    assert inputs is batches.inputs  # the full batch: no copy
    assert len(labels) == 103


# -- every session counts epochs by the one rule ---------------------------------------------
def test_the_mlp_session_counts_the_updates_one_permutation_gives():
    data = make_toy("moons", 125, 0.2, 0, 0.2)  # 100 training points
    session = MLPSession("moons", MoonsConfig(batch_size=32), data)
    assert session.n_train == 100 and session.steps_per_epoch == 3  # was ⌈100/32⌉ = 4
    for _ in range(session.steps_per_epoch):
        session.train_step()
    assert session.batches.state() == {"epochs": 1, "cursor": 96}
    session.train_step()
    assert session.batches.state()["epochs"] == 2


def test_the_race_and_the_sessions_agree_on_steps_per_epoch():
    race = RaceSession(RaceConfig(n_samples=103, test_fraction=0.0, racers="sgd batch=10"))
    data = make_toy("moons", 103, 0.2, 0, 0.0)
    session = MLPSession("moons", MoonsConfig(batch_size=10), data)
    assert race.n_train == session.n_train == 103
    assert race.steps_per_epoch == session.steps_per_epoch == 10


def test_a_session_checkpoint_brings_its_batches_back():
    data = make_toy("moons", 60, 0.2, 0, 0.0)
    config = MoonsConfig(batch_size=7, precision="float64", optimizer="sgd")
    session = MLPSession("moons", config, data)
    for _ in range(11):
        session.train_step()
    state = session.checkpoint()
    losses = [session.train_step()["loss"] for _ in range(12)]
    session.restore(state)
    assert [session.train_step()["loss"] for _ in range(12)] == pytest.approx(losses, rel=1e-12)


def test_a_checkpoint_without_the_sampler_still_restores():
    """Run files saved before the sampler was part of the checkpoint: weights come back, the
    sampler stays where it is."""
    data = make_toy("moons", 60, 0.2, 0, 0.0)
    session = MLPSession("moons", MoonsConfig(batch_size=7), data)
    state = {k: v for k, v in session.checkpoint().items() if k != "batches"}
    session.train_step()
    where = session.batches.state()
    session.restore(state)
    assert session.step_count == 0 and session.batches.state() == where
