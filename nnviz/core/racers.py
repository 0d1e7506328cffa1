"""The racers of the optimiser race: one record per racer, and the line of text that names them.

A race's racers are a tuple of :class:`RacerSpec` records. The racer editor builds that tuple
and the race takes it as it is (:class:`Racers`); text enters in one place, :func:`parse_racers`,
which the CLI's ``--set racers=…``, preset files, the controls' racers line and the editor's
table cells all go through. The grammar::

    racers := racer (";" racer)*            (a newline also separates racers)
    racer  := KIND (KEY "=" VALUE)*

    KIND   gd        gradient descent on the full batch
           sgd       mini-batch SGD (batch 32 unless given)
           momentum  nesterov  adagrad  rmsprop  adam      (full batch unless batch= is given)
           newton    Newton's method (full batch; logistic regression only)

    KEY    name=LABEL      unique label (default: the kind, then kind-2, kind-3 …)
           lr=η            learning rate (Newton: step size, 1 = the pure method)
           momentum=γ      momentum, nesterov
           beta1= beta2=   adam
           rho=ρ           rmsprop
           eps=ε           adagrad, rmsprop, adam
           batch=B         examples per update, 0 = full batch (not newton)
           schedule=S      constant | step | exponential        (nnviz.core.schedules)
           every=E         epochs between step decays (schedule=step); updates when
                           the race's lr_step_unit is "updates"
           factor=F        decay factor per step / per epoch (or per update)
           epochs=E        this racer stops after E epochs (0: the race's ``epochs``)
           search=1|0      newton: backtracking line search (1) or the pure step (0)

Example: ``gd lr=0.1; momentum lr=0.1 momentum=0.9 batch=500; newton``. Errors name the racer
(by position and kind) and the key, and echo at most a short stretch of what was typed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields, replace

from nnviz.core.param_error import ParamError, shown
from nnviz.core.schedules import SCHEDULES

#: kind → the optimiser (from :mod:`nnviz.core.optimizers`) it uses; newton has none
KINDS: dict[str, str | None] = {
    "gd": "sgd",
    "sgd": "sgd",
    "momentum": "momentum",
    "nesterov": "nesterov",
    "adagrad": "adagrad",
    "rmsprop": "rmsprop",
    "adam": "adam",
    "newton": None,
}

KIND_TITLES = {
    "gd": "gradient descent",
    "sgd": "mini-batch SGD",
    "momentum": "SGD + momentum",
    "nesterov": "Nesterov momentum",
    "adagrad": "AdaGrad",
    "rmsprop": "RMSProp",
    "adam": "Adam",
    "newton": "Newton's method",
}

DEFAULT_LEARNING_RATES = {
    "gd": 0.1, "sgd": 0.1, "momentum": 0.1, "nesterov": 0.1, "adagrad": 0.1,
    "rmsprop": 0.01, "adam": 0.01, "newton": 1.0,
}

#: the only problem Newton's method races on: convex, with a Hessian it can invert
CONVEX_PROBLEM = "logistic"

_COMMON = ("name", "lr", "schedule", "every", "factor", "epochs")
_KEYS: dict[str, tuple[str, ...]] = {
    "gd": (*_COMMON,),
    "sgd": (*_COMMON, "batch"),
    "momentum": (*_COMMON, "momentum", "batch"),
    "nesterov": (*_COMMON, "momentum", "batch"),
    "adagrad": (*_COMMON, "eps", "batch"),
    "rmsprop": (*_COMMON, "rho", "eps", "batch"),
    "adam": (*_COMMON, "beta1", "beta2", "eps", "batch"),
    "newton": (*_COMMON, "search"),
}

#: spec key → (RacerSpec field, minimum, maximum, minimum allowed?)
_NUMBERS: dict[str, tuple[str, float, float, bool]] = {
    "lr": ("learning_rate", 0.0, 100.0, False),
    "momentum": ("momentum", 0.0, 1.0, True),
    "beta1": ("beta1", 0.0, 1.0, True),
    "beta2": ("beta2", 0.0, 1.0, True),
    "rho": ("rho", 0.0, 1.0, True),
    "eps": ("epsilon", 0.0, 1.0, False),
    "every": ("step_every", 0.0, 1e6, False),
    "factor": ("decay", 0.0, 1.0, False),
    "epochs": ("epochs", 0.0, 1e6, True),
}
#: keys whose maximum is allowed (the others must stay below it)
_MAXIMUM_ALLOWED = ("lr", "every", "epochs", "factor", "eps")

#: RacerSpec field → its key in the grammar
_KEY_OF_FIELD = {spec_field: key for key, (spec_field, *_) in _NUMBERS.items()} | {
    "batch_size": "batch", "schedule": "schedule", "line_search": "search"}

#: the RacerSpec fields that are a kind's own hyperparameters
_OWN_KEYS = {"momentum": ("momentum",), "nesterov": ("momentum",), "adam": ("beta1", "beta2"),
             "rmsprop": ("rho",)}

_SWITCH = {"1": True, "on": True, "true": True, "yes": True,
           "0": False, "off": False, "false": False, "no": False}

_NAME = re.compile(r"^[A-Za-z0-9_.+\-]{1,24}$")


class RacerSpecError(ParamError):
    """A racers line that cannot be used; the message names the racer and the key."""


@dataclass(frozen=True)
class RacerSpec:
    """One racer's settings. ``batch_size`` 0 means the full batch; ``epochs`` 0 means the
    race's own budget."""

    kind: str
    name: str
    learning_rate: float
    momentum: float = 0.9
    beta1: float = 0.9
    beta2: float = 0.999
    rho: float = 0.99
    epsilon: float = 1e-8
    batch_size: int = 0
    schedule: str = "constant"
    step_every: float = 100.0
    decay: float = 0.1
    epochs: float = 0.0
    line_search: bool = True

    @property
    def optimizer(self) -> str | None:
        return KINDS[self.kind]

    @property
    def full_batch(self) -> bool:
        return self.batch_size == 0

    def optimizer_settings(self) -> dict[str, float]:
        """Keyword arguments for :func:`nnviz.core.optimizers.make_optimizer`."""
        return {"learning_rate": self.learning_rate, "momentum": self.momentum,
                "beta1": self.beta1, "beta2": self.beta2, "rho": self.rho,
                "epsilon": self.epsilon}

    def settings_text(self, step_unit: str = "epochs") -> str:
        """The legend line: what makes this racer different, in symbols; ``step_unit`` is
        what its schedule counts (the race's ``lr_step_unit``)."""
        parts = [f"η={self.learning_rate:g}" if self.kind != "newton"
                 else f"step {self.learning_rate:g}"]
        parts += self._own_symbols()
        parts.append("full batch" if self.full_batch else f"batch {self.batch_size}")
        parts += self._schedule_words(step_unit)
        if self.kind == "newton":
            parts.append("line search" if self.line_search else "pure step")
        if self.epochs:
            parts.append(f"{self.epochs:g} epoch{'' if self.epochs == 1 else 's'}")
        return ", ".join(parts)

    def _own_symbols(self) -> list[str]:
        """The kind's own hyperparameters in symbols: γ, β or ρ."""
        keys = _KEYS[self.kind]
        symbols = []
        if "momentum" in keys:
            symbols.append(f"γ={self.momentum:g}")
        if "beta1" in keys:
            symbols.append(f"β=({self.beta1:g}, {self.beta2:g})")
        if "rho" in keys:
            symbols.append(f"ρ={self.rho:g}")
        return symbols

    def _schedule_words(self, step_unit: str) -> list[str]:
        """How the learning rate decays, if it does, in the unit the schedule counts."""
        per_epochs = step_unit == "epochs"
        if self.schedule == "step":
            unit = "epochs" if per_epochs else "updates"
            return [f"η×{self.decay:g} every {self.step_every:g} {unit}"]
        if self.schedule == "exponential":
            return [f"η×{self.decay:g}/{'epoch' if per_epochs else 'update'}"]
        return []

    def text(self, *, hyperparameters: bool = False) -> str:
        """This racer in the grammar, with only the keys that differ from the defaults.

        With ``hyperparameters`` the kind's own knobs (momentum, betas, ρ) are always written,
        so an editor shows them.
        """
        default = default_spec(self.kind, self.name)
        always = _OWN_KEYS.get(self.kind, ()) if hyperparameters else ()
        words = [self.kind]
        if self.name != self.kind:
            words.append(f"name={self.name}")
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name in ("kind", "name") or (value == getattr(default, item.name)
                                                 and item.name not in always):
                continue
            words.append(_assignment(item.name, value))
        return " ".join(words)


