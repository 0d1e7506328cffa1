"""Device choice by name, on a CPU-only machine and with CUDA/MPS simulated."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from nnviz.backends import device  # noqa: E402
from nnviz.backends.device import available_devices, limit_torch_threads, pick_device  # noqa: E402
from nnviz.backends.torch_mlp import TorchMLP  # noqa: E402
from nnviz.data.toy import make_toy  # noqa: E402
from nnviz.scenarios import torch_sessions  # noqa: E402
from nnviz.scenarios.moons import MoonsConfig  # noqa: E402


@pytest.fixture
def no_accelerator(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    if getattr(torch.backends, "mps", None) is not None:
        monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)


def test_cpu_only(no_accelerator):
    assert available_devices() == ["cpu"]
    assert pick_device("auto") == torch.device("cpu")
    assert pick_device("cpu") == torch.device("cpu")
    with pytest.raises(ValueError, match="device 'cuda' is not available here; available: cpu"):
        pick_device("cuda")
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        pick_device("tpu")


def test_auto_prefers_cuda_then_mps(no_accelerator, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert available_devices()[0] == "cuda"
    assert pick_device("auto") == torch.device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    if getattr(torch.backends, "mps", None) is not None:
        monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
        assert pick_device("auto") == torch.device("mps")


def test_session_puts_model_and_data_on_the_picked_device(monkeypatch):
    """With "cuda" picked, every tensor is created on it (recorded, as no GPU is here)."""
    placed = []
    real_as_tensor = torch.as_tensor

    def as_tensor(data, *args, device=None, **kwargs):
        placed.append(str(device))
        return real_as_tensor(data, *args, device="cpu", **kwargs)

    real_tensor = torch.tensor

    def tensor(data, *args, device=None, **kwargs):
        placed.append(str(device))
        return real_tensor(data, *args, device="cpu", **kwargs)

    monkeypatch.setattr(torch_sessions, "pick_device", lambda name: torch.device("cuda"))
    monkeypatch.setattr(torch, "as_tensor", as_tensor)
    monkeypatch.setattr(torch, "tensor", tensor)
    data = make_toy("moons", 40, 0.2, 0, 0.25)
    session = torch_sessions.TorchMLPSession("moons", MoonsConfig(device="cuda"), data)
    assert session.engine.trainer.device == torch.device("cuda")
    assert placed and set(placed) == {"cuda"}
    assert session.engine.trainer._threads_set_in == set()  # CPU thread limits do not apply


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA GPU here")
def test_really_on_cuda():
    data = make_toy("moons", 40, 0.2, 0, 0.25)
    session = torch_sessions.TorchMLPSession("moons", MoonsConfig(device="cuda"), data)
    assert session.engine.trainer.model.params[0].is_cuda
    assert session.train_step()["loss"] > 0


def test_limit_threads():
    before = torch.get_num_threads()
    try:
        limit_torch_threads(1)
        assert torch.get_num_threads() == 1
        limit_torch_threads(0)  # clamped to one
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_torch_mlp_keeps_its_device_and_dtype():
    mlp = TorchMLP([torch.zeros(2, 3).numpy(), torch.zeros(3).numpy()], activation="tanh",
                   output="softmax", device=device.pick_device("cpu"), dtype="float64")
    assert mlp.params[0].dtype == torch.float64 and mlp.params[0].device.type == "cpu"


def test_float64_on_mps_is_refused_clearly():
    from nnviz.backends.torch_cnn import TorchCNN

    with pytest.raises(ValueError, match="float64 is not supported on device 'mps'"):
        TorchMLP([np.zeros((2, 2))], activation="tanh", output="softmax", device="mps",
                 dtype="float64")
    with pytest.raises(ValueError, match="float64 is not supported"):
        TorchCNN((8, 8), (2,), (), 3, device=torch.device("mps"), dtype="float64")


def test_cli_says_when_the_chosen_device_is_missing(no_accelerator, capsys):
    from nnviz.cli import main

    code = main(["run", "digits", "--set", "backend=torch", "--set", "device=cuda",
                 "--set", "max_train=50", "--steps", "2"])
    assert code == 2
    assert "device 'cuda' is not available here; available: cpu" in capsys.readouterr().err
