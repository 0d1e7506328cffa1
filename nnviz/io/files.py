"""Atomic file writes and export names that never overwrite silently.

A write goes to a temporary file in the destination's folder, is flushed to disk, and only then
renamed over the destination with :func:`os.replace` (atomic on POSIX and Windows within one
file system). A failure at any point removes the temporary file, so the destination is either
the complete new file or the untouched old one, never half of either. A write of several files
that belong together (a figure and its sidecar) goes through :func:`all_or_nothing`, which
removes the ones already written when a later one fails.

Every name that becomes a file name passes :func:`safe_stem`, so a name typed in a dialog or
read from a file cannot point outside the chosen folder.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import tempfile
import unicodedata
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
    try:
        temporary_path = _new_temporary(path)
    except OSError as error:
        raise ExportError(f"{path}: cannot write here ({error.strerror or error})") from error
    try:
        yield temporary_path
        if not temporary_path.exists() or temporary_path.stat().st_size == 0:
            raise ExportError(f"{path}: nothing was written")
        with open(temporary_path, "rb+") as written:
            os.fsync(written.fileno())
        _keep_permissions(path, temporary_path)
        os.replace(temporary_path, path)
    except BaseException as error:
        with contextlib.suppress(OSError):
            temporary_path.unlink()
        if isinstance(error, OSError) and error.errno is not None and not error.filename:
            error.filename = str(path)  # a failed write or fsync names no file by itself
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


def _new_temporary(path: Path) -> Path:
    """Create an empty, new file beside ``path`` with mode ``0o666``, which the OS narrows by
    the umask, as for any file a program creates.

    ``tempfile.mkstemp`` would give 0600, and widening that needs the umask, which can only be
    read by setting it: a process-wide change that lets another thread (the recording saver,
    the feature cache) create a world-writable file in the meantime.
    """
    folder = path.parent if str(path.parent) else Path(".")
    flags = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
             | getattr(os, "O_BINARY", 0))
    for _ in range(100):
        candidate = folder / f".{path.name[:64]}.{secrets.token_hex(6)}.tmp{path.suffix[:16]}"
        try:
            handle = os.open(candidate, flags, 0o666)
        except FileExistsError:
            continue
        os.close(handle)
        return candidate
    raise FileExistsError(f"{folder}: no free temporary name")


def _keep_permissions(old: Path, new: Path) -> None:
    """A replaced file keeps its mode; a new one keeps the mode it was created with."""
    try:
        mode = old.stat().st_mode & 0o777
    except FileNotFoundError:
        return
    with contextlib.suppress(OSError):
        os.chmod(new, mode)


@contextlib.contextmanager
def all_or_nothing() -> Iterator[list[Path]]:
    """Yield a list for the new files a block writes; if the block fails, remove them all.

    A figure without its sidecar, or half the panels of an export, looks like a finished
    export and is not one; so a full disk or a removed folder leaves nothing new behind. Only
    files the block created belong in the list (export names never replace a file, see
    :func:`unused_stem`), since removing a replaced file would lose the old one too.
    """
    written: list[Path] = []
    try:
        yield written
    except BaseException:
        for path in reversed(written):
            with contextlib.suppress(OSError):
                path.unlink()
        raise


_UNSAFE = re.compile(r"[^A-Za-z0-9._+-]+")
#: characters no file name may hold on some system nnviz runs on (Windows forbids all of these)
_NOT_IN_NAMES = re.compile(r'[/\\:*?"<>|]+')
#: names Windows reserves for devices, with any extension (``nul.txt`` is the device too)
_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)),
            *(f"LPT{i}" for i in range(10))}
#: a stem leaves room for ``-99``, a table name and a suffix within the usual 255-byte limit
MAX_STEM_BYTES = 120


def safe_stem(text: str, fallback: str = "untitled") -> str:
    """``text`` as one plain file name without a suffix, safe wherever the name came from.

    Path separators and characters Windows forbids become ``-``; control and invisible format
    characters (a NUL, a newline, a right-to-left override that disguises ``gnp.exe`` as
    ``exe.png``) are dropped; ``..`` becomes ``.``; leading and trailing dots, dashes and spaces
    go (a leading dot hides a file, a trailing one is dropped by Windows); the result is at most
    :data:`MAX_STEM_BYTES` bytes of UTF-8 and never empty or a Windows device name.
    """
    kept = "".join(map(_plain_character, unicodedata.normalize("NFC", str(text))))
    cleaned = _NOT_IN_NAMES.sub("-", kept)
    cleaned = re.sub(r"\.{2,}", ".", re.sub(r"\s+", " ", cleaned)).strip(" .-")
    device, dot, rest = cleaned.partition(".")
    if device.strip().upper() in _DEVICES:
        cleaned = f"{device.strip()}-file{dot}{rest}"
    if len(cleaned.encode("utf-8")) > MAX_STEM_BYTES:
        cleaned = cleaned.encode("utf-8")[:MAX_STEM_BYTES].decode("utf-8", "ignore")
        cleaned = cleaned.rstrip(" .-")
    return cleaned or fallback


def _plain_character(character: str) -> str:
    """Line breaks and tabs become a space; other control and format characters go."""
    category = unicodedata.category(character)
    if character in "\t\n\r" or category in ("Zl", "Zp"):
        return " "
    return "" if category.startswith("C") else character


def slug(text: str) -> str:
    """A file-name-safe form of ``text``: ``"Decision boundary"`` → ``"decision-boundary"``."""
    cleaned = _UNSAFE.sub("-", text.strip().lower()).strip("-.")
    return safe_stem(cleaned)


def export_stem(scenario: str, step: int | None, panel: str) -> str:
    """The default name of an export, ``scenario-step-panel`` (``moons-1200-loss``)."""
    parts = [slug(scenario)]
    if step is not None:
        parts.append(str(int(step)))
    parts.append(slug(panel))
    return safe_stem("-".join(parts))


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
    """Make sure ``folder`` exists (creating it if asked) and files can be created in it.

    An empty name is refused: ``Path("")`` is the current folder, which nobody who left a
    field blank meant."""
    if isinstance(folder, str) and not folder.strip():
        raise ExportError("no folder given (an empty name)")
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
        if not sep or not (width + height).isascii():  # int("٣") is 3 in Python
            raise ValueError
        size = int(width), int(height)
    except ValueError:
        raise ValueError(f"size {text!r}: expected WIDTHxHEIGHT in pixels, e.g. 1600x1000") \
            from None
    if not all(16 <= side <= 16384 for side in size):
        raise ValueError(f"size {text!r}: each side must be from 16 to 16384 pixels")
    return size
