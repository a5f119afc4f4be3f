import os
import pickle
import textwrap

import joblib
import numpy as np
import pytest
from sklearn.pipeline import make_pipeline

from sktextcnn import GloveVectorizer, TextCNNClassifier
from sktextcnn._persistence import MODEL_FORMAT_VERSION, model_from_bytes

from .conftest import run_fresh_python


@pytest.fixture
def fitted_pipe(corpus, tiny_glove_path):
    texts, labels = corpus
    pipe = make_pipeline(
        GloveVectorizer(max_length=10, embeddings=tiny_glove_path),
        TextCNNClassifier(filters=4, epochs=2, random_state=0),
    )
    return pipe.fit(texts, labels), texts


def test_pickle_round_trip_gives_identical_predictions(fitted_pipe):
    pipe, texts = fitted_pipe
    expected = pipe.predict_proba(texts)
    state = pipe[-1].__getstate__()
    assert state["model_"]["format"] == MODEL_FORMAT_VERSION
    assert isinstance(state["model_"]["model"], bytes)
    loaded = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_array_equal(loaded.predict_proba(texts), expected)
    # The original keeps working after being pickled, and the copy owns its
    # model: spoiling the copy's weights leaves the original's predictions.
    model = loaded[-1].model_
    model.set_weights([np.zeros_like(w) for w in model.get_weights()])
    assert not np.allclose(loaded.predict_proba(texts), expected)
    np.testing.assert_array_equal(pipe.predict_proba(texts), expected)


@pytest.mark.slow
def test_joblib_round_trip_in_a_fresh_process(fitted_pipe, tmp_path, tiny_glove_path):
    pipe, texts = fitted_pipe
    path = tmp_path / "model.joblib"
    joblib.dump(pipe, path)
    np.save(tmp_path / "expected.npy", pipe.predict_proba(texts))
    with open(tmp_path / "texts.txt", "w") as f:
        f.write("\n".join(texts))
    os.remove(tiny_glove_path)  # the embedding source is not needed at load time
    script = textwrap.dedent(
        f"""
        import joblib, numpy as np
        pipe = joblib.load({str(path)!r})
        texts = open({str(tmp_path / "texts.txt")!r}).read().split("\\n")
        expected = np.load({str(tmp_path / "expected.npy")!r})
        np.testing.assert_array_equal(pipe.predict_proba(texts), expected)
        print("OK", pipe.predict(texts[:2]))
        """
    )
    out = run_fresh_python(script)
    assert out.stdout.startswith("OK")


def test_pickle_holds_only_the_vocabulary_rows(corpus, tmp_path):
    texts, _ = corpus
    # 5,000 words besides the corpus's own: 100 kB of vectors it never uses.
    rng = np.random.RandomState(0)
    words = sorted({w for t in texts for w in t.split()})
    words += [f"unused{i}" for i in range(5000)]
    glove = tmp_path / "big.5d.txt"
    glove.write_text(
        "".join(f"{w} {' '.join(f'{v:.4f}' for v in rng.randn(5))}\n" for w in words)
    )
    vec = GloveVectorizer(max_length=10, embeddings=glove).fit(texts)
    blob = pickle.dumps(vec)
    rows = vec.embedding_matrix_.nbytes
    assert rows == (len(vec.vocabulary_) + 1) * 5 * 4
    assert len(blob) < rows + 4000, (len(blob), rows)
    assert b"unused" not in blob
    loaded = pickle.loads(blob)
    np.testing.assert_array_equal(loaded.embedding_matrix_, vec.embedding_matrix_)
    np.testing.assert_array_equal(loaded.transform(texts), vec.transform(texts))


def test_unfitted_estimator_pickles(corpus):
    clf = pickle.loads(pickle.dumps(TextCNNClassifier(filters=3)))
    assert clf.filters == 3 and not hasattr(clf, "model_")


def test_corrupt_model_bytes_raise_a_clear_error(fitted_pipe):
    pipe, _ = fitted_pipe
    state = pipe[-1].__getstate__()
    blob = state["model_"]["model"]
    with pytest.raises(ValueError, match="corrupt or truncated"):
        model_from_bytes(blob[: len(blob) // 2])
    state["model_"]["format"] = 999
    with pytest.raises(ValueError, match="format"):
        TextCNNClassifier().__setstate__(state)
