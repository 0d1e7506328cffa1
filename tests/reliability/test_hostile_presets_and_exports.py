"""Hostile and broken files: faults while writing, and words a person can act on.

Writing: a disk that fills up half-way through ``nnviz export`` leaves the folder as it was
and ends with one line; a name typed into the export dialog cannot leave the chosen folder;
files are created without touching the process-wide umask. Reading: nested, huge, mistyped or
random presets and ``--set`` values end as a valid config or as the project's own error with
one short line; never a traceback. The fuzz tests use hypothesis with a bounded number of
examples so they stay fast.
"""

from __future__ import annotations

import errno
import io
import json
import os
import random
import re
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnviz import cli
from nnviz.cli import EXIT_BAD_INPUT, EXIT_DIVERGED, UsageError, main, resolve_config
from nnviz.io import files
from nnviz.io.files import atomic_write
from nnviz.scenarios.params import ParamError
from nnviz.scenarios.presets import PresetError, load_preset, presets_dir
from nnviz.scenarios.registry import all_scenarios, get_scenario

SCENARIOS = list(all_scenarios())
SMALL = ["--set", "n_samples=100", "--set", "grid_resolution=40"]
#: the longest one-line message a bad value may produce (file, key, rule, accepted values)
MESSAGE_LIMIT = 1000


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def one_line(message: str) -> str:
    assert message.strip(), "an empty message"
    assert "\n" not in message.strip(), f"more than one line: {message!r}"
    assert len(message) <= MESSAGE_LIMIT, f"{len(message)} characters: {message[:200]}…"
    assert "Traceback" not in message
    return message


def _folder_state(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


# -- faults while writing ---------------------------------------------------------------------

@pytest.fixture
def moons_panels(qapp):
    return get_scenario("moons").panels


def _disk_fills_up_at(monkeypatch, call: int) -> list[int]:
    """Every ``os.fsync`` of the write layer from the ``call``-th on fails with ENOSPC."""
    calls: list[int] = []
    real = files.os.fsync

    def fsync(fd):
        calls.append(fd)
        if len(calls) >= call:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd)

    monkeypatch.setattr(files.os, "fsync", fsync)
    return calls


@pytest.mark.parametrize("fail_at", [2, 5])
def test_a_disk_full_export_leaves_nothing_new_and_says_one_line(moons_panels, tmp_path,
                                                                  monkeypatch, fail_at):
    out = tmp_path / "figures"
    out.mkdir()
    (out / "moons-20-loss.png").write_bytes(b"an earlier figure")
    before = _folder_state(out)
    calls = _disk_fills_up_at(monkeypatch, fail_at)
    code, stdout, err = run("export", "moons", "--steps", "20", *SMALL, "--out", str(out),
                            "--format", "png,csv")
    assert len(calls) >= fail_at, "the export never reached the failing write"
    assert code == cli.EXIT_WRITE_FAILED, err
    assert stdout == ""
    line = one_line(err)
    assert "No space left on device" in line and "Errno" not in line
    assert _folder_state(out) == before


def test_a_failed_export_into_a_new_folder_leaves_no_folder(moons_panels, tmp_path,
                                                            monkeypatch):
    _disk_fills_up_at(monkeypatch, 3)
    code, _, err = run("export", "moons", "--steps", "20", *SMALL,
                       "--out", str(tmp_path / "new" / "figures"), "--format", "csv")
    assert code == cli.EXIT_WRITE_FAILED
    one_line(err)
    assert list(tmp_path.iterdir()) == []


def test_a_panel_export_that_fails_on_its_sidecar_leaves_no_figure(qapp, tmp_path,
                                                                   monkeypatch):
    from nnviz.app import export

    panel = _plain_panel()
    try:
        _disk_fills_up_at(monkeypatch, 2)  # the PNG is written, its sidecar is not
        with pytest.raises(OSError):
            export.export_panel(panel, tmp_path, export.ExportOptions(("png",)))
    finally:
        panel.close()
    assert list(tmp_path.iterdir()) == []


def _plain_panel():
    from PySide6.QtWidgets import QLabel

    from nnviz.app.panels.base import Panel

    panel = Panel()
    panel.kind, panel.title = "plain_text", "Plain"
    panel.layout_.addWidget(QLabel("accuracy 97.5 %"))
    panel.resize(200, 120)
    return panel


