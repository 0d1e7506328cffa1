"""The torch backend follows the bias initialiser and schedules counted in updates, with the
same numbers as NumPy."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from nnviz.scenarios import moons  # noqa: E402
from nnviz.scenarios.moons import MoonsConfig  # noqa: E402
from nnviz.scenarios.torch_sessions import TorchMLPSession  # noqa: E402


def pair(**values):
    config = MoonsConfig(precision="float64", device="cpu", grid_resolution=20, **values)
    numpy_run = moons.build(config)
    torch_run = moons.build(config.with_values({"backend": "torch"}))
    assert isinstance(torch_run, TorchMLPSession)
    return numpy_run, torch_run


def torch_biases(session: TorchMLPSession) -> list[np.ndarray]:
    return session.engine.trainer.model.numpy_params()[1::2]


def test_torch_biases_start_at_exactly_zero_by_default():
    _, torch_run = pair(init="inv_sqrt_fan_in", hidden_sizes=(64, 64))
    assert all(not b.any() for b in torch_biases(torch_run))


@pytest.mark.parametrize("bias_init", ["zeros", "standard_normal", "normal_0.01"])
def test_torch_starts_from_the_numpy_weights_and_biases(bias_init):
    numpy_run, torch_run = pair(init="standard_normal", bias_init=bias_init,
                                hidden_sizes=(512, 8))
    for mine, theirs in zip(numpy_run.model.params, torch_run.engine.trainer.model.numpy_params(),
                            strict=True):
        np.testing.assert_array_equal(theirs, mine)
    expected = {"zeros": 0.0, "standard_normal": 1.0, "normal_0.01": 0.01}[bias_init]
    assert torch_biases(torch_run)[0].std() == pytest.approx(expected, rel=0.12, abs=1e-12)


def test_torch_step_schedule_in_updates_divides_at_the_boundary_like_numpy():
    numpy_run, torch_run = pair(n_samples=400, batch_size=10, optimizer="momentum",
                                learning_rate=0.1, lr_schedule="step", lr_step_epochs=45.0,
                                lr_decay=0.1, lr_step_unit="updates", hidden_sizes=(6,))
    rates, numpy_losses, torch_losses = [], [], []
    for _ in range(60):
        numpy_losses.append(numpy_run.train_step()["loss"])
        torch_losses.append(torch_run.train_step()["loss"])
        rates.append(torch_run.learning_rate)
    assert rates[44] == pytest.approx(0.1) and rates[45] == pytest.approx(0.01)
    assert torch_run.engine.trainer.optimizer.param_groups[0]["lr"] == pytest.approx(0.01)
    np.testing.assert_allclose(torch_losses, numpy_losses, rtol=1e-10, atol=1e-12)
