"""The code-set classifier follows scikit-learn's estimator conventions."""

import numpy as np
import pytest
from sklearn.base import clone

from nlp.classifier import CodeSetClassifier

CODES = ("0408T", "0409T", "0414T")


def toy_data(n=60):
    X, y = [], []
    for i in range(n):
        kind = i % 3
        X.append({"rule:0408T": float(kind == 0), "rule:0409T": float(kind == 1),
                  "rule:0414T": float(kind == 2), "noise": float(i % 5)})
        y.append({CODES[kind]})
    return X, y


def test_fit_predict_and_probabilities():
    X, y = toy_data()
    model = CodeSetClassifier(inputs="features", codes=CODES).fit(X, y)
    proba = model.predict_proba(X)
    assert proba.shape == (len(X), len(CODES))
    assert np.all((proba >= 0) & (proba <= 1))
    assert model.predict(X) == y


def test_clone_keeps_parameters_and_drops_fitted_state():
    model = CodeSetClassifier(inputs="features", C=0.5, codes=CODES).fit(*toy_data())
    copy = clone(model)
    assert copy.get_params()["C"] == 0.5
    assert not hasattr(copy, "pipeline_")


def test_text_inputs_train_a_tfidf_baseline():
    texts = ["generator change battery depletion"] * 10 + ["new system two septal leads"] * 10
    y = [{"0414T"}] * 10 + [{"0408T"}] * 10
    model = CodeSetClassifier(inputs="text", codes=CODES).fit(texts, y)
    assert model.predict(["battery depletion generator change today"]) == [{"0414T"}]


def test_features_and_text_together():
    X, y = toy_data()
    texts = ["new system" if "0408T" in codes else "generator only" if "0409T" in codes else "change"
             for codes in y]
    model = CodeSetClassifier(codes=CODES).fit(list(zip(X, texts)), y)
    predictions = model.predict_sets(list(zip(X, texts)))
    assert [set(p.codes) for p in predictions] == y
    assert all(0.0 <= p.confidence <= 1.0 for p in predictions)
    assert all(set(p.code_confidence) == set(CODES) for p in predictions)


def test_invalid_parameters_fail_in_fit():
    with pytest.raises(ValueError):
        CodeSetClassifier(inputs="images").fit(*toy_data())
    with pytest.raises(ValueError):
        CodeSetClassifier().fit([], [])
