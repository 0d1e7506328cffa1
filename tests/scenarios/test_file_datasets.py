"""``dataset = "file"``: the moons scenario and the race train on a person's own data file."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nnviz.cli import main
from nnviz.core import views as views_module
from nnviz.core.logistic import fit_newton, with_bias
from nnviz.core.views import DecisionGrid, grid_points
from nnviz.data.table_file import load_table
from nnviz.data.toy import make_toy
from nnviz.io.runs import RunRecord, load_run, save_run
from nnviz.scenarios import moons
from nnviz.scenarios.moons import MoonsConfig
from nnviz.scenarios.params import ParamError
from nnviz.scenarios.race import RaceConfig, RaceSession
from nnviz.session import train

ROOT = Path(__file__).resolve().parents[2]
EXAM_SCORES = ROOT / "resources" / "data" / "exam_scores.csv"


def blobs_csv(path: Path, *, features: int = 2, classes: int = 2, rows: int = 240,
              names: tuple[str, ...] = ("setosa", "versicolor", "virginica"), seed: int = 0,
              header: bool = True, offset: float = 50.0) -> Path:
    """Gaussian blobs of σ 1, one per class, labelled by ``names`` (or by number when
    ``names`` is empty), in a CSV with the label last; ``offset`` is added to every feature.

    Two features: class k's centre has 8 in feature j where bit j of k + 1 is set. More: the
    centres are drawn with σ 3 in every feature, so the classes differ in all of them and
    their spread dominates the first principal components."""
    rng = np.random.default_rng(seed)
    if features > 2:
        centres = rng.normal(size=(classes, features)) * 3
    else:
        codes = np.arange(1, classes + 1)[:, None] >> np.arange(features)[None, :]
        centres = 8.0 * (codes & 1)
    labels = np.arange(rows) % classes
    points = centres[labels] + rng.normal(size=(rows, features)) + offset
    lines = [",".join([*(f"f{i}" for i in range(features)), "kind"])] if header else []
    for point, label in zip(points, labels, strict=True):
        tag = names[label] if names else str(label)
        lines.append(",".join([*(f"{v:.5f}" for v in point), tag]))
    path.write_text("\n".join(lines) + "\n")
    return path


def file_config(path: Path, **values) -> MoonsConfig:
    return MoonsConfig().with_values({"dataset": "file", "data_file": str(path),
                                      "hidden_sizes": (8,), "learning_rate": 0.1, **values})


def trained(session, steps: int = 300):
    return list(train(session, max_steps=steps, every=steps))[-1]


# -- moons on a file ----------------------------------------------------------------------------
def test_moons_trains_on_a_separable_two_feature_csv_with_string_labels(tmp_path):
    session = moons.build(file_config(blobs_csv(tmp_path / "two.csv")))
    last = trained(session)
    assert last.metrics["train_accuracy"] > 0.95 and last.metrics["test_accuracy"] > 0.95
    grid = last.views["decision_grid"]
    assert isinstance(grid, DecisionGrid) and grid.n_classes == 2
    assert grid.class_names == ("setosa", "versicolor")
    assert (grid.x_label, grid.y_label) == ("f0 (standardized)", "f1 (standardized)")
    assert grid.title == ""  # the input plane itself: not a slice
    np.testing.assert_array_equal(grid.train_points, session.data.train_x)


def test_moons_trains_on_all_ten_features_and_draws_the_pca_slice(tmp_path):
    path = blobs_csv(tmp_path / "ten.csv", features=10, classes=3, names=())
    session = moons.build(file_config(path))
    assert session.model.sizes[0] == 10 and session.model.sizes[-1] == 3
    last = trained(session)
    assert last.metrics["train_accuracy"] > 0.95
    grid = last.views["decision_grid"]
    plane = session.input_plane
    assert grid.title == "Slice: PCA plane of 10 features"
    assert grid.x_label.startswith("PC 1 (") and grid.class_names == (
        "0", "1", "2")
    # the plane passes through the training mean along two orthonormal axes
    np.testing.assert_allclose(plane.origin, session.data.train_x.mean(axis=0))
    np.testing.assert_allclose(plane.axes.T @ plane.axes, np.eye(2), atol=1e-12)
    # the points drawn are the training points projected onto it
    np.testing.assert_allclose(grid.train_points, plane.coordinates(session.data.train_x))
    # a grid point is a point of the plane through the mean: the grid holds the model's
    # prediction there
    resolution = grid.probabilities.shape[0]
    plane_points = grid_points(grid.extent, resolution)
    for row, column in [(0, 0), (resolution // 2, resolution // 2), (7, resolution - 3)]:
        point = plane_points[row * resolution + column]
        inputs = plane.inputs_at(point[None])
        residual = inputs - plane.origin - (inputs - plane.origin) @ plane.axes @ plane.axes.T
        np.testing.assert_allclose(residual, 0, atol=1e-9)  # on the plane
        predicted = session.model.predict_proba(inputs.astype(session.model.dtype))[0]
        np.testing.assert_allclose(grid.probabilities[row, column], predicted, atol=1e-5)
        assert grid.probabilities[row, column].argmax() == predicted.argmax()
    # the slice shows the classes apart: each class's projected training points mostly lie
    # where the grid predicts that class
    cells = np.clip(((grid.train_points - [grid.extent[0], grid.extent[2]])
                     / [grid.extent[1] - grid.extent[0], grid.extent[3] - grid.extent[2]]
                     * (resolution - 1)).round().astype(int), 0, resolution - 1)
    on_grid = grid.probabilities[cells[:, 1], cells[:, 0]].argmax(axis=1)
    assert (on_grid == grid.train_labels).mean() > 0.9


def test_the_network_on_a_slice_is_drawn_without_node_pictures(tmp_path):
    """Node pictures over a slice would show its coordinates as if they were inputs 1 and 2."""
    wide = moons.build(file_config(blobs_csv(tmp_path / "ten.csv", features=10)))
    network = wide.network()
    assert network.extent is None and network.unit_grids == ()
    flat = moons.build(file_config(blobs_csv(tmp_path / "two.csv"))).network()
    assert flat.extent is not None and len(flat.unit_grids) == 1


def test_a_large_file_draws_a_stated_sample_of_its_points(tmp_path, monkeypatch):
    monkeypatch.setattr(views_module, "MAX_DRAWN_POINTS", 50)
    session = moons.build(file_config(blobs_csv(tmp_path / "many.csv", rows=400)))
    grid = session.decision_grid()
    assert len(grid.train_points) == len(grid.train_labels) == 50
    assert len(grid.test_points) == 50
    assert grid.title == "50 of 300 training and 50 of 100 test points drawn"
    np.testing.assert_array_equal(grid.train_points, session.data.train_x[::6])


def test_a_saved_run_keeps_the_files_names_and_the_slice(tmp_path):
    session = moons.build(file_config(blobs_csv(tmp_path / "ten.csv", features=10, classes=3)))
    snapshots = list(train(session, max_steps=2, every=1))
    record = RunRecord.from_snapshot(snapshots[0])
    for snapshot in snapshots:
        record.add(snapshot)
    loaded = load_run(save_run(tmp_path / "file.nnviz-run.npz", record))
    grid = loaded.snapshots[-1].views["decision_grid"]
    assert grid.class_names == ("setosa", "versicolor", "virginica")
    assert grid.title == "Slice: PCA plane of 10 features" and grid.x_label.startswith("PC 1")
    assert loaded.config.data_file == str(tmp_path / "ten.csv")


def test_input_scaling_auto_standardizes_a_file_and_keeps_toy_sets_as_drawn(tmp_path):
    data = moons.make_data(file_config(blobs_csv(tmp_path / "b.csv")))
    np.testing.assert_allclose(data.train_x.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(data.train_x.std(axis=0), 1)
    raw = moons.make_data(file_config(tmp_path / "b.csv", input_scaling="none"))
    assert raw.train_x.mean() > 40 and raw.feature_names == ("f0", "f1")
    toy = moons.make_data(MoonsConfig())
    assert MoonsConfig().input_scaling == "auto" and MoonsConfig().scaling == "none"
    np.testing.assert_array_equal(toy.train_x, make_toy("moons", 400, 0.2, 0, 0.25).train_x)


def test_the_number_of_classes_comes_from_the_file(tmp_path):
    three = blobs_csv(tmp_path / "three.csv", classes=3)
    assert MoonsConfig().with_values({"dataset": "file"}).n_classes is None
    assert MoonsConfig().n_classes == 2 and MoonsConfig(dataset="blobs").n_classes == 3
    session = moons.build(file_config(three))
    assert session.data.n_classes == 3 and session.model.sizes[-1] == 3
    with pytest.raises(ParamError, match=r"three.csv has 3 classes; use softmax"):
        moons.build(file_config(three, output="sigmoid"))
    two = moons.build(file_config(blobs_csv(tmp_path / "two.csv"), output="sigmoid"))
    assert trained(two, 200).metrics["train_accuracy"] > 0.95
    with pytest.raises(ParamError, match="needs a two-class dataset"):
        MoonsConfig(dataset="blobs", output="sigmoid")


def test_the_data_seed_splits_the_file_and_the_label_column_is_chosen(tmp_path):
    path = tmp_path / "first.csv"
    path.write_text("kind,a,b\n" + "".join(f"{'cat' if i % 2 else 'dog'},{i},{i % 7}\n"
                                           for i in range(40)))
    base = file_config(path, label_column="kind", input_scaling="none")
    one, again = moons.make_data(base), moons.make_data(base.with_values({"seed": 5,
                                                                          "data_seed": 0}))
    np.testing.assert_array_equal(one.train_x, again.train_x)
    other = moons.make_data(base.with_values({"data_seed": 1}))
    assert not np.array_equal(one.train_x, other.train_x)
    assert one.class_names == ("cat", "dog") and one.feature_names == ("a", "b")
    assert len(one.test_y) == 10


def test_dataset_file_without_a_path_says_what_to_set():
    with pytest.raises(ValueError, match="no data file chosen; set data_file to a CSV"):
        moons.build(MoonsConfig().with_values({"dataset": "file"}))


# -- the race on a file -------------------------------------------------------------------------
def test_the_race_on_the_shipped_exam_scores_newton_at_the_minimum_gd_still_far():
    config = RaceConfig().with_values({
        "dataset": "file", "data_file": "resource:data/exam_scores.csv",
        "racers": "gd lr=0.001; newton", "epochs": 20.0, "start_w1": 0.0, "start_w2": 0.0})
    session = RaceSession(config)
    table = load_table(EXAM_SCORES)
    theta, _ = fit_newton(with_bias(session.train_x), session.train_y)
    np.testing.assert_allclose(session.optimum, theta)
    assert session.n_train == table.n_rows  # test_fraction 0: every row trains
    for _ in range(20):
        session.train_step()
    assert session.finished
    gd, newton = session.racer("gd"), session.racer("newton")
    best = session.racers[1].model.loss(session.train_x, session.train_y)
    assert newton.curve.rows[7, 3] == pytest.approx(best, rel=1e-9)  # there in 7 updates
    assert gd.loss > 0.5 > 3 * newton.loss
    surface = session.views()["loss_surface"]
    assert surface.minimum == pytest.approx(tuple(theta[:2]))


def test_race_logistic_needs_two_features_and_two_classes(tmp_path):
    for path, words in ((blobs_csv(tmp_path / "three_features.csv", features=3), "3 features"),
                        (blobs_csv(tmp_path / "three_classes.csv", classes=3), "3 classes")):
        config = RaceConfig().with_values({"dataset": "file", "data_file": str(path)})
        with pytest.raises(ValueError, match=f"{words}.*logistic regression races on exactly "
                                             "2 features and 2 classes"):
            RaceSession(config)


@pytest.mark.parametrize("classes", [2, 3])
def test_race_mlp_trains_on_a_ten_feature_file(tmp_path, classes):
    path = blobs_csv(tmp_path / "ten.csv", features=10, classes=classes, names=(), offset=0)
    config = RaceConfig().with_values({
        "dataset": "file", "data_file": str(path), "problem": "mlp", "hidden_sizes": (6,),
        "racers": "adam lr=0.05; gd lr=0.5", "epochs": 0.0, "surface_resolution": 8})
    session = RaceSession(config)
    start = session.racer("adam").loss
    for _ in range(40):
        session.train_step()
    assert session.racer("adam").loss < start / 4
    assert session.racers[0].model.sizes == [10, 6, classes]
    assert np.isfinite(session.views()["loss_surface"].values).all()


def test_a_race_file_read_as_it_is_keeps_the_default_data_unchanged():
    default = RaceConfig()
    assert default.dataset == "gaussians" and default.data_file == ""
    assert RaceSession(default).n_train == 1000


# -- the command line -----------------------------------------------------------------------------
@pytest.mark.parametrize("scenario", ["moons", "race"])
def test_a_missing_or_broken_file_exits_2_with_one_line(tmp_path, scenario):
    missing = tmp_path / "missing.csv"
    broken = tmp_path / "broken.csv"
    broken.write_text("a,b,label\n1,2,0\n3,4\n")
    for path, words in ((missing, f"{missing}: no such file"),
                        (broken, f"{broken}: row 3 has 2 fields, row 1 has 3")):
        out, err = io.StringIO(), io.StringIO()
        code = main(["run", scenario, "--steps", "3", "--set", "dataset=file",
                     "--set", f"data_file={path}"], out, err)
        assert code == 2 and out.getvalue() == ""
        assert err.getvalue().startswith(f"nnviz: error: {scenario}: {words}")
        assert err.getvalue().count("\n") == 1 and err.getvalue().endswith("\n")


def test_the_cli_trains_moons_on_a_file(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    path = blobs_csv(tmp_path / "points.csv")
    assert main(["run", "moons", "--steps", "200", "--json", "--set", "dataset=file",
                 "--set", f"data_file={path}"], out, err) == 0, err.getvalue()
    assert '"train_accuracy": 1.0' in out.getvalue().splitlines()[-1]


# -- the shipped data file ------------------------------------------------------------------------
def test_the_shipped_exam_scores_are_what_the_script_makes(tmp_path):
    made = tmp_path / "exam_scores.csv"
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "make_exam_scores.py"),
                             "--out", str(made)], capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert made.read_bytes() == EXAM_SCORES.read_bytes()
    table = load_table(EXAM_SCORES)
    assert table.n_rows == 100 and table.feature_names == ("exam1", "exam2")
    assert 30 <= table.features.min() and table.features.max() <= 100
    assert 0.55 <= table.labels.mean() <= 0.65
