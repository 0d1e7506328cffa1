"""Every hyperparameter of every scenario, given a bad value on the command line.

The bad values are generated from each :class:`Param` description (wrong type, below the
minimum, above the maximum, NaN and ±inf, unknown choice, too many list entries …), so a new
scenario or parameter is audited without editing this file. Each must end ``nnviz run`` with
exit status 2 and exactly one line on stderr that names the key; none may raise.
"""

from __future__ import annotations

import io
import math
import subprocess
import sys

import numpy as np
import pytest

from nnviz.cli import EXIT_BAD_INPUT, main
from nnviz.scenarios.base import MissingDependency
from nnviz.scenarios.params import Param, ParamError
from nnviz.scenarios.registry import all_scenarios, get_scenario
from nnviz.session import train

SCENARIOS = list(all_scenarios())


def _number(value: float) -> str:
    return repr(int(value)) if float(value).is_integer() else repr(value)


def bad_texts(spec: Param) -> list[str]:
    """Text that ``spec.parse`` must refuse."""
    below = None if spec.minimum is None else spec.minimum - max(1.0, abs(spec.minimum))
    above = None if spec.maximum is None else spec.maximum * 2 + 1
    if spec.kind == "float":
        texts = ["fast", "", "nan", "inf", "-inf", "1e400", "0x1p-3q", "1,5"]
        texts += [_number(v) for v in (below, above) if v is not None]
        if spec.minimum is not None and spec.minimum > 0:
            texts.append("1e-400")  # underflows to 0.0, below a positive minimum
        return texts
    if spec.kind == "int":
        texts = ["many", "", "1.5", "nan", "inf", "1e400", "true"]
        return texts + [_number(v) for v in (below, above) if v is not None]
    if spec.kind == "int_list":
        low = 1 if spec.minimum is None else int(spec.minimum)
        texts = ["a,b", "8;8", "1.5", f"{low},x"]
        texts += [_number(v) for v in (below, above) if v is not None]
        texts.append(",".join([str(low)] * (spec.max_length + 1)))
        if spec.min_length > 0:
            texts.append("")
        return texts
    if spec.kind == "bool":
        return ["maybe", "", "2", "truee"]
    if spec.kind == "choice":
        # two choices joined are one bad value; a field with one choice has no pair to join
        pair = [",".join(spec.choices[:2])] if len(spec.choices) > 1 else []
        return ["no_such_choice", "", spec.choices[0].upper() + "x", *pair]
    if spec.kind == "multi_choice":
        return ["no_such_name", f"{spec.choices[0]},{spec.choices[0]}"]
    return []  # str and path take any text; paths are audited in test_bad_paths.py


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def check_one_line(code: int, out: str, err: str, *fragments: str) -> str | None:
    """None when the CLI refused cleanly; else what was wrong."""
    if code != EXIT_BAD_INPUT:
        return f"exit {code}, stderr {err!r}"
    if out:
        return f"printed on stdout: {out!r}"
    lines = err.strip().splitlines()
    if len(lines) != 1 or not lines[0].startswith("nnviz: error: "):
        return f"stderr is not one 'nnviz: error:' line: {err!r}"
    missing = [f for f in fragments if f not in err]
    return f"{err!r} does not name {missing}" if missing else None


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_bad_set_value_exits_2_with_one_line_naming_the_key(scenario):
    failures = []
    tried = 0
    params = get_scenario(scenario).config_type.params()
    for name, spec in params.items():
        for text in bad_texts(spec):
            tried += 1
            try:
                code, out, err = run_cli("run", scenario, "--steps", "0",
                                         "--set", f"{name}={text}")
            except Exception as error:  # the point: nothing may escape
                failures.append(f"--set {name}={text!r} raised {error!r}")
                continue
            problem = check_one_line(code, out, err, name)
            if problem:
                failures.append(f"--set {name}={text!r}: {problem}")
    assert tried >= 2 * sum(spec.kind not in ("str", "path") for spec in params.values())
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("scenario", SCENARIOS)
@pytest.mark.parametrize("assignment, fragment", [
    ("no_such_knob=1", "unknown hyperparameter 'no_such_knob'"),
    ("learning_rat=0.1", "unknown hyperparameter 'learning_rat'"),
    ("=3", "expected KEY=VALUE"),
    ("hidden_sizes", "expected KEY=VALUE"),
])
def test_unknown_keys_and_malformed_assignments(scenario, assignment, fragment):
    assert check_one_line(*run_cli("run", scenario, "--set", assignment), fragment) is None


