"""A person's own labelled data: a CSV/TSV table, a ``.npy`` array or a ``.npz`` archive.

One loader for every scenario that trains on "a data file" (the moons scenario and the race).
The file is checked before it is read (:mod:`nnviz.data.limits`), read once, and either
returned whole as a :class:`LabelledTable` or refused with a :class:`TableFileError` whose
message is one line naming the file, the row (1-based, as a text editor numbers lines) and
the problem. Nothing is half-loaded.

What is read, and how:

* The kind is told by the first bytes, not the name: NumPy's ``\\x93NUMPY`` is a ``.npy``
  array, a zip archive is a ``.npz``, anything else must be UTF-8 text.
* Text: blank lines and lines starting with ``#`` are skipped. The delimiter is found on the
  first row, outside quotes: a tab if it has one, else a semicolon if it has one, else a
  comma if it has one, else runs of spaces (the classic ``.txt`` data files, columns lined up
  with blanks; leading blanks are not an empty field). The first row is a header when one of
  its fields is not a number where the second row's is (``x,y,label`` over ``0.5,1.2,a``);
  without one the features are named ``x1``…``xn``. Fields may be quoted with ``"`` as CSV
  does: a quoted field keeps the delimiters inside it (``"a,b"``) and ``""`` is one quote.
* ``.npy``: a 2-D numeric array, the label in one column. ``.npz``: features and labels as two
  arrays named ``X``/``y``, ``x``/``y`` or ``features``/``labels``.
* A header column named ``split`` whose values are ``train`` or ``test`` (as ``nnviz export
  --data`` writes) says which rows are held out: it is not a feature, and the file's split is
  kept (in file order) instead of a seeded one.
* The label column is the last one unless ``label_column`` names another, by header name or by
  0-based index (negative counts from the end). Labels that are all whole numbers are classes
  sorted numerically (``2`` before ``10``); any other labels are names sorted as text. Class k
  is the k-th in that order; ``class_names`` spells them as the file does (a whole number
  as an integer: ``1.0`` is ``1``), for legends.
* Feature values are parsed by NumPy's C reader (:func:`numpy.loadtxt`), not cell by cell in
  Python: a million rows of ten numbers take two to three seconds.

A bundled file is named ``resource:data/NAME`` (see :func:`resolve_data_path`), so a preset
can point at it wherever nnviz is installed.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import zipfile
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from nnviz.data import limits
from nnviz.data.toy import Split, split
from nnviz.resources import resources_dir

Array = np.ndarray

#: the prefix that names a file shipped in nnviz's resources folder
RESOURCE_PREFIX = "resource:"
#: the ``dataset`` choice that reads ``data_file`` (the moons scenario and the race alike)
FILE_DATASET = "file"
#: the array names a ``.npz`` may use, as (features, labels) pairs, in the order tried
NPZ_NAMES = (("X", "y"), ("x", "y"), ("features", "labels"))
#: the header name of the column that says each row's split (values ``train``/``test``)
SPLIT_COLUMN = "split"
#: the values a split column may hold
SPLIT_VALUES = ("train", "test")
#: what a data file may be, for messages
KINDS_TEXT = "a CSV or TSV table, a .npy array or a .npz archive"

#: what the ``data_file`` and ``label_column`` hyperparameters accept, for their help texts
DATA_FILE_HELP = ("dataset=file: a CSV or TSV table (header optional; comma, semicolon or tab), "
                  "a .npy array or a .npz archive (arrays X and y); the label is the last "
                  "column unless label_column says otherwise; "
                  f"{RESOURCE_PREFIX}data/NAME is a file shipped with nnviz")
LABEL_COLUMN_HELP = ("dataset=file: the label column's header name, or its 0-based index "
                     "(negative counts from the end); empty = the last column")

#: the largest whole-number label: every integer up to it is exact in float64 and int64
LARGEST_LABEL = 10**15

_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGIC = b"PK\x03\x04"
_CONVERSION_ERROR = re.compile(r"at row (\d+), column (\d+)")
#: a quoted field (``""`` inside is one quote)
_QUOTED = re.compile(r'"(?:[^"]|"")*"')
#: a field of a blank-separated row: quoted, or a run of non-blanks
_BLANK_FIELD = re.compile(r'"(?:[^"]|"")*"|\S+')


class TableFileError(ValueError):
    """A data file nnviz cannot train on; the message is one line naming the file and the row."""


@dataclass(frozen=True)
class LabelledTable:
    """A data file's rows: ``features`` (n, d) finite float64, ``labels`` (n,) int64 in 0..K−1.

    ``class_names[k]`` is class k's label as the file spells it; ``feature_names`` are the
    header's names of the feature columns (``x1``…``xd`` without a header). ``test_rows``
    marks the rows a ``split`` column holds out (None: the file does not say).
    """

    features: Array
    labels: Array
    class_names: tuple[str, ...]
    feature_names: tuple[str, ...]
    path: Path
    test_rows: Array | None = None

    @property
    def n_rows(self) -> int:
        return int(self.features.shape[0])

    @property
    def n_features(self) -> int:
        return int(self.features.shape[1])

    @property
    def n_classes(self) -> int:
        return len(self.class_names)


def resolve_data_path(path: str | Path) -> Path:
    """The file a ``data_file`` value names: ``resource:data/NAME`` is NAME in nnviz's bundled
    ``resources/data`` folder (found installed or in a checkout); any other text is a path,
    ``~`` expanded, relative to the current folder."""
    text = str(path).strip()
    if not text:
        raise TableFileError(f"no data file chosen; set data_file to {KINDS_TEXT}")
    if not text.startswith(RESOURCE_PREFIX):
        return Path(text).expanduser()
    inside = text.removeprefix(RESOURCE_PREFIX).strip().lstrip("/")
    folder = resources_dir().resolve()
    resolved = (folder / inside).resolve()
    if not inside or not resolved.is_relative_to(folder):
        raise TableFileError(f"{_named(text)}: not a file inside nnviz's resources folder")
    return resolved


def load_table(path: str | Path, label_column: int | str | None = None, *,
               min_features: int = 1) -> LabelledTable:
    """Read a labelled data file whole (see the module docstring), or raise
    :class:`TableFileError`. ``label_column``: a header name, a 0-based index (negative from
    the end; also as text, ``"-1"``), or None/empty for the last column. ``min_features``:
    the fewest feature columns the caller can use."""
    return _table(resolve_data_path(path), read_columns(path, label_column), min_features)


def read_columns(path: str | Path, label_column: int | str | None = None) -> _Parts:
    """A data file's feature columns, its label column (numbers or text, not yet classes)
    and their names, before the checks of :func:`load_table`: a regression target reads
    the label column as numbers (:mod:`nnviz.data.regression_targets`)."""
    path = resolve_data_path(path)
    content = _read_content(path)
    if isinstance(content, list):
        return _from_lines(content, path, label_column)
    if content.startswith(_NPY_MAGIC):
        return _from_npy(content, path, label_column)
    return _from_npz(content, path, label_column)


def load_table_cached(path: str | Path, label_column: int | str | None = None, *,
                      min_features: int = 1) -> LabelledTable:
    """:func:`load_table`, kept for the last file while it is unchanged on disk (same size
    and modification time): a Reset or a new seed does not parse a large file again. The
    arrays are read-only, so no user of the cache can change what the next one gets."""
    resolved = resolve_data_path(path)
    try:
        info = resolved.stat()
    except OSError:
        return load_table(resolved, label_column, min_features=min_features)  # its error
    return _load_once(str(resolved), info.st_mtime_ns, info.st_size, label_column,
                      min_features)


@functools.lru_cache(maxsize=1)
def _load_once(path: str, mtime_ns: int, size: int, label_column: int | str | None,
               min_features: int) -> LabelledTable:
    table = load_table(path, label_column, min_features=min_features)
    for array in (table.features, table.labels, table.test_rows):
        if array is not None:
            array.flags.writeable = False
    return table


def table_split(table: LabelledTable, test_fraction: float, seed: int) -> Split:
    """The table shuffled by ``seed`` and split like the toy sets (:func:`~nnviz.data.toy.split`),
    with its class and feature names; a file with a ``split`` column keeps its own split,
    rows in file order (``test_fraction`` and ``seed`` are then not used)."""
    if table.test_rows is not None:
        test, train = table.test_rows, ~table.test_rows
        data = Split(table.features[train], table.labels[train], table.features[test],
                     table.labels[test], table.n_classes)
    else:
        rng = np.random.default_rng(seed)
        data = split(table.features, table.labels, test_fraction, rng, table.n_classes)
    return replace(data, class_names=table.class_names, feature_names=table.feature_names)


def read_data_file(data_file: str, label_column: str) -> LabelledTable:
    """A scenario's ``data_file`` and ``label_column`` settings read (cached), with at least
    the two features a decision boundary or a race needs."""
    return load_table_cached(data_file, label_column_of(label_column), min_features=2)


def label_column_of(text: str) -> int | str | None:
    """A ``label_column`` setting as :func:`load_table` takes it: empty text is None."""
    return text.strip() or None


# -- reading ------------------------------------------------------------------------------------
def _read_file(path: Path) -> bytes:
    """The whole file, after checking it is a regular file within the table limit."""
    try:
        raw = limits.read_bounded(path, limits.MAX_TABLE_FILE_BYTES, "data file", TableFileError)
    except FileNotFoundError:
        raise TableFileError(f"{_named(path)}: no such file") from None
    except OSError as error:
        raise TableFileError(f"{_named(path)}: cannot read it ({error.strerror or error})"
                             ) from None
    if not raw or raw.isspace():  # isspace scans; strip would copy a large file
        raise TableFileError(f"{_named(path)}: empty file (no rows)")
    return raw


@dataclass(frozen=True)
class _Parts:
    """What a reader found, before the checks common to every format."""

    features: Array
    labels: Array
    feature_names: tuple[str, ...]
    #: each feature's 1-based column in the file (for messages)
    columns: tuple[int, ...]
    #: each row's line number in a text file; None for arrays (row i is i + 1)
    rows: Array | None = None
    #: the rows a ``split`` column holds out (None: no such column)
    test_rows: Array | None = None


def _read_content(path: Path) -> bytes | list[str]:
    """The bytes of an array file (``.npy``, ``.npz``), or the lines of a text one. Each copy
    of a large text is dropped as soon as the next exists: the peak is two of them."""
    raw = _read_file(path)
    if raw.startswith((_NPY_MAGIC, _ZIP_MAGIC)):
        return raw
    nul = raw.find(b"\0")
    if nul >= 0:
        raise TableFileError(
            f"{_named(path)}: row {_line_at(raw, nul)}: a binary file, not CSV or TSV text "
            f"(it holds NUL bytes); nnviz reads {KINDS_TEXT}")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise TableFileError(
            f"{_named(path)}: row {_line_at(raw, error.start)}: not UTF-8 text (byte "
            f"0x{raw[error.start]:02x}); save the table as UTF-8") from None
    del raw
    return text.splitlines()


def _from_lines(lines: list[str], path: Path, label_column: int | str | None) -> _Parts:
    """The features, label texts and names of a CSV/TSV file, with each row's line number."""
    kept = [i for i, line in enumerate(lines) if line.strip() and line.lstrip()[0] != "#"]
    if not kept:
        raise TableFileError(f"{_named(path)}: no rows (only blank or # comment lines)")
    rows = np.asarray(kept, dtype=np.int64) + 1  # the editor's line numbers
    if len(kept) < len(lines):
        lines = [lines[i] for i in kept]
    delimiter = _delimiter(lines[0])
    first = _fields(lines[0], delimiter)
    has_header = _is_header(first, _fields(lines[1], delimiter) if len(lines) > 1 else None)
    names = first if has_header else None
    n_columns = len(first)
    data, data_rows = (lines[1:], rows[1:]) if has_header else (lines, rows)
    if not data:
        raise TableFileError(f"{_named(path)}: a header row and no data rows")
    _check_rows(path, len(data))
    label = _label_index(path, label_column, n_columns, names)
    split_column = _split_index(names, label, _fields(data[0], delimiter))
    feature_columns = [c for c in range(n_columns) if c not in (label, split_column)]
    _check_feature_count(path, len(feature_columns))
    text_table = _TextTable(path, data, data_rows, delimiter, n_columns, names, int(rows[0]))
    features, labels = text_table.parse(label, feature_columns)
    test_rows = None if split_column is None else text_table.test_rows(split_column)
    feature_names = (tuple(names[c] for c in feature_columns) if names is not None
                     else _default_names(len(feature_columns)))
    return _Parts(features, labels, feature_names, tuple(c + 1 for c in feature_columns),
                  data_rows, test_rows)


