"""sktextcnn.save / sktextcnn.load: the pickle-free format."""

import io
import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import joblib
import keras
import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sktextcnn
from sktextcnn import GloveVectorizer, TextCNNClassifier
from sktextcnn._saving import _check_keras_config

from .conftest import corpus_words, make_corpus, run_fresh_python, write_vectors
from .crafting import edit, edit_keras_config, edit_meta

FORMAT1 = Path(__file__).parent / "data" / "pipeline-format1.sktextcnn"
CLF = dict(filters=4, kernel_sizes=(2, 3), epochs=2, batch_size=16, random_state=0)


@pytest.fixture(scope="module")
def corpus3():
    texts, labels = make_corpus(8, ("sport", "space", "cars"))
    return texts, labels


@pytest.fixture(scope="module")
def fitted(corpus3, tmp_path_factory):
    """A fitted Pipeline (GloVe vectors), vectorizer and classifier."""
    texts, labels = corpus3
    glove = write_vectors(
        tmp_path_factory.mktemp("glove") / "g.5d.txt", corpus_words(texts)[2:]
    )
    pipe = make_pipeline(
        GloveVectorizer(max_length=10, embeddings=glove, handle_unknown="oov_token"),
        TextCNNClassifier(**CLF, class_weight={"cars": 2.0}),
    ).fit(texts, labels)
    vec = GloveVectorizer(max_length=9, embeddings=None, max_features=12).fit(texts)
    clf = TextCNNClassifier(**CLF, architecture="seed", dense_units=4)
    clf.fit(np.asarray(vec.transform(texts)), np.where(labels == "cars", 7, -1))
    return {"pipe": pipe, "vec": vec, "clf": clf}


def check_same(loaded, original, texts, X):
    if isinstance(original, GloveVectorizer):
        assert loaded.vocabulary_ == original.vocabulary_
        np.testing.assert_array_equal(
            np.asarray(loaded.transform(texts)), np.asarray(original.transform(texts))
        )
        for key in ("n_vectors_found_", "vector_coverage_", "token_coverage_"):
            assert getattr(loaded, key) == getattr(original, key)
        return
    data = texts if hasattr(original, "steps") else X
    np.testing.assert_array_equal(
        loaded.predict_proba(data), original.predict_proba(data)
    )
    np.testing.assert_array_equal(loaded.predict(data), original.predict(data))
    assert loaded.predict(data).dtype == original.predict(data).dtype


@pytest.mark.parametrize("name", ["pipe", "vec", "clf"])
def test_round_trip_in_process(fitted, corpus3, tmp_path, name):
    texts, _ = corpus3
    original = fitted[name]
    path = tmp_path / "model.sktextcnn"
    sktextcnn.save(original, path)
    # The pipeline's vectorizer names an embedding file: a path from a file
    # loads only when trusted.
    loaded = sktextcnn.load(path, trusted=name == "pipe")
    assert type(loaded) is type(original)
    assert repr(loaded) == repr(original)
    assert (
        loaded.get_params(deep=False).keys() == original.get_params(deep=False).keys()
    )
    X = np.asarray(fitted["vec"].transform(texts))
    check_same(loaded, original, texts, X)


def test_params_and_fitted_attributes_survive(fitted, tmp_path):
    pipe = fitted["pipe"]
    sktextcnn.save(pipe, tmp_path / "p.sktextcnn")
    loaded = sktextcnn.load(tmp_path / "p.sktextcnn", trusted={"embeddings"})
    vec, clf = loaded.steps[0][1], loaded.steps[1][1]
    assert [name for name, _ in loaded.steps] == [
        "glovevectorizer",
        "textcnnclassifier",
    ]
    assert clf.kernel_sizes == (2, 3) and clf.class_weight == {"cars": 2.0}
    assert vec.embeddings == pipe[0].embeddings  # a Path stays a Path
    np.testing.assert_array_equal(vec.embedding_matrix_, pipe[0].embedding_matrix_)
    assert vec.embedding_matrix_.dtype == np.float32
    assert clf.history_ == pipe[-1].history_
    for key in ("n_features_in_", "n_ids_", "embedding_dim_", "n_iter_"):
        assert getattr(clf, key) == getattr(pipe[-1], key)
    np.testing.assert_array_equal(clf.classes_, pipe[-1].classes_)
    assert clf.classes_.dtype == pipe[-1].classes_.dtype


