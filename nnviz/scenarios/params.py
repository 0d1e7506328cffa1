"""Hyperparameters described once, for the GUI's controls, the CLI's ``--set`` and preset files.

A scenario's config is a frozen dataclass whose fields are declared with :func:`param`. Each
field carries a :class:`Param`: its kind, bounds, choices, unit, help text and whether a change
is *live* (read by the next training step, e.g. the learning rate) or *structural* (the run is
rebuilt, e.g. the hidden sizes). Everything that lets a person change a value goes through
:meth:`Param.coerce`, so a value outside the bounds cannot get in anywhere.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, TypeVar

# defined in the core (its records check their own settings and word their errors the same
# way); raised, caught and imported as this module's own
from nnviz.core.param_error import SHOWN_CHARACTERS as SHOWN_CHARACTERS
from nnviz.core.param_error import ParamError as ParamError
from nnviz.core.param_error import shown as shown
from nnviz.core.param_error import shown_text as shown_text

Kind = Literal["float", "int", "optional_int", "bool", "choice", "int_list", "str", "path",
               "multi_choice"]


@dataclass(frozen=True)
class Param:
    """How one hyperparameter may be set.

    ``minimum``/``maximum`` bound numbers and, for ``int_list``, every element.
    ``log_scale`` tells controls to move the value on a log axis (learning rates).
    ``min_length``/``max_length`` bound the length of an ``int_list`` (hidden layer sizes) and
    of a ``multi_choice`` (a tuple of distinct names from ``choices``, e.g. initialisers).
    ``group`` sorts controls into sections; ``advanced`` ones are folded away by default.
    An ``optional_int`` is an integer or None ("unset": empty text on the command line and in
    the controls), for a value that otherwise follows another one (``data_seed`` → ``seed``).
    Each kind's check is one function in :data:`_COERCERS` (and its text form one in
    :data:`_PARSERS`), so adding a kind adds a line, not a branch.
    """

    name: str
    kind: Kind
    default: Any
    live: bool = False
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    log_scale: bool = False
    unit: str = ""
    help: str = ""
    label: str = ""
    group: str = "model"
    min_length: int = 0
    max_length: int = 16
    advanced: bool = False
    #: turns an accepted value into the value the config keeps (the race's racers line into
    #: its :class:`~nnviz.core.racers.Racers`, parsed once); None keeps it as it is
    read: Callable[[Any], Any] | None = None

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()

    def accepted(self) -> str:
        """What values are accepted, in words, for error messages and tooltips."""
        if self.kind == "choice":
            return "one of " + ", ".join(self.choices)
        if self.kind == "multi_choice":
            return (f"{self.min_length} to {self.max_length} comma-separated names from "
                    + ", ".join(self.choices))
        if self.kind == "bool":
            return "true or false"
        if self.kind in ("str", "path"):
            return "text" if self.kind == "str" else "a file or folder path"
        bounds = _bounds_text(self.minimum, self.maximum)
        if self.kind == "int_list":
            return (
                f"{self.min_length} to {self.max_length} comma-separated integers, each {bounds}"
                if bounds
                else "comma-separated integers"
            )
        noun = "a number" if self.kind == "float" else "an integer"
        if self.kind == "optional_int":
            return f"{noun} {bounds}".strip() + ", or empty (unset)"
        return f"{noun} {bounds}".strip()

    def _fail(self, value: object, why: str) -> ParamError:
        return ParamError(f"{self.name}={shown(value)}: {why}; accepted: {self.accepted()}")

    def parse(self, text: str) -> Any:
        """Turn command-line or free text into a valid value (``8,8`` → ``(8, 8)``).

        Numbers are ASCII digits only (Python's ``int("٣")`` is 3, which nobody means on a
        command line), and a list is flat: one optional pair of brackets around it, no more.
        """
        parser = _PARSERS.get(self.kind)
        text = text.strip()
        return parser(self, text) if parser is not None else self.coerce(text)

    def coerce(self, value: Any) -> Any:
        """Check and normalise a value from any source; raise :class:`ParamError` if invalid."""
        coercer = _COERCERS.get(self.kind)
        if coercer is None:
            raise AssertionError(f"unknown parameter kind {self.kind}")
        checked = coercer(self, value)
        return checked if self.read is None else self.read(checked)

    def _check_bounds(self, number: float, original: object) -> None:
        if self.minimum is not None and number < self.minimum:
            raise self._fail(original, "below the minimum")
        if self.maximum is not None and number > self.maximum:
            raise self._fail(original, "above the maximum")

    def format(self, value: Any) -> str:
        """The inverse of :meth:`parse`, for ``--set`` lines and sidecars."""
        if self.kind in ("int_list", "multi_choice"):
            return ",".join(str(v) for v in value)
        if self.kind == "bool":
            return "true" if value else "false"
        if value is None:
            return ""
        return str(value)


#: what unsets an ``optional_int`` when typed
UNSET_WORDS = ("", "none")

_PAIRS = {"[": "]", "(": ")"}


def _flat_list(spec: Param, text: str) -> str:
    """``[8,8]``, ``(8,8)`` or ``8,8`` → ``8,8``; nested or unbalanced brackets are refused."""
    inner = text
    if inner[:1] in _PAIRS and inner[-1:] == _PAIRS[inner[0]]:
        inner = inner[1:-1]
    if any(bracket in inner for bracket in "[]()"):
        raise spec._fail(text, "not a flat list (nested or unbalanced brackets)")
    return inner


def _parse_int(spec: Param, part: str, whole: str) -> int:
    """An integer from ASCII text; ``1e3`` and ``8.0`` are whole numbers too."""
    if not part.isascii():  # int() reads other scripts' digits too: int("٣") == 3
        raise spec._fail(whole, f"{shown(part)} is not an integer")
    try:
        return int(part)
    except ValueError:
        try:
            number = float(part)
        except ValueError:
            raise spec._fail(whole, f"{shown(part)} is not an integer") from None
        if not number.is_integer():
            raise spec._fail(whole, f"{shown(part)} is not an integer") from None
        return int(number)


def _parse_int_list(spec: Param, text: str) -> tuple[int, ...]:
    if text in ("", "none", "[]", "()"):
        return spec.coerce(())
    parts = _flat_list(spec, text).split(",")
    return spec.coerce([_parse_int(spec, p.strip(), text) for p in parts if p.strip()])


def _parse_bool(spec: Param, text: str) -> bool:
    lowered = text.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise spec._fail(text, "not a boolean")


def _parse_integer(spec: Param, text: str) -> int | None:
    return spec.coerce(_parse_int(spec, text, text))


def _parse_optional_int(spec: Param, text: str) -> int | None:
    return None if text.lower() in UNSET_WORDS else _parse_integer(spec, text)


def _parse_float(spec: Param, text: str) -> float:
    try:
        if not text.isascii():  # float() reads other scripts' digits too
            raise ValueError(text)
        number = float(text)
    except ValueError:
        raise spec._fail(text, "not a number") from None
    return spec.coerce(number)


#: kind → its text parser; other kinds take the text as it is (then :meth:`Param.coerce`)
_PARSERS: dict[str, Callable[[Param, str], Any]] = {
    "int_list": _parse_int_list, "bool": _parse_bool, "int": _parse_integer,
    "optional_int": _parse_optional_int, "float": _parse_float,
}


def _is_number(value: object) -> bool:
    """An int or a float, not a bool (``True`` is an ``int`` to Python, not to a person)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _coerce_float(spec: Param, value: Any) -> float:
    if not _is_number(value):
        raise spec._fail(value, "not a number")
    try:
        number = float(value)
    except OverflowError:  # an integer too large for a float
        raise spec._fail(value, "not a finite number") from None
    if not math.isfinite(number):
        raise spec._fail(value, "not a finite number")
    spec._check_bounds(number, value)
    return number


