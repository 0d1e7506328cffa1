"""How large a file nnviz reads, and the checks made before reading one.

Every file a person can point nnviz at is checked *before* it is read: it must be a regular
file (a named pipe would block forever, ``/dev/zero`` never ends, a folder is not a file), and
its size on disk must be within the limit for its kind. Compressed data is also checked after
decompression, from the sizes its header declares, before the data are decompressed. A file
over a limit is refused with one line that names it, its size and the limit.

The limits, and why each is what it is (MiB = 2**20 bytes):

``MAX_DATA_FILE_BYTES`` = 256 MiB, one data file (IDX, digits CSV), on disk and decompressed.
    Full MNIST's training images are 45 MiB, EMNIST digits' 179 MiB; the images become
    float32 (four times the bytes), so the largest accepted set takes about 1 GiB in memory.
``MAX_CORPUS_BYTES`` = 128 MiB, one text corpus for word2vec.
    text8, the usual word2vec benchmark (one 100 MB line), fits. A corpus is read in chunks
    and kept as two int32 per token: at the peak about 4 bytes of memory per byte of text,
    550 MiB at the limit (measured), which leaves room for the app on an 8 GB laptop.
``MAX_TEXT_FILE_BYTES`` = 16 MiB, a small text file: a preset, an analogy question set.
    gensim's questions-words.txt (19,544 questions) is 0.6 MiB.
``MAX_IMAGE_BYTES`` = 256 MiB and ``MAX_IMAGE_PIXELS`` = 8192 × 8192 (67 million), one image.
    Above every common camera (a 61-megapixel full-frame photo is 9504 × 6336); an
    uncompressed RGBA image at the pixel limit is 256 MiB. The pixel limit is below Pillow's
    own (89 million), so Pillow never warns about an image nnviz accepts.
``MAX_RUN_FILE_BYTES`` = 1 GiB, a saved run (``.nnviz-run.npz``), on disk and unpacked.
    A run keeps bounded histories and at most ``max_snapshots`` snapshots, so real files stay
    far below it.
``MAX_TABLE_FILE_BYTES`` = 1 GiB, a person's own data table (CSV/TSV, ``.npy``, ``.npz``
    unpacked), with at most ``MAX_TABLE_ROWS`` = 1,000,000 rows, ``MAX_TABLE_FEATURES`` = 100
    feature columns (besides the label) and ``MAX_TABLE_CLASSES`` = 100 classes.
    A million rows of 100 numbers written with six significant digits (about 10 bytes each)
    fit; they become 800 MB of float64. While a text table is parsed its text is held twice
    (the bytes, then the lines), so the peak is about three times the file. More than 100
    distinct labels is more likely a regression target than classes.

Text is never read whole from an unbounded stream: :func:`read_chunks` reads a checked file in
pieces of ``CHUNK_BYTES`` and stops at the limit even if the file grows while it is read.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

MiB = 2**20

MAX_DATA_FILE_BYTES = 256 * MiB
MAX_CORPUS_BYTES = 128 * MiB
MAX_TEXT_FILE_BYTES = 16 * MiB
MAX_IMAGE_BYTES = 256 * MiB
MAX_IMAGE_PIXELS = 8192 * 8192
MAX_RUN_FILE_BYTES = 1024 * MiB
MAX_TABLE_FILE_BYTES = 1024 * MiB
MAX_TABLE_ROWS = 1_000_000
MAX_TABLE_FEATURES = 100
MAX_TABLE_CLASSES = 100

#: the piece size for reading text and decompressed data
CHUNK_BYTES = 1 * MiB


class FileLimitError(ValueError):
    """A file that is not a regular file, or is larger than nnviz reads; one line, with the path."""


_UNITS = (("GiB", 2**30), ("MiB", MiB), ("KiB", 2**10))


def describe_size(size: int, like: int | None = None) -> str:
    """A byte count in the units of the limits: ``"131.2 MiB"``, ``"256 MiB"``, ``"2.5 GiB"``;
    in the unit ``like`` would be said in when given, so a size and its limit compare at a glance.
    """
    if size >= 2**60:  # only an impossible header declares this much
        return f"{size:.3g} bytes"
    reference = size if like is None else like
    for unit, scale in _UNITS:
        if reference >= scale:
            value = size / scale
            return f"{value:,.0f} {unit}" if size % scale == 0 else f"{value:,.1f} {unit}"
    return f"{size:,} bytes"


def file_kind(mode: int) -> str:
    """What a file of this ``st_mode`` is, in words: "a named pipe", "a device" …"""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def check_file(path: str | Path, limit: int, what: str = "file",
               error: type[Exception] = FileLimitError) -> int:
    """The size of ``path`` after checking that it is a regular file of at most ``limit`` bytes.

    Raises ``error`` (one line naming the path) for a folder, a named pipe, a device or a socket,
    and for a file over the limit; a missing file raises :class:`FileNotFoundError` as ``stat``
    does. Symbolic links are followed: a link to a regular file is that file.
    """
    path = Path(path)
    info = path.stat()
    return check_stat(path, info, limit, what, error)


def check_stat(path: Path, info: os.stat_result, limit: int, what: str,
               error: type[Exception] = FileLimitError) -> int:
    if not stat.S_ISREG(info.st_mode):
        kind = file_kind(info.st_mode)
        raise error(f"{path}: not a regular file ({kind}); the {what} must be a file on disk")
    if info.st_size > limit:
        raise error(too_large(path, info.st_size, limit, what))
    return info.st_size


def too_large(path: str | Path, size: int, limit: int, what: str, verb: str = "is") -> str:
    """The one-line message for a ``what`` of ``size`` bytes over ``limit``."""
    return (f"{path}: {what} {verb} {describe_size(size, like=limit)}, more than the limit of "
            f"{describe_size(limit)} (see 'Limits' in the README)")


def open_checked(path: str | Path, limit: int, what: str = "file",
                 error: type[Exception] = FileLimitError) -> tuple[BinaryIO, int]:
    """``(binary stream, size)`` of a regular file within ``limit``, checked before opening.

    The open handle is checked again (``fstat``), so a path swapped for a pipe or a larger file
    between the check and the open is refused too. The caller closes the stream.
    """
    path = Path(path)
    check_file(path, limit, what, error)
    stream = open(path, "rb")  # returned to the caller, who closes it
    try:
        size = check_stat(path, os.fstat(stream.fileno()), limit, what, error)
    except BaseException:
        stream.close()
        raise
    return stream, size


def read_chunks(stream: BinaryIO, limit: int, path: str | Path, what: str = "file",
                error: type[Exception] = FileLimitError,
                chunk_bytes: int | None = None) -> Iterator[bytes]:
    """The bytes of ``stream`` in pieces of at most ``chunk_bytes`` (default
    :data:`CHUNK_BYTES`), refusing to go past ``limit``.
    """
    chunk_bytes = chunk_bytes or CHUNK_BYTES
    total = 0
    while True:
        chunk = stream.read(chunk_bytes)
        if not chunk:
            return
        total += len(chunk)
        if total > limit:
            raise error(too_large(path, total, limit, what, "is at least"))
        yield chunk


def read_bounded(path: str | Path, limit: int, what: str = "file",
                 error: type[Exception] = FileLimitError) -> bytes:
    """The whole of a small regular file, checked first; see :func:`open_checked`."""
    stream, _ = open_checked(path, limit, what, error)
    with stream:
        return b"".join(read_chunks(stream, limit, path, what, error))