@pytest.mark.parametrize(
    "labels",
    [
        np.array(["b", "a"] * 6),
        np.array([3, -1] * 6),
        np.array(["x", "yy"] * 6, dtype=object),
        np.array([True, False] * 6),
    ],
    ids=["str", "int", "object", "bool"],
)
@pytest.mark.slow
def test_label_dtypes_are_preserved(labels, tmp_path):
    X = np.arange(1, 37).reshape(12, 3) % 7 + 1
    clf = TextCNNClassifier(filters=2, kernel_sizes=(2,), epochs=1, random_state=0)
    clf.fit(X, labels)
    sktextcnn.save(clf, tmp_path / "c.sktextcnn")
    loaded = sktextcnn.load(tmp_path / "c.sktextcnn")
    assert loaded.classes_.dtype == clf.classes_.dtype
    np.testing.assert_array_equal(loaded.classes_, clf.classes_)
    assert loaded.predict(X).dtype == clf.predict(X).dtype


def test_unfitted_estimators_and_set_output_round_trip(tmp_path):
    pipe = make_pipeline(
        GloveVectorizer(max_length=7, embeddings=None).set_output(transform="pandas"),
        TextCNNClassifier(filters=3, random_state=None),
    )
    sktextcnn.save(pipe, tmp_path / "u.sktextcnn")
    loaded = sktextcnn.load(tmp_path / "u.sktextcnn")
    assert repr(loaded) == repr(pipe)
    assert not hasattr(loaded[-1], "model_")
    assert loaded[0]._sklearn_output_config == {"transform": "pandas"}


@pytest.mark.parametrize(
    "estimator, match",
    [
        (GloveVectorizer(tokenizer=str.split), "parameter 'tokenizer'"),
        (
            TextCNNClassifier(callbacks=[keras.callbacks.TerminateOnNaN()]),
            "parameter 'callbacks'",
        ),
        (
            TextCNNClassifier(random_state=np.random.RandomState(0)),
            "parameter 'random_state'.*RandomState",
        ),
        (make_pipeline(StandardScaler()), "step 'standardscaler' is a StandardScaler"),
        (
            make_pipeline(GloveVectorizer(), memory="cache_dir"),
            "'memory' must be None",
        ),
        ({"not": "an estimator"}, "dict"),
    ],
    ids=["tokenizer", "callbacks", "random_state", "foreign_step", "memory", "dict"],
)
def test_unsafe_content_is_refused_at_save(estimator, match, tmp_path):
    path = tmp_path / "x.sktextcnn"
    with pytest.raises(ValueError, match=match):
        sktextcnn.save(estimator, path)
    assert os.listdir(tmp_path) == []


def test_save_replaces_atomically(fitted, tmp_path):
    path = tmp_path / "v.sktextcnn"
    sktextcnn.save(fitted["vec"], path)
    before = path.read_bytes()
    with pytest.raises(ValueError, match="tokenizer"):
        sktextcnn.save(GloveVectorizer(tokenizer=str.split), path)
    assert path.read_bytes() == before  # untouched by the failed save
    sktextcnn.save(fitted["clf"], path)  # replaced by a good one
    assert isinstance(sktextcnn.load(path), TextCNNClassifier)
    assert os.listdir(tmp_path) == ["v.sktextcnn"]  # no temp file left