def _assignment(spec_field: str, value: object) -> str:
    """``key=value`` for one RacerSpec field, as :func:`parse_racers` reads it back."""
    key = _KEY_OF_FIELD[spec_field]
    if isinstance(value, bool):
        return f"{key}={int(value)}"
    return f"{key}={value:g}" if isinstance(value, float) else f"{key}={value}"


def default_spec(kind: str, name: str | None = None) -> RacerSpec:
    """A racer of ``kind`` with its default settings (SGD's default batch is 32)."""
    batch = 32 if kind == "sgd" else 0
    return RacerSpec(kind=kind, name=name or kind, learning_rate=DEFAULT_LEARNING_RATES[kind],
                     batch_size=batch)


def parse_racers(text: str) -> tuple[RacerSpec, ...]:
    """Parse a racers line; raise :class:`RacerSpecError` naming the bad racer and key."""
    chunks = [c.strip() for c in re.split(r"[;\n]", text)]
    chunks = [c for c in chunks if c]
    if not chunks:
        raise RacerSpecError(
            f"racers={shown(text)}: no racer; write e.g. 'gd lr=0.1; momentum lr=0.1 momentum=0.9'"
        )
    specs: list[RacerSpec] = []
    explicit_names: set[str] = set()
    for position, chunk in enumerate(chunks, start=1):
        spec, named = _parse_one(position, chunk)
        if named:
            if spec.name in explicit_names:
                raise RacerSpecError(
                    f"racers: racer {position} ({shown(chunk)}): the name {shown(spec.name)} "
                    "is taken; give each racer its own name="
                )
            explicit_names.add(spec.name)
        specs.append(spec)
    return _unique_names(specs, explicit_names)


