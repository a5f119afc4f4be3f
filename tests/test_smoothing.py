"""bag_of_words_smoothing: the ridge start smoothed over embedding neighbours."""

import numpy as np
import pytest

from sktextcnn import GloveVectorizer, TextCNNClassifier, _base, _classifier
from sktextcnn._architectures import (
    BIGRAM_BUCKETS,
    RIDGE_LOGIT_SCALE,
    SMOOTHING_NEIGHBORS,
    embedding_neighbors,
    ridge_weights,
    smooth_idf,
    smoothing_matrix,
    tfidf_features,
)

from .conftest import corpus_words, make_corpus, write_vectors


def _spread(n_features, seed=0):
    """Random neighbours of a few ids (a repeated neighbour included)."""
    rng = np.random.RandomState(seed)
    rows = np.array([1, 3, 5, 7, 9, 11], dtype=np.int32)
    neighbors = rng.randint(1, 40, size=(6, 3)).astype(np.int32)
    neighbors[0, 1] = neighbors[0, 0]
    weights = rng.uniform(0.1, 1.0, size=(6, 3)).astype(np.float32)
    dense = smoothing_matrix(rows, neighbors, weights, 1.0, n_features).toarray()
    return (rows, neighbors, weights), dense


def test_smoothing_matrix_is_identity_plus_the_weighted_neighbours():
    (rows, neighbors, weights), dense = _spread(50)
    expected = np.eye(50)
    for i, row in enumerate(rows):
        for j, weight in zip(neighbors[i], weights[i]):
            expected[row, j] += weight  # a repeated neighbour adds up
    np.testing.assert_allclose(dense, expected, rtol=1e-6)
    half = smoothing_matrix(rows, neighbors, weights, 0.5, 50).toarray()
    np.testing.assert_allclose(half - np.eye(50), 0.5 * (expected - np.eye(50)))


def test_embedding_neighbors_are_the_nearest_frequent_words():
    # ids: 0 padding, 1..6 words; 5 has no vector; 6 is rare.
    matrix = np.array(
        [
            [0.0, 0.0],
            [1.0, 0.0],
            [2.0, 0.2],  # the direction of 1, longer: cosine ~0.995
            [0.0, 1.0],
            [0.1, 1.0],
            [0.0, 0.0],
            [-1.0, -0.05],  # nearest is 3, at a negative cosine: 0
        ],
        dtype=np.float32,
    )
    idf = np.array([0.0, 1.0, 1.1, 1.2, 1.3, 1.0, 3.0], dtype=np.float32)
    rows, neighbors, similarity = embedding_neighbors(
        matrix, idf, n_neighbors=1, n_candidates=4
    )
    # Every word with a vector, its nearest among the 4 most frequent (1-4),
    # never itself.
    assert rows.tolist() == [1, 2, 3, 4, 6]
    assert neighbors[:, 0].tolist() == [2, 1, 4, 3, 3]
    unit = matrix / np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-9)
    expected = [unit[r] @ unit[n] for r, n in zip(rows, neighbors[:, 0])]
    np.testing.assert_allclose(similarity[:, 0], np.maximum(expected, 0), rtol=1e-5)
    assert similarity[-1, 0] == 0.0 and np.all(similarity[:-1] > 0.9)
    # More neighbours than other candidates: as many as there are.
    rows, neighbors, similarity = embedding_neighbors(matrix, idf, n_candidates=2)
    assert neighbors.shape == similarity.shape == (5, 1)


@pytest.fixture
def glove_texts(tmp_path):
    texts, labels = make_corpus(12, classes=("sport", "space", "cars"))
    glove = write_vectors(tmp_path / "g.5d.txt", corpus_words(texts))
    X = GloveVectorizer(embeddings=str(glove), max_length=16).fit_transform(texts)
    return X, labels


def _spy(monkeypatch):
    """Record the ridge start's weights and each neighbour search."""
    seen = {"searches": []}
    original = _base.BaseTextCNN._new_model

    def spy(self, *args, **kwargs):
        model, dim = original(self, *args, **kwargs)
        seen["weights"] = model.get_layer("tfidf_linear").weights_.numpy().copy()
        return model, dim

    def search(matrix, idf, **kwargs):
        seen["searches"].append(len(idf))
        return embedding_neighbors(matrix, idf, **kwargs)

    monkeypatch.setattr(_base.BaseTextCNN, "_new_model", spy)
    monkeypatch.setattr(_base, "embedding_neighbors", search)
    return seen


