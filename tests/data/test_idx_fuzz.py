"""Random and mutated IDX files: an array, or the reader's own one-line error; nothing else."""

from __future__ import annotations

import gzip
import struct

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnviz.data.idx import IDXError, read_idx, write_idx
from nnviz.data.limits import FileLimitError

TYPE_CODES = [0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E, 0x00, 0xFF]


def check(path):
    try:
        array = read_idx(path)
    except (IDXError, FileLimitError) as error:
        message = str(error)
        assert str(path) in message and "\n" not in message and len(message) < 400, message
    else:
        assert isinstance(array, np.ndarray)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(type_code=st.sampled_from(TYPE_CODES), dims=st.lists(st.integers(0, 2**32 - 1),
                                                             max_size=5),
       declared_dims=st.integers(0, 255), payload=st.binary(max_size=256),
       compress=st.booleans(), zero_magic=st.booleans())
def test_random_headers(tmp_path, type_code, dims, declared_dims, payload, compress,
                        zero_magic):
    header = bytes([0, 0 if zero_magic else 1, type_code, declared_dims])
    header += b"".join(struct.pack(">I", d) for d in dims)
    data = header + payload
    path = tmp_path / ("random.idx.gz" if compress else "random.idx")
    path.write_bytes(gzip.compress(data) if compress else data)
    check(path)


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1,
                        max_size=5), cut=st.one_of(st.none(), st.integers(0, 10**6)),
       compress=st.booleans())
def test_mutated_real_files(tmp_path, changes, cut, compress):
    path = tmp_path / ("real.idx.gz" if compress else "real.idx")
    write_idx(path, np.arange(3 * 5 * 4, dtype=np.uint8).reshape(3, 5, 4), compress=compress)
    data = bytearray(path.read_bytes())
    for position, value in changes:
        data[position % len(data)] = value
    if cut is not None:
        data = data[: cut % (len(data) + 1)]
    path.write_bytes(bytes(data))
    check(path)
