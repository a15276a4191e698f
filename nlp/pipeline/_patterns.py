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

    __slots__ = ("attr", "words", "regex", "optional")

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

    def test(self, doc: Doc, i: int) -> bool:
        value = getattr(doc[i], self.attr)
        return value in self.words if self.regex is None else self.regex.search(value) is not None


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
        for s, first, limit in zip(cand.tolist(), lowers[cand].tolist(), limits.tolist()):
            for key, rest in self._by_first[first]:
                out += [(key, s, e) for e in _ends(doc, rest, s + 1, limit)]
        return out


def _ends(doc: Doc, tokens: list[_Token], i: int, limit: int) -> list[int]:
    """Where the token specs, matched from position ``i`` on, can end (before ``limit``)."""
    if not tokens:
        return [i]
    head, rest = tokens[0], tokens[1:]
    out = _ends(doc, rest, i, limit) if head.optional else []
    if i < limit and head.test(doc, i):
        out += _ends(doc, rest, i + 1, limit)
    return out
