"""TensorBoard logs as runs: real event files written by torch's SummaryWriter, read back with
TensorBoard's reader into the record the viewer and ``nnviz show`` use."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from missing_packages import hide_packages

from nnviz.cli import UsageError, checked_run_file, main
from nnviz.core.histograms import HistogramSet, StableBins
from nnviz.io.runs import RunFileError, load_run
from nnviz.io.tensorboard import TENSORBOARD_HINT
from nnviz.io.tensorboard_run import layer_and_quantity, rebinned, whole_counts

pytest.importorskip("tensorboard")
torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

STEPS = 100


def write_logs(folder, *, seed: int = 0) -> dict[str, np.ndarray]:
    """A falling loss every step, accuracy every 10th, histograms every 20th, an image;
    the logged tensors back, by tag and step."""
    from torch.utils.tensorboard import SummaryWriter

    generator = torch.Generator().manual_seed(seed)
    logged = {}
    with SummaryWriter(str(folder)) as writer:
        for step in range(STEPS):
            writer.add_scalar("loss", 2.0 / (step + 1), step)
            if step % 10 == 9:
                writer.add_scalar("accuracy", step / STEPS, step)
            if step % 20 == 0:
                for tag, scale in (("fc1.weight", 1.0 + step / 50), ("fc1.bias", 0.1),
                                   ("fc1.weight.grad", 0.01)):
                    values = torch.randn(500, generator=generator) * scale
                    writer.add_histogram(tag, values, step)
                    logged[f"{tag}@{step}"] = values.numpy().astype(np.float64)
        writer.add_image("inputs", torch.rand(3, 8, 8, generator=generator), 0)
    return logged


@pytest.fixture(scope="module")
def logdir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tb") / "mnist-run"
    return folder, write_logs(folder)


def run_show(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = main(["show", *args], out=out, err=err)
    return status, out.getvalue(), err.getvalue()


def test_scalars_become_curves_at_their_steps(logdir):
    record = load_run(logdir[0])
    assert record.scenario == "tensorboard" and record.label == "mnist-run"
    steps, values = record.trace_arrays()["loss"]
    np.testing.assert_array_equal(steps, np.arange(STEPS))
    np.testing.assert_allclose(values, 2.0 / np.arange(1, STEPS + 1), rtol=1e-6)
    rows = record.history_arrays()  # logged every 10th step: metric rows at those steps
    np.testing.assert_array_equal(rows["step"], np.arange(9, STEPS, 10))
    np.testing.assert_allclose(rows["accuracy"], np.arange(9, STEPS, 10) / STEPS, rtol=1e-6)
    assert "accuracy" not in record.trace
    assert record.steps == STEPS - 1 and record.latest.final


def test_histograms_show_as_the_layers_histogram_sets(logdir):
    folder, logged = logdir
    record = load_run(folder)
    sampled = [s for s in record.snapshots if "histograms" in s.views]
    assert [s.step for s in sampled][:5] == [0, 20, 40, 60, 80]
    histograms = sampled[2].view(HistogramSet)
    assert histograms.layer_names == ("fc1",)
    assert histograms.quantities(0) == ["weights", "biases", "gradients"]
    weights = histograms.get(0, "weights")
    values = logged["fc1.weight@40"]
    assert weights.total == values.size
    assert weights.mean == pytest.approx(values.mean(), abs=0.05 * values.std())
    assert weights.percentiles[4] == pytest.approx(np.median(values), abs=0.1 * values.std())
    assert weights.percentiles[0] == pytest.approx(values.min(), abs=0.1 * values.std())
    assert np.isfinite(histograms.gradient_norms[0])
    assert histograms.gradient_norms[0] == pytest.approx(
        np.linalg.norm(logged["fc1.weight.grad@40"]), rel=0.1)
    history = sampled[-1].view(HistogramSet).history
    assert history.steps.tolist() == [0, 20, 40, 60, 80]
    assert history.percentiles[(0, "weights")].shape == (5, 9)


def test_show_prints_the_scalars_as_json_lines(logdir):
    status, out, err = run_show(str(logdir[0]), "--json")
    assert status == 0 and err == ""
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["step"] for r in records] == list(range(STEPS))
    assert set(records[0]) == {"step", "loss", "accuracy"}
    assert records[9]["accuracy"] == pytest.approx(0.09) and records[10]["accuracy"] is None
    assert records[-1]["loss"] == pytest.approx(2.0 / STEPS)


def test_one_event_file_reads_too(logdir):
    event_file = next(logdir[0].glob("events.out.tfevents.*"))
    assert load_run(event_file).trace_arrays()["loss"][0].size == STEPS


def test_a_folder_of_runs_names_each_tag_by_its_run(tmp_path):
    write_logs(tmp_path / "logs" / "train")
    write_logs(tmp_path / "logs" / "val", seed=1)
    record = load_run(tmp_path / "logs")
    assert {"train/loss", "val/loss"} <= set(record.trace)
    assert {"train/accuracy", "val/accuracy"} <= set(record.history_arrays())
    assert record.config.runs == "train, val"
    names = record.snapshots[-1].view(HistogramSet).layer_names
    assert names == ("train/fc1", "val/fc1")


def test_nnviz_app_takes_a_log_folder(logdir):
    assert checked_run_file(str(logdir[0])) == str(logdir[0])


@pytest.mark.parametrize("what", ["empty folder", "text files", "garbage event file",
                                  "images only"])
def test_a_folder_without_scalars_or_histograms_exits_2_with_one_line(tmp_path, what):
    folder = tmp_path / "logs"
    folder.mkdir()
    if what == "text files":
        (folder / "notes.txt").write_text("not a log\n")
    elif what == "garbage event file":
        (folder / "events.out.tfevents.1.host").write_bytes(b"\x00garbage" * 50)
    elif what == "images only":
        from torch.utils.tensorboard import SummaryWriter

        with SummaryWriter(str(folder)) as writer:
            writer.add_image("inputs", torch.rand(3, 4, 4), 0)
    status, out, err = run_show(str(folder), "--json")
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("nnviz: error: ") and str(folder) in err
    with pytest.raises(UsageError, match="no TensorBoard"):
        checked_run_file(str(folder))
    if what == "images only":
        assert "only 1 images summaries" in err


def test_without_tensorboard_one_line_says_how_to_install_it(logdir, monkeypatch):
    hide_packages(monkeypatch, "tensorboard")
    status, out, err = run_show(str(logdir[0]))
    assert status == 2 and out == "" and err.count("\n") == 1
    assert TENSORBOARD_HINT in err and "pip install 'nnviz[tensorboard]'" in err
    with pytest.raises(RunFileError, match="needs the tensorboard package"):
        load_run(logdir[0])


def test_a_missing_folder_says_so(tmp_path):
    status, _, err = run_show(str(tmp_path / "nowhere" / "events.out.tfevents.1"))
    assert status == 2 and "no such file" in err


def test_a_folder_named_like_a_scenario_opens_the_scenario(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "moons").mkdir()
    assert checked_run_file("moons") is None


@pytest.mark.parametrize(("tag", "expected"), [
    ("fc1.weight", ("fc1", "weights")), ("fc1.bias", ("fc1", "biases")),
    ("fc1.weight.grad", ("fc1", "gradients")), ("dense/kernel", ("dense", "weights")),
    ("layer2/gradients", ("layer2", "gradients")), ("conv1/activations", ("conv1",
                                                                          "activations")),
    ("weights", ("weights", "values")), ("logits", ("logits", "values"))])
def test_tags_are_grouped_into_layers_by_name(tag, expected):
    assert layer_and_quantity(tag) == expected


def test_buckets_are_rebinned_onto_stable_edges():
    """Each bucket's count spread evenly over the stable bins it overlaps; the total kept."""
    buckets = np.array([[-1.0, 0.0, 10.0], [0.0, 1.0, 30.0], [1.0, 3.0, 0.0]])
    found = rebinned((0, "weights"), buckets, StableBins(bins=4))
    np.testing.assert_array_equal(found.edges, [-1.0, -0.5, 0.0, 0.5, 1.0])
    assert found.counts.tolist() == [5, 5, 15, 15] and found.total == 40
    assert found.mean == pytest.approx((-0.5 * 10 + 0.5 * 30) / 40)
    assert found.percentiles[0] == -1.0 and found.percentiles[-1] == 1.0
    assert found.percentiles[4] == pytest.approx(1 / 3)  # half the mass: 10 + 30 · (1/3)


def test_coarse_buckets_leave_no_empty_bins_between_them():
    """30 equal buckets (TF2's histograms) onto 50 stable bins: no comb of empty bins."""
    edges = np.linspace(-1.0, 1.0, 31)
    buckets = np.column_stack([edges[:-1], edges[1:], np.full(30, 7.0)])
    found = rebinned((0, "weights"), buckets, StableBins(bins=50))
    assert found.total == 210 and (found.counts > 0).all()


def test_fractional_counts_become_whole_with_the_same_total():
    assert whole_counts(np.array([0.4, 0.4, 0.2, 2.0])).tolist() == [1, 0, 0, 2]
