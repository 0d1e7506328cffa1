"""The decision grid against a forward pass written out here, at known points of the plane."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.data.toy import make_toy
from nnviz.scenarios.mlp_training import MLPSession
from nnviz.scenarios.moons import MoonsConfig
from nnviz.scenarios.torch_sessions import build_mlp_session


def independent_probabilities(weights, biases, points):
    """softmax(tanh(x·W₁ + b₁)·W₂ + b₂), in plain NumPy."""
    a = np.asarray(points, dtype=np.float64)
    for layer, (w, b) in enumerate(zip(weights, biases, strict=True)):
        z = a @ np.asarray(w, dtype=np.float64) + b
        a = np.tanh(z) if layer < len(weights) - 1 else z
    a = np.exp(a - a.max(axis=1, keepdims=True))
    return a / a.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_grid_cell_row_j_column_i_is_the_point_x_i_y_j(backend):
    if backend == "torch":
        pytest.importorskip("torch")
    data = make_toy("moons", 150, 0.2, 3, 0.2)  # extent wider in x than in y: not square
    config = MoonsConfig(hidden_sizes=(6,), precision="float64", backend=backend, device="cpu",
                         learning_rate=0.3, seed=2)
    session = build_mlp_session("moons", config, data, grid_resolution=31)
    for _ in range(60):  # a trained, far from symmetric network
        session.train_step()
    grid = session.views()["decision_grid"]
    x_min, x_max, y_min, y_max = grid.extent
    assert (x_max - x_min) > 1.3 * (y_max - y_min)
    xs, ys = np.linspace(x_min, x_max, 31), np.linspace(y_min, y_max, 31)
    rng = np.random.default_rng(0)
    rows, columns = rng.integers(0, 31, 40), rng.integers(0, 31, 40)
    points = np.stack([xs[columns], ys[rows]], axis=1)
    network = session.network()
    expected = independent_probabilities(network.weights, network.biases, points)
    np.testing.assert_allclose(grid.probabilities[rows, columns], expected, atol=1e-6)
    transposed = independent_probabilities(network.weights, network.biases, points[:, ::-1])
    assert np.abs(transposed - expected).max() > 0.05  # the test can tell x from y


def test_grid_of_the_numpy_session_is_its_model_prediction():
    data = make_toy("moons", 80, 0.2, 0, 0.0)
    session = MLPSession("moons", MoonsConfig(hidden_sizes=(4,), precision="float64"), data,
                         grid_resolution=9)
    grid = session.decision_grid()
    corners = np.array([[grid.extent[0], grid.extent[2]], [grid.extent[1], grid.extent[2]],
                        [grid.extent[0], grid.extent[3]], [grid.extent[1], grid.extent[3]]])
    expected = session.model.predict_proba(corners)
    got = grid.probabilities[[0, 0, -1, -1], [0, -1, 0, -1]]
    np.testing.assert_allclose(got, expected, atol=1e-6)
