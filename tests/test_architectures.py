import keras
import numpy as np
import pytest

from sktextcnn._architectures import build_model, seed_min_length

PARAMS = dict(filters=4, dense_units=0, dropout=0.5, trainable=True, seed=0)


def _kim(**kw):
    return build_model("kim", 30, 6, 3, **{**PARAMS, "kernel_sizes": (2, 3), **kw})


def test_kim_output_is_independent_of_padding():
    model = _kim()
    rng = np.random.RandomState(0)
    tokens = rng.randint(1, 30, size=7).astype("int32")
    variants = [
        tokens[None],
        np.concatenate([np.zeros(9, "int32"), tokens])[None],
        np.concatenate([tokens, np.zeros(20, "int32")])[None],
        np.concatenate([np.zeros(3, "int32"), tokens, np.zeros(4, "int32")])[None],
    ]
    outs = [np.asarray(model.predict_on_batch(v)) for v in variants]
    for out in outs[1:]:
        np.testing.assert_allclose(out, outs[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(outs[0].sum(), 1.0, rtol=1e-5)


def test_max_mean_pooling_is_padding_invariant_too():
    model = _kim(pooling="max_mean")
    assert model.get_layer("pool_2_0").compute_output_shape((None, 9, 4), None) == (
        None,
        8,
    )
    short = np.array([[4, 9, 2]], dtype="int32")
    padded = np.array([[0, 0, 0, 4, 9, 2, 0]], dtype="int32")
    np.testing.assert_allclose(
        model.predict_on_batch(short), model.predict_on_batch(padded), rtol=1e-5
    )


def test_kim_accepts_texts_shorter_than_the_widest_filter():
    model = _kim(kernel_sizes=(5,))
    out = model.predict_on_batch(np.array([[3], [0]], dtype="int32"))
    assert out.shape == (2, 3)
    assert np.all(np.isfinite(out))


def test_padding_vectors_stay_zero_when_the_embedding_row_is_not():
    model = _kim()
    emb = model.get_layer("embedding")
    weights = emb.get_weights()[0]
    weights[0] = 100.0  # a corrupted padding row must not leak into outputs
    emb.set_weights([weights])
    tokens = np.array([[5, 6, 7]], dtype="int32")
    padded = np.array([[0, 0, 5, 6, 7, 0]], dtype="int32")
    np.testing.assert_allclose(
        model.predict_on_batch(tokens), model.predict_on_batch(padded), rtol=1e-5
    )


@pytest.mark.parametrize("kernel_sizes,pool", [((5, 5, 5), 5), ((3, 4), 2), ((2,), 5)])
def test_seed_min_length_is_the_shortest_accepted_input(kernel_sizes, pool):
    n = seed_min_length(kernel_sizes, pool)
    model = build_model(
        "seed", 20, 4, 2, **{**PARAMS, "kernel_sizes": kernel_sizes, "pool_size": pool}
    )
    out = model.predict_on_batch(np.ones((1, n), dtype="int32"))
    assert out.shape == (1, 2)
    assert np.all(np.isfinite(out))


def test_seed_recipe_shapes():
    assert seed_min_length((5, 5, 5), 5) == 149
    model = build_model(
        "seed", 100, 8, 20,
        **{**PARAMS, "filters": 128, "kernel_sizes": (5, 5, 5), "dense_units": 128},
    )  # fmt: skip
    conv = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv1D)]
    assert [c.filters for c in conv] == [128, 128, 128]
    assert model.get_layer("dense_hidden").units == 128
    assert model.output_shape == (None, 20)


def test_same_seed_same_weights():
    a, b, c = _kim(seed=3), _kim(seed=3), _kim(seed=4)
    for wa, wb in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(wa, wb)
    assert not np.array_equal(a.get_weights()[0], c.get_weights()[0])


def test_frozen_embeddings_are_not_trainable():
    model = _kim(trainable=False)
    assert not model.get_layer("embedding").trainable
    names = [w.path for w in model.trainable_weights]
    assert not any("embedding" in n for n in names)


