"""sktextcnn.export: the exported model + tokenizer.json + reference tokenizer
reproduce the pipeline, and every refusal leaves nothing behind.

Exports that convert a model take seconds (marked slow); the refusals, the
directory handling and the reference tokenizer are checked without one.
"""

import copy
import importlib.util
import json
import os
import re
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer

import sktextcnn
from sktextcnn import GloveVectorizer, TextCNNClassifier, _export
from sktextcnn._reference_tokenizer import Tokenizer
from sktextcnn.datasets import load_20newsgroups

from .conftest import make_corpus

ROOT = Path(__file__).resolve().parents[1]
# Texts the tokenizer and the model must handle: empty, nothing to tokenize,
# no known word, one word, clitics and numbers, non-ASCII, very long.
EDGE_TEXTS = [
    "",
    "   !!! ??? ...",
    "zzzqqq xxyyzz",
    "orbit",
    "The ORBIT didn't launch; it's 3.5 days late (10:30, 1,000 km).",
    "Fußball ÉCOLE naïve İstanbul ǅemal",
    " ".join(["the orbit of the moon"] * 80),
]


@pytest.fixture(scope="module")
def texts_labels():
    texts, labels = make_corpus(20, classes=("sport", "space", "cars"))
    return texts, labels


def _fit(texts_labels, vec=None, clf=None):
    texts, labels = texts_labels
    vec = {"embeddings": None, "max_length": 20, "random_state": 0, **(vec or {})}
    clf = {
        "filters": 8, "kernel_sizes": (2, 3), "epochs": 2, "batch_size": 16,
        "random_state": 0, **(clf or {}),
    }  # fmt: skip
    return make_pipeline(GloveVectorizer(**vec), TextCNNClassifier(**clf)).fit(
        texts, labels
    )


@pytest.fixture(scope="module")
def pipe(texts_labels):
    return _fit(texts_labels)


def _entries(directory):
    return sorted(p.name for p in Path(directory).iterdir())


def _stub_classifier(vectorizer, classes=("a", "b"), min_width=1, trim=True):
    """What tokenizer_spec reads of a fitted classifier."""
    n_ids = len(vectorizer.vocabulary_) + 2
    return types.SimpleNamespace(
        classes_=np.asarray(classes),
        n_ids_=n_ids,
        n_features_in_=vectorizer._transform_settings_["max_length"],
        _predict_settings_={"min_width": min_width, "trim": trim},
    )


def _spec(vectorizer, **stub):
    spec = _export.tokenizer_spec(vectorizer, _stub_classifier(vectorizer, **stub))
    # Through JSON, as a server reads it.
    return json.loads(json.dumps({**spec, "model": None}))


# -- the reference tokenizer ---------------------------------------------------

VECTORIZER_SETTINGS = [
    {},
    dict(padding="post", truncating="pre", handle_unknown="oov_token"),
    dict(lowercase=False, max_length=7, max_features=15),
    dict(token_pattern=r"(?u)\b(\w\w+)\b", padding="post"),
    dict(vocabulary=["orbit", "moon", "the", "didn", "n't", "3.5"], max_length=4),
]


@pytest.mark.parametrize("settings_", VECTORIZER_SETTINGS)
def test_reference_tokenizer_gives_the_vectorizer_ids(texts_labels, settings_):
    texts = texts_labels[0] + EDGE_TEXTS
    vec = GloveVectorizer(**{"embeddings": None, "max_length": 12, **settings_})
    vec.fit(texts)
    tok = Tokenizer(_spec(vec, trim=False))
    expected = np.asarray(vec.transform(texts + [b"orbit \xc3\xa9t\xc3\xa9"]))
    got = tok.encode(texts + [b"orbit \xc3\xa9t\xc3\xa9"])
    np.testing.assert_array_equal(np.asarray(got), expected)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.text(max_size=60), min_size=1, max_size=5))
def test_reference_tokenizer_on_any_text(texts):
    vec = _any_text_vectorizer()
    tok = Tokenizer(_spec(vec, trim=False))
    np.testing.assert_array_equal(
        np.asarray(tok.encode(texts)), np.asarray(vec.transform(texts))
    )


_ANY_TEXT_VECTORIZER = []


