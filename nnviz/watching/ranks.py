"""Which processes of a ``torch.distributed`` job report to nnviz, and under which names.

In a data-parallel job every rank runs the same script, so every rank calls
:func:`nnviz.watch`. The ranks train the same model on different batches: one rank's view is
the job's view, and N copies of it would cost N times as much and overlay N near-identical
curves. So by default only rank 0 reports; ``ranks="all"`` (or a rank number, or a collection
of rank numbers) makes the chosen ranks report, each as its own run:

- the run of rank ``r`` is named ``"NAME/rank{r}"``;
- with ``record="runs/resnet.nnviz"`` it is recorded to ``runs/resnet.rank{r}.nnviz`` (the
  rank goes before the run file's suffix, so ``nnviz app`` and "Open run…" still know it), one
  file per rank: ranks never write the same file.

The default (rank 0 alone) keeps the name and the file as given, so a script that works on
one process records the same file under ``torchrun``. A rank that does not report gets a
:class:`QuietWatcher`, whose ``step()`` does nothing: no probe, no hooks, no sink.

The rank is read from ``torch.distributed`` when the process group is initialised, else from
the ``RANK`` and ``WORLD_SIZE`` variables that ``torchrun`` sets before the script starts (so
``nnviz.watch`` may come before ``init_process_group``); a process that is neither is rank 0
of 1. torch is never imported here: only found in ``sys.modules`` when the script has it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

#: what ``ranks=`` may be: "all", one rank number, or a collection of rank numbers
Ranks = str | int | Collection[int]
#: run file suffixes the rank goes in front of (the longest first)
RUN_SUFFIXES = (".nnviz-run.npz", ".nnviz", ".npz")


@dataclass(frozen=True)
class Placement:
    """This process's place in the job: its rank, and how many ranks the job has."""

    rank: int = 0
    world_size: int = 1


def current_placement() -> Placement:
    """This process's rank and world size (see the module docstring for where they come
    from); rank 0 of 1 outside a distributed job."""
    torch = sys.modules.get("torch")
    distributed = getattr(torch, "distributed", None) if torch is not None else None
    if distributed is not None and distributed.is_available() and distributed.is_initialized():
        return Placement(distributed.get_rank(), distributed.get_world_size())
    rank, world_size = os.environ.get("RANK"), os.environ.get("WORLD_SIZE")
    if rank is not None and world_size is not None:
        try:
            return Placement(int(rank), int(world_size))
        except ValueError:
            pass  # not torchrun's variables: not a distributed job
    return Placement()


def reporting_ranks(ranks: Ranks) -> frozenset[int] | None:
    """``ranks=`` as a set of rank numbers (None: every rank); ValueError naming the setting
    for anything else."""
    if isinstance(ranks, str):
        if ranks == "all":
            return None
        raise ValueError(f"nnviz.watch: ranks={ranks!r}; give 'all', a rank number or a "
                         "collection of rank numbers")
    chosen = [ranks] if isinstance(ranks, int) else list(ranks)
    if not chosen or not all(isinstance(r, int) and not isinstance(r, bool) and r >= 0
                             for r in chosen):
        raise ValueError(f"nnviz.watch: ranks={ranks!r}; rank numbers are whole numbers "
                         ">= 0 (or 'all')")
    return frozenset(chosen)


@dataclass(frozen=True)
class RankedRun:
    """Whether this process reports, and the name and run file it reports under."""

    reports: bool
    name: str
    record: Path | None


def ranked_run(name: str, record: str | Path | None, ranks: Ranks = 0,
               placement: Placement | None = None) -> RankedRun:
    """The run this process watches, given ``ranks=`` (see the module docstring)."""
    chosen = reporting_ranks(ranks)
    where = placement or current_placement()
    record_path = Path(record) if record is not None else None
    if where.world_size <= 1:
        return RankedRun(True, name, record_path)
    reports = chosen is None or where.rank in chosen
    if chosen == frozenset({0}):
        return RankedRun(reports, name, record_path)
    return RankedRun(reports, f"{name}/rank{where.rank}",
                     rank_file(record_path, where.rank) if record_path is not None else None)


def rank_file(path: Path, rank: int) -> Path:
    """``runs/resnet.nnviz`` → ``runs/resnet.rank1.nnviz``: the rank before the run file's
    suffix (appended when the name has none of them)."""
    for suffix in RUN_SUFFIXES:
        if path.name.lower().endswith(suffix):
            stem = path.name[: -len(suffix)]
            return path.with_name(f"{stem}.rank{rank}{path.name[-len(suffix):]}")
    return path.with_name(f"{path.name}.rank{rank}")


class QuietWatcher:
    """The watcher of a rank that does not report: every call does nothing (no probe, no
    hooks, no sink), so the loop is not slowed. It answers what a
    :class:`~nnviz.watching.watcher.Watcher` is asked by a training script."""

    sinks: tuple[Any, ...] = ()

    def __init__(self, name: str, placement: Placement) -> None:
        self.name = name
        self.placement = placement
        self.closed = False

    def __enter__(self) -> QuietWatcher:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    def step(self, **scalars: Any) -> None:
        """Nothing: this rank does not report."""

    def close(self) -> None:
        self.closed = True