def _split_index(names: list[str] | None, label: int, first_row: list[str]) -> int | None:
    """The 0-based index of the header's ``split`` column, unless it is the label or holds
    numbers (then it is a feature that happens to be called so)."""
    if names is None:
        return None
    found = [c for c, name in enumerate(names) if name.strip().lower() == SPLIT_COLUMN]
    if not found or found[0] == label or found[0] >= len(first_row):
        return None
    return None if _is_number(first_row[found[0]]) else found[0]


def _delimiter(line: str) -> str | None:
    """Tab if the first row has one outside quotes, else semicolon, else comma; None (runs
    of blanks, as NumPy's reader takes it) when the row has none of them but has blanks."""
    bare = _QUOTED.sub("", line) if '"' in line else line
    for candidate in ("\t", ";", ","):
        if candidate in bare:
            return candidate
    return None if len(_BLANK_FIELD.findall(line)) > 1 else ","


def _fields(line: str, delimiter: str | None) -> list[str]:
    """A row's fields, stripped and unquoted; quoted delimiters stay inside their field.
    Only rows with a quote take the slower, quote-aware split."""
    if '"' not in line:
        return [field.strip() for field in line.split(delimiter)]
    if delimiter is None:
        return [_unquoted(field) for field in _BLANK_FIELD.findall(line)]
    row = next(csv.reader([line], delimiter=delimiter), [])  # a quote opens a field only
    # right after the delimiter, as for NumPy's reader and RFC 4180
    return [_unquoted(field.strip()) for field in row]