def _any_text_vectorizer():
    if not _ANY_TEXT_VECTORIZER:
        corpus = make_corpus(5)[0] + EDGE_TEXTS + ["a b c d e f 0 1 2 é ß"]
        vec = GloveVectorizer(embeddings=None, max_length=9, handle_unknown="oov_token")
        _ANY_TEXT_VECTORIZER.append(vec.fit(corpus))
    return _ANY_TEXT_VECTORIZER[0]


def test_reference_tokenizer_trims_and_pads_to_min_length(texts_labels):
    vec = GloveVectorizer(embeddings=None, max_length=6, padding="pre")
    vec.fit(texts_labels[0])
    word = next(iter(vec.vocabulary_))
    short = [word, "", f"{word} {word}"]
    invariant = Tokenizer(_spec(vec, min_width=1, trim=True))
    assert invariant.encode(short) == [
        [0, vec.vocabulary_[word]],
        [0, 0],
        [vec.vocabulary_[word]] * 2,
    ]
    assert invariant.encode([""]) == [[0]]  # at least one column
    assert len(invariant.encode([word], trim=False)[0]) == 6
    # A model that needs 9 columns gets zeros on the right of max_length.
    seed = Tokenizer(_spec(vec, min_width=9, trim=False))
    assert seed.encode([word]) == [[0] * 5 + [vec.vocabulary_[word]] + [0] * 3]
    with pytest.raises(ValueError, match="not padding invariant"):
        seed.encode([word], trim=True)
    with pytest.raises(TypeError, match="list of texts"):
        seed.encode(word)


def test_reference_tokenizer_refuses_other_files(pipe):
    spec = _spec(pipe[0])
    with pytest.raises(ValueError, match="not a tokenizer.json"):
        Tokenizer({**spec, "format": "something-else"})
    with pytest.raises(ValueError, match="format_version"):
        Tokenizer({**spec, "format_version": 2})


def test_tokenizer_spec_reads_the_fitted_state(pipe):
    vec, clf = copy.deepcopy(pipe[0]), pipe[-1]
    before = _export.tokenizer_spec(vec, clf)
    vec.set_params(max_length=3, lowercase=False, padding="post", tokenizer=str.split)
    assert _export.tokenizer_spec(vec, clf) == before
    assert before["vocabulary"] == vec.vocabulary_
    assert before["classes"] == clf.classes_.tolist()
    assert before["max_length"] == 20 and before["lowercase"] is True
    assert before["token_pattern"] == sktextcnn.DEFAULT_TOKEN_PATTERN
    assert before["unknown_tokens"] == "drop" and before["oov_id"] is None
    assert before["padding_invariant"] is True and before["min_length"] == 1


def test_vocabulary_json_cannot_hold():
    vec = GloveVectorizer(vocabulary=["fine", "\ud800"], embeddings=None).fit(None)
    with pytest.raises(ValueError, match="not valid Unicode"):
        _export.tokenizer_spec(vec, _stub_classifier(vec))


def test_reference_tokenizer_needs_the_standard_library_only(pipe, tmp_path):
    """Run in an interpreter without site-packages: no NumPy, no sktextcnn."""
    spec = _export.tokenizer_spec(pipe[0], pipe[-1])
    (tmp_path / "tokenizer.json").write_text(json.dumps(spec), encoding="utf-8")
    script = tmp_path / "reference_tokenizer.py"
    script.write_bytes(Path(_export._reference_tokenizer.__file__).read_bytes())
    out = subprocess.run(
        [sys.executable, "-I", "-S", str(script), str(tmp_path)],
        input=json.dumps(EDGE_TEXTS),
        capture_output=True,
        text=True,
        check=True,
    )
    expected = np.asarray(pipe[0].transform(EDGE_TEXTS))
    np.testing.assert_array_equal(np.asarray(json.loads(out.stdout)), expected)


# -- refusals: clear errors, nothing written -------------------------------------


def test_unfitted_pipeline(tmp_path):
    pipe = make_pipeline(GloveVectorizer(), TextCNNClassifier())
    with pytest.raises(NotFittedError, match="fit it on texts before exporting"):
        sktextcnn.export(pipe, tmp_path / "out")
    assert _entries(tmp_path) == []


