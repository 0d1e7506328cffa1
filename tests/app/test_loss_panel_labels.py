"""The loss panel's curves share one axis only as one quantity, and the legend says which.

Issue 13 (item 7): the learning-rate lesson sums its gradients, and the panel drew the summed,
penalised mini-batch objective as "train loss (per step)" about 200 times above "train loss".
"""

from __future__ import annotations

import numpy as np

from nnviz.app.panels.loss import LossPanel, curve_label
from nnviz.scenarios.presets import all_presets
from nnviz.scenarios.registry import get_scenario
from nnviz.session import train


def lesson_snapshots(steps=300, every=30, **values):
    config = all_presets()["lesson-03-learning-rate"].config().with_values(values)
    return list(train(get_scenario("moons").build(config), max_steps=steps, every=every,
                      views=False))


def test_legend_names_the_batch_loss_as_a_mean_per_example(qtbot):
    panel = LossPanel()
    qtbot.addWidget(panel)
    for snapshot in lesson_snapshots():
        panel.show_snapshot(snapshot)
    texts = panel.legend_texts()
    assert texts == ["train loss", "test loss", "batch loss (mean per example)"]
    assert not [text for text in texts if "per step" in text]


def test_batch_loss_curve_is_drawn_on_the_train_loss_scale(qtbot):
    panel = LossPanel()
    qtbot.addWidget(panel)
    for snapshot in lesson_snapshots(batch_size=20):
        panel.show_snapshot(snapshot)
    panel.set_log_y(False)
    batch_steps, batch = panel.items["loss"].getData()
    train_steps, train_loss = panel.items["train_loss"].getData()
    late = batch_steps > 150
    ratio = batch[late].mean() / np.interp(batch_steps[late], train_steps, train_loss).mean()
    assert 0.5 < ratio < 2.0
    top = panel.loss_plot.viewRange()[1][1]
    assert top < 2.0  # the axis is scaled for losses near 1, not for a sum over 200 examples


def test_a_per_step_series_without_a_description_is_not_called_a_train_loss():
    assert curve_label("loss", per_step=True) == "batch loss (mean per example)"
    assert curve_label("probe_loss", per_step=True) == "probe loss (every step)"
    assert curve_label("train_loss", per_step=False) == "train loss"


def test_a_narrow_panel_stacks_the_legend_instead_of_cutting_it(qtbot):
    from nnviz.app.panels.loss import LossPanel
    from nnviz.scenarios.registry import get_scenario
    from nnviz.session import train

    panel = LossPanel()
    qtbot.addWidget(panel)
    scenario = get_scenario("moons")
    for snapshot in train(scenario.create_session(scenario.default_config()), max_steps=20,
                          every=10):
        panel.show_snapshot(snapshot)
    for width, columns in ((1400, 3), (380, 2), (200, 1)):
        panel.resize(width, 400)
        panel.show()
        qtbot.waitExposed(panel)
        qtbot.wait(20)  # the layout runs before the next paint
        assert panel.loss_legend.columnCount == columns
        view_width = panel.view.width()
        for _, label in panel.loss_legend.items:
            text = label.item.mapRectToScene(label.item.boundingRect())
            assert text.left() >= 0 and text.right() <= view_width, f"{label.text} cut at {width}"


def watched_snapshots(config, steps=(10, 20)):
    """Snapshots as a watched script's or a TensorBoard log's run makes them: a per-step
    ``loss`` that is whatever scalar the script passed, not nnviz's mean per example."""
    from nnviz.session import Snapshot

    return [Snapshot(run_id=1, scenario="watch", step=step, epoch=0.0, wall_seconds=0.0,
                     metrics={}, config=config,
                     trace={"step": np.arange(step - 10, step), "loss": np.linspace(2, 1, 10)})
            for step in steps]


def test_a_watched_scripts_loss_is_labelled_as_the_script_reported_it(qtbot):
    from nnviz.watching.records import WatchConfig

    panel = LossPanel()
    qtbot.addWidget(panel)
    for snapshot in watched_snapshots(WatchConfig(name="mine")):
        panel.show_snapshot(snapshot)
    assert panel.legend_texts() == ["loss (as the script reported it)"]


def test_a_tensorboard_runs_loss_is_labelled_by_its_tag(qtbot):
    from nnviz.io.tensorboard_run import TensorBoardConfig

    panel = LossPanel()
    qtbot.addWidget(panel)
    for snapshot in watched_snapshots(TensorBoardConfig(source="logs")):
        panel.show_snapshot(snapshot)
    assert panel.legend_texts() == ["loss (TensorBoard tag, every step)"]


def test_only_nnviz_own_sessions_call_the_loss_a_mean_per_example():
    from nnviz.io.tensorboard_run import TensorBoardConfig
    from nnviz.watching.records import WatchConfig

    scenario_config = all_presets()["lesson-03-learning-rate"].config()
    assert curve_label("loss", True, scenario_config) == "batch loss (mean per example)"
    assert curve_label("loss", True, WatchConfig()) == "loss (as the script reported it)"
    assert curve_label("Loss/train", True, TensorBoardConfig()) == \
        "Loss/train (TensorBoard tag, every step)"
    assert curve_label("train_loss", False, WatchConfig()) == "train loss"
