"""TextCNNRegressor: the classifier's model with a linear output, on numbers."""

import pickle

import keras
import numpy as np
import pytest
from sklearn.base import clone, is_regressor
from sklearn.exceptions import NotFittedError
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import make_pipeline
from sklearn.utils import get_tags

import sktextcnn
from sktextcnn import GloveVectorizer, TextCNNRegressor

from .conftest import corpus_words, write_vectors

PARAMS = dict(filters=8, kernel_sizes=(2, 3), epochs=20, batch_size=20, random_state=0)
GOOD = "great superb fine lovely best".split()
BAD = "awful dull poor worst bad".split()
NEUTRAL = "the film movie a plot actor story".split()


def rated_texts(n=60, seed=0):
    """Reviews of 4 opinion words; the rating (0-4) counts the good ones."""
    rng = np.random.RandomState(seed)
    texts, ratings = [], []
    for _ in range(n):
        k = rng.randint(0, 5)
        words = [*rng.choice(GOOD, k), *rng.choice(BAD, 4 - k), *rng.choice(NEUTRAL, 3)]
        texts.append(" ".join(rng.permutation(words)))
        ratings.append(float(k))
    return texts, np.asarray(ratings)


@pytest.fixture(scope="module")
def data():
    texts, y = rated_texts()
    X = np.asarray(GloveVectorizer(max_length=8, embeddings=None).fit_transform(texts))
    return texts, X, y


@pytest.fixture(scope="module")
def fitted(data):
    _, X, y = data
    return TextCNNRegressor(**PARAMS).fit(X, y)


def test_fit_predict_score(data, fitted):
    _, X, y = data
    reg = fitted
    assert reg.n_outputs_ == 1
    np.testing.assert_allclose(reg.target_mean_, [y.mean()])
    np.testing.assert_allclose(reg.target_scale_, [y.std()])
    pred = reg.predict(X)
    assert pred.shape == y.shape and pred.dtype == np.float64
    # In the units of y: the training ratings are learned.
    assert reg.score(X, y) == pytest.approx(r2_score(y, pred))
    assert reg.score(X, y) > 0.8
    assert 0.5 < pred.std() / y.std() < 1.5
    assert set(reg.history_) == {"loss"} and len(reg.history_["loss"]) == 20
    assert reg.history_["loss"][-1] < reg.history_["loss"][0]
    assert reg.model_.loss == "mean_squared_error"
    assert reg.model_.get_layer("output").get_config()["activation"] == "linear"


@pytest.mark.slow
def test_targets_are_standardized_inside_fit(data, fitted):
    # An affine change of y changes nothing the model sees: the predictions
    # change by the same map.
    _, X, y = data
    shifted = TextCNNRegressor(**PARAMS).fit(X, 100.0 * y - 7.0)
    np.testing.assert_allclose(shifted.target_mean_, 100.0 * fitted.target_mean_ - 7)
    np.testing.assert_allclose(shifted.target_scale_, 100.0 * fitted.target_scale_)
    np.testing.assert_allclose(
        shifted.predict(X), 100.0 * fitted.predict(X) - 7.0, rtol=1e-4, atol=1e-3
    )


@pytest.mark.slow
def test_two_targets_and_a_column_vector(data):
    _, X, y = data
    Y = np.c_[y, 10.0 - 3.0 * y]
    reg = TextCNNRegressor(**PARAMS).fit(X, Y)
    assert reg.n_outputs_ == 2 and reg.target_mean_.shape == (2,)
    pred = reg.predict(X)
    assert pred.shape == (len(X), 2)
    assert reg.score(X, Y) > 0.8
    # One column: 1-D predictions, as MLPRegressor.
    column = TextCNNRegressor(**{**PARAMS, "epochs": 1}).fit(X, y[:, None])
    assert column.n_outputs_ == 1 and column.predict(X).shape == (len(X),)


@pytest.mark.slow
def test_huber_loss(data):
    _, X, y = data
    reg = TextCNNRegressor(**PARAMS, loss="huber").fit(X, y)
    assert reg.model_.loss == "huber"
    assert reg.score(X, y) > 0.7


