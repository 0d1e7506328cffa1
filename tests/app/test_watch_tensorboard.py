"""TensorBoard logs as torch's docs write them ("Loss/train") drawn in the loss panel, and a
log folder opened from the main window's "Open run…" menu ("Open TensorBoard folder…")."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.app.panels import all_panels
from nnviz.app.panels.loss import is_drawn
from nnviz.app.window import MainWindow
from nnviz.session import Snapshot
from nnviz.watching.records import WatchConfig


@pytest.mark.parametrize(("name", "per_step", "drawn"), [
    ("Loss/train", True, True), ("Loss/test", False, True), ("LOSS", True, True),
    ("Accuracy/test", False, True), ("Accuracy/train", True, False), ("lr", True, False)])
def test_tags_spelled_with_capitals_are_drawn(name, per_step, drawn):
    assert is_drawn(name, per_step) is drawn


def test_the_loss_panel_draws_a_loss_train_series(qtbot):
    panel = all_panels()["loss"]()
    qtbot.addWidget(panel)
    steps = np.arange(1, 21)
    panel.show_snapshot(Snapshot(
        run_id=1, scenario="tensorboard", step=20, epoch=0.0, wall_seconds=0.0,
        metrics={"Loss/test": 0.4}, config=WatchConfig(),
        trace={"step": steps, "Loss/train": 1.0 / steps}))
    assert set(panel.curves) == {"Loss/train", "Loss/test"}
    np.testing.assert_allclose(panel.curves["Loss/train"].y, 1.0 / steps)


@pytest.fixture(scope="module")
def logdir(tmp_path_factory):
    pytest.importorskip("tensorboard")
    torch = pytest.importorskip("torch")
    from torch.utils.tensorboard import SummaryWriter

    folder = tmp_path_factory.mktemp("tb") / "mnist"
    with SummaryWriter(str(folder)) as writer:
        for step in range(30):
            writer.add_scalar("Loss/train", 1.0 / (step + 1), step)
            writer.add_scalar("Accuracy/train", step / 30, step)
        writer.add_histogram("fc.weight", torch.linspace(-1, 1, 100), 29)
    return folder


@pytest.mark.torch
def test_open_tensorboard_folder_from_the_open_run_menu(qtbot, app_settings, logdir):
    window = MainWindow("moons", settings=app_settings)
    qtbot.addWidget(window)
    exports = window.exports
    open_menu = exports.open_run_action.menu()
    assert open_menu is not None
    (entry,) = [a for a in open_menu.actions() if a.text() == "Open TensorBoard folder…"]
    asked = []
    exports.runs.ask_folder = lambda title, start: asked.append(title) or logdir
    entry.trigger()
    assert asked == ["Open TensorBoard folder"]
    (viewer,) = exports.runs.viewers
    qtbot.addWidget(viewer)
    assert viewer.record.label == "mnist"
    loss = viewer.panels[0]
    assert loss.kind == "loss" and "Loss/train" in loss.curves  # drawn, capitals and all
    np.testing.assert_allclose(loss.curves["Loss/train"].y, 1.0 / np.arange(1, 31),
                               rtol=1e-6)


def test_a_cancelled_folder_dialog_opens_nothing(qtbot):
    from nnviz.app.runs import RunKeeper

    keeper = RunKeeper()
    keeper.ask_folder = lambda title, start: None
    assert keeper.open_folder() is None and keeper.viewers == []