HOSTILE_NAMES = [
    "../../escaped-by-name", "..", ".", "/etc/passwd", "a/../../b", "..\\..\\windows",
    "C:\\temp\\x", "name\x00with-nul", "line\nbreak\r", "\x1b[31mred", "   ", "",
    "\u202eevil.png", "x" * 5000, "é" * 300, "CON", "nul.txt", "a:b*c?d\"e<f>g|h",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_safe_stem_is_one_plain_file_name(name):
    stem = files.safe_stem(name)
    _assert_plain_stem(stem)


def _assert_plain_stem(stem: str) -> None:
    assert stem and stem.strip() == stem
    assert "/" not in stem and "\\" not in stem and ".." not in stem
    assert not any(ord(c) < 32 or ord(c) == 127 for c in stem)
    assert len(stem.encode("utf-8")) <= files.MAX_STEM_BYTES
    assert stem not in (".", "..")
    assert Path(stem).name == stem


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400))
def test_safe_stem_of_any_text_is_a_plain_name(text):
    _assert_plain_stem(files.safe_stem(text))


def test_safe_stem_keeps_a_reasonable_name():
    assert files.safe_stem("Lesson 2 – capacity (final)") == "Lesson 2 – capacity (final)"
    assert files.safe_stem("moons-1200-loss") == "moons-1200-loss"


def test_a_name_typed_in_the_export_dialog_stays_in_the_folder(qapp, tmp_path):
    from PySide6.QtCore import QSettings

    from nnviz.app.export_menu import ExportController

    root = tmp_path / "a" / "b"
    folder = root / "chosen"
    controller = ExportController(settings=QSettings(str(tmp_path / "s.ini"),
                                                     QSettings.Format.IniFormat))
    controller.folder = folder
    controller.quiet = True

    def run_dialog(dialog):
        dialog.stem_edit.setText("../../escaped-by-name")
        return True

    controller.run_dialog = run_dialog
    panel = _plain_panel()
    try:
        written = controller.export_panel(panel)
    finally:
        panel.close()
    assert written, "nothing was exported"
    assert all(path.parent == folder for path in written)
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")
                  if p.is_file() and p.suffix != ".ini") == \
        sorted(f"a/b/chosen/{p.name}" for p in written)


def test_export_panel_never_writes_outside_its_folder(qapp, tmp_path):
    from nnviz.app import export

    folder = tmp_path / "deep" / "folder"
    panel = _plain_panel()
    try:
        written = export.export_panel(panel, folder, export.ExportOptions(("png",)),
                                      stem="../../escaped-by-name")
    finally:
        panel.close()
    assert [p.parent for p in written] == [folder, folder]
    assert not (tmp_path / "escaped-by-name.png").exists()


def test_a_new_file_gets_its_mode_without_touching_the_umask(tmp_path, monkeypatch):
    """The umask is process-wide: setting it to 0 even for a moment lets another thread (the
    recording saver, the feature cache) create a world-writable file."""
    old = os.umask(0o027)
    try:
        def forbidden(*_args):
            raise AssertionError("os.umask called while writing a file")

        monkeypatch.setattr(os, "umask", forbidden)
        fresh = atomic_write(tmp_path / "fresh.csv", "x\n")
        assert fresh.stat().st_mode & 0o777 == 0o640
        kept = tmp_path / "kept.csv"
        kept.write_text("x\n")
        kept.chmod(0o600)
        atomic_write(kept, "y\n")
        assert kept.stat().st_mode & 0o777 == 0o600
    finally:
        monkeypatch.undo()
        os.umask(old)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# -- clear words: presets -------------------------------------------------------------------

def _write(tmp_path: Path, text: str, name: str = "hostile.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("text", [
    "x = " + "[" * 50_000 + "]" * 50_000 + "\n",
    'scenario = "moons"\n[values]\nhidden_sizes = ' + "[" * 50_000 + "]" * 50_000 + "\n",
    "x = " + "{a=" * 3_000 + "1" + "}" * 3_000 + "\n",
])
def test_a_deeply_nested_preset_is_a_preset_error(tmp_path, text):
    path = _write(tmp_path, text)
    with pytest.raises(PresetError) as caught:
        load_preset(path)
    assert "nested" in one_line(str(caught.value))


@pytest.mark.parametrize("text", [
    "x = " + "9" * 5000 + "\n",
    'scenario = "moons"\n[values]\nlearning_rate = ' + "9" * 400 + "\n",
    'scenario = "moons"\n[values]\nhidden_sizes = [' + "9" * 400 + "]\n",
])
def test_a_number_too_long_is_a_preset_error(tmp_path, text):
    with pytest.raises(PresetError) as caught:
        load_preset(_write(tmp_path, text))
    assert len(one_line(str(caught.value))) < 400