def test_tfidf_branch_matches_sublinear_tfidf_features():
    from sktextcnn._architectures import TfidfLinear, smooth_idf

    ids = np.array(
        [[0, 0, 3, 1, 3, 3, 2], [5, 5, 0, 0, 0, 0, 0], [1, 2, 4, 5, 0, 0, 0]]
    )
    ids = ids.astype("int32")
    layer = TfidfLinear(6, 2, scale=1.0)
    layer.build((None, None))
    idf = smooth_idf(ids, 6)
    layer.idf.assign(idf)
    weights = np.random.RandomState(0).randn(6, 2).astype("float32")
    layer.weights_.assign(weights)
    counts = np.zeros((3, 6))
    for r, row in enumerate(ids):
        np.add.at(counts[r], row[row > 0], 1)
    features = np.where(counts > 0, 1 + np.log(np.maximum(counts, 1)), 0) * idf
    features /= np.linalg.norm(features, axis=1, keepdims=True)
    np.testing.assert_allclose(layer(ids), features @ weights, rtol=1e-5, atol=1e-6)
    # Order and padding do not matter (a bag of words).
    shuffled = np.array([[2, 3, 0, 3, 1, 3, 0]], dtype="int32")
    np.testing.assert_allclose(layer(shuffled), layer(ids[:1]), rtol=1e-6)
    # idf as TfidfVectorizer(smooth_idf=True) computes it; padding gets 0.
    df = np.array([0, 2, 2, 1, 1, 2])
    np.testing.assert_allclose(idf[1:], (np.log(4 / (1 + df)) + 1)[1:], rtol=1e-6)
    assert idf[0] == 0


def test_bigram_branch_matches_tfidf_vectorizer_with_bigrams():
    # With no hash collisions, the bigram bag of words is exactly
    # TfidfVectorizer(sublinear_tf=True, ngram_range=(1, 2)) up to a column
    # permutation: same scores for the same per-feature weights.
    from sklearn.feature_extraction.text import TfidfVectorizer

    from sktextcnn._architectures import (
        BIGRAM_BUCKETS,
        TfidfLinear,
        bigram_ids,
        smooth_idf,
    )

    texts = ["a b a b c", "c d", "d a b", "b b b e", "e"]
    vocab = {w: i + 1 for i, w in enumerate("abcde")}
    length = 6
    ids = np.zeros((len(texts), length), dtype="int32")
    for r, text in enumerate(texts):
        toks = [vocab[w] for w in text.split()]
        ids[r, length - len(toks) :] = toks  # "pre" padding
    n_ids = 6
    big = bigram_ids(ids, n_ids, BIGRAM_BUCKETS)
    # The NumPy hash (idf) and the keras.ops hash (inside the model) agree.
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(
            bigram_ids(
                keras.ops.convert_to_tensor(ids), n_ids, BIGRAM_BUCKETS, xp=keras.ops
            )
        ),
        big,
    )
    layer = TfidfLinear(n_ids, 1, scale=1.0, bigram_buckets=BIGRAM_BUCKETS)
    layer.build((None, None))
    layer.idf.assign(smooth_idf(ids, n_ids, BIGRAM_BUCKETS))
    sk = TfidfVectorizer(
        sublinear_tf=True, ngram_range=(1, 2), token_pattern=r"\w", lowercase=False
    )
    features = sk.fit_transform(texts).toarray()
    # One weight per feature: word j -> id, bigram "x y" -> its bucket id.
    weights = np.zeros((n_ids + BIGRAM_BUCKETS, 1), dtype="float32")
    rng = np.random.RandomState(0)
    sk_weights = rng.randn(len(sk.vocabulary_)).astype("float32")
    for term, col in sk.vocabulary_.items():
        words = term.split()
        if len(words) == 1:
            row = vocab[words[0]]
        else:
            pair = np.array([[vocab[words[0]], vocab[words[1]]]], dtype="int32")
            row = bigram_ids(pair, n_ids, BIGRAM_BUCKETS)[0, 0]
        assert weights[row, 0] == 0  # no collision
        weights[row, 0] = sk_weights[col]
    layer.weights_.assign(weights)
    np.testing.assert_allclose(
        np.asarray(layer(ids))[:, 0], features @ sk_weights, rtol=1e-5, atol=1e-6
    )


def test_bow_architecture_is_the_bag_of_words_part_alone(corpus):
    from sktextcnn import GloveVectorizer, TextCNNClassifier

    texts, labels = corpus
    X = GloveVectorizer(max_length=12, embeddings=None).fit_transform(texts)
    clf = TextCNNClassifier(architecture="bow", epochs=3, random_state=0)
    clf.fit(X, labels)
    layers_ = {type(layer).__name__ for layer in clf.model_.layers}
    assert layers_ == {"InputLayer", "TfidfLinear", "Activation"}
    assert clf.score(X, labels) > 0.9
    # No convnet means no embedding to fine-tune, whatever the parameters say.
    assert clf.model_.trainable_weights[0].path == "tfidf_linear/weights"


