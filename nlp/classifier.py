"""The code-set classifier: calibrated per-code probabilities over 0408T-0418T.

A scikit-learn estimator (``__init__`` stores parameters, ``fit`` validates and
returns ``self``, fitted state ends in ``_``) so ``clone`` and grid search work.
``X`` is a list of feature dicts (:mod:`nlp.features`) or, for the text baseline,
of raw strings; ``y`` is a list of code sets (an empty set means "no CCM code").
"""

from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MaxAbsScaler, MultiLabelBinarizer

from nlp.coding_rules import CCM_CODES


class CodeSetClassifier(ClassifierMixin, BaseEstimator):
    """One calibrated logistic regression per code, over vectorised inputs.

    Parameters
    ----------
    inputs : "features" (dicts from :func:`nlp.features.featurize`) or "text" (raw
        note text through TF-IDF: the baseline a data scientist would try first).
    C : inverse regularisation strength of each logistic regression.
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
        self.binarizer_ = MultiLabelBinarizer(classes=list(self.codes))
        Y = self.binarizer_.fit_transform([set(codes) for codes in y])
        vectorize = (DictVectorizer() if self.inputs == "features"
                     else TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True))
        folds = StratifiedKFold(n_splits=self.cv, shuffle=True, random_state=self.random_state)
        base = LogisticRegression(C=self.C, max_iter=2000, class_weight="balanced")
        self.pipeline_ = Pipeline([
            ("vectorize", vectorize),
            ("scale", MaxAbsScaler()),
            ("codes", OneVsRestClassifier(CalibratedClassifierCV(base, method=self.calibration, cv=folds))),
        ])
        self.pipeline_.fit(list(X), Y)
        self.classes_ = np.array(self.codes)
        return self

    def predict_proba(self, X: Sequence) -> np.ndarray:
        """Calibrated probability of each code (columns in ``self.codes`` order)."""
        return self.pipeline_.predict_proba(list(X))

    def predict(self, X: Sequence) -> list[set[str]]:
        proba = self.predict_proba(X)
        return [{c for c, p in zip(self.codes, row) if p >= 0.5} for row in proba]
