"""TextCNNClassifier on multilabel y: a binary indicator matrix in and out."""

import pickle
import warnings

import numpy as np
import pytest
from scipy import sparse
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MultiLabelBinarizer

import sktextcnn
from sktextcnn import GloveVectorizer, TextCNNClassifier

from .conftest import make_corpus

PARAMS = dict(filters=8, kernel_sizes=(2, 3), epochs=12, batch_size=12, random_state=0)


@pytest.fixture(scope="module")
def data():
    """Texts of one or two topics; label j: the text has topic j's words."""
    rng = np.random.RandomState(0)
    texts_a, topics_a = make_corpus(12, ("sport", "space", "cars"), seed=1)
    texts_b, topics_b = make_corpus(12, ("sport", "space", "cars"), seed=2)
    order = rng.permutation(len(texts_b))
    texts, labels = [], []
    for i, (a, ta) in enumerate(zip(texts_a, topics_a)):
        if i % 3 == 0:  # one topic
            texts.append(a)
            labels.append({ta})
        else:  # two topics (or one, twice)
            j = order[i]
            texts.append(a + " " + texts_b[j])
            labels.append({ta, topics_b[j]})
    mlb = MultiLabelBinarizer(classes=["cars", "space", "sport"])
    Y = mlb.fit_transform(labels)
    X = np.asarray(GloveVectorizer(max_length=24, embeddings=None).fit_transform(texts))
    return texts, X, Y


@pytest.fixture(scope="module")
def fitted(data):
    _, X, Y = data
    return TextCNNClassifier(**PARAMS).fit(X, Y)


def test_indicator_matrix_in_and_out(data, fitted):
    _, X, Y = data
    clf = fitted
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    assert clf._multilabel_["constant_labels"] == []
    proba = clf.predict_proba(X)
    assert proba.shape == Y.shape and proba.dtype == np.float64
    assert (proba > 0).all() and (proba < 1).all()
    # Independent sigmoids: rows of texts with two topics sum to more than 1.
    assert proba[Y.sum(1) == 2].sum(1).mean() > 1.5
    pred = clf.predict(X)
    assert pred.shape == Y.shape and pred.dtype == Y.dtype
    np.testing.assert_array_equal(pred, (proba > 0.5).astype(Y.dtype))
    # It learned the topics: nearly every label decision is right.
    assert (pred == Y).mean() > 0.9
    np.testing.assert_allclose(
        clf.predict_log_proba(X[:3]), np.log(proba[:3]), rtol=1e-5
    )
    assert set(clf.history_) == {"loss", "binary_accuracy"}
    assert clf.history_["loss"][-1] < clf.history_["loss"][0]


@pytest.mark.slow
def test_a_sparse_indicator_matrix_gives_the_same_model(data, fitted):
    _, X, Y = data
    clf = TextCNNClassifier(**PARAMS).fit(X, sparse.csr_matrix(Y))
    np.testing.assert_array_equal(clf.predict_proba(X), fitted.predict_proba(X))
    assert isinstance(clf.predict(X), np.ndarray)


@pytest.mark.slow
def test_lists_and_bool_give_the_same_model(data, fitted):
    _, X, Y = data
    expected = fitted.predict_proba(X)
    for y in (Y.tolist(), list(Y)):
        clf = TextCNNClassifier(**PARAMS).fit(X, y)
        np.testing.assert_array_equal(clf.predict_proba(X), expected)
    as_bool = TextCNNClassifier(**PARAMS).fit(X, Y.astype(bool))
    np.testing.assert_array_equal(as_bool.predict_proba(X), expected)
    assert as_bool.predict(X).dtype == bool


@pytest.mark.parametrize("value", [0, 1])
@pytest.mark.slow
def test_a_constant_label_column_is_predicted_as_its_value(data, value):
    _, X, Y = data
    Y = np.c_[Y, np.full(len(Y), value)]
    clf = TextCNNClassifier(**{**PARAMS, "epochs": 1})
    with pytest.warns(UserWarning, match=r"Label column\(s\) \[3\] of y hold the same"):
        clf.fit(X, Y)
    assert clf._multilabel_["constant_labels"] == [3]
    proba = clf.predict_proba(X)
    assert (proba[:, 3] == value).all()
    assert (clf.predict(X)[:, 3] == value).all()
    assert (proba[:, :3] > 0).all() and (proba[:, :3] < 1).all()


@pytest.mark.slow
def test_constant_columns_are_judged_on_the_samples_that_train(data):
    # Label 0's positives all have zero weight: nothing to learn for it.
    _, X, Y = data
    w = np.where(Y[:, 0] == 1, 0.0, 1.0)
    with pytest.warns(UserWarning, match=r"\[0\]"):
        clf = TextCNNClassifier(**{**PARAMS, "epochs": 1}).fit(X, Y, sample_weight=w)
    assert (clf.predict(X)[:, 0] == 0).all()


