"""Messages between processes: every scenario's snapshots cross intact, and anything else is a
WireError with one short line (the bytes may come from a process nnviz did not start)."""

from __future__ import annotations

import dataclasses
import io
import json
import math
import socket
import struct
import subprocess
import sys
import threading

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario_sessions import default_session

from nnviz.io import wire
from nnviz.io.runs import RunRecord, load_run, save_run
from nnviz.io.wire import (
    MAX_FRAME_BYTES,
    WireError,
    decode_message,
    encode_message,
    read_frame,
    write_frame,
)
from nnviz.scenarios.registry import all_scenarios, get_scenario
from nnviz.session import Snapshot, train

STEPS = 3
_runs: dict[str, list[Snapshot]] = {}


def snapshots_of(name: str, tmp_path_factory) -> list[Snapshot]:
    """Every snapshot of a short run of ``name`` with every view (one run per scenario)."""
    if name not in _runs:
        scenario = all_scenarios()[name]
        if scenario.missing_requirements():
            pytest.skip(f"needs {scenario.missing_requirements()}")
        session = default_session(scenario, tmp_path_factory.mktemp(name))
        _runs[name] = list(train(session, max_steps=STEPS, every=1, views=True))
    return _runs[name]


def assert_same(sent, got, where="message", *, read_only=True):
    """``got`` equals ``sent`` field by field: the same types, arrays of the same dtype, shape
    and values (NaN where NaN was), records with every field (derived ones too) equal. A
    torch tensor crosses as the NumPy array of its values (the wire knows nothing of torch)."""
    if hasattr(sent, "detach") and hasattr(sent, "cpu"):
        sent = sent.detach().cpu().numpy()
    assert type(got) is type(sent), f"{where}: {type(got).__name__} for {type(sent).__name__}"
    if isinstance(sent, np.ndarray):
        assert (got.dtype, got.shape) == (sent.dtype, sent.shape), where
        assert np.array_equal(got, sent, equal_nan=sent.dtype.kind in "fc"), where
        assert not (read_only and got.flags.writeable), f"{where}: a decoded array is writable"
    elif dataclasses.is_dataclass(sent):
        for field in dataclasses.fields(sent):
            assert_same(getattr(sent, field.name), getattr(got, field.name),
                        f"{where}.{field.name}", read_only=read_only)
    elif isinstance(sent, dict):
        assert list(got) == list(sent), where
        for key, value in sent.items():
            assert_same(value, got[key], f"{where}[{key!r}]", read_only=read_only)
    elif isinstance(sent, (list, tuple)):
        assert len(got) == len(sent), where
        for index, (a, b) in enumerate(zip(sent, got, strict=True)):
            assert_same(a, b, f"{where}[{index}]", read_only=read_only)
    elif isinstance(sent, float) and math.isnan(sent):
        assert math.isnan(got), where
    else:
        assert got == sent, where


def round_trip(message):
    return decode_message(encode_message(message))


# --- what crosses ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(all_scenarios()))
def test_every_snapshot_of_every_scenario_crosses_with_every_view(name, tmp_path_factory):
    snapshots = snapshots_of(name, tmp_path_factory)
    assert any(s.views for s in snapshots)
    for snapshot in snapshots:
        message = {"type": "snapshot", "snapshot": snapshot}
        assert_same(message, round_trip(message))


@pytest.mark.parametrize("name", list(all_scenarios()))
def test_every_panel_draws_snapshots_that_crossed(name, qtbot, tmp_path_factory):
    """Decoded arrays are read-only views into the frame: no panel may write into one (the
    pictures are not compared: timers and fading buttons make them differ run to run; the
    snapshots themselves are compared above)."""
    from PySide6.QtGui import QImage

    from nnviz.app.headless_export import feed
    from nnviz.app.panels import all_panels

    arrived = [round_trip({"type": "snapshot", "snapshot": s})["snapshot"]
               for s in snapshots_of(name, tmp_path_factory)]
    registry = all_panels()
    for kind in all_scenarios()[name].panels:
        panel = registry[kind]()
        qtbot.addWidget(panel)
        panel.resize(480, 360)
        panel.show()
        panel.start_run(arrived[-1].run_id)
        feed(panel, arrived)
        image = panel.grab().toImage().convertToFormat(QImage.Format.Format_Grayscale8)
        pixels = np.frombuffer(image.constBits(), np.uint8, image.sizeInBytes())
        assert pixels.std() > 0, f"{kind} drew nothing"