def test_a_huge_value_is_not_echoed_whole(tmp_path):
    sizes = ", ".join(["8"] * 1_000_000)
    path = _write(tmp_path, f'scenario = "moons"\n[values]\nhidden_sizes = [{sizes}]\n')
    with pytest.raises(PresetError) as caught:
        load_preset(path)
    message = one_line(str(caught.value))
    assert len(message) < 400 and "hidden_sizes" in message
    assert "..." in message or "…" in message


def test_a_huge_cli_value_is_not_echoed_whole():
    code, _, err = run("run", "moons", "--steps", "0", "--set",
                       "hidden_sizes=" + ",".join(["8"] * 100_000))
    assert code == EXIT_BAD_INPUT
    assert len(one_line(err)) < 400


@pytest.mark.parametrize("text", ["x" * 100_000, "ab\n" * 50_000])
def test_a_huge_unknown_key_or_scenario_is_not_echoed_whole(tmp_path, text):
    key = json.dumps(text)
    for toml in (f'{key} = 1\n', f'scenario = {key}\n', f'scenario = "moons"\n[values]\n'
                                                         f'{key} = 1\n'):
        with pytest.raises(PresetError) as caught:
            load_preset(_write(tmp_path, toml))
        assert len(one_line(str(caught.value))) < 800


def test_integer_bounds_are_shown_exactly():
    for scenario in SCENARIOS:
        for name, spec in get_scenario(scenario).config_type.params().items():
            accepted = spec.accepted()
            assert not re.search(r"\d[eE][+-]?\d", accepted) or spec.kind == "float", \
                f"{scenario}.{name}: {accepted}"
    seed = get_scenario("moons").config_type.param("seed")
    assert "from 0 to 2147483647" in seed.accepted()
    code, _, err = run("run", "moons", "--set", "seed=-1")
    assert code == EXIT_BAD_INPUT and "2147483647" in err and "e+09" not in err


def test_the_seed_tooltip_shows_the_exact_bound():
    from nnviz.app.controls.editors import describe

    assert "2147483647" in describe(get_scenario("moons").config_type.param("seed"))


@pytest.mark.parametrize("text, fragment", [
    ('scenario = "moons"\n[lesson]\norder = true\n', "order"),
    ('scenario = "moons"\n[lesson]\ncompare_after = true\n', "compare_after"),
    ('scenario = "moons"\n[values]\nhidden_sizes = [[8]]\n', "hidden_sizes"),
    ('scenario = "moons"\n[values]\nseed = true\n', "seed"),
])
def test_preset_types_are_strict(tmp_path, text, fragment):
    with pytest.raises(PresetError) as caught:
        load_preset(_write(tmp_path, text))
    assert fragment in one_line(str(caught.value))


@pytest.mark.parametrize("assignment", [
    "seed=٣", "seed=３", "learning_rate=٠.١", "hidden_sizes=٣", "hidden_sizes=8,٣",
    "hidden_sizes=[[8]]", "hidden_sizes=((8))", "hidden_sizes=[8]]", "hidden_sizes=[8",
    "hidden_sizes=8,[8]", "activation=[[tanh]]",
])
def test_cli_values_are_parsed_strictly(assignment):
    with pytest.raises(UsageError) as caught:
        resolve_config("moons", None, [assignment])
    assert assignment.partition("=")[0] in one_line(str(caught.value))


@pytest.mark.parametrize("assignment, value", [
    ("hidden_sizes=[8,8]", (8, 8)), ("hidden_sizes=(4)", (4,)), ("hidden_sizes=8, 8", (8, 8)),
    ("hidden_sizes=[]", ()), ("seed=12", 12), ("learning_rate=1e-3", 1e-3),
])
def test_ordinary_cli_values_still_parse(assignment, value):
    _, config, _ = resolve_config("moons", None, [assignment])
    assert getattr(config, assignment.partition("=")[0]) == value


@pytest.mark.parametrize("argv", [["--steps", "٣"], ["--steps", "３"]])
def test_cli_counts_take_ascii_digits_only(argv):
    code, _, err = run("run", "moons", *argv)
    assert code == EXIT_BAD_INPUT
    assert "--steps" in one_line(err)


