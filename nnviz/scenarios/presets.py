"""Preset files: a scenario name plus only the values that differ from its defaults.

A preset is a TOML file in ``resources/presets/`` (or any path)::

    scenario = "moons"
    title = "Capacity: 10 hidden units"
    description = "one line for the picker and `nnviz list`"

    [values]
    hidden_sizes = [10]
    learning_rate = 0.01

    steps = 2000             # optional: the run's length (the original experiment's, for the
                             # classic presets); ``nnviz run`` and the app's «Run» stop there

    [lesson]                 # optional: a guided lesson (text shown beside the panels)
    what = "one paragraph: what this shows"
    try = ["Press «Run» and …", "second thing to try"]
    order = 2                # its place in the curriculum (the picker sorts by it)
    look_for = "where to look"
    compare_label = "3 units"  # names the second run on the app's comparison button
    compare_after = 5000     # steps of the first run before the app pins it and starts B

    [lesson.compare]         # optional: the second run of a comparison (run A, pin, run B)
    hidden_sizes = [3]

Presets whose names begin with ``classic-`` reproduce a classic tutorial experiment at its
original settings; ``nnviz list`` and the picker show them as one group.

Lesson texts quote what the window shows, a button, a control, a panel, a drop-down option,
as «name» (the window prints it in bold), spelled exactly as on screen; a test opens every
lesson and checks that each quoted name is there.

Loading validates every key and value; an error names the file, the key, the line and what is
accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nnviz.data.limits import MAX_TEXT_FILE_BYTES, read_bounded
from nnviz.resources import resource_path
from nnviz.scenarios.params import Config, ParamError, shown, shown_text
from nnviz.scenarios.registry import get_scenario, scenario_names

_TOP_KEYS = {"scenario", "title", "description", "values", "lesson", "steps"}
#: the name prefix of the presets that reproduce a classic experiment at its own settings
CLASSIC_PREFIX = "classic-"
#: the groups presets are listed in, in order, with their headings
GROUPS = {"lesson": "Lessons", "classic": "Classic experiments at their original settings",
          "more": "More presets"}
_LESSON_KEYS = {"what", "try", "compare", "order", "compare_label", "compare_after",
                "look_for"}
#: a name of the window quoted in a lesson text: «Run», «Learning rate», «Layer health»
#: the longest run a preset may ask for (the classic three-blobs network trains 100,000 epochs)
MAX_PRESET_STEPS = 10_000_000
UI_QUOTE = re.compile(r"«([^«»\n]+)»")


class PresetError(ValueError):
    """A preset that cannot be used; the message names file, key and line."""


@dataclass(frozen=True)
class Lesson:
    what: str
    try_steps: tuple[str, ...]
    compare: dict[str, Any] = field(default_factory=dict)
    order: int = 0
    look_for: str = ""
    #: names the second run on the app's button ("Pin this run and try CBOW")
    compare_label: str = ""
    #: steps run A takes before the app pins it and starts B (0: the scenario's default)
    compare_after: int = 0

    @property
    def texts(self) -> tuple[str, ...]:
        """Every text the window shows for this lesson, in reading order."""
        return (self.what, *self.try_steps, self.look_for)

    @property
    def ui_names(self) -> tuple[str, ...]:
        """The window's names this lesson quotes as «name», each once, in reading order."""
        found = (name for text in self.texts for name in UI_QUOTE.findall(text))
        return tuple(dict.fromkeys(found))


@dataclass(frozen=True)
class Preset:
    name: str
    scenario: str
    title: str
    description: str
    values: dict[str, Any]
    path: Path
    lesson: Lesson | None = None
    #: updates a run of this preset takes before it stops by itself (None: no set length)
    steps: int | None = None

    @property
    def group(self) -> str:
        """``classic`` (a classic experiment, by its name), ``lesson`` or ``more``."""
        if self.name.startswith(CLASSIC_PREFIX):
            return "classic"
        return "lesson" if self.lesson is not None and self.lesson.order else "more"

    def config(self) -> Config:
        """The scenario's default config with this preset's values applied (validated)."""
        return get_scenario(self.scenario).config_type().with_values(self.values)

    def compare_config(self) -> Config | None:
        if self.lesson is None or not self.lesson.compare:
            return None
        return self.config().with_values(self.lesson.compare)

    def unavailable_reason(self) -> str:
        """Empty when the preset can open; else what is missing (its scenario's package, or
        a package or file its values need) and how to get it."""
        return get_scenario(self.scenario).unavailable_reason(self.config())


def presets_dir() -> Path:
    return resource_path("presets")


