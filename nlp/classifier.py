"""The code-set classifier: calibrated probabilities of whole code sets over 0408T-0418T.

A scikit-learn estimator (``__init__`` stores parameters, ``fit`` validates and
returns ``self``, fitted state ends in ``_``) so ``clone`` and grid search work.
``X`` is a list of ``(feature dict, note text)`` pairs (or, with ``inputs``
"features" or "text", of one of the two); ``y`` is a list of code sets (an empty
set means "no CCM code").
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer, MaxAbsScaler

from nlp.coding_rules import CCM_CODES


class CodeSetClassifier(ClassifierMixin, BaseEstimator):
    """A multinomial logistic regression over whole code sets, with calibrated confidence.

    Each distinct code set of the training notes ("0408T", "0411T+0413T", "" for no
    CCM code) is one class, so the model learns which codes go together. The
    decision is the most probable set; its confidence, and each code's
    probability (the mass of the sets holding the code), are mapped through
    isotonic calibrators fitted on cross-validated predictions of the training
    notes, so that a confidence of 0.9 means nine in ten such notes are right.

    Parameters
    ----------
    inputs : "both" (``(features, text)`` pairs: the extracted features of
        :func:`nlp.features.featurize` beside TF-IDF word n-grams of the note),
        "features" (feature dicts only) or "text" (raw text only: the TF-IDF
        baseline a data scientist would try first).
    C : inverse regularisation strength of the logistic regression.
    feature_weight : weight of the (max-abs scaled) extracted features against the
        (max-abs scaled) n-grams when ``inputs="both"``.
    cv : folds of the cross-validated predictions the calibrators learn from.
    random_state : seed of those folds.
    rules_threshold : the model probability at which the coding rules' set is taken instead
        of the model's top set; None: the one that codes the cross-validated predictions best.
    """

    def __init__(self, inputs: str = "both", C: float = 10.0, feature_weight: float = 0.5, cv: int = 3,
                 random_state: int = 0, codes: Sequence[str] = CCM_CODES, rules_threshold: float | None = None):
        self.inputs = inputs
        self.C = C
        self.feature_weight = feature_weight
        self.cv = cv
        self.random_state = random_state
        self.codes = codes
        self.rules_threshold = rules_threshold

    def fit(self, X: Sequence, y: Sequence[Iterable[str]]) -> CodeSetClassifier:
        if self.inputs not in INPUTS:
            raise ValueError(f"inputs must be one of {INPUTS}")
        if len(X) != len(y) or not len(X):
            raise ValueError("X and y must be non-empty and of the same length")
        labels = np.array([set_label(codes) for codes in y])
        if len(set(labels)) < 2:
            raise ValueError("y must hold at least two different code sets")
        self.pipeline_ = Pipeline([
            ("vectorize", self._vectorizer()),
            ("sets", LogisticRegression(C=self.C, max_iter=3000)),
        ])
        folds = StratifiedKFold(n_splits=self.cv, shuffle=True, random_state=self.random_state)
        with warnings.catch_warnings():  # rare code sets have fewer notes than folds
            warnings.filterwarnings("ignore", message="The least populated class", category=UserWarning)
            warnings.filterwarnings("ignore", message="Number of classes in training fold",
                                    category=RuntimeWarning)
            held_out = cross_val_predict(clone(self.pipeline_), list(X), labels, cv=folds,
                                         method="predict_proba")
        self.pipeline_.fit(list(X), labels)
        self.classes_ = np.array(self.pipeline_.classes_)
        # sorted tuples, not frozensets: a pickled frozenset's byte order follows the hash seed
        self.set_codes_ = [tuple(sorted(parse_set_label(label))) for label in self.classes_]
        self.membership_ = np.array([[code in codes for code in self.codes] for codes in self.set_codes_],
                                    dtype=float)
        self._cross_validated = (held_out, self._rules_columns(X), labels)
        self._calibrate_on_held_out()
        return self

    def with_rules_threshold(self, threshold: float) -> CodeSetClassifier:
        """Set ``rules_threshold`` and redo the calibration on the cross-validated predictions
        of the last ``fit``: the model that refitting with ``threshold`` gives, without the refit."""
        if not hasattr(self, "_cross_validated"):
            raise ValueError("with_rules_threshold needs the classifier fitted in this process; refit it")
        self.rules_threshold = threshold
        self._calibrate_on_held_out()
        return self

    def _calibrate_on_held_out(self) -> None:
        """The rules threshold and the calibrators, from the cross-validated predictions."""
        held_out, rules, labels = self._cross_validated
        self.rules_threshold_ = _best_rules_threshold(held_out, rules, labels, self.classes_) \
            if self.rules_threshold is None else float(self.rules_threshold)
        chosen = self._choose(held_out, rules)
        score, correct = held_out[np.arange(len(chosen)), chosen], self.classes_[chosen] == labels
        # a set the coding rules do not reach from the extracted facts is right less often:
        # its confidence comes from a calibrator of its own
        agree = chosen == rules
        self.set_calibrator_ = _isotonic(score[agree], correct[agree]) if agree.sum() >= MIN_CALIBRATION \
            else _isotonic(score, correct)
        self.disagree_calibrator_ = _isotonic(score[~agree], correct[~agree]) \
            if (~agree).sum() >= MIN_CALIBRATION else self.set_calibrator_
        gold = np.array([[code in parse_set_label(label) for code in self.codes] for label in labels])
        marginals = held_out @ self.membership_
        self.code_calibrators_ = [_isotonic(marginals[:, j], gold[:, j]) for j in range(len(self.codes))]

    def __getstate__(self) -> dict:
        """Drop TF-IDF caches before pickling so a saved model is byte-identical across
        runs: ``stop_words_`` is a set (pickled in hash-seed order), ``_stop_words_id`` an id()."""
        steps = self.pipeline_.get_params(deep=True).values() if hasattr(self, "pipeline_") else ()
        for step in steps:
            if isinstance(step, TfidfVectorizer):
                for cached in ("stop_words_", "_stop_words_id"):
                    if hasattr(step, cached):
                        delattr(step, cached)
        state = dict(super().__getstate__())
        state.pop("_cross_validated", None)  # training-time only
        return state

    def predict_set_proba(self, X: Sequence) -> np.ndarray:
        """Model probability of each code set (columns in ``self.classes_`` order), uncalibrated."""
        vectorize, sets = self.pipeline_.steps
        return sets[1].predict_proba(_transform(vectorize[1], list(X)))

    def predict_proba(self, X: Sequence) -> np.ndarray:
        """Calibrated probability of each code (columns in ``self.codes`` order)."""
        return self._code_proba(self.predict_set_proba(X))

    def _code_proba(self, set_proba: np.ndarray) -> np.ndarray:
        marginals = set_proba @ self.membership_
        return np.column_stack([_calibrate(cal, marginals[:, j]) for j, cal in enumerate(self.code_calibrators_)])

    def predict(self, X: Sequence) -> list[set[str]]:
        return [set(p.codes) for p in self.predict_sets(X)]

    def predict_sets(self, X: Sequence) -> list[SetPrediction]:
        """The most probable code set of each note, its calibrated confidence, the model
        probability of every set and the calibrated probability of every code."""
        set_proba = self.predict_set_proba(X)
        rules = self._rules_columns(X)
        best = self._choose(set_proba, rules)
        score = set_proba[np.arange(len(best)), best]
        confidence = np.where(best == rules, _calibrate(self.set_calibrator_, score),
                              _calibrate(self.disagree_calibrator_, score))
        code_proba = self._code_proba(set_proba)
        sets = [frozenset(codes) for codes in self.set_codes_]
        return [SetPrediction(sets[b], c, dict(zip(sets, row)), dict(zip(self.codes, codes)))
                for b, c, row, codes in zip(best.tolist(), confidence.tolist(), set_proba.tolist(),
                                            code_proba.tolist())]

    def _rules_columns(self, X: Sequence) -> np.ndarray:
        """Column of the coding rules' set (feature ``ruleset:...``) per note; -1 when unknown."""
        if self.inputs == "text":
            return np.full(len(X), -1)
        column = {label: j for j, label in enumerate(self.classes_)}
        features = (x if self.inputs == "features" else x[0] for x in X)
        return np.array([column.get(_ruleset(f), -1) for f in features])

    def _choose(self, set_proba: np.ndarray, rules: np.ndarray) -> np.ndarray:
        """The most probable set, or the coding rules' set when the model gives it at least
        ``rules_threshold_``: the rules read the extracted facts exactly, the model weighs
        how far those facts can be trusted."""
        return np.where(_rules_probability(set_proba, rules) >= self.rules_threshold_, rules,
                        set_proba.argmax(axis=1))

    def _vectorizer(self):
        features = Pipeline([("vectorize", DictVectorizer()), ("scale", MaxAbsScaler())])
        words = Pipeline([("tfidf", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)),
                          ("scale", MaxAbsScaler()), ("clip", FunctionTransformer(_clip_to_one))])
        if self.inputs == "features":
            return features
        if self.inputs == "text":
            return words
        return FeatureUnion(
            [("features", Pipeline([("pick", FunctionTransformer(_features)), ("vec", features)])),
             ("words", Pipeline([("pick", FunctionTransformer(_texts)), ("vec", words)]))],
            transformer_weights={"features": self.feature_weight, "words": 1.0})