def _coerce_int(spec: Param, value: Any) -> int:
    if not _is_number(value) or (isinstance(value, float) and not value.is_integer()):
        raise spec._fail(value, "not an integer")
    number = int(value)
    spec._check_bounds(number, value)
    return number


def _coerce_optional_int(spec: Param, value: Any) -> int | None:
    return None if value is None else _coerce_int(spec, value)


def _coerce_bool(spec: Param, value: Any) -> bool:
    if not isinstance(value, bool):
        raise spec._fail(value, "not a boolean")
    return value


def _coerce_choice(spec: Param, value: Any) -> str:
    if not isinstance(value, str) or value not in spec.choices:
        raise spec._fail(value, "unknown choice")
    return value


def _coerce_int_list(spec: Param, value: Any) -> tuple[int, ...]:
    if _is_number(value):
        value = [value]
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise spec._fail(value, "not a list of integers")
    items = []
    for item in value:
        if not _is_number(item) or (isinstance(item, float) and not item.is_integer()):
            raise spec._fail(value, f"{shown(item)} is not an integer")
        spec._check_bounds(int(item), value)
        items.append(int(item))
    _check_length(spec, value, items)
    return tuple(items)


def _coerce_names(spec: Param, value: Any) -> tuple[str, ...]:
    """A ``multi_choice`` value: ``"a,b"`` or a sequence of names → a tuple of names."""
    if isinstance(value, str):
        names = [part.strip() for part in _flat_list(spec, value.strip()).split(",")
                 if part.strip()]
    elif isinstance(value, Sequence):
        names = list(value)
    else:
        raise spec._fail(value, "not a list of names")
    for name in names:
        if not isinstance(name, str) or name not in spec.choices:
            raise spec._fail(value, f"{shown(name)} is not one of the choices")
    if len(set(names)) != len(names):
        raise spec._fail(value, "a name is repeated")
    _check_length(spec, value, names)
    return tuple(names)


