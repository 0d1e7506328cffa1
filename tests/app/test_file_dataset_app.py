"""A data file in the app: its names in the boundary panel, and a bad file keeps the run."""

from __future__ import annotations

import numpy as np
import pytest

from nnviz.app.panels.decision_boundary import DecisionBoundaryPanel, class_key_text
from nnviz.app.runner import RUNNING
from nnviz.core.views import DecisionGrid


def grid(**names) -> DecisionGrid:
    probabilities = np.zeros((20, 20, 3), np.float32)
    probabilities[:, :10, 0] = probabilities[:, 10:, 2] = 1.0
    points = np.array([[0.2, 0.5], [0.8, 0.5]])
    return DecisionGrid((0.0, 1.0, 0.0, 1.0), probabilities, points, np.array([0, 2]),
                        np.zeros((0, 2)), np.zeros(0, int), **names)


def test_the_panel_names_a_files_classes_axes_and_slice_and_forgets_them_after(qtbot):
    panel = DecisionBoundaryPanel()
    qtbot.addWidget(panel)
    panel.resize(520, 420)
    panel.show()
    item = panel.plot_item
    panel.draw(grid(class_names=("cat", "dog", "7"), x_label="principal component 1 (40%)",
                    y_label="principal component 2 (20%)",
                    title="Slice: PCA plane of 10 features through the training mean"))
    assert panel.legend_texts() == ["train", "cat", "dog", "label 7"]
    assert item.getAxis("bottom").labelText == "principal component 1 (40%)"
    assert item.getAxis("left").labelText == "principal component 2 (20%)"
    assert item.titleLabel.isVisible() and "PCA plane of 10 features" in item.titleLabel.text
    keys = [sample.item for sample, _ in panel.legend.items][1:]
    assert [k.opts["brush"].color().getRgb()[:3] for k in keys] == [
        panel.train_points.data["brush"][0].color().getRgb()[:3],  # class 0's colour
        keys[1].opts["brush"].color().getRgb()[:3],
        panel.train_points.data["brush"][1].color().getRgb()[:3]]  # class 2's colour
    panel.draw(grid())  # a toy set: numbered classes, the input plane
    assert panel.legend_texts() == ["train"]
    assert item.getAxis("bottom").labelText == "x₁" and item.getAxis("left").labelText == "x₂"
    assert not item.titleLabel.isVisible()


def test_a_long_axis_name_is_shortened_to_its_axis_and_whole_in_the_tooltip(qtbot):
    panel = DecisionBoundaryPanel()
    qtbot.addWidget(panel)
    panel.resize(360, 240)
    panel.show()
    qtbot.waitExposed(panel)
    long_name = "sepal length in centimetres, measured by hand (standardized)"
    panel.draw(grid(x_label="petal length (standardized)", y_label=long_name))
    qtbot.wait(20)
    left = panel.plot_item.getAxis("left")
    assert left.labelText.endswith("…") and long_name.startswith(left.labelText[:-1])
    assert left.toolTip() == long_name
    panel.resize(900, 900)
    qtbot.waitUntil(lambda: left.labelText == long_name, timeout=2000)
    assert left.toolTip() == ""


@pytest.mark.parametrize("name, text", [("setosa", "setosa"), ("3", "label 3"),
                                        ("-1", "label -1"), ("1e3", "label 1e3")])
def test_a_class_key_says_label_before_a_number(name, text):
    assert class_key_text(name) == text


def type_text(window, name: str, text: str) -> None:
    editor = window.controls.editors[name]
    editor.line.setText(text)
    editor.line.editingFinished.emit()


def choose(window, name: str, value: str) -> None:
    combo = window.controls.editors[name].combo
    index = combo.findText(value)
    assert index >= 0, value
    combo.setCurrentIndex(index)
    combo.activated.emit(index)


def test_a_bad_data_file_keeps_the_previous_run_and_a_good_one_is_drawn(window, qtbot,
                                                                         tmp_path):
    runner = window.runner
    window.run_action.trigger()
    qtbot.waitUntil(lambda: runner.last_snapshot is not None and runner.last_snapshot.step > 3,
                    timeout=10_000)
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b,label\n1,2,x\n3,4\n")
    first_run = runner.run_id
    type_text(window, "data_file", str(ragged))  # the toy set ignores it: a restart
    qtbot.waitUntil(lambda: runner.run_id != first_run, timeout=10_000)
    run_id, before = runner.run_id, runner.config
    assert before.data_file == str(ragged)

    choose(window, "dataset", "file")
    qtbot.waitUntil(lambda: "Kept the previous run" in window.banner.text(), timeout=10_000)
    assert f"{ragged}: row 3 has 2 fields, row 1 has 3" in window.banner.text()
    assert "Error" not in window.banner.text()  # the sentence, not a class's module path
    assert runner.config == before and runner.run_id == run_id
    assert window.controls.editors["dataset"].value() == "moons"
    step = runner.last_snapshot.step
    qtbot.waitUntil(lambda: runner.last_snapshot.step > step + 3, timeout=10_000)
    assert runner.state == RUNNING

    good = tmp_path / "iris.csv"
    rng = np.random.default_rng(0)
    rows = [f"{x:.3f},{y:.3f},{'setosa' if x < 0 else 'virginica'}"
            for x, y in rng.normal(size=(80, 2))]
    good.write_text("length,width,species\n" + "\n".join(rows) + "\n")
    type_text(window, "data_file", str(good))
    qtbot.waitUntil(lambda: runner.config.data_file == str(good), timeout=10_000)
    choose(window, "dataset", "file")
    qtbot.waitUntil(lambda: runner.last_snapshot is not None
                    and runner.last_snapshot.config.dataset == "file"
                    and "decision_grid" in runner.last_snapshot.views, timeout=10_000)
    panel = next(p for p in window.panels() if p.kind == "decision_boundary")
    qtbot.waitUntil(lambda: "setosa" in panel.legend_texts(), timeout=10_000)
    assert "virginica" in panel.legend_texts()
    assert panel.plot_item.getAxis("bottom").labelText == "length (standardized)"


def test_the_side_by_side_halves_of_a_slice_say_it_is_a_slice(qtbot, tmp_path):
    from nnviz.scenarios.registry import get_scenario
    from nnviz.session import train

    path = tmp_path / "wide.csv"
    rng = np.random.default_rng(1)
    points = rng.normal(size=(90, 4)) + np.repeat(np.eye(4)[:3] * 5, 30, axis=0)
    path.write_text("".join(",".join(f"{v:.3f}" for v in row) + f",{i // 30}\n"
                            for i, row in enumerate(points)))
    scenario = get_scenario("moons")
    panel = DecisionBoundaryPanel()
    qtbot.addWidget(panel)
    panel.resize(520, 380)
    for hidden in (3, 10):
        config = scenario.default_config().with_values(
            {"dataset": "file", "data_file": str(path), "hidden_sizes": (hidden,)})
        snapshots = list(train(scenario.create_session(config), max_steps=5, every=5))
        panel.start_run(snapshots[-1].run_id)
        for snapshot in snapshots:
            panel.show_snapshot(snapshot)
        if hidden == 3:
            panel.pin_run()
    figure = panel.comparison_figure()
    qtbot.addWidget(figure)
    titles = [half.plot_item.titleLabel.text for half in figure.halves.values()]
    assert all(t.startswith("Slice: PCA plane of 4 features · ") for t in titles), titles
