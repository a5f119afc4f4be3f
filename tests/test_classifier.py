import keras
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.utils._param_validation import InvalidParameterError

from sktextcnn import GloveVectorizer, TextCNNClassifier, TokenSequences

from .conftest import make_corpus


@pytest.fixture
def ids_and_labels(corpus):
    texts, labels = corpus
    X = GloveVectorizer(max_length=12, embeddings=None).fit_transform(texts)
    return np.asarray(X), labels


@pytest.mark.slow
def test_standalone_int_array_fit_predict(ids_and_labels, small_clf_params):
    X, y = ids_and_labels
    clf = TextCNNClassifier(**{**small_clf_params, "epochs": 15}, early_stopping=False)
    clf.fit(X, y)
    np.testing.assert_array_equal(clf.classes_, ["space", "sport"])
    assert clf.n_features_in_ == 12
    assert clf.n_ids_ == X.max() + 1
    assert clf.embedding_dim_ == 100
    pred = clf.predict(X)
    assert pred.dtype == y.dtype and set(pred) <= set(y)
    assert clf.score(X, y) >= 0.9
    assert len(clf.history_["loss"]) == clf.n_iter_ == 15
    assert clf.history_["loss"][-1] < clf.history_["loss"][0]


@pytest.mark.parametrize("classes", [("sport", "space"), ("sport", "space", "cars")])
@pytest.mark.slow
def test_predict_proba_shapes(classes, small_clf_params):
    texts, labels = make_corpus(8, classes)
    pipe = make_pipeline(
        GloveVectorizer(max_length=10, embeddings=None),
        TextCNNClassifier(**small_clf_params),
    ).fit(texts, labels)
    proba = pipe.predict_proba(texts)
    assert proba.shape == (len(texts), len(classes))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    assert pipe.predict_proba(texts[:1]).shape == (1, len(classes))
    assert pipe.predict_proba(["zzz qqq"]).shape == (1, len(classes))


def test_integer_labels_are_returned_as_given(ids_and_labels, small_clf_params):
    X, y = ids_and_labels
    y_int = np.where(y == "sport", 7, -3)
    clf = TextCNNClassifier(**small_clf_params).fit(X, y_int)
    np.testing.assert_array_equal(clf.classes_, [-3, 7])
    assert set(clf.predict(X)) <= {-3, 7}


@pytest.mark.slow
def test_pipeline_passes_the_embedding_matrix(
    corpus, tiny_glove_path, small_clf_params
):
    texts, labels = corpus
    vec = GloveVectorizer(max_length=10, embeddings=tiny_glove_path)
    clf = TextCNNClassifier(**small_clf_params, trainable_embeddings=False)
    make_pipeline(vec, clf).fit(texts, labels)
    weights = clf.model_.get_layer("embedding").get_weights()[0]
    np.testing.assert_array_equal(weights, vec.embedding_matrix_)
    assert clf.embedding_dim_ == vec.embedding_matrix_.shape[1]
    assert clf.n_ids_ == vec.embedding_matrix_.shape[0]


@pytest.mark.slow
def test_fine_tuning_changes_the_embeddings(corpus, tiny_glove_path, small_clf_params):
    texts, labels = corpus
    vec = GloveVectorizer(max_length=10, embeddings=tiny_glove_path)
    X = vec.fit_transform(texts)
    clf = TextCNNClassifier(**small_clf_params, trainable_embeddings=True)
    weights = clf.fit(X, labels).model_.get_layer("embedding").get_weights()[0]
    assert not np.allclose(weights[1:], vec.embedding_matrix_[1:])


