"""Token patterns with ``REGEX`` values, matched only where their first word occurs.

The few trigger patterns that :mod:`._phrases` cannot expand ("in <year>",
"implanted <month> <year>") need regular expressions on some tokens. spaCy's
``Matcher`` evaluates those predicates at every token of the scanned spans;
here a pattern must open with a literal ``LOWER`` word (or ``IN`` list), a
binary search on the doc's ``LOWER`` array finds where it can start, and the
remaining tokens are checked from there only. Each token spec holds one of
``LOWER``/``ORTH``/``TEXT`` with a string, ``{"IN": [...]}`` or
``{"REGEX": ...}`` value (compared as spaCy does: exact values, ``re.search``)
and an optional ``"OP": "?"``; anything else raises :class:`Unsupported`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from spacy.strings import hash_string
from spacy.tokens import Doc

from ._phrases import Unsupported, in_ranges, member

_ATTRS = {"LOWER": "lower_", "ORTH": "text", "TEXT": "text"}


class _Token:
    """One token spec: a test on the token's text or lowercase form."""

    __slots__ = ("attr", "words", "hashes", "regex", "optional")

    def __init__(self, spec: dict[str, Any]) -> None:
        keys = set(spec) - {"OP"}
        op = spec.get("OP")
        if len(keys) != 1 or op not in (None, "1", "?"):
            raise Unsupported(str(spec))
        attr = keys.pop()
        if attr not in _ATTRS:
            raise Unsupported(str(spec))
        self.attr = _ATTRS[attr]
        self.optional = op == "?"
        value = spec[attr]
        self.words: frozenset[str] | None = None
        self.regex: re.Pattern[str] | None = None
        if isinstance(value, str):
            self.words = frozenset([value])
        elif isinstance(value, dict) and set(value) == {"IN"}:
            self.words = frozenset(str(v) for v in value["IN"])
        elif isinstance(value, dict) and set(value) == {"REGEX"}:
            self.regex = re.compile(value["REGEX"])
        else:
            raise Unsupported(str(spec))
        #: literal lowercase words are compared by hash, on the ``LOWER`` array
        self.hashes = frozenset(map(hash_string, self.words)) \
            if self.words is not None and self.attr == "lower_" else None

    def test(self, tokens: _Tokens, i: int) -> bool:
        if self.hashes is not None:
            return int(tokens.lowers[i]) in self.hashes
        value = tokens.value(self.attr, i)
        return value in self.words if self.regex is None else self.regex.search(value) is not None


class _Tokens:
    """A doc's token texts and lowercase forms, each read once (``doc[i]`` builds a Token)."""

    __slots__ = ("doc", "lowers", "_values")

    def __init__(self, doc: Doc, lowers: np.ndarray) -> None:
        self.doc, self.lowers = doc, lowers
        self._values: dict[tuple[str, int], str] = {}

    def value(self, attr: str, i: int) -> str:
        value = self._values.get((attr, i))
        if value is None:
            value = self._values[attr, i] = getattr(self.doc[i], attr)
        return value


class TokenPatterns:
    """Patterns with regular-expression tokens, keyed like :class:`._phrases.PhraseIndex`."""

    def __init__(self) -> None:
        #: first word's hash -> (key, the other token specs) of the patterns it opens
        self._by_first: dict[int, list[tuple[Any, list[_Token]]]] = {}
        self._first: np.ndarray = np.zeros(0, dtype=np.uint64)
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def add(self, key: Any, pattern: Sequence[dict[str, Any]]) -> None:
        tokens = [_Token(spec) for spec in pattern]
        first = tokens[0] if tokens else None
        if first is None or first.attr != "lower_" or first.words is None or first.optional:
            raise Unsupported("the pattern must open with a literal LOWER word")
        rest = tokens[1:]
        self._size += 1
        for word in first.words:
            self._by_first.setdefault(hash_string(word), []).append((key, rest))
        self._first = np.asarray(sorted(self._by_first), dtype=np.uint64)

    def match_ranges(self, doc: Doc, lowers: np.ndarray,
                     ranges: Iterable[tuple[int, int]]) -> list[tuple[Any, int, int]]:
        """Every (key, start, end) match inside any of the token ranges [a, b)."""
        if not self._by_first:
            return []
        cand, limits = in_ranges(np.nonzero(member(lowers, self._first))[0], ranges)
        out: list[tuple[Any, int, int]] = []
        tokens = _Tokens(doc, lowers)
        for s, first, limit in zip(cand.tolist(), lowers[cand].tolist(), limits.tolist()):
            for key, rest in self._by_first[first]:
                out += [(key, s, e) for e in _ends(tokens, rest, s + 1, limit)]
        return out


def _ends(tokens: _Tokens, specs: list[_Token], i: int, limit: int) -> list[int]:
    """Where the token specs, matched from position ``i`` on, can end (before ``limit``)."""
    if not specs:
        return [i]
    head, rest = specs[0], specs[1:]
    out = _ends(tokens, rest, i, limit) if head.optional else []
    if i < limit and head.test(tokens, i):
        out += _ends(tokens, rest, i + 1, limit)
    return out