def _field_count(line: str, delimiter: str | None) -> int:
    """How many fields a row has (counted fast where it has no quote)."""
    if '"' in line:
        return len(_fields(line, delimiter))
    return line.count(delimiter) + 1 if delimiter is not None else len(line.split())


def _unquoted(field: str) -> str:
    if len(field) >= 2 and field[0] == field[-1] == '"':
        return field[1:-1].replace('""', '"').strip()
    return field


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _is_header(first: list[str], second: list[str] | None) -> bool:
    """A header names columns: some field of the first row is not a number where the
    second row's field is one (a lone first row is a header if it is not all numbers)."""
    if second is None:
        return not all(_is_number(field) for field in first)
    return any(not _is_number(a) and _is_number(b) for a, b in zip(first, second, strict=False))


def _check_rows(path: Path, n_rows: int) -> None:
    if n_rows > limits.MAX_TABLE_ROWS:
        raise TableFileError(
            f"{_named(path)}: {n_rows:,} data rows, more than the limit of "
            f"{limits.MAX_TABLE_ROWS:,} (see 'Limits' in the README)")


def _check_feature_count(path: Path, n_features: int) -> None:
    if n_features == 0:
        raise TableFileError(
            f"{_named(path)}: one column only; a data file needs feature columns and a label "
            "column, separated by commas, semicolons, tabs or runs of blanks")
    if n_features > limits.MAX_TABLE_FEATURES:
        raise TableFileError(
            f"{_named(path)}: {n_features} feature columns, more than the limit of "
            f"{limits.MAX_TABLE_FEATURES} (see 'Limits' in the README)")


