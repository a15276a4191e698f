"""A fast literal matcher for token patterns made of ``LOWER``/``ORTH`` values.

spaCy's ``Matcher`` evaluates every pattern at every token and its ``REGEX``/``IN``
predicates call back into Python, which is far too slow for whole-note
scanning at tokenizer speed. Patterns that use only exact values, ``IN`` lists
and ``"OP": "?"`` are expanded here into lowercase phrase tuples indexed by
their first word; ``numpy.isin`` on the doc's ``LOWER`` array finds the few
candidate positions, and only those are compared in Python. Patterns with
other operators (``REGEX``, ``FUZZY``, ``*``) are reported as unsupported, and
the components hand them to a spaCy ``Matcher`` run on short spans only.
"""

from __future__ import annotations

from itertools import product
from typing import Any, Iterable, Sequence

import numpy as np
from spacy.attrs import LOWER
from spacy.strings import hash_string
from spacy.tokens import Doc

_MAX_EXPANSIONS = 5000


def member(values: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """Boolean mask ``values in sorted_keys`` (binary search; faster than ``np.isin``)."""
    if not len(sorted_keys) or not len(values):
        return np.zeros(len(values), dtype=bool)
    idx = np.searchsorted(sorted_keys, values)
    idx[idx == len(sorted_keys)] = 0
    return sorted_keys[idx] == values


def newline_counts(doc: Doc, orths: np.ndarray, space: np.ndarray) -> np.ndarray:
    """Number of line breaks in each token (only whitespace tokens hold any)."""
    counts = np.zeros(len(orths), dtype=np.int64)
    idx = np.nonzero(space)[0]
    if not len(idx):
        return counts
    strings = doc.vocab.strings
    for h in np.unique(orths[idx]).tolist():
        c = strings[h].count("\n")
        if c:
            counts[idx[orths[idx] == h]] = c
    return counts


class Unsupported(ValueError):
    """The token pattern needs spaCy's Matcher."""


def expand(pattern: Sequence[dict[str, Any]]) -> list[tuple[str, ...]]:
    """All lowercase word sequences a simple token pattern matches."""
    choices: list[list[str | None]] = []
    for tok in pattern:
        keys = set(tok) - {"OP"}
        if len(keys) != 1:
            raise Unsupported(str(tok))
        attr = keys.pop()
        if attr not in {"LOWER", "ORTH", "TEXT", "NORM"}:
            raise Unsupported(str(tok))
        value = tok[attr]
        if isinstance(value, str):
            words = [value.lower()]
        elif isinstance(value, dict) and set(value) == {"IN"}:
            words = [str(v).lower() for v in value["IN"]]
        else:
            raise Unsupported(str(tok))
        op = tok.get("OP")
        if op is None or op == "1":
            choices.append(list(words))
        elif op == "?":
            choices.append(list(words) + [None])
        else:
            raise Unsupported(str(tok))
    out = []
    for combo in product(*choices):
        seq = tuple(w for w in combo if w is not None)
        if seq:
            out.append(seq)
        if len(out) > _MAX_EXPANSIONS:
            raise Unsupported("pattern expands to too many phrases")
    return out


class PhraseIndex:
    """Literal multi-word lookup keyed by first word (lowercase)."""

    def __init__(self) -> None:
        self._by_first: dict[int, list[tuple[tuple[int, ...], Any]]] = {}
        self._first: np.ndarray = np.zeros(0, dtype=np.uint64)

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_first.values())

    def add(self, key: Any, phrases: Iterable[Sequence[str]]) -> None:
        for words in phrases:
            hashes = tuple(hash_string(w) for w in words)
            self._by_first.setdefault(hashes[0], []).append((hashes, key))
        for entries in self._by_first.values():
            entries.sort(key=lambda x: -len(x[0]))
        self._first = np.asarray(sorted(self._by_first), dtype=np.uint64)

    def candidates(self, lowers: np.ndarray) -> np.ndarray:
        """Token positions whose word starts some phrase."""
        if not len(self._first) or not len(lowers):
            return np.zeros(0, dtype=np.int64)
        return np.nonzero(member(lowers, self._first))[0]

    def match_ranges(self, doc: Doc, lowers: np.ndarray,
                     ranges: Iterable[tuple[int, int]]) -> list[tuple[Any, int, int]]:
        """Matches starting and ending inside any of the token ranges [a, b)."""
        cand = self.candidates(lowers)
        if not len(cand):
            return []
        seq = lowers.tolist()
        out = []
        for a, b in ranges:
            lo, hi = np.searchsorted(cand, a), np.searchsorted(cand, b)
            for i in cand[lo:hi].tolist():
                for hashes, key in self._by_first[seq[i]]:
                    k = len(hashes)
                    if i + k <= b and tuple(seq[i:i + k]) == hashes:
                        out.append((key, i, i + k))
        return out

    def match(self, doc: Doc, lowers: np.ndarray | None = None,
              start: int = 0, end: int | None = None) -> list[tuple[Any, int, int]]:
        """Every (key, start, end) match within ``doc[start:end]`` (all lengths)."""
        if lowers is None:
            lowers = doc.to_array(LOWER)
        end = len(doc) if end is None else end
        window = lowers[start:end]
        cand = self.candidates(window)
        if not len(cand):
            return []
        seq = window.tolist()
        out = []
        n = len(seq)
        for i in cand.tolist():
            for hashes, key in self._by_first[seq[i]]:
                k = len(hashes)
                if i + k <= n and tuple(seq[i:i + k]) == hashes:
                    out.append((key, start + i, start + i + k))
        return out