def _check_length(spec: Param, value: Any, items: Sequence[Any]) -> None:
    if not spec.min_length <= len(items) <= spec.max_length:
        raise spec._fail(value, f"needs {spec.min_length} to {spec.max_length} entries")


def _coerce_text(spec: Param, value: Any) -> str:
    if not isinstance(value, str):
        raise spec._fail(value, "not text")
    return value


#: kind → the function that checks and normalises a value of that kind
_COERCERS: dict[str, Callable[[Param, Any], Any]] = {
    "float": _coerce_float, "int": _coerce_int, "optional_int": _coerce_optional_int,
    "bool": _coerce_bool, "choice": _coerce_choice, "int_list": _coerce_int_list,
    "multi_choice": _coerce_names, "str": _coerce_text, "path": _coerce_text,
}


def number_text(number: float) -> str:
    """A bound as people read it: whole numbers exactly (``2147483647``, not ``2.14748e+09``),
    other numbers in their shortest exact form (``0.0001``, ``1e-08``)."""
    if float(number).is_integer() and abs(number) < 2**63:
        return str(int(number))
    return repr(float(number))


def _bounds_text(minimum: float | None, maximum: float | None) -> str:
    if minimum is not None and maximum is not None:
        return f"from {number_text(minimum)} to {number_text(maximum)}"
    if minimum is not None:
        return f"≥ {number_text(minimum)}"
    if maximum is not None:
        return f"≤ {number_text(maximum)}"
    return ""


