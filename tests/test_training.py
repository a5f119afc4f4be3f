import keras
import numpy as np

from sktextcnn._training import BatchMaker, bucket_width, make_batches, token_spans


def test_bucket_width_rounds_up_to_few_shapes():
    assert bucket_width(1) == 8
    assert bucket_width(8) == 8
    assert bucket_width(9) == 16
    assert bucket_width(500) == 512
    assert bucket_width(513) == 576
    assert bucket_width(1000) == 1024
    assert bucket_width(1025) == 1152
    widths = {bucket_width(w) for w in range(1, 1001)}
    assert len(widths) <= 31
    # Never more than ~20% of padding columns beyond the first buckets.
    assert all(bucket_width(w) <= 1.2 * w for w in range(64, 3000))


def test_token_spans_pre_post_and_empty_rows():
    ids = np.array([[0, 0, 3, 4], [5, 6, 0, 0], [0, 0, 0, 0], [1, 0, 2, 0]])
    first, stop = token_spans(ids)
    np.testing.assert_array_equal(first, [2, 0, 0, 0])
    np.testing.assert_array_equal(stop, [4, 2, 0, 3])


def test_make_batches_cover_every_sample_once():
    lengths = np.random.RandomState(0).randint(0, 100, size=1003)
    for rng in (None, np.random.RandomState(1)):
        batches = make_batches(lengths, 64, rng)
        flat = np.concatenate(batches)
        np.testing.assert_array_equal(np.sort(flat), np.arange(1003))
        assert max(len(b) for b in batches) == 64
    # Without rng, batches are sorted by length: little padding.
    batches = make_batches(lengths, 64)
    assert all(np.all(np.diff(lengths[b]) >= 0) for b in batches)


def test_shuffled_batches_depend_on_the_rng_only():
    lengths = np.arange(500) % 37
    a = make_batches(lengths, 32, np.random.RandomState(5))
    b = make_batches(lengths, 32, np.random.RandomState(5))
    c = make_batches(lengths, 32, np.random.RandomState(6))
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not all(np.array_equal(x, y) for x, y in zip(a, c))


def test_batch_maker_trims_to_the_real_tokens():
    ids = np.array([[0, 0, 0, 0, 7, 8], [0, 0, 0, 5, 6, 9]], dtype=np.int32)
    batch = BatchMaker(ids, trim=True, few=False)(np.array([0, 1]))
    assert batch.shape == (2, 8)
    np.testing.assert_array_equal(batch[:, :3], [[0, 7, 8], [5, 6, 9]])
    assert not batch[:, 3:].any()


def test_batch_maker_without_trim_pads_to_min_width():
    ids = np.ones((3, 4), dtype=np.int32)
    batch = BatchMaker(ids, trim=False, min_width=10)(np.array([2, 0]))
    assert batch.shape == (2, 10)
    assert batch[:, :4].all() and not batch[:, 4:].any()


def test_few_shapes_policy_follows_the_backend():
    from sktextcnn._training import few_shapes

    assert few_shapes("jax")
    assert not few_shapes("tensorflow")
    assert few_shapes() == (keras.backend.backend() == "jax")


def test_few_shapes_widths_are_powers_of_two():
    widths = {bucket_width(w, few=True) for w in range(1, 1025)}
    assert widths == {16, 32, 64, 128, 256, 512, 1024}
    assert all(bucket_width(w, few=True) >= w for w in range(1, 5000))
    assert bucket_width(1025, few=True) == 2048
    assert bucket_width(3000, few=True) == 3072


def test_bucket_rows_powers_of_two_up_to_the_batch_size():
    from sktextcnn._training import bucket_rows

    assert [bucket_rows(n, 256) for n in (1, 2, 3, 5, 129, 256)] == [
        1, 2, 4, 8, 256, 256,
    ]  # fmt: skip
    assert bucket_rows(70, 93) == 93  # never more rows than a batch holds
    assert len({bucket_rows(n, 256) for n in range(1, 257)}) == 9


def test_few_shapes_batch_maker_pads_to_a_few_widths():
    ids = np.zeros((2, 40), dtype=np.int32)
    ids[0, 5:25] = 3  # 20 tokens
    ids[1, 5:8] = 4
    assert BatchMaker(ids, trim=True, few=True)(np.array([0, 1])).shape == (2, 32)
    assert BatchMaker(ids, trim=True, few=False)(np.array([0, 1])).shape == (2, 24)


def _tiny_model(seed=0):
    from sktextcnn._architectures import build_model, compile_model

    model = build_model(
        "kim", 30, 4, 3, filters=4, kernel_sizes=(2, 3), dense_units=0,
        dropout=0.0, trainable=True, seed=seed, bag_of_words=True,
    )  # fmt: skip
    compile_model(model, "adam", 0.01, batch_size=8)
    return model


def test_few_shapes_prediction_matches_exact_batches():
    from sktextcnn._training import predict_batches

    model = _tiny_model()
    ids = np.random.RandomState(1).randint(0, 30, size=(21, 15)).astype(np.int32)
    ids[::3, 9:] = 0  # some shorter texts
    exact = predict_batches(model, BatchMaker(ids, True, 3, few=False), 8)
    few = predict_batches(model, BatchMaker(ids, True, 3, few=True), 8)
    np.testing.assert_allclose(few, exact, rtol=1e-5, atol=1e-6)
    # 21 texts in batches of 8: 8, 8 and 5 padded to 8 rows.
    assert few.shape == (21, 3)
