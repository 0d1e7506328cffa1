"""Preset files: every shipped one loads; a bad one names file, key and line."""

from __future__ import annotations

import pytest

from nnviz.scenarios.presets import PresetError, all_presets, find_preset, load_preset
from nnviz.scenarios.registry import all_scenarios


def test_every_shipped_preset_loads_and_builds_a_config():
    presets = all_presets()
    assert presets, "resources/presets ships presets"
    scenarios = all_scenarios()
    for preset in presets.values():
        assert preset.scenario in scenarios
        config = preset.config()
        for key, value in preset.values.items():
            assert getattr(config, key) == config.param(key).coerce(value)
        assert preset.title and preset.description, f"{preset.name} needs title + description"


def test_preset_values_differ_from_the_defaults():
    """Presets list only what they change, so a changed default is not silently overridden."""
    for preset in all_presets().values():
        defaults = preset.config().__class__()
        same = [k for k, v in preset.values.items()
                if getattr(defaults, k) == defaults.param(k).coerce(v)]
        assert not same, f"{preset.name} repeats defaults: {same}"


def write(tmp_path, text, name="bad.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ('scenario = "moons"\n[values]\nhidden_size = [3]\n',
         [":3:", "hidden_size", "known:"]),
        ('scenario = "moons"\n[values]\nlearning_rate = -1.0\n',
         [":3:", "learning_rate=-1.0", "below the minimum"]),
        ('scenario = "moons"\n[values]\n\nactivation = 3\n',
         [":4:", "activation=3", "unknown choice"]),
        ('scenario = "moons"\n[values]\nhidden_sizes = "wide"\n',
         [":3:", "hidden_sizes", "not a list of integers"]),
        ('scenario = "moonz"\n', [":1:", "moonz", "known:"]),
        ('scenario = "moons"\ncolour = "red"\n', [":2:", "unknown key 'colour'"]),
        ('scenario = "moons"\n[values\n', ["invalid TOML", "line 2"]),
        ('scenario = "moons"\nsteps = 0\n', [":2:", "steps must be a whole number"]),
        ('scenario = "moons"\nsteps = 2.5\n', [":2:", "steps must be a whole number"]),
        ('scenario = "moons"\nsteps = true\n', [":2:", "steps must be a whole number"]),
    ],
)
def test_bad_presets_name_file_key_and_line(tmp_path, text, fragments):
    path = write(tmp_path, text)
    with pytest.raises(PresetError) as caught:
        load_preset(path)
    message = str(caught.value)
    assert str(path) in message
    for fragment in fragments:
        assert fragment in message


def test_missing_and_undecodable_files(tmp_path):
    with pytest.raises(PresetError, match="not found"):
        load_preset(tmp_path / "absent.toml")
    path = tmp_path / "binary.toml"
    path.write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(PresetError, match="cannot read"):
        load_preset(path)


def test_find_preset_by_name_or_path(tmp_path):
    name = next(iter(all_presets()))
    assert find_preset(name).name == name
    path = write(tmp_path, 'scenario = "moons"\ntitle = "t"\n[values]\nseed = 5\n', "mine.toml")
    assert find_preset(str(path)).config().seed == 5
    with pytest.raises(PresetError, match="no preset named 'nope'"):
        find_preset("nope")


def test_lesson_table_is_validated(tmp_path):
    path = write(tmp_path, 'scenario = "moons"\n[values]\nseed = 1\n[lesson]\nwhat = "x"\n'
                           'try = ["a"]\n[lesson.compare]\nhidden_sizes = [10]\n')
    preset = load_preset(path)
    assert preset.lesson.try_steps == ("a",)
    assert preset.compare_config().hidden_sizes == (10,)
    bad = write(tmp_path, 'scenario = "moons"\n[lesson]\nwhat = "x"\n[lesson.compare]\n'
                          'noise = -2.0\n', "bad-lesson.toml")
    with pytest.raises(PresetError, match="noise"):
        load_preset(bad)


def test_a_presets_group_comes_from_its_name_and_lesson(tmp_path):
    classic = load_preset(write(tmp_path, 'scenario = "moons"\nsteps = 2000\n[lesson]\n'
                                          'what = "x"\n', "classic-moons.toml"))
    lesson = load_preset(write(tmp_path, 'scenario = "moons"\n[lesson]\norder = 3\n',
                               "lesson-x.toml"))
    other = load_preset(write(tmp_path, 'scenario = "moons"\n', "plain.toml"))
    assert (classic.group, lesson.group, other.group) == ("classic", "lesson", "more")
    assert classic.steps == 2000 and other.steps is None


def test_shipped_presets_come_in_their_groups_lessons_then_classics_then_the_rest():
    groups = [preset.group for preset in all_presets().values()]
    assert groups == sorted(groups, key=["lesson", "classic", "more"].index)
    orders = [p.lesson.order for p in all_presets().values() if p.group == "lesson"]
    assert orders == sorted(orders)
