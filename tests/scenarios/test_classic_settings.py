"""Settings the classic experiments need (issue 14): a bias initialiser beside the weights',
``normal_0.01``, input scaling, a data seed beside the weights' seed, schedules counted in
updates, and word vectors of up to 1000 dimensions; all in the configs, so in ``--set``."""

from __future__ import annotations

import io

import numpy as np
import pytest

from nnviz.cli import main
from nnviz.core.initializers import INIT_STD
from nnviz.data.toy import make_toy
from nnviz.scenarios import digits, moons
from nnviz.scenarios.digits import DigitsConfig
from nnviz.scenarios.embeddings import EmbeddingsConfig, EmbeddingsSession
from nnviz.scenarios.moons import MoonsConfig
from nnviz.scenarios.params import ParamError
from nnviz.scenarios.race import RaceConfig, RaceSession


def moons_config(**values) -> MoonsConfig:
    return MoonsConfig(precision="float64", grid_resolution=20, **values)


# -- bias_init ----------------------------------------------------------------------------
def test_biases_start_at_exactly_zero_by_default():
    for init in ("standard_normal", "inv_sqrt_fan_in", "normal_0.01", "he"):
        session = moons.build(moons_config(init=init, hidden_sizes=(16, 16)))
        assert all(not b.any() for b in session.model.biases), init
        assert any(w.any() for w in session.model.weights)


@pytest.mark.parametrize("bias_init", ["standard_normal", "inv_sqrt_fan_in", "xavier", "he",
                                       "normal_0.01"])
def test_a_named_bias_initialiser_draws_the_biases_as_it_draws_weights(bias_init):
    session = moons.build(moons_config(hidden_sizes=(512, 512), bias_init=bias_init))
    hidden = session.model.biases[1]  # 512 units, fan_in 512
    expected = INIT_STD[bias_init](512, 512)
    assert hidden.std() == pytest.approx(expected, rel=0.12)
    assert abs(hidden.mean()) < 4 * expected / np.sqrt(hidden.size)


def test_bias_init_is_in_the_race_mlp():
    plain = RaceSession(RaceConfig(problem="mlp", dataset="moons", racers="gd",
                                   hidden_sizes=(256,)))
    drawn = RaceSession(RaceConfig(problem="mlp", dataset="moons", racers="gd",
                                   hidden_sizes=(256,), bias_init="standard_normal"))
    assert not plain.initial_params[1].any() and not plain.initial_params[3].any()
    assert drawn.initial_params[1].std() == pytest.approx(1.0, rel=0.15)
    np.testing.assert_array_equal(plain.initial_params[0], drawn.initial_params[0])


def test_normal_001_weights_have_sigma_a_hundredth():
    session = moons.build(moons_config(init="normal_0.01", hidden_sizes=(512, 512)))
    assert session.model.weights[1].std() == pytest.approx(0.01, rel=0.01)


# -- input_scaling ------------------------------------------------------------------------
def digits_session(**values) -> digits.DigitsSession:
    return digits.build(DigitsConfig(precision="float64", eval_examples=200, **values))


def test_digits_default_keeps_pixels_in_the_unit_range():
    session = digits_session()
    assert session.config.input_scaling == "unit"
    train_x = session.train_x
    assert train_x.min() == 0.0 and train_x.max() == 1.0


def test_digits_unscaled_are_the_raw_whole_pixel_values():
    raw = digits_session(input_scaling="none")
    unit = digits_session(input_scaling="unit")
    assert raw.train_x.max() == 16.0 and raw.train_x.min() == 0.0
    np.testing.assert_array_equal(raw.train_x, np.rint(raw.train_x))
    np.testing.assert_allclose(raw.train_x, unit.train_x * 16, atol=1e-5)
    np.testing.assert_allclose(raw.test_x, unit.test_x * 16, atol=1e-5)


def test_digits_standardized_by_the_training_statistics():
    unit = digits_session(input_scaling="unit")
    standard = digits_session(input_scaling="standardize")
    spread = unit.train_x.std(axis=0)
    varying = spread > 0
    np.testing.assert_allclose(standard.train_x.mean(axis=0), 0.0, atol=1e-6)
    np.testing.assert_allclose(standard.train_x.std(axis=0)[varying], 1.0, rtol=1e-5)
    assert not standard.train_x[:, ~varying].any(), "a constant pixel is only centred"
    # the test split is scaled with the training mean and σ, not its own
    mean = unit.train_x.mean(axis=0)
    expected = (unit.test_x - mean) / np.where(varying, spread, 1.0)
    np.testing.assert_allclose(standard.test_x, expected, rtol=1e-5, atol=1e-5)
    assert abs(standard.test_x.mean()) > 1e-4  # not re-centred on itself


