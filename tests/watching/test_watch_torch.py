"""``nnviz.watch`` on a real PyTorch loop: what it records, at what rates, from what models."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import nnviz  # noqa: E402
from nnviz.cli import main  # noqa: E402
from nnviz.io.runs import load_run  # noqa: E402

pytestmark = pytest.mark.torch


def blobs(n: int = 256, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Two Gaussian blobs in 8-D: a task a small network learns in a few dozen steps."""
    generator = torch.Generator().manual_seed(seed)
    labels = torch.randint(0, 2, (n,), generator=generator)
    points = torch.randn(n, 8, generator=generator) + 1.5 * labels[:, None].float()
    return points, labels


def mlp(activation: type = torch.nn.ReLU) -> torch.nn.Module:
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Linear(8, 16), activation(), torch.nn.Linear(16, 16),
                               activation(), torch.nn.Linear(16, 2))


def train(model, optimizer, watcher, steps: int, scheduler=None) -> None:
    points, labels = blobs()
    for _ in range(steps):
        loss = torch.nn.functional.cross_entropy(model(points), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        watcher.step(loss=loss.item(), batch_size=len(points))


def shown(path) -> list[dict]:
    out = io.StringIO()
    assert main(["show", str(path), "--json"], out=out) == 0
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_a_200_step_run_is_recorded_and_shown(tmp_path):
    """The issue's "done when": 200 records with a falling loss and the learning rate."""
    model = mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    path = tmp_path / "runs" / "blobs.nnviz"
    with nnviz.watch(model, optimizer, name="blobs", record=path) as watcher:
        train(model, optimizer, watcher, 200)
    records = shown(path)
    assert [r["step"] for r in records] == list(range(1, 201))
    losses = [r["loss"] for r in records]
    assert np.mean(losses[-20:]) < 0.5 * np.mean(losses[:20])
    assert all(r["learning_rate"] == pytest.approx(0.1) for r in records)
    assert all(r["momentum"] == pytest.approx(0.9) for r in records)
    assert all(r["examples_per_second"] > 0 for r in records)

    record = load_run(path)
    assert record.config.name == "blobs" and "Sequential" in record.config.model_summary
    assert record.config.param_groups[0].learning_rate == pytest.approx(0.1)
    last = record.snapshots[-1].views["histograms"]
    assert last.step == 200 and last.n_layers == 3
    assert last.layer_names == ("Linear 0", "Linear 2", "Linear 4")
    assert set(last.quantities(0)) == {"weights", "biases", "gradients", "activations"}


def test_the_rates_bound_what_is_sampled_and_hooks_live_only_for_it(tmp_path):
    model = mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    relu = model[1]
    watcher = nnviz.watch(model, optimizer, record=tmp_path / "run.nnviz",
                          histogram_every=50, histograms_per_second=1000.0)
    assert relu._forward_hooks, "armed for the first step"
    train(model, optimizer, watcher, 2)
    assert not relu._forward_hooks, "no hook on a step that is not sampled"
    train(model, optimizer, watcher, 148)
    watcher.close()
    assert not relu._forward_hooks and not model[0]._forward_hooks
    record = load_run(tmp_path / "run.nnviz")
    sampled = [s.step for s in record.snapshots if "histograms" in s.views]
    assert sampled == [1, 51, 101, 150]  # 150: the final weights, at close
    healthy = next(s for s in record.snapshots if s.step == 51).views["histograms"]
    assert len(healthy.saturated) == 2 and healthy.activation == "relu"


def test_dead_relu_units_are_found():
    """A layer whose bias pushes every pre-activation below zero: every unit is dead."""
    model = mlp()
    with torch.no_grad():
        model[2].bias.fill_(-1000.0)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.0)
    watcher = nnviz.watch(model, optimizer)
    seen = []
    watcher.sinks.append(type("Keep", (), {"take": lambda self, s: seen.append(s),
                                           "close": lambda self: None})())
    train(model, optimizer, watcher, 1)
    watcher.close()
    histograms = seen[0].views["histograms"]
    assert histograms.dead[1] == 1.0 and histograms.saturated[1] == 1.0
    assert histograms.dead[0] < 1.0


def test_a_model_without_relu_or_tanh_and_adam(tmp_path):
    """No activation module at all (a linear model, GELU called as a function): weights and
    gradients still, no health bars; Adam's β₁ is its momentum."""

    class Functional(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = torch.nn.Linear(8, 8)
            self.outer = torch.nn.Linear(8, 2)

        def forward(self, x):
            return self.outer(torch.nn.functional.gelu(self.inner(x)))

    torch.manual_seed(0)
    model = Functional()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.01, betas=(0.8, 0.99))
    with nnviz.watch(model, optimizer, record=tmp_path / "plain.nnviz") as watcher:
        train(model, optimizer, watcher, 20)
    record = load_run(tmp_path / "plain.nnviz")
    histograms = record.snapshots[-1].views["histograms"]
    assert histograms.saturated == () and histograms.layer_names[0] == "inner (Linear)"
    assert histograms.get(0, "gradients") is not None
    assert shown(tmp_path / "plain.nnviz")[-1]["momentum"] == pytest.approx(0.8)


def test_a_scheduled_learning_rate_is_a_curve(tmp_path):
    model = mlp(torch.nn.Tanh)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.5)
    with nnviz.watch(model, optimizer, record=tmp_path / "decay.nnviz") as watcher:
        train(model, optimizer, watcher, 30, scheduler)
    rates = [r["learning_rate"] for r in shown(tmp_path / "decay.nnviz")]
    assert rates[0] == pytest.approx(0.1) and rates[-1] == pytest.approx(0.0125)
    record = load_run(tmp_path / "decay.nnviz")
    assert record.config.param_groups[0].learning_rate == pytest.approx(0.1), "as at the start"
    assert record.snapshots[-1].views["histograms"].activation == "tanh"


def test_a_convolution_is_watched_per_channel():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(), torch.nn.Flatten(),
                                torch.nn.Linear(4 * 6 * 6, 10))
    with torch.no_grad():
        model[0].bias[:2] = -1000.0  # two of four channels never fire, two always do
        model[0].bias[2:] = 1000.0
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    seen = []
    watcher = nnviz.watch(model, optimizer)
    watcher.sinks.append(type("Keep", (), {"take": lambda self, s: seen.append(s),
                                           "close": lambda self: None})())
    images, labels = torch.rand(16, 1, 8, 8), torch.randint(0, 10, (16,))
    loss = torch.nn.functional.cross_entropy(model(images), labels)
    loss.backward()
    watcher.step(loss=loss.item())
    watcher.close()
    histograms = seen[0].views["histograms"]
    assert histograms.dead == (0.5,)
    assert histograms.gradient_norms[0] > 0
