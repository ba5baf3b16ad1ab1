"""SipHash-2-4 (Aumasson and Bernstein, 2012), the keyed hash of each person's identifier,
computed over a whole Arrow column at once with numpy.

SipHash is a pseudorandom function made for short messages under a 128-bit secret key:
without the key nobody can compute a hash, nor test a phone number against a set. It
replaces SHA-256 in DuckDB SQL (counting's scheme ``k1``), which cost ~7 s of CPU for ten
million identifiers of which 2 s were the hex string's round trip; this costs ~2 s on one
core and runs on the platform's query threads. numpy's array operations release the GIL,
so the threads share the cores. Output: 64 bits, a UBIGINT that Parquet and DuckDB group
as an integer. The odds that two of a million people share one are below 3·10^-8, of ten
million below 3·10^-6 (n²/2^65): exact at every threshold of the rules (1,000,000 at most).

The test vector of the paper's appendix is checked in tests/transfer/test_siphash.py.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyarrow as pa

# A chunk of this many messages keeps the four state vectors in the CPU's cache.
CHUNK = 1 << 16
_INIT = (0x736F6D6570736575, 0x646F72616E646F6D, 0x6C7967656E657261, 0x7465646279746573)


def _rotl(x: np.ndarray, bits: int, tmp: np.ndarray) -> None:
    np.left_shift(x, np.uint64(bits), out=tmp)
    np.right_shift(x, np.uint64(64 - bits), out=x)
    np.bitwise_or(x, tmp, out=x)


def _round(v0: np.ndarray, v1: np.ndarray, v2: np.ndarray, v3: np.ndarray, t: np.ndarray) -> None:
    v0 += v1
    _rotl(v1, 13, t)
    v1 ^= v0
    _rotl(v0, 32, t)
    v2 += v3
    _rotl(v3, 16, t)
    v3 ^= v2
    v0 += v3
    _rotl(v3, 21, t)
    v3 ^= v0
    v2 += v1
    _rotl(v1, 17, t)
    v1 ^= v2
    _rotl(v2, 32, t)


def _blocks(data: np.ndarray, length: int) -> np.ndarray:
    """(n, length) bytes → (n, length // 8 + 1) little-endian words, the last one padded
    with zeros and holding the length's low byte at its top, as SipHash pads."""
    words = length // 8 + 1
    padded = np.zeros((data.shape[0], words * 8), np.uint8)
    padded[:, :length] = data
    padded[:, -1] = length & 0xFF
    return padded.view("<u8")


def _hash_blocks(key: bytes, words: np.ndarray) -> np.ndarray:
    k0 = int.from_bytes(key[:8], "little")
    k1 = int.from_bytes(key[8:16], "little")
    n = words.shape[0]
    v0 = np.full(n, k0 ^ _INIT[0], np.uint64)
    v1 = np.full(n, k1 ^ _INIT[1], np.uint64)
    v2 = np.full(n, k0 ^ _INIT[2], np.uint64)
    v3 = np.full(n, k1 ^ _INIT[3], np.uint64)
    t = np.empty(n, np.uint64)
    with np.errstate(over="ignore"):
        for j in range(words.shape[1]):
            m = np.ascontiguousarray(words[:, j])
            v3 ^= m
            _round(v0, v1, v2, v3, t)
            _round(v0, v1, v2, v3, t)
            v0 ^= m
        v2 ^= np.uint64(0xFF)
        for _ in range(4):
            _round(v0, v1, v2, v3, t)
    v0 ^= v1
    v0 ^= v2
    v0 ^= v3
    return v0


def hash_bytes(key: bytes, messages: list[bytes]) -> np.ndarray:
    """SipHash-2-4 of each message (any lengths), for tests and small inputs."""
    return hash_array(key, pa.array(messages, pa.binary()))


def hash_array(key: bytes, values: pa.Array | pa.ChunkedArray, threads: int = 1) -> np.ndarray:
    """SipHash-2-4 under the 16-byte ``key`` of each value of a string or binary column
    without nulls, as uint64, in the column's order."""
    if len(key) != 16:
        raise ValueError("SipHash takes a 16-byte key")
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks else pa.array([], pa.binary())
    if values.null_count:
        raise ValueError("a column to hash has nulls")
    array = values.cast(pa.large_binary())
    n = len(array)
    out = np.empty(n, np.uint64)
    if n == 0:
        return out
    buffers = array.buffers()
    offsets = np.frombuffer(buffers[1], np.int64, count=n + 1, offset=array.offset * 8)
    data = np.frombuffer(buffers[2], np.uint8) if buffers[2] is not None else np.zeros(0, np.uint8)
    lengths = np.diff(offsets)

    def chunk(start: int) -> None:
        stop = min(start + CHUNK, n)
        part = lengths[start:stop]
        first = int(part[0])
        if (part == first).all():
            # One length (phones, resident IDs): the bytes are one (rows, length) block.
            rows = data[offsets[start] : offsets[stop]].reshape(stop - start, first)
            out[start:stop] = _hash_blocks(key, _blocks(rows, first))
            return
        for length in np.unique(part):
            where = np.flatnonzero(part == length)
            at = offsets[start:stop][where]
            rows = data[at[:, None] + np.arange(int(length))]
            out[start + where] = _hash_blocks(key, _blocks(rows, int(length)))

    starts = range(0, n, CHUNK)
    if threads > 1 and n > CHUNK:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(chunk, starts))
    else:
        for start in starts:
            chunk(start)
    return out
