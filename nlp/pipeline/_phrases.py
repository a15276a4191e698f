"""A fast literal matcher for token patterns made of ``LOWER``/``ORTH`` values.

spaCy's ``Matcher`` evaluates every pattern at every token and its ``REGEX``/``IN``
predicates call back into Python, which is far too slow for whole-note
scanning at tokenizer speed. Patterns that use only exact values, ``IN`` lists
and ``"OP": "?"`` are expanded here into lowercase phrase tuples indexed by
their first word; ``numpy.isin`` on the doc's ``LOWER`` array finds the few
candidate positions, and only those are compared in Python. Patterns with
other operators (``REGEX``, ``FUZZY``, ``*``) are reported as unsupported, and
the components hand them to :mod:`._patterns` (``REGEX`` after a literal first
word) or to a spaCy ``Matcher`` run on short spans only.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import product
from typing import Any

import numpy as np
from spacy.attrs import IS_SPACE, LOWER
from spacy.strings import hash_string
from spacy.tokens import Doc

_MAX_EXPANSIONS = 5000


_CACHE_KEY = "_ccm_token_arrays"


def token_arrays(doc: Doc) -> dict[str, np.ndarray]:
    """``LOWER`` hashes, whitespace mask and line-break counts, computed once per doc.

    The CCM components share them through ``doc.user_data`` (tokenisation never
    changes inside the pipeline); :func:`drop_token_arrays` removes the cache at
    the end so saved or pickled docs do not carry it.
    """
    cached = doc.user_data.get(_CACHE_KEY)
    if cached is not None and len(cached["lower"]) == len(doc):
        return cached
    arr = doc.to_array([LOWER, IS_SPACE])
    space = arr[:, 1].astype(bool)
    out = {"lower": arr[:, 0].copy(), "space": space}
    out["newlines"] = newline_counts(doc, out["lower"], space)
    doc.user_data[_CACHE_KEY] = out
    return out


def drop_token_arrays(doc: Doc) -> None:
    doc.user_data.pop(_CACHE_KEY, None)


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


class WordClasses:
    """Several word sets looked up with one binary search per doc.

    ``classify(lowers)`` gives each token a bit mask; ``codes & classes.bit(name)``
    is then the membership mask of one set.
    """

    def __init__(self, sets: dict[str, Iterable[str]]) -> None:
        self.names = list(sets)
        if len(self.names) > 62:
            raise ValueError("at most 62 word classes")
        codes: dict[int, int] = {}
        for k, name in enumerate(self.names):
            for w in sets[name]:
                h = hash_string(w.lower())
                codes[h] = codes.get(h, 0) | (1 << k)
        keys = sorted(codes)
        self._keys = np.asarray(keys, dtype=np.uint64)
        self._codes = np.asarray([codes[h] for h in keys], dtype=np.int64)

    def bit(self, name: str) -> int:
        return 1 << self.names.index(name)

    def classify(self, values: np.ndarray) -> np.ndarray:
        if not len(self._keys) or not len(values):
            return np.zeros(len(values), dtype=np.int64)
        idx = np.searchsorted(self._keys, values)
        idx[idx == len(self._keys)] = 0
        return np.where(self._keys[idx] == values, self._codes[idx], 0)


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


def in_ranges(cand: np.ndarray, ranges: Iterable[tuple[int, int]]) -> tuple[np.ndarray, np.ndarray]:
    """The sorted positions ``cand`` inside each token range [a, b) in turn, and each one's b."""
    bounds = np.asarray(list(ranges), dtype=np.int64).reshape(-1, 2)
    lo, hi = np.searchsorted(cand, bounds[:, 0]), np.searchsorted(cand, bounds[:, 1])
    counts = hi - lo
    offsets = np.repeat(lo - np.cumsum(counts) + counts, counts)
    return cand[np.arange(int(counts.sum())) + offsets], np.repeat(bounds[:, 1], counts)


