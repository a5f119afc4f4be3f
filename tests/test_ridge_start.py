"""bag_of_words_init: the bag-of-words part's ridge start."""

import numpy as np
import pytest
from scipy import sparse
from sklearn.linear_model import Ridge

from sktextcnn import GloveVectorizer, TextCNNClassifier, _base
from sktextcnn._architectures import (
    BIGRAM_BUCKETS,
    NB_INTERPOLATION,
    RIDGE_ALPHA,
    RIDGE_LOGIT_SCALE,
    nb_scales,
    ridge_weights,
    smooth_idf,
    tfidf_features,
)

from .conftest import make_corpus


def _ridge_problem(n_samples, n_features, seed):
    """Sparse features, 3 classes and sample weights (one of them zero)."""
    rng = np.random.RandomState(seed)
    features = sparse.random(
        n_samples, n_features, density=0.3, random_state=rng, format="csr"
    )
    y = rng.randint(3, size=n_samples)
    weights = rng.uniform(0.0, 2.0, size=n_samples)
    weights[0] = 0.0
    return rng, features, y, weights


# More samples than features (the primal form) and fewer (the kernel form).
@pytest.mark.parametrize("n_samples, n_features", [(30, 12), (12, 30)])
def test_ridge_weights_solve_the_weighted_ridge_problem(n_samples, n_features):
    _, features, y, weights = _ridge_problem(n_samples, n_features, seed=0)
    W = ridge_weights(features, y, 3, weights, alpha=0.7)
    assert W.shape == (n_features, 3) and W.dtype == np.float32
    # The normal equations (X' S X + alpha I) W = X' S Y, solved densely.
    X, Y = features.toarray(), np.eye(3)[y]
    expected = np.linalg.solve(
        X.T @ (weights[:, None] * X) + 0.7 * np.eye(n_features),
        X.T @ (weights[:, None] * Y),
    )
    # Conjugate gradients stop at a relative residual of 1e-4, as sparse_cg.
    np.testing.assert_allclose(W, expected, rtol=1e-3, atol=1e-3)
    sk = Ridge(alpha=0.7, fit_intercept=False, solver="sparse_cg")
    sk.fit(features, Y, sample_weight=weights)
    np.testing.assert_allclose(W, sk.coef_.T, rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("n_samples, n_features", [(30, 12), (12, 30)])
def test_ridge_weights_with_per_class_scales(n_samples, n_features):
    rng, features, y, weights = _ridge_problem(n_samples, n_features, seed=1)
    scales = rng.uniform(0.5, 2.0, size=(n_features, 3))
    W = ridge_weights(features, y, 3, weights, alpha=0.7, scales=scales)
    X = features.toarray()
    for c in range(3):
        # Class c's ridge on the features times its scales, solved densely;
        # its weights for the unscaled features are the solution times them.
        Xc = X * scales[:, c]
        v = np.linalg.solve(
            Xc.T @ (weights[:, None] * Xc) + 0.7 * np.eye(n_features),
            Xc.T @ (weights * (y == c)),
        )
        np.testing.assert_allclose(W[:, c], scales[:, c] * v, rtol=1e-3, atol=1e-3)


def test_nb_scales_are_interpolated_log_count_ratios():
    features = sparse.csr_matrix(
        np.array([[0.5, 0.0, 0.2], [0.1, 0.3, 0.0], [0.0, 0.4, 0.0], [0.7, 0.0, 0.9]])
    )
    y = np.array([0, 1, 1, 0])
    weights = np.array([1.0, 1.0, 2.0, 1.0])
    present = (features.toarray() != 0).astype(float)
    occurrences = present.sum(axis=0)
    expected = np.empty((3, 2))
    for c in range(2):
        # Wang & Manning's r with add-one smoothing, texts weighted.
        p = 1 + (weights * (y == c)) @ present
        q = 1 + (weights * (y != c)) @ present
        r = np.abs(np.log(p / p.sum()) - np.log(q / q.sum()))
        expected[:, c] = r / (r @ occurrences / occurrences.sum())
    np.testing.assert_allclose(nb_scales(features, y, 2, weights, 1.0), expected)
    np.testing.assert_allclose(
        nb_scales(features, y, 2, weights, 0.25), 0.75 + 0.25 * expected
    )
    np.testing.assert_array_equal(nb_scales(features, y, 2, weights, 0.0), 1.0)


@pytest.mark.parametrize("length", ["short", "long"])
def test_ridge_start_scales_long_texts_only(monkeypatch, length):
    texts, labels = make_corpus(10, classes=("sport", "space", "cars"))
    X = _ids(texts)
    if length == "long":  # every text counts as long
        monkeypatch.setattr(_base, "_SHORT_TEXT", 0)
    seen = []

    def recording(features, y, n_classes, sample_weight, **kwargs):
        seen.append(kwargs["scales"])
        return ridge_weights(features, y, n_classes, sample_weight, **kwargs)

    monkeypatch.setattr(_base, "ridge_weights", recording)
    clf = _bow("ridge", bag_of_words_bigrams=False).fit(X, labels)
    (scales,) = seen
    if length == "short":
        assert scales is None and NB_INTERPOLATION["short"] == 0.0
    else:
        assert scales.shape == (clf.n_ids_, 3)
        assert NB_INTERPOLATION["long"] == 0.25 and scales.min() >= 0.75


def _ids(texts, max_length=16):
    vec = GloveVectorizer(max_length=max_length, embeddings=None).fit(texts)
    return np.asarray(vec.transform(texts))


def _bow(init, **params):
    return TextCNNClassifier(
        architecture="bow", bag_of_words_init=init, epochs=1, batch_size=8,
        random_state=0, **params,
    )  # fmt: skip


def test_ridge_start_is_the_scaled_ridge_solution(monkeypatch):
    texts, labels = make_corpus(10, classes=("sport", "space", "cars"))
    X = _ids(texts)
    captured = {}
    original = _base.BaseTextCNN._new_model

    def spy(self, *args, **kwargs):
        model, dim = original(self, *args, **kwargs)
        captured["weights"] = model.get_layer("tfidf_linear").weights_.numpy().copy()
        return model, dim

    monkeypatch.setattr(_base.BaseTextCNN, "_new_model", spy)
    clf = _bow("ridge").fit(X, labels)
    n_ids = clf.n_ids_
    # Sentences of at most 12 tokens: hashed bigrams, the short texts' scale.
    idf = smooth_idf(X, n_ids, BIGRAM_BUCKETS)
    features = tfidf_features(X, idf, n_ids, BIGRAM_BUCKETS)
    y = np.searchsorted(clf.classes_, labels)
    expected = ridge_weights(features, y, 3, np.ones(len(y)))
    np.testing.assert_allclose(
        captured["weights"], RIDGE_LOGIT_SCALE["short"] * expected, atol=1e-5
    )
    assert RIDGE_ALPHA == 0.5
    _bow("zeros").fit(X, labels)
    assert not np.any(captured["weights"])


def test_ridge_start_begins_near_a_fit_of_the_training_texts():
    texts, labels = make_corpus(20, classes=("sport", "space", "cars"))
    X = _ids(texts)
    ridge, zeros = _bow("ridge").fit(X, labels), _bow("zeros").fit(X, labels)
    # One epoch: the ridge start's mean training loss is far below the zero
    # start's (log 3 at the first step), and it already classifies them.
    assert ridge.history_["loss"][0] < 0.5 * zeros.history_["loss"][0]
    assert ridge.score(X, labels) == 1.0


@pytest.mark.slow
def test_early_stopping_ridge_sees_the_training_split_only(monkeypatch):
    texts, labels = make_corpus(20)
    X = _ids(texts)
    rows = []

    def recording(features, y, n_classes, sample_weight, **kwargs):
        rows.append(features.shape[0])
        return ridge_weights(features, y, n_classes, sample_weight, **kwargs)

    monkeypatch.setattr(_base, "ridge_weights", recording)
    TextCNNClassifier(
        filters=4, embedding_dim=8, epochs=2, early_stopping=True,
        validation_fraction=0.25, random_state=0,
    ).fit(X, labels)  # fmt: skip
    assert rows == [len(X) - 10]  # 25% of 40 texts held out


@pytest.mark.parametrize("kind", ["multilabel", "no bag of words", "zeros"])
def test_no_ridge_start(monkeypatch, kind):
    texts, labels = make_corpus(10)
    X = _ids(texts)

    def refuse(*args, **kwargs):
        raise AssertionError("ridge_weights called")

    monkeypatch.setattr(_base, "ridge_weights", refuse)
    params = dict(filters=4, embedding_dim=8, epochs=1, random_state=0)
    y = labels
    if kind == "multilabel":
        y = np.column_stack([labels == "sport", labels != "sport"]).astype(int)
    elif kind == "no bag of words":
        params["bag_of_words"] = False
    else:
        params["bag_of_words_init"] = "zeros"
    TextCNNClassifier(**params).fit(X, y)


@pytest.mark.slow
def test_partial_fit_ridge_start_from_the_first_chunk(monkeypatch):
    texts, labels = make_corpus(20)
    X = _ids(texts)
    rows = []

    def recording(features, *args, **kwargs):
        rows.append(features.shape[0])
        return ridge_weights(features, *args, **kwargs)

    monkeypatch.setattr(_base, "ridge_weights", recording)
    clf = TextCNNClassifier(filters=4, embedding_dim=8, random_state=0)
    clf.partial_fit(X[:16], labels[:16], classes=np.unique(labels))
    clf.partial_fit(X[16:], labels[16:])
    assert rows == [16]


def test_bad_bag_of_words_init_names_the_parameter():
    texts, labels = make_corpus(5)
    clf = TextCNNClassifier(bag_of_words_init="svm")
    with pytest.raises(ValueError, match="bag_of_words_init"):
        clf.fit(_ids(texts), labels)
