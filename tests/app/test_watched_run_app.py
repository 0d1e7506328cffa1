"""A run recorded by ``nnviz.watch`` opens in the app as "Open run…" opens any run file, and
the histogram and layer-health panels draw it."""

from __future__ import annotations

import numpy as np
import pytest
from app_launch import viewers_opened_by_nnviz_app

from nnviz.app.runs import RunKeeper

torch = pytest.importorskip("torch")


@pytest.fixture
def watched_file(tmp_path):
    import nnviz

    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(8, 16), torch.nn.ReLU(),
                                torch.nn.Linear(16, 2))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    points = torch.randn(64, 8)
    labels = (points[:, 0] > 0).long()
    path = tmp_path / "watched.nnviz"
    with nnviz.watch(model, optimizer, name="watched", record=path,
                     histogram_every=20, histograms_per_second=1000.0) as watcher:
        for _ in range(60):
            loss = torch.nn.functional.cross_entropy(model(points), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            watcher.step(loss=loss.item())
    return path


def test_a_watched_run_opens_with_its_panels(qtbot, watched_file):
    keeper = RunKeeper()
    failures = []
    keeper.failed.connect(failures.append)
    viewer = keeper.open(watched_file)
    assert viewer is not None, failures
    qtbot.addWidget(viewer)
    assert [panel.kind for panel in viewer.panels] == ["loss", "histograms", "layer_health"]
    _, histograms, health = viewer.panels
    assert histograms.histograms is not None and histograms.histograms.step == 60
    _, counts = histograms.histogram_curve.getData()
    assert counts is not None and np.sum(counts) > 0
    assert health.histograms.saturated, "the ReLU's share of silent units is drawn"
    assert viewer.slider.maximum() == len(viewer.record.snapshots) - 1 >= 3
    assert "loss (every step)" in [viewer.metric_box.itemText(i)
                                   for i in range(viewer.metric_box.count())]
    viewer.slider.setValue(1)
    qtbot.waitUntil(lambda: histograms.histograms.step == 21)


def test_nnviz_app_file_opens_the_run_in_the_app(tmp_path, watched_file):
    """``nnviz app FILE``: the window and, over it, the run as "Open run…" shows it."""
    result = viewers_opened_by_nnviz_app(watched_file, tmp_path)
    assert result["code"] == 0
    assert result["labels"] == ["watched"]
    assert result["panels"] == [["loss", "histograms", "layer_health"]]


def test_nnviz_app_with_a_damaged_run_file_exits_2(tmp_path):
    import io

    from nnviz.cli import main

    damaged = tmp_path / "damaged.nnviz"
    damaged.write_bytes(b"PK\x03\x04 not a run")
    err = io.StringIO()
    assert main(["app", str(damaged)], err=err) == 2
    assert err.getvalue().count("\n") == 1 and "cannot read this run file" in err.getvalue()


def test_the_open_run_dialog_lists_watched_run_files():
    from fnmatch import fnmatch

    from nnviz.app.runs import RUN_FILE_PATTERN

    patterns = RUN_FILE_PATTERN.split("(")[1].rstrip(")").split()
    assert any(fnmatch("resnet.nnviz", pattern) for pattern in patterns)
    assert any(fnmatch("moons-120.nnviz-run.npz", pattern) for pattern in patterns)
