"""Without torch: NumPy scenarios run, torch scenarios are listed as unavailable with the hint."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import textwrap

import pytest

from nnviz.backends.device import TORCH_INSTALL_HINT
from nnviz.data.toy import make_toy
from nnviz.scenarios.base import MissingDependency
from nnviz.scenarios.digits import DigitsConfig
from nnviz.scenarios.moons import MoonsConfig
from nnviz.scenarios.registry import get_scenario
from nnviz.scenarios.torch_sessions import build_mlp_session


@pytest.fixture
def torch_missing(monkeypatch):
    real = importlib.util.find_spec

    def find_spec(name, *args, **kwargs):
        if name == "torch" or name.startswith("torch."):
            return None
        return real(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


def test_torch_scenario_is_disabled_with_the_install_command(torch_missing):
    scenario = get_scenario("digits_cnn")
    assert scenario.requires == ("torch",)
    reason = scenario.unavailable_reason()
    assert "needs torch" in reason and TORCH_INSTALL_HINT in reason
    with pytest.raises(MissingDependency, match="pip install"):
        scenario.create_session()
    assert get_scenario("digits").unavailable_reason() == ""


def test_torch_choices_in_numpy_scenarios_say_what_to_install(torch_missing):
    data = make_toy("moons", 30, 0.1, 0, 0.2)
    with pytest.raises(MissingDependency, match=r"backend=torch needs PyTorch.*pip install"):
        build_mlp_session("moons", MoonsConfig(backend="torch"), data)
    with pytest.raises(MissingDependency, match=r"model=cnn needs PyTorch"):
        get_scenario("digits").create_session(DigitsConfig(model="cnn"))
    session = get_scenario("digits").create_session(DigitsConfig(max_train=100))
    assert session.train_step()["loss"] > 0


def test_numpy_scenarios_run_when_torch_cannot_be_imported():
    """A fresh interpreter where ``import torch`` fails, as on a machine without it."""
    script = textwrap.dedent("""
        import importlib.machinery
        import sys

        class NoTorch(importlib.machinery.PathFinder):
            @classmethod
            def find_spec(cls, name, path=None, target=None):
                if name == "torch" or name.startswith(("torch.", "torchvision")):
                    return None
                return super().find_spec(name, path, target)

        sys.meta_path[:] = [NoTorch if f is importlib.machinery.PathFinder else f
                            for f in sys.meta_path]
        try:
            import torch  # noqa: F401
            raise SystemExit("torch still importable")
        except ModuleNotFoundError:
            pass
        import io
        from nnviz.cli import main
        out = io.StringIO()
        sys.stdout = out
        codes = [main(["list"]),
                 main(["run", "moons", "--steps", "3", "--json"]),
                 main(["run", "digits", "--steps", "3", "--set", "max_train=50", "--json"])]
        sys.stdout = sys.__stdout__
        print(codes)
        print(out.getvalue())
        print("torch imported:", "torch" in sys.modules)
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("[0, 0, 0]")
    assert "torch imported: False" in result.stdout
    entry = re.search(r"^  digits_cnn .*(?:\n {5,}\S.*)*", result.stdout, re.MULTILINE)
    assert "unavailable" in entry.group(0) and "pip install" in entry.group(0)
