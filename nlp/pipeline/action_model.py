"""``ccm_action_model``: a trained second opinion on each component's action.

The ConText rules (``ccm_context``) decide an action from trigger terms. This
component re-decides it with a multinomial logistic regression over the rule's
output and the words around the mention (its own words, a window on each side,
the sentence, its section and a few document cues), trained on the corpus train
split (:func:`fit_action_model`). Its weights are saved as JSON beside the
pipeline (no pickle), so the folder stays readable and safe to load.
"""

from __future__ import annotations

import json
import math
from bisect import bisect_right
from collections.abc import Iterable
from functools import reduce
from itertools import repeat
from operator import or_
from pathlib import Path
from typing import Any

import numpy as np
from spacy.attrs import LOWER, SENT_START
from spacy.language import Language
from spacy.strings import hash_string
from spacy.tokens import Doc, Span
from spacy.util import ensure_path

from . import extensions  # noqa: F401
from ._mentions import Mention, mentions
from ._text import doc_text
from .context import apply_referents
from .terminology import COMPONENT_LABELS

ACTION_MODEL = "ccm_action_model"
LEXICON_PATH = Path(__file__).resolve().parent.parent / "data" / "action_lexicon.json"
WEIGHTS_FILE = "action_model.json"
WINDOW = 6
#: features named after one token's word ("L=the")
WORD_PREFIXES = ("w", "L", "R", "L1", "R1", "S")
BACKGROUND_SECTIONS = {"history", "indication"}
PROCEDURE_ACTIONS = {"inserted", "removed", "repositioned", "abandoned"}