@pytest.mark.slow
def test_sample_weight_weighs_the_standardization(data):
    _, X, y = data
    w = np.where(y > 2, 3.0, 1.0)
    w_copy = w.copy()
    reg = TextCNNRegressor(**{**PARAMS, "epochs": 1}).fit(X, y, sample_weight=w)
    np.testing.assert_array_equal(w, w_copy)
    mean = np.average(y, weights=w)
    np.testing.assert_allclose(reg.target_mean_, [mean])
    np.testing.assert_allclose(
        reg.target_scale_, [np.sqrt(np.average((y - mean) ** 2, weights=w))]
    )
    # Samples of zero weight count for nothing, not even their targets' scale.
    outliers = np.r_[y, 1e6, -1e6]
    X2 = np.r_[X, X[:2]]
    reg = TextCNNRegressor(**{**PARAMS, "epochs": 1}).fit(
        X2, outliers, sample_weight=np.r_[np.ones(len(y)), 0.0, 0.0]
    )
    np.testing.assert_allclose(reg.target_mean_, [y.mean()])
    np.testing.assert_allclose(reg.target_scale_, [y.std()])


@pytest.mark.slow
def test_a_constant_target_is_predicted_near_its_value(data):
    _, X, _ = data
    reg = TextCNNRegressor(**{**PARAMS, "epochs": 5}).fit(X, np.full(len(X), 3.5))
    np.testing.assert_array_equal(reg.target_scale_, [1.0])
    np.testing.assert_allclose(reg.predict(X), 3.5, atol=0.5)


@pytest.mark.parametrize(
    "y, error, match",
    [
        (
            lambda y: y.astype(str),
            ValueError,
            r"y holds '.*' \(a str\) at flat index 0",
        ),
        (
            lambda y: [*y[:-1].tolist(), "high"],
            ValueError,
            r"y holds 'high' \(a str\) at flat index 59: TextCNNRegressor predicts "
            "numbers; for class labels use TextCNNClassifier",
        ),
        (lambda y: [*y[:-1].tolist(), None], ValueError, "missing value"),
        (lambda y: np.r_[y[:-1], np.nan], ValueError, "Input y contains NaN"),
        (lambda y: np.r_[y[:-1], np.inf], ValueError, "Input y contains infinity"),
        (
            lambda y: __import__("scipy").sparse.csr_matrix(y[:, None]),
            TypeError,
            r"sparse matrix; TextCNNRegressor takes dense numeric targets",
        ),
        (
            lambda y: np.zeros((60, 0)),
            ValueError,
            r"0 feature\(s\) \(shape=\(60, 0\)\)",
        ),
        (lambda y: y[:-1], ValueError, "inconsistent numbers of samples"),
    ],
    ids=["strings", "one-string", "None", "NaN", "inf", "sparse", "no-column", "short"],
)
def test_bad_targets_are_refused(data, y, error, match):
    _, X, target = data
    reg = TextCNNRegressor(**PARAMS)
    with pytest.raises(error, match=match):
        reg.fit(X, y(target))
    assert not hasattr(reg, "model_")


def test_no_predict_proba_and_regressor_tags(fitted):
    with pytest.raises(AttributeError, match="predict_proba"):
        fitted.predict_proba  # noqa: B018
    assert not hasattr(fitted, "predict_log_proba")
    assert not hasattr(fitted, "classes_")
    assert is_regressor(fitted)
    tags = get_tags(fitted)
    assert tags.target_tags.multi_output and tags.target_tags.required
    assert tags.input_tags.categorical and tags.regressor_tags is not None
    with pytest.raises(NotFittedError):
        clone(fitted).predict(np.ones((2, 8), dtype=int))