def test_the_cli_divergence_message_speaks_command_line():
    code, _, err = run("run", "moons", "--steps", "500", "--every", "50",
                       "--set", "learning_rate=10", "--set", "loss_reduction=sum",
                       "--set", "activation=relu", "--set", "optimizer=sgd",
                       "--set", "n_samples=2000")
    assert code == EXIT_DIVERGED
    line = one_line(err)
    assert "press Run" not in line and "Reset" not in line
    assert "--set learning_rate=1" in line


def test_the_app_keeps_its_own_divergence_words():
    from nnviz.app.runner import divergence_text

    text = divergence_text("Training diverged at step 3: loss=nan. Went back to the last "
                           "good step, 2. Try a smaller learning rate (now 10).", 10.0)
    assert "press Run" in text and "Reset" in text


# -- clear words: weights files ----------------------------------------------------------------

@pytest.fixture
def weights_loader():
    torch = pytest.importorskip("torch")
    from nnviz.backends import backbones

    return torch, backbones


class _NotAllowed:
    """An object ``torch.load(weights_only=True)`` refuses to unpickle."""


def test_an_unsafe_weights_file_gets_our_own_full_sentence(tmp_path, weights_loader):
    torch, backbones = weights_loader
    path = tmp_path / "pickled.pth"
    torch.save({"fc.weight": torch.zeros(2), "extra": _NotAllowed()}, path)
    with pytest.raises(backbones.WeightsError) as caught:
        backbones.load_state_dict(backbones.get_backbone("inception_v3"), path,
                                  torch.nn.Linear(2, 2))
    message = one_line(str(caught.value))
    assert message.startswith(f"{path}: not a PyTorch weights file we can read safely (")
    assert message.endswith(")")
    assert "weights_only" not in message and "False" not in message


@pytest.mark.parametrize("content", [b"", b"certainly not a pickle", b"PK\x03\x04broken zip"])
def test_a_damaged_weights_file_gets_a_short_reason(tmp_path, weights_loader, content):
    torch, backbones = weights_loader
    path = tmp_path / "damaged.pth"
    path.write_bytes(content)
    with pytest.raises(backbones.WeightsError) as caught:
        backbones.load_state_dict(backbones.get_backbone("inception_v3"), path,
                                  torch.nn.Linear(2, 2))
    message = one_line(str(caught.value))
    assert message.startswith(f"{path}: not a PyTorch weights file we can read safely (")
    assert message.endswith(")") and "weights_only" not in message


def test_a_device_as_weights_file_is_not_a_regular_file(weights_loader, monkeypatch):
    _, backbones = weights_loader
    monkeypatch.setattr(backbones.Backbone, "missing_packages", lambda self: [])
    with pytest.raises(backbones.WeightsError) as caught:
        backbones.resolve_backbone("inception_v3", os.devnull)
    message = one_line(str(caught.value))
    assert "not a regular file" in message and "does not exist" not in message
    if Path("/dev/zero").exists():
        with pytest.raises(backbones.WeightsError, match="not a regular file"):
            backbones.resolve_backbone("inception_v3", "/dev/zero")


# -- fuzz: presets and --set values -------------------------------------------------------------

def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def toml_value(value, depth: int = 0) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, float):
        if value != value:
            return "nan"
        if value in (float("inf"), float("-inf")):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(toml_value(v, depth + 1) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_string(k)} = {toml_value(v, depth + 1)}"
                               for k, v in value.items()) + "}"
    return str(value)


TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
SCALARS = (st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=True) | TEXT
           | st.sampled_from([0, 1, -1, 2**31, 2**31 - 1, 512, 513, 1e-9, 1e9, "", "tanh",
                              "relu", "sgd", "adam", "moons", "none", "8,8"]))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=5)
                      | st.dictionaries(TEXT, inner, max_size=3), max_leaves=12)


def _param_names(scenario: str) -> list[str]:
    return list(get_scenario(scenario).config_type.params()) if scenario in SCENARIOS else []