@pytest.mark.parametrize("argv, fragment", [
    (["run", "moons", "--steps", "-5"], "--steps -5"),
    (["run", "moons", "--every", "0"], "--every 0"),
    (["run", "moons", "--every", "nan"], "'nan' is not a whole number"),
    (["run", "moons", "--preset", "race-momentum"], "is for scenario 'race'"),
    (["run", "no_such_scenario"], "unknown scenario"),
    (["run"], "required"),
])
def test_bad_run_arguments(argv, fragment):
    assert check_one_line(*run_cli(*argv), fragment) is None


def test_the_real_command_prints_one_line_and_no_traceback():
    """Through the console entry point, in a fresh interpreter, with warnings as errors."""
    cases = [
        (["--set", "learning_rate=nan"], "learning_rate=nan: not a finite number"),
        (["--set", "hidden_sizes=8,x"], "'x' is not an integer"),
        (["--set", "batch_size=-1"], "below the minimum"),
    ]
    for extra, fragment in cases:
        result = subprocess.run(
            [sys.executable, "-W", "error", "-m", "nnviz", "run", "moons", *extra],
            capture_output=True, text=True, timeout=60)
        assert result.returncode == EXIT_BAD_INPUT, result.stderr
        assert result.stdout == ""
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
        assert fragment in result.stderr


# -- values inside the bounds must not crash either ---------------------------------------------
_SMALL = {
    "moons": {"n_samples": 60},
    "race": {"n_samples": 60},
    "digits": {"max_train": 150, "eval_examples": 150},
    "digits_cnn": {"max_train": 150, "eval_examples": 150, "source": "sklearn_8x8"},
}
#: sizes whose extremes only cost time, and values audited elsewhere
_NOT_EDGED = {"n_samples", "max_train", "eval_examples", "surface_points", "epochs",
              "mnist_folder", "racers", "torch_threads"}


def edge_values(spec: Param) -> list:
    if spec.kind in ("float", "int"):
        values = [v for v in (spec.minimum, spec.maximum) if v is not None]
        return [int(v) for v in values] if spec.kind == "int" else values
    if spec.kind == "choice":
        return list(spec.choices)
    if spec.kind == "bool":
        return [True, False]
    if spec.kind == "int_list":
        low = 1 if spec.minimum is None else int(spec.minimum)
        high = int(min(spec.maximum if spec.maximum is not None else 64, 64))
        values = [(low,) * max(spec.min_length, 1), (high,) * min(spec.max_length, 3)]
        return [*values, ()] if spec.min_length == 0 else values
    return []


@pytest.mark.parametrize("scenario", [s for s in SCENARIOS if s != "hotdog"])
def test_bounds_and_every_choice_build_and_train_or_refuse_clearly(scenario):
    """Each value at its minimum and maximum (and each choice) builds a session that takes a
    few steps with views, or is refused with ParamError / a clean ValueError, OSError or
    MissingDependency (what the CLI turns into exit 2). NaN may only arrive as a divergence
    snapshot, and no floating-point warning may escape (pytest turns them into errors)."""
    if scenario == "digits_cnn":
        pytest.importorskip("torch")
    spec_of = get_scenario(scenario)
    base = _SMALL.get(scenario, {})
    built = 0
    for name, spec in spec_of.config_type.params().items():
        if name in _NOT_EDGED:
            continue
        for value in edge_values(spec):
            try:
                config = spec_of.config_type().with_values({**base, name: value})
            except ParamError:
                continue  # a cross-field rule said no, by name
            try:
                session = spec_of.create_session(config)
            except (ValueError, OSError, MissingDependency) as error:
                assert str(error), f"{name}={value!r}: empty message"
                continue
            snapshots = list(train(session, max_steps=2, every=1, views=True))
            built += 1
            last = snapshots[-1]
            if not last.diverged:
                finite = [v for v in last.metrics.values() if math.isfinite(float(v))]
                assert len(finite) == len(last.metrics), f"{name}={value!r}: {last.metrics}"
            assert all(np.all(np.isfinite(arr)) for arr in last.trace.values()), name
    assert built >= 1
