"""Hostile and broken files meet the limits of nnviz.data.limits, in the test process.

Only cases that cannot hang or exhaust the test runner on a reader without limits are here;
``/dev/zero``, named pipes and gzip bombs run in a memory-capped subprocess in
``tests/reliability/test_bounded_cli.py``.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import re
import signal
import struct
import warnings
import zlib
from pathlib import Path

import numpy as np
import pytest

from nnviz.data import corpus as corpus_module
from nnviz.data import limits
from nnviz.data import mnist as mnist_module
from nnviz.data.corpus import (
    CorpusError,
    corpus_from_sentences,
    load_analogies,
    load_corpus,
    tokenize,
)
from nnviz.data.idx import IDXError, read_idx, write_idx
from nnviz.data.limits import (
    MAX_DATA_FILE_BYTES,
    MAX_IMAGE_PIXELS,
    MAX_TEXT_FILE_BYTES,
    FileLimitError,
    check_file,
    describe_size,
    read_bounded,
)

README = Path(__file__).resolve().parents[2] / "README.md"


@contextlib.contextmanager
def fails_if_blocked(seconds: float = 5.0):
    """Fail the test (instead of hanging it) when the block is still running after ``seconds``:
    SIGALRM interrupts a blocking ``open`` of a named pipe with no writer.
    """
    def give_up(signum, frame):
        pytest.fail(f"still blocked after {seconds} s (waiting on a named pipe?)")

    previous = signal.signal(signal.SIGALRM, give_up)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def zeros_gzip(total: int, piece: int = 16 * limits.MiB) -> bytes:
    """``total`` zero bytes as concatenated gzip members: one piece compressed once, repeated."""
    member = gzip.compress(bytes(piece), compresslevel=9, mtime=0)
    whole, rest = divmod(total, piece)
    return member * whole + (gzip.compress(bytes(rest), mtime=0) if rest else b"")


# -- the limits themselves ---------------------------------------------------------------------
def test_every_limit_is_in_the_readme_with_its_value():
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Limits"):]
    for name in ("MAX_DATA_FILE_BYTES", "MAX_CORPUS_BYTES", "MAX_TEXT_FILE_BYTES",
                 "MAX_IMAGE_BYTES", "MAX_IMAGE_PIXELS", "MAX_RUN_FILE_BYTES"):
        assert name in section, name
        value = getattr(limits, name)
        shown = f"{value:,}" if name == "MAX_IMAGE_PIXELS" else describe_size(value)
        assert shown in section, (name, shown)


def test_sizes_are_said_in_the_units_of_the_limits():
    assert describe_size(256 * limits.MiB) == "256 MiB"
    assert describe_size(185_000_000) == "176.4 MiB"
    assert describe_size(2**30) == "1 GiB"
    assert describe_size(512) == "512 bytes"
    assert describe_size(2**64) == "1.84e+19 bytes"


@pytest.mark.parametrize("kind", ["fifo", "folder", "device", "too_large"])
def test_check_file_refuses_what_is_not_a_small_regular_file(tmp_path, kind):
    if kind == "fifo":
        path = tmp_path / "pipe"
        os.mkfifo(path)
        expected = "not a regular file (a named pipe)"
    elif kind == "folder":
        path, expected = tmp_path, "not a regular file (a folder)"
    elif kind == "device":
        path, expected = Path("/dev/null"), "not a regular file (a device)"
    else:
        path = tmp_path / "big"
        with open(path, "wb") as sparse:
            sparse.truncate(1001)
        expected = "big: file is 1,001 bytes, more than the limit of 1,000 bytes"
    with pytest.raises(FileLimitError) as caught:
        check_file(path, 1000)
    message = str(caught.value)
    assert message.startswith(f"{path}: ") and expected in message and "\n" not in message


def test_read_bounded_reads_a_small_file_and_refuses_a_pipe(tmp_path):
    path = tmp_path / "small.txt"
    path.write_bytes(b"x" * 5000)
    assert read_bounded(path, 10_000) == b"x" * 5000
    os.mkfifo(tmp_path / "pipe")
    with fails_if_blocked(), pytest.raises(FileLimitError, match="named pipe"):
        read_bounded(tmp_path / "pipe", 10_000)


# -- IDX -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [
    (65536, 65536, 65536, 65536),  # 2**64: wraps to 0 in int64 ("cannot reshape … size 0")
    (2**31, 2**31, 2),  # 2**63: wraps negative ("needs -9223372036854775808 data bytes")
    (4294967295, 4294967295, 4294967295),
])
def test_idx_dimensions_that_overflow_are_one_line_naming_the_file(tmp_path, shape):
    path = tmp_path / "train-images-idx3-ubyte"
    path.write_bytes(struct.pack(f">HBB{len(shape)}I", 0, 8, len(shape), *shape))
    with pytest.raises(IDXError) as caught:
        read_idx(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: IDX header (shape {shape} of uint8) declares ")
    assert f"more than the limit of {describe_size(MAX_DATA_FILE_BYTES)}" in message
    assert "-9223372036854775808" not in message and "reshape" not in message
    assert "\n" not in message


def test_idx_header_over_the_limit_is_refused_before_the_data(tmp_path):
    """A header declaring more than the limit is refused even when the data are not there."""
    rows = MAX_DATA_FILE_BYTES // (28 * 28) + 1
    path = tmp_path / "images.gz"
    path.write_bytes(gzip.compress(struct.pack(">HBB3I", 0, 8, 3, rows, 28, 28)))
    with pytest.raises(IDXError, match=rf"images\.gz: IDX header \(shape \({rows}, 28, 28\) "
                                       r"of uint8\) declares 256\.0 MiB, more than the limit"):
        read_idx(path)


def test_gzip_idx_with_a_long_tail_is_refused_after_reading_a_bounded_part(tmp_path):
    """Decompressed lazily: a valid header followed by 256 MiB of zeros is 'extra bytes'."""
    path = tmp_path / "labels.gz"
    header = gzip.compress(struct.pack(">HBBI", 0, 8, 1, 3) + bytes([1, 2, 3]), mtime=0)
    path.write_bytes(header + zeros_gzip(256 * limits.MiB))
    assert path.stat().st_size < 2 * limits.MiB
    with pytest.raises(IDXError, match=r"has extra bytes: shape \(3,\) of uint8 needs 3 data "
                                       r"bytes after the header, found more than"):
        read_idx(path)


def test_idx_still_reads_big_endian_values_and_gzip(tmp_path):
    array = np.arange(-6, 6, dtype=np.int16).reshape(3, 4)
    for name in ("a.idx", "a.idx.gz"):
        back = read_idx(write_idx(tmp_path / name, array))
        assert back.dtype == np.dtype("int16") and back.flags.writeable
        np.testing.assert_array_equal(back, array)


def test_a_gzip_idx_file_that_is_not_gzip_inside_is_one_line(tmp_path):
    path = tmp_path / "broken.gz"
    path.write_bytes(b"\x1f\x8b" + bytes(30))
    with pytest.raises(IDXError, match=r"broken\.gz: damaged or truncated gzip data"):
        read_idx(path)


def test_an_idx_pipe_is_refused_unopened(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    with fails_if_blocked(), pytest.raises(IDXError, match=r"pipe: not a regular file"):
        read_idx(tmp_path / "pipe")


def test_digits_csv_with_too_many_rows(tmp_path, monkeypatch):
    path = tmp_path / "digits.csv"
    np.savetxt(path, np.zeros((5, 785), dtype=np.uint8), fmt="%d", delimiter=",")
    monkeypatch.setattr(mnist_module, "MAX_CSV_ROWS", 3)
    mnist_module._read_mnist_csv.cache_clear()
    with pytest.raises(FileLimitError, match=r"digits\.csv: digits CSV has more than 3 rows"):
        mnist_module.load_mnist_5k(path=path)
    mnist_module._read_mnist_csv.cache_clear()


# -- text ------------------------------------------------------------------------------------------
def test_a_corpus_is_the_same_read_in_tiny_chunks(tmp_path, monkeypatch):
    """Chunk edges inside a UTF-8 character, inside \\r\\n, inside a word change nothing."""
    rng = np.random.default_rng(3)
    words = ["paris", "été", "don't", "naïve", "北京", "l'eau", "cat", "x", "ß"]
    breaks = ["\n", "\r\n", "\r", "\n\n", " ", " ", " , ", "\u2028"]
    text = "\ufeff" + "".join(f"{rng.choice(words)}{rng.choice(breaks)}" for _ in range(400))
    path = tmp_path / "mixed.txt"
    path.write_text(text, encoding="utf-8", newline="")
    monkeypatch.setattr(limits, "CHUNK_BYTES", 7)
    corpus = load_corpus(str(path), min_count=2)
    sentences = [t for t in map(tokenize, text.removeprefix("\ufeff").splitlines()) if t]
    reference = corpus_from_sentences(sentences, 2, name=str(path))
    assert corpus.vocabulary.words == reference.vocabulary.words
    assert corpus.vocabulary.counts.tolist() == reference.vocabulary.counts.tolist()
    assert corpus.token_ids.tolist() == reference.token_ids.tolist()
    assert corpus.sentence_ids.tolist() == reference.sentence_ids.tolist()
    assert corpus.raw_token_count == reference.raw_token_count
    assert corpus.token_ids.dtype == np.int32 and corpus.sentence_ids.dtype == np.int32


def test_not_utf8_names_byte_and_line_across_chunks(tmp_path, monkeypatch):
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"abc\n" * 5 + "caf\xe9".encode("latin-1") + b" au lait\n")
    monkeypatch.setattr(limits, "CHUNK_BYTES", 3)
    with pytest.raises(CorpusError, match=r"not UTF-8 text: .*latin1\.txt \(byte 23, line 6\)"):
        load_corpus(str(path))
    path.write_bytes(b"ok\n" + "é".encode()[:1])  # cut inside the last character
    with pytest.raises(CorpusError, match=r"\(byte 3, line 2\)"):
        load_corpus(str(path))


def test_a_line_longer_than_the_cut_is_split_at_spaces(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus_module, "MAX_LINE_CHARS", 50)
    monkeypatch.setattr(limits, "CHUNK_BYTES", 16)
    words = [f"w{i % 37}" for i in range(400)]
    path = tmp_path / "one-line.txt"
    path.write_text(" ".join(words), encoding="utf-8")
    corpus = load_corpus(str(path))
    back = [corpus.vocabulary.words[i] for i in corpus.token_ids]
    assert back == words  # no word is cut in two
    words_per_sentence = np.bincount(corpus.sentence_ids)
    assert corpus.sentences >= len(" ".join(words)) // 50
    assert words_per_sentence.max() <= 50 // 3 + 1  # "wNN " is 3 or 4 characters


def test_a_corpus_over_the_limit_is_refused_unread(tmp_path, monkeypatch):
    path = tmp_path / "no-newline.txt"
    path.write_bytes(b"ab " * 400)
    monkeypatch.setattr(corpus_module, "MAX_CORPUS_BYTES", 1000)
    with pytest.raises(CorpusError, match=rf"{re.escape(str(path))}: corpus file is 1,200 bytes, "
                                          r"more than the limit of 1,000 bytes"):
        load_corpus(str(path))


def test_analogies_over_the_text_limit_are_refused_unread(tmp_path):
    path = tmp_path / "questions.txt"
    with open(path, "wb") as sparse:
        sparse.truncate(MAX_TEXT_FILE_BYTES + 1)
    with pytest.raises(CorpusError, match=r"questions\.txt: analogy file is 16\.0 MiB, more than "
                                          r"the limit of 16 MiB"):
        load_analogies(path)


def test_a_corpus_pipe_or_device_is_refused_unopened(tmp_path):
    os.mkfifo(tmp_path / "pipe")
    with fails_if_blocked(), pytest.raises(CorpusError, match=r"pipe: not a regular file"):
        load_corpus(str(tmp_path / "pipe"))
    with pytest.raises(CorpusError, match=r"/dev/null: not a regular file \(a device\)"):
        load_analogies("/dev/null")


# -- images ----------------------------------------------------------------------------------------
Image = pytest.importorskip("PIL.Image")


def image_folder(root: Path) -> Path:
    for name in ("hotdog", "not_hotdog"):
        (root / name).mkdir(parents=True)
        for i in range(2):
            Image.new("RGB", (20, 16), (40 * i, 90, 200)).save(root / name / f"{i}.png")
    return root


def test_huge_empty_and_broken_images_are_counted_by_reason_without_warnings(tmp_path):
    from nnviz.data.images import scan_image_folder

    root = image_folder(tmp_path / "photos")
    Image.new("1", (12000, 12000)).save(root / "hotdog" / "huge.png")  # 17 kB on disk
    (root / "hotdog" / "empty.jpg").write_bytes(b"")
    (root / "not_hotdog" / "notes.jpg").write_text("not an image")
    os.mkfifo(root / "not_hotdog" / "pipe.png")
    with fails_if_blocked(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        folder = scan_image_folder(root)
    assert not [w for w in caught if "DecompressionBomb" in w.category.__name__], caught
    assert folder.counts() == {"hotdog": 2, "not_hotdog": 2}
    reasons = {path.name: why for path, why in folder.skipped}
    assert reasons["huge.png"] == f"more than {MAX_IMAGE_PIXELS:,} pixels (144,000,000 pixels)"
    assert reasons["empty.jpg"] == "empty file"
    assert reasons["notes.jpg"].startswith("not a readable image: ")
    assert reasons["pipe.png"] == "not a regular file (a named pipe)"
    message = folder.skipped_message()
    assert message.startswith("skipped 4 unreadable image(s): ")
    in_all = message.partition("; in all: ")[2]
    assert sorted(in_all.split(", ")) == sorted([
        "1 empty file", "1 not a readable image", "1 not a regular file",
        f"1 more than {MAX_IMAGE_PIXELS:,} pixels"]), message
    assert "\n" not in message


def test_an_image_over_the_pixel_limit_is_refused_from_its_header(tmp_path, monkeypatch):
    from nnviz.data import images
    from nnviz.data.images import ImageReadError, open_rgb, scan_image_folder

    root = image_folder(tmp_path / "photos")
    Image.new("RGB", (300, 200)).save(root / "hotdog" / "wide.png")
    monkeypatch.setattr(images, "MAX_IMAGE_PIXELS", 50_000)
    folder = scan_image_folder(root)
    assert dict((p.name, why) for p, why in folder.skipped) == {
        "wide.png": "more than 50,000 pixels (300 × 200)"}
    with pytest.raises(ImageReadError, match=r"wide\.png: more than 50,000 pixels \(300 × 200\)"):
        open_rgb(root / "hotdog" / "wide.png")


def test_open_rgb_of_a_decompression_bomb_is_one_error_not_warnings(tmp_path):
    from nnviz.data.images import ImageReadError, open_rgb

    path = tmp_path / "huge.png"
    Image.new("1", (12000, 12000)).save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ImageReadError, match=r"huge\.png: more than 67,108,864 pixels"):
            open_rgb(path)


def test_an_image_file_over_the_byte_limit_is_skipped_unread(tmp_path, monkeypatch):
    from nnviz.data import images
    from nnviz.data.images import scan_image_folder

    root = image_folder(tmp_path / "photos")
    big = root / "not_hotdog" / "big.png"
    big.write_bytes(zlib.compress(b"x") * 100)
    monkeypatch.setattr(images, "MAX_IMAGE_BYTES", 500)
    folder = scan_image_folder(root)
    assert [(p.name, why) for p, why in folder.skipped] == [
        ("big.png", "larger than 500 bytes (900 bytes)")]
