"""random_state: reproducible fits across processes, global random state untouched."""

import random
import textwrap
from pathlib import Path

import keras
import numpy as np
import pytest

from sktextcnn import GloveVectorizer, TextCNNClassifier

from .conftest import make_corpus, run_fresh_python

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def ids_and_labels():
    texts, labels = make_corpus(10)
    X = GloveVectorizer(max_length=12, embeddings=None).fit_transform(texts)
    return np.asarray(X), labels


def _fit_in_fresh_process(out_path):
    script = textwrap.dedent(
        f"""
        import numpy as np
        from sklearn.pipeline import make_pipeline
        from sktextcnn import GloveVectorizer, TextCNNClassifier
        from tests.conftest import make_corpus

        texts, labels = make_corpus(10)
        pipe = make_pipeline(
            GloveVectorizer(max_length=12, embeddings=None),
            TextCNNClassifier(filters=4, kernel_sizes=(2, 3), epochs=2,
                              batch_size=8, random_state=7),
        ).fit(texts, labels)
        np.save({str(out_path)!r}, pipe.predict_proba(texts))
        """
    )
    run_fresh_python(script, cwd=ROOT)
    return np.load(out_path)


@pytest.mark.slow
def test_same_int_random_state_same_proba_in_two_fresh_processes(tmp_path):
    first = _fit_in_fresh_process(tmp_path / "a.npy")
    second = _fit_in_fresh_process(tmp_path / "b.npy")
    np.testing.assert_array_equal(first, second)


@pytest.mark.slow
def test_random_state_instance_is_consumed_like_sklearn(ids_and_labels):
    X, y = ids_and_labels
    params = dict(filters=4, epochs=1, early_stopping=False)

    def proba(random_state):
        clf = TextCNNClassifier(**params, random_state=random_state).fit(X, y)
        return clf.predict_proba(X)

    # The same seeded instance twice: the same fits.
    np.testing.assert_array_equal(
        proba(np.random.RandomState(5)), proba(np.random.RandomState(5))
    )
    # One instance used for two fits: the second draws another seed.
    shared = np.random.RandomState(5)
    assert not np.array_equal(proba(shared), proba(shared))
    # None: a fresh seed each time.
    assert not np.array_equal(proba(None), proba(None))


@pytest.mark.xfail(
    tuple(int(v) for v in keras.__version__.split(".")[:2]) < (3, 15),
    reason="with TensorFlow 2.16 and Keras 3.3-3.8 (the oldest-versions CI step) "
    "the global Keras random stream moves during fit although no sktextcnn code "
    "draws from it (a model built, compiled, trained and run by hand leaves it "
    "alone; cause not found); it holds with Keras 3.15 and TensorFlow 2.21",
    strict=False,
)
@pytest.mark.slow
def test_fit_leaves_global_random_states_untouched(ids_and_labels):
    X, y = ids_and_labels
    clf = TextCNNClassifier(
        filters=4, epochs=2, dropout=0.5, validation_fraction=0.2, random_state=3
    )
    # Python's, NumPy's legacy and Keras' global generators: record the next
    # draws, fit, then draw again from the same starting point.
    random.seed(11)
    np.random.seed(11)  # noqa: NPY002 - the legacy global state is what we guard
    keras.utils.set_random_seed(11)
    py_state = random.getstate()
    np_state = np.random.get_state()[1].copy()  # noqa: NPY002
    expected_keras = keras.ops.convert_to_numpy(keras.random.uniform((5,)))
    keras.utils.set_random_seed(11)
    random.setstate(py_state)
    np.random.seed(11)  # noqa: NPY002

    clf.fit(X, y)
    clf.predict_proba(X)

    assert random.getstate() == py_state
    np.testing.assert_array_equal(np.random.get_state()[1], np_state)  # noqa: NPY002
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(keras.random.uniform((5,))), expected_keras
    )