def test_moons_input_scaling_unit_and_standardize_use_training_statistics():
    raw = moons.make_data(moons_config(n_samples=300))
    unit = moons.make_data(moons_config(n_samples=300, input_scaling="unit"))
    standard = moons.make_data(moons_config(n_samples=300, input_scaling="standardize"))
    np.testing.assert_array_equal(raw.train_x, make_toy("moons", 300, 0.2, 0, 0.25).train_x)
    np.testing.assert_allclose(unit.train_x.min(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(unit.train_x.max(axis=0), 1.0)
    low, high = raw.train_x.min(axis=0), raw.train_x.max(axis=0)
    np.testing.assert_allclose(unit.test_x, (raw.test_x - low) / (high - low))
    np.testing.assert_allclose(standard.train_x.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(standard.train_x.std(axis=0), 1.0)
    mean, std = raw.train_x.mean(axis=0), raw.train_x.std(axis=0)
    np.testing.assert_allclose(standard.test_x, (raw.test_x - mean) / std)
    session = moons.build(moons_config(n_samples=300, input_scaling="standardize"))
    np.testing.assert_allclose(session.train_x, standard.train_x)


# -- data_seed ----------------------------------------------------------------------------
def test_moons_fixed_data_seed_and_varied_seed_same_data_different_weights():
    first = moons.build(moons_config(data_seed=5, seed=1))
    second = moons.build(moons_config(data_seed=5, seed=2))
    np.testing.assert_array_equal(first.train_x, second.train_x)
    np.testing.assert_array_equal(first.test_y, second.test_y)
    assert not np.array_equal(first.model.weights[0], second.model.weights[0])
    other_data = moons.build(moons_config(data_seed=6, seed=1))
    assert not np.array_equal(first.train_x, other_data.train_x)
    np.testing.assert_array_equal(first.model.weights[0], other_data.model.weights[0])


def test_an_unset_data_seed_follows_seed_as_before():
    unset = moons.build(moons_config(seed=3))
    assert unset.config.data_seed is None
    np.testing.assert_array_equal(unset.train_x, make_toy("moons", 400, 0.2, 3, 0.25).train_x)
    np.testing.assert_array_equal(unset.train_x, moons.build(moons_config(seed=3, data_seed=3))
                                  .train_x)


def test_digits_fixed_data_seed_same_split_different_weights():
    first = digits_session(data_seed=4, seed=1, max_train=300)
    second = digits_session(data_seed=4, seed=2, max_train=300)
    np.testing.assert_array_equal(first.train_x, second.train_x)
    np.testing.assert_array_equal(first.test_y, second.test_y)
    assert not np.array_equal(first.model.weights[0], second.model.weights[0])


def test_race_fixed_data_seed_same_data_different_start():
    config = RaceConfig(problem="mlp", dataset="moons", racers="gd", data_seed=4)
    first = RaceSession(config.with_values({"seed": 1}))
    second = RaceSession(config.with_values({"seed": 2}))
    np.testing.assert_array_equal(first.train_x, second.train_x)
    assert not np.array_equal(first.initial_params[0], second.initial_params[0])
    gaussians = RaceConfig(data_seed=4)
    np.testing.assert_array_equal(RaceSession(gaussians.with_values({"seed": 1})).train_x,
                                  RaceSession(gaussians.with_values({"seed": 2})).train_x)


# -- lr_step_unit -------------------------------------------------------------------------
def rates_by_update(session, updates: int) -> list[float]:
    rates = []
    for _ in range(updates):
        session.train_step()
        rates.append(session.engine.optimizer.learning_rate)
    return rates


def test_step_schedule_in_updates_divides_at_the_given_update():
    """300 training points in batches of 10: 30 updates per epoch. "÷ 10 at update 45":
    the 45th update (index 44) still uses η, the 46th (index 45) η/10; counted in epochs
    nothing would change before epoch 45."""
    values = {"n_samples": 400, "batch_size": 10, "optimizer": "sgd", "learning_rate": 0.1,
              "lr_schedule": "step", "lr_step_epochs": 45.0, "lr_decay": 0.1}
    in_updates = rates_by_update(moons.build(moons_config(lr_step_unit="updates", **values)),
                                 91)
    assert in_updates[44] == pytest.approx(0.1) and in_updates[45] == pytest.approx(0.01)
    assert in_updates[89] == pytest.approx(0.01) and in_updates[90] == pytest.approx(0.001)
    in_epochs = rates_by_update(moons.build(moons_config(**values)), 91)
    assert in_epochs == pytest.approx([0.1] * 91)


def test_exponential_schedule_in_updates_decays_per_update():
    session = moons.build(moons_config(batch_size=10, optimizer="sgd", learning_rate=0.1,
                                       lr_schedule="exponential", lr_decay=0.5,
                                       lr_step_unit="updates"))
    assert rates_by_update(session, 4) == pytest.approx([0.1, 0.05, 0.025, 0.0125])


def test_race_step_schedule_in_updates():
    config = RaceConfig(racers="sgd batch=100 lr=0.5 schedule=step every=15 factor=0.1",
                        lr_step_unit="updates")
    session = RaceSession(config)
    racer = session.racers[0]
    rates = []
    for _ in range(16):
        session.train_step()
        rates.append(racer.learning_rate)
    assert rates[14] == pytest.approx(0.5) and rates[15] == pytest.approx(0.05)
    assert "every 15 updates" in session.race_view().racers[0].settings


# -- word2vec dimension -------------------------------------------------------------------
def test_word_vectors_of_1000_dimensions():
    session = EmbeddingsSession(EmbeddingsConfig(dimension=1000, batch_size=64))
    assert session.model.input_vectors.shape[1] == 1000
    assert np.isfinite(session.train_step()["loss"])
    with pytest.raises(ParamError, match="dimension=1001: above the maximum"):
        EmbeddingsConfig(dimension=1001)


# -- the command line ---------------------------------------------------------------------
def test_new_settings_run_from_the_command_line():
    out, err = io.StringIO(), io.StringIO()
    code = main(["run", "moons", "--steps", "50", "--every", "25",
                 "--set", "bias_init=zeros", "--set", "lr_step_unit=updates",
                 "--set", "init=normal_0.01", "--set", "input_scaling=standardize",
                 "--set", "data_seed=3", "--set", "data_seed="], out, err)
    assert code == 0, err.getvalue()
    code = main(["run", "digits", "--steps", "2", "--set", "input_scaling=none",
                 "--set", "data_seed=7"], io.StringIO(), err)
    assert code == 0, err.getvalue()


@pytest.mark.parametrize(("scenario", "assignment", "fragment"), [
    ("moons", "bias_init=ones", "bias_init='ones': unknown choice; accepted: one of zeros, "),
    ("race", "bias_init=ones", "bias_init='ones': unknown choice; accepted: one of zeros, "),
    ("moons", "lr_step_unit=steps", "accepted: one of epochs, updates"),
    ("moons", "input_scaling=minmax", "accepted: one of none, unit, standardize"),
    ("digits", "input_scaling=raw", "accepted: one of none, unit, standardize"),
    ("moons", "data_seed=-1", "data_seed=-1: below the minimum"),
    ("race", "data_seed=x", "data_seed='x': 'x' is not an integer"),
    ("race", "lr_step_unit=steps", "accepted: one of epochs, updates"),
    ("embeddings", "dimension=2000", "above the maximum; accepted: an integer from 2 to 1000"),
])
def test_bad_values_give_one_line_naming_the_key(scenario, assignment, fragment):
    err = io.StringIO()
    assert main(["run", scenario, "--steps", "1", "--set", assignment], io.StringIO(), err) == 2
    message = err.getvalue().strip()
    assert "\n" not in message and fragment in message


def test_the_average_digit_baseline_does_not_depend_on_the_input_scaling():
    unit = digits_session(input_scaling="unit")
    for scaling in ("none", "standardize"):
        other = digits_session(input_scaling=scaling)
        assert other.baseline_accuracy == unit.baseline_accuracy
        np.testing.assert_array_equal(other.class_means.tiles, unit.class_means.tiles)
