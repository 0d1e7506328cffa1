"""Reading (and writing) IDX files, the format MNIST ships in, gzip-compressed or not.

Layout, all integers big-endian::

    byte 0, 1   0x00 0x00                magic: two zero bytes
    byte 2      type code                0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32,
                                         0x0D float32, 0x0E float64
    byte 3      number of dimensions d
    4·d bytes   the size of each dimension (uint32)
    then        the values, row-major, ∏ sizes × item size bytes, nothing after

Every deviation raises ValueError naming the file, what was found and what was expected.
"""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

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


def _read_bytes(path: Path) -> bytes:
    if path.is_dir():
        raise IDXError(f"{path}: is a folder, expected an IDX file")
    if not path.exists():
        raise FileNotFoundError(f"{path}: IDX file not found")
    raw = path.read_bytes()
    if raw[:2] == GZIP_MAGIC:
        try:
            return gzip.decompress(raw)
        except (EOFError, OSError, zlib.error) as error:
            raise IDXError(f"{path}: damaged or truncated gzip data ({error})") from None
    return raw


def read_idx(path: str | Path, *, ndim: int | None = None,
             dtype: np.dtype | str | None = None) -> Array:
    """The array stored in an IDX file (native byte order), optionally checking its shape.

    ``ndim`` and ``dtype`` (e.g. 3 and ``"uint8"`` for MNIST images) make a file of another
    kind an error instead of a surprise later.
    """
    path = Path(path)
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise IDXError(f"{path}: {len(raw)} bytes, too short for an IDX header (4 bytes)")
    zero, code, dims = struct.unpack(">HBB", raw[:4])
    if zero != 0 or code not in IDX_TYPES:
        raise IDXError(
            f"{path}: bad magic number 0x{raw[:4].hex()}; an IDX file starts with 00 00, a type "
            f"code ({', '.join(f'{c:02x}' for c in IDX_TYPES)}) and the number of dimensions"
        )
    if dims == 0:
        raise IDXError(f"{path}: header says 0 dimensions; expected at least 1")
    header_size = 4 + 4 * dims
    if len(raw) < header_size:
        raise IDXError(f"{path}: truncated header: {dims} dimensions need {header_size} bytes, "
                       f"the file has {len(raw)}")
    shape = struct.unpack(f">{dims}I", raw[4:header_size])
    item = IDX_TYPES[code]
    expected = int(np.prod(shape, dtype=np.int64)) * item.itemsize
    found = len(raw) - header_size
    if found != expected:
        what = "truncated" if found < expected else "has extra bytes"
        raise IDXError(f"{path}: {what}: shape {shape} of {item.name} needs {expected} data "
                       f"bytes after the header, found {found}")
    if ndim is not None and dims != ndim:
        raise IDXError(f"{path}: has {dims} dimensions {shape}; expected {ndim}")
    if dtype is not None and item.newbyteorder("=") != np.dtype(dtype):
        raise IDXError(f"{path}: holds {item.name} values; expected {np.dtype(dtype).name}")
    array = np.frombuffer(raw, dtype=item, offset=header_size).reshape(shape)
    return array.astype(item.newbyteorder("="), copy=True)


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
