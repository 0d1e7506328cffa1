"""A person's own data file: read whole, or refused with one line naming the file and the row."""

from __future__ import annotations

import csv
import io
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from nnviz.data import limits
from nnviz.data import table_file as table_module
from nnviz.data.table_file import (
    TableFileError,
    load_table,
    load_table_cached,
    resolve_data_path,
    table_split,
)
from nnviz.resources import resources_dir


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- what loads -------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "a,b,label\n1,2,0\n3,4.5,1\n-5,6e-1,0\n",          # header, comma
    "1,2,0\n3,4.5,1\n-5,6e-1,0\n",                     # no header
    "a;b;label\n1;2;0\n3;4.5;1\n-5;6e-1;0\n",          # semicolon
    "a\tb\tlabel\n1\t2\t0\n3\t4.5\t1\n-5\t6e-1\t0\n",  # tab
    "# made by hand\na, b ,label\n\n 1 , 2 ,0\r\n3,4.5,1\n\n-5,6e-1,0\n\n",  # blanks, spaces
    '"a","b","label"\n"1","2","0"\n3,4.5,1\n-5,6e-1,0\n',  # quoted fields
    "\ufeffa,b,label\n1,2,0\n3,4.5,1\n-5,6e-1,0\n",    # a UTF-8 byte-order mark
    "a b label\n  1   2   0\n  3 4.5   1\n -5  6e-1 0\n",  # runs of blanks (a .txt table)
    '"a" "b" "label"\n1 "2" 0\n3\t 4.5  1\n-5 6e-1 0\n',  # quoted, blanks, a stray tab
])
def test_text_tables_load_whatever_their_delimiter_and_header(tmp_path, text):
    table = load_table(write(tmp_path, "points.csv", text))
    np.testing.assert_array_equal(table.features, [[1, 2], [3, 4.5], [-5, 0.6]])
    np.testing.assert_array_equal(table.labels, [0, 1, 0])
    assert table.class_names == ("0", "1")
    assert table.feature_names == (("x1", "x2") if text.startswith("1,") else ("a", "b"))
    assert table.features.dtype == np.float64 and table.labels.dtype == np.int64


def test_quoted_fields_keep_their_delimiters_and_doubled_quotes(tmp_path):
    path = write(tmp_path, "q.csv", '"width, cm",b,"kind; ""long"" name"\n'
                                    '1,"2","cat, black"\n3,4,"say ""hi"""\n'
                                    '"5",6,"cat, black"\n')
    table = load_table(path)
    np.testing.assert_array_equal(table.features, [[1, 2], [3, 4], [5, 6]])
    assert table.feature_names == ("width, cm", "b")
    assert table.class_names == ("cat, black", 'say "hi"')
    np.testing.assert_array_equal(table.labels, [0, 1, 0])
    assert load_table(path, 'kind; "long" name').n_features == 2


def test_a_classic_txt_table_without_header_is_split_on_blanks(tmp_path):
    rows = "".join(f"   {x:8.3f} {x * x:10.4f}    {int(x > 0)}\n" for x in (-1.5, 0.5, 2.0))
    table = load_table(write(tmp_path, "data.txt", rows))
    np.testing.assert_allclose(table.features, [[-1.5, 2.25], [0.5, 0.25], [2.0, 4.0]])
    assert table.feature_names == ("x1", "x2") and table.class_names == ("0", "1")


def test_string_labels_become_classes_sorted_as_text(tmp_path):
    path = write(tmp_path, "iris.csv", "w,h,species\n1,2,virginica\n3,4,setosa\n5,6,versicolor\n"
                                       "7,8,setosa\n")
    table = load_table(path)
    assert table.class_names == ("setosa", "versicolor", "virginica")
    np.testing.assert_array_equal(table.labels, [2, 0, 1, 0])
    assert table.n_classes == 3 and table.n_rows == 4 and table.n_features == 2


def test_whole_number_labels_are_sorted_numerically(tmp_path):
    table = load_table(write(tmp_path, "n.csv", "1,2,10\n3,4,2\n5,6,1.0\n7,8,2\n"))
    assert table.class_names == ("1", "2", "10")
    np.testing.assert_array_equal(table.labels, [2, 1, 0, 1])