def test_custom_tokenizer_cannot_be_exported(pipe, texts_labels, tmp_path):
    vec = GloveVectorizer(embeddings=None, max_length=20, tokenizer=str.split)
    custom = Pipeline([("vec", vec.fit(texts_labels[0])), ("clf", pipe[-1])])
    with pytest.raises(ValueError, match="tokenizer=.* is Python code"):
        sktextcnn.export(custom, tmp_path / "out")
    assert _entries(tmp_path) == []


class _MyClassifier(TextCNNClassifier):
    pass


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda p: p[-1], "TextCNNClassifier alone"),
        (lambda p: p[0], "GloveVectorizer alone"),
        (lambda p: [p[0], p[-1]], "got list"),
        (
            lambda p: Pipeline([("tfidf", TfidfVectorizer()), ("clf", p[-1])]),
            "step 'tfidf' \\(TfidfVectorizer\\)",
        ),
        (
            lambda p: make_pipeline(p[0], FunctionTransformer(), p[-1]),
            "step 'functiontransformer'",
        ),
        (lambda p: make_pipeline(p[0], _MyClassifier()), "_MyClassifier"),
        (lambda p: Pipeline([("vec", p[0])]), "this pipeline has"),
    ],
)
def test_unsupported_pipelines(pipe, tmp_path, make, match):
    with pytest.raises(ValueError, match=match):
        sktextcnn.export(make(pipe), tmp_path / "out")
    assert _entries(tmp_path) == []


def test_passthrough_steps_are_ignored(pipe):
    with_passthrough = Pipeline(
        [("vec", pipe[0]), ("nothing", "passthrough"), ("clf", pipe[-1])]
    )
    assert _export._fitted_steps(with_passthrough) == (pipe[0], pipe[-1])


def test_multilabel_classifier_is_refused(pipe, tmp_path):
    clf = copy.copy(pipe[-1])
    clf._multilabel_ = {"constant_labels": []}  # what a multilabel fit sets
    with pytest.raises(ValueError, match="multilabel .* cannot be exported"):
        sktextcnn.export(Pipeline([("v", pipe[0]), ("c", clf)]), tmp_path / "out")


def test_vectorizer_refitted_alone_is_refused(pipe, texts_labels, tmp_path):
    vec = copy.deepcopy(pipe[0]).set_params(max_length=30).fit(texts_labels[0])
    with pytest.raises(ValueError, match="do not match"):
        sktextcnn.export(Pipeline([("v", vec), ("c", pipe[-1])]), tmp_path / "out")


def test_labels_that_json_cannot_hold(pipe, tmp_path):
    clf = copy.copy(pipe[-1])
    clf.classes_ = np.empty(3, dtype=object)
    for i, label in enumerate([(1, 2), (3, 4), (5, 6)]):
        clf.classes_[i] = label
    with pytest.raises(ValueError, match="Class label \\(1, 2\\) \\(tuple\\)"):
        sktextcnn.export(Pipeline([("v", pipe[0]), ("c", clf)]), tmp_path / "out")


def test_bad_format(pipe, tmp_path):
    with pytest.raises(ValueError, match="format must be one of"):
        sktextcnn.export(pipe, tmp_path / "out", format="tflite")


def test_existing_path(pipe, tmp_path):
    (tmp_path / "file").write_text("keep me")
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "notes.txt").write_text("keep me")
    for name in ("file", "dir"):
        with pytest.raises(FileExistsError, match="overwrite=True"):
            sktextcnn.export(pipe, tmp_path / name)
        with pytest.raises(FileExistsError, match="not an sktextcnn export"):
            sktextcnn.export(pipe, tmp_path / name, overwrite=True)
    assert (tmp_path / "file").read_text() == "keep me"
    assert _entries(tmp_path / "dir") == ["notes.txt"]
    assert _entries(tmp_path) == ["dir", "file"]
    with pytest.raises(FileNotFoundError, match="does not exist"):
        sktextcnn.export(pipe, tmp_path / "missing" / "out")


