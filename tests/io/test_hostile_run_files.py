"""Run files crafted to attack the loader: each opens as a run or fails with one line naming it.

Nothing read from a file chooses code (record kinds come from a registry of names), sizes are
checked before anything is unpacked, and the structure is checked before a record is built.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnviz.io import runs
from nnviz.io.runs import RunFileError, RunRecord, load_run, save_run
from nnviz.scenarios.registry import get_scenario
from nnviz.session import Snapshot, train


def write_run(path, header, **arrays):
    """A run file holding ``header`` (JSON text, or a tree to dump) and ``arrays``."""
    text = header if isinstance(header, str) else json.dumps(header)
    np.savez_compressed(path, __header__=np.frombuffer(text.encode(), dtype=np.uint8), **arrays)
    return path


def payload(**fields):
    """A header tree as the encoder writes it: the run's fields under ``$dict``."""
    return {"$dict": {"format": "nnviz-run", "format_version": 1, **fields}}


@pytest.fixture(scope="module")
def saved_run(tmp_path_factory):
    """A real run file of a short moons run, with snapshots and views."""
    scenario = get_scenario("moons")
    config = scenario.default_config().with_values({"n_samples": 60, "grid_resolution": 20})
    session = scenario.create_session(config)
    record = None
    for snapshot in train(session, max_steps=20, every=5):
        record = record or RunRecord.from_snapshot(snapshot)
        record.add(snapshot)
    record.final_state = session.checkpoint()
    return save_run(tmp_path_factory.mktemp("runs") / "good.nnviz-run.npz", record)


def good_header(path):
    with np.load(path, allow_pickle=False) as archive:
        return json.loads(archive["__header__"].tobytes().decode())


def assert_one_line_naming(error, path):
    message = str(error.value)
    assert str(path) in message and "\n" not in message and len(message) < 400, message


def test_a_saved_run_still_opens(saved_run):
    record = load_run(saved_run)
    assert record.scenario == "moons" and record.steps == 20
    assert all(isinstance(s, Snapshot) for s in record.snapshots)
    assert "decision_grid" in record.snapshots[-1].views


@pytest.mark.parametrize("kind", ["nnviz.__main__:main", "subprocess:Popen", "os:system",
                                  "nnviz.cli:main", "builtins:eval"])
def test_a_record_kind_that_names_code_is_refused_without_importing_it(tmp_path, kind):
    path = write_run(tmp_path / "evil.nnviz-run.npz",
                     payload(config={"$dataclass": kind, "fields": {}}))
    script = ("import sys; from nnviz.io.runs import load_run, RunFileError\n"
              "try:\n    load_run(sys.argv[1])\n"
              "except RunFileError as e:\n    print('refused', e)\n"
              "print('imported' if 'nnviz.__main__' in sys.modules else 'clean')")
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "refused" in done.stdout and "unknown record kind" in done.stdout
    assert done.stdout.strip().endswith("clean")


def test_importing_the_package_main_runs_nothing():
    done = subprocess.run([sys.executable, "-c", "import nnviz.__main__; print('ok')"],
                          capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stdout.strip()) == (0, "ok"), done.stderr


CRAFTED = {
    "dataclass without fields": payload(config={"$dataclass": "MoonsConfig"}),
    "dataclass with a foreign field": payload(config={"$dataclass": "MoonsConfig",
                                                      "fields": {"__class__": 1}}),
    "200k open brackets": "[" * 200_000,
    "5000 nested tuples": '{"$tuple": [' * 5000 + "1" + "]}" * 5000,
    "a $float that is not a number": payload(x={"$float": "abc"}),
    "a $tuple that is not a list": {"$tuple": 5},
    "a $dict that is not a mapping": {"$dict": [1, 2]},
    "$items that are not pairs": {"$items": [[1, 2, 3]]},
    "an unhashable key": {"$items": [[{"$dict": {}}, 1]]},
    "a missing array": {"$array": "a99"},
    "an unknown marker": {"$pickle": "x"},
    "format_version as text": payload(format_version="9"),
    "a newer format": payload(format_version=99),
    "not a run": payload(format="something else"),
    "a plain mapping": {"format": "nnviz-run"},
    "a plain list": [1, 2, 3],
    "invalid JSON": '{"format": ',
    "not UTF-8": "\udcff",
}


@pytest.mark.parametrize("damage", sorted(CRAFTED))
def test_crafted_headers_give_one_line(tmp_path, damage):
    header = CRAFTED[damage]
    path = tmp_path / "crafted.nnviz-run.npz"
    if header == "\udcff":
        np.savez_compressed(path, __header__=np.frombuffer(b"\xff\xfe{", dtype=np.uint8))
    else:
        write_run(path, header)
    with pytest.raises(RunFileError) as error:
        load_run(path)
    assert_one_line_naming(error, path)