def test_bag_of_words_weights_get_plain_sgd_the_convnet_adam():
    """The "wide" weights move by -step * gradient; the others by Adam's rule."""
    from sktextcnn._architectures import build_kim, compile_model

    model = build_kim(
        8, 4, 2, filters=3, kernel_sizes=(2,), dense_units=0, dropout=0.0,
        trainable=True, seed=0, bag_of_words=True,
    )  # fmt: skip
    compile_model(model, "adam", learning_rate=0.01, batch_size=4)
    wide = model.get_layer("tfidf_linear")
    wide.idf.assign(np.ones(8, dtype="float32"))
    x = np.array([[1, 2, 3], [4, 5, 0], [6, 7, 1], [2, 2, 2]], dtype="int32")
    y = np.array([0, 1, 0, 1])
    # The wide weights start at zero: their gradient for the batch-mean loss
    # is mean_i f_i (p_i - onehot(y_i)), f_i the text's normalised tf-idf.
    p = np.asarray(model.predict_on_batch(x), dtype=np.float64)
    counts = np.zeros((4, 8))
    for r, row in enumerate(x):
        np.add.at(counts[r], row[row > 0], 1)
    f = np.where(counts > 0, 1 + np.log(np.maximum(counts, 1)), 0)
    f /= np.linalg.norm(f, axis=1, keepdims=True)
    grad = f.T @ (p - np.eye(2)[y]) / 4
    before = {v.path: keras.ops.convert_to_numpy(v) for v in model.trainable_variables}
    model.train_on_batch(x, y)
    step = 1.0 * 4  # WIDE_LEARNING_RATE_PER_TEXT times the batch size
    after = {v.path: keras.ops.convert_to_numpy(v) for v in model.trainable_variables}
    np.testing.assert_allclose(
        after["tfidf_linear/weights"], -step * grad, rtol=1e-4, atol=1e-6
    )
    # Adam's first step moves the convnet's weights by at most its learning
    # rate (by about that much where the gradient is not tiny).
    dense = [k for k in after if k.startswith(("conv", "logits"))]
    assert dense
    moved = np.concatenate([np.abs(after[k] - before[k]).ravel() for k in dense])
    assert moved.max() <= 0.01 * 1.001 and moved.max() > 0.009


@pytest.mark.parametrize("architecture", ["kim", "seed", "bow"])
def test_registry_lists_every_class_a_model_is_made_of(architecture):
    # The safe loader's allowlist is built from the registry: a builder that
    # gains a layer the registry does not list would make its saved files
    # unloadable. Also: the registry's minimum length is accepted.
    from sktextcnn._architectures import REGISTRY, compile_model
    from sktextcnn._persistence import _KERAS_ALLOWED

    arch = REGISTRY[architecture]
    params = {**PARAMS, "kernel_sizes": arch.kernel_sizes or (3,)}
    if architecture != "seed":
        params["bag_of_words"] = True
    model = build_model(architecture, 30, 6, 3, **params)
    compile_model(model, "adam")
    layers = {(type(layer).__module__, type(layer).__name__) for layer in model.layers}
    listed = {(m.replace(".src", ""), n) for m, n in arch.layers}
    for module, name in layers:
        public = "keras.layers" if module.startswith("keras") else module
        assert (public, name) in listed, (module, name)
        assert (public, name) in _KERAS_ALLOWED
    optimizer = type(model.optimizer)
    assert (optimizer.__module__, optimizer.__name__) in _KERAS_ALLOWED
    n = arch.min_length(params["kernel_sizes"], 5)
    out = model.predict_on_batch(np.ones((2, n), dtype="int32"))
    assert np.asarray(out).shape == (2, 3)


@pytest.mark.parametrize("bigram_buckets", [0, 64])
def test_tfidf_features_are_what_the_tfidf_branch_multiplies(bigram_buckets):
    from sktextcnn._architectures import TfidfLinear, smooth_idf, tfidf_features

    rng = np.random.RandomState(0)
    ids = rng.randint(0, 9, size=(7, 10)).astype("int32")
    ids[3] = 0  # an all-padding row: zero features, zero output
    layer = TfidfLinear(9, 3, scale=1.0, bigram_buckets=bigram_buckets)
    layer.build((None, None))
    idf = smooth_idf(ids, 9, bigram_buckets)
    layer.idf.assign(idf)
    weights = rng.randn(9 + bigram_buckets, 3).astype("float32")
    layer.weights_.assign(weights)
    features = tfidf_features(ids, idf, 9, bigram_buckets)
    assert features.shape == (7, 9 + bigram_buckets)
    norms = np.sqrt(np.asarray(features.multiply(features).sum(axis=1)).ravel())
    np.testing.assert_allclose(norms, [1, 1, 1, 0, 1, 1, 1], rtol=1e-6)
    np.testing.assert_allclose(
        features @ weights, np.asarray(layer(ids)), rtol=1e-5, atol=1e-6
    )