def test_missing_converter(pipe, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tf2onnx", None)  # import fails
    with pytest.raises(ImportError, match=r"sktextcnn\[export\]"):
        sktextcnn.export(pipe, tmp_path / "out")
    assert _entries(tmp_path) == []


def test_other_keras_backend(pipe, tmp_path, monkeypatch):
    monkeypatch.setattr(_export.keras.backend, "backend", lambda: "jax")
    with pytest.raises(RuntimeError, match="KERAS_BACKEND=tensorflow"):
        sktextcnn.export(pipe, tmp_path / "out")
    assert _entries(tmp_path) == []


def _fake_writer(fail=None):
    def write(model, directory):
        (directory / "model.onnx").write_bytes(b"half a model")
        if fail is not None:
            raise fail
        return {"format": "onnx", "path": "model.onnx"}

    return write


@pytest.mark.parametrize("error", [RuntimeError("converter"), KeyboardInterrupt()])
def test_failure_part_way_leaves_nothing(pipe, tmp_path, monkeypatch, error):
    monkeypatch.setattr(_export, "_write_onnx", _fake_writer(fail=error))
    with pytest.raises(type(error)):
        sktextcnn.export(pipe, tmp_path / "out")
    assert _entries(tmp_path) == []
    # An earlier export stays as it was.
    monkeypatch.setattr(_export, "_write_onnx", _fake_writer())
    monkeypatch.setattr(_export, "_check_exported", lambda *args: None)
    sktextcnn.export(pipe, tmp_path / "out")
    before = {
        p: (tmp_path / "out" / p).read_bytes() for p in _entries(tmp_path / "out")
    }
    monkeypatch.setattr(_export, "_write_onnx", _fake_writer(fail=error))
    with pytest.raises(type(error)):
        sktextcnn.export(pipe, tmp_path / "out", overwrite=True)
    assert _entries(tmp_path) == ["out"]
    after = {p: (tmp_path / "out" / p).read_bytes() for p in _entries(tmp_path / "out")}
    assert after == before


def test_a_wrong_export_is_not_put_in_place(pipe, tmp_path, monkeypatch):
    monkeypatch.setattr(_export, "_write_onnx", _fake_writer())
    wrong = lambda directory, spec: lambda ids: np.full((len(ids), 3), 1 / 3)  # noqa: E731
    monkeypatch.setattr(_export, "_run_exported", wrong)
    with pytest.raises(RuntimeError, match="away from the Keras model"):
        sktextcnn.export(pipe, tmp_path / "out")
    assert _entries(tmp_path) == []


def test_overwrite_replaces_an_earlier_export(pipe, tmp_path, monkeypatch):
    monkeypatch.setattr(_export, "_write_onnx", _fake_writer())
    monkeypatch.setattr(_export, "_check_exported", lambda *args: None)
    (tmp_path / "empty").mkdir()
    out = sktextcnn.export(pipe, tmp_path / "empty", overwrite=True)
    assert out == tmp_path / "empty"
    (out / "stale.txt").write_text("from an earlier export")
    sktextcnn.export(pipe, out, overwrite=True)
    assert _entries(out) == ["model.onnx", "reference_tokenizer.py", "tokenizer.json"]
    assert _entries(tmp_path) == ["empty"]
    spec = json.loads((out / "tokenizer.json").read_text(encoding="utf-8"))
    assert list(spec)[:5] == [
        "format", "format_version", "sktextcnn_version", "model", "classes",
    ]  # fmt: skip
    assert list(spec)[-1] == "vocabulary"


# -- real exports ------------------------------------------------------------------


def _load_reference_tokenizer(directory):
    """The export's own copy of the reference tokenizer, as a server loads it."""
    spec = importlib.util.spec_from_file_location(
        f"reference_tokenizer_{abs(hash(str(directory)))}",
        Path(directory) / "reference_tokenizer.py",
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Tokenizer.from_directory(directory)


def _runner(directory):
    """ids -> probabilities with the exported model, as a server runs it."""
    entry = json.loads((Path(directory) / "tokenizer.json").read_text("utf-8"))["model"]
    if entry["format"] == "onnx":
        import onnxruntime

        session = onnxruntime.InferenceSession(str(Path(directory) / entry["path"]))
        (inp,), (out,) = session.get_inputs(), session.get_outputs()
        assert (inp.name, inp.type, out.name) == (
            "token_ids", "tensor(int32)", "probabilities",
        )  # fmt: skip
        assert inp.shape == ["batch", "length"] and out.shape[0] == "batch"
        return lambda ids: session.run(None, {"token_ids": ids})[0]
    import tensorflow as tf

    loaded = tf.saved_model.load(str(Path(directory) / entry["path"]))
    serving = loaded.signatures["serving_default"]

    def run(ids):
        by_signature = serving(token_ids=tf.constant(ids))["probabilities"].numpy()
        direct = loaded.serve(tf.constant(ids))["probabilities"].numpy()
        np.testing.assert_array_equal(by_signature, direct)
        return direct

    return run


def _exported_proba(directory, texts, batch_size=64, trim=None):
    """Probabilities of ``texts`` from the export alone, in length-sorted
    batches as examples/serve.py runs them."""
    tok, run = _load_reference_tokenizer(directory), _runner(directory)
    ids = [tok.ids(text) for text in texts]
    order = np.argsort([len(i) for i in ids], kind="stable")
    proba = None
    for start in range(0, len(texts), batch_size):
        chunk = order[start : start + batch_size]
        rows = np.asarray(tok.batch([ids[i] for i in chunk], trim), dtype=np.int32)
        out = run(rows)
        if proba is None:
            proba = np.zeros((len(texts), out.shape[1]), dtype=np.float32)
        proba[chunk] = out
    return proba


EXPORTS = [
    # (vectorizer, classifier, formats)
    ({}, {}, ("onnx", "saved_model")),
    (
        dict(handle_unknown="oov_token", padding="post", truncating="pre"),
        dict(bag_of_words_bigrams=True, pooling="max_mean"),
        ("onnx",),
    ),
    ({}, dict(bag_of_words=False), ("onnx",)),
    ({}, dict(architecture="bow", bag_of_words_bigrams=True), ("onnx",)),
    # min_length 8 > max_length 6: rows get zeros on their right.
    (
        dict(max_length=6),
        dict(architecture="seed", kernel_sizes=(3, 3), pool_size=2),
        ("onnx", "saved_model"),
    ),
]


@pytest.mark.slow
@pytest.mark.parametrize("vec, clf, formats", EXPORTS)
def test_exports_reproduce_predict_proba(texts_labels, tmp_path, vec, clf, formats):
    pipe = _fit(texts_labels, vec, clf)
    texts = texts_labels[0][:40] + EDGE_TEXTS
    expected = pipe.predict_proba(texts)
    for format in formats:
        out = sktextcnn.export(pipe, tmp_path / format, format=format)
        spec = json.loads((out / "tokenizer.json").read_text("utf-8"))
        assert spec["model"]["format"] == format
        tok = _load_reference_tokenizer(out)
        np.testing.assert_array_equal(
            np.asarray(tok.encode(texts, trim=False))[:, : pipe[0].max_length],
            np.asarray(pipe[0].transform(texts)),
        )
        # One batch, batches of 8 sorted by length, one text at a time (an
        # all-padding row alone, a row as short as the model allows).
        for batch_size in (len(texts), 8, 1):
            got = _exported_proba(out, texts, batch_size)
            np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)
        if spec["padding_invariant"]:
            got = _exported_proba(out, texts, 16, trim=False)
            np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize("shared_data_dir", ["20news-bydate.tar.gz"], indirect=True)
def test_20newsgroups_exports_match_predict_proba(shared_data_dir, tmp_path):
    """The default pipeline (fewer epochs) on real posts: ONNX and SavedModel
    give predict_proba to 1e-5, from the reference tokenizer's ids."""
    tarball = shared_data_dir / "20news-bydate.tar.gz"
    train = load_20newsgroups("train", data=tarball, shuffle=True, random_state=0)
    test = load_20newsgroups("test", data=tarball, shuffle=True, random_state=0)
    names = np.asarray(train.target_names)
    pipe = make_pipeline(
        GloveVectorizer(max_length=400, random_state=0),
        TextCNNClassifier(epochs=2, random_state=0),
    ).fit(train.data[:1000], names[train.target[:1000]])
    # Some posts are longer than max_length; add the edge cases and a post
    # as bytes.
    texts = test.data[:300] + EDGE_TEXTS + [test.data[300].encode("utf-8")]
    n_tokens = np.count_nonzero(np.asarray(pipe[0].transform(texts)), axis=1)
    assert (n_tokens == 400).sum() >= 20 and (n_tokens == 0).sum() >= 2
    expected = pipe.predict_proba(texts)
    for format in ("onnx", "saved_model"):
        out = sktextcnn.export(pipe, tmp_path / format, format=format)
        tok = _load_reference_tokenizer(out)
        np.testing.assert_array_equal(
            np.asarray(tok.encode(texts, trim=False)),
            np.asarray(pipe[0].transform(texts)),
        )
        got = _exported_proba(out, texts)
        diff = np.abs(got - expected).max()
        print(f"{format}: max abs difference {diff:.2e} on {len(texts)} texts")
        assert diff <= 1e-5
        labels = np.asarray(tok.classes, dtype=object)[got.argmax(axis=1)]
        assert (labels == pipe.predict(texts)).all()


# -- the example service -----------------------------------------------------------

# serve.py runs with TensorFlow, Keras, scikit-learn and sktextcnn unimportable.
_NO_ML = """
import runpy, sys
class Refuse:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("tensorflow", "keras", "sklearn", "sktextcnn"):
            raise ImportError(f"serve.py must not import {name}")
sys.meta_path.insert(0, Refuse())
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


@pytest.fixture
def server(pipe, tmp_path):
    out = sktextcnn.export(pipe, tmp_path / "model")
    proc = subprocess.Popen(
        [sys.executable, "-c", _NO_ML, str(ROOT / "examples" / "serve.py"), str(out),
         "--port", "0", "--max-texts", "500", "--max-bytes", "200000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": ""},
    )  # fmt: skip
    try:
        line = proc.stdout.readline()
        assert line.startswith("serving"), (line, proc.stderr.read()[-2000:])
        yield line.split("http://")[1].strip(), proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def _request(address, method, path, body=None, headers=None):
    import http.client

    conn = http.client.HTTPConnection(address, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


@pytest.mark.slow
def test_serve_example(server, pipe, texts_labels):
    address, proc = server
    texts = texts_labels[0][:30] + EDGE_TEXTS
    post = lambda payload: _request(address, "POST", "/predict", payload)  # noqa: E731

    status, answer = post(json.dumps({"texts": texts}))
    assert status == 200
    assert answer["classes"] == pipe[-1].classes_.tolist()
    np.testing.assert_allclose(
        answer["probabilities"], pipe.predict_proba(texts), rtol=0, atol=1e-5
    )
    assert answer["labels"] == pipe.predict(texts).tolist()
    assert post(json.dumps({"texts": []}))[1]["labels"] == []

    bad = {
        b'{"texts": ["a", ': (400, "malformed JSON"),
        b"\xff\xfe": (400, "malformed JSON"),
        b'["a", "b"]': (400, "expected a JSON object"),
        b'{"text": ["a"]}': (400, "expected a JSON object"),
        b'{"texts": ["a"], "top_k": 3}': (400, "unknown field"),
        b'{"texts": "one text"}': (400, "must be a list"),
        b'{"texts": ["a", 3]}': (400, "texts\\[1\\] is int"),
        json.dumps({"texts": ["a text"] * 10_000}).encode(): (413, "at most 500"),
    }
    for body, (code, match) in bad.items():
        status, answer = post(body)
        assert status == code, (body[:40], answer)
        assert re.search(match, answer["error"])
    huge = b'{"texts": ["' + b"x" * 300_000 + b'"]}'
    assert post(huge) == (
        413, {"error": f"{len(huge)} bytes in one request; at most 200000: split it"},
    )  # fmt: skip
    assert _request(address, "GET", "/predict")[0] == 405
    assert _request(address, "GET", "/nothing")[0] == 404
    assert _request(address, "GET", "/health") == (200, {"status": "ok"})
    # Still serving, same answers.
    status, answer = post(json.dumps({"texts": texts[:3]}))
    assert status == 200 and proc.poll() is None
    assert answer["labels"] == pipe.predict(texts[:3]).tolist()
