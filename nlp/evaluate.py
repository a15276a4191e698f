"""Evaluate a model on gold notes (the dev-notes JSONL format), beside two baselines.

    ccm-coder evaluate GOLD.jsonl [--model FOLDER] [--json OUT.json]

Reports exact code-set accuracy, exact set with units, per-code precision /
recall / F1, a confusion table of code sets, mention recall and action accuracy,
calibration (reliability and ECE) and accuracy above the review threshold. The
same numbers for the baselines: the bare coding rules over the extracted facts,
and TF-IDF + logistic regression on raw text trained on the corpus train split.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nlp.calibration import reliability
from nlp.classifier import CodeSetClassifier
from nlp.coder import Coder
from nlp.coding_rules import CCM_CODES, CORE_CODES, apply_bundling, assign_codes
from nlp.facts import extract
from nlp.train import read_jsonl

COMPONENTS = {"CCM_SYSTEM", "PULSE_GENERATOR", "ATRIAL_LEAD", "VENTRICULAR_LEAD", "LEAD", "OTHER_DEVICE"}
#: Existing hardware checked during a procedure: either word is right (as in shared/tools/score.py).
SAME_ACTION = {"tested": "retained"}


@dataclass
class CodeScores:
    """Code-set metrics of one system over one gold set."""

    notes: int
    exact_set: float
    exact_units: float
    per_code: dict[str, dict[str, float]]
    confusion: list[tuple[str, str, int]]
    notes_with_any_code: int

    @property
    def core_min_f1(self) -> float:
        present = [self.per_code[c]["f1"] for c in CORE_CODES if self.per_code[c]["support"]]
        return min(present) if present else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"notes": self.notes, "exact_set": self.exact_set, "exact_units": self.exact_units,
                "core_min_f1": self.core_min_f1, "per_code": self.per_code,
                "confusion": [{"gold": g, "predicted": p, "notes": n} for g, p, n in self.confusion],
                "notes_with_any_code": self.notes_with_any_code}


@dataclass
class Report:
    gold_path: str
    model: CodeScores
    baselines: dict[str, CodeScores]
    mentions: dict[str, float]
    calibration: dict[str, Any]
    threshold: float
    above_threshold: dict[str, float] = field(default_factory=dict)
    entities: dict[str, dict[str, float]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"gold": self.gold_path, "model": self.model.to_dict(),
                "baselines": {k: v.to_dict() for k, v in self.baselines.items()},
                "mentions": self.mentions, "calibration": self.calibration,
                "threshold": self.threshold, "above_threshold": self.above_threshold,
                "entities": self.entities}


def code_scores(gold: list[dict[str, int]], predicted: list[dict[str, int]]) -> CodeScores:
    """Exact-set, exact-units, per-code P/R/F1 and the set confusion table."""
    tp, fp, fn = Counter(), Counter(), Counter()
    confusion: Counter[tuple[str, str]] = Counter()
    for g, p in zip(gold, predicted):
        for code in set(g) | set(p):
            if code in g and code in p:
                tp[code] += 1
            elif code in p:
                fp[code] += 1
            else:
                fn[code] += 1
        confusion[(_set_name(g), _set_name(p))] += 1
    per_code = {}
    for code in CCM_CODES:
        prec = tp[code] / (tp[code] + fp[code]) if tp[code] + fp[code] else 0.0
        rec = tp[code] / (tp[code] + fn[code]) if tp[code] + fn[code] else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per_code[code] = {"precision": round(prec, 4), "recall": round(rec, 4), "f1": round(f1, 4),
                          "support": tp[code] + fn[code]}
    n = len(gold)
    return CodeScores(
        notes=n,
        exact_set=round(sum(set(g) == set(p) for g, p in zip(gold, predicted)) / n, 4) if n else 0.0,
        exact_units=round(sum(g == p for g, p in zip(gold, predicted)) / n, 4) if n else 0.0,
        per_code=per_code,
        confusion=sorted(((g, p, k) for (g, p), k in confusion.items()), key=lambda t: (-t[2], t[0])),
        notes_with_any_code=sum(1 for p in predicted if p),
    )


def mention_scores(records: list[dict], entities: list[list[dict]]) -> dict[str, float]:
    """Mention recall and action accuracy, as ``shared/tools/score.py`` counts them."""
    found = total = right = judged = 0
    for record, ents in zip(records, entities):
        text = record["text"]
        for m in record.get("mentions") or []:
            start = text.find(m["text"])
            if start < 0:
                continue
            end = start + len(m["text"])
            total += 1
            hits = [e for e in ents if e["label"] == m["label"] and e["start"] < end and e["end"] > start]
            wants_action = m["label"] in COMPONENTS and m.get("action")
            if wants_action:
                judged += 1
            if hits:
                found += 1
                want = SAME_ACTION.get(m["action"], m["action"]) if wants_action else None
                if wants_action and any(SAME_ACTION.get(e["action"], e["action"]) == want for e in hits):
                    right += 1
    return {"mentions": total, "mention_recall": round(found / total, 4) if total else 0.0,
            "action_accuracy": round(right / judged, 4) if judged else 0.0}


def entity_scores(records: list[dict], entities: list[list[dict]]) -> dict[str, dict[str, float]]:
    """Per-label precision/recall/F1 against full gold spans (a hit overlaps a gold span of
    the same label), and action accuracy over the component spans found."""
    tp, fp, fn = Counter(), Counter(), Counter()
    actions_right = actions_total = 0
    for record, ents in zip(records, entities):
        gold = record.get("spans") or []
        for g in gold:
            hits = [e for e in ents if e["label"] == g["label"] and e["start"] < g["end"] and e["end"] > g["start"]]
            if hits:
                tp[g["label"]] += 1
                if g["label"] in COMPONENTS:
                    actions_total += 1
                    actions_right += any(SAME_ACTION.get(e["action"], e["action"])
                                         == SAME_ACTION.get(g["action"], g["action"]) for e in hits)
            else:
                fn[g["label"]] += 1
        for e in ents:
            if not any(g["label"] == e["label"] and e["start"] < g["end"] and e["end"] > g["start"]
                       for g in gold):
                fp[e["label"]] += 1
    out: dict[str, dict[str, float]] = {}
    for label in sorted(set(tp) | set(fp) | set(fn)):
        prec = tp[label] / (tp[label] + fp[label]) if tp[label] + fp[label] else 0.0
        rec = tp[label] / (tp[label] + fn[label]) if tp[label] + fn[label] else 0.0
        out[label] = {"precision": round(prec, 4), "recall": round(rec, 4),
                      "f1": round(2 * prec * rec / (prec + rec), 4) if prec + rec else 0.0,
                      "support": tp[label] + fn[label]}
    out["actions"] = {"accuracy": round(actions_right / actions_total, 4) if actions_total else 0.0,
                      "support": actions_total}
    return out


def evaluate(gold_path: Path, coder: Coder, *, corpus: Path | None = None) -> Report:
    """Score the coder and the baselines on one gold file."""
    records = read_jsonl(gold_path)
    gold = [{k: int(v) for k, v in (r.get("codes") or {}).items()} for r in records]
    results = list(coder.pipe([(str(r["id"]), r["text"]) for r in records]))
    predicted = [r.code_units for r in results]
    confidence = np.array([r.confidence for r in results])
    correct = np.array([set(g) == set(p) for g, p in zip(gold, predicted)])
    accepted = confidence >= coder.threshold

    baselines = {"coding rules only": code_scores(gold, rules_baseline(coder, records))}
    if corpus is not None and (corpus / "train.jsonl").exists():
        baselines["tf-idf + logistic regression"] = code_scores(gold, text_baseline(corpus, records))
    return Report(
        gold_path=str(gold_path),
        model=code_scores(gold, predicted),
        baselines=baselines,
        mentions=mention_scores(records, [r.entities for r in results]),
        entities=entity_scores(records, [r.entities for r in results]) if records and "spans" in records[0] else {},
        calibration=reliability(confidence, correct).to_dict(),
        threshold=coder.threshold,
        above_threshold={"coverage": round(float(accepted.mean()), 4) if len(records) else 0.0,
                         "exact_set": round(float(correct[accepted].mean()), 4) if accepted.any() else 0.0},
    )


def rules_baseline(coder: Coder, records: list[dict]) -> list[dict[str, int]]:
    """The coding rules applied to the extracted facts, no classifier."""
    return [assign_codes(extract(doc).facts).codes for doc in coder.nlp.pipe(r["text"] for r in records)]


def text_baseline(corpus: Path, records: list[dict]) -> list[dict[str, int]]:
    """TF-IDF + logistic regression on raw text, trained on the corpus train split."""
    train = read_jsonl(corpus / "train.jsonl")
    model = CodeSetClassifier(inputs="text", C=1.0).fit([r["text"] for r in train],
                                                 [set(r.get("codes") or {}) for r in train])
    return [apply_bundling({c: 1 for c in codes}) for codes in model.predict([r["text"] for r in records])]


def _set_name(codes: Iterable[str]) -> str:
    return "+".join(sorted(codes)) or "none"


def render(report: Report) -> str:
    """A plain-text report for the terminal."""
    lines = [f"gold: {report.gold_path}"]
    rows = [("model", report.model)] + list(report.baselines.items())
    lines.append(f"{'system':34} {'exact set':>9} {'exact units':>11} {'core min F1':>11} {'any code':>8}")
    for name, s in rows:
        lines.append(f"{name:34} {s.exact_set:9.4f} {s.exact_units:11.4f} {s.core_min_f1:11.4f} "
                     f"{s.notes_with_any_code:8d}")
    lines.append("")
    lines.append(f"{'code':6} {'precision':>9} {'recall':>7} {'F1':>7} {'support':>7}")
    for code, m in report.model.per_code.items():
        if m["support"] or m["precision"]:
            lines.append(f"{code:6} {m['precision']:9.4f} {m['recall']:7.4f} {m['f1']:7.4f} {m['support']:7d}")
    lines.append("")
    wrong = [(g, p, n) for g, p, n in report.model.confusion if g != p]
    lines.append("confusion (gold -> predicted), errors only: " + (", ".join(
        f"{g} -> {p} x{n}" for g, p, n in wrong[:12]) or "none"))
    m = report.mentions
    lines.append(f"mentions: {m['mentions']}, recall {m['mention_recall']:.4f}, "
                 f"action accuracy {m['action_accuracy']:.4f}")
    lines.append(f"calibration: ECE {report.calibration['ece']:.4f}; threshold {report.threshold:.4f}: "
                 f"coverage {report.above_threshold['coverage']:.4f}, "
                 f"exact set above it {report.above_threshold['exact_set']:.4f}")
    return "\n".join(lines)


def write_json(report: Report, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report.to_dict(), indent=2) + "\n", encoding="utf-8")
