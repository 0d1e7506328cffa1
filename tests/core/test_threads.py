"""Thread limits: BLAS via threadpoolctl, and the MLP's batch split, both restorable."""

from __future__ import annotations

from threadpoolctl import threadpool_info

from nnviz.core import threads


def blas_threads() -> int:
    """The largest thread count among the BLAS libraries loaded in this process."""
    counts = [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]
    return max(counts, default=1)


def test_split_count_only_above_threshold():
    try:
        threads.set_split_threads(2)
        threads.set_split_min_rows(1000)
        assert threads.split_count(999) == 1
        assert threads.split_count(1000) == 2
    finally:
        threads.set_split_threads(None)
        threads.set_split_min_rows(None)
    assert threads.split_min_rows() == threads.DEFAULT_SPLIT_MIN_ROWS


def test_limit_blas_threads_handle_restores():
    before = blas_threads()
    handle = threads.limit_blas_threads(1)
    assert blas_threads() == 1
    handle.restore_original_limits()
    assert blas_threads() == before