def test_a_run_of_snapshots_that_crossed_is_kept_and_saved(tmp_path, tmp_path_factory):
    arrived = [round_trip({"type": "snapshot", "snapshot": s})["snapshot"]
               for s in snapshots_of("moons", tmp_path_factory)]
    record = RunRecord.from_snapshot(arrived[0])
    for snapshot in arrived:
        record.add(snapshot)
    loaded = load_run(save_run(tmp_path / "crossed.nnviz-run.npz", record))
    assert [s.step for s in loaded.snapshots] == [s.step for s in record.snapshots]
    assert_same(arrived[-1].views, loaded.snapshots[-1].views, read_only=False)


@pytest.mark.parametrize("name", list(all_scenarios()))
def test_every_scenario_config_crosses(name):
    config = all_scenarios()[name].default_config()
    got = round_trip({"type": "reset", "config": config})["config"]
    assert type(got) is type(config) and got == config


@pytest.mark.parametrize("name", list(all_scenarios()))
def test_every_scenario_checkpoint_crosses(name, tmp_path):
    """A checkpoint (weights, optimiser state, a random generator's 128-bit state) crosses
    when a run is saved from the window."""
    scenario = all_scenarios()[name]
    if scenario.missing_requirements():
        pytest.skip(f"needs {scenario.missing_requirements()}")
    session = default_session(scenario, tmp_path)
    list(train(session, max_steps=2, every=1, views=False))
    state = session.checkpoint()
    frame = encode_message({"type": "checkpoint", "state": state})
    arrived = decode_message(frame, copy_arrays=True)["state"]
    assert_same(state, arrived, read_only=False)
    session.restore(arrived)  # writable arrays: torch restores them without a warning
    session.train_step()


def test_plain_values_cross_as_they_are():
    message = {
        "type": "odd values",
        "numbers": (1, -2**128 + 1, 2**128 - 1, -2.5, math.nan, math.inf, -math.inf, True, None,
                    "text ✓"),
        "nested": {"a": [1, {"b": (2, 3)}], "keys": {1: "int key", (2, 3): "tuple key"}},
        "empty": (np.zeros((0, 3)), np.zeros(0, np.int8), [], {}, ()),
        "scalar": np.array(2.5),
        "fortran": np.asfortranarray(np.arange(12.0).reshape(3, 4)),
        "strided": np.arange(20, dtype=np.int32)[::3],
        "nan": np.array([1.0, np.nan, -np.inf], np.float32),
    }
    got = round_trip(message)
    assert_same(message, got)


@pytest.mark.parametrize("dtype", ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16",
                                   "uint32", "uint64", "float16", "float32", "float64",
                                   "complex64", "complex128"])
def test_every_allowed_dtype_crosses(dtype):
    array = (np.arange(24) % 5).astype(dtype).reshape(2, 3, 4)
    assert_same(array, round_trip({"type": "a", "array": array})["array"])


def test_a_big_endian_array_arrives_little_endian_with_its_values():
    array = np.arange(6, dtype=">f8").reshape(2, 3)
    got = round_trip({"type": "a", "array": array})["array"]
    assert got.dtype == np.dtype("<f8") and np.array_equal(got, array)


def test_arrays_are_aligned_views_into_the_frame():
    frame = encode_message({"type": "a", "x": np.ones(3, np.int8), "y": np.ones(5),
                            "z": np.ones(7, np.complex128)})
    got = decode_message(frame)
    for key in "xyz":
        assert got[key].flags.aligned and not got[key].flags.owndata