@pytest.mark.parametrize(
    "embeddings, embedding_init, length, trainable",
    [
        ("glove", "pretrained", 140, False),  # pre-trained vectors, long texts
        ("glove", "pretrained", 12, True),  # sentences: fine-tuned
        ("glove", "random", 140, True),  # random start: learned
        (None, "pretrained", 140, True),  # nothing pre-trained to start from
    ],
)
@pytest.mark.slow
def test_trainable_embeddings_auto(
    tiny_glove_path, small_clf_params, embeddings, embedding_init, length, trainable
):
    # Texts of 70-140 tokens or sentences of 6-12 (at most 64: "short").
    texts, labels = make_corpus(20, length=length)
    vec = GloveVectorizer(
        max_length=150, embeddings=tiny_glove_path if embeddings else None
    )
    X = vec.fit_transform(texts)
    clf = TextCNNClassifier(**small_clf_params, embedding_init=embedding_init)
    assert clf.trainable_embeddings == "auto"
    emb = clf.fit(X, labels).model_.get_layer("embedding")
    assert emb.trainable is trainable
    start = vec.embedding_matrix_ if embeddings else None
    if start is not None and embedding_init == "pretrained":
        # Frozen: the vectors as given; fine-tuned: moved from them.
        same = np.array_equal(emb.get_weights()[0], start)
        assert same is not trainable


@pytest.mark.parametrize(
    "n_samples, expected", [(40, 32), (2000, 62), (8192, 256), (100_000, 256)]
)
def test_batch_size_auto_rule(n_samples, expected):
    clf = TextCNNClassifier()
    assert clf.batch_size == "auto"
    assert clf._batch_size(n_samples) == expected
    assert TextCNNClassifier(batch_size=16)._batch_size(n_samples) == 16


@pytest.mark.parametrize(
    "n_samples, short, expected",
    [
        (200, True, 36), (1000, True, 8), (11_314, True, 6), (100_000, True, 3),
        (200, False, 15), (1000, False, 4), (11_314, False, 3),
    ],
)  # fmt: skip
def test_epochs_auto_rule(n_samples, short, expected):
    # About 250 gradient steps for short texts, 100 for long ones, from 3 to
    # 40 epochs.
    clf = TextCNNClassifier()
    assert clf.epochs == "auto"
    batch_size = clf._batch_size(n_samples)
    assert clf._epochs(n_samples, batch_size, short=short) == expected
    assert TextCNNClassifier(epochs=3)._epochs(n_samples, 32, short=short) == 3


@pytest.mark.slow
def test_epochs_auto_follows_the_median_text_length():
    vec = GloveVectorizer(max_length=200, embeddings=None)
    clf = TextCNNClassifier(filters=2, embedding_dim=4, random_state=0)
    for length, epochs in ((140, 8), (12, 20)):
        texts, labels = make_corpus(200, length=length)
        clf.fit(vec.fit_transform(texts), labels)
        # 400 texts in batches of 32, 13 steps an epoch: 100 steps for texts
        # of 70-140 tokens, 250 for sentences of 6-12.
        assert clf.n_iter_ == epochs == len(clf.history_["loss"])


