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
