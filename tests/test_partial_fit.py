"""partial_fit: one pass per chunk, state kept between calls, bad chunks refused."""

import pickle

import numpy as np
import pytest
from sklearn.metrics import log_loss

import sktextcnn
from sktextcnn import GloveVectorizer, TextCNNClassifier, TextCNNRegressor
from sktextcnn._architectures import smooth_idf
from sktextcnn._model_spec import seed_variables
from sktextcnn._training import variable_values

from .conftest import make_corpus, run_fresh_python

SMALL = dict(filters=8, kernel_sizes=(2, 3), batch_size=16, random_state=0)


@pytest.fixture(scope="module")
def stream():
    """Token ids of 3 chunks (TokenSequences), their labels, and the vectorizer."""
    texts, labels = make_corpus(30, ("sport", "space", "cars"))
    vec = GloveVectorizer(max_length=12, embeddings=None).fit(texts)
    X = vec.transform(texts)
    chunks = [(X[i : i + 30], labels[i : i + 30]) for i in range(0, 90, 30)]
    return chunks, X, labels, vec


@pytest.fixture(scope="module")
def runs(stream):
    """An uninterrupted run over the first 2 chunks, and its state after 1."""
    chunks, _, labels, _ = stream
    first = TextCNNClassifier(**SMALL).partial_fit(
        *chunks[0], classes=np.unique(labels)
    )
    after_one = pickle.dumps(first)
    whole = first.partial_fit(*chunks[1])
    return whole, after_one


def train(clf, chunks, classes):
    for i, (X, y) in enumerate(chunks):
        clf.partial_fit(X, y, classes=classes if i == 0 else None)
    return clf


def state(est):
    """Everything training changes: weights, optimizer, seeds, history."""
    model_values, optimizer_values = variable_values(est.model_)
    return model_values + optimizer_values, dict(est.history_), est.n_iter_


def assert_same_state(before, after):
    for a, b in zip(before[0], after[0], strict=True):
        np.testing.assert_array_equal(a, b)
    assert before[1:] == after[1:]


def test_one_pass_per_call_history_and_n_iter(stream, runs):
    chunks, X, labels, _ = stream
    clf = pickle.loads(pickle.dumps(runs[0]))
    assert clf.n_iter_ == 2
    X3, y3 = chunks[2]
    before = log_loss(y3, clf.predict_proba(X3), labels=clf.classes_)
    clf.partial_fit(X3, y3)
    assert clf.n_iter_ == 3
    assert set(clf.history_) == {"loss", "accuracy"}
    assert len(clf.history_["loss"]) == 3
    # The pass learns from the chunk: its loss on it falls.
    assert log_loss(y3, clf.predict_proba(X3), labels=clf.classes_) < before
    np.testing.assert_array_equal(clf.classes_, ["cars", "space", "sport"])
    assert clf.score(X, labels) > 0.5