def test_the_bag_of_words_step_is_capped_for_overlapping_texts():
    # Texts made of the same few words: their TF-IDF vectors nearly coincide,
    # and in batches of 256 the per-text step would make the squared error
    # diverge.
    rng = np.random.RandomState(0)
    X = rng.randint(1, 4, size=(512, 6))
    y = (X == 1).sum(1) + rng.normal(0, 0.1, 512)
    reg = TextCNNRegressor(
        architecture="bow", epochs=20, batch_size=256, random_state=0
    ).fit(X, y)
    assert np.all(np.isfinite(reg.history_["loss"]))
    assert reg.history_["loss"][-1] < 0.5 * reg.history_["loss"][0]
    # 1/32 per text is 8 per batch of 256: the cap keeps it far below.
    assert reg.model_.optimizer.wide_learning_rate < 1.0
    # Without the cap, the same fit diverges.
    from sktextcnn import _architectures

    uncapped = _architectures.Loss((), 1 / 32, True)  # no curvature: no cap
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(_architectures.LOSSES, "mean_squared_error", uncapped)
        with pytest.raises(FloatingPointError, match="Training diverged"):
            clone(reg).fit(X, y)


@pytest.mark.slow
def test_warm_start_keeps_the_standardization(data):
    _, X, y = data
    reg = TextCNNRegressor(**{**PARAMS, "epochs": 1}, warm_start=True).fit(X, y)
    mean, scale, model = reg.target_mean_, reg.target_scale_, reg.model_
    reg.fit(X, y + 1.0)
    assert reg.model_ is model and len(reg.history_["loss"]) == 2
    np.testing.assert_array_equal(reg.target_mean_, mean)
    np.testing.assert_array_equal(reg.target_scale_, scale)
    with pytest.raises(ValueError, match="the same number of targets and vocabulary"):
        reg.fit(X, np.c_[y, y])
    assert reg.n_outputs_ == 1 and len(reg.history_["loss"]) == 2


@pytest.mark.slow
def test_an_interrupted_refit_keeps_the_old_model(data, fitted):
    _, X, y = data
    reg = pickle.loads(pickle.dumps(fitted))
    before = {k: v for k, v in vars(reg).items() if k.endswith("_")}
    pred = reg.predict(X)

    class Stop(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            raise KeyboardInterrupt

    reg.set_params(callbacks=[Stop()], epochs=1)
    with pytest.raises(KeyboardInterrupt):
        reg.fit(X, np.c_[y, y])
    assert {k for k in vars(reg) if k.endswith("_")} == set(before)
    assert reg.n_outputs_ == 1 and reg.model_ is before["model_"]
    np.testing.assert_array_equal(reg.target_mean_, before["target_mean_"])
    np.testing.assert_array_equal(reg.predict(X), pred)


@pytest.mark.slow
def test_early_stopping_and_callbacks_get_the_loss(data):
    _, X, y = data
    seen = []
    logger = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: seen.append(sorted(logs))
    )
    reg = TextCNNRegressor(
        **{**PARAMS, "epochs": 2}, early_stopping=True, callbacks=[logger]
    ).fit(X, y)
    assert set(reg.history_) == {"loss", "val_loss"}
    assert seen == [["loss", "val_loss"]] * reg.n_iter_


def test_pickle_and_safe_file_round_trips(data, fitted, tmp_path):
    _, X, _ = data
    expected = fitted.predict(X)
    sktextcnn.save(fitted, tmp_path / "r.sktextcnn")
    for loaded in (
        pickle.loads(pickle.dumps(fitted)),
        sktextcnn.load(tmp_path / "r.sktextcnn"),
    ):
        assert type(loaded) is TextCNNRegressor
        assert repr(loaded) == repr(fitted)
        np.testing.assert_array_equal(loaded.predict(X), expected)
        np.testing.assert_array_equal(loaded.target_scale_, fitted.target_scale_)