def test_largest_gram_eigenvalue():
    from scipy import sparse

    from sktextcnn._architectures import largest_gram_eigenvalue

    rng = np.random.RandomState(0)
    dense = np.abs(rng.randn(20, 50)) * (rng.rand(20, 50) < 0.2)
    expected = np.linalg.eigvalsh(dense @ dense.T)[-1]
    value = largest_gram_eigenvalue(sparse.csr_matrix(dense))
    assert value == pytest.approx(expected, rel=1e-6)
    # Orthogonal unit rows: 1; n identical unit rows: n.
    assert largest_gram_eigenvalue(sparse.identity(8, format="csr")) == 1.0
    same = sparse.csr_matrix(np.ones((8, 4)) / 2)
    assert largest_gram_eigenvalue(same) == pytest.approx(8.0)
    assert largest_gram_eigenvalue(sparse.csr_matrix((3, 4))) == 0.0


@pytest.mark.parametrize(
    "loss, n_outputs, gram, expected",
    [
        # The cross-entropies: the per-text step (1; 4 for multilabel) times
        # the batch size, times the number of outputs where Keras averages the
        # loss over them; never capped.
        ("sparse_categorical_crossentropy", 3, None, 1.0 * 32),
        ("binary_crossentropy", 3, 30.0, 4.0 * 32 * 3),
        # Regression: 1/32 and 1/16 per text, capped at batch_size /
        # (curvature * eigenvalue) for overlapping texts.
        ("mean_squared_error", 1, 2.0, 32 / 32),
        ("mean_squared_error", 2, 30.0, 32 / (2.0 * 30.0) * 2),
        ("huber", 1, 1.0, 32 / 16),
        ("huber", 1, 30.0, 32 / 30.0),
        ("huber", 1, None, 32 / 16),
    ],
)
def test_compile_model_sets_the_bag_of_words_step(loss, n_outputs, gram, expected):
    from sktextcnn._architectures import LOSSES, build_bow, compile_model

    model = build_bow(10, 0, n_outputs, output_activation="linear")
    compile_model(model, "adam", batch_size=32, loss=loss, gram_eigenvalue=gram)
    assert model.loss == loss
    assert model.optimizer.wide_learning_rate == pytest.approx(expected)
    assert model.metrics_names is not None
    assert list(LOSSES[loss].metrics) in ([], ["accuracy"], ["binary_accuracy"])


@pytest.mark.parametrize(
    "loss",
    ["sparse_categorical_crossentropy", "binary_crossentropy", "mean_squared_error",
     "huber"],
)  # fmt: skip
def test_validation_logs_match_keras_losses(loss):
    from sktextcnn._training import validation_logs

    rng = np.random.RandomState(0)
    weights = rng.rand(12).astype("float32")
    if loss == "sparse_categorical_crossentropy":
        outputs = rng.dirichlet(np.ones(3), 12).astype("float32")
        y = rng.randint(0, 3, 12)
    elif loss == "binary_crossentropy":
        outputs = rng.rand(12, 4).astype("float32")
        y = (rng.rand(12, 4) > 0.5).astype("float32")
    else:
        outputs = rng.randn(12, 2).astype("float32") * 2
        y = rng.randn(12, 2).astype("float32")
    per_sample = keras.ops.convert_to_numpy(keras.losses.get(loss)(y, outputs))
    logs = validation_logs(loss, outputs, y, weights)
    assert logs["val_loss"] == pytest.approx(
        np.average(per_sample, weights=weights), rel=1e-5
    )
    if loss == "sparse_categorical_crossentropy":
        accuracy = np.average(outputs.argmax(1) == y, weights=weights)
        assert logs == {"val_loss": logs["val_loss"], "val_accuracy": accuracy}
    elif loss == "binary_crossentropy":
        # Per label in Keras 3 (per sample in older versions): a sample's share.
        metric = keras.ops.convert_to_numpy(keras.metrics.binary_accuracy(y, outputs))
        expected = np.average(metric.reshape(12, -1).mean(1), weights=weights)
        assert logs["val_binary_accuracy"] == pytest.approx(expected, rel=1e-6)
    else:
        assert set(logs) == {"val_loss"}