def test_arrays_may_be_copied_out_of_the_frame():
    frame = bytearray(encode_message({"type": "a", "x": np.arange(4.0)}))
    copied = decode_message(frame, copy_arrays=True)["x"]
    frame[:] = bytes(len(frame))
    assert copied.flags.writeable and copied.flags.owndata
    np.testing.assert_array_equal(copied, [0.0, 1.0, 2.0, 3.0])


@pytest.mark.parametrize("make", [bytearray, memoryview])
def test_a_frame_may_be_any_bytes_buffer(make):
    message = {"type": "a", "x": np.arange(4.0)}
    assert_same(message, decode_message(make(encode_message(message))))


def test_a_decision_grid_keeps_its_borders_and_does_not_work_them_out_again(monkeypatch,
                                                                           tmp_path_factory):
    """The GUI decodes snapshots 30 times a second: the borders worked out in the worker
    cross with the grid instead of being worked out again on the GUI thread."""
    snapshot = next(s for s in snapshots_of("moons", tmp_path_factory) if s.views)
    frame = encode_message({"type": "snapshot", "snapshot": snapshot})
    from nnviz.core import views

    def not_again(*args):
        raise AssertionError("class borders worked out again while decoding")

    monkeypatch.setattr(views, "class_borders", not_again)
    grid = decode_message(frame)["snapshot"].views["decision_grid"]
    np.testing.assert_array_equal(grid.borders, snapshot.views["decision_grid"].borders)


def test_a_frame_is_laid_out_as_documented():
    """The layout is the protocol a script nnviz did not start will speak (docs/architecture.md
    "Between processes"): changing it means a new VERSION."""
    frame = encode_message({"type": "t", "x": np.array([1, 2, 3], np.int8),
                            "y": np.array([0.5, 1.5])})
    magic, version, header_bytes = struct.unpack_from("<8sII", frame)
    assert (magic, version) == (b"nnvizmsg", 1)
    data_start = 16 + header_bytes
    assert data_start % 16 == 0
    header = json.loads(frame[16:data_start])
    assert header == {"tree": {"$dict": {"type": "t", "x": {"$array": "a0"},
                                         "y": {"$array": "a1"}}},
                      "arrays": {"a0": ["|i1", [3], 0, 3], "a1": ["<f8", [2], 16, 16]}}
    data = frame[data_start:]
    assert data == bytes([1, 2, 3]) + bytes(13) + np.array([0.5, 1.5], "<f8").tobytes()


def test_frames_cross_a_pipe_from_another_process(tmp_path):
    """A process that imports nothing of the GUI trains and writes frames to its stdout."""
    script = (
        "import sys\n"
        "from nnviz.io.wire import encode_message, write_frame\n"
        "from nnviz.scenarios.registry import get_scenario\n"
        "from nnviz.session import train\n"
        "scenario = get_scenario('moons')\n"
        "session = scenario.create_session(scenario.default_config())\n"
        "for snapshot in train(session, max_steps=4, every=2):\n"
        "    write_frame(sys.stdout.buffer, encode_message({'type': 'snapshot',\n"
        "                                                   'snapshot': snapshot}))\n"
        "print('Qt' if 'PySide6' in sys.modules else 'no Qt', file=sys.stderr)\n")
    with subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE) as child:
        messages = []
        while (frame := read_frame(child.stdout)) is not None:
            messages.append(decode_message(frame))
        assert child.wait(timeout=120) == 0
        assert child.stderr.read().decode().strip() == "no Qt"
    snapshots = [m["snapshot"] for m in messages]
    assert [s.step for s in snapshots] == [0, 2, 4, 4]
    assert all(isinstance(s, Snapshot) for s in snapshots)
    assert snapshots[-1].views["decision_grid"].probabilities.shape[:2] == (200, 200)