@pytest.mark.slow
def test_first_call_builds_the_model_fit_builds(stream):
    chunks, _, labels, _ = stream
    X, y = chunks[0]
    by_fit = TextCNNClassifier(**SMALL, epochs=1).fit(X, y)
    by_partial = TextCNNClassifier(**SMALL).partial_fit(X, y, classes=np.unique(y))
    for a, b in zip(by_fit.model_.get_weights(), by_partial.model_.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert by_fit.history_ == by_partial.history_


@pytest.mark.slow
def test_classes_may_hold_labels_a_chunk_lacks(stream):
    chunks, X, labels, _ = stream
    X0, y0 = chunks[0]
    only_two = y0 != "cars"
    clf = TextCNNClassifier(**SMALL).partial_fit(
        X0[only_two], y0[only_two], classes=["sport", "space", "cars"]
    )
    assert clf.predict_proba(X).shape == (len(X), 3)
    clf.partial_fit(X0[~only_two], y0[~only_two])  # one class only: fine
    assert clf.n_iter_ == 2


@pytest.mark.slow
def test_idf_is_fixed_by_the_first_chunk(stream):
    chunks, _, labels, _ = stream
    clf = TextCNNClassifier(**SMALL, bag_of_words_bigrams=False)
    clf.partial_fit(*chunks[0], classes=np.unique(labels))
    idf = clf.model_.get_layer("tfidf_linear").idf.numpy()
    expected = smooth_idf(np.asarray(chunks[0][0]), clf.n_ids_, 0)
    np.testing.assert_allclose(idf, expected, rtol=1e-6)
    clf.partial_fit(*chunks[1])
    np.testing.assert_array_equal(clf.model_.get_layer("tfidf_linear").idf, idf)


@pytest.mark.slow
def test_regressor_standardizes_with_the_first_chunk(stream):
    chunks, X, labels, _ = stream
    ratings = {"sport": 1.0, "space": 3.0, "cars": 8.0}
    reg = TextCNNRegressor(**SMALL)
    y0 = np.array([ratings[c] for c in chunks[0][1]])
    reg.partial_fit(chunks[0][0], y0)
    mean, scale = reg.target_mean_.copy(), reg.target_scale_.copy()
    np.testing.assert_allclose(mean, [y0.mean()])
    np.testing.assert_allclose(scale, [y0.std()])
    y1 = np.array([ratings[c] for c in chunks[1][1]]) * 10  # other units
    reg.partial_fit(chunks[1][0], y1)
    np.testing.assert_array_equal(reg.target_mean_, mean)
    np.testing.assert_array_equal(reg.target_scale_, scale)
    assert reg.n_iter_ == 2 and len(reg.history_["loss"]) == 2
    assert reg.predict(X).shape == (len(X),)


def test_pickle_between_calls_continues_identically(stream, runs):
    chunks, X, _, _ = stream
    whole, after_one = runs
    resumed = pickle.loads(after_one)
    resumed.partial_fit(*chunks[1])
    np.testing.assert_array_equal(whole.predict_proba(X), resumed.predict_proba(X))
    assert whole.history_ == resumed.history_ and resumed.n_iter_ == 2


@pytest.mark.slow
def test_save_load_between_calls_continues_identically(stream, runs, tmp_path):
    chunks, X, _, _ = stream
    whole, after_one = runs
    sktextcnn.save(pickle.loads(after_one), tmp_path / "first.sktextcnn")
    loaded = sktextcnn.load(tmp_path / "first.sktextcnn")
    assert loaded._rng_state_[0] == "MT19937"
    loaded.partial_fit(*chunks[1])
    np.testing.assert_array_equal(whole.predict_proba(X), loaded.predict_proba(X))


def test_dropout_seeds_travel_in_the_pickle(runs):
    """Without the seed generators' states, the dropout masks would repeat."""
    clf = runs[0]
    seeds = [v.numpy() for v in seed_variables(clf.model_)]
    assert seeds  # the model has dropout
    back = pickle.loads(pickle.dumps(clf)).model_
    for a, b in zip(seeds, seed_variables(back), strict=True):
        np.testing.assert_array_equal(a, b.numpy())


@pytest.mark.slow
def test_continue_in_another_process(stream, runs, tmp_path):
    chunks, X, _, _ = stream
    whole, after_one = runs
    data = tmp_path / "data.pkl"
    with open(data, "wb") as f:
        pickle.dump((after_one, np.asarray(chunks[1][0]), chunks[1][1]), f)
    out = tmp_path / "proba.npy"
    np.save(tmp_path / "X.npy", np.asarray(X))
    run_fresh_python(
        "import pickle, numpy as np\n"
        f"state, X1, y1 = pickle.load(open({str(data)!r}, 'rb'))\n"
        "clf = pickle.loads(state).partial_fit(X1, y1)\n"
        f"X = np.load({str(tmp_path / 'X.npy')!r})\n"
        f"np.save({str(out)!r}, clf.predict_proba(X))\n"
    )
    np.testing.assert_array_equal(whole.predict_proba(X), np.load(out))


@pytest.mark.slow
def test_fit_after_partial_fit_starts_over(stream):
    chunks, X, labels, _ = stream
    clf = train(TextCNNClassifier(**SMALL), chunks[:1], np.unique(labels))
    clf.set_params(epochs=2).fit(X, labels)
    assert clf.n_iter_ == 2 and len(clf.history_["loss"]) == 2
    assert not hasattr(clf, "_rng_state_")
    fresh = TextCNNClassifier(**SMALL, epochs=2).fit(X, labels)
    np.testing.assert_array_equal(clf.predict_proba(X), fresh.predict_proba(X))


@pytest.mark.slow
def test_partial_fit_continues_a_fitted_model(stream):
    chunks, X, labels, _ = stream
    clf = TextCNNClassifier(**SMALL, epochs=2, early_stopping=True)
    clf.fit(X, labels)
    model = clf.model_
    clf.partial_fit(*chunks[0])
    assert clf.model_ is model and clf.n_iter_ == 3
    # The pass logs no validation loss: NaN keeps the lists one per pass.
    assert len(clf.history_["val_loss"]) == len(clf.history_["loss"]) == 3
    assert np.isnan(clf.history_["val_loss"][-1])


@pytest.mark.slow
def test_multilabel_first_chunk_fixes_the_columns(stream):
    chunks, X, labels, _ = stream
    Y = np.column_stack([labels == "sport", labels != "space", labels == "cars"])
    Y = Y.astype(int)
    clf = TextCNNClassifier(**SMALL)
    clf.partial_fit(X[:30], Y[:30])  # classes optional with an indicator matrix
    clf.partial_fit(X[30:], Y[30:], classes=[0, 1, 2])
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    assert clf._multilabel_["constant_labels"] == []
    assert clf.predict(X).shape == Y.shape
    before = state(clf)
    with pytest.raises(ValueError, match="has 2 label columns, but the model"):
        clf.partial_fit(X[:30], Y[:30, :2])
    assert_same_state(before, state(clf))


def _other_vocabulary(stream):
    _, _, _, vec = stream
    texts, _ = make_corpus(5, ("cars",), seed=3)
    bigger = GloveVectorizer(max_length=12, embeddings=None).fit(
        texts + ["zebra unicorn platypus"]
    )
    return bigger.transform(texts[:4] * 2)


BAD_CHUNKS = {
    "unseen label": (
        lambda s: (s[0][1][0][:6], np.array(["sport"] * 5 + ["golf"])),
        {},
        r"y holds label\(s\) \['golf'\] not in classes",
    ),
    "other max_length": (
        lambda s: (np.zeros((3, 20), dtype=np.int32) + 1, s[2][:3]),
        {},
        "X has 20 features, but TextCNNClassifier is expecting 12 .* same vectorizer",
    ),
    "ids beyond the vocabulary": (
        lambda s: (np.full((3, 12), 500, dtype=np.int32), s[2][:3]),
        {},
        "token id 500, outside the vocabulary",
    ),
    "other vocabulary": (
        lambda s: (_other_vocabulary(s), s[2][:8]),
        {},
        "vocabulary of .* token ids, but the model was built for",
    ),
    "empty chunk": (
        lambda s: (s[1][:0], s[2][:0]),
        {},
        r"empty chunk \(X holds 0 texts\)",
    ),
    "other classes": (
        lambda s: s[0][1],
        {"classes": ["sport", "space"]},
        "is not the same as on the first call",
    ),
    "indicator matrix after labels": (
        lambda s: (s[1][:4], np.eye(4, 3, dtype=int)),
        {},
        "built for labels",
    ),
}


@pytest.mark.parametrize("case", list(BAD_CHUNKS))
def test_bad_chunk_is_refused_and_changes_nothing(stream, runs, case):
    clf = pickle.loads(runs[1])  # after one chunk
    before = state(clf)
    rng_state = clf._rng_state_
    make, kwargs, match = BAD_CHUNKS[case]
    X, y = make(stream)
    with pytest.raises(ValueError, match=match):
        clf.partial_fit(X, y, **kwargs)
    assert_same_state(before, state(clf))
    np.testing.assert_array_equal(clf._rng_state_[1], rng_state[1])
    assert clf.n_features_in_ == 12


def test_first_call_without_classes_leaves_it_unfitted(stream):
    chunks, _, _, _ = stream
    clf = TextCNNClassifier(**SMALL)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        clf.partial_fit(*chunks[0])
    assert not hasattr(clf, "model_") and not hasattr(clf, "classes_")


def test_balanced_class_weight_is_refused(stream):
    chunks, _, labels, _ = stream
    clf = TextCNNClassifier(**SMALL, class_weight="balanced")
    with pytest.raises(ValueError, match="'balanced' is not supported by partial_fit"):
        clf.partial_fit(*chunks[0], classes=np.unique(labels))
    assert not hasattr(clf, "model_")


@pytest.mark.slow
def test_dict_class_weight_weighs_each_chunk(stream):
    chunks, _, labels, _ = stream
    X, y = chunks[0]
    weighted = TextCNNClassifier(**SMALL, class_weight={"cars": 0.0})
    weighted.partial_fit(X, y, classes=np.unique(labels))
    keep = y != "cars"
    by_dropping = TextCNNClassifier(**SMALL).partial_fit(
        X, y, classes=np.unique(labels), sample_weight=keep.astype(float)
    )
    for a, b in zip(weighted.model_.get_weights(), by_dropping.model_.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_regressor_refuses_another_number_of_targets(stream):
    chunks, _, _, _ = stream
    X, labels = chunks[0]
    y = (labels == "sport").astype(float)
    reg = TextCNNRegressor(**SMALL).partial_fit(X, y)
    before = state(reg)
    with pytest.raises(ValueError, match="number of targets differ"):
        reg.partial_fit(X, np.column_stack([y, y]))
    assert_same_state(before, state(reg))
    np.testing.assert_array_equal(reg.target_mean_, [y.mean()])
