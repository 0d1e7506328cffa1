"""Write the run files of ``tests/io/old_runs/`` with an older nnviz (not a test).

Each file is a short run of one scenario, saved exactly as that version's ``save_run`` wrote
it, so the loader's alias table is tested against real files rather than a guess at them.
Run it inside a checkout of the version whose files are wanted, e.g.::

    git worktree add /tmp/old HEAD
    cd /tmp/old && PYTHONPATH=. python /path/to/make_old_runs.py OUT_FOLDER TAG

Files named ``TAG-SCENARIO.nnviz-run.npz`` go into OUT_FOLDER. The files here were written
at commit 2389856 (``kinds-by-class``: records named by class) and at 326b3e7
(``module-qualname``: the last version that named them by ``module:qualname``).
"""

from __future__ import annotations

import sys
from pathlib import Path

from nnviz.io.runs import RunRecord, save_run
from nnviz.scenarios.registry import all_scenarios
from nnviz.session import train

#: small settings, so each file stays a few tens of kilobytes
SMALL = {
    "moons": {"n_samples": 60, "grid_resolution": 20, "hidden_sizes": (2,)},
    "race": {"n_samples": 100, "surface_resolution": 16},
    "digits": {"max_train": 200, "hidden_sizes": (4,), "gallery_size": 4,
               "projection_points": 40},
    "init": {},
    "embeddings": {},
}


def write(folder: Path, tag: str, name: str) -> Path:
    scenario = all_scenarios()[name]
    session = scenario.create_session(scenario.default_config().with_values(SMALL[name]))
    *_, last = train(session, max_steps=2, every=2)
    record = RunRecord.from_snapshot(last)
    record.add(last)  # one snapshot with its views: every record kind, a small file
    return save_run(folder / f"{tag}-{name}.nnviz-run.npz", record)


if __name__ == "__main__":
    out, version = Path(sys.argv[1]), sys.argv[2]
    out.mkdir(parents=True, exist_ok=True)
    for scenario_name in SMALL:
        print(write(out, version, scenario_name))