def test_importing_the_wire_loads_no_scenario():
    """The window may import it before its first frame: the record kinds (every scenario
    module) load with the first message, not at start-up."""
    script = ("import sys, nnviz.io.wire\n"
              "print(sorted(m for m in sys.modules if m.startswith('nnviz.scenarios.')))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["['nnviz.scenarios.params']"]


# --- the byte stream ------------------------------------------------------------------------

def test_frames_follow_each_other_on_a_stream_and_a_clean_end_is_none():
    frames = [encode_message({"type": "n", "i": i, "x": np.arange(i)}) for i in range(4)]
    stream = io.BytesIO()
    for frame in frames:
        write_frame(stream, frame)
    stream.seek(0)
    assert [read_frame(stream) for _ in frames] == frames
    assert read_frame(stream) is None


def test_frames_cross_a_socket_in_both_directions(tmp_path_factory):
    snapshot = snapshots_of("moons", tmp_path_factory)[-1]
    big = encode_message({"type": "snapshot", "snapshot": snapshot})  # more than a socket buffer
    left, right = socket.socketpair()
    with left, right, left.makefile("rwb") as near, right.makefile("rwb") as far:
        writer = threading.Thread(target=lambda: [write_frame(near, big),
                                                  write_frame(near, b"second")])
        writer.start()
        received = [read_frame(far), read_frame(far)]
        writer.join()
        write_frame(far, encode_message({"type": "pause"}))
        assert decode_message(read_frame(near)) == {"type": "pause"}
        near.close()
        left.close()
        assert read_frame(far) is None
    assert received == [big, b"second"]
    assert_same({"type": "snapshot", "snapshot": snapshot}, decode_message(received[0]))


@pytest.mark.parametrize("stream_bytes", [
    b"\x05\x00\x00",  # the stream ends inside the length
    struct.pack("<Q", 10) + b"12345",  # the stream ends inside the frame
    struct.pack("<Q", MAX_FRAME_BYTES + 1),  # a length over the limit: nothing is read
    struct.pack("<Q", 2**64 - 1),
], ids=["short-length", "short-frame", "over-limit", "huge"])
def test_a_damaged_stream_is_a_wire_error(stream_bytes):
    with pytest.raises(WireError) as error:
        read_frame(io.BytesIO(stream_bytes))
    assert_one_line(error)


def test_a_frame_over_the_limit_is_not_written(monkeypatch):
    monkeypatch.setattr(wire, "MAX_FRAME_BYTES", 1000)
    stream = io.BytesIO()
    with pytest.raises(WireError):
        write_frame(stream, b"x" * 1001)
    assert stream.getvalue() == b""


# --- what is refused ------------------------------------------------------------------------

def assert_one_line(error):
    message = str(error.value)
    assert type(error.value) is WireError and message and "\n" not in message \
        and len(message) < 300, message


def frame_of(header, data=b"", *, magic=wire.MAGIC, version=wire.VERSION):
    """A frame around ``header`` (a tree to dump, or raw bytes) and ``data``, padded as the
    encoder pads."""
    text = header if isinstance(header, bytes) else json.dumps(header).encode()
    text += b" " * (-(16 + len(text)) % wire.ALIGNMENT)
    return struct.pack("<8sII", magic, version, len(text)) + text + data


def message_header(arrays, **fields):
    tree = {"$dict": {"type": "t", **{k: {"$array": k} for k in arrays}, **fields}}
    return {"tree": tree, "arrays": arrays}


GOOD = frame_of(message_header({"a": ["<f8", [2], 0, 16]}), np.arange(2.0).tobytes())

REFUSED = {
    "empty": b"",
    "wrong magic": frame_of(message_header({}), magic=b"NNVIZMSG"),
    "pickle": b"\x80\x04\x95" + b"\x00" * 30,
    "wrong version": frame_of(message_header({}), version=2),
    "version zero": frame_of(message_header({}), version=0),
    "header past the end": struct.pack("<8sII", wire.MAGIC, 1, 1000) + b"{}",
    "header not utf-8": frame_of(b"\xff\xfe{}"),
    "header not json": frame_of(b"{tree: 1}"),
    "header a list": frame_of([1, 2]),
    "header NaN": frame_of(b'{"tree": NaN, "arrays": {}}'),
    "header nested deep": frame_of(b"[" * 100_000 + b"]" * 100_000),
    "header huge number": frame_of(b'{"tree": ' + b"9" * 5000 + b', "arrays": {}}'),
    "header wide integer": frame_of({"tree": {"$dict": {"type": "t", "step": 2**128}},
                                     "arrays": {}}),
    "header missing arrays": frame_of({"tree": {"$dict": {"type": "t"}}}),
    "header extra key": frame_of({**message_header({}), "pickle": 1}),
    "table not a mapping": frame_of({"tree": {"$dict": {"type": "t"}}, "arrays": []}),
    "entry not a list": frame_of(message_header({"a": {"dtype": "<f8"}}), bytes(16)),
    "entry too short": frame_of(message_header({"a": ["<f8", [2], 0]}), bytes(16)),
    "array past the end": frame_of(message_header({"a": ["<f8", [4], 0, 32]}), bytes(16)),
    "array offset past the end": frame_of(message_header({"a": ["<f8", [2], 16, 16]}),
                                          bytes(16)),
    "overlapping arrays": frame_of(message_header({"a": ["<f8", [2], 0, 16],
                                                   "b": ["<f8", [2], 8, 16]}), bytes(24)),
    "same bytes twice": frame_of(message_header({"a": ["<f8", [2], 0, 16],
                                                 "b": ["<i8", [2], 0, 16]}), bytes(16)),
    "bytes after the arrays": GOOD + bytes(16),
    "object dtype": frame_of(message_header({"a": ["|O", [2], 0, 16]}), bytes(16)),
    "void dtype": frame_of(message_header({"a": ["|V8", [2], 0, 16]}), bytes(16)),
    "structured dtype": frame_of(message_header({"a": [[["x", "<f8"]], [2], 0, 16]}),
                                 bytes(16)),
    "string dtype": frame_of(message_header({"a": ["<U2", [2], 0, 16]}), bytes(16)),
    "datetime dtype": frame_of(message_header({"a": ["<M8[s]", [2], 0, 16]}), bytes(16)),
    "big-endian dtype": frame_of(message_header({"a": [">f8", [2], 0, 16]}), bytes(16)),
    "shape too big for its bytes": frame_of(message_header({"a": ["<f8", [3], 0, 16]}),
                                            bytes(16)),
    "shape too small for its bytes": frame_of(message_header({"a": ["<f8", [1], 0, 16]}),
                                              bytes(16)),
    "negative size": frame_of(message_header({"a": ["<f8", [-2], 0, 16]}), bytes(16)),
    "negative offset": frame_of(message_header({"a": ["<f8", [2], -8, 16]}), bytes(16)),
    "size not a number": frame_of(message_header({"a": ["<f8", ["2"], 0, 16]}), bytes(16)),
    "size a bool": frame_of(message_header({"a": ["<f8", [True, 2], 0, 16]}), bytes(16)),
    "size a float": frame_of(message_header({"a": ["<f8", [2.0], 0, 16]}), bytes(16)),
    "shape not a list": frame_of(message_header({"a": ["<f8", 2, 0, 16]}), bytes(16)),
    "zero-size with a huge side": frame_of(message_header({"a": ["<f8", [0, 10**30], 0, 0]})),
    "too many dimensions": frame_of(message_header({"a": ["<f8", [1] * 40, 0, 8]}), bytes(8)),
    "missing array": frame_of(message_header({}, b={"$array": "b"})),
    "unknown kind": frame_of(message_header({}, r={"$dataclass": "os:system", "fields": {}})),
    "unknown field": frame_of(message_header({}, r={"$dataclass": "RacerSpec",
                                                    "fields": {"__class__": 1}})),
    "unknown marker": frame_of(message_header({}, r={"$pickle": "gASV"})),
    "no type": frame_of({"tree": {"$dict": {"step": 1}}, "arrays": {}}),
    "type not text": frame_of({"tree": {"$dict": {"type": 3}}, "arrays": {}}),
    "not a mapping": frame_of({"tree": ["type", "t"], "arrays": {}}),
    "keys not text": frame_of({"tree": {"$items": [["type", "t"], [1, 2]]}, "arrays": {}}),
}


@pytest.mark.parametrize("frame", REFUSED.values(), ids=REFUSED.keys())
def test_a_frame_it_does_not_know_is_refused(frame):
    with pytest.raises(WireError) as error:
        decode_message(frame)
    assert_one_line(error)


def test_the_hand_made_good_frame_is_read():
    """The refusals above are refusals of one thing each: the same frame done right reads."""
    assert np.array_equal(decode_message(GOOD)["a"], [0.0, 1.0])


def test_a_frame_cut_anywhere_is_refused(tmp_path_factory):
    snapshot = snapshots_of("moons", tmp_path_factory)[-1]
    frame = encode_message({"type": "snapshot", "snapshot": snapshot, "tail": np.zeros(3)})
    header_end = 16 + struct.unpack_from("<I", frame, 12)[0]
    cuts = {*range(0, 40), *range(header_end - 20, header_end + 40), len(frame) - 1,
            *np.linspace(0, len(frame) - 1, 200).astype(int).tolist()}
    for cut in sorted(cuts):
        with pytest.raises(WireError) as error:
            decode_message(frame[:cut])
        assert_one_line(error)


def test_a_frame_over_the_limit_is_refused_before_it_is_read(monkeypatch):
    monkeypatch.setattr(wire, "MAX_FRAME_BYTES", len(GOOD) - 1)
    with pytest.raises(WireError, match="larger"):
        decode_message(GOOD)


def test_a_header_over_the_limit_is_refused_before_it_is_parsed(monkeypatch):
    monkeypatch.setattr(wire, "MAX_HEADER_BYTES", 64)
    with pytest.raises(WireError, match=r"header of \d+ bytes is larger"):
        decode_message(GOOD)


def test_a_length_alone_does_not_allocate_the_frame():
    """A stream that announces the largest frame and ends: read in pieces, refused."""
    asked = []

    class Recording(io.BytesIO):
        def read(self, size=-1):
            asked.append(size)
            return super().read(size)

    stream = Recording(struct.pack("<Q", MAX_FRAME_BYTES) + b"x" * 10)
    with pytest.raises(WireError, match="ended inside a frame"):
        read_frame(stream)
    assert max(asked) <= wire.READ_CHUNK_BYTES


@pytest.mark.parametrize("message", [
    {"step": 1},
    {"type": 3},
    {"type": "t", 4: "key not text"},
    ["type", "t"],
    {"type": "t", "value": object()},
    {"type": "t", "value": np.array(["words"])},
    {"type": "t", "value": np.array([object()])},
    {"type": "t", "value": np.zeros(2, dtype="M8[s]")},
    {"type": "t", "value": np.zeros(2, dtype=[("x", "<f8")])},
    {"type": "t", "record": dataclasses.make_dataclass("Unlisted", ["x"])(1)},
], ids=["no type", "type not text", "key not text", "not a mapping", "an object",
        "string array", "object array", "datetime array", "structured array",
        "unlisted record"])
def test_a_message_it_cannot_send_is_refused(message):
    with pytest.raises(WireError) as error:
        encode_message(message)
    assert_one_line(error)


def test_a_message_that_holds_itself_or_a_long_type_is_refused_in_one_line():
    looped = []
    looped.append(looped)
    for message in ({"type": "t", "loop": looped}, {"type": "x" * 10_000, "o": object()}):
        with pytest.raises(WireError) as error:
            encode_message(message)
        assert_one_line(error)


def test_a_message_over_the_limit_is_not_encoded(monkeypatch):
    monkeypatch.setattr(wire, "MAX_FRAME_BYTES", 1 << 16)
    with pytest.raises(WireError, match="more than a frame may"):
        encode_message({"type": "t", "x": np.zeros(1 << 14)})


# --- fuzz -----------------------------------------------------------------------------------

def decode_or_refuse(frame):
    """What a reader may do with any bytes: read a message or raise WireError."""
    try:
        message = decode_message(frame)
    except WireError as error:
        assert str(error) and "\n" not in str(error)
        return None
    assert isinstance(message, dict) and isinstance(message["type"], str)
    return message


@pytest.fixture(scope="module")
def fuzz_frame():
    """A small frame with a config, a record, arrays and every marker in it."""
    scenario = get_scenario("moons")
    config = scenario.default_config()
    session = scenario.create_session(config.with_values({"n_samples": 40,
                                                          "grid_resolution": 20}))
    snapshot = list(train(session, max_steps=2, every=1))[-1]
    return encode_message({"type": "snapshot", "snapshot": snapshot, "x": (1, math.nan),
                           "keys": {2: np.arange(3, dtype=np.uint8)}})


FUZZ = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@FUZZ
@given(st.binary(max_size=400))
def test_random_bytes_are_refused(data):
    decode_or_refuse(data)
    decode_or_refuse(wire.MAGIC + data)
    decode_or_refuse(struct.pack("<8sII", wire.MAGIC, wire.VERSION, len(data)) + data)


@FUZZ
@given(st.data())
def test_a_mutated_frame_is_read_or_refused(fuzz_frame, data):
    frame = bytearray(fuzz_frame)
    header_end = 16 + struct.unpack_from("<I", fuzz_frame, 12)[0]
    regions = {"prelude": (0, 15), "header": (16, header_end - 1),
               "data": (header_end, len(frame) - 1)}
    for _ in range(data.draw(st.integers(1, 4))):
        low, high = regions[data.draw(st.sampled_from(list(regions)))]
        at = min(data.draw(st.integers(low, high)), len(frame) - 1)
        what = data.draw(st.sampled_from(["flip", "set", "insert", "delete", "cut"]))
        if what == "flip":
            frame[at] ^= 1 << data.draw(st.integers(0, 7))
        elif what == "set":
            frame[at] = data.draw(st.integers(0, 255))
        elif what == "insert":
            frame[at:at] = data.draw(st.binary(min_size=1, max_size=8))
        elif what == "delete":
            del frame[at:at + data.draw(st.integers(1, 8))]
        else:
            del frame[at:]
        if not frame:
            break
    decode_or_refuse(bytes(frame))


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
    | st.sampled_from(["$array", "$float", "$tuple", "$dict", "$items", "$dataclass", "fields",
                       "a0", "nan", "MoonsConfig", "Snapshot", "DecisionGrid", "type"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["$array", "$float", "$tuple", "$dict", "$items", "$dataclass",
                        "fields", "type", "step", "views", "config", "a0"]) | st.text(max_size=4),
        inner, max_size=3),
    max_leaves=12)


def _paths(tree, path=()):
    """Every place in a JSON tree, as the keys and indexes that lead there."""
    yield path
    children = tree.items() if isinstance(tree, dict) else enumerate(tree) \
        if isinstance(tree, list) else ()
    for key, child in children:
        yield from _paths(child, (*path, key))


@FUZZ
@given(st.data())
def test_a_frame_with_a_hostile_header_is_read_or_refused(fuzz_frame, data):
    """The header is JSON the codec turns into records: any subtree replaced by any JSON."""
    header_end = 16 + struct.unpack_from("<I", fuzz_frame, 12)[0]
    header = json.loads(fuzz_frame[16:header_end])
    path = data.draw(st.sampled_from(list(_paths(header))))
    replacement = data.draw(JSON)
    if not path:
        header = replacement
    else:
        parent = header
        for key in path[:-1]:
            parent = parent[key]
        parent[path[-1]] = replacement
    text = json.dumps(header).encode()
    text += b" " * (-(16 + len(text)) % wire.ALIGNMENT)
    decode_or_refuse(fuzz_frame[:12] + struct.pack("<I", len(text)) + text
                     + fuzz_frame[header_end:])
