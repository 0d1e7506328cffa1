"""Learning-rate schedules: constant, step ("divide by 10 at epoch k"), exponential."""

from __future__ import annotations

import pytest

from nnviz.core.schedules import STEP_UNITS, schedule_position, scheduled_rate


def test_constant():
    assert scheduled_rate("constant", 0.1, 1234.5) == 0.1


def test_step_divides_by_ten_at_epoch_k():
    rates = [scheduled_rate("step", 0.1, e, every=150, factor=0.1)
             for e in (0, 149.9, 150, 299, 300)]
    assert rates == pytest.approx([0.1, 0.1, 0.01, 0.01, 0.001])


def test_exponential():
    assert scheduled_rate("exponential", 0.2, 3, factor=0.5) == pytest.approx(0.025)
    assert scheduled_rate("exponential", 0.2, 0.5, factor=0.25) == pytest.approx(0.1)


def test_unknown_schedule():
    with pytest.raises(ValueError, match="known: constant"):
        scheduled_rate("cosine", 0.1, 1)


# -- mutation testing: behaviour the tests above left open -----------------------------------------
def test_step_by_default_divides_by_ten_every_hundred_epochs():
    rates = [scheduled_rate("step", 1.0, e) for e in (99.9, 100, 200)]
    assert rates == pytest.approx([1.0, 0.1, 0.01])


def test_step_every_fraction_of_an_epoch():
    assert scheduled_rate("step", 1.0, 1.0, every=0.5, factor=0.5) == pytest.approx(0.25)


@pytest.mark.parametrize("every", [0.0, -1.0])
def test_step_without_a_positive_period_keeps_the_base_rate(every):
    assert scheduled_rate("step", 0.1, 50.0, every=every) == 0.1


def test_an_unknown_schedule_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown schedule 'cosine'; known: constant, step, "
                       r"exponential$"):
        scheduled_rate("cosine", 0.1, 1)


# -- counting in updates -----------------------------------------------------------------------
def test_the_schedule_counts_epochs_or_updates():
    assert STEP_UNITS == ("epochs", "updates")
    assert schedule_position("epochs", epoch=2.5, updates=500) == 2.5
    assert schedule_position("updates", epoch=2.5, updates=500) == 500.0
    with pytest.raises(ValueError, match=r"unknown schedule unit 'steps'; known: epochs, updates"):
        schedule_position("steps", epoch=0.0, updates=0)


def test_step_in_updates_divides_at_the_given_update():
    """"lr ÷ 10 at update 150": updates 0..149 use η₀, update 150 is the first at η₀/10."""
    def rate(update):
        position = schedule_position("updates", epoch=update / 200, updates=update)
        return scheduled_rate("step", 0.5, position, every=150, factor=0.1)

    assert [rate(u) for u in (0, 149, 150, 199)] == pytest.approx([0.5, 0.5, 0.05, 0.05])
