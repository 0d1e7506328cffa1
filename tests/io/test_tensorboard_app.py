"""A TensorBoard log folder opens in the app as "Open run…" opens a run file: its scalars as
curves, its histograms in the histogram panel; without tensorboard, a message says how to
install it."""

from __future__ import annotations

import numpy as np
import pytest
from app_launch import viewers_opened_by_nnviz_app
from missing_packages import hide_packages

from nnviz.app.runs import OPEN_RUN_PATTERN, RunKeeper
from nnviz.io.tensorboard import TENSORBOARD_HINT

pytest.importorskip("tensorboard")
torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


@pytest.fixture(scope="module")
def logdir(tmp_path_factory):
    from torch.utils.tensorboard import SummaryWriter

    folder = tmp_path_factory.mktemp("tb") / "cifar"
    generator = torch.Generator().manual_seed(0)
    with SummaryWriter(str(folder)) as writer:
        for step in range(60):
            writer.add_scalar("loss", 1.0 / (step + 1), step)
            writer.add_scalar("lr", 0.1, step)
            if step % 20 == 0:
                writer.add_histogram("fc.weight", torch.randn(400, generator=generator), step)
                writer.add_histogram("fc.bias", torch.randn(20, generator=generator), step)
    return folder


def open_viewer(qtbot, keeper, path=None):
    failures = []
    keeper.failed.connect(failures.append)
    viewer = keeper.open(path)
    assert viewer is not None, failures
    qtbot.addWidget(viewer)
    return viewer


def test_a_log_folder_opens_with_curves_and_histograms(qtbot, logdir):
    viewer = open_viewer(qtbot, RunKeeper(), logdir)
    assert [panel.kind for panel in viewer.panels] == ["loss", "histograms"]
    curves = [viewer.metric_box.itemText(i) for i in range(viewer.metric_box.count())]
    assert curves[:2] == ["loss (every step)", "lr (every step)"]
    steps, values = viewer.saved_curve.getData()
    np.testing.assert_array_equal(steps, np.arange(60))
    np.testing.assert_allclose(values, 1.0 / np.arange(1, 61), rtol=1e-6)
    loss, histograms = viewer.panels
    assert "loss" in loss.curves and loss.curves["loss"].per_step  # drawn in the loss panel
    assert histograms.histograms is not None and histograms.histograms.layer_names == ("fc",)
    _, counts = histograms.histogram_curve.getData()
    assert counts is not None and np.sum(counts) == 400
    assert viewer.slider.maximum() == len(viewer.record.snapshots) - 1 == 3
    viewer.slider.setValue(1)
    qtbot.waitUntil(lambda: histograms.histograms.step == 20)


def test_open_run_on_an_event_file_opens_its_folder(qtbot, logdir):
    keeper = RunKeeper()
    event_file = next(logdir.glob("events.out.tfevents.*"))
    keeper.ask_path = lambda title, default, save: event_file
    viewer = open_viewer(qtbot, keeper)
    assert viewer.record.label == "cifar" and viewer.record.config.source == str(logdir)
    assert "tfevents" in OPEN_RUN_PATTERN


def test_without_tensorboard_the_app_says_how_to_install_it(qtbot, logdir, monkeypatch):
    hide_packages(monkeypatch, "tensorboard")
    keeper = RunKeeper()
    failures = []
    keeper.failed.connect(failures.append)
    assert keeper.open(logdir) is None
    assert len(failures) == 1 and TENSORBOARD_HINT in failures[0]


def test_nnviz_app_logdir_opens_the_logs_in_the_app(tmp_path, logdir):
    """``nnviz app LOGDIR``: the window and, over it, the logs as "Open run…" shows them."""
    result = viewers_opened_by_nnviz_app(logdir, tmp_path)
    assert result["code"] == 0 and result["labels"] == ["cifar"]
    assert result["panels"] == [["loss", "histograms"]]
