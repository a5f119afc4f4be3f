"""class_weight and sample_weight: effect, combination, routing, errors."""

import numpy as np
import pytest
import sklearn
from sklearn.exceptions import UnsetMetadataPassedError
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV, KFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.utils import compute_sample_weight

from sktextcnn import GloveVectorizer, TextCNNClassifier

from .conftest import make_corpus

PARAMS = dict(
    filters=4, kernel_sizes=(2,), epochs=3, batch_size=16, early_stopping=False,
    random_state=0,
)  # fmt: skip


def vectorizer():
    return GloveVectorizer(max_length=12, embeddings=None)


@pytest.fixture(scope="module")
def data():
    texts, labels = make_corpus(12)
    X = np.asarray(vectorizer().fit_transform(texts))
    weights = np.where(labels == "sport", 3.0, 1.0)
    weights[::5] = 0.5
    return texts, X, labels, weights


def proba(clf, X):
    return clf.predict_proba(X)


@pytest.mark.slow
def test_balanced_weights_favour_the_minority_class():
    texts, labels = make_corpus(24)
    keep = (labels == "sport") | (np.cumsum(labels == "space") <= 4)
    texts, labels = [t for t, k in zip(texts, keep) if k], labels[keep]
    assert (labels == "space").sum() == 4 and (labels == "sport").sum() == 24
    vec = vectorizer().fit(texts)
    X = vec.transform(texts)
    test_texts, test_labels = make_corpus(10, seed=1)
    X_test = vec.transform(test_texts)

    def minority_share(clf):
        space = list(clf.classes_).index("space")
        return clf.predict_proba(X_test)[:, space].mean()

    # Enough steps for the imbalance to show (the margin was 0.12-0.17 over
    # random_state 0-3; unweighted, the test set's minority share is below 0.55).
    # The convnet alone: with the TF-IDF branch this toy set is learnt so fast
    # that the unweighted model is already balanced on it.
    params = {**PARAMS, "learning_rate": 0.01, "batch_size": 8, "bag_of_words": False}
    plain = TextCNNClassifier(**params).fit(X, labels)
    balanced = TextCNNClassifier(**params, class_weight="balanced").fit(X, labels)
    heavier = TextCNNClassifier(**params).fit(
        X, labels, sample_weight=np.where(labels == "space", 6.0, 1.0)
    )
    assert minority_share(balanced) > minority_share(plain) + 0.05
    assert minority_share(heavier) > minority_share(plain) + 0.05
    # "balanced" is exactly sample_weight = n / (n_classes * count(class)).
    as_weights = TextCNNClassifier(**params).fit(
        X, labels, sample_weight=compute_sample_weight("balanced", labels)
    )
    np.testing.assert_allclose(proba(as_weights, X_test), proba(balanced, X_test))


@pytest.mark.slow
def test_class_weight_and_sample_weight_multiply(data):
    _, X, y, w = data
    class_weight = {"space": 2.0, "sport": 0.5}
    both = TextCNNClassifier(**PARAMS, class_weight=class_weight)
    both.fit(X, y, sample_weight=w)
    product = w * np.where(y == "space", 2.0, 0.5)
    manual = TextCNNClassifier(**PARAMS).fit(X, y, sample_weight=product)
    np.testing.assert_allclose(proba(both, X), proba(manual, X), rtol=1e-6)
    only_sample = TextCNNClassifier(**PARAMS).fit(X, y, sample_weight=w)
    assert not np.allclose(proba(both, X), proba(only_sample, X))
    # A label missing from the dict keeps weight 1.
    partial = TextCNNClassifier(**PARAMS, class_weight={"space": 2.0}).fit(X, y)
    manual = TextCNNClassifier(**PARAMS).fit(
        X, y, sample_weight=np.where(y == "space", 2.0, 1.0)
    )
    np.testing.assert_allclose(proba(partial, X), proba(manual, X), rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, "list"])
@pytest.mark.slow
def test_sample_weight_is_never_modified(data, dtype):
    _, X, y, w = data
    given = w.tolist() if dtype == "list" else w.astype(dtype)
    if dtype != "list":
        given.flags.writeable = False  # any in-place write would raise
    before = np.array(given, copy=True)
    clf = TextCNNClassifier(**PARAMS, class_weight="balanced")
    clf.fit(X, y, sample_weight=given)
    np.testing.assert_array_equal(np.asarray(given), before)


