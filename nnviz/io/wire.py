"""Messages between processes as frames of bytes: JSON plus raw arrays, never pickle.

A worker process sends snapshots to the window and the window sends commands back (and a
training script that nnviz did not start may one day send the same snapshots over a socket),
so the bytes that arrive are not trusted: unpickling them could run any code. A message is a
dict with a ``"type"`` and a payload of whatever :class:`nnviz.io.codec.Encoder` stores
(snapshots, configs, view records, arrays, tuples, dicts, NaN …); dataclasses are rebuilt
only from :func:`nnviz.io.record_kinds.readable_kinds`, exactly as run files are.

One frame (all integers little-endian)::

    offset 0   8 bytes   MAGIC (b"nnvizmsg")
    offset 8   u32       VERSION
    offset 12  u32       n, the length of the header
    offset 16  n bytes   JSON header, UTF-8, padded with spaces so the data starts at a
                         multiple of ALIGNMENT: {"tree": <codec tree>,
                         "arrays": {key: [dtype, shape, offset, nbytes], ...}}
    16 + n     ...       the arrays' raw bytes in C order, each at a multiple of ALIGNMENT
                         from the data start (offsets count from there); the frame ends
                         where the last array ends

Decoding checks every length, offset, dtype and shape before a byte is read, so a damaged,
truncated or hostile frame is a :class:`WireError` with one short line, never another
exception. Arrays come back as read-only views into the frame (no copy).

On a byte stream (a pipe, or ``socket.makefile("rwb")``) each frame is sent after its length
as 8 bytes (:func:`write_frame`, :func:`read_frame`).
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Mapping
from typing import Any, BinaryIO

import numpy as np

from nnviz.io.codec import CodecError, Encoder, decode

MAGIC = b"nnvizmsg"
VERSION = 1
#: the largest frame sent or accepted: a snapshot with every view is a few MB at most
MAX_FRAME_BYTES = 256 << 20
#: the largest JSON header accepted (a snapshot's is tens of kB: its bulk is arrays), so a
#: hostile frame cannot keep the reader parsing for seconds
MAX_HEADER_BYTES = 16 << 20
#: a stream is read in pieces of at most this many bytes, so a length prefix alone (before
#: its bytes arrive) never makes the reader allocate a whole frame
READ_CHUNK_BYTES = 1 << 20
#: arrays start at multiples of this from the frame's data start (and the header is padded
#: so the data start is one too), so NumPy reads them aligned
ALIGNMENT = 16
#: the only array element types a frame may hold: numbers and booleans, little-endian
ALLOWED_DTYPES = frozenset(np.dtype(name).newbyteorder("<").str for name in (
    "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "complex64", "complex128"))
#: the most dimensions an array may declare
MAX_DIMENSIONS = 32
#: integers in a header are below 2**MAX_INT_BITS in size (PCG64's state has 128 bits)
MAX_INT_BITS = 128

_PRELUDE = struct.Struct("<8sII")
_LENGTH = struct.Struct("<Q")


class WireError(ValueError):
    """A message that cannot be sent, or bytes that are not a frame this nnviz reads."""


def encode_message(message: Mapping[str, Any]) -> bytes:
    """One message (a mapping with a str ``"type"``) as one frame; see the module docstring.

    Its integers must be below 2**128 in size: the reader refuses wider ones."""
    _check_type(message)
    from nnviz.io.record_kinds import record_kinds  # every scenario: not at start-up

    encoder = Encoder(record_kinds())
    try:
        tree = encoder.encode(dict(message))
    except CodecError as error:
        raise WireError(f"cannot send a {_short(message['type'])} message: {error}") from None
    except RecursionError:  # a value that holds itself
        raise WireError(f"cannot send a {_short(message['type'])} message: nested too deeply"
                        ) from None
    buffers, table, data_bytes = _lay_out(encoder.arrays)
    header = json.dumps({"tree": tree, "arrays": table}, allow_nan=False,
                        separators=(",", ":")).encode("utf-8")
    header += b" " * (-(_PRELUDE.size + len(header)) % ALIGNMENT)
    size = _PRELUDE.size + len(header) + data_bytes
    if size > MAX_FRAME_BYTES:
        raise WireError(f"a {_short(message['type'])} message takes {size / 2**20:.0f} MiB, "
                        f"more than a frame may ({MAX_FRAME_BYTES >> 20} MiB)")
    return b"".join([_PRELUDE.pack(MAGIC, VERSION, len(header)), header, *buffers])


def _lay_out(arrays: Mapping[str, np.ndarray]) -> tuple[list[Any], dict[str, list], int]:
    """The buffers to join after the header (arrays and the padding between them), the array
    table, and the number of data bytes."""
    buffers: list[Any] = []
    table: dict[str, list] = {}
    offset = 0
    for key, array in arrays.items():
        array = _sendable(key, array)
        padding = -offset % ALIGNMENT
        if padding:
            buffers.append(b"\0" * padding)
            offset += padding
        table[key] = [array.dtype.str, list(array.shape), offset, array.nbytes]
        if array.nbytes:
            buffers.append(memoryview(array.reshape(-1)).cast("B"))
        offset += array.nbytes
    return buffers, table, offset


def _sendable(key: str, array: np.ndarray) -> np.ndarray:
    """``array`` little-endian and C-contiguous (copied only when it is not already)."""
    dtype = array.dtype.newbyteorder("<") if array.dtype.byteorder == ">" else array.dtype
    if dtype.str not in ALLOWED_DTYPES:
        raise WireError(f"cannot send an array of {array.dtype} (array {key}): only numbers "
                        "and booleans cross between processes")
    return np.asarray(array, dtype=dtype, order="C")


def decode_message(frame: bytes | bytearray | memoryview, *,
                   copy_arrays: bool = False) -> dict[str, Any]:
    """The message a frame from :func:`encode_message` holds, or :class:`WireError`.

    Arrays in it are read-only views into ``frame``, so ``frame`` must not be changed
    afterwards (:func:`read_frame` returns ``bytes``, which cannot be). With
    ``copy_arrays`` they are writable copies instead: for a checkpoint that a session will
    restore (torch warns about tensors made from read-only arrays)."""
    try:
        view = memoryview(frame).cast("B")
    except TypeError:
        raise WireError(f"a frame is bytes, not a {type(frame).__name__}") from None
    if view.nbytes > MAX_FRAME_BYTES:
        raise WireError(f"a frame of {view.nbytes / 2**20:.0f} MiB is larger than a frame may "
                        f"be ({MAX_FRAME_BYTES >> 20} MiB)")
    header, data_start = _read_header(view)
    arrays = _read_arrays(header.get("arrays"), view, data_start, copy_arrays)
    from nnviz.io.record_kinds import readable_kinds  # every scenario: not at start-up

    try:
        message = decode(header.get("tree"), arrays, readable_kinds())
    except CodecError as error:
        raise WireError(f"cannot read a message: {error}") from None
    except RecursionError:
        raise WireError("cannot read a message: nested too deeply") from None
    if not isinstance(message, dict):
        raise WireError("a frame that holds no message (not a mapping)")
    _check_type(message)
    return message


def _read_header(view: memoryview) -> tuple[dict[str, Any], int]:
    """The JSON header and where the data starts, after checking the prelude."""
    if view.nbytes < _PRELUDE.size:
        raise WireError(f"a frame of {view.nbytes} bytes is cut short (no prelude)")
    magic, version, header_bytes = _PRELUDE.unpack_from(view)
    if magic != MAGIC:
        raise WireError("not an nnviz message (wrong magic bytes)")
    if version != VERSION:
        raise WireError(f"an nnviz message of version {version}; this nnviz reads {VERSION}")
    if header_bytes > MAX_HEADER_BYTES:
        raise WireError(f"a frame's header of {header_bytes} bytes is larger than a header may "
                        f"be ({MAX_HEADER_BYTES >> 20} MiB)")
    data_start = _PRELUDE.size + header_bytes
    if data_start > view.nbytes:
        raise WireError(f"a frame is cut short (its header needs {header_bytes} bytes, "
                        f"{view.nbytes - _PRELUDE.size} are there)")
    try:
        header = json.loads(bytes(view[_PRELUDE.size:data_start]).decode("utf-8"),
                            parse_constant=_no_constant, parse_int=_bounded_int)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise WireError("a frame whose header is not JSON") from None
    if not isinstance(header, dict) or set(header) != {"tree", "arrays"}:
        raise WireError("a frame whose header is not a message header")
    return header, data_start


def _no_constant(name: str) -> float:
    raise ValueError(f"{name} is not JSON")


def _bounded_int(text: str) -> int:
    """A JSON integer of at most 128 bits (a random generator's state, in a checkpoint, is the
    widest nnviz sends): a step of 10⁴⁰⁰⁰ would overflow whatever turns it into a float."""
    number = int(text)
    if abs(number) >= 1 << MAX_INT_BITS:
        raise ValueError(f"an integer wider than {MAX_INT_BITS} bits")
    return number


def _read_arrays(table: Any, view: memoryview, data_start: int,
                 copy_arrays: bool) -> dict[str, np.ndarray]:
    """Every array the table lists, as a read-only view into the frame (or a copy), once each
    entry is checked: an allowed dtype, a shape that fills exactly its bytes, inside the
    frame, and no two overlapping; the frame must end where the last array ends."""
    if not isinstance(table, dict):
        raise WireError("a frame whose array table is not a mapping")
    entries = {key: _entry(key, value) for key, value in table.items()}
    end = 0
    for key, (_, _, offset, nbytes) in sorted(entries.items(), key=lambda item: item[1][2]):
        if offset < end and nbytes:
            raise WireError(f"array {_short(key)} overlaps another one")
        end = max(end, offset + nbytes)
    data_bytes = view.nbytes - data_start
    if end > data_bytes:
        raise WireError(f"a frame is cut short (its arrays need {end} bytes, "
                        f"{data_bytes} are there)")
    if end < data_bytes:
        raise WireError(f"a frame with {data_bytes - end} bytes after its last array")
    arrays = {}
    for key, (dtype, shape, offset, nbytes) in entries.items():
        start = data_start + offset
        array = np.frombuffer(view, dtype=dtype, count=nbytes // dtype.itemsize, offset=start)
        array = array.reshape(shape)
        if copy_arrays:
            array = array.copy()
        else:
            array.flags.writeable = False
        arrays[key] = array
    return arrays


def _entry(key: str, value: Any) -> tuple[np.dtype, tuple[int, ...], int, int]:
    """(dtype, shape, offset, nbytes) of one array-table entry, each checked."""
    if not (isinstance(value, list) and len(value) == 4):
        raise WireError(f"array {_short(key)}'s entry is not [dtype, shape, offset, nbytes]")
    dtype_text, shape, offset, nbytes = value
    if not isinstance(dtype_text, str) or dtype_text not in ALLOWED_DTYPES:
        raise WireError(f"array {_short(key)} has a dtype that is not allowed "
                        f"({_short(dtype_text)})")
    if not (isinstance(shape, list) and len(shape) <= MAX_DIMENSIONS
            and all(_is_count(n) for n in shape)):
        raise WireError(f"array {_short(key)}'s shape is not a list of sizes")
    if not (_is_count(offset) and _is_count(nbytes)):
        raise WireError(f"array {_short(key)}'s offset or length is not a size")
    dtype = np.dtype(dtype_text)
    if math.prod(shape) * dtype.itemsize != nbytes:
        raise WireError(f"array {_short(key)}'s shape {_short(shape)} does not fill its "
                        f"{nbytes} bytes")
    return dtype, tuple(shape), offset, nbytes


def _is_count(value: Any) -> bool:
    """A whole number from 0 up to a frame's size (so nothing derived from it overflows)."""
    return isinstance(value, int) and not isinstance(value, bool) \
        and 0 <= value <= MAX_FRAME_BYTES