INPUTS = ("both", "features", "text")
#: fewest held-out notes a confidence calibrator is fitted on
MIN_CALIBRATION = 20


def _features(pairs: Sequence[tuple[dict, str]]) -> list[dict]:
    return [features for features, _ in pairs]


def _texts(pairs: Sequence[tuple[dict, str]]) -> list[str]:
    return [text for _, text in pairs]


def _clip_to_one(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    """Scaled n-gram weights capped at 1, the largest a training note had: the per-note
    normalisation gives each word of a three-line note far more weight than any dictated
    note taught the model."""
    matrix = matrix.copy()
    np.minimum(matrix.data, 1.0, out=matrix.data)
    return matrix


def _ruleset(features: dict) -> str:
    for key in features:
        if key.startswith("ruleset:"):
            codes = key[len("ruleset:"):]
            return "" if codes == "none" else codes
    return "\0"  # no rules feature: matches no class


def _rules_probability(set_proba: np.ndarray, rules: np.ndarray) -> np.ndarray:
    """The model's probability of each note's rules set (column ``rules``; -1 where unknown)."""
    return np.where(rules >= 0, set_proba[np.arange(len(rules)), np.maximum(rules, 0)], -1.0)


def _best_rules_threshold(held_out: np.ndarray, rules: np.ndarray, labels: np.ndarray,
                          classes: np.ndarray) -> float:
    """The probability above which the rules' set beats the model's top set, chosen to
    maximise the accuracy of the cross-validated predictions (ties: the highest, i.e. the
    least trust in the rules). Above 1 when the rules never help."""
    best = held_out.argmax(axis=1)
    rules_p = _rules_probability(held_out, rules)
    candidates = np.unique(rules_p[(rules >= 0) & (rules != best)])
    top_accuracy, threshold = np.mean(classes[best] == labels), 1.01
    for t in candidates[::-1]:
        chosen = np.where(rules_p >= t, rules, best)
        accuracy = np.mean(classes[chosen] == labels)
        if accuracy > top_accuracy:
            top_accuracy, threshold = accuracy, float(t)
    return threshold


#: rules thresholds tried on held-out notes (1.01: never take the rules' set over the top set)
RULES_THRESHOLD_GRID = (*np.round(np.arange(0.05, 1.0, 0.05), 2).tolist(), 1.01)


def held_out_rules_threshold(classifier: CodeSetClassifier, X: Sequence, y: Sequence[Iterable[str]]) -> float:
    """The rules threshold of ``RULES_THRESHOLD_GRID`` that codes held-out notes best
    (fewest wrong sets; ties: the middle one of those tied)."""
    set_proba, rules = classifier.predict_set_proba(X), classifier._rules_columns(X)
    labels = np.array([set_label(codes) for codes in y])
    best, rules_p = set_proba.argmax(axis=1), _rules_probability(set_proba, rules)
    wrong = [np.sum(classifier.classes_[np.where(rules_p >= t, rules, best)] != labels)
             for t in RULES_THRESHOLD_GRID]
    tied = [t for t, n in zip(RULES_THRESHOLD_GRID, wrong) if n == min(wrong)]
    return float(tied[len(tied) // 2])


def _transform(step, X):
    """``step.transform(X)`` of a fitted vectorizing step, with the per-item loops of
    :class:`DictVectorizer` and :class:`TfidfVectorizer` counting replaced by faster
    ones that build the same matrices (no repeated input validation either)."""
    if isinstance(step, Pipeline):
        for _, inner in step.steps:
            X = _transform(inner, X)
        return X
    if isinstance(step, FeatureUnion):
        weights = step.transformer_weights or {}
        blocks = [_transform(inner, X) for _, inner in step.transformer_list]
        return sparse.hstack([block if weights.get(name) is None else block * weights[name]
                              for (name, _), block in zip(step.transformer_list, blocks)]).tocsr()
    if isinstance(step, FunctionTransformer):
        return step.func(X)
    if isinstance(step, DictVectorizer):
        return _feature_counts(step, X)
    if isinstance(step, TfidfVectorizer):
        return step._tfidf.transform(_ngram_counts(step, X), copy=False)
    return step.transform(X)


def _feature_counts(vectorizer: DictVectorizer, dicts: Sequence[dict]) -> sparse.csr_matrix:
    """``vectorizer.transform(dicts)`` for dicts of numbers and strings (one-hot)."""
    vocabulary, separator = vectorizer.vocabulary_, vectorizer.separator
    indices: list[int] = []
    values: list = []
    indptr = [0]
    for x in dicts:
        for name, value in x.items():
            if isinstance(value, str):
                name, value = f"{name}{separator}{value}", 1
            j = vocabulary.get(name)
            if j is not None:
                indices.append(j)
                values.append(value)
        indptr.append(len(indices))
    return _csr(values, indices, indptr, len(vocabulary), vectorizer.dtype)


def _ngram_counts(vectorizer: TfidfVectorizer, texts: Sequence[str]) -> sparse.csr_matrix:
    """``CountVectorizer.transform(texts)`` for the word n-grams this class uses (no stop words)."""
    vocabulary = vectorizer.vocabulary_
    preprocess, tokenize = vectorizer.build_preprocessor(), vectorizer.build_tokenizer()
    low, high = vectorizer.ngram_range
    indices: list[int] = []
    values: list[int] = []
    indptr = [0]
    for text in texts:
        tokens = tokenize(preprocess(text))
        grams = [tokens] if low == 1 else []
        grams += [map(" ".join, zip(*(tokens[i:] for i in range(n)))) for n in range(max(low, 2), high + 1)]
        counts = Counter(map(vocabulary.get, chain.from_iterable(grams)))
        counts.pop(None, None)  # out-of-vocabulary n-grams
        indices += counts
        values += counts.values()
        indptr.append(len(indices))
    return _csr(values, indices, indptr, len(vocabulary), vectorizer.dtype)


def _csr(values: list, indices: list[int], indptr: list[int], width: int, dtype) -> sparse.csr_matrix:
    matrix = sparse.csr_matrix((np.asarray(values, dtype=dtype), np.asarray(indices, dtype=np.int32),
                                np.asarray(indptr, dtype=np.int32)), shape=(len(indptr) - 1, width))
    matrix.sort_indices()
    return matrix


def _calibrate(calibrator: IsotonicRegression, scores: np.ndarray) -> np.ndarray:
    """``calibrator.predict(scores)`` for a float64 vector, without re-validating it."""
    return calibrator.f_(np.clip(scores, calibrator.X_min_, calibrator.X_max_))


def _isotonic(score: np.ndarray, correct: np.ndarray) -> IsotonicRegression:
    return IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(score, correct.astype(float))


@dataclass(frozen=True)
class SetPrediction:
    """The chosen code set and its confidence, the probability of every set and of every code."""

    codes: frozenset[str]
    confidence: float
    set_proba: dict[frozenset[str], float]
    code_confidence: dict[str, float]

    def probability(self, codes: Iterable[str]) -> float:
        """Calibrated confidence for the chosen set; the model's probability for another."""
        codes = frozenset(codes)
        return self.confidence if codes == self.codes else self.set_proba.get(codes, 0.0)


def set_label(codes: Iterable[str]) -> str:
    """A code set as a class label: sorted codes joined by '+' ('' for none)."""
    return "+".join(sorted(codes))


def parse_set_label(label: str) -> frozenset[str]:
    return frozenset(filter(None, label.split("+")))
