"""The headless command line: reports, exit codes and one-line errors."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

from nnviz.cli import EXIT_BAD_INPUT, EXIT_DIVERGED, main


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_run_json_prints_only_json_lines_with_the_promised_keys():
    code, out, err = run("run", "moons", "--steps", "40", "--every", "10", "--json",
                         "--set", "n_samples=100")
    assert code == 0, err
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["step"] for r in records] == [0, 10, 20, 30, 40, 40]
    for record in records:
        for key in ("step", "epoch", "train_loss", "test_loss", "train_accuracy",
                    "test_accuracy", "wall_seconds"):
            assert key in record
    assert records[-1]["final"] is True
    assert records[-1]["train_loss"] == records[-2]["train_loss"]


def test_default_preset_reaches_the_target_accuracy():
    code, out, _ = run("run", "moons", "--steps", "3000", "--every", "3000", "--json")
    assert code == 0
    assert json.loads(out.splitlines()[-1])["test_accuracy"] >= 0.95


def test_table_output_is_readable():
    code, out, _ = run("run", "moons", "--steps", "20", "--every", "10", "--set",
                       "n_samples=60")
    assert code == 0
    header, *rows = out.splitlines()
    assert "train_loss" in header and "test_accuracy" in header
    assert len(rows) == 3


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["run", "moonz"], "unknown scenario 'moonz'"),
        (["run", "moons", "--set", "hidden_size=3"], "unknown hyperparameter 'hidden_size'"),
        (["run", "moons", "--set", "learning_rate=-2"], "below the minimum"),
        (["run", "moons", "--set", "hidden_sizes=8,x"], "'x' is not an integer"),
        (["run", "moons", "--set", "learning_rate"], "expected KEY=VALUE"),
        (["run", "moons", "--steps", "-1"], "--steps -1"),
        (["run", "moons", "--every", "0"], "--every 0"),
        (["run", "moons", "--preset", "no-such-preset"], "no preset named"),
        (["run", "moons", "--steps", "ten"], "'ten' is not a whole number"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_exits_2_with_one_clear_line(argv, fragment):
    code, out, err = run(*argv)
    assert code == EXIT_BAD_INPUT
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert fragment in err


def test_divergence_exits_3_after_the_last_good_report():
    code, out, err = run("run", "moons", "--steps", "500", "--every", "1", "--json",
                         "--set", "learning_rate=10", "--set", "loss_reduction=sum",
                         "--set", "activation=relu", "--set", "optimizer=sgd",
                         "--set", "n_samples=2000")
    assert code == EXIT_DIVERGED
    assert "diverged" in err and "smaller learning rate" in err
    assert "Warning" not in err and "Traceback" not in err
    last = json.loads(out.splitlines()[-1])
    assert last["train_loss"] is not None


def test_list_names_scenarios_and_presets():
    code, out, _ = run("list")
    assert code == 0
    assert "moons" in out and "Presets" in out


def test_module_entry_point_runs():
    result = subprocess.run(
        [sys.executable, "-m", "nnviz", "run", "moons", "--steps", "5", "--json"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1])["step"] == 5