@pytest.mark.parametrize("architecture", ["kim", "seed", "bow"])
@pytest.mark.parametrize("activation", ["sigmoid", "linear"])
def test_output_activation_of_every_architecture(architecture, activation):
    arch_params = {**PARAMS, "kernel_sizes": (3,)}
    if architecture == "kim":
        arch_params["bag_of_words"] = True
    model = build_model(
        architecture, 30, 6, 4, output_activation=activation, **arch_params
    )
    assert model.get_layer("output").get_config()["activation"] == activation
    out = np.asarray(model.predict_on_batch(np.ones((2, 20), dtype="int32")))
    assert out.shape == (2, 4)
    if activation == "sigmoid":
        assert ((out > 0) & (out < 1)).all() and not np.allclose(out.sum(1), 1)


def test_convnet_logits_enter_the_sum_scaled_next_to_the_bag_of_words():
    """softmax(CONVNET_LOGIT_SCALE * convnet logits + bag-of-words logits)."""
    from sktextcnn._architectures import CONVNET_LOGIT_SCALE

    model = _kim(bag_of_words=True)
    wide = model.get_layer("tfidf_linear")
    wide.idf.assign(np.linspace(0.5, 2.0, 30).astype("float32"))
    rng = np.random.RandomState(1)
    wide.weights_.assign(rng.normal(size=(30, 3)).astype("float32"))
    x = rng.randint(1, 30, size=(4, 9)).astype("int32")
    parts = keras.Model(
        model.inputs,
        [model.get_layer("logits").output, wide.output, model.output],
    )
    deep, bow, out = (np.asarray(a, dtype=np.float64) for a in parts(x))
    z = CONVNET_LOGIT_SCALE * deep + bow
    expected = np.exp(z - z.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-6)
    assert 0 < CONVNET_LOGIT_SCALE < 1
    # Without the bag-of-words part the convnet's logits are used as they are.
    assert "convnet_scale" not in {layer.name for layer in _kim().layers}


@pytest.mark.parametrize(
    "architecture, params",
    [
        ("kim", dict(kernel_sizes=(2, 3), dense_units=0, pooling="max")),
        ("kim", dict(kernel_sizes=(3,), dense_units=5, pooling="max_mean")),
        ("kim", dict(kernel_sizes=(2, 4), bag_of_words=True, bigram_buckets=2**17)),
        ("seed", dict(kernel_sizes=(2, 2, 3), dense_units=7, pool_size=2)),
        ("seed", dict(kernel_sizes=(3,), dense_units=0)),
        ("bow", dict(bigram_buckets=0)),
        ("bow", dict(bigram_buckets=2**17)),
    ],
)
def test_n_weights_counts_the_built_models_weights(architecture, params):
    # The safe loader compares n_weights with the weights a file stores before
    # anything is built: it must be exactly what the builder allocates.
    from sktextcnn._architectures import n_weights

    params = {**PARAMS, **params}
    model = build_model(architecture, 30, 6, 3, **params)
    assert n_weights(architecture, 30, 6, 3, **params) == model.count_params()


def test_the_model_spec_carries_the_precision():
    from sktextcnn._architectures import build_model, compile_model
    from sktextcnn._model_spec import check_spec, model_spec, spec_from_config

    model = build_model(
        "kim", 20, 4, 2, precision="bfloat16", filters=2, kernel_sizes=(2,),
        dense_units=0, dropout=0.0, trainable=True, seed=0, bag_of_words=True,
    )  # fmt: skip
    assert keras.config.dtype_policy().name == "float32"  # left as it was
    compile_model(model, "adam")
    spec = model_spec(model)
    assert spec["precision"] == "bfloat16"
    # Files saved before the setting existed are float32 models.
    old = {k: v for k, v in spec.items() if k != "precision"}
    assert check_spec(old)["precision"] == "float32"
    with pytest.raises(ValueError, match="precision"):
        check_spec({**spec, "precision": "float16"})
    # A config naming another dtype policy is refused.
    config = model.get_config()
    for layer in config["layers"]:
        if layer["name"] == "logits":
            layer["config"]["dtype"] = "mixed_float16"
    optimizer = model.get_compile_config()["optimizer"]
    with pytest.raises(ValueError, match="dtype policy"):
        spec_from_config(config, optimizer)
