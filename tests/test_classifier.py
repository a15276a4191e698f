"""The code-set classifier follows scikit-learn's estimator conventions."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone

from nlp.classifier import RULES_THRESHOLD_GRID, CodeSetClassifier, held_out_rules_threshold

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


def test_a_short_note_gives_no_word_more_weight_than_any_training_note_did():
    filler = " ".join(f"word{k}" for k in range(40))
    texts = [f"new system two septal leads {filler}"] * 10 + [f"generator change battery depletion {filler}"] * 10
    y = [{"0408T"}] * 10 + [{"0414T"}] * 10
    model = CodeSetClassifier(inputs="text", codes=CODES).fit(texts, y)
    weights = model.pipeline_.named_steps["vectorize"].transform(["new generator"])
    assert weights.max() <= 1.0

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


def noisy_rules_data(n=90):
    """Features that tell the set, beside a coding-rules set that is right two times in three."""
    X, y = [], []
    for i in range(n):
        kind = i % 3
        rules = CODES[kind] if i % 9 < 6 else CODES[(kind + 1) % 3]
        X.append({f"kind:{kind}": 1.0, f"ruleset:{rules}": 1.0})
        y.append({CODES[kind]})
    return X, y


@pytest.mark.parametrize("rules_right", [True, False])
def test_the_rules_threshold_chosen_on_held_out_notes_codes_them_right(rules_right):
    X, y = noisy_rules_data()
    model = CodeSetClassifier(inputs="features", codes=CODES, C=0.1).fit(X, y)
    # held-out notes whose features say 0408T while the rules say 0414T
    held_out = [{"kind:0": 1.0, "ruleset:0414T": 1.0}] * 5
    gold = [{"0414T"} if rules_right else {"0408T"}] * 5
    threshold = held_out_rules_threshold(model, held_out, gold)
    assert threshold in RULES_THRESHOLD_GRID
    refit = clone(model).set_params(rules_threshold=threshold).fit(X, y)
    assert refit.rules_threshold_ == threshold
    assert refit.predict(held_out) == gold
    # taking the threshold without a refit gives the refit model's codes and confidences
    model.with_rules_threshold(threshold)
    assert model.rules_threshold_ == threshold
    for mine, theirs in zip(model.predict_sets(X + held_out), refit.predict_sets(X + held_out)):
        assert (mine.codes, mine.confidence, mine.code_confidence) == \
            (theirs.codes, theirs.confidence, theirs.code_confidence)


def test_a_loaded_classifier_cannot_take_a_new_rules_threshold_without_a_refit():
    X, y = noisy_rules_data()
    loaded = pickle.loads(pickle.dumps(CodeSetClassifier(inputs="features", codes=CODES, C=0.1).fit(X, y)))
    with pytest.raises(ValueError, match="refit"):
        loaded.with_rules_threshold(0.5)


def test_a_fixed_rules_threshold_of_zero_always_takes_the_rules_set():
    X, y = noisy_rules_data()
    model = CodeSetClassifier(inputs="features", codes=CODES, rules_threshold=0.0).fit(X, y)
    assert model.predict([{"kind:0": 1.0, "ruleset:0409T": 1.0}]) == [{"0409T"}]
