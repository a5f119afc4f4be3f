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
    batch = BatchMaker(ids, trim=True)(np.array([0, 1]))
    assert batch.shape == (2, 8)
    np.testing.assert_array_equal(batch[:, :3], [[0, 7, 8], [5, 6, 9]])
    assert not batch[:, 3:].any()


def test_batch_maker_without_trim_pads_to_min_width():
    ids = np.ones((3, 4), dtype=np.int32)
    batch = BatchMaker(ids, trim=False, min_width=10)(np.array([2, 0]))
    assert batch.shape == (2, 10)
    assert batch[:, :4].all() and not batch[:, 4:].any()