_DELIMITER_NAMES = {",": "a comma", ";": "a semicolon", "\t": "a tab", None: "runs of blanks"}


def _label_index(path: Path, label_column: int | str | None, n_columns: int,
                 names: list[str] | None) -> int:
    """The label column's 0-based index from a name, an index (or its text), or None."""
    if isinstance(label_column, str):
        label_column = label_column.strip() or None
    if label_column is None:
        return n_columns - 1
    if isinstance(label_column, str):
        if names is not None and label_column in names:
            if names.count(label_column) > 1:
                raise TableFileError(f"{_named(path)}: two columns are named "
                                     f"{_shown(label_column)}; give the label column's index")
            return names.index(label_column)
        try:
            label_column = int(label_column)
        except ValueError:
            known = (f"the columns are {', '.join(_shown(n) for n in names[:12])}"
                     if names is not None else "the file has no header row, so give an index")
            raise TableFileError(f"{_named(path)}: no label column named "
                                 f"{_shown(label_column)}; {known}") from None
    if not -n_columns <= label_column < n_columns:
        raise TableFileError(
            f"{_named(path)}: label column {label_column} does not exist; the rows have "
            f"{n_columns} columns (0 to {n_columns - 1}, or -{n_columns} to -1)")
    return label_column % n_columns