def param(default: Any, kind: Kind | None = None, **options: Any) -> Any:
    """Declare a config field and its :class:`Param` in one place.

    The field's name fills in ``Param.name`` when the config class is created; ``kind`` is
    inferred from the default where that is unambiguous (float, int, bool, tuple of ints;
    ``choices`` with a tuple default is a ``multi_choice``).
    """
    if kind is None:
        if "choices" in options and isinstance(default, tuple):
            kind = "multi_choice"
        elif "choices" in options:
            kind = "choice"
        elif isinstance(default, bool):
            kind = "bool"
        elif isinstance(default, int):
            kind = "int"
        elif isinstance(default, float):
            kind = "float"
        elif isinstance(default, tuple):
            kind = "int_list"
        else:
            kind = "str"
    if "choices" in options:
        options["choices"] = tuple(options["choices"])
    spec = Param(name="", kind=kind, default=default, **options)
    return field(default=default, metadata={"param": spec})


ConfigT = TypeVar("ConfigT", bound="Config")


@dataclass(frozen=True)
class Config:
    """Base class of scenario configs: typed attributes plus the description of each one."""

    _params: ClassVar[dict[str, Param]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._params = {}

    @classmethod
    def params(cls) -> dict[str, Param]:
        """Every hyperparameter of this config, in declaration order, by name."""
        if not cls._params:
            found: dict[str, Param] = {}
            for item in dataclasses.fields(cls):
                spec = item.metadata.get("param")
                if spec is not None:
                    found[item.name] = dataclasses.replace(spec, name=item.name)
            cls._params = found
        return cls._params

    @classmethod
    def param(cls, name: str) -> Param:
        params = cls.params()
        if name not in params:
            raise ParamError(
                f"unknown hyperparameter {shown(name)}; known: {', '.join(sorted(params))}"
            )
        return params[name]

    def __post_init__(self) -> None:
        for name, spec in self.params().items():
            object.__setattr__(self, name, spec.coerce(getattr(self, name)))
        self.check()

    def check(self) -> None:
        """Cross-field rules (override); raise :class:`ParamError` naming the fields."""

    def unavailable_reason(self) -> str:
        """Empty when what these values need from outside nnviz (an optional package, a data
        or weights file) is there; else what is missing and the command or step that fixes
        it (override). Cheap and without side effects: the picker and ``nnviz list`` ask it
        of every preset, so one that cannot open is greyed out, not opened on an error."""
        return ""

    def trace_label(self, name: str) -> str | None:
        """The legend's words for per-step series ``name`` of a run with this config, or None
        where nnviz's own session made it and :data:`nnviz.session.TRACE_LABELS` says what it
        is (override where the series came from elsewhere: a user's script reports any
        scalar as ``loss``, and nnviz cannot vouch that it is a mean per example)."""
        return None

    def with_values(self: ConfigT, values: Mapping[str, Any]) -> ConfigT:
        """A copy with ``values`` applied; every key and value is validated."""
        for name in values:
            self.param(name)
        return dataclasses.replace(self, **dict(values))

    def with_text(self: ConfigT, assignments: Mapping[str, str]) -> ConfigT:
        """A copy with ``key=text`` assignments parsed as the CLI's ``--set`` does."""
        return self.with_values({k: self.param(k).parse(v) for k, v in assignments.items()})

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.params()}

    def differences(self, other: Config) -> dict[str, tuple[Any, Any]]:
        """Fields whose values differ: name → (self's, other's); used for legends."""
        return {
            name: (getattr(self, name), getattr(other, name))
            for name in self.params()
            if getattr(self, name) != getattr(other, name, None)
        }

    def live_changes(self, other: Config) -> tuple[dict[str, Any], dict[str, Any]]:
        """Split the changes from self to other into (live, structural) by each Param."""
        live: dict[str, Any] = {}
        structural: dict[str, Any] = {}
        for name, (_, new) in self.differences(other).items():
            (live if self.param(name).live else structural)[name] = new
        return live, structural


def data_seed_of(config: Config) -> int:
    """The seed that draws a config's data (points, split, subsets): its ``data_seed`` where
    set, else its ``seed``, so that without a data seed one seed fixes data and weights."""
    data_seed = getattr(config, "data_seed", None)
    return config.seed if data_seed is None else data_seed  # type: ignore[attr-defined]
