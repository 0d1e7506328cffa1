"""The words for a pinned run beside the current one: the settings in which they differ.

The loss panel's legend, the decision boundary's dashed border and the side-by-side boundary
export all name a pinned run with these functions, so one comparison reads the same
everywhere: "Hidden layers 3 (now 10)" in a legend, "Hidden layers 3" and "Hidden layers 10"
as the titles of two boundaries side by side.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class DescribedSetting(Protocol):
    """How one setting is named and written (a scenario's ``Param``)."""

    @property
    def title(self) -> str: ...

    def format(self, value: Any) -> str: ...


class RunSettings(Protocol):
    """What the words for a pinned run need of a run's settings (a scenario's config): which
    settings differ from another run's, and how each is named and written. Panels know
    configs only this way: they import no scenario."""

    def differences(self, other: Any) -> Mapping[str, tuple[Any, Any]]: ...

    def param(self, name: str) -> DescribedSetting: ...

    def trace_label(self, name: str) -> str | None:
        """The legend's words for the run's per-step series ``name`` (None: the session's)."""
        ...


def describe_pinned(pinned: RunSettings | None, current: RunSettings | None) -> str:
    """What differed from the current run: "Hidden layers 3 (now 10), …"."""
    if pinned is None or current is None or type(pinned) is not type(current):
        return "another scenario" if pinned is not None else "earlier run"
    differences = pinned.differences(current)
    if not differences:
        return "same settings"
    parts = []
    for name, (then, now) in differences.items():
        spec = pinned.param(name)
        parts.append(f"{spec.title} {spec.format(then)} (now {spec.format(now)})")
    return ", ".join(parts)


def settings_title(config: RunSettings | None, other: RunSettings | None) -> str:
    """``config``'s own values of the settings that differ from ``other``: "Hidden layers 3".

    Empty when nothing differs or the two cannot be compared (no config, other scenarios).
    """
    if config is None or other is None or type(config) is not type(other):
        return ""
    parts = []
    for name, (mine, _) in config.differences(other).items():
        spec = config.param(name)
        parts.append(f"{spec.title} {spec.format(mine)}")
    return ", ".join(parts)