def _line_of(text: str, key: str, section: str | None = None) -> int | None:
    """The 1-based line where ``key =`` is set (inside ``[section]`` when given)."""
    start = 0
    if section is not None:
        header = re.search(rf"^[ \t]*\[{re.escape(section)}\][ \t]*$", text, re.MULTILINE)
        start = header.end() if header else 0
    name = re.escape(key)
    patterns = (
        rf"^[ \t]*{name}[ \t]*=",  # key = value
        rf"^[ \t]*\[[^\]\n]*\.{name}\][ \t]*$",  # [values.key] sub-table
        rf"(?:^[ \t]*|[.{{,][ \t]*){name}[ \t]*=",  # dotted key or inline table
    )
    for pattern in patterns:
        match = re.compile(pattern, re.MULTILINE).search(text, start)
        if match:
            return text.count("\n", 0, match.start()) + 1
    return None


def _where(path: Path, text: str, key: str, section: str | None = None) -> str:
    line = _line_of(text, key, section)
    return f"{path}:{line}" if line else str(path)


def load_preset(path: str | Path) -> Preset:
    """Read and validate one preset file, importing only its scenario's module."""
    path = Path(path)
    try:
        text = read_bounded(path, MAX_TEXT_FILE_BYTES, "preset file", PresetError).decode("utf-8")
    except FileNotFoundError:
        raise PresetError(f"{path}: preset file not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise PresetError(f"{path}: cannot read preset ({error})") from None
    data = _parse_toml(path, text)
    for key in data:
        if key not in _TOP_KEYS:
            raise PresetError(
                f"{_where(path, text, key)}: unknown key {shown(key)}; "
                f"accepted: {', '.join(sorted(_TOP_KEYS))}"
            )
    scenario_name = data.get("scenario")
    known = scenario_names()
    if "scenario" not in data:
        raise PresetError(f"{path}: no scenario; add a line such as scenario = \"moons\" "
                          f"(known: {', '.join(known)})")
    if not isinstance(scenario_name, str) or scenario_name not in known:
        raise PresetError(
            f"{_where(path, text, 'scenario')}: scenario={shown(scenario_name)} is not a "
            f"scenario; known: {', '.join(known)}"
        )
    config_type = get_scenario(scenario_name).config_type
    values = data.get("values", {})
    if not isinstance(values, dict):
        raise PresetError(f"{_where(path, text, 'values')}: [values] must be a table")
    _validate(path, text, config_type, values)
    lesson = None
    if "lesson" in data:
        lesson = _lesson(path, text, data["lesson"], config_type, values)
    for key in ("title", "description"):
        if key in data and not isinstance(data[key], str):
            raise PresetError(f"{_where(path, text, key)}: {key} must be text")
    steps = data.get("steps")
    if steps is not None and (not isinstance(steps, int) or isinstance(steps, bool)
                              or not 1 <= steps <= MAX_PRESET_STEPS):
        raise PresetError(f"{_where(path, text, 'steps')}: steps must be a whole number of "
                          f"updates from 1 to {MAX_PRESET_STEPS:,}")
    return Preset(
        name=path.stem,
        scenario=scenario_name,
        title=data.get("title", path.stem),
        description=data.get("description", ""),
        values=dict(values),
        path=path,
        lesson=lesson,
        steps=steps,
    )


def _parse_toml(path: Path, text: str) -> dict[str, Any]:
    """``tomllib.loads`` with every way it can fail as a :class:`PresetError`.

    Besides malformed TOML, tomllib recurses once per level of nesting (``x = [[[…]]]`` 50,000
    deep is a RecursionError) and hands integers to ``int()``, which refuses more than 4300
    digits with a ValueError that is not a TOMLDecodeError.

    tomllib is imported here: the window imports this module to open a scenario, and reads a
    preset file only when it opens one or fills its picker, after its first frame.
    """
    import tomllib

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = re.search(r"\(at line (\d+), column \d+\)", str(error))
        where = f"{path}:{found.group(1)}" if found else str(path)
        raise PresetError(f"{where}: invalid TOML: {shown_text(error, 160)}") from None
    except RecursionError:
        raise PresetError(f"{path}: invalid TOML: arrays or tables nested too deeply") from None
    except ValueError as error:
        why = ("a number with too many digits" if "digits" in str(error)
               else shown_text(error))
        raise PresetError(f"{path}: invalid TOML: {why}") from None


def _validate(path: Path, text: str, config_type: type[Config], values: dict[str, Any],
              section: str = "values") -> None:
    for key, value in values.items():
        try:
            config_type.param(key).coerce(value)
        except ParamError as error:
            raise PresetError(f"{_where(path, text, key, section)}: {error}") from None
    try:
        config_type().with_values(values)
    except ParamError as error:  # a cross-field rule: point at the first field it names
        named = re.match(r"(\w+)[=:]", str(error))
        key = named.group(1) if named and named.group(1) in values else None
        where = _where(path, text, key, section) if key else str(path)
        raise PresetError(f"{where}: {error}") from None


def _lesson(path: Path, text: str, raw: Any, config_type: type[Config],
            values: dict[str, Any]) -> Lesson:
    if not isinstance(raw, dict):
        raise PresetError(f"{_where(path, text, 'lesson')}: [lesson] must be a table")
    for key in raw:
        if key not in _LESSON_KEYS:
            raise PresetError(
                f"{_where(path, text, key)}: unknown lesson key {shown(key)}; "
                f"accepted: {', '.join(sorted(_LESSON_KEYS))}"
            )
    steps = raw.get("try", [])
    if not isinstance(steps, list) or not all(isinstance(s, str) for s in steps):
        raise PresetError(f"{_where(path, text, 'try')}: lesson try must be a list of text")
    compare = raw.get("compare", {})
    if not isinstance(compare, dict):
        raise PresetError(f"{_where(path, text, 'compare')}: [lesson.compare] must be a table")
    _validate(path, text, config_type, compare, "lesson.compare")
    _validate(path, text, config_type, {**values, **compare})
    for key in ("what", "look_for", "compare_label"):
        if key in raw and not isinstance(raw[key], str):
            raise PresetError(f"{_where(path, text, key, 'lesson')}: lesson {key} must be text")
    for key in ("what", "look_for", "try"):
        _check_quotes(path, text, key, raw.get(key, ""))
    order = raw.get("order", 0)
    if not isinstance(order, int) or isinstance(order, bool):  # TOML true is not a number
        raise PresetError(f"{_where(path, text, 'order')}: lesson order must be an integer")
    after = raw.get("compare_after", 0)
    if not isinstance(after, int) or isinstance(after, bool) or after < 0:
        raise PresetError(f"{_where(path, text, 'compare_after')}: lesson compare_after must "
                          "be a whole number of steps, 0 or more")
    return Lesson(str(raw.get("what", "")), tuple(steps), dict(compare), order,
                  str(raw.get("look_for", "")), str(raw.get("compare_label", "")), after)


def _check_quotes(path: Path, text: str, key: str, value: str | list[str]) -> None:
    """Every « closes with a » on the same line, so no quoted name runs on or is lost."""
    for item in [value] if isinstance(value, str) else value:
        unquoted = UI_QUOTE.sub("", item)
        if "«" in unquoted or "»" in unquoted:
            raise PresetError(f"{_where(path, text, key, 'lesson')}: lesson {key}: a «quoted "
                              f"name» is not closed: {shown_text(item, 120)}")


def all_presets(folder: Path | None = None) -> dict[str, Preset]:
    """Every shipped preset by name (file stem), sorted by lesson order then name."""
    folder = folder or presets_dir()
    presets = [load_preset(path) for path in sorted(folder.glob("*.toml"))]
    return {preset.name: preset for preset in sorted(presets, key=_curriculum_order)}


def _curriculum_order(preset: Preset) -> tuple[int, int, str]:
    """Lessons by their order, then the classic experiments, then every other preset; the
    last two by name."""
    group = list(GROUPS).index(preset.group)
    order = preset.lesson.order if preset.group == "lesson" and preset.lesson else 0
    return (group, order, preset.name)


def usable_presets() -> tuple[dict[str, Preset], list[str]]:
    """Every shipped preset that loads, in picker order, and an error line for each that does not.

    One broken file must not hide the others (``all_presets`` stops at the first error).
    """
    presets, errors = [], []
    for path in sorted(presets_dir().glob("*.toml")):
        try:
            presets.append(load_preset(path))
        except PresetError as error:
            errors.append(str(error))
    return {preset.name: preset for preset in sorted(presets, key=_curriculum_order)}, errors


def preset_names() -> list[str]:
    """The names of the shipped presets (file stems), without reading the files."""
    return [path.stem for path in sorted(presets_dir().glob("*.toml"))]


def shipped_preset(name: str) -> Preset:
    """The shipped preset ``name`` (one of :func:`preset_names`), reading only its own file."""
    return load_preset(presets_dir() / f"{name}.toml")


def find_preset(name_or_path: str) -> Preset:
    """A shipped preset by name, or a preset file by path."""
    if not name_or_path.strip():
        raise PresetError("an empty preset name; give a preset name or a .toml path")
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or candidate.exists():
        return load_preset(candidate)
    path = presets_dir() / f"{name_or_path}.toml"
    if not path.exists():
        raise PresetError(f"no preset named {shown(name_or_path)}; "
                          f"known: {', '.join(preset_names())}")
    return load_preset(path)
