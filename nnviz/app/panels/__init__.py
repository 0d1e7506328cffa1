"""Plot panels by kind. Importing this package registers every panel module listed here."""

from __future__ import annotations

import importlib
from collections.abc import Iterable

from nnviz.app.panels.base import PANELS, Panel, register_panel

#: panel modules, imported once so their classes register (one line per module)
PANEL_MODULES: tuple[str, ...] = (
    "nnviz.app.panels.decision_boundary",
    "nnviz.app.panels.regression_fit",
    "nnviz.app.panels.loss",
    "nnviz.app.panels.network",
    "nnviz.app.panels.digits",
    "nnviz.app.panels.projection",
    "nnviz.app.panels.word_query",
    "nnviz.app.panels.race_curves",
    "nnviz.app.panels.race_surface",
    "nnviz.app.panels.race_finish",
    "nnviz.app.panels.race_editor",
    "nnviz.app.panels.hotdog",
    "nnviz.app.panels.histograms",
    "nnviz.app.panels.layer_health",
    "nnviz.app.panels.init_histogram",
    "nnviz.app.panels.backprop",
    "nnviz.app.panels.backprop_check",
)


def all_panels() -> dict[str, type[Panel]]:
    for module in PANEL_MODULES:
        importlib.import_module(module)
    return dict(PANELS)


def panel_classes(kinds: Iterable[str]) -> dict[str, type[Panel]]:
    """The registered class of each of ``kinds`` that has one, importing as little as it can.

    A kind's own module (``nnviz.app.panels.<kind>``) is tried first, so that opening a
    scenario imports its panels' modules only (all of them take 0.1-0.2 s); a kind registered
    under another name imports every panel module.
    """
    kinds = list(kinds)
    for kind in kinds:
        module = f"{__name__}.{kind}"
        if kind not in PANELS and module in PANEL_MODULES:
            importlib.import_module(module)
    if not all(kind in PANELS for kind in kinds):
        all_panels()
    return {kind: PANELS[kind] for kind in kinds if kind in PANELS}


__all__ = ["PANELS", "Panel", "all_panels", "panel_classes", "register_panel"]