def load_lexicon(path: Path = LEXICON_PATH) -> dict[str, list[str]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


class MentionFeaturizer:
    """Binary features of component mentions (value 1), with the per-word lexicon
    classes cached. The features come out as names (training) or, through a
    :class:`FeatureRows` encoder, as rows of a weight matrix (prediction)."""

    def __init__(self, lexicon: dict[str, list[str]]) -> None:
        self.lexicon = {cls: tuple(stems) for cls, stems in lexicon.items()}
        #: bit k of a word's class mask stands for ``class_names[k]`` (sorted: features are
        #: summed in their order, and a hash-ordered set would change the last bits of a score)
        self.class_names = sorted(self.lexicon)
        self._word_masks = _WordMasks(self)
        self.names = FeatureNames(self.class_names)

    def word_mask(self, word: str) -> int:
        """The lexicon classes the word belongs to (by stem), as a bit mask."""
        return sum(1 << k for k, c in enumerate(self.class_names) if word.startswith(self.lexicon[c]))

    def mask(self, words: Iterable[str]) -> int:
        """The classes any of the words belongs to."""
        return reduce(or_, map(self._word_masks.__getitem__, words), 0)

    def classes(self, words: Iterable[str]) -> list[str]:
        """The lexicon classes any of the words belongs to, sorted."""
        return self.names.class_list(self.mask(words))

    def __call__(self, ent: Span, doc_cues: frozenset[str], text: str) -> list[str]:
        """``text``: the doc's text (``Doc.text`` rebuilds it on every access)."""
        return self.features(_DocView(ent.doc, text, doc_cues, self.names), Mention(ent))

    def features(self, view: _DocView, ent: Mention) -> list[Any]:
        """The features of one mention of the doc ``view`` describes."""
        sentence = self.sentence_features(view, ent)  # reads the sentence's words first
        return self.mention_features(view, ent) + sentence + view.cue_features

    def mention_features(self, view: _DocView, ent: Mention) -> list[Any]:
        """The features of the mention itself: its attributes, words, window and line."""
        names = view.names
        action, section = ent.action, ent.section
        feats = [names.name(f"rule={action}"), names.name(f"label={ent.label_}"),
                 names.name(f"section={section}"), names.name(f"rule+section={action}|{section}")]
        for name in ("negated", "historical", "hypothetical"):
            if ent.get(name):
                feats.append(names.name(name))
        sent_start, sent_end = view.sentence(ent)
        start, end = ent.start, ent.end
        left_start, right_end = max(sent_start, start - WINDOW), min(sent_end, end + WINDOW + 2)
        own = view.words(start, end)
        left = view.words(left_start, start)
        right = view.words(end, right_end)
        feats += names.words("w", own, view.hashes[start:end])
        feats += names.words("L", left, view.hashes[left_start:start])
        feats += names.words("R", right, view.hashes[end:right_end])
        feats += names.words("L1", left[-1:], view.hashes[start - 1:start] if left else [])
        feats += names.words("R1", right[:1], view.hashes[end:end + 1] if right else [])
        if len(right) >= 2:
            feats.append(names.name(f"R2={' '.join(right[:2])}"))
        field, box = line_context(ent, view.text)
        if field:
            words = field.split()
            feats += [names.name(f"field={field}")] + [names.name(f"fieldw={w}") for w in words]
            feats += names.classes("fieldcls", self.mask(words))
        if box:
            feats.append(names.name(f"box={box}"))
        header = list_header(ent, view.text)
        if header:
            feats += [names.name(f"hdrw={w}") for w in header.split()]
            feats += names.classes("hdrcls", self.mask(header.split()))
        feats += names.classes("wcls", self.mask(own))
        feats += names.classes("Lcls", self.mask(left))
        feats += names.classes("Rcls", self.mask(right))
        return feats

    def sentence_features(self, view: _DocView, ent: Mention) -> list[Any]:
        """Words and word classes of the mention's sentence (one list per sentence)."""
        start, end = view.sentence(ent)
        feats = view.sentences.get(start)
        if feats is None:
            words = view.words(start, end)
            feats = [f for w, f in zip(words, view.names.words("S", words, view.hashes[start:end]))
                     if len(w) > 3 and w.isalpha()][:60]
            feats += view.names.classes("Scls", self.mask(words))
            view.sentences[start] = feats
        return feats


class _WordMasks(dict):
    """word -> class mask, filled on first use."""

    def __init__(self, featurizer: MentionFeaturizer) -> None:
        super().__init__()
        self.featurizer = featurizer

    def __missing__(self, word: str) -> int:
        mask = self[word] = self.featurizer.word_mask(word)
        return mask


class FeatureNames:
    """Features as their names ("L=the", "Rcls=removed")."""

    def __init__(self, class_names: list[str]) -> None:
        self.class_names = class_names
        self._class_lists: dict[int, list[str]] = {}

    def class_list(self, mask: int) -> list[str]:
        """The names of the classes in ``mask``, sorted."""
        out = self._class_lists.get(mask)
        if out is None:
            out = self._class_lists[mask] = [c for k, c in enumerate(self.class_names) if mask >> k & 1]
        return list(out)

    def name(self, name: str) -> Any:
        return name

    def words(self, prefix: str, words: list[str], hashes: list[int]) -> list[Any]:
        """``prefix=word`` for each word (``hashes``: the words' string hashes)."""
        return [f"{prefix}={w}" for w in words]

    def classes(self, prefix: str, mask: int) -> list[Any]:
        """``prefix=class`` for each class in ``mask``, sorted."""
        return [f"{prefix}={c}" for c in self.class_list(mask)]


class FeatureRows(FeatureNames):
    """Features as their rows in a weight matrix (0: no weight), without building the
    names of word features: those are looked up by the word's hash."""

    def __init__(self, class_names: list[str], rows: dict[str, int]) -> None:
        super().__init__(class_names)
        self.rows = rows
        self._by_word: dict[str, dict[int, int]] = {p: {} for p in WORD_PREFIXES}
        for name, row in rows.items():
            prefix, _, word = name.partition("=")
            if prefix in self._by_word:
                self._by_word[prefix][hash_string(word)] = row
        self._class_rows: dict[tuple[str, int], list[int]] = {}

    def name(self, name: str) -> int:
        return self.rows.get(name, 0)

    def words(self, prefix: str, words: list[str], hashes: list[int]) -> list[int]:
        return list(map(self._by_word[prefix].get, hashes, repeat(0)))

    def classes(self, prefix: str, mask: int) -> list[int]:
        out = self._class_rows.get((prefix, mask))
        if out is None:
            out = self._class_rows[prefix, mask] = [self.name(n) for n in super().classes(prefix, mask)]
        return list(out)


class _DocView:
    """What the features of one doc's mentions share: lowercase words (read once, as
    needed) and their hashes, sentence starts, the text and the note-level cues;
    ``names`` encodes the features (names or weight rows)."""

    def __init__(self, doc: Doc, text: str, doc_cues: frozenset[str], names: FeatureNames) -> None:
        self.doc = doc
        self.text = text
        self.names = names
        self.cue_features = [names.name(f"doc={c}") for c in sorted(doc_cues)]
        self.sentences: dict[int, list[Any]] = {}
        self._lower: list[str | None] = [None] * len(doc)
        arr = doc.to_array([LOWER, SENT_START])
        self.hashes: list[int] = arr[:, 0].tolist()
        self._starts = np.nonzero(arr[:, 1] == 1)[0].tolist() + [len(doc)]

    def words(self, start: int, end: int) -> list[str]:
        """``Token.lower_`` of the tokens ``start:end``."""
        words = self._lower[start:end]
        if None in words:
            strings = self.doc.vocab.strings
            words = self._lower[start:end] = [strings[h] for h in self.hashes[start:end]]
        return words

    def sentence(self, ent: Mention) -> tuple[int, int]:
        """``ent.sent`` as (start, end): the sentence holding the entity's first token."""
        k = bisect_right(self._starts, ent.start)
        return self._starts[k - 1] if k else 0, self._starts[k]


def list_header(ent: Span | Mention, text: str, max_lines: int = 4) -> str:
    """The header of the list the mention's line belongs to: the nearest of the few
    lines above that ends with a colon ("Components placed this case:")."""
    end = text.rfind("\n", 0, ent.start_char)
    for _ in range(max_lines):
        if end <= 0:
            return ""
        start = text.rfind("\n", 0, end) + 1
        line = text[start:end].strip()
        if line.endswith(":") and len(line.split()) <= 6:
            return " ".join(line[:-1].lower().split())
        if not line:
            return ""
        end = start - 1
    return ""


def line_context(ent: Span | Mention, text: str) -> tuple[str, str]:
    """The field label of the mention's line ("device explanted") and the state of a
    checkbox right before it ("checked", "unchecked" or "")."""
    line_start = text.rfind("\n", 0, ent.start_char) + 1
    before = text[line_start:ent.start_char]
    head, colon, _ = before.partition(":")
    field = " ".join(head.lower().split()[-4:]) if colon and len(head) < 40 else ""
    tail = before.rstrip()[-3:].lower()
    box = "checked" if tail in ("[x]", "[✓]") else "unchecked" if tail in ("[ ]", "[]") else ""
    return field, box


def document_cues(doc: Doc, ents: list[Mention] | None = None) -> frozenset[str]:
    """Note-level context: which session actions the rules saw anywhere, and the cues.

    ``ents``: the doc's component mentions (default: read from ``doc.ents``)."""
    if ents is None:
        ents = [e for e in mentions(doc) if e.label_ in COMPONENT_LABELS]
    cues = {f"has_{e.label_}_{e.action}" for e in ents}
    cues |= {f"cue_{s.label_}" for s in doc.spans.get("cues", [])}
    return frozenset(cues)


class ActionModel:
    """Re-decides ``Span._.action`` of component mentions with trained weights."""

    def __init__(self, nlp: Language, name: str = ACTION_MODEL) -> None:
        self.name = name
        self.set_weights([], {}, [])
        self.lexicon: dict[str, list[str]] = load_lexicon()
        self.featurizer = MentionFeaturizer(self.lexicon)

    def __call__(self, doc: Doc) -> Doc:
        if not self.classes:
            return doc
        ents = [e for e in mentions(doc) if e.label_ in COMPONENT_LABELS]
        if not ents:
            return doc
        if self._feature_rows is None:
            self._feature_rows = FeatureRows(self.featurizer.class_names, self._rows)
        view = _DocView(doc, doc_text(doc), document_cues(doc, ents), self._feature_rows)
        sentences = [self.featurizer.sentence_features(view, ent) for ent in ents]
        features = [self.featurizer.mention_features(view, ent) for ent in ents]
        shared = [(sentence, view.cue_features) for sentence in sentences]
        for ent, (action, p) in zip(ents, self.predict_rows(features, shared)):
            ent.action_p = p
            if ent.section == "history" and action != "none":
                # a history paragraph tells an earlier session; the referent convention
                # below gives its hardware this session's action
                action, ent.historical = "none", True
            if action != ent.action:
                ent.action = action
                if action != "none":
                    ent.negated = ent.historical = ent.hypothetical = False
        self.resolve_referents(doc, ents)
        return doc

    @staticmethod
    def resolve_referents(doc: Doc, ents: list[Mention] | None = None) -> None:
        """The referent convention again, over the re-decided actions: background
        mentions take the session action of the hardware they name.

        ``ents``: the doc's component mentions (default: read from ``doc.ents``)."""
        if ents is None:
            ents = [e for e in mentions(doc) if e.label_ in COMPONENT_LABELS]
        background = [e for e in ents if e.action == "none" and not (e.negated or e.hypothetical)
                      and (e.historical or e.section in BACKGROUND_SECTIONS)]
        ids = {id(e) for e in background}
        session = [e for e in ents if id(e) not in ids]
        procedure = any(e.action in PROCEDURE_ACTIONS for e in session)
        cues = {s.label_ for s in doc.spans.get("cues", [])}
        visit = "VISIT" in cues
        if not (procedure or visit or cues & {"PROGRAMMING", "ABORTED"}):
            # a consult or a letter about plans: nothing here was kept "during" a procedure
            for ent in ents:
                if ent.action == "retained":
                    ent.action = "none"
            return
        apply_referents(background, session, procedure, visit)

    def predict(self, features: Iterable[str]) -> tuple[str, float]:
        """The most probable action and its probability (softmax of the class scores)."""
        return self.predict_rows([list(map(self._rows.get, features, repeat(0)))])[0]

    def predict_rows(self, features: list[list[int]],
                     shared: list[Iterable[list[int]]] | None = None) -> list[tuple[str, float]]:
        """:meth:`predict` for several mentions whose features are weight rows (0: no
        weight; see :class:`FeatureRows`): one gather and sum over the weight matrix.

        ``shared``: as many more feature lists for each mention, which several mentions
        may hold (the same list object, e.g. a sentence's words): summed once per list."""
        scores = self._sums(features) + self._bias
        if shared:
            position: dict[int, int] = {}  # id of a list -> its place in ``unique``
            unique: list[list[int]] = []
            for blocks in shared:
                for block in blocks:
                    if id(block) not in position:
                        position[id(block)] = len(unique)
                        unique.append(block)
            sums = self._sums(unique)
            for k in range(len(shared[0])):
                scores += sums[[position[id(blocks[k])] for blocks in shared]]
        out = []
        for row in scores.tolist():
            top = max(row)
            exps = [math.exp(x - top) for x in row]
            out.append((self.classes[exps.index(1.0)], 1.0 / sum(exps)))
        return out

    def _sums(self, features: list[list[int]]) -> np.ndarray:
        """The sum of the weight rows of each list, added in list order."""
        # each list's rows start with the zero row: no list has an empty segment
        idx: list[int] = []
        for feats in features:
            idx.append(0)
            idx += feats
        offsets = np.cumsum([0] + [len(feats) + 1 for feats in features[:-1]])
        return np.add.reduceat(self._matrix[idx], offsets, axis=0)

    def set_weights(self, classes: list[str], weights: dict[str, list[float]], bias: list[float]) -> None:
        self.classes, self.weights, self.bias = list(classes), dict(weights), list(bias)
        # row 0: features without a weight
        self._rows = {name: k for k, name in enumerate(self.weights, start=1)}
        self._matrix = np.zeros((len(self.weights) + 1, len(self.classes)))
        if self.weights:
            self._matrix[1:] = list(self.weights.values())
        self._bias = np.asarray(self.bias, dtype=float)
        self._feature_rows: FeatureRows | None = None  # built for the weights and lexicon at first use

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        data = {"classes": self.classes, "bias": self.bias, "weights": self.weights,
                "lexicon": self.lexicon}
        (path / WEIGHTS_FILE).write_text(json.dumps(data, sort_keys=True), encoding="utf-8")

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> ActionModel:
        data = json.loads((ensure_path(path) / WEIGHTS_FILE).read_text(encoding="utf-8"))
        self.set_weights(data["classes"], data["weights"], data["bias"])
        self.lexicon = data["lexicon"]
        self.featurizer = MentionFeaturizer(self.lexicon)
        self._feature_rows = None
        return self


@Language.factory(ACTION_MODEL)
def make_action_model(nlp: Language, name: str) -> ActionModel:
    return ActionModel(nlp, name)


def fit_action_model(examples: list[tuple[list[str], str]], *, C: float = 0.5,
                     min_count: int = 2) -> tuple[list[str], dict[str, list[float]], list[float]]:
    """Multinomial logistic regression on (features, gold action) pairs; JSON-able weights."""
    from collections import Counter

    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    counts = Counter(f for feats, _ in examples for f in set(feats))
    keep = {f for f, n in counts.items() if n >= min_count}
    rows = [{f: 1 for f in feats if f in keep} for feats, _ in examples]
    vectorizer = DictVectorizer()
    X = vectorizer.fit_transform(rows)
    y = [action for _, action in examples]
    model = LogisticRegression(C=C, max_iter=3000)
    model.fit(X, y)
    classes = [str(c) for c in model.classes_]
    coef = model.coef_ if len(classes) > 2 else [-model.coef_[0], model.coef_[0]]
    bias = model.intercept_ if len(classes) > 2 else [-model.intercept_[0], model.intercept_[0]]
    weights = {name: [round(float(coef[k][j]), 5) for k in range(len(classes))]
               for name, j in vectorizer.vocabulary_.items()
               if any(abs(coef[k][j]) > 1e-6 for k in range(len(classes)))}
    return classes, weights, [round(float(b), 5) for b in bias]


def gold_actions(doc: Doc, spans: list[dict[str, Any]]) -> list[tuple[Span, str]]:
    """Pair each predicted component mention with the action of the gold span it overlaps."""
    out = []
    for ent in doc.ents:
        if ent.label_ not in COMPONENT_LABELS:
            continue
        hit = next((s for s in spans if s["label"] in COMPONENT_LABELS
                    and s["start"] < ent.end_char and s["end"] > ent.start_char), None)
        if hit is not None:
            out.append((ent, hit["action"]))
    return out

