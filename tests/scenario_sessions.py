"""Helpers for tests that go through every scenario: a default session whose caches stay in
the test's folder, and every record a snapshot holds."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def default_session(scenario: Any, tmp_path: Path) -> Any:
    """``scenario``'s session at its defaults; a feature cache (hotdog) under ``tmp_path``."""
    config = scenario.default_config()
    if "cache_dir" in {f.name for f in dataclasses.fields(config)}:
        config = config.with_values({"cache_dir": str(tmp_path / "cache")})
    return scenario.create_session(config)


def records_in(value: Any) -> Iterator[Any]:
    """Every dataclass instance inside ``value``, depth first."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        yield value
        for field in dataclasses.fields(value):
            yield from records_in(getattr(value, field.name))
    elif isinstance(value, dict):
        for item in value.values():
            yield from records_in(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from records_in(item)
