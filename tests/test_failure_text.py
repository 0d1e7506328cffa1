"""The line a person reads when training stops on an exception (``nnviz.worker.running``)."""

from __future__ import annotations

from nnviz.data.table_file import TableFileError
from nnviz.worker.running import failure_text


def test_a_bad_input_error_is_its_own_sentence():
    assert failure_text(TableFileError("points.csv: no such file")) == "points.csv: no such file"
    assert failure_text(FileNotFoundError(2, "No such file", "x.csv")) == \
        "[Errno 2] No such file: 'x.csv'"


def test_any_other_fault_keeps_its_short_class_name_and_one_line():
    assert failure_text(RuntimeError("CUDA error: out of memory\nmore detail")) == \
        "RuntimeError: CUDA error: out of memory"
    assert failure_text(ZeroDivisionError()) == "ZeroDivisionError"