@pytest.mark.parametrize("label_column", ["kind", 0, "0", -3, "-3"])
def test_the_label_column_by_name_or_index(tmp_path, label_column):
    path = write(tmp_path, "first.csv", "kind,a,b\ncat,1,2\ndog,3,4\ncat,5,6\n")
    table = load_table(path, label_column)
    assert table.feature_names == ("a", "b") and table.class_names == ("cat", "dog")
    np.testing.assert_array_equal(table.features, [[1, 2], [3, 4], [5, 6]])
    np.testing.assert_array_equal(table.labels, [0, 1, 0])


def test_a_middle_label_column_keeps_the_features_in_file_order(tmp_path):
    table = load_table(write(tmp_path, "m.csv", "a,y,b\n1,0,2\n3,1,4\n"), "y")
    assert table.feature_names == ("a", "b")
    np.testing.assert_array_equal(table.features, [[1, 2], [3, 4]])


def test_npy_label_in_the_last_column_or_the_one_named(tmp_path):
    path = tmp_path / "points.npy"
    np.save(path, np.array([[1.0, 2.0, 1], [3.0, 4.0, 0], [5.0, 6.0, 1]]))
    table = load_table(path)
    np.testing.assert_array_equal(table.features, [[1, 2], [3, 4], [5, 6]])
    np.testing.assert_array_equal(table.labels, [1, 0, 1])
    first = load_table(path, 0)
    np.testing.assert_array_equal(first.features, [[2, 1], [4, 0], [6, 1]])
    assert first.class_names == ("1", "3", "5")


@pytest.mark.parametrize("names", table_module.NPZ_NAMES)
def test_npz_with_each_accepted_pair_of_names(tmp_path, names):
    path = tmp_path / "points.npz"
    np.savez(path, **{names[0]: np.array([[1, 2], [3, 4]], dtype=np.int32),
                      names[1]: np.array(["no", "yes"])})
    table = load_table(path)
    np.testing.assert_array_equal(table.features, [[1, 2], [3, 4]])
    assert table.class_names == ("no", "yes") and table.features.dtype == np.float64


def test_a_compressed_npz_and_a_file_named_otherwise_are_told_by_their_bytes(tmp_path):
    path = tmp_path / "points.data"
    with open(path, "wb") as stream:
        np.savez_compressed(stream, X=np.eye(3), y=np.array([0, 1, 1]))
    assert load_table(path).n_rows == 3


def test_a_bundled_file_is_named_by_the_resource_prefix():
    path = resolve_data_path("resource:data/exam_scores.csv")
    assert path == (resources_dir() / "data" / "exam_scores.csv").resolve()
    table = load_table("resource:data/exam_scores.csv")
    assert table.feature_names == ("exam1", "exam2") and table.class_names == ("0", "1")
    assert table.n_rows == 100


@pytest.mark.parametrize("text", ["resource:../presets", "resource:", "resource:/../../etc"])
def test_the_resource_prefix_stays_inside_the_resources_folder(text):
    with pytest.raises(TableFileError, match="not a file inside nnviz's resources folder"):
        resolve_data_path(text)


def test_the_split_keeps_the_names_and_is_seeded(tmp_path):
    table = load_table(write(tmp_path, "s.csv", "a,b,c\n" + "".join(
        f"{i},{i * 2},{'yes' if i % 2 else 'no'}\n" for i in range(40))))
    first, again = table_split(table, 0.25, seed=3), table_split(table, 0.25, seed=3)
    np.testing.assert_array_equal(first.train_x, again.train_x)
    assert len(first.test_y) == 10 and first.n_classes == 2
    assert first.class_names == ("no", "yes") and first.feature_names == ("a", "b")


def test_the_cached_loader_reads_a_file_once_until_it_changes(tmp_path, monkeypatch):
    path = write(tmp_path, "c.csv", "1,2,0\n3,4,1\n")
    calls = []
    real = table_module.load_table
    monkeypatch.setattr(table_module, "load_table",
                        lambda *a, **k: calls.append(a) or real(*a, **k))
    first = load_table_cached(path)
    assert load_table_cached(path) is first and len(calls) == 1
    assert not first.features.flags.writeable and not first.labels.flags.writeable
    path.write_text("1,2,0\n3,4,1\n5,6,1\n")
    assert load_table_cached(path).n_rows == 3 and len(calls) == 2


