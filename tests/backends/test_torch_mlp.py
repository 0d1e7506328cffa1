"""The torch backend trains the same network as NumPy: same weights, batches, losses."""

from __future__ import annotations

import threading

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from nnviz.backends.torch_cnn import TorchCNN, conv_output_side  # noqa: E402
from nnviz.backends.torch_mlp import TorchMLP  # noqa: E402
from nnviz.backends.torch_training import TorchTrainer, make_torch_optimizer  # noqa: E402
from nnviz.core.mlp import MLP  # noqa: E402
from nnviz.core.optimizers import OPTIMIZERS  # noqa: E402
from nnviz.data.toy import make_toy  # noqa: E402
from nnviz.scenarios.mlp_training import MLPSession  # noqa: E402
from nnviz.scenarios.moons import MoonsConfig  # noqa: E402
from nnviz.scenarios.torch_sessions import (  # noqa: E402
    TorchMLPSession,
    TorchModelSession,
    build_mlp_session,
)


def _pair(**values):
    config = MoonsConfig(precision="float64", device="cpu", **values)
    data = make_toy("moons", 120, 0.2, 0, 0.25)
    numpy_run = MLPSession("moons", config, data, grid_resolution=20)
    torch_run = TorchMLPSession("moons", config, data, grid_resolution=20)
    return numpy_run, torch_run


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_same_losses_for_every_optimiser(optimizer):
    numpy_run, torch_run = _pair(optimizer=optimizer, hidden_sizes=(6, 5), batch_size=16,
                                 learning_rate=0.05, weight_decay=0.01)
    numpy_losses = [numpy_run.train_step()["loss"] for _ in range(40)]
    torch_losses = [torch_run.train_step()["loss"] for _ in range(40)]
    np.testing.assert_allclose(torch_losses, numpy_losses, rtol=1e-10, atol=1e-12)
    assert numpy_losses[-1] < numpy_losses[0]
    for mine, theirs in zip(numpy_run.model.params,
                            torch_run.engine.trainer.model.numpy_params(), strict=True):
        np.testing.assert_allclose(theirs, mine, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("activation", ["sigmoid", "relu", "leaky_relu", "linear"])
def test_same_losses_for_activations_sigmoid_output_and_summed_loss(activation):
    numpy_run, torch_run = _pair(activation=activation, output="sigmoid", batch_size=0,
                                 loss_reduction="sum", learning_rate=0.005, optimizer="sgd")
    for _ in range(15):
        assert torch_run.train_step()["loss"] == pytest.approx(numpy_run.train_step()["loss"],
                                                               rel=1e-10)
    assert torch_run.metrics() == pytest.approx(numpy_run.metrics(), rel=1e-9)


def test_live_changes_and_schedule_follow_numpy():
    numpy_run, torch_run = _pair(optimizer="adam", batch_size=8, lr_schedule="step",
                                 lr_step_epochs=0.5, lr_decay=0.5)
    for step in range(30):
        if step == 10:
            for run in (numpy_run, torch_run):
                run.apply_live({"beta1": 0.5, "learning_rate": 0.02})
        if step == 20:
            for run in (numpy_run, torch_run):
                run.apply_live({"optimizer": "rmsprop"})
        assert torch_run.train_step()["loss"] == pytest.approx(numpy_run.train_step()["loss"],
                                                               rel=1e-9)
    assert torch_run.metrics()["learning_rate"] == numpy_run.metrics()["learning_rate"] < 0.02


def test_views_are_the_numpy_views_of_the_torch_weights():
    numpy_run, torch_run = _pair(hidden_sizes=(4,), batch_size=10)
    for _ in range(12):
        numpy_run.train_step()
        torch_run.train_step()
    mine, theirs = numpy_run.views(), torch_run.views()
    assert set(mine) == set(theirs) == {"histograms", "network", "decision_grid"}
    np.testing.assert_allclose(theirs["decision_grid"].probabilities,
                               mine["decision_grid"].probabilities, atol=1e-9)
    np.testing.assert_allclose(theirs["histograms"].gradient_norms,
                               mine["histograms"].gradient_norms, rtol=1e-8)


def test_checkpoint_and_restore():
    _, torch_run = _pair(batch_size=10)
    state = torch_run.checkpoint()
    first = [torch_run.train_step()["loss"] for _ in range(5)]
    torch_run.restore(state)  # the sampler too: the same batches follow
    assert torch_run.step_count == 0
    assert [torch_run.train_step()["loss"] for _ in range(5)] == pytest.approx(first)


def test_moons_builds_the_torch_session_when_asked():
    data = make_toy("moons", 50, 0.2, 0, 0.2)
    assert type(build_mlp_session("moons", MoonsConfig(), data)) is MLPSession
    session = build_mlp_session("moons", MoonsConfig(backend="torch", device="cpu"), data)
    assert isinstance(session, TorchMLPSession)
    assert session.engine.trainer.model.params[0].dtype == torch.float32


def test_model_session_draws_the_same_batches_as_mlp_session():
    config = MoonsConfig(batch_size=7, seed=5, device="cpu")
    data = make_toy("moons", 40, 0.2, 0, 0.25)
    numpy_run = MLPSession("moons", config, data)
    model = TorchModelSession(
        "moons", config, data,
        lambda device: TorchMLP.from_numpy(MLP(2, (3,), 2, seed=1), device=device))
    for _ in range(12):  # more than two epochs of 30 examples
        expected = data.train_y[numpy_run.next_batch_index()]
        np.testing.assert_array_equal(data.train_y[model.next_batch_index()], expected)


def test_torch_threads_are_set_in_the_thread_that_trains():
    """torch's thread count is per OS thread: the trainer sets it where the work runs."""
    torch.set_num_threads(3)
    mlp = TorchMLP.from_numpy(MLP(4, (3,), 2, dtype=np.float64))
    trainer = TorchTrainer(mlp, "sgd", {"learning_rate": 0.1}, threads=1)
    assert torch.get_num_threads() == 1
    seen = {}

    def work():
        torch.set_num_threads(2)  # what a fresh worker thread might have
        trainer.step(torch.ones(5, 4, dtype=torch.float64), torch.zeros(5, dtype=torch.long),
                     learning_rate=0.1)
        seen["threads"] = torch.get_num_threads()

    worker = threading.Thread(target=work)
    worker.start()
    worker.join()
    assert seen["threads"] == 1


def test_unknown_optimiser_is_named():
    with pytest.raises(ValueError, match="unknown optimiser 'lion'"):
        make_torch_optimizer("lion", [torch.zeros(1, requires_grad=True)], {})


@pytest.mark.parametrize("shape", [(8, 8), (28, 28)])
def test_cnn_shapes_and_gradients(shape):
    cnn = TorchCNN(shape, (4, 6), (16,), 10, seed=0)
    inputs = torch.rand(3, shape[0] * shape[1])
    logits, hidden = cnn.forward(inputs)
    assert logits.shape == (3, 10)
    assert hidden[-1].shape == (3, 16)
    side = conv_output_side(shape[0], 2)
    assert hidden[1].shape == (3, 6, side, side)
    assert cnn.first_layer_weights().shape == (4, 25)
    loss = cnn.loss(logits, torch.tensor([1, 2, 3]), weight_decay=0.1)
    loss.backward()
    assert all(p.grad is not None for p in cnn.parameters())


def test_cnn_is_seeded_without_touching_the_global_generator():
    torch.manual_seed(123)
    expected = torch.rand(1)
    torch.manual_seed(123)
    first = TorchCNN((8, 8), (2,), (), 3, seed=4).first_layer_weights()
    assert torch.rand(1) == expected
    np.testing.assert_array_equal(TorchCNN((8, 8), (2,), (), 3, seed=4).first_layer_weights(),
                                  first)
    with pytest.raises(ValueError, match="at least one convolution"):
        TorchCNN((8, 8), (), (), 3)


def test_restore_accepts_numpy_arrays_from_a_saved_run():
    _, torch_run = _pair(batch_size=10)
    saved = dict(torch_run.checkpoint())
    saved["params"] = [p.numpy().copy() for p in saved["params"]]
    torch_run.train_step()
    torch_run.restore(saved)
    for tensor, array in zip(torch_run.engine.trainer.model.params, saved["params"],
                             strict=True):
        np.testing.assert_array_equal(tensor.detach().numpy(), array)


def test_read_only_arrays_become_tensors_without_a_warning():
    trainer = TorchTrainer(TorchMLP.from_numpy(MLP(2, (), 2)), "sgd", {})
    labels = np.arange(4)
    labels.flags.writeable = False
    tensor = trainer.tensor(labels, labels=True)  # filterwarnings=error turns a warning red
    assert tensor.dtype == torch.int64 and tensor.tolist() == [0, 1, 2, 3]


#: live changes made mid-run, by step: every live hyperparameter of the MLP scenarios, and
#: momentum through zero and back (torch.optim.SGD would resume from a stale buffer)
LIVE_CHANGES = {
    8: {"learning_rate": 0.03, "momentum": 0.9},
    14: {"momentum": 0.0},
    20: {"momentum": 0.5, "beta1": 0.7, "beta2": 0.95, "rho": 0.8, "epsilon": 1e-6},
    26: {"weight_decay": 0.02, "batch_size": 24},
    32: {"lr_step_epochs": 0.5, "lr_decay": 0.3},
    38: {"loss_reduction": "sum", "learning_rate": 0.002},
}


@pytest.mark.parametrize("schedule", ["constant", "step", "exponential"])
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_every_optimiser_and_schedule_with_live_changes_agrees(optimizer, schedule):
    """50 steps from the same weights on the same batches: the same run on either backend."""
    numpy_run, torch_run = _pair(optimizer=optimizer, lr_schedule=schedule, lr_step_epochs=1.0,
                                 lr_decay=0.5, hidden_sizes=(5, 4), batch_size=16,
                                 learning_rate=0.05)
    start = numpy_run.model.copy_params()
    rates = set()
    for step in range(50):
        for run in (numpy_run, torch_run):
            run.apply_live(LIVE_CHANGES.get(step, {}))
        ours, theirs = numpy_run.train_step()["loss"], torch_run.train_step()["loss"]
        assert theirs == pytest.approx(ours, rel=1e-6), f"step {step}"
        rate = numpy_run.engine.optimizer.learning_rate
        assert torch_run.engine.trainer.optimizer.param_groups[0]["lr"] == rate
        rates.add(rate)
    if schedule != "constant":
        assert len(rates) > 3  # the schedule really changed the rate
    moved = max(np.abs(p - q).max() for p, q in zip(numpy_run.model.params, start, strict=True))
    assert moved > 1e-2
    for mine, theirs in zip(numpy_run.model.params,
                            torch_run.engine.trainer.model.numpy_params(), strict=True):
        np.testing.assert_allclose(theirs, mine, rtol=1e-6, atol=1e-9)


def test_a_live_momentum_change_reaches_every_parameter_group():
    _, torch_run = _pair(optimizer="momentum", momentum=0.9)
    for value in (0.0, 0.5):
        torch_run.apply_live({"momentum": value})
        groups = torch_run.engine.trainer.optimizer.param_groups
        assert [g["momentum"] for g in groups] == [value]
    torch_run.apply_live({"optimizer": "sgd"})
    torch_run.apply_live({"momentum": 0.7})  # plain SGD has no momentum: it stays plain
    assert torch_run.engine.trainer.optimizer.param_groups[0]["momentum"] == 0.0


def test_buffer_momentum_is_torch_sgd_while_momentum_is_constant():
    from nnviz.backends.torch_momentum import BufferMomentum

    for nesterov in (False, True):
        ours = torch.tensor([1.0, -2.0, 0.5], dtype=torch.float64, requires_grad=True)
        theirs = ours.detach().clone().requires_grad_()
        mine = BufferMomentum([ours], lr=0.1, momentum=0.8, nesterov=nesterov)
        reference = torch.optim.SGD([theirs], lr=0.1, momentum=0.8, nesterov=nesterov)
        for step in range(6):
            for tensor in (ours, theirs):
                tensor.grad = torch.sin(tensor.detach() * (step + 1))
            mine.step()
            reference.step()
        torch.testing.assert_close(ours, theirs, rtol=1e-14, atol=0)
