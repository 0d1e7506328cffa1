"""Atomic file writes and export names that never overwrite silently.

A write goes to a temporary file in the destination's folder, is flushed to disk, and only then
renamed over the destination with :func:`os.replace` (atomic on POSIX and Windows within one
file system). A failure at any point removes the temporary file, so the destination is either
the complete new file or the untouched old one, never half of either.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO


class ExportError(OSError):
    """A file could not be written; the message names the path and the reason."""


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path`` (same suffix) for a library to write to.

    When the block ends without an exception, the temporary file replaces ``path``; otherwise it
    is removed and ``path`` is left as it was.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=f".tmp{path.suffix}",
                                             dir=folder)
    except OSError as error:
        raise ExportError(f"{path}: cannot write here ({error.strerror or error})") from error
    os.close(handle)
    temporary_path = Path(temporary)
    try:
        yield temporary_path
        if not temporary_path.exists() or temporary_path.stat().st_size == 0:
            raise ExportError(f"{path}: nothing was written")
        with open(temporary_path, "rb+") as written:
            os.fsync(written.fileno())
        _keep_permissions(path, temporary_path)
        os.replace(temporary_path, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary_path.unlink()
        raise


@contextlib.contextmanager
def atomic_open(path: str | Path, mode: str = "wb", **kwargs) -> Iterator[IO]:
    """``open(path, mode)`` that only replaces ``path`` when the block completes."""
    if "w" not in mode:
        raise ValueError(f"atomic_open writes; mode {mode!r} has no 'w'")
    with atomic_path(path) as temporary, open(temporary, mode, **kwargs) as stream:
        yield stream


def atomic_write(path: str | Path, data: bytes | str) -> Path:
    """Write ``data`` (text as UTF-8) to ``path`` atomically; return the path."""
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if not payload:
        raise ExportError(f"{path}: refusing to write an empty file")
    with atomic_open(path, "wb") as stream:
        stream.write(payload)
    return Path(path)


def _keep_permissions(old: Path, new: Path) -> None:
    """A replaced file keeps its mode; a new one gets 0666 & ~umask (mkstemp would give 0600)."""
    try:
        mode = old.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    with contextlib.suppress(OSError):
        os.chmod(new, mode)


_UNSAFE = re.compile(r"[^A-Za-z0-9._+-]+")


def slug(text: str) -> str:
    """A file-name-safe form of ``text``: ``"Decision boundary"`` → ``"decision-boundary"``."""
    cleaned = _UNSAFE.sub("-", text.strip().lower()).strip("-.")
    return cleaned or "untitled"


def export_stem(scenario: str, step: int | None, panel: str) -> str:
    """The default name of an export, ``scenario-step-panel`` (``moons-1200-loss``)."""
    parts = [slug(scenario)]
    if step is not None:
        parts.append(str(int(step)))
    parts.append(slug(panel))
    return "-".join(parts)


def unused_stem(folder: str | Path, stem: str, suffixes: Iterable[str]) -> str:
    """``stem``, or ``stem-1``, ``stem-2`` …: the first for which no ``stem + suffix`` exists.

    Every file of one export (e.g. ``.png``, ``.svg``, ``.json``) gets the same stem, so they
    stay together and none of them replaces an earlier export.
    """
    folder = Path(folder)
    suffixes = tuple(suffixes)
    candidate, number = stem, 0
    while any((folder / f"{candidate}{suffix}").exists() for suffix in suffixes):
        number += 1
        candidate = f"{stem}-{number}"
    return candidate


def unused_path(path: str | Path) -> Path:
    """``path`` if it does not exist, else ``name-1.ext``, ``name-2.ext`` …"""
    path = Path(path)
    return path.with_name(unused_stem(path.parent, path.stem, [path.suffix]) + path.suffix)


def check_writable_folder(folder: str | Path, *, create: bool = True) -> Path:
    """Make sure ``folder`` exists (creating it if asked) and files can be created in it."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise ExportError(f"{folder}: not a folder")
    if not folder.exists():
        if not create:
            raise ExportError(f"{folder}: no such folder")
        try:
            folder.mkdir(parents=True)
        except OSError as error:
            raise ExportError(f"{folder}: cannot create folder ({error.strerror or error})") \
                from error
    try:
        handle, probe = tempfile.mkstemp(prefix=".nnviz-probe-", dir=folder)
    except OSError as error:
        raise ExportError(f"{folder}: folder is not writable ({error.strerror or error})") \
            from error
    os.close(handle)
    os.unlink(probe)
    return folder


def parse_size(text: str) -> tuple[int, int]:
    """``"1600x1000"`` → (1600, 1000); raise ValueError naming what is accepted."""
    width, sep, height = text.lower().replace("×", "x").partition("x")
    try:
        if not sep:
            raise ValueError
        size = int(width), int(height)
    except ValueError:
        raise ValueError(f"size {text!r}: expected WIDTHxHEIGHT in pixels, e.g. 1600x1000") \
            from None
    if not all(16 <= side <= 16384 for side in size):
        raise ValueError(f"size {text!r}: each side must be from 16 to 16384 pixels")
    return size