# -- what is refused, in one line ---------------------------------------------------------------
BAD_TEXT = [
    # (file text, the row named or None, words of the problem)
    ("", None, "empty file (no rows)"),
    ("\n  \n# only a comment\n", None, "no rows (only blank or # comment lines)"),
    ("a,b,label\n", None, "a header row and no data rows"),
    ("a,b,label\n1,2,0\n3,4\n", 3, "row 3 has 2 fields, row 1 has 3 (ragged rows"),
    ("1\t2\t0\n3\t4\t1\t9\n", 2, "row 2 has 4 fields, row 1 has 3 (ragged rows; the delimiter "
                                 "is a tab)"),
    ("a,b,label\n1,2,0\n3,abc,1\n", 3, "row 3, column 2 ('b'): 'abc' is not a number"),
    ("a,b,label\n1,2,0\n\n3,,1\n", 4, "row 4, column 2 ('b'): empty value"),
    ("1,2,0\n3,x y,1\n", 2, "row 2, column 2: 'x y' is not a number"),
    ("a,b,label\n1,2,0\nnan,4,1\n", 3, "row 3, column 1 ('a'): nan is not a finite number"),
    ("a,b,label\n1,2,0\n3,-inf,1\n", 3, "row 3, column 2 ('b'): -inf is not a finite number"),
    ("a,b,label\n1,2,0\n3,1e999,1\n", 3, "row 3, column 2 ('b'): inf is not a finite number"),
    ("a,b,label\n1,2,cat\n3,4,cat\n", None, "every row has the label 'cat'; a classifier "
                                            "needs at least 2 classes"),
    ("a,b,label\n1,2,0\n3,4,0.5\n", 3, "row 3: label 0.5 is not a whole number of at most 15 "
                                      "digits"),
    ("a,b,label\n1,2,0\n3,4,nan\n", 3, "row 3: label nan is not a whole number"),
    ("a,b,label\n1,2,0\n3,4,1e300\n", 3, "row 3: label 1e+300 is not a whole number"),
    ("a,b,label\n1,2,0\n3,4, \n", 3, "row 3: empty label"),
    ("1\n2\n3\n", None, "one column only"),
    ("x y label\n1 2 0\n3   4\n", 3, "row 3 has 2 fields, row 1 has 3 (ragged rows; the "
                                      "delimiter is runs of blanks)"),
    ('a,b,label\n1,"2,5",0\n3,4,1,"7,8"\n', 3, "row 3 has 4 fields, row 1 has 3 (ragged"),
    ('a,b,label\n1,2,"a, b"\n3,4, "c, d"\n', 3, "row 3 has 4 fields, row 1 has 3 (ragged "
     "rows; the delimiter is a comma; a quote opens a field only right after the delimiter)"),
    ('a,b,label\n"1,5",2,0\n3,4,1\n', 2, "row 2, column 1 ('a'): '1,5' is not a number"),
    ("x y label\n1 2 0\n3 abc 1\n", 3, "row 3, column 2 ('y'): 'abc' is not a number"),
    ("x,\x00y\n", 1, "row 1: a binary file, not CSV or TSV text"),
]


@pytest.mark.parametrize("text, row, problem", BAD_TEXT)
def test_a_bad_text_table_gives_one_line_naming_file_row_and_problem(tmp_path, text, row,
                                                                     problem):
    path = write(tmp_path, "bad.csv", text)
    message = refusal(path)
    assert message.startswith(f"{path}: ") and problem in message
    if row is not None:
        assert f"row {row}" in message


def refusal(path, *args, **options) -> str:
    with pytest.raises(TableFileError) as caught:
        load_table(path, *args, **options)
    message = str(caught.value)
    assert "\n" not in message and len(message) < 300, message
    return message


@pytest.mark.parametrize("label_column, problem", [
    ("species", "no label column named 'species'; the columns are 'a', 'b', 'label'"),
    (3, "label column 3 does not exist; the rows have 3 columns (0 to 2, or -3 to -1)"),
    ("-4", "label column -4 does not exist"),
])
def test_a_label_column_that_does_not_exist(tmp_path, label_column, problem):
    path = write(tmp_path, "l.csv", "a,b,label\n1,2,0\n3,4,1\n")
    assert problem in refusal(path, label_column)