@pytest.mark.parametrize("n_samples, n_steps", [(80, 3), (2400, 32)])
def test_batch_size_auto_steps_per_epoch(n_samples, n_steps):
    # Observed through the steps Keras callbacks are told about, as in Model.fit.
    seen = []

    class Steps(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen.append(self.params["steps"])

    rng = np.random.RandomState(0)
    X = rng.randint(1, 20, size=(n_samples, 6))
    y = np.arange(n_samples) % 2
    TextCNNClassifier(
        filters=2, kernel_sizes=(2,), epochs=1, early_stopping=False,
        bag_of_words=False, callbacks=[Steps()], random_state=0,
    ).fit(X, y)  # fmt: skip
    # 80 texts: batches of 32 (3 steps); 2400: 2400 // 32 = 75 per batch.
    assert seen == [n_steps]


@pytest.mark.slow
def test_random_embedding_init_ignores_the_matrix(corpus, tiny_glove_path):
    texts, labels = corpus
    X = GloveVectorizer(max_length=10, embeddings=tiny_glove_path).fit_transform(texts)
    clf = TextCNNClassifier(
        embedding_init="random", embedding_dim=7, filters=4, epochs=1, random_state=0
    ).fit(X, labels)
    assert clf.embedding_dim_ == 7
    assert clf.model_.get_layer("embedding").get_weights()[0].shape == (X.n_ids, 7)


@pytest.mark.slow
def test_seed_architecture_on_short_sequences(ids_and_labels):
    X, y = ids_and_labels
    clf = TextCNNClassifier(
        architecture="seed", filters=4, dense_units=8, epochs=1, random_state=0
    ).fit(X, y)
    assert clf.model_.name == "seed_textcnn"
    assert clf.predict_proba(X).shape == (len(X), 2)


@pytest.mark.slow
def test_predictions_do_not_depend_on_batch_composition(ids_and_labels):
    X, y = ids_and_labels
    clf = TextCNNClassifier(filters=4, epochs=1, random_state=0, batch_size=7).fit(X, y)
    full = clf.predict_proba(X)
    one_by_one = np.vstack([clf.predict_proba(X[i : i + 1]) for i in range(len(X))])
    np.testing.assert_allclose(full, one_by_one, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(clf.predict_proba(X[::-1]), full[::-1], rtol=1e-5)


@pytest.mark.slow
def test_reproducible_and_global_random_state_untouched(ids_and_labels):
    X, y = ids_and_labels
    np.random.seed(123)  # noqa: NPY002 - the legacy global state is what we guard
    before = np.random.get_state()[1].copy()  # noqa: NPY002
    a = TextCNNClassifier(filters=4, epochs=2, random_state=42).fit(X, y)
    b = TextCNNClassifier(filters=4, epochs=2, random_state=42).fit(X, y)
    np.testing.assert_array_equal(np.random.get_state()[1], before)  # noqa: NPY002
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    c = TextCNNClassifier(filters=4, epochs=2, random_state=43).fit(X, y)
    assert not np.array_equal(a.predict_proba(X), c.predict_proba(X))


@pytest.mark.slow
def test_random_state_instance_draws_a_real_seed(ids_and_labels):
    X, y = ids_and_labels
    a = TextCNNClassifier(filters=4, epochs=1, random_state=np.random.RandomState(1))
    b = TextCNNClassifier(filters=4, epochs=1, random_state=np.random.RandomState(2))
    assert not np.array_equal(
        a.fit(X, y).predict_proba(X), b.fit(X, y).predict_proba(X)
    )


@pytest.mark.slow
def test_early_stopping_restores_and_records_validation(ids_and_labels):
    X, y = ids_and_labels
    assert TextCNNClassifier().early_stopping is False  # as in MLPClassifier
    clf = TextCNNClassifier(
        filters=4, epochs=30, early_stopping=True, n_iter_no_change=1,
        random_state=0, learning_rate=0.05,
    ).fit(X, y)  # fmt: skip
    assert clf.n_iter_ < 30
    assert {"loss", "accuracy", "val_loss", "val_accuracy"} <= set(clf.history_)
    assert len(clf.history_["val_loss"]) == clf.n_iter_


@pytest.mark.slow
def test_warm_start_continues_training(ids_and_labels):
    X, y = ids_and_labels
    clf = TextCNNClassifier(
        filters=4, epochs=2, early_stopping=False, warm_start=True, random_state=0
    )
    clf.fit(X, y)
    model = clf.model_
    first = clf.predict_proba(X)
    clf.fit(X, y)
    assert clf.model_ is model
    assert len(clf.history_["loss"]) == 4 and clf.n_iter_ == 2
    assert not np.allclose(first, clf.predict_proba(X))


@pytest.mark.slow
def test_clone_of_fitted_is_unfitted(ids_and_labels):
    X, y = ids_and_labels
    clf = TextCNNClassifier(filters=4, epochs=1).fit(X, y)
    fresh = clone(clf)
    assert not hasattr(fresh, "model_")
    with pytest.raises(NotFittedError):
        fresh.predict(X)
    assert fresh.get_params() == clf.get_params()


@pytest.mark.slow
def test_sample_weight_and_class_weight_shift_predictions(ids_and_labels):
    X, y = ids_and_labels
    params = dict(filters=4, epochs=3, early_stopping=False, random_state=0)
    base = TextCNNClassifier(**params).fit(X, y).predict_proba(X)[:, 1].mean()
    w = np.where(y == "sport", 20.0, 1.0)
    w_copy = w.copy()
    weighted = TextCNNClassifier(**params).fit(X, y, sample_weight=w)
    np.testing.assert_array_equal(w, w_copy)
    assert weighted.predict_proba(X)[:, 1].mean() > base
    cw = TextCNNClassifier(**params, class_weight={"sport": 20.0, "space": 1.0})
    assert cw.fit(X, y).predict_proba(X)[:, 1].mean() > base


@pytest.mark.parametrize(
    "params",
    [
        {"dropout": 1.0},
        {"epochs": 0},
        {"architecture": "lstm"},
        {"filters": 0},
        {"optimizer": "nadamax"},
        {"validation_fraction": 1.0},
    ],
)
def test_invalid_parameters(ids_and_labels, params):
    X, y = ids_and_labels
    with pytest.raises(InvalidParameterError, match=next(iter(params))):
        TextCNNClassifier(**params).fit(X, y)


def test_invalid_kernel_sizes(ids_and_labels):
    X, y = ids_and_labels
    with pytest.raises(ValueError, match="kernel_sizes"):
        TextCNNClassifier(kernel_sizes=(3, 0)).fit(X, y)


@pytest.mark.slow
def test_bad_inputs(ids_and_labels):
    X, y = ids_and_labels
    clf = TextCNNClassifier(filters=4, epochs=1)
    with pytest.raises(NotFittedError):
        clf.predict(X)
    with pytest.raises(ValueError, match="one class only"):
        clf.fit(X, np.full(len(y), "a"))
    with pytest.raises(ValueError, match="Negative values"):
        clf.fit(-X - 1, y)
    with pytest.raises(ValueError, match="non-integral"):
        clf.fit(X + 0.5, y)
    with pytest.raises(ValueError, match="2D array"):
        clf.fit(X[:, 0], y)
    clf.fit(X, y)
    with pytest.raises(ValueError, match="outside the vocabulary"):
        clf.predict(np.full_like(X, clf.n_ids_))
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :5])