def test_corrupt_or_truncated_files_raise_value_error(fitted, tmp_path):
    path = tmp_path / "p.sktextcnn"
    sktextcnn.save(fitted["pipe"], path)
    data = path.read_bytes()
    for i, bad in enumerate(
        [data[: len(data) // 2], data[:100], b"", b"not a zip file", data[:-30]]
    ):
        broken = tmp_path / f"broken{i}"
        broken.write_bytes(bad)
        with pytest.raises(ValueError, match="Cannot load .* as a safe sktextcnn"):
            sktextcnn.load(broken)
    with pytest.raises(FileNotFoundError):
        sktextcnn.load(tmp_path / "missing.sktextcnn")


def test_a_pickle_is_not_a_safe_file(fitted, tmp_path):
    joblib.dump(fitted["clf"], tmp_path / "c.joblib")
    with pytest.raises(ValueError, match="safe sktextcnn"):
        sktextcnn.load(tmp_path / "c.joblib")


@pytest.mark.parametrize(
    "change, match",
    [
        (lambda m: m["estimator"].update({"class": "os.system"}), "'os.system'"),
        (
            lambda m: m["estimator"]["steps"][0][1].update(
                {"class": "sklearn.preprocessing.FunctionTransformer"}
            ),
            "refusing to load class",
        ),
        (lambda m: m.update({"format_version": 99}), "format version 99"),
        (lambda m: m.update({"format": "other"}), "does not describe"),
        (
            lambda m: m["estimator"]["steps"][1][1]["params"].update({"evil": 1}),
            r"no parameter\(s\) \['evil'\]",
        ),
        (
            lambda m: m["estimator"]["steps"][1][1]["fitted"].update({"__class__": 1}),
            "refusing fitted attribute name",
        ),
        (
            lambda m: m["estimator"]["steps"][1][1].update({"model": "../x.keras"}),
            "bad model entry",
        ),
        (
            lambda m: m["estimator"]["steps"][0][1]["params"].update(
                {"max_length": {"pickle": "gASV"}}
            ),
            "unexpected value",
        ),
        (lambda m: m.pop("estimator"), "KeyError"),
        (
            lambda m: m["estimator"]["params"].update({"memory": "/tmp/cache"}),
            "'memory' must be None",
        ),
    ],
    ids=[
        "class", "step_class", "version", "format", "param", "attribute",
        "model_path", "tag", "missing", "memory",
    ],
)  # fmt: skip
def test_tampered_meta_is_refused(fitted, tmp_path, change, match):
    path = tmp_path / "p.sktextcnn"
    sktextcnn.save(fitted["pipe"], path)
    # Not a digest mismatch: the attacker recomputed the digests.
    edit(path, edit_meta(change))
    with pytest.raises(ValueError, match=match):
        sktextcnn.load(path, trusted=True)


def test_an_edit_without_new_digests_is_refused(fitted, tmp_path):
    path = tmp_path / "p.sktextcnn"
    sktextcnn.save(fitted["clf"], path)
    edit(path, edit_meta(lambda m: m["estimator"]["params"].update(filters=5)),
         seal=False)  # fmt: skip
    with pytest.raises(ValueError, match="does not match the file's SHA-256 digest"):
        sktextcnn.load(path)


def test_keras_config_outside_the_allowlist_is_refused(tmp_path):
    # Format 1 files (sktextcnn 0.1) hold Keras archives: a config naming a
    # Lambda layer is refused before anything is built.
    path = tmp_path / "old.sktextcnn"
    shutil.copy(FORMAT1, path)

    def add_lambda(config):
        config["config"]["layers"][-1].update(
            module="keras.layers", class_name="Lambda"
        )

    edit(path, edit_keras_config("model-0.keras", add_lambda))
    with pytest.raises(ValueError, match="'Lambda' from module 'keras.layers'"):
        sktextcnn.load(path)

    # A function reference (the shape of known safe_mode bypasses) is refused.
    config = {
        "module": "keras.models",
        "class_name": "function",
        "config": "load_model",
        "registered_name": "function",
    }
    blob = io.BytesIO()
    with zipfile.ZipFile(blob, "w") as z:
        z.writestr("config.json", json.dumps({"config": {"layers": [config]}}))
    with pytest.raises(ValueError, match="'function'"):
        _check_keras_config(blob.getvalue())


def test_pickles_get_the_same_allowlist_as_safe_files(fitted):
    # One serialization layer: a pickled state whose model names a Lambda layer
    # (with a correct digest) is refused like a safe file's.
    from sktextcnn._persistence import model_digest, unpack_model

    state = fitted["clf"].__getstate__()
    packed = dict(state["model_"])
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(packed["model"])) as src,
        zipfile.ZipFile(out, "w") as dst,
    ):
        for name in src.namelist():
            content = src.read(name)
            if name == "config.json":
                config = json.loads(content)
                config["config"]["layers"][-1].update(
                    module="keras.layers", class_name="Lambda"
                )
                content = json.dumps(config).encode()
            dst.writestr(name, content)
    packed["model"] = out.getvalue()
    packed["sha256"] = model_digest(packed["model"])
    with pytest.raises(ValueError, match="'Lambda' from module 'keras.layers'"):
        unpack_model(packed)


@pytest.mark.parametrize(
    "params",
    [
        dict(architecture="kim", pooling="max_mean", dense_units=3, optimizer="adamw"),
        dict(architecture="seed", optimizer="rmsprop", learning_rate=0.01),
        dict(architecture="kim", optimizer="sgd"),
        dict(architecture="kim", optimizer="adadelta", embedding_init="random"),
        dict(architecture="bow", bag_of_words_bigrams=True),
    ],
)
@pytest.mark.slow
def test_every_architecture_passes_the_keras_allowlist(params, tmp_path):
    # When a new layer or optimizer is added to sktextcnn, this fails until
    # the architecture registry (which _persistence._KERAS_ALLOWED reads)
    # lists it.
    X = np.arange(1, 61).reshape(12, 5) % 9 + 1
    clf = TextCNNClassifier(filters=2, epochs=1, random_state=0, **params)
    clf.fit(X, [0, 1] * 6)
    sktextcnn.save(clf, tmp_path / "a.sktextcnn")
    loaded = sktextcnn.load(tmp_path / "a.sktextcnn")
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


