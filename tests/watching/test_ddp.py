"""A two-process DDP job on CPU (gloo): by default only rank 0 records a run; with
``ranks="all"`` each rank records its own, named by its rank."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from nnviz.io.runs import load_run

pytest.importorskip("torch")
pytestmark = [pytest.mark.torch, pytest.mark.slow]

STEPS = 50

#: one rank of the job: the same tiny model on every rank, its own batches, 50 steps, watched
#: twice in a row (default ranks, then ranks="all") so one pair of processes tests both
RANK_SCRIPT = textwrap.dedent("""
    import sys
    import torch
    import torch.distributed as dist
    from torch.nn.parallel import DistributedDataParallel

    import nnviz.watching as watching

    rank, world_size, init_file, folder, steps = sys.argv[1:6]
    rank, world_size, steps = int(rank), int(world_size), int(steps)
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank,
                            world_size=world_size)
    torch.manual_seed(0)
    model = DistributedDataParallel(torch.nn.Sequential(
        torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1)))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    generator = torch.Generator().manual_seed(rank)
    inputs = torch.randn(256, 4, generator=generator)
    targets = inputs.sum(dim=1, keepdim=True)
    for ranks, file in ((0, "default.nnviz"), ("all", "all.nnviz")):
        with watching.watch(model, optimizer, name="ddp", record=f"{folder}/{file}",
                            ranks=ranks, histogram_every=10, histograms_per_second=1000,
                            snapshots_per_second=1000) as watcher:
            for step in range(steps):
                batch = slice(step * 5 % 250, step * 5 % 250 + 5)
                loss = torch.nn.functional.mse_loss(model(inputs[batch]), targets[batch])
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                watcher.step(loss=loss.item())
        print(rank, type(watcher).__name__, flush=True)
    dist.destroy_process_group()
""")


@pytest.fixture(scope="module")
def job(tmp_path_factory):
    """Run the two ranks at once; the folder their run files are in, and each rank's output."""
    folder = tmp_path_factory.mktemp("ddp")
    script = folder / "rank.py"
    script.write_text(RANK_SCRIPT)
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    for name in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(name, None)
    ranks = [subprocess.Popen(
        [sys.executable, str(script), str(rank), "2", str(folder / "init"), str(folder),
         str(STEPS)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        for rank in range(2)]
    outputs = []
    for process in ranks:
        try:
            output, _ = process.communicate(timeout=120)
        except subprocess.TimeoutExpired:
            for other in ranks:
                other.kill()
            raise
        assert process.returncode == 0, output
        outputs.append(output)
    return folder, outputs


def recorded_runs(folder, stem: str) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if path.name.startswith(stem))


def test_by_default_only_rank_0_records_a_run(job):
    folder, outputs = job
    assert recorded_runs(folder, "default") == ["default.nnviz"]
    record = load_run(folder / "default.nnviz")
    assert record.label == "ddp" and record.config.name == "ddp"
    assert record.steps == STEPS and len(record.trace["loss"]) == STEPS
    assert "1 QuietWatcher" in outputs[1] and "0 Watcher" in outputs[0]


def test_with_all_ranks_each_rank_records_its_own_run(job):
    folder, _ = job
    assert recorded_runs(folder, "all") == ["all.rank0.nnviz", "all.rank1.nnviz"]
    records = [load_run(folder / f"all.rank{rank}.nnviz") for rank in range(2)]
    assert [r.config.name for r in records] == ["ddp/rank0", "ddp/rank1"]
    assert all(r.steps == STEPS for r in records)
    losses = [r.trace_arrays()["loss"][1] for r in records]
    assert losses[0].size == losses[1].size == STEPS
    assert not (losses[0] == losses[1]).all()  # each rank trained on its own batches
    assert all(any("histograms" in s.views for s in r.snapshots) for r in records)