@dataclass(frozen=True)
class _TextTable:
    """The data rows of a text table and how to name a place in it.

    :meth:`parse` tries the fast way first: every column as float64 in one pass of NumPy's C
    parser (numeric labels, the usual case). Only when that fails does it find out why: ragged
    rows (counted here), a label column of names (then features and labels are read
    separately), or the first cell that is not a number.
    """

    path: Path
    data: list[str]
    rows: Array
    delimiter: str | None
    n_columns: int
    names: list[str] | None
    #: the line number of the file's first row (the header, if it has one)
    first_row: int

    def parse(self, label: int, feature_columns: list[int]) -> tuple[Array, Array]:
        """(features (n, d) float64, labels: float64 numbers or stripped text)."""
        used = sorted([*feature_columns, label])
        if len(used) < self.n_columns:  # a split column of words: read the others
            return self._parse_columns(used, label, feature_columns)
        try:
            table = self._numbers(None)
        except ValueError as error:
            self._check_ragged()
            if self._bad_column(error) != label:
                raise self._conversion_error(error) from None
        else:
            if table.shape[1] != self.n_columns:  # every data row differs from the header
                self._check_ragged()
            # a view, not a copy: the split copies the rows it takes anyway
            features = (table[:, :label] if label == self.n_columns - 1
                        else table[:, feature_columns])
            return features, table[:, label]
        try:
            features = self._numbers(feature_columns)
        except ValueError as error:
            raise self._conversion_error(error) from None
        return features, self._texts(label)

    def _parse_columns(self, used: list[int], label: int, feature_columns: list[int]
                       ) -> tuple[Array, Array]:
        """:meth:`parse` of the ``used`` columns only (the file has a split column)."""
        self._check_ragged()
        try:
            table = self._numbers(used)
        except ValueError as error:
            if self._bad_column(error) != label:
                raise self._conversion_error(error) from None
        else:
            return (table[:, [used.index(c) for c in feature_columns]],
                    table[:, used.index(label)])
        try:
            features = self._numbers(feature_columns)
        except ValueError as error:
            raise self._conversion_error(error) from None
        return features, self._texts(label)

    def _texts(self, column: int) -> Array:
        """One column's fields as stripped text."""
        texts = np.loadtxt(self.data, delimiter=self.delimiter, usecols=[column], dtype=str,
                           comments=None, quotechar='"', ndmin=1)
        return np.char.strip(texts)

    def test_rows(self, column: int) -> Array:
        """Which rows the split ``column`` holds out: its values must be train or test."""
        values = np.char.lower(self._texts(column))
        test = values == SPLIT_VALUES[1]
        wrong = np.flatnonzero(~(test | (values == SPLIT_VALUES[0])))
        if len(wrong):
            at = int(wrong[0])
            raise TableFileError(
                f"{_named(self.path)}: row {self.rows[at]}, {_column_text(column, self.names)}"
                f": {_shown(str(values[at]))} is not train or test")
        if test.all():
            raise TableFileError(f"{_named(self.path)}: the split column holds out every row; "
                                 "some must be train")
        return test

    def _numbers(self, columns: list[int] | None) -> Array:
        return np.loadtxt(self.data, delimiter=self.delimiter, usecols=columns,
                          dtype=np.float64, comments=None, quotechar='"', ndmin=2)

    def _check_ragged(self) -> None:
        """Every row must have as many fields as the first (counted by delimiters)."""
        counts = np.fromiter((_field_count(line, self.delimiter) for line in self.data),
                             dtype=np.int64, count=len(self.data))
        wrong = np.flatnonzero(counts != self.n_columns)
        if len(wrong):
            at = int(wrong[0])
            quotes = ("; a quote opens a field only right after the delimiter"
                      if '"' in self.data[at] else "")
            raise TableFileError(
                f"{_named(self.path)}: row {self.rows[at]} has {counts[at]} fields, row "
                f"{self.first_row} has {self.n_columns} (ragged rows; the delimiter is "
                f"{_DELIMITER_NAMES[self.delimiter]}{quotes})")

    @staticmethod
    def _bad_column(error: ValueError) -> int | None:
        """The 0-based column NumPy could not convert, from its message."""
        found = _CONVERSION_ERROR.search(str(error))
        return int(found.group(2)) - 1 if found else None

    def _conversion_error(self, error: ValueError) -> TableFileError:
        """The first cell that is not a number, by its row and column."""
        found = _CONVERSION_ERROR.search(str(error))
        if found is None:
            return TableFileError(f"{_named(self.path)}: {_one_line(str(error))}")
        index, column = int(found.group(1)), int(found.group(2)) - 1
        fields = _fields(self.data[index], self.delimiter)
        value = fields[column] if column < len(fields) else ""
        problem = "empty value" if not value else f"{_shown(value)} is not a number"
        return TableFileError(f"{_named(self.path)}: row {self.rows[index]}, "
                              f"{_column_text(column, self.names)}: {problem}")


