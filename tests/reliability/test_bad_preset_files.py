"""Preset files with bad content: every error names the file, the line and the key.

Generated per scenario and hyperparameter (a wrong type and an out-of-bounds value for each),
plus the structural mistakes people make when writing TOML by hand. Loading goes through
``load_preset`` and, for a sample, through ``nnviz run --preset`` (exit 2, one line).
"""

from __future__ import annotations

import io
import math
import re

import pytest

from nnviz.cli import EXIT_BAD_INPUT, main
from nnviz.scenarios.params import Param
from nnviz.scenarios.presets import PresetError, load_preset
from nnviz.scenarios.registry import all_scenarios, get_scenario

SCENARIOS = list(all_scenarios())


def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace('"', '\\"') + '"'
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return str(value)


def bad_values(spec: Param) -> list:
    """Values of TOML types that ``spec`` must refuse."""
    wrong_type = {"float": "fast", "int": 2.5, "optional_int": 2.5, "bool": "yes", "choice": 3,
                  "int_list": "8",
                  "multi_choice": 7, "str": 1, "path": ["a"]}[spec.kind]
    values = [wrong_type]
    if spec.kind in ("float", "int", "optional_int", "int_list"):
        if spec.maximum is not None:
            above = spec.maximum * 2 + 1
            above = int(above) if spec.kind != "float" else float(above)
            values.append([above] if spec.kind == "int_list" else above)
        if spec.minimum is not None:
            below = spec.minimum - max(1, abs(spec.minimum))
            below = int(below) if spec.kind != "float" else float(below)
            values.append([below] if spec.kind == "int_list" else below)
    if spec.kind == "float":
        values += [math.nan, math.inf]
    if spec.kind in ("int", "optional_int"):
        values.append(True)  # TOML booleans are not integers
    if spec.kind == "choice":
        values.append("no_such_choice")
    return values


