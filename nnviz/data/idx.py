"""Reading (and writing) IDX files, the format MNIST ships in, gzip-compressed or not.

Layout, all integers big-endian::

    byte 0, 1   0x00 0x00                magic: two zero bytes
    byte 2      type code                0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
                                         0x0D float32, 0x0E float64
    byte 3      number of dimensions d
    4·d bytes   the size of each dimension (uint32)
    then        the values, row-major, ∏ sizes × item size bytes, nothing after

Every deviation raises ValueError naming the file, what was found and what was expected.
Only a regular file within :data:`~nnviz.data.limits.MAX_DATA_FILE_BYTES` is read, and its
header is checked, against the same limit, before the data are read or decompressed.
"""

from __future__ import annotations

import gzip
import math
import struct
import zlib
from pathlib import Path
from typing import BinaryIO

import numpy as np

from nnviz.data.limits import CHUNK_BYTES, MAX_DATA_FILE_BYTES, open_checked, too_large

Array = np.ndarray

IDX_TYPES: dict[int, np.dtype] = {
    0x08: np.dtype("u1"),
    0x09: np.dtype("i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_TYPE_CODES = {dtype.newbyteorder("=").str[1:]: code for code, dtype in IDX_TYPES.items()}
GZIP_MAGIC = b"\x1f\x8b"


class IDXError(ValueError):
    """An IDX file that is not what it should be; the message names the file."""


def _open_idx(path: Path) -> BinaryIO:
    """The file, checked before it is opened: a regular file within the data-file limit."""
    if path.is_dir():
        raise IDXError(f"{path}: is a folder, expected an IDX file")
    if not path.exists():
        raise FileNotFoundError(f"{path}: IDX file not found")
    stream, _ = open_checked(path, MAX_DATA_FILE_BYTES, "IDX file", IDXError)
    return stream


def _read_exactly(stream: BinaryIO, buffer: memoryview) -> int:
    """Fill ``buffer`` from ``stream``; the number of bytes read (fewer only at the end)."""
    filled = 0
    while filled < len(buffer):
        count = stream.readinto(buffer[filled:filled + CHUNK_BYTES])
        if not count:
            break
        filled += count
    return filled


def _count_rest(stream: BinaryIO, cap: int) -> tuple[int, bool]:
    """(bytes left in ``stream``, whether there were more than ``cap``), reading in chunks."""
    rest = 0
    while rest <= cap:
        chunk = stream.read(CHUNK_BYTES)
        if not chunk:
            return rest, False
        rest += len(chunk)
    return rest, True


def read_idx(path: str | Path, *, ndim: int | None = None,
             dtype: np.dtype | str | None = None) -> Array:
    """The array stored in an IDX file (native byte order), optionally checking its shape.

    ``ndim`` and ``dtype`` (e.g. 3 and ``"uint8"`` for MNIST images) make a file of another
    kind an error instead of a surprise later. The header is checked first; the data are then
    read (decompressed) in chunks into one array of the declared size, so a gzip bomb is
    refused from its header or after one chunk past its declared size, never unpacked whole.
    """
    path = Path(path)
    with _open_idx(path) as file:
        gzipped = file.read(2) == GZIP_MAGIC
        file.seek(0)
        try:
            with gzip.GzipFile(fileobj=file, mode="rb") if gzipped else file as stream:
                return _read_idx_stream(path, stream, ndim, dtype)
        except (EOFError, zlib.error, OSError) as error:
            if not gzipped:
                raise
            raise IDXError(f"{path}: damaged or truncated gzip data ({error})") from None


def _read_idx_stream(path: Path, stream: BinaryIO, ndim: int | None,
                     dtype: np.dtype | str | None) -> Array:
    start = stream.read(4)
    if len(start) < 4:
        raise IDXError(f"{path}: {len(start)} bytes, too short for an IDX header (4 bytes)")
    zero, code, dims = struct.unpack(">HBB", start)
    if zero != 0 or code not in IDX_TYPES:
        raise IDXError(
            f"{path}: bad magic number 0x{start.hex()}; an IDX file starts with 00 00, a type "
            f"code ({', '.join(f'{c:02x}' for c in IDX_TYPES)}) and the number of dimensions"
        )
    if dims == 0:
        raise IDXError(f"{path}: header says 0 dimensions; expected at least 1")
    header_size = 4 + 4 * dims
    sizes = stream.read(4 * dims)
    if len(sizes) < 4 * dims:
        raise IDXError(f"{path}: truncated header: {dims} dimensions need {header_size} bytes, "
                       f"the file has {4 + len(sizes)}")
    shape = struct.unpack(f">{dims}I", sizes)
    item = IDX_TYPES[code]
    expected = math.prod(shape) * item.itemsize  # a Python int: no overflow at 2**63
    if expected > MAX_DATA_FILE_BYTES:
        raise IDXError(too_large(path, expected, MAX_DATA_FILE_BYTES,
                                 f"IDX header (shape {shape} of {item.name})", "declares"))
    if ndim is not None and dims != ndim:
        raise IDXError(f"{path}: has {dims} dimensions {shape}; expected {ndim}")
    if dtype is not None and item.newbyteorder("=") != np.dtype(dtype):
        raise IDXError(f"{path}: holds {item.name} values; expected {np.dtype(dtype).name}")
    data = np.empty(expected, dtype=np.uint8)
    found = _read_exactly(stream, memoryview(data))
    more = False
    if found == expected:
        rest, more = _count_rest(stream, CHUNK_BYTES * 16)
        found += rest
    if found != expected:
        what = "truncated" if found < expected else "has extra bytes"
        amount = f"more than {found:,}" if more else str(found)
        raise IDXError(f"{path}: {what}: shape {shape} of {item.name} needs {expected} data "
                       f"bytes after the header, found {amount}")
    return data.view(item).reshape(shape).astype(item.newbyteorder("="), copy=False)


def write_idx(path: str | Path, array: Array, *, compress: bool | None = None) -> Path:
    """Write ``array`` as IDX; gzip when ``compress`` or (by default) when the name ends .gz."""
    path = Path(path)
    array = np.asarray(array)
    key = array.dtype.newbyteorder("=").str[1:]
    if key not in _TYPE_CODES:
        raise ValueError(f"IDX cannot store {array.dtype}; it stores "
                         f"{', '.join(d.name for d in IDX_TYPES.values())}")
    if array.ndim == 0 or array.ndim > 255:
        raise ValueError(f"IDX stores 1 to 255 dimensions, not {array.ndim}")
    code = _TYPE_CODES[key]
    header = struct.pack(f">HBB{array.ndim}I", 0, code, array.ndim, *array.shape)
    data = header + np.ascontiguousarray(array, dtype=IDX_TYPES[code]).tobytes()
    if compress if compress is not None else path.suffix == ".gz":
        data = gzip.compress(data, mtime=0)
    path.write_bytes(data)
    return path