@pytest.mark.parametrize("architecture", ["kim", "seed", "bow"])
@pytest.mark.parametrize(
    "mode",
    [
        dict(embedding_init="pretrained", trainable_embeddings=False),
        dict(embedding_init="pretrained", trainable_embeddings=True),
        dict(embedding_init="random"),
    ],
    ids=["static", "non-static", "rand"],
)
@pytest.mark.slow
def test_every_architecture_and_embedding_mode(architecture, mode, tmp_path):
    texts, y = rated_texts()
    glove = write_vectors(tmp_path / "g.5d.txt", corpus_words(texts))
    pipe = make_pipeline(
        GloveVectorizer(max_length=8, embeddings=glove),
        TextCNNRegressor(
            # The stacked "seed" convnet learns slowly on 8-token texts.
            **{**PARAMS, "epochs": 80 if architecture == "seed" else 30},
            architecture=architecture,
            dense_units=64,
            **mode,
        ),
    ).fit(texts, y)
    reg = pipe[-1]
    assert pipe.score(texts, y) > 0.5
    if architecture != "bow":
        emb = reg.model_.get_layer("embedding")
        assert emb.trainable == mode.get("trainable_embeddings", True)
    sktextcnn.save(pipe, tmp_path / "p.sktextcnn")
    # The file names a vectors file (our own): a path a later fit would read.
    loaded = sktextcnn.load(tmp_path / "p.sktextcnn", trusted={"embeddings"})
    np.testing.assert_array_equal(loaded.predict(texts), pipe.predict(texts))


@pytest.mark.slow
def test_grid_search_on_rmse():
    texts, y = rated_texts()
    pipe = make_pipeline(
        GloveVectorizer(max_length=8, embeddings=None),
        TextCNNRegressor(**{**PARAMS, "epochs": 10}),
    )
    search = GridSearchCV(
        pipe,
        {"textcnnregressor__loss": ["squared_error", "huber"]},
        scoring="neg_root_mean_squared_error",
        cv=KFold(2),
    ).fit(texts, y)
    assert np.all(search.cv_results_["mean_test_score"] > -y.std())
    assert search.predict(texts[:3]).shape == (3,)


@pytest.mark.parametrize(
    "change, match",
    [
        ({"target_scale_": np.array([0.0])}, "scales > 0"),
        ({"target_mean_": np.array([np.nan])}, "finite float64"),
        ({"target_mean_": np.zeros(2)}, "must be 1 finite"),
        ({"n_outputs_": 2}, "n_outputs_=2 but the model has 1"),
    ],
)
def test_load_checks_the_target_scaling(fitted, change, match):
    """What sktextcnn.load accepts of the standardization (crafted files)."""
    from sktextcnn._model_spec import model_spec
    from sktextcnn._state_checks import check_model_fitted

    spec = model_spec(fitted.model_)
    state = {k: v for k, v in vars(fitted).items() if k in fitted._FITTED_ATTRIBUTES}
    del state["model_"]
    check_model_fitted(fitted, state, spec, "here")  # the real state passes
    with pytest.raises(ValueError, match=match):
        check_model_fitted(fitted, {**state, **change}, spec, "here")
    with pytest.raises(ValueError, match="must have a linear output"):
        check_model_fitted(
            fitted, state, {**spec, "output_activation": "softmax"}, "here"
        )


def test_bfloat16_precision_keeps_float32_outputs(data):
    _, X, y = data
    reg = TextCNNRegressor(**{**PARAMS, "epochs": 2}, precision="bfloat16").fit(X, y)
    assert reg.model_.get_layer("logits").compute_dtype == "bfloat16"
    assert reg.model_.get_layer("output").compute_dtype == "float32"
    pred = reg.predict(X)
    assert pred.dtype == np.float64 and np.isfinite(pred).all()


def test_trainable_embeddings_auto_keeps_vectors_frozen_on_sentences(tmp_path):
    # Unlike the classifier, the regressor does not fine-tune pre-trained
    # vectors on short texts (SST-5 ratings: RMSE 0.997 fine-tuned vs 0.99).
    texts, y = rated_texts()
    glove = write_vectors(tmp_path / "g.5d.txt", corpus_words(texts))
    X = GloveVectorizer(max_length=8, embeddings=glove).fit_transform(texts)
    reg = TextCNNRegressor(**{**PARAMS, "epochs": 1}).fit(X, y)
    assert reg.trainable_embeddings == "auto"
    assert not reg.model_.get_layer("embedding").trainable