def _pair_keys(firsts: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """One uint64 key per word pair (wrapping arithmetic; equal pairs, equal keys)."""
    return firsts.astype(np.uint64, copy=False) * np.uint64(0x9E3779B97F4A7C15) \
        + seconds.astype(np.uint64, copy=False)


class PhraseIndex:
    """Literal multi-word lookup keyed by first word (lowercase)."""

    def __init__(self) -> None:
        self._by_first: dict[int, list[tuple[tuple[int, ...], Any]]] = {}
        self._first: np.ndarray = np.zeros(0, dtype=np.uint64)
        #: first words of one-word phrases, and keys of the first two words of longer ones
        self._singles: np.ndarray = np.zeros(0, dtype=np.uint64)
        self._pairs: np.ndarray = np.zeros(0, dtype=np.uint64)
        #: (first, second) -> longer phrases (longest first); first -> keys of one-word phrases
        self._by_pair: dict[tuple[int, int], list[tuple[tuple[int, ...], Any]]] = {}
        self._single_keys: dict[int, list[Any]] = {}
        self._stale = False

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_first.values())

    def add(self, key: Any, phrases: Iterable[Sequence[str]]) -> None:
        for words in phrases:
            hashes = tuple(hash_string(w) for w in words)
            self._by_first.setdefault(hashes[0], []).append((hashes, key))
        self._stale = True

    def _refresh(self) -> None:
        """Rebuild the lookup arrays and tables after :meth:`add` (once, at the first match)."""
        self._by_pair, self._single_keys = {}, {}
        for first, entries in self._by_first.items():
            entries.sort(key=lambda x: -len(x[0]))
            for hashes, key in entries:
                if len(hashes) == 1:
                    self._single_keys.setdefault(first, []).append(key)
                else:
                    self._by_pair.setdefault(hashes[:2], []).append((hashes, key))
        self._first = np.asarray(sorted(self._by_first), dtype=np.uint64)
        self._singles = np.asarray(sorted(self._single_keys), dtype=np.uint64)
        pairs = np.asarray(list(self._by_pair), dtype=np.uint64).reshape(-1, 2)
        self._pairs = np.unique(_pair_keys(pairs[:, 0], pairs[:, 1]))
        self._stale = False

    def candidates(self, lowers: np.ndarray) -> np.ndarray:
        """Token positions whose word starts some phrase."""
        if self._stale:
            self._refresh()
        if not len(self._first) or not len(lowers):
            return np.zeros(0, dtype=np.int64)
        return np.nonzero(member(lowers, self._first))[0]

    def match_ranges(self, doc: Doc, lowers: np.ndarray,
                     ranges: Iterable[tuple[int, int]]) -> list[tuple[Any, int, int]]:
        """Matches starting and ending inside any of the token ranges [a, b)."""
        cand, limits = in_ranges(self.candidates(lowers), ranges)
        return self._verify(lowers, cand, limits) if len(cand) else []

    def match(self, doc: Doc, lowers: np.ndarray | None = None,
              start: int = 0, end: int | None = None,
              allowed: np.ndarray | None = None) -> list[tuple[Any, int, int]]:
        """Every (key, start, end) match within ``doc[start:end]`` (all lengths).

        ``allowed``: optional boolean mask of positions where a match may start.
        """
        if lowers is None:
            lowers = doc.to_array(LOWER)
        end = len(doc) if end is None else end
        window = lowers[start:end]
        cand = self.candidates(window)
        if allowed is not None and len(cand):
            cand = cand[allowed[start:end][cand]]
        if not len(cand):
            return []
        limits = np.full(len(cand), len(window))
        return [(key, start + s, start + e) for key, s, e in self._verify(window, cand, limits)]

    def _verify(self, lowers: np.ndarray, cand: np.ndarray,
                limits: np.ndarray) -> list[tuple[Any, int, int]]:
        """Check the phrases starting at each candidate, which must end by its limit.

        Candidates whose first two words start no phrase (and whose first word is no
        phrase) are dropped at once; the rest are compared word by word."""
        out = []
        n = len(lowers)
        firsts = lowers[cand]
        seconds = lowers[np.minimum(cand + 1, n - 1)]
        keep = member(firsts, self._singles) | member(_pair_keys(firsts, seconds), self._pairs)
        for i, first, second, limit in zip(cand[keep].tolist(), firsts[keep].tolist(),
                                           seconds[keep].tolist(), limits[keep].tolist()):
            for hashes, key in self._by_pair.get((first, second), ()):
                k = len(hashes)
                if i + k <= limit and (k == 2 or tuple(lowers[i + 2:i + k].tolist()) == hashes[2:]):
                    out.append((key, i, i + k))
            out += [(key, i, i + 1) for key in self._single_keys.get(first, ())]
        return out
