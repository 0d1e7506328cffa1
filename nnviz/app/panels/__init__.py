"""Plot panels by kind. Importing this package registers every panel module listed here."""

from __future__ import annotations

import importlib

from nnviz.app.panels.base import PANELS, Panel, register_panel

#: panel modules, imported once so their classes register (one line per module)
PANEL_MODULES: tuple[str, ...] = (
    "nnviz.app.panels.decision_boundary",
    "nnviz.app.panels.loss",
    "nnviz.app.panels.network",
    "nnviz.app.panels.digits",
    "nnviz.app.panels.projection",
    "nnviz.app.panels.word_query",
    "nnviz.app.panels.race",
    "nnviz.app.panels.race_finish",
    "nnviz.app.panels.race_editor",
    "nnviz.app.panels.hotdog",
    "nnviz.app.panels.histograms",
    "nnviz.app.panels.layer_health",
    "nnviz.app.panels.init_histogram",
)


def all_panels() -> dict[str, type[Panel]]:
    for module in PANEL_MODULES:
        importlib.import_module(module)
    return dict(PANELS)


__all__ = ["PANELS", "Panel", "all_panels", "register_panel"]