def write(tmp_path, text: str, name: str = "bad.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_every_bad_value_names_file_line_and_key(tmp_path, scenario):
    failures = []
    tried = 0
    params = get_scenario(scenario).config_type.params()
    for name, spec in params.items():
        for value in bad_values(spec):
            tried += 1
            text = (f'scenario = "{scenario}"\ntitle = "audit"\n\n[values]\n'
                    f"{name} = {toml_value(value)}\n")
            path = write(tmp_path, text)
            try:
                load_preset(path)
            except PresetError as error:
                message = str(error)
                if not message.startswith(f"{path}:5: ") or name not in message:
                    failures.append(f"{name} = {toml_value(value)}: {message}")
            except Exception as error:
                failures.append(f"{name} = {toml_value(value)} raised {error!r}")
            else:
                failures.append(f"{name} = {toml_value(value)} was accepted")
    assert tried >= 2 * len(params)
    assert not failures, "\n".join(failures)


STRUCTURAL = {
    "invalid TOML: unclosed table": ('scenario = "moons"\n[values\nseed = 1\n', 2, "invalid TOML"),
    "invalid TOML: bad number": ('scenario = "moons"\n[values]\nlearning_rate = 0.1.2\n', 3,
                                 "invalid TOML"),
    "invalid TOML: duplicate key": ('scenario = "moons"\nscenario = "digits"\n', 2,
                                    "invalid TOML"),
    "invalid TOML: unterminated string": ('scenario = "moons\n', 1, "invalid TOML"),
    "unknown top-level key": ('scenario = "moons"\n\ncolour = "red"\n', 3, "'colour'"),
    "misspelt hyperparameter": ('scenario = "moons"\n[values]\nlearnin_rate = 0.1\n', 3,
                                "'learnin_rate'"),
    "scenario is a number": ("scenario = 3\n", 1, "scenario=3"),
    "scenario is a list": ('scenario = ["moons"]\n', 1, "scenario=['moons']"),
    "unknown scenario": ('title = "x"\nscenario = "mons"\n', 2, "'mons'"),
    "values is not a table": ('scenario = "moons"\nvalues = 3\n', 2, "[values]"),
    "value as a sub-table": ('scenario = "moons"\n[values]\n[values.hidden_sizes]\na = 1\n', 3,
                             "hidden_sizes"),
    "value in an inline table": ('scenario = "moons"\nvalues = { learning_rate = "x" }\n', 2,
                                 "learning_rate"),
    "value as a dotted key": ('scenario = "moons"\nvalues.learning_rate = "x"\n', 2,
                              "learning_rate"),
    "title is a number": ('scenario = "moons"\ntitle = 3\n', 2, "title"),
    "lesson is not a table": ('scenario = "moons"\nlesson = "read"\n', 2, "[lesson]"),
    "lesson text is a number": ('scenario = "moons"\n[lesson]\nwhat = 3\n', 3, "what"),
    "lesson try is text": ('scenario = "moons"\n[lesson]\ntry = "do it"\n', 3, "try"),
    "unknown lesson key": ('scenario = "moons"\n[lesson]\nwhy = "x"\n', 3, "'why'"),
    "lesson order is text": ('scenario = "moons"\n[lesson]\norder = "first"\n', 3, "order"),
    "negative compare_after": ('scenario = "moons"\n[lesson]\ncompare_after = -5\n', 3,
                               "compare_after"),
    "bad compare value": ('scenario = "moons"\n[values]\nlearning_rate = -1.0\n'
                          '[lesson.compare]\nlearning_rate = -1.0\n', 3, "learning_rate"),
    "bad compare value only": ('scenario = "moons"\n[lesson]\nwhat = "x"\n\n'
                               '[lesson.compare]\nlearning_rate = -1.0\n', 6, "learning_rate"),
    "cross-field rule": ('scenario = "digits"\n[values]\nseed = 1\nclasses = [1]\n', 4,
                         "classes"),
    "racer description": ('scenario = "race"\n[values]\nracers = "gd lr=abc"\n', 3, "racers"),
}


@pytest.mark.parametrize("case", list(STRUCTURAL))
def test_structural_mistakes_name_file_line_and_what(tmp_path, case):
    text, line, fragment = STRUCTURAL[case]
    path = write(tmp_path, text)
    with pytest.raises(PresetError) as caught:
        load_preset(path)
    message = str(caught.value)
    assert message.startswith(f"{path}:{line}: "), message
    assert fragment in message


@pytest.mark.parametrize("content, fragment", [
    (b"", "no scenario"),
    (b'title = "no scenario here"\n', "no scenario"),
    ('scenario = "moons"\ntitle = "caf\xe9"\n'.encode("latin-1"), "cannot read preset"),
    (b"\x00\x01\x02binary", "invalid TOML"),
])
def test_empty_binary_and_wrongly_encoded_files(tmp_path, content, fragment):
    path = tmp_path / "odd.toml"
    path.write_bytes(content)
    with pytest.raises(PresetError, match=re.escape(fragment)) as caught:
        load_preset(path)
    assert str(path) in str(caught.value)


def test_a_folder_or_a_missing_file_as_preset(tmp_path):
    (tmp_path / "folder.toml").mkdir()
    with pytest.raises(PresetError, match="not a regular file \\(a folder\\)"):
        load_preset(tmp_path / "folder.toml")
    with pytest.raises(PresetError, match="not found"):
        load_preset(tmp_path / "missing.toml")


def test_cli_reports_each_preset_mistake_in_one_line(tmp_path):
    for index, (case, (text, line, fragment)) in enumerate(STRUCTURAL.items()):
        path = write(tmp_path, text, f"case{index}.toml")
        out, err = io.StringIO(), io.StringIO()
        scenario = "digits" if "digits" in text else "race" if "race" in text else "moons"
        code = main(["run", scenario, "--preset", str(path), "--steps", "0"], out=out, err=err)
        assert code == EXIT_BAD_INPUT, (case, err.getvalue())
        assert err.getvalue().count("\n") == 1, (case, err.getvalue())
        assert f"{path}:{line}: " in err.getvalue(), (case, err.getvalue())
        assert fragment in err.getvalue(), (case, err.getvalue())
        assert out.getvalue() == ""