def _parse_one(position: int, chunk: str) -> tuple[RacerSpec, bool]:
    """One racer from its words; True when it names itself (``name=``)."""
    words = chunk.split()
    kind = words[0].lower()
    where = f"racers: racer {position} ({shown(chunk)})"
    if kind not in KINDS:
        raise RacerSpecError(f"{where}: unknown kind {shown(words[0])}; kinds: {', '.join(KINDS)}")
    spec = default_spec(kind)
    named = False
    for key, value in _assignments(where, kind, words[1:]):
        spec = _SETTERS.get(key, _set_number)(spec, where, key, value)
        named = named or key == "name"
    return spec, named


def _assignments(where: str, kind: str, words: Sequence[str]) -> Iterator[tuple[str, str]]:
    """(key, value) of each ``KEY=VALUE`` word, each key one the kind has, given once."""
    seen: set[str] = set()
    for word in words:
        key, sep, value = word.partition("=")
        key = key.lower()
        if not sep or not value:
            raise RacerSpecError(f"{where}: {shown(word)} is not KEY=VALUE")
        if key not in _KEYS[kind]:
            allowed = ", ".join(_KEYS[kind])
            raise RacerSpecError(f"{where}: {kind} has no key {shown(key)}; keys: {allowed}")
        if key in seen:
            raise RacerSpecError(f"{where}: {shown(key)} is given twice")
        seen.add(key)
        yield key, value


def _set_name(spec: RacerSpec, where: str, key: str, value: str) -> RacerSpec:
    if not _NAME.match(value):
        raise RacerSpecError(
            f"{where}: name={shown(value)}: use up to 24 letters, digits, '_', '-', '.', '+'")
    return replace(spec, name=value)


def _set_schedule(spec: RacerSpec, where: str, key: str, value: str) -> RacerSpec:
    if value not in SCHEDULES:
        raise RacerSpecError(f"{where}: schedule={shown(value)}; accepted: {', '.join(SCHEDULES)}")
    return replace(spec, schedule=value)


def _set_batch(spec: RacerSpec, where: str, key: str, value: str) -> RacerSpec:
    return replace(spec, batch_size=_integer(where, key, value))


def _set_search(spec: RacerSpec, where: str, key: str, value: str) -> RacerSpec:
    if value.lower() not in _SWITCH:
        raise RacerSpecError(f"{where}: search={shown(value)}; accepted: 1 or 0")
    return replace(spec, line_search=_SWITCH[value.lower()])