@pytest.mark.slow
def test_embedding_dimension_mismatch_is_reported(corpus, tiny_glove_path):
    texts, labels = corpus
    X = GloveVectorizer(max_length=10, embeddings=tiny_glove_path).fit_transform(texts)
    clf = TextCNNClassifier(filters=4, epochs=1).fit(X, labels)
    other = TokenSequences(np.asarray(X), np.zeros((X.n_ids, 3), np.float32))
    with pytest.raises(ValueError, match="dimensional"):
        clf.predict(other)


@pytest.mark.slow
def test_verbose_levels(ids_and_labels, capfd):
    X, y = ids_and_labels
    TextCNNClassifier(filters=4, epochs=2, random_state=0).fit(X, y)
    out, err = capfd.readouterr()
    assert "Epoch" not in out + err
    TextCNNClassifier(
        filters=4, epochs=2, early_stopping=True, random_state=0, verbose=1
    ).fit(X, y)
    out, err = capfd.readouterr()
    assert "Epoch 1/2" in err and "Epoch 2/2" in err and "val_loss" in err
    TextCNNClassifier(filters=4, epochs=1, random_state=0, verbose=2).fit(X, y)
    out, err = capfd.readouterr()
    assert "loss" in out  # the Keras progress bar


@pytest.mark.parametrize("architecture", ["kim", "seed"])
@pytest.mark.parametrize(
    "mode",
    [
        # Kim's CNN-static / the blog's frozen GloVe
        dict(embedding_init="pretrained", trainable_embeddings=False),
        # CNN-non-static / fine-tuned GloVe
        dict(embedding_init="pretrained", trainable_embeddings=True),
        # CNN-rand / learned from scratch
        dict(embedding_init="random", trainable_embeddings=True),
    ],
    ids=["static", "non-static", "rand"],
)
@pytest.mark.slow
def test_every_architecture_and_embedding_mode(
    architecture, mode, corpus, tiny_glove_path
):
    texts, labels = corpus
    pipe = make_pipeline(
        GloveVectorizer(max_length=10, embeddings=tiny_glove_path),
        TextCNNClassifier(
            architecture=architecture,
            filters=4,
            # Enough hidden units, and no dropout, that a gradient reaches the
            # embedding in one step whatever the backend's random streams (with
            # 4 units and dropout, JAX's draw left every unit dead or dropped).
            dense_units=16,
            dropout=0.0,
            epochs=1,
            random_state=0,
            **mode,
        ),
    ).fit(texts, labels)
    emb = pipe[-1].model_.get_layer("embedding")
    assert emb.trainable == mode["trainable_embeddings"]
    weights, matrix = emb.get_weights()[0], pipe[0].embedding_matrix_
    pretrained = weights.shape == matrix.shape and np.allclose(weights, matrix)
    assert pretrained == (
        mode == dict(embedding_init="pretrained", trainable_embeddings=False)
    )
    proba = pipe.predict_proba(texts)
    assert proba.shape == (len(texts), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


@pytest.mark.parametrize(
    "options", [{"pooling": "max_mean"}, {"bag_of_words": True}], ids=str
)
@pytest.mark.slow
def test_kim_options_fit_and_stay_batch_invariant(ids_and_labels, options):
    X, y = ids_and_labels
    clf = TextCNNClassifier(filters=4, epochs=2, random_state=0, **options).fit(X, y)
    full = clf.predict_proba(X)
    singles = np.vstack([clf.predict_proba(X[i : i + 1]) for i in range(5)])
    np.testing.assert_allclose(full[:5], singles, rtol=1e-5, atol=1e-7)


def test_precision_is_validated():
    with pytest.raises(InvalidParameterError, match="precision"):
        TextCNNClassifier(precision="float16").fit(np.ones((4, 3), int), [0, 1] * 2)


def test_precision_auto_is_float32_where_bfloat16_was_measured_no_faster(
    ids_and_labels, small_clf_params
):
    # "auto": the precision measured fastest; bfloat16 has been slower or no
    # faster on every device measured (an H200 GPU, CPUs with AVX-512 BF16).
    X, y = ids_and_labels
    clf = TextCNNClassifier(precision="auto", **{**small_clf_params, "epochs": 1})
    clf.fit(X, y)
    assert clf.get_params()["precision"] == "auto"
    assert clf.model_.get_layer("logits").compute_dtype == "float32"


@pytest.mark.slow
def test_bfloat16_computes_in_bfloat16_and_saves_it(
    ids_and_labels, small_clf_params, tmp_path
):
    import sktextcnn

    X, y = ids_and_labels
    params = {**small_clf_params, "epochs": 1}
    clf = TextCNNClassifier(precision="bfloat16", **params).fit(X, y)
    model = clf.model_
    assert model.get_layer("logits").compute_dtype == "bfloat16"
    assert model.get_layer("embedding").variable_dtype == "float32"
    assert model.get_layer("output").compute_dtype == "float32"
    assert keras.config.dtype_policy().name == "float32"  # left as it was
    proba = clf.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    exact = TextCNNClassifier(**params).fit(X, y)
    assert exact.model_.get_layer("logits").compute_dtype == "float32"
    # Close to the float32 model's probabilities, not equal to them.
    assert np.abs(proba - exact.predict_proba(X)).max() < 0.05
    path = tmp_path / "bf16.sktextcnn"
    sktextcnn.save(clf, path)
    loaded = sktextcnn.load(path)
    assert loaded.precision == "bfloat16"
    assert loaded.model_.get_layer("logits").compute_dtype == "bfloat16"
    np.testing.assert_array_equal(loaded.predict_proba(X), proba)
