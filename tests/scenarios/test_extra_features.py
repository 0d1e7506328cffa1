"""Extra input features (x₁², x₂², x₁x₂, sin x₁, sin x₂) in the moons scenario."""

from __future__ import annotations

import io

import numpy as np
import pytest

from nnviz.cli import main, resolve_config
from nnviz.core.views import DecisionGrid, NetworkView, grid_points
from nnviz.data.features import FEATURE_CHOICES, add_features, input_labels, with_features
from nnviz.data.toy import make_toy
from nnviz.scenarios.moons import MoonsConfig
from nnviz.scenarios.params import ParamError
from nnviz.scenarios.presets import shipped_preset
from nnviz.scenarios.registry import get_scenario
from nnviz.session import train


def final(config: MoonsConfig, steps: int = 1500):
    session = get_scenario("moons").create_session(config)
    return session, list(train(session, max_steps=steps, every=steps))[-1]


def circles(**values) -> MoonsConfig:
    return MoonsConfig(dataset="circles", noise=0.1, hidden_sizes=(), **values)


def test_squares_let_a_network_without_hidden_layers_separate_the_circles():
    _, with_squares = final(circles(extra_features=("x1^2", "x2^2")))
    _, plain = final(circles())
    assert with_squares.metrics["test_accuracy"] > 0.95
    assert plain.metrics["test_accuracy"] < 0.70


def test_features_are_columns_after_the_raw_inputs_in_a_fixed_order():
    points = np.array([[1.0, 2.0], [-0.5, 3.0]])
    columns = with_features(points, ("sin_x2", "x1^2", "x1x2"))
    expected = np.column_stack([points, points[:, 0] ** 2, points[:, 0] * points[:, 1],
                                np.sin(points[:, 1])])
    np.testing.assert_allclose(columns, expected)
    assert input_labels(("sin_x2", "x1^2")) == ("x₁", "x₂", "x₁²", "sin x₂")
    assert with_features(points, ()).shape == (2, 2)
    assert set(FEATURE_CHOICES) == {"x1^2", "x2^2", "x1x2", "sin_x1", "sin_x2"}


def test_the_boundary_stays_on_the_raw_plane_with_each_grid_points_features():
    session, last = final(MoonsConfig(n_samples=100, extra_features=("x1x2", "sin_x1"),
                                      hidden_sizes=(4,)), steps=5)
    grid = last.view(DecisionGrid)
    raw = make_toy("moons", 100, 0.2, session.config.seed, 0.25)
    np.testing.assert_allclose(grid.train_points, raw.train_x)
    assert session.train_x.shape[1] == 4
    x_min, x_max, y_min, y_max = grid.extent
    assert (x_min, x_max, y_min, y_max) == pytest.approx(raw.bounds())
    resolution = session.grid_resolution
    inputs = with_features(grid_points(grid.extent, resolution), ("x1x2", "sin_x1"))
    expected = session.model.predict_proba(inputs.astype(session.train_x.dtype))
    np.testing.assert_allclose(grid.probabilities.reshape(-1, 2), expected, atol=1e-5)
    network = last.view(NetworkView)
    assert network.sizes[0] == 4 and network.input_names == ("x₁", "x₂", "x₁x₂", "sin x₁")
    assert network.extent == grid.extent and len(network.unit_grids) == 1
    assert network.input_grids.shape == (4, 40, 40)
    ramp = np.linspace(x_min, x_max, 40)
    np.testing.assert_allclose(network.input_grids[3][0], np.sin(ramp))


def test_without_features_nothing_changes_in_the_views():
    _, last = final(MoonsConfig(n_samples=60), steps=2)
    network = last.view(NetworkView)
    assert network.input_names == () and network.input_grids is None
    assert last.view(DecisionGrid).title == ""


def test_features_are_refused_for_a_file_of_more_than_two_features(tmp_path):
    path = tmp_path / "four.csv"
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(40, 4))
    np.savetxt(path, np.column_stack([rows, rows[:, 0] > 0]), delimiter=",")
    config = MoonsConfig(dataset="file", data_file=str(path), extra_features=("x1^2",))
    with pytest.raises(ParamError, match=r"extra_features=x1\^2: .*computed from two inputs; "
                                         r"this data set has 4"):
        get_scenario("moons").create_session(config)
    out, err = io.StringIO(), io.StringIO()
    code = main(["run", "moons", "--steps", "2", "--set", "dataset=file", "--set",
                 f"data_file={path}", "--set", "extra_features=x1^2"], out, err)
    assert code == 2 and err.getvalue().count("\n") == 1 and "extra_features" in err.getvalue()


def test_a_two_feature_file_gets_named_feature_columns(tmp_path):
    path = tmp_path / "two.csv"
    rng = np.random.default_rng(1)
    rows = rng.normal(size=(40, 2))
    np.savetxt(path, np.column_stack([rows, rows[:, 0] > 0]), delimiter=",", header="a,b,y",
               comments="")
    config = MoonsConfig(dataset="file", data_file=str(path), extra_features=("x2^2",))
    session = get_scenario("moons").create_session(config)
    assert session.data.feature_names == ("a (standardized)", "b (standardized)", "x₂²")
    np.testing.assert_allclose(session.data.train_x[:, 2], session.data.train_x[:, 1] ** 2)
    with pytest.raises(ValueError, match="has 3"):  # only a two-input set gets more
        add_features(session.data, ("x1^2",))


def test_set_and_the_preset():
    _, config, _ = resolve_config("moons", None, ["extra_features=x1^2,sin_x2"])
    assert config.extra_features == ("x1^2", "sin_x2")
    with pytest.raises(Exception, match="x3"):
        resolve_config("moons", None, ["extra_features=x3"])
    preset = shipped_preset("features-circles")
    assert preset.group == "more"
    assert preset.values["extra_features"] in (["x1^2", "x2^2"], ("x1^2", "x2^2"))
    assert preset.lesson is not None and preset.lesson.compare == {"extra_features": []}
