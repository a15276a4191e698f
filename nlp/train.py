"""Train the classifier on the corpus and write a model folder with its manifest.

    ccm-coder train --corpus corpus/data --out models

Deterministic: the same corpus and seed give the same classifier and manifest.
The review threshold and the calibration report come from the validation split.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import joblib
import numpy as np

import nlp as package
from nlp.calibration import choose_threshold, reliability
from nlp.classifier import CodeSetClassifier
from nlp.coding_rules import CCM_CODES, assign_codes
from nlp.edits import note_confidence
from nlp.facts import extract
from nlp.features import featurize
from nlp.persistence import CLASSIFIER, PIPELINE, write_manifest
from nlp.pipeline import build_pipeline

MODEL_NAME = "ccm-coder"


@dataclass
class Featurized:
    """A split run through the pipeline: features, rule output and gold per note."""

    ids: list[str]
    features: list[dict[str, float]]
    rule_codes: list[dict[str, int]]
    gold: list[dict[str, int]]


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def featurize_records(nlp, records: Iterable[dict]) -> Featurized:
    records = list(records)
    out = Featurized([], [], [], [])
    for record, doc in zip(records, nlp.pipe(r["text"] for r in records)):
        extracted = extract(doc)
        rules = assign_codes(extracted.facts)
        out.ids.append(record["id"])
        out.features.append(featurize(doc, extracted, rules))
        out.rule_codes.append(rules.codes)
        out.gold.append(dict(record.get("codes") or {}))
    return out


def exact_and_confidence(proba: np.ndarray, gold: list[dict[str, int]]) -> tuple[np.ndarray, np.ndarray]:
    """Per note: whether the predicted set equals the gold set, and the note confidence."""
    correct, confidence = [], []
    for row, codes in zip(proba, gold):
        p = dict(zip(CCM_CODES, map(float, row)))
        chosen = {c for c, v in p.items() if v >= 0.5}
        correct.append(chosen == set(codes))
        confidence.append(note_confidence(p, chosen))
    return np.array(correct), np.array(confidence)


def data_hash(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def train(corpus: Path, out: Path, *, seed: int = 0, C: float = 1.0) -> dict:
    """Fit on ``corpus/train.jsonl``, calibrate and choose the threshold on
    ``corpus/val.jsonl``, and write the model folder ``out``. Returns the manifest."""
    train_path, val_path = corpus / "train.jsonl", corpus / "val.jsonl"
    nlp = build_pipeline()
    train_set = featurize_records(nlp, read_jsonl(train_path))
    val_set = featurize_records(nlp, read_jsonl(val_path))

    classifier = CodeSetClassifier(C=C, random_state=seed)
    classifier.fit(train_set.features, [set(g) for g in train_set.gold])
    correct, confidence = exact_and_confidence(classifier.predict_proba(val_set.features), val_set.gold)
    threshold = choose_threshold(confidence, correct)
    calibration = reliability(confidence, correct)
    rules_exact = float(np.mean([set(r) == set(g) for r, g in zip(val_set.rule_codes, val_set.gold)]))

    with tempfile.TemporaryDirectory(dir=out.parent if out.parent.exists() else None) as tmp:
        staging = Path(tmp) / "model"
        staging.mkdir()
        nlp.to_disk(staging / PIPELINE)
        joblib.dump(classifier, staging / CLASSIFIER)
        manifest = write_manifest(staging, name=MODEL_NAME, version=package.__version__, info={
            "threshold": threshold,
            "seed": seed,
            "training_data_sha256": data_hash([train_path, val_path]),
            "training_notes": len(train_set.ids),
            "metrics": {
                "validation_notes": len(val_set.ids),
                "validation_exact_set": round(float(correct.mean()), 4),
                "validation_rules_only_exact_set": round(rules_exact, 4),
                "validation_coverage_at_threshold": round(float((confidence >= threshold).mean()), 4),
                "validation_calibration": calibration.to_dict(),
            },
        })
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(staging, out)
    return manifest
