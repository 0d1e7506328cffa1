"""``nnviz show FILE``: a recorded run's curves as JSON lines or a table; bad files exit 2."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest

from nnviz.cli import main
from nnviz.watching import watch


def run_show(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(["show", *args], out=out, err=err)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def recorded(tmp_path):
    """A scalars-only run of 40 steps; accuracy only every 10th step."""
    path = tmp_path / "scalars.nnviz"
    with watch(name="scalars", record=path, batch_size=8) as watcher:
        for step in range(1, 41):
            extra = {"accuracy": step / 40} if step % 10 == 0 else {}
            watcher.step(loss=1.0 / step, **extra)
    return path


def test_json_lines_have_step_and_every_scalar(recorded):
    status, out, err = run_show(str(recorded), "--json")
    assert status == 0 and err == ""
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["step"] for r in records] == list(range(1, 41))
    names = {"step", "loss", "accuracy", "step_seconds", "examples_per_second"}
    assert all(set(r) == names for r in records)
    assert records[9]["accuracy"] == 0.25 and records[10]["accuracy"] is None
    np.testing.assert_allclose([r["loss"] for r in records], 1.0 / np.arange(1, 41))


def test_the_table_has_a_header_and_a_row_per_step(recorded):
    status, out, _ = run_show(str(recorded))
    lines = out.splitlines()
    assert status == 0 and lines[0].split()[:2] == ["step", "loss"]
    assert len(lines) == 41 and lines[-1].split()[0] == "40"


@pytest.mark.parametrize("content", [b"", b"not a zip", b"PK\x03\x04 broken zip"])
def test_a_file_that_is_no_run_exits_2_with_one_line(tmp_path, content):
    path = tmp_path / "foreign.npz"
    path.write_bytes(content)
    status, out, err = run_show(str(path))
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("nnviz: error: ") and str(path) in err


def test_a_foreign_npz_and_a_missing_file_exit_2(tmp_path):
    foreign = tmp_path / "weights.npz"
    np.savez(foreign, w=np.zeros(3))
    assert run_show(str(foreign))[0] == 2
    status, _, err = run_show(str(tmp_path / "missing.nnviz"))
    assert status == 2 and "no such file" in err


@pytest.mark.parametrize("name", ["runs/resnet.nnviz", "missing.nnviz-run.npz"])
def test_app_with_a_run_file_that_does_not_exist_says_so(tmp_path, name):
    """A typo in a run file's name is "no such file", not "unknown scenario or preset"."""
    out, err = io.StringIO(), io.StringIO()
    status = main(["app", str(tmp_path / name)], out=out, err=err)
    assert status == 2 and "no such file" in err.getvalue()
    assert "not a command, scenario or preset" not in err.getvalue()
