"""Word segmentation shared by indexing and querying, so both sides cut text the same way.

Chinese has no spaces: jieba cuts it into words (search mode also emits the shorter words
inside long ones, so 交通流量 is found by 交通). English words are lower-cased and
stemmed (Snowball), so "observation" finds "observations". The result is a string of
space-separated tokens that both SQLite FTS5 and PostgreSQL's 'simple' text search
configuration index without further analysis.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable
from functools import lru_cache

import snowballstemmer

_lock = threading.Lock()
_jieba = None
_WORD = re.compile(r"[0-9a-z]+|[\u3400-\u9fff\uf900-\ufaff]+", re.IGNORECASE)
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "in",
        "is",
        "of",
        "on",
        "or",
        "the",
        "to",
        "with",
        "的",
        "和",
        "与",
        "及",
        "或",
        "等",
        "了",
        "在",
    ]
)


def _tokenizer():
    """jieba's dictionary takes over a second to load: once per process, on first use."""
    global _jieba
    if _jieba is None:
        with _lock:
            if _jieba is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                jieba.initialize()
                _jieba = jieba
    return _jieba


@lru_cache(maxsize=1)
def _stemmer():
    return snowballstemmer.stemmer("english")


def tokens(text: str) -> list[str]:
    """Index and query tokens of ``text``: CJK words and sub-words, stemmed English words."""
    out: list[str] = []
    for run in _WORD.findall(text or ""):
        if _CJK.match(run):
            for word in _tokenizer().cut_for_search(run):
                if word not in _STOP:
                    out.append(word)
        else:
            word = run.lower()
            if word not in _STOP:
                out.append(_stemmer().stemWord(word))
    return out


def index_text(parts: Iterable[str]) -> str:
    return " ".join(tok for part in parts for tok in tokens(part))


def query_terms(query: str) -> list[str]:
    """Distinct terms of a user's query, in order; every one must match."""
    seen: dict[str, None] = {}
    for run in _WORD.findall(query or ""):
        if _CJK.match(run):
            # A query word that jieba keeps whole (交通流量) must match the same whole word
            # in the index, which cut_for_search also emitted; its parts add nothing.
            for word in _tokenizer().cut(run):
                if word not in _STOP:
                    seen.setdefault(word, None)
        else:
            word = run.lower()
            if word not in _STOP:
                seen.setdefault(_stemmer().stemWord(word), None)
    return list(seen)
