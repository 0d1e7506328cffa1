"""Every curve of the loss panel can be told by its key.

The accuracy plot has no legend of its own: its train and test curves share the colours the
legend above gives the train and test losses. A curve whose group has no loss (the digits'
average-digit baseline accuracy, drawn in green) was drawn without any key; and a group other
than train and test (hotdog's validation) got one colour for its loss and another for its
accuracy, so the legend named the wrong curve.
"""

from __future__ import annotations

from nnviz.app.panels.loss import LossPanel
from nnviz.scenarios.moons import MoonsConfig
from nnviz.session import Snapshot


def _snapshot(step: int, **metrics: float) -> Snapshot:
    return Snapshot(run_id=1, scenario="synthetic", step=step, epoch=step / 10,
                    wall_seconds=0.0, metrics=metrics, config=MoonsConfig(), views={})


def _panel(qtbot, series: dict[str, tuple[float, float]]) -> LossPanel:
    panel = LossPanel()
    qtbot.addWidget(panel)
    for step, index in ((0, 0), (10, 1)):
        panel.show_snapshot(_snapshot(step, **{name: values[index]
                                               for name, values in series.items()}))
    return panel


def test_a_score_without_a_loss_of_its_group_has_a_key(qtbot):
    panel = _panel(qtbot, {"train_loss": (0.9, 0.5), "test_loss": (1.0, 0.6),
                           "train_accuracy": (0.5, 0.8), "test_accuracy": (0.4, 0.7),
                           "baseline_accuracy": (0.88, 0.88)})
    texts = panel.legend_texts()
    assert "baseline accuracy" in texts, texts
    assert not any(text in texts for text in ("train accuracy", "test accuracy")), \
        "train and test scores take the colours their losses are keyed with"


def test_a_group_s_loss_and_score_share_their_colour(qtbot):
    panel = _panel(qtbot, {"train_loss": (0.9, 0.5), "validation_loss": (1.0, 0.6),
                           "train_accuracy": (0.5, 0.8), "validation_accuracy": (0.4, 0.7)})
    loss_pen = panel.items["validation_loss"].opts["pen"]
    score_pen = panel.items["validation_accuracy"].opts["pen"]
    assert loss_pen.color().getRgb()[:3] == score_pen.color().getRgb()[:3]
    assert panel.items["train_accuracy"].opts["pen"].color().getRgb()[:3] == (8, 119, 189)
    assert "validation accuracy" not in panel.legend_texts()


def test_only_the_lowest_plot_prints_the_shared_step_values(qtbot):
    """Stacked, the loss and accuracy plots share their steps: numbers under both took a row
    of the loss plot's height. (A panel too short to stack them puts them side by side, each
    with its step values: tests/app/test_loss_panel_room.py.)"""
    panel = _panel(qtbot, {"train_loss": (0.9, 0.5), "train_accuracy": (0.5, 0.8)})
    panel.resize(330, 420)
    panel.show()
    qtbot.waitExposed(panel)
    qtbot.wait(20)
    loss_axis = panel.loss_plot.getAxis("bottom")
    assert not loss_axis.style["showValues"]
    assert panel.accuracy_plot.getAxis("bottom").style["showValues"]
    assert loss_axis.height() < 12, "no room kept for numbers that are not drawn"
    words = _panel(qtbot, {"train_loss": (0.9, 0.5)})  # no score: the loss plot is lowest
    assert words.loss_plot.getAxis("bottom").style["showValues"]
