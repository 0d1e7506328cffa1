"""The backprop scenario headless: each update is the walk's Apply, reports carry the gradient
check, planted mistakes reach training and the check, and bad settings are refused in words."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from nnviz.cli import main
from nnviz.core.backprop_walk import BackpropWalk
from nnviz.core.gradient_check import GradientCheck
from nnviz.scenarios.backprop import BackpropConfig, BackpropSession
from nnviz.scenarios.params import ParamError
from nnviz.scenarios.registry import get_scenario
from nnviz.session import train

QUICK = {"check_with_torch": False}


def session(**values) -> BackpropSession:
    scenario = get_scenario("backprop")
    return scenario.create_session(BackpropConfig().with_values({**QUICK, **values}))


def test_each_update_is_the_apply_step_the_walk_showed():
    run = session(batch_size=3)
    for _ in range(5):
        walk = run.views()["backprop_walk"]
        index = run.batch_indices().copy()
        np.testing.assert_array_equal(walk.examples, index)
        after = [term.values for term in (row[2] for row in walk.steps[-1].rows)]
        run.train_step()
        for layer, shown in enumerate(after):
            np.testing.assert_allclose(shown[:, :-1], run.model.weights[layer].T, rtol=1e-13)
            np.testing.assert_allclose(shown[:, -1], run.model.biases[layer], rtol=1e-13)
        loss = run.model.loss(run.train_x[index], run.train_y[index])
        assert loss == pytest.approx(walk.loss_after, rel=1e-13)


def test_batches_walk_through_the_training_set_in_seeded_epochs():
    run = session(batch_size=8)
    seen = []
    for _ in range(run.steps_per_epoch - 1):
        seen.append(run.batch_indices().copy())
        run.train_step()
    first_epoch = np.concatenate(seen)
    assert len(set(first_epoch.tolist())) == len(first_epoch)  # no example twice per epoch
    other = session(batch_size=8)
    np.testing.assert_array_equal(other.batch_indices(), seen[0])  # same seed, same batch


def test_the_batch_size_is_live():
    run = session()
    assert len(run.views()["backprop_walk"].examples) == 1
    run.apply_live({"batch_size": 5})
    walk = run.views()["backprop_walk"]
    assert walk.batch == 5 and walk.steps[0].term("X").values.shape == (5, 2)


def test_reports_carry_the_gradient_check():
    frames = list(train(session(), max_steps=50, every=25))
    for frame in frames:
        assert frame.metrics["gradient_check_max_rel_error"] < 1e-7
        assert frame.metrics["gradient_check_wrong_entries"] == 0
        assert isinstance(frame.views["backprop_walk"], BackpropWalk)
        assert isinstance(frame.views["gradient_check"], GradientCheck)
    assert frames[-1].metrics["train_accuracy"] > frames[0].metrics["train_accuracy"]


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("dataset, output", [("moons", "sigmoid"), ("blobs", "softmax")])
def test_the_check_stays_below_one_in_ten_million_while_training(activation, dataset, output):
    """Trained, the gradients shrink and the outputs saturate: the check must not drift."""
    run = session(activation=activation, dataset=dataset, output=output, batch_size=4,
                  hidden_sizes=(4, 4), learning_rate=1.0)
    for frame in train(run, max_steps=1500, every=300):
        assert frame.metrics["gradient_check_max_rel_error"] < 1e-7, frame.step


def test_a_planted_mistake_trains_with_the_wrong_gradients():
    right, wrong = session(batch_size=4), session(batch_size=4, mistake="sum_instead_of_mean")
    right.train_step()
    wrong.train_step()
    start = session(batch_size=4).model.flat_params
    np.testing.assert_allclose(wrong.model.flat_params - start,
                               4 * (right.model.flat_params - start), rtol=1e-9, atol=1e-15)
    assert wrong.metrics()["gradient_check_max_rel_error"] == pytest.approx(0.6, rel=1e-6)


def test_checkpoint_and_restore_come_back_to_the_same_batch_and_weights():
    run = session(batch_size=2)
    run.train_step()
    state = run.checkpoint()
    batch, params = run.batch_indices().copy(), run.model.flat_params.copy()
    for _ in range(200):
        run.train_step()
    run.restore(state)
    np.testing.assert_array_equal(run.batch_indices(), batch)
    np.testing.assert_array_equal(run.model.flat_params, params)
    assert run.step_count == 1


def test_one_feature_means_one_input_column():
    run = session(features=1, hidden_sizes=())
    walk = run.views()["backprop_walk"]
    assert walk.sizes == (1, 1) and all(t.values.size == 1 for t in walk.steps[3].terms())


@pytest.mark.parametrize("values, words", [
    ({"hidden_sizes": (4, 4, 4, 4)}, "up to 3 hidden layers of up to 10 units"),
    ({"hidden_sizes": (11,)}, "is bigger"),
    ({"dataset": "blobs"}, "needs a two-class dataset"),
    ({"mistake": "sum_instead_of_mean"}, "batch of one example"),
    ({"hidden_sizes": (), "mistake": "no_activation_derivative"}, "add a hidden layer"),
])
def test_settings_that_cannot_be_drawn_or_shown_are_refused_in_a_sentence(values, words):
    with pytest.raises(ParamError, match=words):
        BackpropConfig().with_values(values)


def run_json(*arguments: str) -> list[dict]:
    out, err = io.StringIO(), io.StringIO()
    assert main(["run", "backprop", "--json", *arguments], out, err) == 0, err.getvalue()
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_nnviz_run_reports_the_check_and_finds_a_planted_mistake():
    reports = run_json("--steps", "40", "--every", "20", "--set", "check_with_torch=false")
    assert [r["step"] for r in reports] == [0, 20, 40, 40]
    assert all(r["gradient_check_max_rel_error"] < 1e-7 for r in reports)
    planted = run_json("--steps", "20", "--every", "10", "--set", "check_with_torch=false",
                       "--set", "mistake=no_activation_derivative")
    assert all(r["gradient_check_max_rel_error"] > 1e-2 for r in planted)
    assert all(r["gradient_check_wrong_entries"] > 0 for r in planted)


def test_a_too_big_network_is_refused_on_the_command_line():
    out, err = io.StringIO(), io.StringIO()
    assert main(["run", "backprop", "--set", "hidden_sizes=12"], out, err) == 2
    assert "compute graph is drawn for networks of up to 3 hidden layers" in err.getvalue()
