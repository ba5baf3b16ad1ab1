"""A Merkle tree over one batch of chained entries, and proofs of inclusion in it.

The tree is RFC 6962's (Certificate Transparency): a leaf is SHA-256(0x00 ‖ entry hash),
an inner node SHA-256(0x01 ‖ left ‖ right), and a tree of n leaves splits at the largest
power of two below n. The two prefixes keep a leaf from passing for an inner node, so a
proof cannot be made for something that was never a leaf. A proof of inclusion is the
audit path of RFC 6962 §2.1.1: log2(n) hashes, checked without the other entries.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


def leaf(entry_hash: str) -> bytes:
    return hashlib.sha256(b"\x00" + bytes.fromhex(entry_hash)).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n ≥ 2)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def _root(leaves: Sequence[bytes]) -> bytes:
    # Level by level, carrying an odd last node up unchanged: the same tree as RFC 6962's
    # recursive split, without recursion depth over a large batch.
    level = list(leaves)
    while len(level) > 1:
        paired = [_node(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    return level[0]


def root(entry_hashes: Sequence[str]) -> str:
    """The tree head of a non-empty batch, as hex."""
    if not entry_hashes:
        raise ValueError("a Merkle tree needs at least one leaf")
    return _root([leaf(h) for h in entry_hashes]).hex()


def proof(entry_hashes: Sequence[str], index: int) -> list[str]:
    """The audit path of leaf ``index``: the sibling hashes from the leaf up to the root."""
    if not 0 <= index < len(entry_hashes):
        raise IndexError(index)
    return [h.hex() for h in _path(index, [leaf(h) for h in entry_hashes])]


def _path(index: int, leaves: list[bytes]) -> list[bytes]:
    if len(leaves) == 1:
        return []
    k = _split(len(leaves))
    if index < k:
        return [*_path(index, leaves[:k]), _root(leaves[k:])]
    return [*_path(index - k, leaves[k:]), _root(leaves[:k])]


def verify(entry_hash: str, index: int, size: int, path: Sequence[str], tree_root: str) -> bool:
    """Whether ``path`` proves that ``entry_hash`` is leaf ``index`` of the ``size``-leaf
    tree with root ``tree_root`` (RFC 9162 §2.1.3.2)."""
    if not 0 <= index < size:
        return False
    node, fn, sn = leaf(entry_hash), index, size - 1
    for sibling_hex in path:
        sibling = bytes.fromhex(sibling_hex)
        if sn == 0:
            return False
        if fn % 2 == 1 or fn == sn:
            node = _node(sibling, node)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            node = _node(node, sibling)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and node.hex() == tree_root