def _check_type(message: Any) -> None:
    if not isinstance(message, Mapping):
        raise WireError(f"a message is a mapping, not a {type(message).__name__}")
    if not isinstance(message.get("type"), str):
        raise WireError("a message without a \"type\" (text)")
    if not all(isinstance(key, str) for key in message):
        raise WireError("a message whose keys are not all text")


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def write_frame(stream: BinaryIO, frame: bytes) -> None:
    """Send ``frame`` on a binary stream after its length (8 bytes, little-endian), and
    flush, so the reader gets it now."""
    if len(frame) > MAX_FRAME_BYTES:
        raise WireError(f"a frame of {len(frame) / 2**20:.0f} MiB is larger than a frame may "
                        f"be ({MAX_FRAME_BYTES >> 20} MiB)")
    stream.write(_LENGTH.pack(len(frame)))
    stream.write(frame)
    stream.flush()


def read_frame(stream: BinaryIO) -> bytes | None:
    """The next frame on a binary stream, or None when the stream ends cleanly (before a
    length); :class:`WireError` when it ends inside a frame or announces one too large."""
    prefix = _read_exactly(stream, _LENGTH.size)
    if not prefix:
        return None
    if len(prefix) < _LENGTH.size:
        raise WireError(f"the stream ended inside a frame's length ({len(prefix)} of "
                        f"{_LENGTH.size} bytes)")
    (length,) = _LENGTH.unpack(prefix)
    if length > MAX_FRAME_BYTES:
        raise WireError(f"a frame announces {length} bytes, more than a frame may be "
                        f"({MAX_FRAME_BYTES >> 20} MiB)")
    frame = _read_exactly(stream, length)
    if len(frame) < length:
        raise WireError(f"the stream ended inside a frame ({len(frame)} of {length} bytes)")
    return frame


def _read_exactly(stream: BinaryIO, count: int) -> bytes:
    """Up to ``count`` bytes: fewer only when the stream ends (a pipe or socket may hand
    over less than asked for in one read). Errors of the stream itself (``OSError``, a
    socket's timeout) are the caller's to handle."""
    parts = []
    left = count
    while left:
        part = stream.read(min(left, READ_CHUNK_BYTES))
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)