@pytest.mark.parametrize("part, value", [
    ("history", [1, 2]),
    ("history", {"step": [0, 1], "train_loss": [0.5]}),
    ("history", {"step": ["a"]}),
    ("history", {"train_loss": [0.5]}),
    ("snapshots", [1, 2]),
    ("latest", {"$tuple": []}),
    ("trace", {"loss": {"steps": [1], "values": [], "decimation": 1}}),
    ("trace", {"loss": {"steps": [1], "values": [1.0], "decimation": 0}}),
    ("config_changes", [[1]]),
    ("scenario", 5),
    ("run_id", "7"),
    ("config", None),
])
def test_damaged_parts_of_a_real_run_give_one_line(saved_run, tmp_path, part, value):
    header = good_header(saved_run)
    header["$dict"][part] = value
    with np.load(saved_run, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files if k != "__header__"}
    path = write_run(tmp_path / "damaged.nnviz-run.npz", header, **arrays)
    with pytest.raises(RunFileError) as error:
        load_run(path)
    assert_one_line_naming(error, path)


def test_a_snapshot_field_of_the_wrong_type_is_refused(saved_run, tmp_path):
    header = good_header(saved_run)
    latest = header["$dict"]["latest"]
    latest["fields"]["step"] = "twenty"
    with np.load(saved_run, allow_pickle=False) as archive:
        arrays = {k: archive[k] for k in archive.files if k != "__header__"}
    path = write_run(tmp_path / "typed.nnviz-run.npz", header, **arrays)
    with pytest.raises(RunFileError, match="step is a str, not int"):
        load_run(path)


def test_random_byte_flips_open_or_fail_with_one_line(saved_run, tmp_path):
    data = saved_run.read_bytes()
    rng = np.random.default_rng(0)
    outcomes = set()
    for trial in range(60):
        damaged = bytearray(data)
        for position in rng.integers(0, len(data), 3):
            damaged[position] ^= int(rng.integers(1, 256))
        path = tmp_path / f"flip{trial}.nnviz-run.npz"
        path.write_bytes(bytes(damaged))
        try:
            record = load_run(path)
        except RunFileError as error:
            assert str(path) in str(error) and "\n" not in str(error)
            outcomes.add("refused")
        else:
            assert all(isinstance(s, Snapshot) for s in record.snapshots)
            outcomes.add("opened")
    assert "refused" in outcomes


def test_a_small_file_that_unpacks_past_the_limit_is_refused_before_unpacking(tmp_path,
                                                                             monkeypatch):
    monkeypatch.setattr(runs, "MAX_RUN_BYTES", 8 << 20)
    path = write_run(tmp_path / "zeros.nnviz-run.npz", payload(),
                     a0=np.zeros(4 << 20))  # 32 MiB of zeros, ~32 KiB on disk
    assert path.stat().st_size < 200_000
    with pytest.raises(RunFileError, match="unpacks to 32 MiB"):
        load_run(path)


def test_an_array_declaring_more_than_it_holds_is_refused(tmp_path):
    """A header of 10^12 items in a few bytes must not make NumPy allocate 8 TB."""
    path = tmp_path / "liar.nnviz-run.npz"
    array_file = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        array_file, {"descr": "<f8", "fortran_order": False, "shape": (10**12,)})
    array_file.write(b"\0" * 64)
    header = json.dumps({"$dict": {"format": "nnviz-run", "x": {"$array": "a0"}}}).encode()
    header_file = io.BytesIO()
    np.save(header_file, np.frombuffer(header, dtype=np.uint8))
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("__header__.npy", header_file.getvalue())
        archive.writestr("a0.npy", array_file.getvalue())
    with pytest.raises(RunFileError, match="declares 8000000000000 bytes"):
        load_run(path)


def test_a_missing_file_or_a_folder_is_one_line(tmp_path):
    for path in (tmp_path / "nowhere.nnviz-run.npz", tmp_path):
        with pytest.raises(RunFileError) as error:
            load_run(path)
        assert_one_line_naming(error, path)


# -- fuzzing -----------------------------------------------------------------------------------
MARKERS = ["$array", "$float", "$tuple", "$dict", "$items", "$dataclass", "fields", "format",
           "format_version", "snapshots", "history", "config"]
leaves = st.one_of(st.none(), st.booleans(), st.integers(-3, 2**70), st.floats(),
                   st.sampled_from(["nnviz-run", "MoonsConfig", "Snapshot", "nan", "a0", "x"]))
trees = st.recursive(
    leaves,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(MARKERS), inner, max_size=3)),
    max_leaves=25)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.function_scoped_fixture])
@given(tree=trees)
def test_fuzzed_headers_open_or_fail_with_the_loader_s_own_error(tmp_path, tree):
    path = tmp_path / "fuzz.nnviz-run.npz"
    try:
        text = json.dumps(tree)
    except ValueError:  # NaN is not JSON: the encoder never writes it
        return
    write_run(path, text, a0=np.arange(3.0))
    try:
        load_run(path)
    except RunFileError as error:
        assert "\n" not in str(error)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(cuts=st.lists(st.tuples(st.integers(0, 10**9), st.integers(0, 255)), min_size=1,
                     max_size=6), truncate=st.booleans())
def test_fuzzed_bytes_open_or_fail_with_the_loader_s_own_error(saved_run, tmp_path, cuts,
                                                               truncate):
    data = bytearray(saved_run.read_bytes())
    for position, value in cuts:
        data[position % len(data)] = value
    if truncate:
        data = data[: cuts[0][0] % len(data)]
    path = tmp_path / "bytes.nnviz-run.npz"
    path.write_bytes(bytes(data))
    try:
        load_run(path)
    except RunFileError:
        pass
