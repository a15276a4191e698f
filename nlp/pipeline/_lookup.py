"""Per-doc word lookups for the rule components, without building ``Token`` objects.

* :class:`PhraseTrie`: literal phrase matching over ``LOWER`` hashes, walking a trie
  from each candidate start (same matches, same order as
  :class:`._phrases.PhraseIndex`, which compares every phrase sharing a first word);
* :class:`WordTable`: the words a component's rules mention, as small ids and
  word-class bit masks, looked up for the whole doc with one binary search;
* :class:`Phrases`: multi-word phrases over those ids;
* :func:`longest_spans`: :func:`spacy.util.filter_spans` on ``(start, end, ...)`` tuples;
* :func:`set_span_attr`: write a ``Span._`` value straight into ``doc.user_data``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from spacy.strings import hash_string
from spacy.tokens import Doc

from ._phrases import member


class PhraseTrie:
    """Literal multi-word lookup (lowercase words), a trie keyed by ``LOWER`` hash.

    A node is ``[children, keys]``; ``keys`` lists the keys of the phrases ending
    there, in insertion order (repeats kept).
    """

    def __init__(self) -> None:
        self._root: dict[int, list[Any]] = {}
        self._first: np.ndarray = np.zeros(0, dtype=np.uint64)
        self._depth = 0
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def add(self, key: Any, phrases: Iterable[Sequence[str]]) -> None:
        for words in phrases:
            children = self._root
            node: list[Any] = []
            for w in words:
                node = children.setdefault(hash_string(w), [{}, []])
                children = node[0]
            node[1].append(key)
            self._depth = max(self._depth, len(words))
            self._size += 1
        self._first = np.asarray(sorted(self._root), dtype=np.uint64)

    def match(self, lowers: np.ndarray, allowed: np.ndarray | None = None, *,
              starts: np.ndarray | None = None) -> list[tuple[Any, int, int]]:
        """Every (key, start, end) match, by start, longest first at each start.

        ``allowed``: optional boolean mask of positions where a match may start;
        ``starts``: the positions whose word starts a phrase, if already known.
        """
        if not len(self._first) or not len(lowers):
            return []
        if starts is not None:
            cand = starts if allowed is None else starts[allowed[starts]]
        elif allowed is not None:  # few allowed positions: look up only their words
            cand = np.nonzero(allowed)[0]
            cand = cand[member(lowers[cand], self._first)]
        else:
            cand = np.nonzero(member(lowers, self._first))[0]
        out: list[tuple[Any, int, int]] = []
        n = len(lowers)
        root = self._root
        firsts = lowers[cand].tolist()
        seconds = lowers[np.minimum(cand + 1, n - 1)].tolist()
        for i, first, second in zip(cand.tolist(), firsts, seconds):
            node = root.get(first)
            if node is None:
                continue
            found = [(i + 1, node[1])] if node[1] else []
            node = node[0].get(second) if i + 1 < n else None
            if node is not None:
                if node[1]:
                    found.append((i + 2, node[1]))
                if node[0]:  # longer phrases: walk on
                    for k, h in enumerate(lowers[i + 2:i + self._depth].tolist(), i + 3):
                        node = node[0].get(h)
                        if node is None:
                            break
                        if node[1]:
                            found.append((k, node[1]))
            for end, keys in reversed(found):
                out += [(key, i, end) for key in keys]
        return out


class WordTable:
    """Word ids (0 = a word the rules never mention) and word-class bits for a doc's tokens.

    ``classes``: name -> words (lowercased); ``words``: further words that need an
    id (taken as given). ``bit(name)`` is the class's bit in :meth:`lookup`'s codes;
    :attr:`SPACE` marks whitespace tokens.
    """

    SPACE = 1 << 62

    def __init__(self, classes: dict[str, Iterable[str]], words: Iterable[str] = ()) -> None:
        if len(classes) > 62:
            raise ValueError("at most 62 word classes")
        self.names = list(classes)
        members = {name: {w.lower() for w in ws} for name, ws in classes.items()}
        vocab = sorted(set().union(*members.values(), words))
        self.words = ["", *vocab]  # id -> word
        self._id = {hash_string(w): k for k, w in enumerate(vocab, 1)}
        codes = np.zeros(len(vocab) + 1, dtype=np.int64)
        for bit, name in enumerate(self.names):
            for w in members[name]:
                codes[self._id[hash_string(w)]] |= 1 << bit
        self._codes = codes
        keys = sorted(self._id)
        # a last key above every hash keeps binary-search positions in range (its id: 0)
        self._keys = np.asarray([*keys, 2**64 - 1], dtype=np.uint64)
        self._ids = np.asarray([*(self._id[h] for h in keys), 0], dtype=np.int64)

    def bit(self, name: str) -> int:
        return 1 << self.names.index(name)

    def id(self, word: str) -> int:
        return self._id.get(hash_string(word), 0)

    def lookup(self, lowers: np.ndarray, space: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(word ids, class codes) of every token; ``space``: the whitespace-token mask."""
        idx = np.searchsorted(self._keys, lowers)
        ids = np.where(self._keys[idx] == lowers, self._ids[idx], 0)
        codes = self._codes[ids]
        codes[space] |= self.SPACE
        return ids, codes


class Phrases:
    """Phrases (words separated by single spaces) over :class:`WordTable` ids.

    ``found(ids)`` is ``any(f" {p} " in " " + " ".join(words) + " ")`` for the words
    with those ids: tokens never contain a space, so a phrase occurs exactly where
    its words are consecutive tokens. Ids are compared as the characters of a string
    (one per word), so that ``str`` search does the scanning. The table must hold
    every phrase word.
    """

    def __init__(self, table: WordTable, phrases: Iterable[str]) -> None:
        keys = ("".join(chr(table.id(w)) for w in p.split(" ")) for p in phrases)
        self._keys = [k for k in keys if "\0" not in k]

    def found(self, ids: list[int]) -> bool:
        text = "".join(map(chr, ids))
        return any(k in text for k in self._keys)


def longest_spans(spans: Iterable[tuple]) -> list[tuple]:
    """:func:`spacy.util.filter_spans` for tuples ``(start, end, ...)``: the (first)
    longest of overlapping spans wins; the result is sorted by start."""
    result = []
    seen: set[int] = set()
    for span in sorted(spans, key=lambda sp: (sp[1] - sp[0], -sp[0]), reverse=True):
        if span[0] not in seen and span[1] - 1 not in seen:
            result.append(span)
            seen.update(range(span[0], span[1]))
    return sorted(result, key=lambda sp: sp[0])


def set_span_attr(doc: Doc, name: str, start_char: int, end_char: int, value: Any) -> None:
    """``span._.name = value`` for the span at those character offsets (spaCy's
    ``Underscore`` key), without building the ``Underscore`` object."""
    doc.user_data[("._.", name, start_char, end_char)] = value
