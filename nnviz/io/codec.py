"""Plain data (snapshots, configs, view records) to JSON plus NumPy arrays, and back.

Saved runs are ``.npz`` files that NumPy opens with ``allow_pickle=False``: every array is stored
as an array, and everything else as one JSON header that refers to the arrays by key. Frozen
dataclasses are stored by their kind name and rebuilt only from a mapping of names to classes
that the caller gives (:func:`nnviz.io.record_kinds.record_kinds` to write run files,
:func:`~nnviz.io.record_kinds.readable_kinds` to read them, old names included): a name is
looked up exactly as it is written, and no name read from a file is ever imported.

Decoding is strict: every marker (``$array``, ``$float``, ``$tuple`` …) must have the shape the
encoder writes, nesting is bounded, and any departure is a :class:`CodecError` with a short
message, never another exception.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
from collections.abc import Mapping
from functools import cache
from typing import Any

import numpy as np

from nnviz.scenarios.params import shown, shown_text

#: deeper trees than this are refused (the encoder never writes more than a few dozen levels)
MAX_DEPTH = 64
#: the only strings ``$float`` stands for: finite numbers are stored as JSON numbers
NON_FINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


class CodecError(ValueError):
    """Data that cannot be stored, or a stored tree that does not decode."""


class Encoder:
    """Collects arrays while turning a value into a JSON-able tree.

    ``kinds`` maps kind names to the dataclasses that may be stored; any other dataclass is
    refused, so a record the loader could not rebuild is never written.
    """

    def __init__(self, kinds: Mapping[str, type] | None = None) -> None:
        self.arrays: dict[str, np.ndarray] = {}
        name_of = getattr(kinds, "name_of", None)  # a KindTable: no need to import every kind
        self._name_of = name_of or {cls: name for name, cls in (kinds or {}).items()}.get

    def _array(self, array: np.ndarray) -> dict[str, str]:
        if array.dtype.hasobject:
            raise CodecError(f"cannot store an object array of shape {array.shape}")
        key = f"a{len(self.arrays)}"
        self.arrays[key] = array
        return {"$array": key}

    def encode(self, value: Any) -> Any:
        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, np.ndarray):
            return self._array(value)
        if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor
            return self._array(value.detach().cpu().numpy())
        if isinstance(value, np.bool_):
            return bool(value)
        if isinstance(value, (int, np.integer)):
            return int(value)
        if isinstance(value, (float, np.floating)):
            number = float(value)
            return number if math.isfinite(number) else {"$float": repr(number)}
        if isinstance(value, tuple):
            return {"$tuple": [self.encode(v) for v in value]}
        if isinstance(value, list):
            return [self.encode(v) for v in value]
        if isinstance(value, Mapping):
            if all(isinstance(k, str) for k in value):
                return {"$dict": {k: self.encode(v) for k, v in value.items()}}
            return {"$items": [[self.encode(k), self.encode(v)] for k, v in value.items()]}
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            name = self._name_of(type(value))
            if name is None:
                raise CodecError(f"cannot store a {type(value).__name__}: not a known record kind "
                                 "(list it in nnviz.io.record_kinds.KIND_HOMES)")
            fields = {f.name: self.encode(getattr(value, f.name))
                      for f in dataclasses.fields(value) if f.init}
            return {"$dataclass": name, "fields": fields}
        raise CodecError(f"cannot store a {type(value).__name__}")


def decode(tree: Any, arrays: Mapping[str, np.ndarray],
           kinds: Mapping[str, type] | None = None) -> Any:
    """The inverse of :meth:`Encoder.encode`; dataclasses only of the given ``kinds``."""
    return _Decoder(arrays, kinds or {}).decode(tree, 0)


class _Decoder:
    def __init__(self, arrays: Mapping[str, np.ndarray], kinds: Mapping[str, type]) -> None:
        self.arrays = arrays
        self.kinds = kinds

    def decode(self, tree: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise CodecError(f"stored values nested more than {MAX_DEPTH} deep")
        if isinstance(tree, list):  # plain items kept without a call: lists of labels are long
            return [v if type(v) in _PLAIN else self.decode(v, depth + 1) for v in tree]
        if not isinstance(tree, dict):
            return tree
        if len(tree) == 1:
            (marker, body), = tree.items()
            method = getattr(self, "_" + marker.lstrip("$"), None) if marker in _MARKERS \
                else None
            if method is not None:
                return method(body, depth + 1)
        if set(tree) == {"$dataclass", "fields"}:
            return self._dataclass(tree["$dataclass"], tree["fields"], depth + 1)
        raise CodecError(f"unknown stored value with keys {_keys(tree)}")

    def _array(self, key: Any, depth: int) -> np.ndarray:
        if not isinstance(key, str) or key not in self.arrays:
            raise CodecError(f"array {shown(key)} is missing from the file")
        return self.arrays[key]

    def _float(self, text: Any, depth: int) -> float:
        if not isinstance(text, str) or text not in NON_FINITE:
            raise CodecError(f"{shown(text)} is not a stored non-finite number")
        return NON_FINITE[text]

    def _tuple(self, items: Any, depth: int) -> tuple:
        return tuple(self._list(items, "$tuple", depth))

    def _dict(self, items: Any, depth: int) -> dict[str, Any]:
        if not isinstance(items, dict):
            raise CodecError("a stored $dict is not a mapping")
        return {k: self.decode(v, depth) for k, v in items.items()}

    def _items(self, pairs: Any, depth: int) -> dict[Any, Any]:
        result = {}
        for pair in self._list(pairs, "$items", depth, decode=False):
            if not isinstance(pair, list) or len(pair) != 2:
                raise CodecError("a stored $items entry is not a [key, value] pair")
            key = _hashable(self.decode(pair[0], depth))
            try:
                result[key] = self.decode(pair[1], depth)
            except TypeError:
                raise CodecError(f"a stored key cannot be a {type(key).__name__}") from None
        return result

    def _list(self, items: Any, marker: str, depth: int, *, decode: bool = True) -> list:
        if not isinstance(items, list):
            raise CodecError(f"a stored {marker} is not a list")
        return [self.decode(v, depth) for v in items] if decode else items

    def _dataclass(self, name: Any, fields: Any, depth: int) -> Any:
        if not isinstance(name, str):
            raise CodecError("a stored record's kind is not a name")
        cls = self.kinds.get(name)
        if cls is None:
            raise CodecError(f"unknown record kind {shown(name)}")
        if not isinstance(fields, dict):
            raise CodecError(f"the fields of a stored {cls.__name__} are not a mapping")
        known = {f.name for f in dataclasses.fields(cls) if f.init}
        unknown = set(fields) - known
        if unknown:
            raise CodecError(f"a stored {cls.__name__} has unknown fields {_keys(unknown)}")
        values = {k: self.decode(v, depth) for k, v in fields.items()}
        hints = _field_types(cls)
        for key, value in values.items():
            if key in hints and not _matches(value, hints[key]):
                raise CodecError(f"a stored {cls.__name__}'s {key} is a "
                                 f"{type(value).__name__}, not {_type_name(hints[key])}")
        try:
            return cls(**values)
        except (TypeError, ValueError, KeyError, IndexError, AttributeError,
                ArithmeticError) as error:
            raise CodecError(f"cannot rebuild a {cls.__name__}: {shown_text(error)}") from None


_MARKERS = {"$array", "$float", "$tuple", "$dict", "$items"}
#: JSON values that decode to themselves
_PLAIN = frozenset({str, int, float, bool, type(None)})


@cache
def _field_types(cls: type) -> dict[str, Any]:
    """A record's field annotations, resolved; empty when they cannot be (then unchecked)."""
    try:
        return typing.get_type_hints(cls)
    except Exception:  # an annotation naming a type only imported for checkers
        return {}


