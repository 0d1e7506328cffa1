"""A plot whose right-click menu is off never builds one.

pyqtgraph builds a ViewBox's context menu (a form of a dozen widgets) when the box is made,
and ``setMenuEnabled(False)`` afterwards throws it away: about 8-15 ms a plot at start-up,
for a menu nobody can open. Panels pass ``enableMenu=False`` when they make the plot.
"""

from __future__ import annotations

import importlib

import pytest

from nnviz.app.panels import panel_classes
from nnviz.scenarios.registry import all_scenarios

#: the module, not the class of the same name that the package exports
view_box_module = importlib.import_module("pyqtgraph.graphicsItems.ViewBox.ViewBox")


@pytest.mark.parametrize("name", sorted(all_scenarios()))
def test_no_menu_is_built_to_be_thrown_away(qtbot, monkeypatch, name):
    built = []

    class CountedMenu(view_box_module.ViewBoxMenu):
        def __init__(self, view):
            built.append(view)
            super().__init__(view)

    monkeypatch.setattr(view_box_module, "ViewBoxMenu", CountedMenu)
    for kind, panel_type in panel_classes(all_scenarios()[name].panels).items():
        built.clear()
        panel = panel_type()
        qtbot.addWidget(panel)
        thrown_away = [view for view in built if not view.menuEnabled()]
        assert not thrown_away, f"{name}: panel {kind} built {len(thrown_away)} menus it hides"


@pytest.mark.parametrize("name", sorted(all_scenarios()))
def test_no_default_axis_is_built_to_be_replaced(qtbot, monkeypatch, name):
    """Panels make their plots with plain axes (``plain_plot``/``add_plain_plot``), rather
    than building pyqtgraph's four default axes and swapping them (~6 ms a plot)."""
    plot_item_module = importlib.import_module("pyqtgraph.graphicsItems.PlotItem.PlotItem")
    built = []

    class CountedAxis(plot_item_module.AxisItem):
        def __init__(self, *args, **kwargs):
            built.append(kwargs.get("orientation", args[0] if args else None))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(plot_item_module, "AxisItem", CountedAxis)
    for kind, panel_type in panel_classes(all_scenarios()[name].panels).items():
        built.clear()
        qtbot.addWidget(panel_type())
        assert not built, f"{name}: panel {kind} built default axes {built}"