def _smoothed_start(X, labels, classes, strength):
    """The expected start: (I + S) times the ridge solution on x (I + S)."""
    ids, n_ids = np.asarray(X), X.n_ids
    idf = smooth_idf(ids, n_ids, BIGRAM_BUCKETS)  # sentences: hashed bigrams
    rows, neighbors, similarity = embedding_neighbors(X.embedding_matrix, idf)
    assert neighbors.shape[1] == SMOOTHING_NEIGHBORS
    features = tfidf_features(ids, idf, n_ids, BIGRAM_BUCKETS)
    spread = smoothing_matrix(rows, neighbors, similarity, strength, features.shape[1])
    y = np.searchsorted(classes, labels)
    solution = ridge_weights(features @ spread, y, len(classes), np.ones(len(y)))
    return RIDGE_LOGIT_SCALE["short"] * (spread @ solution)


def test_fit_starts_at_the_smoothed_ridge_solution(monkeypatch, glove_texts):
    X, labels = glove_texts
    seen = _spy(monkeypatch)
    clf = TextCNNClassifier(
        architecture="bow", bag_of_words_smoothing=0.3, epochs=1, random_state=0
    ).fit(X, labels)
    expected = _smoothed_start(X, labels, clf.classes_, 0.3)
    np.testing.assert_allclose(seen["weights"], expected, rtol=1e-4, atol=1e-5)
    # The smoothing is in the start only: the model is the usual one.
    plain = TextCNNClassifier(
        architecture="bow", bag_of_words_smoothing=0.0, epochs=1, random_state=0
    ).fit(X, labels)
    assert [w.shape for w in plain.model_.weights] == [
        w.shape for w in clf.model_.weights
    ]
    assert not np.allclose(seen["weights"], expected)  # the zero-strength start


@pytest.mark.parametrize(
    "case, smoothed",
    [
        ("auto", True),
        ("large vocabulary", False),
        # Each a full fit (~3 s, mostly Keras tracing): CI's run, not the fast loop.
        *(
            pytest.param(case, False, marks=pytest.mark.slow)
            for case in ("off", "zeros start", "multilabel", "random embeddings")
        ),
    ],
)
def test_auto_smoothing(monkeypatch, glove_texts, case, smoothed):
    X, labels = glove_texts
    seen = _spy(monkeypatch)
    params = dict(filters=4, epochs=1, random_state=0)
    y = labels
    if case == "off":
        params["bag_of_words_smoothing"] = 0.0
    elif case == "large vocabulary":
        monkeypatch.setattr(_classifier, "_SMOOTHING_MAX_IDS", X.n_ids - 1)
    elif case == "zeros start":
        params["bag_of_words_init"] = "zeros"
    elif case == "multilabel":
        y = np.column_stack([labels == "sport", labels == "space"]).astype(int)
    elif case == "random embeddings":
        params["embedding_init"] = "random"
    TextCNNClassifier(**params).fit(X, y)
    assert bool(seen["searches"]) == smoothed
    if case == "auto":
        assert _classifier._SMOOTHING_STRENGTH == 0.1
        # Convnet and bag of words: the part starts at the smoothed solution.
        expected = _smoothed_start(X, labels, np.unique(labels), 0.1)
        np.testing.assert_allclose(seen["weights"], expected, rtol=1e-4, atol=1e-5)


@pytest.mark.slow
def test_partial_fit_smooths_its_first_chunk_start(monkeypatch, glove_texts):
    X, labels = glove_texts
    seen = _spy(monkeypatch)
    clf = TextCNNClassifier(filters=4, random_state=0)
    clf.partial_fit(X[:18], labels[:18], classes=np.unique(labels))
    clf.partial_fit(X[18:], labels[18:])
    assert len(seen["searches"]) == 1


@pytest.mark.parametrize("value", [-0.1, "on", None])
def test_bad_smoothing_names_the_parameter(glove_texts, value):
    X, labels = glove_texts
    clf = TextCNNClassifier(bag_of_words_smoothing=value)
    with pytest.raises(ValueError, match="bag_of_words_smoothing"):
        clf.fit(X, labels)
    assert not hasattr(clf, "model_")
