"""The Python API: load a model folder once, then code notes one by one or in bulk.

    import nlp
    coder = nlp.load()                      # the model in models/
    result = coder.code(text, id="note-1")  # a NoteResult
    for result in coder.pipe(notes, batch_size=64, n_process=2):
        print(result.to_dict())
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from nlp.persistence import CLASSIFIER, PIPELINE, verify
from nlp.prescreen import may_be_ccm
from nlp.results import NoteResult

#: The model folder shipped with the repository; ``CCM_CODER_MODEL`` overrides it.
DEFAULT_MODEL = Path(os.environ.get("CCM_CODER_MODEL", Path(__file__).resolve().parent.parent / "models"))
#: Longest note the pipeline accepts (characters); spaCy's default is 1,000,000.
MAX_NOTE_CHARS = 10_000_000

NoteInput = str | tuple[str, str] | dict[str, Any]


def load(path: str | Path | None = None, *, prescreen: bool = True) -> Coder:
    """Open a model folder (default: the repository's ``models/``), verifying its manifest.

    The spaCy pipeline and the classifier (and the libraries behind them) are
    loaded when the first note needs them, so a stream of notes that the
    pre-screen skips never pays for them; the folder is verified again just
    before anything is unpickled.
    """
    folder = Path(path) if path is not None else DEFAULT_MODEL
    return Coder(folder, verify(folder), prescreen=prescreen)


class Coder:
    """Codes notes with one model folder (spaCy pipeline + classifier + edits)."""

    def __init__(self, folder: Path, manifest: dict[str, Any], *, prescreen: bool = True):
        self.folder = folder
        self.manifest = manifest
        self.prescreen = prescreen
        self.threshold = float(manifest.get("threshold", 0.5))
        self._nlp = None
        self._classifier = None

    @property
    def nlp(self):
        """The spaCy pipeline (loaded on first use)."""
        if self._nlp is None:
            self._load()
        return self._nlp

    @property
    def classifier(self):
        """The code-set classifier (loaded on first use)."""
        if self._classifier is None:
            self._load()
        return self._classifier

    def _load(self) -> None:
        import joblib
        import spacy

        from nlp import pipeline  # noqa: F401  (registers the spaCy factories)

        if verify(self.folder)["sha256"] != self.manifest["sha256"]:
            raise RuntimeError(f"model folder {self.folder} changed after it was opened")
        nlp = spacy.load(self.folder / PIPELINE)
        nlp.max_length = MAX_NOTE_CHARS
        self._classifier = joblib.load(self.folder / CLASSIFIER)
        self._nlp = nlp

    @property
    def model_info(self) -> dict[str, str]:
        return {"name": str(self.manifest.get("name", "ccm-coder")),
                "version": str(self.manifest.get("version", "")),
                "sha256": str(self.manifest.get("sha256", ""))}

    def code(self, text: str, id: str | None = None) -> NoteResult:
        """Code one note."""
        return self.code_batch([(id if id is not None else "0", text)])[0]

    def pipe(self, items: Iterable[NoteInput], *, batch_size: int = 64,
             n_process: int = 1) -> Iterator[NoteResult]:
        """Code a stream of notes, yielding results in input order.

        Items may be strings (ids are their position), ``(id, text)`` pairs or
        dicts with ``id`` and ``text``.
        """
        pairs = (_as_pair(i, item) for i, item in enumerate(items))
        batches = iter(lambda: list(islice(pairs, batch_size)), [])
        if n_process <= 1:
            for batch in batches:
                yield from self.code_batch(batch)
            return
        context = multiprocessing.get_context("spawn")
        with context.Pool(n_process, initializer=_init_worker,
                          initargs=(str(self.folder), self.prescreen)) as pool:
            for results in pool.imap(_code_in_worker, batches, chunksize=1):
                yield from results

    def code_batch(self, batch: list[tuple[str, str]]) -> list[NoteResult]:
        """Code a list of ``(id, text)`` pairs; a note that fails gets an error result."""
        try:
            return self._code_batch(batch)
        except Exception:  # noqa: BLE001 - retry note by note so only the bad note fails
            if len(batch) == 1:
                return [self._failed(batch[0][0])]
            return [r for pair in batch for r in self.code_batch([pair])]

    def _failed(self, note_id: str) -> NoteResult:
        return NoteResult.failed(note_id, "ProcessingError", "the note could not be coded",
                                 self.model_info)

    def _code_batch(self, batch: list[tuple[str, str]]) -> list[NoteResult]:
        results = {i: NoteResult(id=note_id, model=self.model_info)
                   for i, (note_id, _) in enumerate(batch)}
        todo = [i for i, (_, text) in enumerate(batch) if not self.prescreen or may_be_ccm(text)]
        if not todo:
            return list(results.values())
        # the heavy modules (spaCy, scikit-learn) load only once a note needs them
        from nlp.coding_rules import assign_codes
        from nlp.edits import decide
        from nlp.facts import extract
        from nlp.features import featurize
        from nlp.pipeline import entity_records
        from nlp.pipeline._text import make_doc

        with self.nlp.memory_zone():
            docs = list(self.nlp.pipe(make_doc(self.nlp, batch[i][1]) for i in todo))
            extracted = [extract(doc) for doc in docs]
            rules = [assign_codes(x.facts) for x in extracted]
            features = [featurize(doc, x, r) for doc, x, r in zip(docs, extracted, rules)]
            predictions = self.classifier.predict_sets(
                list(zip(features, (batch[i][1] for i in todo))))
            for i, doc, x, r, prediction in zip(todo, docs, extracted, rules, predictions):
                decision = decide(prediction, r, x, self.threshold)
                result = results[i]
                result.codes, result.flags = decision.codes, decision.flags
                result.confidence = decision.confidence
                result.entities = entity_records(doc)
        return list(results.values())


def _as_pair(index: int, item: NoteInput) -> tuple[str, str]:
    if isinstance(item, str):
        return str(index), item
    if isinstance(item, dict):
        return str(item.get("id", index)), item["text"]
    note_id, text = item
    return str(note_id), text


_WORKER: Coder | None = None


def _init_worker(folder: str, prescreen: bool) -> None:
    global _WORKER
    _WORKER = load(folder, prescreen=prescreen)


def _code_in_worker(batch: list[tuple[str, str]]) -> list[NoteResult]:
    assert _WORKER is not None
    return _WORKER.code_batch(batch)
