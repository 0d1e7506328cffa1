"""The four backprop lessons' claims, checked headless with each lesson's own settings."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.scenarios.presets import all_presets
from nnviz.scenarios.registry import get_scenario
from nnviz.session import train

LESSONS = ("lesson-backprop-1-one-neuron", "lesson-backprop-2-two-layers",
           "lesson-backprop-3-three-classes", "lesson-backprop-4-check-gradients")


def lesson_session(name, **values):
    preset = all_presets()[name]
    config = preset.config().with_values({"check_with_torch": False, **values})
    return get_scenario("backprop").create_session(config)


def walks(session, steps):
    """The walk before each of ``steps`` updates, the update taken after it."""
    for _ in range(steps):
        yield session.views()["backprop_walk"]
        session.train_step()


def test_the_lessons_come_in_order_13_to_16():
    presets = all_presets()
    assert [presets[name].lesson.order for name in LESSONS] == [13, 14, 15, 16]
    assert {presets[name].scenario for name in LESSONS} == {"backprop"}


def test_lesson_13_the_four_numbers_of_one_neuron_multiply_to_the_gradient():
    session = lesson_session(LESSONS[0])
    for walk in walks(session, 60):
        assert walk.sizes == (1, 1)
        steps = {(s.kind, s.node): s for s in walk.steps}
        d_a = steps["backward", "A¹"].term("dA¹").values.item()
        slope = steps["backward", "Z¹"].term("A¹(1 − A¹)").values.item()
        d_z = steps["backward", "Z¹"].term("dZ¹").values.item()
        x = steps["parameters", "W¹"].term("X").values.item()
        gradient = steps["parameters", "W¹"].term("∂L/∂W¹").values.item()
        a, y = steps["forward", "L"].term("A¹").values.item(), steps["forward", "L"].term(
            "Y").values.item()
        assert d_a * slope == pytest.approx(d_z, rel=1e-9)
        assert d_z == pytest.approx(a - y, abs=1e-15)
        assert d_z * x == pytest.approx(gradient, rel=1e-12, abs=1e-300)
        assert walk.loss_after < walk.loss_before, "Apply always lowers the example's loss"
    assert session.metrics()["gradient_check_max_rel_error"] < 1e-7


def test_lesson_13_compare_gives_each_weight_its_own_input():
    preset = all_presets()[LESSONS[0]]
    config = preset.compare_config().with_values({"check_with_torch": False})
    session = get_scenario("backprop").create_session(config)
    walk = session.views()["backprop_walk"]
    step = walk.steps[walk.index_of("parameters", "W¹")]
    d_z, x = step.term("dZ¹ᵀ").values, step.term("X").values
    assert step.term("∂L/∂W¹").values.shape == (1, 2)
    np.testing.assert_allclose(step.term("∂L/∂W¹").values, d_z @ x)


def test_lesson_14_shapes_match_and_the_sigmoid_shrinks_the_gradient_by_a_quarter():
    session = lesson_session(LESSONS[1])
    for walk in walks(session, 40):
        w2 = walk.steps[walk.index_of("parameters", "W²")]
        w1 = walk.steps[walk.index_of("parameters", "W¹")]
        assert w2.term("∂L/∂W²").values.shape == (1, 3)
        assert w1.term("∂L/∂W¹").values.shape == (3, 2)
        back = walk.steps[walk.index_of("backward", "Z¹")]
        d_a, d_z = back.term("dA¹").values, back.term("dZ¹").values
        assert d_a.shape == (4, 3)
        assert (np.abs(d_z) <= 0.25 * np.abs(d_a) + 1e-15).all()
    final = list(train(lesson_session(LESSONS[1]), max_steps=2000, every=2000,
                       views=False))[-1]
    assert final.metrics["test_accuracy"] > 0.8


def test_lesson_15_every_row_of_dz2_sums_to_zero_and_the_blobs_are_learned():
    session = lesson_session(LESSONS[2])
    for walk in walks(session, 60):
        step = walk.steps[walk.index_of("backward", "Z²")]
        d_z = step.term("dZ²").values
        target = walk.steps[0].term("Y").values
        np.testing.assert_allclose(d_z.sum(axis=1), 0.0, atol=1e-14)
        assert (d_z[target == 1] < 0).all() and (d_z[target == 0] > 0).all()
    final = list(train(lesson_session(LESSONS[2]), max_steps=2000, every=2000,
                       views=False))[-1]
    assert final.metrics["test_accuracy"] > 0.9


def test_lesson_16_the_check_flags_w1_and_b1_only_and_passes_without_the_mistake():
    session = lesson_session(LESSONS[3])
    for _ in range(5):
        check = session.views()["gradient_check"]
        by_name = {p.name: p for p in check.parameters}
        assert check.max_relative_error > 1e-2
        assert by_name["W¹"].wrong.all() and by_name["b¹"].wrong.all()
        assert not by_name["W²"].wrong.any() and not by_name["b²"].wrong.any()
        assert by_name["W²"].max_relative_error < 1e-7
        session.train_step()
    frames = list(train(lesson_session(LESSONS[3]), max_steps=300, every=300, views=False))
    assert frames[-1].metrics["train_loss"] < 0.7 * frames[0].metrics["train_loss"], \
        "the loss still falls"
    fixed = lesson_session(LESSONS[3], mistake="none")
    assert fixed.metrics()["gradient_check_max_rel_error"] < 1e-7


@pytest.mark.parametrize("mistake", ["forgot_transpose", "sum_instead_of_mean",
                                     "output_instead_of_error"])
def test_lesson_16_every_other_mistake_is_found_too(mistake):
    session = lesson_session(LESSONS[3], mistake=mistake)
    check = session.views()["gradient_check"]
    assert check.max_relative_error > 1e-2
    biases_wrong = any(p.wrong.any() for p in check.parameters if p.name.startswith("b"))
    assert biases_wrong == (mistake != "forgot_transpose")