@pytest.mark.slow
def test_safe_and_pickle_round_trips_in_a_fresh_process(fitted, corpus3, tmp_path):
    """A new interpreter, no embedding file, and pickle disabled for the safe path."""
    texts, _ = corpus3
    X = np.asarray(fitted["vec"].transform(texts))
    np.save(tmp_path / "X.npy", X)
    (tmp_path / "texts.json").write_text(json.dumps(texts))
    for name, est in fitted.items():
        sktextcnn.save(est, tmp_path / f"{name}.sktextcnn")
        joblib.dump(est, tmp_path / f"{name}.joblib")
        out = (
            est.transform(texts)
            if name == "vec"
            else est.predict_proba(texts if name == "pipe" else X)
        )
        np.save(tmp_path / f"{name}.expected.npy", np.asarray(out))
    os.remove(fitted["pipe"][0].embeddings)  # not needed to predict
    script = textwrap.dedent(
        f"""
        import json, pickle, joblib, numpy as np
        import sktextcnn

        d = {str(tmp_path)!r}
        texts = json.load(open(d + "/texts.json"))
        X = np.load(d + "/X.npy")

        def run(est, name):
            if name == "vec":
                return np.asarray(est.transform(texts))
            return est.predict_proba(texts if name == "pipe" else X)

        names = ("pipe", "vec", "clf")
        pickled = {{n: joblib.load(f"{{d}}/{{n}}.joblib") for n in names}}

        class NoPickle(pickle.Unpickler):
            def __init__(self, *a, **k):
                raise AssertionError("the safe loader unpickled something")

        def no_loads(*a, **k):
            raise AssertionError("the safe loader unpickled something")

        pickle.Unpickler, pickle.load, pickle.loads = NoPickle, no_loads, no_loads
        for name in names:
            expected = np.load(d + f"/{{name}}.expected.npy")
            safe = sktextcnn.load(f"{{d}}/{{name}}.sktextcnn", trusted=True)
            np.testing.assert_array_equal(run(safe, name), expected)
            np.testing.assert_array_equal(run(pickled[name], name), expected)
        print("OK")
        """
    )
    result = run_fresh_python(script)
    assert result.stdout.strip().endswith("OK")


def test_a_large_vocabulary_is_stored_as_arrays(tmp_path):
    # Vocabularies of >= 64 words go to arrays (UTF-8 bytes + lengths + ids),
    # not JSON: any str survives, lone surrogates included.
    words = [f"w{i}" for i in range(100)] + ["naïve", "日本語", "a\udcffb", ""]
    texts = [" ".join(words[i : i + 7]) for i in range(0, len(words), 3)]
    vec = GloveVectorizer(max_length=9, embeddings=None, token_pattern=r"\S+")
    vec.fit(texts)
    path = tmp_path / "v.sktextcnn"
    sktextcnn.save(vec, path)
    with zipfile.ZipFile(path) as archive:
        meta = json.loads(archive.read("meta.json"))
    assert "strdict" in meta["estimator"]["fitted"]["vocabulary_"]
    assert b"naive" not in json.dumps(meta).encode()
    loaded = sktextcnn.load(path, trusted={"token_pattern"})
    assert loaded.vocabulary_ == vec.vocabulary_
    assert list(loaded.vocabulary_) == list(vec.vocabulary_)  # order kept
    np.testing.assert_array_equal(loaded.transform(texts), vec.transform(texts))


@pytest.mark.slow
def test_a_file_saved_on_jax_loads_on_tensorflow(tmp_path):
    # JAX keeps int32 step counters and uint32 seeds where TensorFlow has
    # int64: a stored variable may change width, never kind or value.
    pytest.importorskip("jax")
    X = np.arange(1, 61).reshape(12, 5) % 9 + 1
    script = textwrap.dedent(
        f"""
        import numpy as np, sktextcnn
        from sktextcnn import TextCNNClassifier
        X = np.arange(1, 61).reshape(12, 5) % 9 + 1
        clf = TextCNNClassifier(filters=2, epochs=1, random_state=0)
        clf.fit(X, [0, 1] * 6)
        sktextcnn.save(clf, {str(tmp_path / "jax.sktextcnn")!r})
        np.save({str(tmp_path / "proba.npy")!r}, clf.predict_proba(X))
        """
    )
    env = {**os.environ, "KERAS_BACKEND": "jax", "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env
    )
    assert out.returncode == 0, out.stderr[-3000:]
    loaded = sktextcnn.load(tmp_path / "jax.sktextcnn")
    np.testing.assert_allclose(
        loaded.predict_proba(X), np.load(tmp_path / "proba.npy"), atol=1e-6
    )
