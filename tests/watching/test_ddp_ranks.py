"""Which ranks of a distributed job report, under which names and run files (no processes:
the rank comes from torchrun's variables)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nnviz.watching import QuietWatcher, Watcher, watch
from nnviz.watching.ranks import Placement, current_placement, rank_file, ranked_run


@pytest.fixture
def rank_1_of_2(monkeypatch):
    """This process as rank 1 of a two-process job, as torchrun says before init."""
    monkeypatch.setenv("RANK", "1")
    monkeypatch.setenv("WORLD_SIZE", "2")


def test_torchruns_variables_give_the_rank(rank_1_of_2):
    assert current_placement() == Placement(1, 2)


def test_without_a_job_this_is_rank_0_of_1(monkeypatch):
    monkeypatch.delenv("RANK", raising=False)
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    assert current_placement() == Placement(0, 1)


def test_a_rank_that_does_not_report_gets_a_quiet_watcher_and_writes_nothing(
        rank_1_of_2, tmp_path):
    with watch(name="job", record=tmp_path / "run.nnviz") as watcher:
        for step in range(5):
            watcher.step(loss=1.0 / (step + 1))
    assert isinstance(watcher, QuietWatcher) and watcher.closed
    assert list(tmp_path.iterdir()) == []


def test_all_ranks_report_each_under_its_rank(rank_1_of_2, tmp_path):
    with watch(name="job", record=tmp_path / "run.nnviz", ranks="all") as watcher:
        watcher.step(loss=0.5)
    assert isinstance(watcher, Watcher) and watcher.config.name == "job/rank1"
    assert [p.name for p in tmp_path.iterdir()] == ["run.rank1.nnviz"]


@pytest.mark.parametrize(("ranks", "reports"), [(0, False), (1, True), ([0, 1], True),
                                                ((2, 3), False), ("all", True)])
def test_the_chosen_ranks_report(ranks, reports):
    run = ranked_run("job", None, ranks, Placement(1, 2))
    assert run.reports is reports


def test_the_default_keeps_the_name_and_file_on_rank_0():
    run = ranked_run("job", "runs/a.nnviz", 0, Placement(0, 4))
    assert run == type(run)(True, "job", Path("runs/a.nnviz"))
    single = ranked_run("job", "runs/a.nnviz", "all", Placement(0, 1))
    assert single.name == "job" and single.record == Path("runs/a.nnviz")


@pytest.mark.parametrize(("name", "ranked"), [
    ("resnet.nnviz", "resnet.rank2.nnviz"), ("r.nnviz-run.npz", "r.rank2.nnviz-run.npz"),
    ("r.NPZ", "r.rank2.NPZ"), ("log", "log.rank2")])
def test_the_rank_goes_before_the_run_file_suffix(name, ranked):
    assert rank_file(Path("runs") / name, 2) == Path("runs") / ranked


@pytest.mark.parametrize("ranks", ["some", -1, [], [True], [0.5]])
def test_bad_ranks_are_refused_by_name(ranks):
    with pytest.raises(ValueError, match="ranks="):
        ranked_run("job", None, ranks, Placement(0, 2))