def _set_number(spec: RacerSpec, where: str, key: str, value: str) -> RacerSpec:
    return replace(spec, **{_NUMBERS[key][0]: _number(where, key, value)})


#: key → how its value is checked and set; every other key is a number of :data:`_NUMBERS`
_SETTERS: dict[str, Callable[[RacerSpec, str, str, str], RacerSpec]] = {
    "name": _set_name, "schedule": _set_schedule, "batch": _set_batch, "search": _set_search,
}


def _integer(where: str, key: str, text: str) -> int:
    try:
        number = float(text)
    except ValueError:
        raise RacerSpecError(f"{where}: {key}={shown(text)} is not an integer") from None
    if not number.is_integer() or number < 0 or number > 10_000_000:
        raise RacerSpecError(
            f"{where}: {key}={shown(text)}: accepted: an integer ≥ 0 (0 = full batch)")
    return int(number)


def _number(where: str, key: str, text: str) -> float:
    _, low, high, low_ok = _NUMBERS[key]
    try:
        number = float(text)
    except ValueError:
        raise RacerSpecError(f"{where}: {key}={shown(text)} is not a number") from None
    above_low = number >= low if low_ok else number > low
    high_ok = key in _MAXIMUM_ALLOWED
    below_high = number <= high if high_ok else number < high
    if not (above_low and below_high):
        low_text = f"≥ {low:g}" if low_ok else f"> {low:g}"
        high_text = f"≤ {high:g}" if high_ok else f"< {high:g}"
        raise RacerSpecError(f"{where}: {key}={shown(text)}: accepted: a number {low_text} and "
                             f"{high_text}")
    return number


def _unique_names(specs: Sequence[RacerSpec], taken: set[str]) -> tuple[RacerSpec, ...]:
    used = set(taken)
    out = []
    for spec in specs:
        if spec.name in taken:
            out.append(spec)
            continue
        name, count = spec.name, 1
        while name in used:
            count += 1
            name = f"{spec.name}-{count}"
        used.add(name)
        out.append(replace(spec, name=name))
    return tuple(out)


def format_racers(specs: Sequence[RacerSpec]) -> str:
    """The racers line that :func:`parse_racers` turns back into ``specs``."""
    return "; ".join(spec.text() for spec in specs)


class Racers(str):
    """The racers of one race: their specs (``specs``), and the line of text that names them.

    It is a ``str`` so that everything that shows, compares, saves or edits a setting as text
    (the controls, ``--set``, sidecars, run files) takes it as it is; the race reads
    ``specs``. So a line is parsed once, where it enters as text (:func:`read_racers`), and the
    racer editor's specs reach the race without being written out and parsed again.
    """

    specs: tuple[RacerSpec, ...]

    def __new__(cls, specs: Sequence[RacerSpec], text: str | None = None) -> Racers:
        specs = tuple(specs)
        _check_names(specs)
        racers = super().__new__(cls, format_racers(specs) if text is None else text)
        racers.specs = specs
        return racers

    def __getnewargs__(self) -> tuple[tuple[RacerSpec, ...], str]:  # copies keep the specs
        return self.specs, str(self)


def _check_names(specs: Sequence[RacerSpec]) -> None:
    """At least one racer, each under its own name (the race tells racers apart by name)."""
    if not specs:
        raise RacerSpecError("racers: no racer; add one")
    names = [spec.name for spec in specs]
    for position, spec in enumerate(specs, start=1):
        if names.index(spec.name) != position - 1:
            raise RacerSpecError(f"racers: racer {position} ({spec.kind}): the name "
                                 f"{shown(spec.name)} is taken; give each racer its own name=")


def read_racers(text: str) -> Racers:
    """The racers ``text`` names, parsed once; :class:`Racers` pass as they are."""
    if isinstance(text, Racers):
        return text
    return Racers(parse_racers(text), text)


def check_problem(specs: Sequence[RacerSpec], problem: str) -> None:
    """Refuse racers that cannot race on ``problem``: Newton's method needs the convex one."""
    if problem == CONVEX_PROBLEM:
        return
    for position, spec in enumerate(specs, start=1):
        if spec.kind == "newton":
            raise RacerSpecError(
                f"racers: racer {position} ({spec.name}): Newton's method races only on the "
                f"convex problem; set problem={CONVEX_PROBLEM} or remove it"
            )