def _matches(value: Any, hint: Any) -> bool:
    """Whether ``value`` has the type a field declares, as far as a plain check can tell:
    unions, the container kind of generics, and plain classes (an int passes for a float)."""
    try:
        origin, args = _origin_and_args(hint)
    except TypeError:  # an annotation that cannot be a cache key
        origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_matches(value, arg) for arg in args)
    if hint is Any or isinstance(hint, typing.TypeVar):
        return True
    if hint is type(None):
        return value is None
    if hint is float:
        return isinstance(value, (float, int)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    target = origin if origin is not None else hint
    if target is typing.ClassVar or not isinstance(target, type):
        return True
    return isinstance(value, target)


@cache
def _origin_and_args(hint: Any) -> tuple[Any, tuple[Any, ...]]:
    """``typing.get_origin`` and ``get_args`` of a field's annotation, worked out once per
    annotation (they are asked for every field of every record decoded)."""
    return typing.get_origin(hint), typing.get_args(hint)


def _type_name(hint: Any) -> str:
    return getattr(hint, "__name__", None) or str(hint).replace("typing.", "")


def _hashable(key: Any) -> Any:
    return tuple(_hashable(k) for k in key) if isinstance(key, list) else key


def _keys(keys: Any, limit: int = 5) -> str:
    names = sorted(str(k) for k in keys)
    listed = ", ".join(shown(k, 30) for k in names[:limit])
    return f"[{listed}{', …' if len(names) > limit else ''}]"
