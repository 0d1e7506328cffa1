"""The Qt-free side of exports: atomic writes, names, CSV, sidecars and saved runs."""

from __future__ import annotations

import csv
import errno
import io
import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

import nnviz
from nnviz.cli import resolve_config
from nnviz.io import files
from nnviz.io.codec import CodecError, Encoder, decode
from nnviz.io.files import (
    ExportError,
    atomic_open,
    atomic_write,
    check_writable_folder,
    export_stem,
    parse_size,
    unused_path,
    unused_stem,
)
from nnviz.io.runs import RunFileError, RunRecord, load_run, save_run
from nnviz.io.sidecar import (
    SidecarError,
    make_sidecar,
    read_sidecar,
    reproduce_arguments,
    snapshot_sidecar,
    write_sidecar,
)
from nnviz.io.tables import csv_text
from nnviz.session import train

SMALL = ["n_samples=120", "grid_resolution=24"]


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if ".tmp" in p.name)


# -- atomic writes --------------------------------------------------------------------------

def test_atomic_write_replaces_the_whole_file(tmp_path):
    path = tmp_path / "figure.csv"
    atomic_write(path, "old\n")
    atomic_write(path, "new contents\n")
    assert path.read_text() == "new contents\n"
    assert _leftovers(tmp_path) == []


def test_a_write_that_fails_half_way_keeps_the_old_file(tmp_path):
    path = tmp_path / "figure.png"
    path.write_bytes(b"the earlier export")
    with pytest.raises(RuntimeError, match="renderer crashed"), atomic_open(path) as stream:
        stream.write(b"half of a new fi")
        raise RuntimeError("renderer crashed")
    assert path.read_bytes() == b"the earlier export"
    assert _leftovers(tmp_path) == []


