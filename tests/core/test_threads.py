"""Thread limits: BLAS via threadpoolctl, and the MLP's batch split, both restorable."""

from __future__ import annotations

from nnviz.core import threads


def test_worker_threads_limits_blas_and_split_then_restores():
    blas_before, split_before = threads.blas_threads(), threads.split_threads()
    with threads.worker_threads(blas=1, split=1):
        assert threads.blas_threads() == 1
        assert threads.split_threads() == 1
        assert threads.split_count(10**7) == 1
    assert threads.blas_threads() == blas_before
    assert threads.split_threads() == split_before


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
    before = threads.blas_threads()
    handle = threads.limit_blas_threads(1)
    assert threads.blas_threads() == 1
    handle.restore_original_limits()
    assert threads.blas_threads() == before


def test_limit_threads_caps_every_pool():
    handle = threads.limit_threads(1)
    try:
        assert threads.blas_threads() == 1
    finally:
        handle.restore_original_limits()
