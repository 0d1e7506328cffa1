"""Controls generated from a config's hyperparameter descriptions (``Config.params()``)."""

from nnviz.app.controls.editors import ParamEditor, make_editor
from nnviz.app.controls.panel import ControlsPanel

__all__ = ["ControlsPanel", "ParamEditor", "make_editor"]
