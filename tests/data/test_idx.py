"""The IDX reader: round trips of every type, gzip or not, and clear errors on bad files."""

from __future__ import annotations

import gzip
import struct

import numpy as np
import pytest

from nnviz.data.idx import IDX_TYPES, IDXError, read_idx, write_idx


@pytest.mark.parametrize("dtype", [t.newbyteorder("=") for t in IDX_TYPES.values()])
@pytest.mark.parametrize("name", ["values.idx", "values.idx.gz"])
def test_round_trip_every_type(tmp_path, dtype, name):
    array = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    if dtype.kind == "u":
        array = np.abs(array)
    path = write_idx(tmp_path / name, array)
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == name.endswith(".gz")
    back = read_idx(path)
    assert back.dtype == dtype and back.shape == (2, 3, 4)
    np.testing.assert_array_equal(back, array)


def test_reads_the_published_layout_byte_for_byte(tmp_path):
    """MNIST's label file starts 00 00 08 01, then the count big-endian, then the bytes."""
    raw = bytes([0, 0, 8, 1]) + struct.pack(">I", 3) + bytes([7, 2, 1])
    (tmp_path / "labels").write_bytes(raw)
    np.testing.assert_array_equal(read_idx(tmp_path / "labels"), [7, 2, 1])
    big = bytes([0, 0, 0x0B, 1]) + struct.pack(">I", 2) + struct.pack(">hh", -2, 300)
    (tmp_path / "shorts").write_bytes(big)
    np.testing.assert_array_equal(read_idx(tmp_path / "shorts"), [-2, 300])


def test_gzip_is_detected_by_content_not_name(tmp_path):
    path = tmp_path / "no-suffix"
    path.write_bytes(gzip.compress(bytes([0, 0, 8, 1, 0, 0, 0, 2, 5, 6])))
    np.testing.assert_array_equal(read_idx(path), [5, 6])


def test_wrong_magic_number_names_file_and_expectation(tmp_path):
    path = tmp_path / "not-idx.bin"
    path.write_bytes(b"PK\x03\x04" + bytes(20))
    with pytest.raises(IDXError, match=r"not-idx\.bin: bad magic number 0x504b0304.*00 00"):
        read_idx(path)
    path.write_bytes(bytes([0, 0, 0x07, 1, 0, 0, 0, 1, 9]))
    with pytest.raises(IDXError, match="bad magic number 0x00000701"):
        read_idx(path)


def test_truncated_data_and_extra_bytes(tmp_path):
    path = write_idx(tmp_path / "images", np.zeros((4, 5, 5), dtype=np.uint8))
    raw = path.read_bytes()
    path.write_bytes(raw[:-7])
    with pytest.raises(IDXError, match=r"images: truncated: shape \(4, 5, 5\) of uint8 needs "
                                       r"100 data bytes after the header, found 93"):
        read_idx(path)
    path.write_bytes(raw + b"\0")
    with pytest.raises(IDXError, match="has extra bytes"):
        read_idx(path)
    path.write_bytes(raw[:9])
    with pytest.raises(IDXError, match="truncated header: 3 dimensions need 16 bytes"):
        read_idx(path)
    path.write_bytes(b"\0\0")
    with pytest.raises(IDXError, match="too short"):
        read_idx(path)


def test_truncated_gzip_is_a_clear_error(tmp_path):
    path = write_idx(tmp_path / "images.gz", np.arange(600, dtype=np.uint8).reshape(6, 10, 10)
                     % 251)
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(IDXError, match=r"images\.gz: damaged or truncated gzip data"):
        read_idx(path)


def test_expected_dimensions_and_type(tmp_path):
    path = write_idx(tmp_path / "labels", np.arange(5, dtype=np.uint8))
    with pytest.raises(IDXError, match=r"has 1 dimensions \(5,\); expected 3"):
        read_idx(path, ndim=3)
    path = write_idx(tmp_path / "floats", np.ones((2, 2), dtype=np.float32))
    with pytest.raises(IDXError, match="holds float32 values; expected uint8"):
        read_idx(path, dtype="uint8")
    assert read_idx(path, ndim=2, dtype="float32").shape == (2, 2)


def test_zero_dimensions_rejected(tmp_path):
    path = tmp_path / "empty"
    path.write_bytes(bytes([0, 0, 8, 0]))
    with pytest.raises(IDXError, match="0 dimensions"):
        read_idx(path)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"nothing-here: IDX file not found"):
        read_idx(tmp_path / "nothing-here")
    with pytest.raises(IDXError, match="is a folder"):
        read_idx(tmp_path)


def test_write_rejects_what_idx_cannot_hold(tmp_path):
    with pytest.raises(ValueError, match="IDX cannot store int64"):
        write_idx(tmp_path / "x", np.arange(3, dtype=np.int64))
