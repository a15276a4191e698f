"""The code-set classifier: calibrated probabilities of whole code sets over 0408T-0418T.

A scikit-learn estimator (``__init__`` stores parameters, ``fit`` validates and
returns ``self``, fitted state ends in ``_``) so ``clone`` and grid search work.
``X`` is a list of feature dicts (:mod:`nlp.features`) or, for the text baseline,
of raw strings; ``y`` is a list of code sets (an empty set means "no CCM code").
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MaxAbsScaler

from nlp.coding_rules import CCM_CODES


class CodeSetClassifier(ClassifierMixin, BaseEstimator):
    """A calibrated multinomial logistic regression over whole code sets.

    Each distinct code set of the training notes ("0408T", "0411T+0413T", "" for no
    CCM code) is one class, so the model learns which codes go together and its
    probability of the chosen set is the note's confidence. Per-code confidence is
    the probability mass of the sets that contain the code.

    Parameters
    ----------
    inputs : "features" (dicts from :func:`nlp.features.featurize`) or "text" (raw
        note text through TF-IDF: the baseline a data scientist would try first).
    C : inverse regularisation strength of the logistic regression.
    calibration : "sigmoid" or "isotonic" (``CalibratedClassifierCV``).
    cv : folds used for calibration.
    random_state : seed of the calibration folds.
    """

    def __init__(self, inputs: str = "features", C: float = 1.0, calibration: str = "sigmoid",
                 cv: int = 3, random_state: int = 0, codes: Sequence[str] = CCM_CODES):
        self.inputs = inputs
        self.C = C
        self.calibration = calibration
        self.cv = cv
        self.random_state = random_state
        self.codes = codes

    def fit(self, X: Sequence, y: Sequence[Iterable[str]]) -> "CodeSetClassifier":
        if self.inputs not in ("features", "text"):
            raise ValueError("inputs must be 'features' or 'text'")
        if len(X) != len(y) or not len(X):
            raise ValueError("X and y must be non-empty and of the same length")
        labels = [set_label(codes) for codes in y]
        if len(set(labels)) < 2:
            raise ValueError("y must hold at least two different code sets")
        vectorize = (DictVectorizer() if self.inputs == "features"
                     else TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True))
        folds = StratifiedKFold(n_splits=self.cv, shuffle=True, random_state=self.random_state)
        self.pipeline_ = Pipeline([
            ("vectorize", vectorize),
            ("scale", MaxAbsScaler()),
            ("sets", CalibratedClassifierCV(LogisticRegression(C=self.C, max_iter=3000),
                                            method=self.calibration, cv=folds)),
        ])
        with warnings.catch_warnings():  # rare code sets have fewer notes than folds
            warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
            self.pipeline_.fit(list(X), labels)
        self.classes_ = np.array(self.pipeline_.classes_)
        self.set_codes_ = [parse_set_label(label) for label in self.classes_]
        self.membership_ = np.array([[code in codes for code in self.codes] for codes in self.set_codes_],
                                    dtype=float)
        return self

    def predict_set_proba(self, X: Sequence) -> np.ndarray:
        """Calibrated probability of each code set (columns in ``self.classes_`` order)."""
        return self.pipeline_.predict_proba(list(X))

    def predict_proba(self, X: Sequence) -> np.ndarray:
        """Probability of each code (columns in ``self.codes`` order): the mass of the sets holding it."""
        return self.predict_set_proba(X) @ self.membership_

    def predict(self, X: Sequence) -> list[set[str]]:
        return [set(p.codes) for p in self.predict_sets(X)]

    def predict_sets(self, X: Sequence) -> list["SetPrediction"]:
        """The most probable code set of each note, its probability and per-code probabilities."""
        set_proba = self.predict_set_proba(X)
        code_proba = set_proba @ self.membership_
        best = set_proba.argmax(axis=1)
        return [SetPrediction(self.set_codes_[b], dict(zip(self.set_codes_, map(float, row))),
                              dict(zip(self.codes, map(float, codes))))
                for b, row, codes in zip(best, set_proba, code_proba)]


@dataclass(frozen=True)
class SetPrediction:
    """The chosen code set, the probability of every code set, and of every code."""

    codes: frozenset[str]
    set_proba: dict[frozenset[str], float]
    code_confidence: dict[str, float]

    @property
    def confidence(self) -> float:
        return self.probability(self.codes)

    def probability(self, codes: Iterable[str]) -> float:
        return self.set_proba.get(frozenset(codes), 0.0)


def set_label(codes: Iterable[str]) -> str:
    """A code set as a class label: sorted codes joined by '+' ('' for none)."""
    return "+".join(sorted(codes))


def parse_set_label(label: str) -> frozenset[str]:
    return frozenset(filter(None, label.split("+")))