def test_a_full_disk_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "figure.svg"
    path.write_bytes(b"<svg>old</svg>")

    def no_space(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", no_space)
    with pytest.raises(OSError, match="No space"):
        atomic_write(path, b"<svg>new</svg>")
    assert path.read_bytes() == b"<svg>old</svg>"
    assert _leftovers(tmp_path) == []


def test_a_failed_rename_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "figure.json"
    path.write_text("{}")

    def refuse(src, dst):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(files.os, "replace", refuse)
    with pytest.raises(PermissionError):
        atomic_write(path, '{"new": 1}')
    assert path.read_text() == "{}"
    assert _leftovers(tmp_path) == []


def test_a_new_file_gets_ordinary_permissions_and_an_old_one_keeps_its_own(tmp_path):
    fresh = atomic_write(tmp_path / "a.csv", "x\n")
    umask = os.umask(0)
    os.umask(umask)
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~umask
    kept = tmp_path / "b.csv"
    kept.write_text("x\n")
    kept.chmod(0o640)
    atomic_write(kept, "y\n")
    assert kept.stat().st_mode & 0o777 == 0o640


def test_empty_data_is_refused(tmp_path):
    with pytest.raises(ExportError, match="empty"):
        atomic_write(tmp_path / "x.csv", b"")
    assert list(tmp_path.iterdir()) == []


def test_writing_below_a_file_is_a_clear_error(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(ExportError, match="not-a-folder"):
        atomic_write(blocker / "figure.png", b"data")
    with pytest.raises(ExportError, match="not a folder"):
        check_writable_folder(blocker)
    with pytest.raises(ExportError, match="cannot create folder"):
        check_writable_folder(blocker / "sub")
    assert check_writable_folder(tmp_path / "new" / "deep").is_dir()


# -- names ----------------------------------------------------------------------------------

def test_default_names_are_scenario_step_panel():
    assert export_stem("moons", 1200, "Decision boundary") == "moons-1200-decision-boundary"
    assert export_stem("moons", None, "loss") == "moons-loss"
    assert export_stem("a/b", 3, "../etc") == "a-b-3-etc"


def test_names_never_overwrite_silently(tmp_path):
    assert unused_stem(tmp_path, "moons-10-loss", [".png", ".json"]) == "moons-10-loss"
    (tmp_path / "moons-10-loss.json").write_text("{}")
    # the sidecar alone taken is enough to move the whole export to -1
    assert unused_stem(tmp_path, "moons-10-loss", [".png", ".json"]) == "moons-10-loss-1"
    (tmp_path / "moons-10-loss-1.png").write_text("x")
    assert unused_stem(tmp_path, "moons-10-loss", [".png", ".json"]) == "moons-10-loss-2"
    (tmp_path / "run.npz").write_text("x")
    assert unused_path(tmp_path / "run.npz").name == "run-1.npz"


@pytest.mark.parametrize("text, expected", [("1600x1000", (1600, 1000)), ("64×48", (64, 48)),
                                            ("800X600", (800, 600))])
def test_sizes_parse(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", ["1600", "axb", "10x10", "100000x10", "-5x100"])
def test_bad_sizes_say_what_is_accepted(text):
    with pytest.raises(ValueError, match=r"WIDTHxHEIGHT|16 to 16384"):
        parse_size(text)


# -- CSV ------------------------------------------------------------------------------------

def test_csv_round_trips_numbers_exactly():
    steps = np.arange(5)
    loss = np.array([0.1, 1 / 3, math.nan, math.inf, 2e-12])
    text = csv_text("loss", (["step", "loss"], [steps, loss]))
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["step", "loss"]
    assert [int(r[0]) for r in rows[1:]] == list(steps)
    read = np.array([float(r[1]) for r in rows[1:]])
    np.testing.assert_array_equal(read, loss)


def test_csv_writes_float32_in_its_own_shortest_form():
    """A float32 widened to float64 prints 17 digits (0.10000000149011612); written as the
    float32 it is, it takes the digits that read back to the same float32."""
    values = np.array([0.1, 1 / 3, 2e-12, 123456.78, -0.5], dtype=np.float32)
    text = csv_text("field", (["p"], [values]))
    written = [row[0] for row in csv.reader(io.StringIO(text))][1:]
    assert written[0] == "0.1"
    assert max(len(cell) for cell in written) <= 12
    np.testing.assert_array_equal(np.array(written, dtype=np.float64).astype(np.float32),
                                  values)


def test_csv_refuses_ragged_tables():
    with pytest.raises(ValueError, match=r"'weights'.*different lengths"):
        csv_text("weights", (["a", "b"], [[1, 2], [3]]))
    with pytest.raises(ValueError, match="2 column names for 1"):
        csv_text("weights", (["a", "b"], [[1, 2]]))


# -- sidecars -------------------------------------------------------------------------------

def _train(scenario, config, steps):
    session = scenario.create_session(config)
    return list(train(session, max_steps=steps, every=steps or 1, views=False))[-1]


def test_the_sidecar_reproduces_the_run(tmp_path):
    scenario, config, preset = resolve_config(
        "moons", "moons-3-hidden", [*SMALL, "learning_rate=0.05", "hidden_sizes=5,4"])
    final = _train(scenario, config, 60)
    path = write_sidecar(tmp_path / "moons-60-loss.json",
                         snapshot_sidecar(final, preset=preset.name, panel="loss",
                                          files=["moons-60-loss.png"]))
    record = read_sidecar(path)
    assert record["seed"] == config.seed and record["step"] == 60
    assert record["hyperparameters"]["hidden_sizes"] == [5, 4]
    assert record["versions"]["numpy"] == np.__version__
    arguments = reproduce_arguments(record)
    scenario_name, preset_name, assignments = arguments[0], arguments[2], arguments[4:-2:2]
    assert arguments[1] == "--preset" and arguments[-2:] == ["--steps", "60"]
    again_scenario, again_config, _ = resolve_config(scenario_name, preset_name, assignments)
    assert again_config == config
    again = _train(again_scenario, again_config, int(arguments[-1]))
    assert again.metrics == final.metrics
    # the short command in the sidecar (only what differs from the preset) reproduces it too
    short = record["command"].split()[2:]
    assert len(short) < len(arguments)
    short_config = resolve_config(short[0], short[2],
                                  [short[i + 1] for i, a in enumerate(short) if a == "--set"])[1]
    assert short_config == config


def test_a_sidecar_without_a_run_cannot_reproduce(tmp_path):
    path = write_sidecar(tmp_path / "x.json",
                         make_sidecar(scenario=None, config=None, step=None, panel="loss"))
    with pytest.raises(SidecarError, match="no 'scenario'"):
        read_sidecar(path)
    (tmp_path / "y.json").write_text('{"hello": 1}')
    with pytest.raises(SidecarError, match="not an nnviz sidecar"):
        read_sidecar(tmp_path / "y.json")


def test_versions_import_neither_torch_nor_qt():
    code = ("import sys; from nnviz.io.sidecar import versions; v = versions(); "
            "assert 'torch' not in sys.modules and 'PySide6' not in sys.modules, sys.modules; "
            "import nnviz.io.runs, nnviz.io.tables; "
            "assert 'PySide6' not in sys.modules and 'pyqtgraph' not in sys.modules; "
            "print(v['nnviz'], v['numpy'], v.get('torch', '-'))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    nnviz_version, numpy_version, _ = result.stdout.split()
    assert nnviz_version == nnviz.__version__
    assert numpy_version == np.__version__


# -- saved runs -----------------------------------------------------------------------------

def test_a_long_run_keeps_a_bounded_trace_with_its_spikes(tmp_path):
    from nnviz.session import Snapshot

    config = resolve_config("moons", None, SMALL)[1]
    record = RunRecord(scenario="moons", config=config, trace_capacity=1000)
    steps = np.arange(1, 20_001)
    loss = np.exp(-steps / 5000.0)
    loss[12_345] = 50.0
    for start in range(0, steps.size, 700):
        chunk = slice(start, start + 700)
        record.add(Snapshot(run_id=0, scenario="moons", step=int(steps[chunk][-1]), epoch=0.0,
                            wall_seconds=0.0, metrics={}, config=config,
                            trace={"step": steps[chunk], "loss": loss[chunk]}))
    kept_steps, kept = record.trace_arrays()["loss"]
    assert len(kept) <= 1002 and record.trace["loss"].stride > 1
    assert kept.max() == 50.0 and kept_steps[kept.argmax()] == 12_346
    assert kept.min() == loss.min() and np.all(np.diff(kept_steps) > 0)
    loaded = load_run(save_run(tmp_path / "long.nnviz-run.npz", record))
    for mine, theirs in zip(record.trace_arrays()["loss"], loaded.trace_arrays()["loss"],
                            strict=True):
        np.testing.assert_array_equal(mine, theirs)
    assert loaded.trace["loss"].stride == record.trace["loss"].stride


def _record_run(steps=60, every=3, **options):
    scenario, config, _ = resolve_config("moons", None, SMALL)
    session = scenario.create_session(config)
    record = None
    for snapshot in train(session, max_steps=steps, every=every):
        record = record or RunRecord.from_snapshot(snapshot, **options)
        record.add(snapshot)
    record.final_state = session.checkpoint()
    return record, session


def test_run_record_keeps_an_even_bounded_timeline_ending_at_the_latest():
    record, _ = _record_run(steps=90, every=3, max_snapshots=8)
    steps = [s.step for s in record.snapshots]
    assert len(steps) <= 9 and steps[0] == 0 and steps[-1] == 90
    gaps = np.diff(steps[:-1])
    assert len(set(gaps)) == 1, steps
    assert record.history["step"][-1] == 90.0
    assert len(record.history["train_loss"]) == len(record.history["step"])


def test_a_saved_run_opens_with_curves_snapshots_and_weights(tmp_path):
    record, session = _record_run()
    path = save_run(tmp_path / "moons.nnviz-run.npz", record)
    loaded = load_run(path)
    assert loaded.scenario == "moons" and loaded.config == record.config
    for key, column in record.history.items():
        np.testing.assert_array_equal(loaded.history[key], column)
    for key in record.trace:
        for mine, theirs in zip(record.trace_arrays()[key], loaded.trace_arrays()[key],
                                strict=True):
            np.testing.assert_array_equal(mine, theirs)
    assert [s.step for s in loaded.snapshots] == [s.step for s in record.snapshots]
    grid = loaded.snapshots[-1].views["decision_grid"]
    np.testing.assert_array_equal(grid.probabilities,
                                  record.snapshots[-1].views["decision_grid"].probabilities)
    histograms = loaded.snapshots[-1].views["histograms"]
    assert (0, "weights") in histograms.histograms
    weights = loaded.weights()
    for index, array in enumerate(session.model.params):
        np.testing.assert_array_equal(weights[f"params/{index}"], array)
    # the stored checkpoint restores a fresh session to the same metrics
    fresh = record_scenario_session(loaded)
    fresh.restore(loaded.final_state)
    assert fresh.metrics() == session.metrics()


def record_scenario_session(record):
    from nnviz.scenarios.registry import get_scenario

    return get_scenario(record.scenario).create_session(record.config)


def test_live_changes_are_recorded_with_their_step():
    scenario, config, _ = resolve_config("moons", None, SMALL)
    session = scenario.create_session(config)
    record = None
    from nnviz.session import Mailbox

    mailbox = Mailbox()
    for snapshot in train(session, mailbox=mailbox, max_steps=30, every=10, views=False):
        record = record or RunRecord.from_snapshot(snapshot)
        record.add(snapshot)
        if snapshot.step == 10:
            mailbox.post("learning_rate", 0.02)
    assert record.config_changes == [(20, {"learning_rate": 0.02})]
    assert record.final_config.learning_rate == 0.02 and record.config.learning_rate == 0.1


def test_damaged_or_foreign_run_files_are_refused(tmp_path):
    garbage = tmp_path / "x.nnviz-run.npz"
    garbage.write_bytes(b"not a zip at all")
    with pytest.raises(RunFileError, match="cannot read"):
        load_run(garbage)
    plain = tmp_path / "plain.npz"
    np.savez(plain, a=np.arange(3))
    with pytest.raises(RunFileError, match="not a saved nnviz run"):
        load_run(plain)


def test_the_codec_rebuilds_only_nnviz_classes():
    encoder = Encoder()
    tree = encoder.encode({"t": (1, 2.5, math.nan), (0, "w"): np.arange(3)})
    back = decode(json.loads(json.dumps(tree)), encoder.arrays)
    assert back["t"][:2] == (1, 2.5) and math.isnan(back["t"][2])
    np.testing.assert_array_equal(back[(0, "w")], np.arange(3))
    evil = {"$dataclass": "subprocess:Popen", "fields": {"args": ["true"]}}
    with pytest.raises(CodecError, match="unknown record kind"):
        decode(evil, {})
    with pytest.raises(CodecError, match="object array"):
        Encoder().encode(np.array([object()]))


def test_replay_rebuilds_the_history_up_to_a_timeline_position():
    from nnviz.io.runs import replay

    record, _ = _record_run(steps=60, every=3, max_snapshots=10)
    index = len(record.snapshots) // 2
    target = record.snapshots[index]
    frames = replay(record, index, max_rows=8, run_id=77)
    assert len(frames) <= 9 and all(f.run_id == 77 for f in frames)
    assert frames[-1].step == target.step and frames[-1].views is target.views
    assert all(not f.views for f in frames[:-1])
    steps = [f.step for f in frames]
    assert steps == sorted(steps) and steps[-1] == target.step
    # the per-step trace arrives whole, once, up to the position
    replayed = np.concatenate([f.trace["step"] for f in frames if f.trace])
    all_steps, _ = record.trace_arrays()["loss"]
    np.testing.assert_array_equal(replayed, all_steps[all_steps <= target.step])
    assert frames[0].metrics.keys() == record.snapshots[0].metrics.keys()