def test_a_label_name_without_a_header(tmp_path):
    path = write(tmp_path, "l.csv", "1,2,0\n3,4,1\n")
    assert "no label column named 'label'; the file has no header row" in refusal(path, "label")


def test_too_few_features_where_two_are_needed(tmp_path):
    path = write(tmp_path, "one.csv", "height,label\n1,0\n3,1\n")
    assert load_table(path).n_features == 1
    assert ("1 feature column(s) (height) besides the label; at least 2 are needed"
            in refusal(path, min_features=2))


def test_latin1_text_is_not_utf8(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("a,b,label\n1,2,0\n3,4,caf\xe9\n".encode("latin-1"))
    assert "row 3: not UTF-8 text (byte 0xe9)" in refusal(path)


def test_a_missing_file_a_folder_and_no_file_at_all(tmp_path):
    missing = tmp_path / "missing.csv"
    assert refusal(missing) == f"{missing}: no such file"
    assert refusal(tmp_path) == (f"{tmp_path}: not a regular file (a folder); the data file "
                                 "must be a file on disk")
    assert refusal("  ").startswith("no data file chosen; set data_file to a CSV or TSV")


def test_a_path_with_a_newline_is_named_on_one_line(tmp_path):
    path = tmp_path / "two\nlines.csv"
    assert refusal(path).startswith(repr(str(path)) + ": no such file")


@pytest.mark.parametrize("limit, value, text, problem", [
    ("MAX_TABLE_FILE_BYTES", 20, "a,b,label\n1,2,0\n3,4,1\n5,6,0\n",
     "data file is 28 bytes, more than the limit of 20 bytes"),
    ("MAX_TABLE_ROWS", 2, "a,b,label\n1,2,0\n3,4,1\n5,6,0\n",
     "3 data rows, more than the limit of 2 (see 'Limits' in the README)"),
    ("MAX_TABLE_FEATURES", 1, "a,b,label\n1,2,0\n3,4,1\n",
     "2 feature columns, more than the limit of 1"),
    ("MAX_TABLE_CLASSES", 2, "a,b,label\n1,2,0\n3,4,1\n5,6,2\n",
     "3 distinct labels, more than the limit of 2 classes (is the label column a regression "
     "target?)"),
])
def test_limits(tmp_path, monkeypatch, limit, value, text, problem):
    path = write(tmp_path, "big.csv", text)
    assert load_table(path).n_rows >= 2
    monkeypatch.setattr(limits, limit, value)
    assert problem in refusal(path)


def test_a_file_over_the_byte_limit_is_refused_before_it_is_read(tmp_path, monkeypatch):
    path = write(tmp_path, "big.csv", "a,b,label\n" + "1,2,0\n3,4,1\n" * 10)
    monkeypatch.setattr(limits, "MAX_TABLE_FILE_BYTES", 100)
    monkeypatch.setattr(limits, "read_chunks", pytest.fail)  # never opened for reading
    assert "data file is 130 bytes, more than the limit of 100 bytes" in refusal(path)


def test_an_npy_that_is_not_a_2d_numeric_table(tmp_path):
    flat, text = tmp_path / "flat.npy", tmp_path / "text.npy"
    np.save(flat, np.arange(6.0))
    np.save(text, np.array([["a", "b"], ["c", "d"]]))
    assert "a .npy data file must hold a 2-D numeric array" in refusal(flat)
    assert "this one is 2-D of <U1" in refusal(text)
    table = tmp_path / "table.npy"
    np.save(table, np.eye(3))
    assert ("a .npy array has no column names; give the label column as an index, not "
            "'species'") in refusal(table, "species")


def test_an_npy_of_objects_or_cut_short(tmp_path):
    objects, short = tmp_path / "objects.npy", tmp_path / "short.npy"
    np.save(objects, np.array([[1, "a"], [2, "b"]], dtype=object), allow_pickle=True)
    assert "holds Python objects, which nnviz does not load" in refusal(objects)
    np.save(short, np.zeros((1000, 3)))
    short.write_bytes(short.read_bytes()[:400])
    assert "declares 24,000 bytes but the file holds at most" in refusal(short)


def test_npz_without_the_accepted_names_or_with_mismatched_labels(tmp_path):
    other, mismatched, with_label = (tmp_path / f"{n}.npz" for n in ("o", "m", "w"))
    np.savez(other, data=np.eye(2), target=np.arange(2))
    assert ("needs a features and a labels array named X/y, x/y, features/labels; it holds "
            "'data', 'target'") in refusal(other)
    np.savez(mismatched, X=np.eye(3), y=np.arange(2))
    assert "y must hold one label per row of X (3); its shape is (2,)" in refusal(mismatched)
    np.savez(with_label, X=np.eye(3), y=np.arange(3))
    assert "leave label_column empty" in refusal(with_label, "y")


def test_an_npz_member_larger_than_the_limit_is_not_unpacked(tmp_path, monkeypatch):
    path = tmp_path / "bomb.npz"
    np.savez_compressed(path, X=np.zeros((2000, 50)), y=np.zeros(2000))
    monkeypatch.setattr(limits, "MAX_TABLE_FILE_BYTES", 100_000)
    assert path.stat().st_size < 100_000
    assert "its array X.npy unpacks to" in refusal(path)


def test_a_broken_zip_is_one_line_too(tmp_path):
    path = tmp_path / "broken.npz"
    np.savez(path, X=np.eye(3), y=np.arange(3))
    path.write_bytes(path.read_bytes()[:60])
    assert "not a readable .npz archive" in refusal(path)
    assert zipfile.is_zipfile(path) is False


# -- a fuzz: load, or say why in one line ------------------------------------------------------
CELLS = st.one_of(
    st.integers(-5, 5).map(str), st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", " ", "a", "cat", '"q"', '"', "#", "1e999", "nan", "é", "\x00", "0x1",
                     "1_0", "\t", '"a,b"', '"x;y z"', '"say ""hi"""', '"1.5"', ' "2" ', '""',
                     "  7  "]),
)


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(CELLS, min_size=1, max_size=4), max_size=6),
       delimiter=st.sampled_from([",", ";", "\t", " ", "   "]),
       newline=st.sampled_from(["\n", "\r\n"]),
       label_column=st.sampled_from([None, 0, -1, "a", "5"]))
