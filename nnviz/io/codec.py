"""Plain data (snapshots, configs, view records) to JSON plus NumPy arrays, and back.

Saved runs are ``.npz`` files that NumPy opens with ``allow_pickle=False``: every array is stored
as an array, and everything else as one JSON header that refers to the arrays by key. Frozen
dataclasses are rebuilt by name, but only classes defined in ``nnviz`` modules, so opening a
file never imports or runs foreign code.
"""

from __future__ import annotations

import dataclasses
import importlib
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

TRUSTED_PREFIX = "nnviz."


class CodecError(ValueError):
    """Data that cannot be stored, or a stored tree that does not decode."""


class Encoder:
    """Collects arrays while turning a value into a JSON-able tree."""

    def __init__(self) -> None:
        self.arrays: dict[str, np.ndarray] = {}

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
            cls = type(value)
            fields = {f.name: self.encode(getattr(value, f.name))
                      for f in dataclasses.fields(value) if f.init}
            return {"$dataclass": f"{cls.__module__}:{cls.__qualname__}", "fields": fields}
        raise CodecError(f"cannot store a {type(value).__name__}")


def trusted_class(name: str) -> type:
    """The dataclass called ``module:qualname``, if it lives in an nnviz module."""
    module_name, _, qualname = name.partition(":")
    if not module_name.startswith(TRUSTED_PREFIX) or not qualname:
        raise CodecError(f"refusing to rebuild {name!r}: not an nnviz class")
    try:
        found: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError) as error:
        raise CodecError(f"cannot rebuild {name!r}: {error}") from None
    if not (isinstance(found, type) and dataclasses.is_dataclass(found)):
        raise CodecError(f"refusing to rebuild {name!r}: not a dataclass")
    return found


def decode(tree: Any, arrays: Mapping[str, np.ndarray]) -> Any:
    """The inverse of :meth:`Encoder.encode`."""
    if isinstance(tree, list):
        return [decode(v, arrays) for v in tree]
    if not isinstance(tree, dict):
        return tree
    if "$array" in tree:
        key = tree["$array"]
        if key not in arrays:
            raise CodecError(f"array {key!r} is missing from the file")
        return arrays[key]
    if "$float" in tree:
        return float(tree["$float"])
    if "$tuple" in tree:
        return tuple(decode(v, arrays) for v in tree["$tuple"])
    if "$dict" in tree:
        return {k: decode(v, arrays) for k, v in tree["$dict"].items()}
    if "$items" in tree:
        return {_hashable(decode(k, arrays)): decode(v, arrays) for k, v in tree["$items"]}
    if "$dataclass" in tree:
        cls = trusted_class(tree["$dataclass"])
        fields = {k: decode(v, arrays) for k, v in tree["fields"].items()}
        try:
            return cls(**fields)
        except (TypeError, ValueError) as error:
            raise CodecError(f"cannot rebuild {tree['$dataclass']}: {error}") from None
    raise CodecError(f"unknown stored value with keys {sorted(tree)}")


def _hashable(key: Any) -> Any:
    return tuple(_hashable(k) for k in key) if isinstance(key, list) else key