def test_zero_and_negative_weights_raise_clear_errors(data):
    _, X, y, w = data
    clf = TextCNNClassifier(**PARAMS)
    with pytest.raises(ValueError, match="non-zero"):
        clf.fit(X, y, sample_weight=np.zeros(len(y)))
    zero_classes = TextCNNClassifier(**PARAMS, class_weight={"space": 0, "sport": 0})
    with pytest.raises(ValueError, match="zero for every sample"):
        zero_classes.fit(X, y)
    with pytest.raises(ValueError, match="zero for every sample"):
        TextCNNClassifier(**PARAMS, class_weight={"space": 0}).fit(
            X, y, sample_weight=(y == "space").astype(float)
        )
    with pytest.raises(ValueError, match="Only one class"):
        clf.fit(X, y, sample_weight=(y == "space").astype(float))
    negative = w.copy()
    negative[3] = -1.0
    with pytest.raises(ValueError, match="non-negative.*sample 3"):
        clf.fit(X, y, sample_weight=negative)
    with pytest.raises(ValueError, match="shape"):
        clf.fit(X, y, sample_weight=w[:-1])


@pytest.mark.parametrize("part", ["training", "validation"])
def test_zero_weight_early_stopping_split_is_reported(data, monkeypatch, part):
    _, X, y, _ = data
    # Fix the split so that the zero weights land exactly in one part.
    order = np.argsort(y, kind="stable")
    train_idx, val_idx = np.concatenate((order[:8], order[-8:])), order[8:-8]
    monkeypatch.setattr(
        TextCNNClassifier,
        "_validation_split",
        lambda self, y, rng: (train_idx, val_idx),
    )
    w = np.ones(len(y))
    w[train_idx if part == "training" else val_idx] = 0.0
    clf = TextCNNClassifier(**{**PARAMS, "early_stopping": True})
    with pytest.raises(ValueError, match=f"early-stopping {part} split"):
        clf.fit(X, y, sample_weight=w)


@pytest.mark.slow
def test_pipeline_routes_sample_weight_by_step_name(data):
    texts, X, y, w = data
    pipe = make_pipeline(vectorizer(), TextCNNClassifier(**PARAMS))
    pipe.fit(texts, y, textcnnclassifier__sample_weight=w)
    direct = TextCNNClassifier(**PARAMS).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(pipe.predict_proba(texts), proba(direct, X))
    unweighted = TextCNNClassifier(**PARAMS).fit(X, y)
    assert not np.allclose(pipe.predict_proba(texts), proba(unweighted, X))


@pytest.mark.slow
def test_metadata_routing_through_pipeline_search_and_cross_validate(data):
    texts, X, y, w = data
    # A few flipped labels: no fold scores 1.0, so that weighted and unweighted
    # scores differ.
    y = y.copy()
    y[::7] = np.where(y[::7] == "sport", "space", "sport")
    direct = TextCNNClassifier(**PARAMS).fit(X, y, sample_weight=w)
    with sklearn.config_context(enable_metadata_routing=True):
        clf = TextCNNClassifier(**PARAMS).set_fit_request(sample_weight=True)
        clf.set_score_request(sample_weight=True)
        pipe = make_pipeline(vectorizer(), clf)

        pipe.fit(texts, y, sample_weight=w)
        np.testing.assert_allclose(pipe.predict_proba(texts), proba(direct, X))

        search = GridSearchCV(pipe, {"textcnnclassifier__filters": [4]}, cv=2)
        search.fit(texts, y, sample_weight=w)
        best = search.best_estimator_
        np.testing.assert_allclose(best.predict_proba(texts), proba(direct, X))

        cv = KFold(2)
        result = cross_validate(
            pipe, texts, y, cv=cv, params={"sample_weight": w}, return_estimator=True
        )
        # The score was routed too: each fold's is its weighted accuracy,
        # which differs from the unweighted one for at least one fold.
        weighted, unweighted = [], []
        for (_, test), fitted in zip(cv.split(X), result["estimator"]):
            test_texts = [texts[i] for i in test]
            weighted.append(fitted.score(test_texts, y[test], sample_weight=w[test]))
            unweighted.append(accuracy_score(y[test], fitted.predict(test_texts)))
        np.testing.assert_allclose(result["test_score"], weighted)
        assert not np.allclose(weighted, unweighted), (weighted, unweighted)
        for (train, _), fitted in zip(cv.split(X), result["estimator"]):
            expected = TextCNNClassifier(**PARAMS).fit(
                np.asarray(vectorizer().fit_transform([texts[i] for i in train])),
                y[train],
                sample_weight=w[train],
            )
            np.testing.assert_allclose(
                fitted[-1].predict_proba(fitted[0].transform(texts)),
                proba(expected, fitted[0].transform(texts)),
            )

        # Without a request, passing weights is an error, not silently ignored.
        plain = make_pipeline(vectorizer(), TextCNNClassifier(**PARAMS))
        with pytest.raises(UnsetMetadataPassedError, match="set_fit_request"):
            plain.fit(texts, y, sample_weight=w)