def _from_npy(raw: bytes, path: Path, label_column: int | str | None) -> _Parts:
    table = _read_npy(io.BytesIO(raw), len(raw), path, "the array")
    if table.ndim != 2 or not _is_numeric(table):
        raise TableFileError(
            f"{_named(path)}: a .npy data file must hold a 2-D numeric array (rows × "
            f"columns, the label in one column); this one is {table.ndim}-D of {table.dtype}")
    if isinstance(label_column, str) and label_column.strip() and not _is_int(label_column):
        raise TableFileError(f"{_named(path)}: a .npy array has no column names; give the "
                             f"label column as an index, not {_shown(label_column.strip())}")
    n_columns = table.shape[1]
    _check_rows(path, table.shape[0])
    label = _label_index(path, label_column, n_columns, None)
    feature_columns = [c for c in range(n_columns) if c != label]
    _check_feature_count(path, len(feature_columns))
    features = table[:, feature_columns].astype(np.float64)
    return _Parts(features, table[:, label], _default_names(len(feature_columns)),
                  tuple(c + 1 for c in feature_columns))


def _from_npz(raw: bytes, path: Path, label_column: int | str | None) -> _Parts:
    if label_column is not None and str(label_column).strip():
        raise TableFileError(f"{_named(path)}: a .npz archive keeps its labels in their own "
                             "array; leave label_column empty")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            members = {info.filename.removesuffix(".npy"): info for info in archive.infolist()}
            pair = next((p for p in NPZ_NAMES if p[0] in members and p[1] in members), None)
            if pair is None:
                accepted = ", ".join(f"{a}/{b}" for a, b in NPZ_NAMES)
                held = ", ".join(_shown(name) for name in list(members)[:8]) or "nothing"
                raise TableFileError(f"{_named(path)}: a .npz data file needs a features and "
                                     f"a labels array named {accepted}; it holds {held}")
            features, labels = (_npz_member(archive, members[name], path) for name in pair)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError,
            EOFError, OSError) as error:
        raise TableFileError(f"{_named(path)}: not a readable .npz archive "
                             f"({_one_line(str(error))})") from None
    if features.ndim != 2 or not _is_numeric(features):
        raise TableFileError(f"{_named(path)}: {pair[0]} must be a 2-D numeric array (rows × "
                             f"features); it is {features.ndim}-D of {features.dtype}")
    if labels.ndim != 1 or len(labels) != len(features):
        raise TableFileError(f"{_named(path)}: {pair[1]} must hold one label per row of "
                             f"{pair[0]} ({len(features)}); its shape is {labels.shape}")
    _check_rows(path, len(features))
    _check_feature_count(path, features.shape[1])
    count = features.shape[1]
    return _Parts(features.astype(np.float64), labels, _default_names(count),
                  tuple(range(1, count + 1)))


