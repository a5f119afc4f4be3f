"""bag_of_words_smoothing: the bag of words smoothed over embedding neighbours."""

import pickle

import numpy as np
import pytest
from keras import ops

from sktextcnn import GloveVectorizer, TextCNNClassifier, _base, _classifier
from sktextcnn._architectures import (
    RIDGE_LOGIT_SCALE,
    SMOOTHING_NEIGHBORS,
    build_model,
    compile_model,
    embedding_neighbors,
    ridge_weights,
    smooth_idf,
    smoothed_step,
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


def test_smoothed_step_is_the_change_of_variables():
    # Features x (I + S), weights V: the model computes x W with
    # W = (I + S) V, and a step on V moves W by (I + S)(I + S)^T grad_W.
    # Rows past the unigrams (hashed bigrams) have no neighbours.
    smoothing, dense = _spread(60)
    gradient = np.random.RandomState(1).randn(60, 4).astype(np.float32)
    step = smoothed_step(ops.convert_to_tensor(gradient), *smoothing)
    np.testing.assert_allclose(
        ops.convert_to_numpy(step), dense @ dense.T @ gradient, rtol=1e-5, atol=1e-5
    )


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


def test_an_optimizer_step_is_preconditioned():
    # The bag-of-words part alone, one SGD step from the same weights with
    # and without the smoothing: the smoothed step is (I+S)(I+S)^T times the
    # plain one (the gradient is the same at the same weights).
    smoothing, dense = _spread(40, seed=2)
    rng = np.random.RandomState(0)
    ids = rng.randint(1, 40, size=(8, 6)).astype(np.int32)
    y = rng.randint(3, size=8)
    start = rng.randn(40, 3).astype(np.float32)
    steps = []
    for spread in (None, smoothing):
        model = build_model("bow", 40, 1, 3)
        compile_model(model, "adam", batch_size=8)
        layer = model.get_layer("tfidf_linear")
        layer.idf.assign(np.ones(40, dtype=np.float32))
        layer.weights_.assign(start)
        model.optimizer.smoothing = spread
        model.train_on_batch(ids, y)
        steps.append(layer.weights_.numpy() - start)
    np.testing.assert_allclose(steps[1], dense @ dense.T @ steps[0], atol=1e-5)
    assert np.abs(steps[1] - steps[0]).max() > 1e-3


@pytest.fixture
def glove_texts(tmp_path):
    texts, labels = make_corpus(12, classes=("sport", "space", "cars"))
    glove = write_vectors(tmp_path / "g.5d.txt", corpus_words(texts))
    X = GloveVectorizer(embeddings=str(glove), max_length=16).fit_transform(texts)
    return X, labels


def _spy(monkeypatch):
    """Record the ridge start's weights and the optimizer's smoothing."""
    seen = {}
    original = _base.BaseTextCNN._new_model

    def spy(self, *args, **kwargs):
        model, dim = original(self, *args, **kwargs)
        layer = model.get_layer("tfidf_linear")
        seen["weights"] = layer.weights_.numpy().copy()
        seen["smoothing"] = model.optimizer.smoothing
        return model, dim

    monkeypatch.setattr(_base.BaseTextCNN, "_new_model", spy)
    return seen


def test_fit_starts_at_the_smoothed_ridge_solution(monkeypatch, glove_texts):
    X, labels = glove_texts
    seen = _spy(monkeypatch)
    clf = TextCNNClassifier(
        architecture="bow", bag_of_words_smoothing=0.3, epochs=1, random_state=0
    ).fit(X, labels)
    ids, n_ids = np.asarray(X), clf.n_ids_
    idf = smooth_idf(ids, n_ids, 2**17)  # sentences: hashed bigrams
    rows, neighbors, similarity = embedding_neighbors(X.embedding_matrix, idf)
    assert neighbors.shape[1] == SMOOTHING_NEIGHBORS
    features = tfidf_features(ids, idf, n_ids, 2**17)
    spread = smoothing_matrix(rows, neighbors, similarity, 0.3, features.shape[1])
    y = np.searchsorted(clf.classes_, labels)
    solution = ridge_weights(features @ spread, y, 3, np.ones(len(y)))
    np.testing.assert_allclose(
        seen["weights"],
        RIDGE_LOGIT_SCALE["short"] * (spread @ solution),
        rtol=1e-4,
        atol=1e-5,
    )
    smoothing = seen["smoothing"]
    np.testing.assert_array_equal(smoothing[0], rows)
    np.testing.assert_allclose(smoothing[2], 0.3 * similarity)
    # Only the training steps of that fit: the fitted model has none.
    assert clf.model_.optimizer.smoothing is None


@pytest.mark.parametrize(
    "case, expected",
    [
        ("auto", _classifier._SMOOTHING_STRENGTH),
        ("off", None),
        ("large vocabulary", None),
        ("multilabel", None),
        ("random embeddings", None),
    ],
)
def test_auto_smoothing(monkeypatch, glove_texts, case, expected):
    X, labels = glove_texts
    seen = _spy(monkeypatch)
    params = dict(filters=4, epochs=1, random_state=0)
    y = labels
    if case == "off":
        params["bag_of_words_smoothing"] = 0.0
    elif case == "large vocabulary":
        monkeypatch.setattr(_classifier, "_SMOOTHING_MAX_IDS", X.n_ids - 1)
    elif case == "multilabel":
        y = np.column_stack([labels == "sport", labels == "space"]).astype(int)
    elif case == "random embeddings":
        params["embedding_init"] = "random"
    TextCNNClassifier(**params).fit(X, y)
    if expected is None:
        assert seen["smoothing"] is None
    else:
        assert seen["smoothing"] is not None
        rows, neighbors, weights = seen["smoothing"]
        _, _, similarity = embedding_neighbors(
            X.embedding_matrix, smooth_idf(np.asarray(X), X.n_ids, 2**17)
        )
        np.testing.assert_allclose(weights, expected * similarity)


def test_later_fits_train_without_smoothing(monkeypatch, glove_texts):
    X, labels = glove_texts
    seen = _spy(monkeypatch)
    clf = TextCNNClassifier(filters=4, epochs=1, warm_start=True, random_state=0)
    clf.fit(X, labels)
    assert seen["smoothing"] is not None
    restored = pickle.loads(pickle.dumps(clf))
    # A warm-started fit trains plainly, in memory as after a pickle: the
    # same weights either way.
    clf.fit(X, labels)
    restored.fit(X, labels)
    np.testing.assert_allclose(
        clf.predict_proba(X), restored.predict_proba(X), rtol=1e-5, atol=1e-6
    )
    partial = TextCNNClassifier(filters=4, random_state=0)
    partial.partial_fit(X, labels, classes=np.unique(labels))
    assert seen["smoothing"] is None


def test_smoothing_changes_the_fit_not_the_model(glove_texts):
    X, labels = glove_texts
    fits = [
        TextCNNClassifier(
            filters=4, epochs=2, bag_of_words_smoothing=s, random_state=0
        ).fit(X, labels)
        for s in (0.0, 0.3)
    ]
    plain, smoothed = (clf.model_ for clf in fits)
    assert [w.shape for w in plain.weights] == [w.shape for w in smoothed.weights]
    assert not np.allclose(
        plain.get_layer("tfidf_linear").weights_.numpy(),
        smoothed.get_layer("tfidf_linear").weights_.numpy(),
    )


@pytest.mark.parametrize("value", [-0.1, "on", None])
def test_bad_smoothing_names_the_parameter(glove_texts, value):
    X, labels = glove_texts
    clf = TextCNNClassifier(bag_of_words_smoothing=value)
    with pytest.raises(ValueError, match="bag_of_words_smoothing"):
        clf.fit(X, labels)
    assert not hasattr(clf, "model_")
