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
import reprlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, TypeVar

Kind = Literal["float", "int", "optional_int", "bool", "choice", "int_list", "str", "path",
               "multi_choice"]


class ParamError(ValueError):
    """A value that a hyperparameter does not accept; the message names key, value and rule."""


#: the most characters of a value an error message echoes: a message is one readable line, and
#: a preset with a million-element list must not print a 3 MB one
SHOWN_CHARACTERS = 80

_shown = reprlib.Repr()
_shown.maxlevel = 3
_shown.maxlist = _shown.maxtuple = _shown.maxdict = _shown.maxset = 6
_shown.maxstring = _shown.maxother = _shown.maxlong = SHOWN_CHARACTERS


def shown(value: object, limit: int = SHOWN_CHARACTERS) -> str:
    """``repr(value)`` for an error message, cut to ``limit`` characters with an ellipsis.

    :mod:`reprlib` abbreviates long lists, long strings and deep nesting without building the
    whole ``repr`` first (which for a hostile value is slow, huge, or a RecursionError).
    """
    try:
        text = _shown.repr(value)
    except (ValueError, RecursionError):  # e.g. an int past Python's 4300-digit str limit
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[:limit - 1] + "…"


def shown_text(text: str, limit: int = SHOWN_CHARACTERS) -> str:
    """Free text (an OS or library message) cut to ``limit`` characters, on one line."""
    flat = " ".join(str(text).split())
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"


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
        text = text.strip()
        if self.kind == "int_list":
            if text in ("", "none", "[]", "()"):
                return self.coerce(())
            parts = _flat_list(self, text).split(",")
            return self.coerce([_parse_int(self, p.strip(), text) for p in parts if p.strip()])
        if self.kind == "bool":
            lowered = text.lower()
            if lowered in ("1", "true", "yes", "on"):
                return True
            if lowered in ("0", "false", "no", "off"):
                return False
            raise self._fail(text, "not a boolean")
        if self.kind == "optional_int" and text.lower() in UNSET_WORDS:
            return None
        if self.kind in ("int", "optional_int"):
            return self.coerce(_parse_int(self, text, text))
        if self.kind == "float":
            try:
                if not text.isascii():  # float() reads other scripts' digits too
                    raise ValueError(text)
                number = float(text)
            except ValueError:
                raise self._fail(text, "not a number") from None
            return self.coerce(number)
        return self.coerce(text)

    def coerce(self, value: Any) -> Any:
        """Check and normalise a value from any source; raise :class:`ParamError` if invalid."""
        kind = self.kind
        if kind == "float":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise self._fail(value, "not a number")
            try:
                number = float(value)
            except OverflowError:  # an integer too large for a float
                raise self._fail(value, "not a finite number") from None
            if not math.isfinite(number):
                raise self._fail(value, "not a finite number")
            self._check_bounds(number, value)
            return number
        if kind == "optional_int" and value is None:
            return None
        if kind in ("int", "optional_int"):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise self._fail(value, "not an integer")
            if isinstance(value, float) and not value.is_integer():
                raise self._fail(value, "not an integer")
            number = int(value)
            self._check_bounds(number, value)
            return number
        if kind == "bool":
            if not isinstance(value, bool):
                raise self._fail(value, "not a boolean")
            return value
        if kind == "choice":
            if not isinstance(value, str) or value not in self.choices:
                raise self._fail(value, "unknown choice")
            return value
        if kind == "int_list":
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                value = [value]
            if isinstance(value, str) or not isinstance(value, Sequence):
                raise self._fail(value, "not a list of integers")
            items = []
            for item in value:
                if isinstance(item, bool) or not isinstance(item, (int, float)):
                    raise self._fail(value, f"{shown(item)} is not an integer")
                if isinstance(item, float) and not item.is_integer():
                    raise self._fail(value, f"{shown(item)} is not an integer")
                self._check_bounds(int(item), value)
                items.append(int(item))
            if not self.min_length <= len(items) <= self.max_length:
                raise self._fail(value, f"needs {self.min_length} to {self.max_length} entries")
            return tuple(items)
        if kind == "multi_choice":
            return self._coerce_names(value)
        if kind in ("str", "path"):
            if not isinstance(value, str):
                raise self._fail(value, "not text")
            return value
        raise AssertionError(f"unknown parameter kind {kind}")

    def _coerce_names(self, value: Any) -> tuple[str, ...]:
        """A ``multi_choice`` value: ``"a,b"`` or a sequence of names → a tuple of names."""
        if isinstance(value, str):
            names = [part.strip() for part in _flat_list(self, value.strip()).split(",")
                     if part.strip()]
        elif isinstance(value, Sequence):
            names = list(value)
        else:
            raise self._fail(value, "not a list of names")
        for name in names:
            if not isinstance(name, str) or name not in self.choices:
                raise self._fail(value, f"{shown(name)} is not one of the choices")
        if len(set(names)) != len(names):
            raise self._fail(value, "a name is repeated")
        if not self.min_length <= len(names) <= self.max_length:
            raise self._fail(value, f"needs {self.min_length} to {self.max_length} entries")
        return tuple(names)

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
