"""A suitable small network learns every toy dataset to high accuracy, in well under a second."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.core.losses import accuracy
from nnviz.core.mlp import MLP
from nnviz.core.optimizers import make_optimizer
from nnviz.data.toy import TOY_DATASETS, make_toy

#: dataset → (noise, hidden sizes, optimiser, learning rate, full-batch steps)
RECIPES = {
    "moons": (0.2, [8], "momentum", 0.1, 600),
    "circles": (0.1, [8], "momentum", 0.1, 600),
    "xor": (0.05, [8], "momentum", 0.1, 600),
    "spiral": (0.05, [32, 32], "adam", 0.03, 1500),
    "blobs": (0.5, [4], "momentum", 0.1, 300),
}


def test_every_dataset_has_a_recipe():
    assert set(RECIPES) == set(TOY_DATASETS)


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_network_learns_toy_dataset(name):
    noise, hidden_sizes, optimizer_name, learning_rate, steps = RECIPES[name]
    data = make_toy(name, 400, noise, seed=0, test_fraction=0.25)
    model = MLP(2, hidden_sizes, data.n_classes, seed=0, dtype=np.float32)
    optimizer = make_optimizer(optimizer_name, learning_rate=learning_rate)
    first_loss = None
    for _ in range(steps):
        loss, grads, _ = model.loss_and_gradients(data.train_x, data.train_y)
        optimizer.step(model.params, grads)
        first_loss = loss if first_loss is None else first_loss
    assert loss < 0.5 * first_loss
    assert accuracy(model.predict_proba(data.train_x), data.train_y) >= 0.95
    assert accuracy(model.predict_proba(data.test_x), data.test_y) >= 0.93


def test_mini_batches_one_example_at_a_time_also_learn():
    data = make_toy("blobs", 150, 0.5, seed=1, test_fraction=0.2)
    model = MLP(2, [4], 3, seed=1)
    optimizer = make_optimizer("sgd", learning_rate=0.05)
    rng = np.random.default_rng(1)
    for _ in range(3):
        for index in rng.permutation(len(data.train_x)):
            _, grads, _ = model.loss_and_gradients(data.train_x[index:index + 1],
                                                   data.train_y[index:index + 1])
            optimizer.step(model.params, grads)
    assert accuracy(model.predict_proba(data.test_x), data.test_y) >= 0.95
