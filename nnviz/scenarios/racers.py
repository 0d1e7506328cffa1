"""The racers of the optimiser race, written as one line of text.

The CLI's ``--set racers=…``, preset files and the GUI's racer editor all share this grammar::

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
(by position and kind) and the key.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

from nnviz.core.schedules import SCHEDULES
from nnviz.scenarios.params import ParamError

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
        keys = _KEYS[self.kind]
        if "momentum" in keys:
            parts.append(f"γ={self.momentum:g}")
        if "beta1" in keys:
            parts.append(f"β=({self.beta1:g}, {self.beta2:g})")
        if "rho" in keys:
            parts.append(f"ρ={self.rho:g}")
        parts.append("full batch" if self.full_batch else f"batch {self.batch_size}")
        if self.schedule == "step":
            unit = "ep" if step_unit == "epochs" else "updates"
            parts.append(f"η×{self.decay:g} every {self.step_every:g} {unit}")
        elif self.schedule == "exponential":
            parts.append(f"η×{self.decay:g}/{'epoch' if step_unit == 'epochs' else 'update'}")
        if self.kind == "newton":
            parts.append("line search" if self.line_search else "pure step")
        if self.epochs:
            parts.append(f"{self.epochs:g} epoch{'' if self.epochs == 1 else 's'}")
        return ", ".join(parts)

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
        by_field = {spec_field: key for key, (spec_field, *_) in _NUMBERS.items()}
        for item in fields(self):
            if item.name in ("kind", "name"):
                continue
            value = getattr(self, item.name)
            if value == getattr(default, item.name) and item.name not in always:
                continue
            if item.name == "line_search":
                words.append(f"search={int(value)}")
                continue
            key = {"batch_size": "batch", "schedule": "schedule"}.get(item.name)
            key = key or by_field[item.name]
            words.append(f"{key}={value:g}" if isinstance(value, float) else f"{key}={value}")
        return " ".join(words)


def default_spec(kind: str, name: str | None = None) -> RacerSpec:
    batch = 32 if kind == "sgd" else 0
    return RacerSpec(kind=kind, name=name or kind, learning_rate=DEFAULT_LEARNING_RATES[kind],
                     batch_size=batch)


def parse_racers(text: str) -> tuple[RacerSpec, ...]:
    """Parse a racers line; raise :class:`RacerSpecError` naming the bad racer and key."""
    chunks = [c.strip() for c in re.split(r"[;\n]", text)]
    chunks = [c for c in chunks if c]
    if not chunks:
        raise RacerSpecError(
            f"racers={text!r}: no racer; write e.g. 'gd lr=0.1; momentum lr=0.1 momentum=0.9'"
        )
    specs: list[RacerSpec] = []
    explicit_names: set[str] = set()
    for position, chunk in enumerate(chunks, start=1):
        spec, named = _parse_one(position, chunk)
        if named:
            if spec.name in explicit_names:
                raise RacerSpecError(
                    f"racers: racer {position} ({chunk!r}): the name {spec.name!r} is taken; "
                    "give each racer its own name="
                )
            explicit_names.add(spec.name)
        specs.append(spec)
    return _unique_names(specs, explicit_names)


def _parse_one(position: int, chunk: str) -> tuple[RacerSpec, bool]:
    words = chunk.split()
    kind = words[0].lower()
    where = f"racers: racer {position} ({chunk!r})"
    if kind not in KINDS:
        raise RacerSpecError(f"{where}: unknown kind {words[0]!r}; kinds: {', '.join(KINDS)}")
    spec = default_spec(kind)
    named = False
    seen: set[str] = set()
    for word in words[1:]:
        key, sep, value = word.partition("=")
        key = key.lower()
        if not sep or not value:
            raise RacerSpecError(f"{where}: {word!r} is not KEY=VALUE")
        if key not in _KEYS[kind]:
            allowed = ", ".join(_KEYS[kind])
            raise RacerSpecError(f"{where}: {kind} has no key {key!r}; keys: {allowed}")
        if key in seen:
            raise RacerSpecError(f"{where}: {key!r} is given twice")
        seen.add(key)
        if key == "name":
            if not _NAME.match(value):
                raise RacerSpecError(
                    f"{where}: name={value!r}: use up to 24 letters, digits, '_', '-', '.', '+'"
                )
            spec, named = replace(spec, name=value), True
        elif key == "schedule":
            if value not in SCHEDULES:
                raise RacerSpecError(
                    f"{where}: schedule={value!r}; accepted: {', '.join(SCHEDULES)}"
                )
            spec = replace(spec, schedule=value)
        elif key == "batch":
            spec = replace(spec, batch_size=_integer(where, key, value))
        elif key == "search":
            if value.lower() not in _SWITCH:
                raise RacerSpecError(f"{where}: search={value!r}; accepted: 1 or 0")
            spec = replace(spec, line_search=_SWITCH[value.lower()])
        else:
            spec = replace(spec, **{_NUMBERS[key][0]: _number(where, key, value)})
    return spec, named


def _integer(where: str, key: str, text: str) -> int:
    try:
        number = float(text)
    except ValueError:
        raise RacerSpecError(f"{where}: {key}={text!r} is not an integer") from None
    if not number.is_integer() or number < 0 or number > 10_000_000:
        raise RacerSpecError(f"{where}: {key}={text!r}: accepted: an integer ≥ 0 (0 = full batch)")
    return int(number)


def _number(where: str, key: str, text: str) -> float:
    _, low, high, low_ok = _NUMBERS[key]
    try:
        number = float(text)
    except ValueError:
        raise RacerSpecError(f"{where}: {key}={text!r} is not a number") from None
    above_low = number >= low if low_ok else number > low
    upper_ok = key in ("lr", "every", "epochs", "factor", "eps")
    below_high = number <= high if upper_ok else number < high
    if not (above_low and below_high):
        low_text = f"≥ {low:g}" if low_ok else f"> {low:g}"
        high_text = f"≤ {high:g}" if upper_ok else f"< {high:g}"
        raise RacerSpecError(f"{where}: {key}={text!r}: accepted: a number {low_text} and "
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
