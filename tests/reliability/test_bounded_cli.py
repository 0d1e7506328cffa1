"""Hostile files through ``nnviz run``, in a subprocess under a memory cap and a time limit.

Each case is a file that once took gigabytes or hung: a 2 MB gzip bomb of an IDX file, a
corpus with no newline over the limit, ``/dev/zero`` and a named pipe as the corpus, IDX
dimensions that overflow 64 bits. The child runs with its address space capped
(``RLIMIT_AS``, :data:`MEMORY_CAP`: the interpreter, NumPy and scikit-learn fit with room
to spare), so a reader that unpacks or reads the whole thing dies with a ``MemoryError``
traceback instead of taking the machine, and a reader that blocks is killed at
:data:`TIME_LIMIT`. Each must instead exit with status 2 and one line naming the file.
"""

from __future__ import annotations

import gzip
import os
import resource
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from nnviz.cli import EXIT_BAD_INPUT
from nnviz.data.idx import write_idx
from nnviz.data.limits import MAX_CORPUS_BYTES, MAX_DATA_FILE_BYTES, MiB, describe_size
from nnviz.data.mnist import MNIST_FILES
from nnviz.scenarios.registry import all_scenarios

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_AS and mkfifo: Linux")

REPO = Path(__file__).resolve().parents[2]
MEMORY_CAP = 1536 * MiB
TIME_LIMIT = 60.0  # seconds; a case that finishes takes about 2


def _cap_memory() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = MEMORY_CAP if hard == resource.RLIM_INFINITY else min(MEMORY_CAP, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def run_capped(*argv: str) -> subprocess.CompletedProcess:
    """``python -m nnviz ARGV`` under the memory cap; a hang fails the test at TIME_LIMIT."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    try:
        return subprocess.run([sys.executable, "-m", "nnviz", *argv], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=TIME_LIMIT,
                              preexec_fn=_cap_memory, check=False)
    except subprocess.TimeoutExpired:
        pytest.fail(f"nnviz {' '.join(argv)} still running after {TIME_LIMIT:.0f} s")


def assert_one_clear_line(result: subprocess.CompletedProcess, *fragments: str) -> str:
    err = result.stderr
    assert "Traceback" not in err and "MemoryError" not in err, err[-3000:]
    assert result.returncode == EXIT_BAD_INPUT, (result.returncode, err[-3000:])
    assert err.count("\n") == 1 and err.startswith("nnviz: error: "), err
    for fragment in fragments:
        assert fragment in err, (fragment, err)
    return err


def test_the_cap_leaves_room_for_a_normal_run():
    result = run_capped("run", "digits", "--steps", "2")
    assert result.returncode == 0, result.stderr[-3000:]


# -- IDX -----------------------------------------------------------------------------------------
def zeros_gzip(total: int, piece: int = 16 * MiB) -> bytes:
    """``total`` zero bytes as concatenated gzip members: one piece compressed once, repeated."""
    member = gzip.compress(bytes(piece), compresslevel=9, mtime=0)
    return member * (total // piece)


def mnist_folder(folder: Path, train_images: bytes) -> Path:
    """A tiny valid MNIST folder whose training images file is replaced by ``train_images``."""
    import numpy as np

    folder.mkdir()
    rng = np.random.default_rng(0)
    write_idx(folder / MNIST_FILES["train_labels"], (np.arange(20) % 10).astype(np.uint8))
    write_idx(folder / MNIST_FILES["test_images"],
              rng.integers(0, 256, (20, 28, 28), dtype=np.uint8))
    write_idx(folder / MNIST_FILES["test_labels"], (np.arange(20) % 10).astype(np.uint8))
    (folder / f"{MNIST_FILES['train_images']}.gz").write_bytes(train_images)
    return folder


def run_mnist(folder: Path) -> subprocess.CompletedProcess:
    return run_capped("run", "digits", "--steps", "2", "--set", "source=mnist_idx",
                      "--set", f"mnist_folder={folder}")


@pytest.mark.parametrize("declared", ["over_the_limit", "valid_then_extra"])
def test_an_idx_gzip_bomb_is_refused_from_its_header(tmp_path, declared):
    """2 MB on disk, 2 GiB unpacked: its header is read and checked, the rest never unpacked."""
    rows = MAX_DATA_FILE_BYTES // (28 * 28) + 1 if declared == "over_the_limit" else 20
    header = gzip.compress(struct.pack(">HBB3I", 0, 8, 3, rows, 28, 28), mtime=0)
    bomb = header + zeros_gzip(2048 * MiB)
    assert len(bomb) < 3 * MiB
    folder = mnist_folder(tmp_path / "mnist", bomb)
    expected = ("more than the limit" if declared == "over_the_limit" else "has extra bytes")
    assert_one_clear_line(run_mnist(folder), MNIST_FILES["train_images"], expected)


def test_idx_dimensions_that_overflow_64_bits_name_the_file(tmp_path):
    header = struct.pack(">HBB3I", 0, 8, 3, 2**31, 2**31, 2)  # 2**63 bytes
    folder = mnist_folder(tmp_path / "mnist", gzip.compress(header, mtime=0))
    err = assert_one_clear_line(run_mnist(folder), MNIST_FILES["train_images"],
                                "declares", "more than the limit")
    assert "-9223372036854775808" not in err and "reshape" not in err


# -- corpora -------------------------------------------------------------------------------------
needs_embeddings = pytest.mark.skipif("embeddings" not in all_scenarios(),
                                      reason="no embeddings scenario in this tree")


def run_corpus(path: Path | str) -> subprocess.CompletedProcess:
    return run_capped("run", "embeddings", "--steps", "2", "--set", f"corpus={path}")


@needs_embeddings
def test_a_corpus_without_newlines_over_the_limit_is_refused_unread(tmp_path):
    path = tmp_path / "one-long-line.txt"
    piece = b"ab cd " * (MiB // 6)
    with open(path, "wb") as stream:
        for _ in range(MAX_CORPUS_BYTES // len(piece) + 2):
            stream.write(piece)
    assert_one_clear_line(run_corpus(path), str(path), "more than the limit of "
                          f"{describe_size(MAX_CORPUS_BYTES)}")


@needs_embeddings
def test_dev_zero_as_the_corpus_is_refused_unread():
    assert_one_clear_line(run_corpus("/dev/zero"), "/dev/zero",
                          "not a regular file (a device)")


@needs_embeddings
def test_a_named_pipe_as_the_corpus_is_refused_not_waited_on(tmp_path):
    pipe = tmp_path / "corpus.fifo"
    os.mkfifo(pipe)
    assert_one_clear_line(run_corpus(pipe), str(pipe), "not a regular file (a named pipe)")


def test_a_preset_that_is_a_named_pipe_is_refused_unopened(tmp_path):
    """Reading a FIFO blocks until a writer comes: a preset path must be a regular file."""
    import os

    pipe = tmp_path / "preset.toml"
    os.mkfifo(pipe)
    done = subprocess.run([sys.executable, "-m", "nnviz", "run", "moons", "--preset", str(pipe)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"nnviz: error: {pipe}: not a regular file (a named pipe); the preset file must be a "
        "file on disk"]