def _npz_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, path: Path) -> Array:
    """One array of the archive, its unpacked size checked before it is unpacked."""
    if info.file_size > limits.MAX_TABLE_FILE_BYTES:
        raise TableFileError(limits.too_large(path, info.file_size,
                                              limits.MAX_TABLE_FILE_BYTES,
                                              f"its array {info.filename}", "unpacks to"))
    with archive.open(info) as stream:
        return _read_npy(stream, info.file_size, path, f"array {info.filename}")


def _read_npy(stream, stored_bytes: int, path: Path, what: str) -> Array:
    """An array in NumPy's format, refused when its header declares more data than is there
    (a few bytes must not make NumPy allocate terabytes) or Python objects."""
    try:
        version = np.lib.format.read_magic(stream)
        read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                       else np.lib.format.read_array_header_2_0)
        shape, fortran_order, dtype = read_header(stream)
    except ValueError as error:
        raise TableFileError(f"{_named(path)}: {what} is not a readable NumPy array "
                             f"({_one_line(str(error))})") from None
    if dtype.hasobject:
        raise TableFileError(f"{_named(path)}: {what} holds Python objects, which nnviz does "
                             "not load; save numbers or fixed-width strings")
    declared = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if declared > stored_bytes:
        raise TableFileError(f"{_named(path)}: {what} declares {declared:,} bytes but the file "
                             f"holds at most {stored_bytes:,}")
    data = stream.read(declared)
    if len(data) != declared:
        raise TableFileError(f"{_named(path)}: {what} is cut short")
    array = np.frombuffer(data, dtype=dtype)
    return array.reshape(shape, order="F" if fortran_order else "C")


# -- checks and classes -------------------------------------------------------------------------
def _table(path: Path, parts: _Parts, min_features: int) -> LabelledTable:
    """The finished table once features are finite and the labels make two or more classes."""
    features, names, rows = parts.features, parts.feature_names, parts.rows
    if len(features) == 0:
        raise TableFileError(f"{_named(path)}: no data rows")
    if features.shape[1] < min_features:
        listed = f" ({', '.join(names)})" if len(names) else ""
        raise TableFileError(
            f"{_named(path)}: {features.shape[1]} feature column(s){listed} besides the "
            f"label; at least {min_features} are needed")
    bad = np.flatnonzero(~np.isfinite(features).all(axis=1))
    if len(bad):
        index = int(bad[0])
        column = int(np.flatnonzero(~np.isfinite(features[index]))[0])
        raise TableFileError(
            f"{_named(path)}: row {_row(index, rows)}, column {parts.columns[column]} "
            f"({_shown(names[column])}): {features[index, column]} is not a finite number "
            "(NaN and infinity cannot be trained on)")
    class_names, classes = _classes(path, parts.labels, rows)
    return LabelledTable(features, classes, class_names, names, path, parts.test_rows)