@pytest.mark.slow
def test_every_column_constant_does_not_crash(data):
    _, X, Y = data
    with pytest.warns(UserWarning, match=r"\[0, 1, 2\]"):
        clf = TextCNNClassifier(**{**PARAMS, "epochs": 1}).fit(X, np.zeros_like(Y))
    assert not clf.predict(X).any()


@pytest.mark.slow
def test_sample_weight_shifts_the_weighted_label(data, fitted):
    _, X, Y = data
    w = np.where(Y[:, 2] == 1, 10.0, 1.0)
    w_copy = w.copy()
    # Two epochs, before the model separates the labels: the weighted
    # positives raise label 2's mean probability (its starting log-odds are
    # the weighted share of positives; measured 0.591 against 0.578).
    params = {**PARAMS, "epochs": 2}
    weighted = TextCNNClassifier(**params).fit(X, Y, sample_weight=w)
    np.testing.assert_array_equal(w, w_copy)
    plain = TextCNNClassifier(**params).fit(X, Y)
    assert weighted.predict_proba(X)[:, 2].mean() > plain.predict_proba(X)[:, 2].mean()


@pytest.mark.parametrize("class_weight", ["balanced", {0: 2.0}])
def test_class_weight_is_refused_with_multilabel_y(data, class_weight):
    _, X, Y = data
    clf = TextCNNClassifier(**PARAMS, class_weight=class_weight)
    with pytest.raises(ValueError, match="cannot weigh a multilabel y.*sample_weight"):
        clf.fit(X, Y)
    assert not hasattr(clf, "model_")


@pytest.mark.parametrize(
    "y, match",
    [
        (lambda Y: Y[:, :1], r"y has shape \(36, 1\): one column.*y.ravel\(\)"),
        (
            lambda Y: sparse.csr_matrix(Y[:, :1]),
            r"y has shape \(36, 1\): one column",
        ),
        (
            lambda Y: np.c_[Y[:, :2], np.arange(36) % 3],
            r"holding 0, 1, 2, not a binary indicator matrix.*multiclass-multioutput",
        ),
        (
            lambda Y: np.array(
                [[int(a), "yes" if b else "no"] for a, b in Y[:, :2]], dtype=object
            ),
            r"holding .*'no'.*not a binary indicator matrix .*\(it is 'mixed types'\)",
        ),
        (
            lambda Y: [["sport"], ["space", "cars"]] * 18,
            r"sequences of different lengths.*MultiLabelBinarizer",
        ),
        (
            lambda Y: ["sport", ["space", "cars"]] * 18,
            r"mixes single labels and sequences.*MultiLabelBinarizer",
        ),
        (
            lambda Y: np.array([{"sport"}, {"space"}] * 18, dtype=object),
            r"y\[0\] is a set .*MultiLabelBinarizer",
        ),
    ],
    ids=[
        "one-column",
        "sparse-one-column",
        "multiclass-column",
        "mixed-types",
        "ragged",
        "mixed",
        "sets",
    ],
)
def test_bad_multilabel_y_is_refused(data, y, match):
    _, X, Y = data
    clf = TextCNNClassifier(**PARAMS)
    with pytest.raises(ValueError, match=match):
        clf.fit(X, y(Y))
    assert not hasattr(clf, "classes_")


@pytest.mark.slow
def test_early_stopping_splits_without_stratifying(data):
    _, X, Y = data
    clf = TextCNNClassifier(
        **{**PARAMS, "epochs": 2}, early_stopping=True, validation_fraction=0.25
    ).fit(X, Y)
    assert set(clf.history_) == {
        "loss", "binary_accuracy", "val_loss", "val_binary_accuracy"
    }  # fmt: skip
    assert len(clf.history_["val_loss"]) == clf.n_iter_


@pytest.mark.slow
def test_warm_start_continues_and_refuses_another_kind_of_y(data):
    _, X, Y = data
    clf = TextCNNClassifier(**{**PARAMS, "epochs": 1}, warm_start=True).fit(X, Y)
    model = clf.model_
    clf.fit(X, Y)
    assert clf.model_ is model and len(clf.history_["loss"]) == 2
    for other in (Y[:, 0], Y[:, :2]):
        with pytest.raises(ValueError, match="warm_start=True needs the same classes"):
            clf.fit(X, other)
    assert clf._multilabel_ is not None and len(clf.history_["loss"]) == 2


