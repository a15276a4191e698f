"""Is the confidence honest? Reliability curves, expected calibration error, and the
review threshold chosen on validation notes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: Exact-set accuracy the validation notes at or above the threshold must reach. The
#: product promises 0.99 on new notes, and notes from writers no split has seen run with
#: three to four times the validation error rate (each new batch of writers, scored before
#: it joined training: 0.95-0.98 against 0.99-0.995 on validation), so validation keeps
#: at most a fifth of the promised error above the threshold.
TARGET_PRECISION = 0.998


@dataclass(frozen=True)
class Reliability:
    """Per confidence bin: mean confidence, observed accuracy, number of predictions."""

    bins: list[dict[str, float]]
    ece: float

    def to_dict(self) -> dict:
        return {"ece": round(self.ece, 4), "bins": self.bins}


def reliability(confidence: np.ndarray, correct: np.ndarray, n_bins: int = 10) -> Reliability:
    """Reliability curve and expected calibration error (Guo et al. 2017)."""
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=float)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    index = np.clip(np.digitize(confidence, edges[1:-1]), 0, n_bins - 1)
    bins, ece = [], 0.0
    for b in range(n_bins):
        mask = index == b
        if not mask.any():
            continue
        conf, acc = float(confidence[mask].mean()), float(correct[mask].mean())
        bins.append({"low": round(edges[b], 2), "high": round(edges[b + 1], 2),
                     "confidence": round(conf, 4), "accuracy": round(acc, 4), "n": int(mask.sum())})
        ece += mask.mean() * abs(conf - acc)
    return Reliability(bins, float(ece))


def choose_threshold(confidence: np.ndarray, correct: np.ndarray, target: float = TARGET_PRECISION,
                     groups: Sequence[str] | None = None) -> float:
    """The lowest threshold whose accepted notes are at least ``target`` exact.

    Scanning candidate thresholds from high to low, keep the lowest at which the
    notes with confidence >= threshold still reach the target accuracy. With
    ``groups`` (the kind of source of each note: template family or hand-written),
    every group must reach the target on its own, so that the many notes of one kind
    cannot hide the errors of another.
    """
    confidence = np.asarray(confidence, dtype=float)
    correct = np.asarray(correct, dtype=bool)
    if groups is not None:
        groups = np.asarray(groups)
        return max(choose_threshold(confidence[groups == g], correct[groups == g], target)
                   for g in np.unique(groups))
    order = np.argsort(-confidence, kind="stable")
    hits = np.cumsum(correct[order])
    accuracy = hits / np.arange(1, len(order) + 1)
    best = 1.0
    for k in range(len(order)):
        if k + 1 < len(order) and confidence[order[k + 1]] == confidence[order[k]]:
            continue  # only cut between distinct confidence values
        if accuracy[k] >= target:
            best = float(confidence[order[k]])
    return best