@st.composite
def preset_texts(draw) -> str:
    """A TOML preset built from the real scenarios' keys and plausible and hostile values."""
    scenario = draw(st.sampled_from(SCENARIOS) | TEXT)
    names = _param_names(scenario) or _param_names("moons")
    keys = st.sampled_from(names) | TEXT
    lines = []
    if draw(st.booleans()):
        lines.append(f"scenario = {toml_value(scenario)}")
    for key in ("title", "description"):
        if draw(st.booleans()):
            lines.append(f"{key} = {toml_value(draw(VALUES | TEXT))}")
    values = draw(st.dictionaries(keys, VALUES, max_size=6))
    lines.append("[values]")
    lines += [f"{_toml_string(k)} = {toml_value(v)}" for k, v in values.items()]
    if draw(st.booleans()):
        lesson_keys = st.sampled_from(["what", "try", "order", "look_for", "compare_label",
                                       "compare_after"]) | TEXT
        lesson = draw(st.dictionaries(lesson_keys, VALUES, max_size=4))
        lines.append("[lesson]")
        lines += [f"{_toml_string(k)} = {toml_value(v)}" for k, v in lesson.items()]
        if draw(st.booleans()):
            lines.append("[lesson.compare]")
            compare = draw(st.dictionaries(keys, VALUES, max_size=3))
            lines += [f"{_toml_string(k)} = {toml_value(v)}" for k, v in compare.items()]
    return "\n".join(lines) + "\n"


SHIPPED = [path.read_bytes() for path in sorted(presets_dir().glob("*.toml"))]
NOISE = ["[", "]", "=", '"', "'", "\n", "[[8]]", "true", "1e999", "-0", "{a=1}", "٣", "\x00",
         "[values]", "[lesson]", "hidden_sizes = ", "order = ", "#", "\\", "\"\"\"", "nan"]


@st.composite
def mutated_presets(draw) -> bytes:
    """A shipped preset with a few random cuts, insertions and byte flips."""
    data = bytearray(draw(st.sampled_from(SHIPPED)))
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["cut", "insert", "flip", "noise"]))
        if action == "cut":
            del data[where:where + draw(st.integers(1, 40))]
        elif action == "insert":
            data[where:where] = draw(TEXT).encode("utf-8")
        elif action == "flip" and where < len(data):
            data[where] = draw(st.integers(0, 255))
        else:
            data[where:where] = draw(st.sampled_from(NOISE)).encode("utf-8")
    return bytes(data)


@pytest.fixture(scope="module")
def fuzz_folder(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


def _load_or_preset_error(path: Path) -> None:
    try:
        preset = load_preset(path)
    except PresetError as error:
        one_line(str(error))
        return
    preset.config()  # a preset that loads gives a valid config
    preset.compare_config()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(preset_texts())
def test_random_presets_load_or_fail_with_one_line(fuzz_folder, text):
    _load_or_preset_error(_write(fuzz_folder, text, "random.toml"))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_presets())
def test_mutated_presets_load_or_fail_with_one_line(fuzz_folder, data):
    path = fuzz_folder / "mutated.toml"
    path.write_bytes(data)
    _load_or_preset_error(path)


def _formatted_defaults(scenario: str) -> list[str]:
    config = get_scenario(scenario).config_type
    return [spec.format(spec.default) for spec in config.params().values()]


@st.composite
def set_assignments(draw) -> tuple[str, list[str]]:
    scenario = draw(st.sampled_from(SCENARIOS))
    names = _param_names(scenario)
    assignments = []
    for _ in range(draw(st.integers(1, 3))):
        key = draw(st.sampled_from(names) | TEXT)
        base = draw(st.sampled_from(_formatted_defaults(scenario)) | TEXT
                    | st.sampled_from(NOISE))
        if draw(st.booleans()) and base:
            chars = list(base)
            position = draw(st.integers(0, len(chars)))
            chars[position:position] = draw(st.sampled_from(NOISE + list(string.punctuation)))
            base = "".join(chars)
        separator = draw(st.sampled_from(["=", "=", "= ", " = ", ""]))
        assignments.append(f"{key}{separator}{base}")
    return scenario, assignments


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(set_assignments())
def test_random_cli_values_parse_or_fail_with_one_line(case):
    scenario, assignments = case
    try:
        _, config, _ = resolve_config(scenario, None, assignments)
    except UsageError as error:
        one_line(str(error))
    else:
        type(config)(**config.as_dict())  # what was accepted is a valid config


def test_params_refuse_with_their_own_error_only():
    """Values of every Python type straight into ``coerce``: ParamError or a value."""
    rng = random.Random(0)
    odd = [None, object(), b"8", {"a": 1}, [[8]], [8, [8]], 1j, float("nan"), 10**400, "٣",
           True, [True], ("a",) * 100, "x" * 10_000]
    for scenario in SCENARIOS:
        for spec in get_scenario(scenario).config_type.params().values():
            for value in rng.sample(odd, len(odd)):
                try:
                    spec.coerce(value)
                except ParamError as error:
                    one_line(str(error))