def _classes(path: Path, labels: Array, rows: Array | None) -> tuple[tuple[str, ...], Array]:
    """(class names in class order, class index of each row) from the label values."""
    if labels.dtype.kind == "S":
        labels = np.char.decode(labels, "utf-8", errors="replace")
    if labels.dtype.kind == "U":
        empty = np.flatnonzero(labels == "")
        if len(empty):
            raise TableFileError(f"{_named(path)}: row {_row(int(empty[0]), rows)}: empty "
                                 "label")
        numbers = _numbers_or_none(labels)
    else:
        numbers = labels.astype(np.float64)
    if numbers is not None:
        values, classes = _whole_number_classes(path, numbers, rows)
        names = tuple(str(v) for v in values)
    else:
        text_values, classes = np.unique(labels, return_inverse=True)
        names = tuple(str(v) for v in text_values)
    if len(names) < 2:
        raise TableFileError(f"{_named(path)}: every row has the label {_shown(names[0])}; a "
                             "classifier needs at least 2 classes")
    if len(names) > limits.MAX_TABLE_CLASSES:
        raise TableFileError(
            f"{_named(path)}: {len(names):,} distinct labels, more than the limit of "
            f"{limits.MAX_TABLE_CLASSES} classes (is the label column a regression target?)")
    return names, classes.astype(np.int64).reshape(-1)


def _numbers_or_none(labels: Array) -> Array | None:
    """The labels as float64 if every one is a number, else None (they are names)."""
    try:
        return labels.astype(np.float64)
    except ValueError:
        return None


def _whole_number_classes(path: Path, numbers: Array, rows: Array | None
                          ) -> tuple[Array, Array]:
    """(sorted distinct integer labels, class index per row) of numeric labels."""
    with np.errstate(invalid="ignore"):
        wrong = np.flatnonzero(~((numbers == np.round(numbers))
                                 & (np.abs(numbers) <= LARGEST_LABEL)))
    if len(wrong):
        index = int(wrong[0])
        raise TableFileError(
            f"{_named(path)}: row {_row(index, rows)}: label {numbers[index]:g} is not a whole "
            "number of at most 15 digits; labels are such numbers or names")
    values, classes = np.unique(numbers.astype(np.int64), return_inverse=True)
    return values, classes


# -- small helpers ------------------------------------------------------------------------------
def _line_at(raw: bytes, offset: int) -> int:
    """The 1-based line of the byte at ``offset``."""
    return raw.count(b"\n", 0, offset) + 1


def _row(index: int, rows: Array | None) -> int:
    """The line number of data row ``index`` (an array's row counts from 1)."""
    return int(rows[index]) if rows is not None else index + 1


def _column_text(column: int, names: list[str] | None) -> str:
    if names is None:
        return f"column {column + 1}"
    return f"column {column + 1} ({_shown(names[column])})"


def _default_names(count: int) -> tuple[str, ...]:
    return tuple(f"x{i}" for i in range(1, count + 1))


def _is_numeric(array: Array) -> bool:
    return array.dtype.kind in "biuf"


def _is_int(text: str) -> bool:
    try:
        int(text.strip())
    except ValueError:
        return False
    return True


def _shown(value: object, limit: int = 40) -> str:
    """A value quoted for a message, on one line and at most ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def _one_line(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"


def _named(path: str | Path) -> str:
    """The path as a message starts with it; control characters escaped, so it stays one
    line."""
    text = str(path)
    return text if text.isprintable() else repr(text)