def test_random_csv_text_loads_or_raises_table_file_error(tmp_path, rows, delimiter, newline,
                                                          label_column):
    path = tmp_path / "fuzz.csv"
    path.write_bytes(newline.join(delimiter.join(row) for row in rows).encode("utf-8"))
    try:
        table = load_table(path, label_column)
    except TableFileError as error:
        message = str(error)
        assert str(path) in message and "\n" not in message, message
    else:
        assert np.isfinite(table.features).all() and table.n_classes >= 2
        assert table.labels.min() == 0 and table.labels.max() == table.n_classes - 1
        assert len(table.feature_names) == table.n_features >= 1


LABEL_TEXT = st.text(alphabet='ab ,;"\t', min_size=1, max_size=8).filter(
    lambda text: text.strip() not in ("", '"'))


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.floats(-1e6, 1e6), st.floats(-1e6, 1e6), LABEL_TEXT),
                     min_size=2, max_size=8),
       delimiter=st.sampled_from([",", ";", "\t"]))
def test_any_label_written_by_python_csv_reads_back_whole(tmp_path, rows, delimiter):
    """Labels with delimiters, quotes and blanks inside, quoted as the csv module writes them
    (where needed), come back as written (stripped): the quotes are honoured, not split."""
    labels = {label.strip() for _, _, label in rows}
    assume(len(labels) >= 2 and not any(_number(label) for label in labels))
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(["first", "second", "label"])
    writer.writerows([repr(x), repr(y), label] for x, y, label in rows)
    table = load_table(write(tmp_path, "labels.csv", buffer.getvalue()))
    np.testing.assert_array_equal(table.features, [[x, y] for x, y, _ in rows])
    assert set(table.class_names) == labels
    assert [table.class_names[k] for k in table.labels] == [label.strip() for *_, label in rows]


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
