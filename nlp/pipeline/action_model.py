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
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np
from spacy.attrs import LOWER, SENT_START
from spacy.language import Language
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
BACKGROUND_SECTIONS = {"history", "indication"}
PROCEDURE_ACTIONS = {"inserted", "removed", "repositioned", "abandoned"}


def load_lexicon(path: Path = LEXICON_PATH) -> dict[str, list[str]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


class MentionFeaturizer:
    """Binary features of component mentions (names only; value 1), with the
    per-word lexicon classes cached."""

    def __init__(self, lexicon: dict[str, list[str]]) -> None:
        self.lexicon = {cls: tuple(stems) for cls, stems in lexicon.items()}
        self._word_classes: dict[str, tuple[str, ...]] = {}

    def classes(self, words: Iterable[str]) -> list[str]:
        """The lexicon classes any of the words belongs to (by stem), sorted: features are
        summed in their order, and a hash-ordered set would change the last bits of a score."""
        memo = self._word_classes
        out: set[str] = set()
        for w in words:
            found = memo.get(w)
            if found is None:
                found = memo[w] = tuple(c for c, stems in self.lexicon.items() if w.startswith(stems))
            if found:
                out.update(found)
        return sorted(out)

    def __call__(self, ent: Span, doc_cues: frozenset[str], text: str) -> list[str]:
        """``text``: the doc's text (``Doc.text`` rebuilds it on every access)."""
        return self.features(_DocView(ent.doc, text, doc_cues), Mention(ent))

    def features(self, view: _DocView, ent: Mention) -> list[str]:
        """The features of one mention of the doc ``view`` describes."""
        sentence = self.sentence_features(view, ent)  # reads the sentence's words first
        return self.mention_features(view, ent) + sentence + view.cue_features

    def mention_features(self, view: _DocView, ent: Mention) -> list[str]:
        """The features of the mention itself: its attributes, words, window and line."""
        action, section = ent.action, ent.section
        feats = [f"rule={action}", f"label={ent.label_}", f"section={section}",
                 f"rule+section={action}|{section}"]
        for name in ("negated", "historical", "hypothetical"):
            if ent.get(name):
                feats.append(name)
        sent_start, sent_end = view.sentence(ent)
        own = view.words(ent.start, ent.end)
        left = view.words(max(sent_start, ent.start - WINDOW), ent.start)
        right = view.words(ent.end, min(sent_end, ent.end + WINDOW + 2))
        feats += [f"w={w}" for w in own]
        feats += [f"L={w}" for w in left] + [f"R={w}" for w in right]
        feats += [f"L1={w}" for w in left[-1:]] + [f"R1={w}" for w in right[:1]]
        feats += [f"R2={' '.join(right[:2])}"] if len(right) >= 2 else []
        field, box = line_context(ent, view.text)
        if field:
            words = field.split()
            feats += [f"field={field}"] + [f"fieldw={w}" for w in words]
            feats += [f"fieldcls={c}" for c in self.classes(words)]
        if box:
            feats.append(f"box={box}")
        header = list_header(ent, view.text)
        if header:
            feats += [f"hdrw={w}" for w in header.split()]
            feats += [f"hdrcls={c}" for c in self.classes(header.split())]
        feats += [f"wcls={c}" for c in self.classes(own)]
        feats += [f"Lcls={c}" for c in self.classes(left)]
        feats += [f"Rcls={c}" for c in self.classes(right)]
        return feats

    def sentence_features(self, view: _DocView, ent: Mention) -> list[str]:
        """Words and word classes of the mention's sentence (one list per sentence)."""
        start, end = view.sentence(ent)
        feats = view.sentences.get(start)
        if feats is None:
            words = view.words(start, end)
            feats = [f"S={w}" for w in words if len(w) > 3 and w.isalpha()][:60]
            feats += [f"Scls={c}" for c in self.classes(words)]
            view.sentences[start] = feats
        return feats


class _DocView:
    """What the features of one doc's mentions share: lowercase words (read once, as
    needed), sentence starts, the text and the note-level cues."""

    def __init__(self, doc: Doc, text: str, doc_cues: frozenset[str]) -> None:
        self.doc = doc
        self.text = text
        self.cue_features = [f"doc={c}" for c in sorted(doc_cues)]
        self.sentences: dict[int, list[str]] = {}
        self._lower: list[str | None] = [None] * len(doc)
        arr = doc.to_array([LOWER, SENT_START])
        self._hashes = arr[:, 0]
        self._starts = np.nonzero(arr[:, 1] == 1)[0].tolist() + [len(doc)]

    def words(self, start: int, end: int) -> list[str]:
        """``Token.lower_`` of the tokens ``start:end``."""
        words = self._lower[start:end]
        if None in words:
            strings = self.doc.vocab.strings
            words = self._lower[start:end] = [strings[h] for h in self._hashes[start:end].tolist()]
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
        view = _DocView(doc, doc_text(doc), document_cues(doc, ents))
        sentences = [self.featurizer.sentence_features(view, ent) for ent in ents]
        features = [self.featurizer.mention_features(view, ent) for ent in ents]
        shared = [(sentence, view.cue_features) for sentence in sentences]
        for ent, (action, p) in zip(ents, self.predict_many(features, shared)):
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
        return self.predict_many([list(features)])[0]

    def predict_many(self, features: list[list[str]],
                     shared: list[Iterable[list[str]]] | None = None) -> list[tuple[str, float]]:
        """:meth:`predict` for several mentions: one gather and sum over the weight matrix.

        ``shared``: more feature lists of each mention that several mentions hold (the
        same list object, e.g. a sentence's words), summed once per list."""
        rows = self._rows
        # each mention's rows start with the zero row: no mention has an empty segment
        idx: list[int] = []
        for feats in features:
            idx.append(0)
            idx += map(rows.get, feats, repeat(0))
        offsets = np.cumsum([0] + [len(feats) + 1 for feats in features[:-1]])
        scores = np.add.reduceat(self._matrix[idx], offsets, axis=0) + self._bias
        sums: dict[int, np.ndarray] = {}
        for m, blocks in enumerate(shared or ()):
            for block in blocks:
                if id(block) not in sums:
                    sums[id(block)] = self._matrix[list(map(rows.get, block, repeat(0)))].sum(axis=0)
                scores[m] += sums[id(block)]
        out = []
        for row in scores.tolist():
            top = max(row)
            exps = [math.exp(x - top) for x in row]
            out.append((self.classes[exps.index(1.0)], 1.0 / sum(exps)))
        return out

    def set_weights(self, classes: list[str], weights: dict[str, list[float]], bias: list[float]) -> None:
        self.classes, self.weights, self.bias = list(classes), dict(weights), list(bias)
        # row 0: features without a weight
        self._rows = {name: k for k, name in enumerate(self.weights, start=1)}
        self._matrix = np.zeros((len(self.weights) + 1, len(self.classes)))
        if self.weights:
            self._matrix[1:] = list(self.weights.values())
        self._bias = np.asarray(self.bias, dtype=float)

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