@pytest.mark.slow
def test_single_label_after_multilabel_resets_the_fitted_state(data, fitted):
    _, X, Y = data
    clf = pickle.loads(pickle.dumps(fitted))
    clf.fit(X, Y.argmax(1))
    assert clf._multilabel_ is None
    assert clf.predict(X).shape == (len(X),)
    np.testing.assert_allclose(clf.predict_proba(X).sum(1), 1.0)


def test_pickle_and_safe_file_round_trips(data, fitted, tmp_path):
    _, X, _ = data
    expected = fitted.predict_proba(X)
    for loaded in (
        pickle.loads(pickle.dumps(fitted)),
        _safe_round_trip(fitted, tmp_path / "m.sktextcnn"),
    ):
        np.testing.assert_array_equal(loaded.predict_proba(X), expected)
        np.testing.assert_array_equal(loaded.predict(X), fitted.predict(X))
        assert loaded.predict(X).dtype == fitted.predict(X).dtype
        assert loaded._multilabel_ == fitted._multilabel_


def _safe_round_trip(est, path):
    sktextcnn.save(est, path)
    return sktextcnn.load(path)


@pytest.mark.slow
def test_constant_columns_survive_a_safe_file(data, tmp_path):
    _, X, Y = data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        clf = TextCNNClassifier(**{**PARAMS, "epochs": 1}).fit(X, np.c_[Y, np.ones(36)])
    loaded = _safe_round_trip(clf, tmp_path / "c.sktextcnn")
    assert (loaded.predict_proba(X)[:, 3] == 1.0).all()
    assert loaded.predict(X).dtype == np.float64  # the dtype of that y


@pytest.mark.parametrize(
    "params",
    [
        dict(architecture="bow", bag_of_words_bigrams=True),
        dict(architecture="seed", dense_units=8),
        dict(bag_of_words=False, pooling="max_mean"),
    ],
    ids=["bow", "seed", "kim-without-bag-of-words"],
)
@pytest.mark.slow
def test_every_architecture_learns_the_labels(data, params, tmp_path):
    _, X, Y = data
    clf = TextCNNClassifier(**{**PARAMS, "epochs": 30, **params}).fit(X, Y)
    assert clf.predict_proba(X).shape == Y.shape
    assert (clf.predict(X) == Y).mean() > 0.8
    loaded = _safe_round_trip(clf, tmp_path / "a.sktextcnn")
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


@pytest.mark.slow
def test_pipeline_grid_search_with_multilabel_scorers(data):
    texts, _, Y = data
    pipe = make_pipeline(
        GloveVectorizer(max_length=24, embeddings=None),
        TextCNNClassifier(**{**PARAMS, "epochs": 6}),
    )
    search = GridSearchCV(
        pipe,
        {"textcnnclassifier__filters": [4, 8]},
        scoring=["f1_micro", "f1_macro"],
        refit="f1_micro",
        cv=KFold(2),
    ).fit(texts, Y)
    for scorer in ("f1_micro", "f1_macro"):
        scores = search.cv_results_[f"mean_test_{scorer}"]
        assert np.all((scores > 0.5) & (scores <= 1.0)), (scorer, scores)
    assert search.predict(texts[:4]).shape == (4, 3)
    assert search.best_estimator_[-1].classes_.tolist() == [0, 1, 2]


@pytest.mark.parametrize(
    "change, match",
    [
        ({"dtype": "O"}, "must name a bool, int or float dtype"),
        ({"constant_labels": [0, 0], "constant_values": [1.0, 1.0]}, "distinct"),
        ({"constant_labels": [99], "constant_values": [1.0]}, "distinct label col"),
        ({"constant_labels": [0], "constant_values": [0.5]}, "0.0 or 1.0"),
        ({"extra": 1}, "must have the keys"),
    ],
)
def test_load_checks_the_multilabel_state(fitted, change, match):
    """What sktextcnn.load accepts of ``_multilabel_`` (crafted files)."""
    from sktextcnn._model_spec import model_spec
    from sktextcnn._state_checks import check_model_fitted

    spec = model_spec(fitted.model_)
    state = {k: v for k, v in vars(fitted).items() if k in fitted._FITTED_ATTRIBUTES}
    del state["model_"]
    check_model_fitted(fitted, state, spec, "here")  # the real state passes
    bad = {**state, "_multilabel_": {**state["_multilabel_"], **change}}
    with pytest.raises(ValueError, match=match):
        check_model_fitted(fitted, bad, spec, "here")
    with pytest.raises(ValueError, match="label columns 0 .. n-1"):
        check_model_fitted(
            fitted, {**state, "classes_": state["classes_"] + 1}, spec, "here"
        )
    with pytest.raises(ValueError, match="must end in 'softmax'"):
        check_model_fitted(fitted, {**state, "_multilabel_": None}, spec, "here")
