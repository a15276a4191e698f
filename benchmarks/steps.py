"""Where a note's time goes: milliseconds per note for each step, on the corpus test split.

    python -m benchmarks.steps

Runs each pipeline component, then facts, rules, features, the classifier, the edits
and the entity records, one step at a time over all notes, beside ``spacy.blank("en")``
tokenising the same notes (first pass and again, from its cache).
"""

from __future__ import annotations

import time
from pathlib import Path

import spacy

import nlp as package
from benchmarks.speed import read_texts
from nlp.coding_rules import assign_codes
from nlp.edits import decide
from nlp.facts import extract
from nlp.features import featurize
from nlp.pipeline import entity_records
from nlp.pipeline._text import make_doc

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    texts = read_texts(ROOT / "corpus" / "data" / "test.jsonl")
    coder = package.load(prescreen=False)
    rows: list[tuple[str, float]] = []

    def timed(name, step):
        start = time.perf_counter()
        out = step()
        rows.append((name, (time.perf_counter() - start) / len(texts) * 1000))
        return out

    blank = spacy.blank("en")
    timed("spacy.blank tokenizer, first pass", lambda: [blank(t) for t in texts])
    timed("spacy.blank tokenizer, cached", lambda: [blank(t) for t in texts])
    docs = timed("make_doc (tokenizer)", lambda: [make_doc(coder.nlp, t) for t in texts])
    for name, component in coder.nlp.pipeline:
        docs = timed(name, lambda c=component: [c(d) for d in docs])
    facts = timed("facts", lambda: [extract(d) for d in docs])
    rules = timed("coding rules", lambda: [assign_codes(x.facts) for x in facts])
    features = timed("features", lambda: [featurize(d, x, r) for d, x, r in zip(docs, facts, rules)])
    predictions = timed("classifier", lambda: coder.classifier.predict_sets(list(zip(features, texts))))
    timed("edits", lambda: [decide(p, r, x, coder.threshold) for p, r, x in zip(predictions, rules, facts)])
    timed("entity records", lambda: [entity_records(d) for d in docs])
    timed("whole coder.pipe", lambda: list(coder.pipe(texts)))
    print(f"{len(texts)} corpus test notes; ms per note")
    for name, ms in rows:
        print(f"{name:40} {ms:7.3f}")


if __name__ == "__main__":
    main()
