import os
import pickle
import subprocess
import sys
import textwrap

import joblib
import numpy as np
import pytest
from sklearn.pipeline import make_pipeline

from sktextcnn import GloveVectorizer, TextCNNClassifier
from sktextcnn._digest import STATE_DIGEST
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
    with pytest.raises(ValueError, match="does not match its SHA-256 digest"):
        TextCNNClassifier().__setstate__(state)
    del state[STATE_DIGEST]  # a pickle of sktextcnn 0.1 carried no state digest
    with pytest.raises(ValueError, match="format"):
        TextCNNClassifier().__setstate__(state)


def test_a_pickle_edited_anywhere_in_its_state_is_refused(fitted_pipe):
    # Issue 12: a flipped byte turned a label "pos" into "Yos", or changed the
    # vocabulary, and the pickle loaded. The whole-state digest refuses it.
    # classes_ is a NumPy str array (UTF-32 in the pickle); the vocabulary a
    # dict of str.
    pipe, _ = fitted_pipe
    edits = [
        (pipe[0], b"rocket", b"Yocket"),
        (pipe[-1], "space".encode("utf-32-le"), "Ypace".encode("utf-32-le")),
    ]
    for est, word, wrong in edits:
        blob = pickle.dumps(est)
        assert blob.count(word) >= 1
        with pytest.raises(ValueError, match="does not match its SHA-256 digest"):
            pickle.loads(blob.replace(word, wrong, 1))
        assert STATE_DIGEST in est.__getstate__()
        assert pickle.loads(blob).get_params() == est.get_params()


def test_the_state_digest_is_the_same_in_every_process(tmp_path):
    # Sets iterate in an order that changes with PYTHONHASHSEED; the digest
    # must not. _digest.py imports nothing of ours (no TensorFlow start-up).
    import sktextcnn._digest as digest

    state = {
        "stop": {"a", "b", "c", "dd", "eee"},
        "arr": np.arange(6, dtype=np.float32).reshape(2, 3).T,  # not C-contiguous
        "nested": ({"k": [1, 2.5, None, True]}, b"bytes"),
        "scalar": np.int64(3),
    }
    with open(tmp_path / "state.pkl", "wb") as f:
        pickle.dump(state, f)
    script = textwrap.dedent(
        f"""
        import importlib.util, pickle
        spec = importlib.util.spec_from_file_location("d", {digest.__file__!r})
        d = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(d)
        print(d.state_digest(pickle.load(open({str(tmp_path / "state.pkl")!r}, "rb"))))
        """
    )
    digests = set()
    for seed in ("1", "2", "3"):
        out = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True,
            env={**os.environ, "PYTHONHASHSEED": seed}, check=True,
        )  # fmt: skip
        digests.add(out.stdout.strip())
    assert digests == {digest.state_digest(state)}
    # Any change is seen: a value, a type, the order of a dict.
    changed = [
        {**state, "scalar": np.int32(3)},
        {**state, "stop": {"a", "b", "c", "dd", "eeee"}},
        {**state, "arr": np.ascontiguousarray(state["arr"]).T},
        dict(reversed(state.items())),
    ]
    for other in changed:
        assert digest.state_digest(other) != digest.state_digest(state)
