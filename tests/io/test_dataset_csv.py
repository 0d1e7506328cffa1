"""Saving a data set as CSV (``nnviz export --data``): the file reads back with
``dataset=file`` to the same points, the same split and the same training."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest

from nnviz.cli import main, resolve_config
from nnviz.data.table_file import TableFileError, load_table, table_split
from nnviz.io.dataset_csv import dataset_csv_text, write_dataset_csv
from nnviz.scenarios.moons import make_data, raw_data
from nnviz.session import train


def export_data(tmp_path, *assignments: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    argv = ["export", "moons", "--out", str(tmp_path / "out"), "--data"]
    for assignment in assignments:
        argv += ["--set", assignment]
    code = main(argv, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def final_metrics(assignments: list[str]) -> dict:
    scenario, config, _ = resolve_config("moons", None, assignments)
    last = list(train(scenario.create_session(config), max_steps=60, every=60, views=False))[-1]
    return last.metrics


def test_export_data_writes_the_full_split_that_reloads_and_trains_the_same(tmp_path):
    toy = ["dataset=spiral", "n_samples=300", "seed=4", "hidden_sizes=8"]
    code, out, err = export_data(tmp_path, *toy)
    assert code == 0, err
    path = tmp_path / "out" / "moons-dataset.csv"
    assert out.strip() == str(path)
    rows = list(csv.reader(line for line in path.read_text().splitlines()
                           if not line.startswith("#")))
    assert rows[0] == ["x1", "x2", "split", "label"]
    assert len(rows) - 1 == 300
    _, toy_config, _ = resolve_config("moons", None, toy)
    original = raw_data(toy_config)
    assert sum(r[2] == "test" for r in rows[1:]) == len(original.test_y)

    reloaded_settings = ["dataset=file", f"data_file={path}", "input_scaling=none",
                         "seed=4", "hidden_sizes=8", "test_fraction=0.5"]
    _, file_config, _ = resolve_config("moons", None, reloaded_settings)
    reloaded = make_data(file_config)  # its own split, whatever test_fraction says
    for name in ("train_x", "train_y", "test_x", "test_y"):
        np.testing.assert_array_equal(getattr(reloaded, name), getattr(original, name))
    assert final_metrics(reloaded_settings[:-1]) == pytest.approx(final_metrics(toy),
                                                                  rel=1e-9)


def test_word_labels_are_written_as_class_names_and_quoted_when_needed(tmp_path):
    source = tmp_path / "words.csv"
    source.write_text("a,b,kind\n0,1,cat\n1,0,dog\n2,2,cat\n3,1,dog\n4,4,cat\n5,0,dog\n")
    code, _, err = export_data(tmp_path, "dataset=file", f"data_file={source}",
                               "test_fraction=0.34")
    assert code == 0, err
    text = (tmp_path / "out" / "moons-dataset.csv").read_text()
    body = [line for line in text.splitlines() if not line.startswith("#")]
    assert body[0] == "a,b,split,label"
    assert {line.rsplit(",", 1)[1] for line in body[1:]} == {"cat", "dog"}
    table = load_table(tmp_path / "out" / "moons-dataset.csv")
    assert table.class_names == ("cat", "dog")
    assert table.feature_names == ("a", "b")
    assert int(table.test_rows.sum()) == 2


def test_a_feature_named_split_does_not_shadow_the_split_column():
    split = table_split(load_table_text("split,label,y\n1,2,0\n3,4,1\n5,6,0\n",
                                        "y"), 0.0, 0)
    text = dataset_csv_text(split)
    assert text.splitlines()[0] == "split_feature,label_feature,split,label"


def load_table_text(text: str, label: str):
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.csv"
        path.write_text(text)
        return load_table(path, label)


def test_a_split_column_keeps_its_rows_in_file_order_and_refuses_other_values(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("x,y,split,label\n0,0,test,a\n1,1,train,b\n2,2,train,a\n3,3,TEST,b\n")
    data = table_split(load_table(path), 0.5, 123)
    np.testing.assert_array_equal(data.train_x, [[1, 1], [2, 2]])
    np.testing.assert_array_equal(data.test_x, [[0, 0], [3, 3]])
    np.testing.assert_array_equal(data.test_y, [0, 1])
    path.write_text("x,y,split,label\n0,0,test,a\n1,1,valid,b\n")
    with pytest.raises(TableFileError, match=r"s\.csv: row 3, column 3 \('split'\): 'valid' "
                                             r"is not train or test"):
        load_table(path)
    path.write_text("x,y,split,label\n0,0,test,a\n1,1,test,b\n")
    with pytest.raises(TableFileError, match="holds out every row"):
        load_table(path)


def test_export_data_refuses_a_scenario_without_points(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    code = main(["export", "init", "--out", str(tmp_path / "o"), "--data"], out=out, err=err)
    assert code == 2
    assert "--data" in err.getvalue() and len(err.getvalue().strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


def test_write_dataset_csv_writes_notes_as_comments(tmp_path):
    split = make_data(resolve_config("moons", None, ["n_samples=20"])[1])
    path = write_dataset_csv(tmp_path / "d.csv", split, ["a sample: 1 of 2"])
    assert path.read_text().startswith("# a sample: 1 of 2\nx1,x2,split,label\n")
    assert load_table(path).n_rows == 20
