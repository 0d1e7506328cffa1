"""How many threads the NumPy core may use: BLAS's pool and the MLP's batch split.

Two separate knobs, both process-wide:

* **BLAS threads** (OpenBLAS/MKL inside NumPy's matrix products), set with ``threadpoolctl``.
  On two cores a BLAS call with two threads waits for its slower thread; when another Python
  thread (the GUI's) keeps one core busy, that wait makes small products 10–100× slower. A
  training worker that shares the machine with a GUI should therefore run BLAS on one thread:
  ``limit_blas_threads(1)``.
* **Split threads**: :class:`~nnviz.core.mlp.MLP` cuts a batch of at least
  :func:`split_min_rows` rows into that many row blocks computed on separate Python threads
  (NumPy releases the GIL in large element-wise operations, each of which uses one core).
  Small batches are never split: starting a thread costs more than it saves there. During
  a split pass BLAS runs on one thread (:func:`single_threaded_blas`).

``benchmarks/bench_core.py`` measures both with and without a busy second thread (its
``worker_threads`` sets both for a block).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from threadpoolctl import ThreadpoolController, threadpool_limits

#: below this many rows a batch is computed on one thread
DEFAULT_SPLIT_MIN_ROWS = 16_384

_split_threads = min(2, os.cpu_count() or 1)
_split_min_rows = DEFAULT_SPLIT_MIN_ROWS
_controller: ThreadpoolController | None = None


def split_threads() -> int:
    """How many Python threads one large batch is spread over."""
    return _split_threads


def set_split_threads(count: int | None) -> None:
    """Set the batch split; ``None`` restores the default, min(2, number of CPUs)."""
    global _split_threads
    _split_threads = min(2, os.cpu_count() or 1) if count is None else max(1, int(count))


def split_min_rows() -> int:
    return _split_min_rows


def set_split_min_rows(rows: int | None) -> None:
    """Batches of at least ``rows`` rows are split; ``None`` restores the default."""
    global _split_min_rows
    _split_min_rows = DEFAULT_SPLIT_MIN_ROWS if rows is None else max(2, int(rows))


def split_count(n_rows: int) -> int:
    """Row blocks for a batch of ``n_rows``: 1 below the threshold, else the split threads."""
    return _split_threads if n_rows >= _split_min_rows else 1


def limit_blas_threads(count: int) -> threadpool_limits:
    """Limit every loaded BLAS to ``count`` threads, now.

    Returns threadpoolctl's handle: ``.restore_original_limits()`` undoes it, and it works as
    a context manager. Call it on the thread that trains, after NumPy is imported.
    """
    return threadpool_limits(limits=max(1, int(count)), user_api="blas")


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """BLAS on one thread within the block (cheap: about 5 µs to enter and leave).

    The MLP's split pass uses it: its Python threads already occupy the cores, and a BLAS
    pool on top would put two threads on each core.
    """
    global _controller
    if _controller is None:
        _controller = ThreadpoolController()
    limits = _controller.limit(limits=1, user_api="blas")
    try:
        yield
    finally:
        limits.restore_original_limits()
