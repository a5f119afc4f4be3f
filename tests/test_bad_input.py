"""The catalogue of bad inputs: each one, its exception type and its message.

Every row is one thing a user can get wrong -- texts, labels, token ids,
parameters, embedding files, stored models -- with the exception it must raise
and a regular expression the message must match. The message names the
problem: the parameter, the document / sample index or the file line. No row
may fail deep inside NumPy, TensorFlow or Keras.

Decided behaviours that are *not* errors are listed in ``ACCEPTED`` below:
texts without any known word become all-padding rows, and the classifier
still returns valid probabilities for them. Only when *no* training text holds
a token does ``fit`` raise ("Empty vocabulary").
"""

import gzip
import importlib.util
import io
import os
import pickle
import re
from types import SimpleNamespace

import numpy as np
import pytest
from scipy import sparse
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from sktextcnn import (
    GloveVectorizer,
    TextCNNClassifier,
    TextCNNRegressor,
    TokenSequences,
)
from sktextcnn._digest import STATE_DIGEST, seal_state

from .conftest import corpus_words, make_corpus, write_vectors

CLF = dict(filters=4, kernel_sizes=(2,), epochs=1, early_stopping=False)

# Where NumPy, Keras and (with its backend) TensorFlow live.
THIRD_PARTY = tuple(
    os.path.dirname(spec.origin) + os.sep
    for spec in map(importlib.util.find_spec, ("numpy", "keras", "tensorflow"))
    if spec is not None and spec.origin is not None
)


@pytest.fixture(scope="module")
def ctx(tmp_path_factory):
    """A corpus, a fitted vectorizer (5-d vectors) and a fitted classifier."""
    tmp = tmp_path_factory.mktemp("bad_input")
    texts, y = make_corpus()
    glove = write_vectors(tmp / "glove.5d.txt", corpus_words(texts))
    vec = GloveVectorizer(max_length=12, embeddings=glove)
    seqs = vec.fit_transform(texts)
    clf = TextCNNClassifier(**CLF, random_state=0).fit(seqs, y)
    return SimpleNamespace(
        tmp=tmp, texts=texts, y=y, vec=vec, seqs=seqs, X=np.asarray(seqs), clf=clf
    )


def embeddings_file(ctx, name, text=None, data=None):
    """Write an embedding file (text, or raw bytes) and fit a vectorizer on it."""
    path = ctx.tmp / name
    path.write_bytes(text.encode("utf-8") if data is None else data)
    return GloveVectorizer(embeddings=path).fit(["the cat sat on the mat"])


def fit_texts(docs, **params):
    return GloveVectorizer(embeddings=None, **params).fit(docs)


def fit_ids(ctx, X=None, y=None, sample_weight=None, **params):
    X, y = ctx.X if X is None else X, ctx.y if y is None else y
    return TextCNNClassifier(**{**CLF, **params}).fit(X, y, sample_weight)


def fit_regressor(ctx, y):
    return TextCNNRegressor(**CLF).fit(ctx.X, y)


def indicator(ctx):
    """A multilabel y for the corpus: its class and the parity of the index."""
    return np.c_[ctx.y == "sport", np.arange(40) % 2].astype(int)


def with_last(ctx, label):
    """The corpus labels as a list whose last label is replaced."""
    return [*ctx.y[:-1].tolist(), label]


def tokenize_with(tokenizer):
    return fit_texts(["a b", "c"], tokenizer=tokenizer)


def resealed(state):
    """``state`` with its whole-state digest redone (only an edit does that)."""
    return seal_state({k: v for k, v in state.items() if k != STATE_DIGEST})


def truncated_pickle(ctx, cut, reseal=False):
    """Pickle the fitted classifier with its model archive cut to ``cut`` bytes.

    The whole-state digest catches that; with ``reseal`` it is redone, so the
    model's own digest and checks are reached.
    """

    class Cutting(pickle.Pickler):
        def reducer_override(self, obj):
            if obj is not ctx.clf:
                return NotImplemented
            func, args, state, *rest = obj.__reduce_ex__(pickle.HIGHEST_PROTOCOL)
            packed = dict(state["model_"])
            packed["model"] = packed["model"][:cut]
            state = {**state, "model_": packed}
            return (func, args, resealed(state) if reseal else state, *rest)

    buffer = io.BytesIO()
    Cutting(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(ctx.clf)
    return pickle.loads(buffer.getvalue())


def param_error(estimator, name):
    return f"The '{name}' parameter of {estimator} must be"


W2V_BAD_HEADER = "2 5\nthe 0.5 -1.0 2.25\ncat 1.5 0.25 -0.75\n"
GLOVE = "the 0.5 -1.0 2.25\ncat 1.5 0.25 -0.75\n"

# (id, action(ctx), exception type, message regex)
CASES = [
    # -- texts: the container ---------------------------------------------------
    ("text: a single string", lambda c: fit_texts("the cat sat"),
     ValueError, "Iterable over raw text documents expected, str object received"),
    ("text: a single bytes", lambda c: fit_texts(b"the cat sat"),
     ValueError, "Iterable over raw text documents expected, bytes object"),
    ("text: None", lambda c: fit_texts(None),
     TypeError, "Iterable over raw text documents expected, NoneType object"),
    ("text: an int", lambda c: fit_texts(42),
     TypeError, "Iterable over raw text documents expected, int object"),
    ("text: an empty list", lambda c: fit_texts([]),
     ValueError, "Empty input: at least one document is required"),
    ("text: an empty generator", lambda c: fit_texts(d for d in []),
     ValueError, "Empty input"),
    ("text: a 2-D array", lambda c: fit_texts(np.array([["a", "b"], ["c", "d"]])),
     ValueError, r"got an array of shape \(2, 2\); pass a 1-D sequence"),
    ("text: a sparse matrix", lambda c: fit_texts(sparse.csr_matrix(np.eye(2))),
     TypeError, "A sparse matrix was passed, but raw text documents are expected"),
    ("text: a single string to transform", lambda c: c.vec.transform("the cat"),
     ValueError, "Iterable over raw text documents expected, str object"),
    # -- texts: the items -------------------------------------------------------
    ("text: an int item", lambda c: fit_texts(["ok", 3, "ok"]),
     TypeError, "Document 1 is a int, not a string"),
    ("text: a None item", lambda c: fit_texts(["ok", "ok", None]),
     TypeError, "Document 2 is a NoneType, not a string"),
    ("text: a nested list item", lambda c: fit_texts([["nested", "list"]]),
     TypeError, "Document 0 is a list, not a string"),
    ("text: a NaN item (missing value)", lambda c: fit_texts(["ok", float("nan")]),
     TypeError, "Document 1 is a float, not a string"),
    ("text: bytes invalid in utf-8", lambda c: fit_texts([b"ok", b"caf\xe9"]),
     ValueError, r"Document 1 cannot be decoded as 'utf-8' .*decode_error='replace'"),
    ("text: bytes invalid, at transform", lambda c: c.vec.transform([b"\xff\xfe"]),
     ValueError, "Document 0 cannot be decoded as 'utf-8'"),
    ("text: an unknown encoding", lambda c: fit_texts([b"a"], encoding="utf-99"),
     ValueError, "encoding='utf-99' is not a codec Python knows"),
    ("text: all documents empty", lambda c: fit_texts(["", "", ""]),
     ValueError, "Empty vocabulary: no document contains a token"),
    ("text: only punctuation", lambda c: fit_texts(["?!", " ... ", "--"]),
     ValueError, "Empty vocabulary"),
    ("text: transform before fit", lambda c: GloveVectorizer().transform(["a"]),
     NotFittedError, "This GloveVectorizer instance is not fitted yet"),
    # -- tokenization -----------------------------------------------------------
    ("token_pattern: invalid regex", lambda c: fit_texts(["a"], token_pattern="("),
     ValueError, r"token_pattern='\(' is not a valid regular expression"),
    ("token_pattern: two groups",
     lambda c: fit_texts(["ab"], token_pattern=r"(\w)(\w)"),
     ValueError, "has 2 capturing groups; at most one may capture"),
    ("tokenizer: returns a str", lambda c: tokenize_with(lambda d: d),
     TypeError, "tokenizer returned a str for document 0; it must return a list"),
    ("tokenizer: returns None", lambda c: tokenize_with(lambda d: None),
     TypeError, "tokenizer returned a NoneType for document 0"),
    ("tokenizer: non-str tokens",
     lambda c: tokenize_with(lambda d: d.split() if d != "c" else [3]),
     TypeError, r"tokenizer returned a int token \(3\) for document 1"),
    # -- vectorizer parameters --------------------------------------------------
    ("param: max_length=0", lambda c: fit_texts(["a"], max_length=0),
     InvalidParameterError, param_error("GloveVectorizer", "max_length")),
    ("param: max_length=-5", lambda c: fit_texts(["a"], max_length=-5),
     InvalidParameterError, param_error("GloveVectorizer", "max_length")),
    ("param: max_length=2.5", lambda c: fit_texts(["a"], max_length=2.5),
     InvalidParameterError, param_error("GloveVectorizer", "max_length")),
    ("param: max_features=0", lambda c: fit_texts(["a"], max_features=0),
     InvalidParameterError, param_error("GloveVectorizer", "max_features")),
    ("param: padding='middle'", lambda c: fit_texts(["a"], padding="middle"),
     InvalidParameterError, param_error("GloveVectorizer", "padding")),
    ("param: truncating='both'", lambda c: fit_texts(["a"], truncating="both"),
     InvalidParameterError, param_error("GloveVectorizer", "truncating")),
    ("param: decode_error='loose'", lambda c: fit_texts(["a"], decode_error="loose"),
     InvalidParameterError, param_error("GloveVectorizer", "decode_error")),
    ("param: embeddings=50",
     lambda c: GloveVectorizer(embeddings=50).fit(["a"]),
     InvalidParameterError, param_error("GloveVectorizer", "embeddings")),
    # -- embedding files --------------------------------------------------------
    ("embeddings: a missing file",
     lambda c: GloveVectorizer(embeddings=c.tmp / "nowhere.txt").fit(["a"]),
     FileNotFoundError, "Embedding file not found: '.*nowhere.txt'"),
    ("embeddings: a directory", lambda c: GloveVectorizer(embeddings=c.tmp).fit(["a"]),
     FileNotFoundError, "is a directory; pass the path of a GloVe"),
    ("embeddings: a misspelt packaged name",
     lambda c: GloveVectorizer(embeddings="glove-6b-100d").fit(["a"]),
     FileNotFoundError, "the packaged vectors are named 'glove-6b-50d'"),
    ("embeddings: an empty file", lambda c: embeddings_file(c, "empty.txt", ""),
     ValueError, "empty.txt: the embedding file contains no vectors"),
    ("embeddings: blank lines only",
     lambda c: embeddings_file(c, "blank.txt", "\n  \n\n"),
     ValueError, "blank.txt: the embedding file contains no vectors"),
    ("embeddings: a line with fewer values",
     lambda c: embeddings_file(c, "short.txt", GLOVE + "dog 1.0 2.0\n"),
     ValueError, "short.txt, line 3: 2 values, but the first vector has 3"),
    ("embeddings: a line with more values",
     lambda c: embeddings_file(c, "long.txt", GLOVE + "dog 1 2 3 4\n"),
     ValueError, "long.txt, line 3: 4 values, but the first vector has 3"),
    ("embeddings: a word without values",
     lambda c: embeddings_file(c, "single.txt", "the\n"),
     ValueError, "single.txt, line 1: expected 'word v1 ... vd'"),
    ("embeddings: a non-numeric value",
     lambda c: embeddings_file(c, "text.txt", "the 1 2 3\ncat 1 x 3\n"),
     ValueError, "text.txt, line 2: non-numeric value in the vector of b'cat'"),
    ("embeddings: a NaN value",
     lambda c: embeddings_file(c, "nan.txt", "the 1 2 3\ncat 1 nan 3\n"),
     ValueError, "nan.txt, line 2: NaN or infinite value in the vector of b'cat'"),
    ("embeddings: an infinite value",
     lambda c: embeddings_file(c, "inf.txt", "the 1 2 3\non -inf 2 3\n"),
     ValueError, "inf.txt, line 2: NaN or infinite value in the vector of b'on'"),
    ("embeddings: a duplicated word",
     lambda c: embeddings_file(c, "dup.txt", GLOVE + "the 1 2 3\n"),
     ValueError,
     re.escape("dup.txt, line 3: word b'the' is duplicated (first seen on line 1)")),
    ("embeddings: a truncated .gz",
     lambda c: embeddings_file(
         c, "cut.txt.gz", data=gzip.compress(GLOVE.encode() * 500)[:-100]
     ),
     ValueError, "cut.txt.gz: the compressed file is truncated or corrupt"),
    ("embeddings: word2vec header with another dimension",
     lambda c: embeddings_file(c, "w2v.txt", W2V_BAD_HEADER),
     ValueError, "w2v.txt, line 2: 3 values, but the word2vec header announces 5"),
    # -- labels -----------------------------------------------------------------
    ("y: a different length", lambda c: fit_ids(c, y=c.y[:-1]),
     ValueError, r"inconsistent numbers of samples: \[40, 39\]"),
    ("y: a single class", lambda c: fit_ids(c, y=np.full(40, "sport")),
     ValueError, "The training labels hold one class only \\('sport'\\)"),
    ("y: NaN in float labels", lambda c: fit_ids(c, y=np.r_[np.ones(39), np.nan]),
     ValueError, "Input y contains NaN"),
    ("y: NaN among string labels", lambda c: fit_ids(c, y=with_last(c, np.nan)),
     ValueError, r"y\[39\] is a missing label \(nan\); every sample needs a class"),
    ("y: None among string labels", lambda c: fit_ids(c, y=with_last(c, None)),
     ValueError, r"y\[39\] is a missing label \(None\)"),
    ("y: strings and numbers mixed", lambda c: fit_ids(c, y=with_last(c, 3)),
     TypeError, r"y mixes label types: y\[0\] is a string and y\[39\] \(3\)"),
    ("y: continuous values", lambda c: fit_ids(c, y=np.linspace(0, 1, 40)),
     ValueError, "Unknown label type: continuous"),
    ("y: 2-D labels (multiclass-multioutput)", lambda c: fit_ids(c, y=np.c_[c.y, c.y]),
     ValueError, r"y is a 2-D array of shape \(40, 2\) holding 'space', 'sport', "
     "not a binary indicator matrix"),
    # -- multilabel y ------------------------------------------------------------
    ("y: an indicator matrix of one column",
     lambda c: fit_ids(c, y=indicator(c)[:, :1]),
     ValueError, r"y has shape \(40, 1\): one column. For single-label classification "
     r"pass a 1-D y \(y.ravel\(\)\)"),
    ("y: indicator columns mixed with a multiclass column",
     lambda c: fit_ids(c, y=np.c_[indicator(c), np.arange(40) % 3]),
     ValueError, r"holding 0, 1, 2, not a binary indicator matrix of 0 and 1 \(it is "
     r"'multiclass-multioutput'\)"),
    ("y: lists of labels (not binarized)",
     lambda c: fit_ids(c, y=[["sport"], ["space", "sport"]] * 20),
     ValueError, r"sequences of different lengths .*MultiLabelBinarizer\(\)"),
    ("y: single labels mixed with lists of labels",
     lambda c: fit_ids(c, y=[*c.y[:-1].tolist(), ["space", "sport"]]),
     ValueError, r"y mixes single labels and sequences of labels.*y\[39\] is "),
    ("class_weight with multilabel y",
     lambda c: fit_ids(c, y=indicator(c), class_weight="balanced"),
     ValueError, "class_weight='balanced' cannot weigh a multilabel y"),
    # -- regression targets -----------------------------------------------------
    ("regression y: strings", lambda c: fit_regressor(c, c.y),
     ValueError, r"y holds 'sport' \(a str\) at flat index 0: TextCNNRegressor "
     "predicts numbers; for class labels use TextCNNClassifier"),
    ("regression y: NaN", lambda c: fit_regressor(c, np.r_[np.ones(39), np.nan]),
     ValueError, "Input y contains NaN"),
    ("regression y: infinity", lambda c: fit_regressor(c, np.r_[np.ones(39), np.inf]),
     ValueError, "Input y contains infinity"),
    ("regression y: None", lambda c: fit_regressor(c, [*np.ones(39), None]),
     ValueError, r"y holds a missing value \(None\) at flat index 39"),
    ("regression: predict_proba",
     lambda c: TextCNNRegressor().predict_proba(c.X),
     AttributeError, "'TextCNNRegressor' object has no attribute 'predict_proba'"),
    ("regression: warm_start with another number of targets",
     lambda c: TextCNNRegressor(**CLF, warm_start=True)
     .fit(c.X, np.arange(40.0))
     .fit(c.X, np.c_[np.arange(40.0), np.ones(40)]),
     ValueError, "warm_start=True needs the same number of targets and vocabulary"),
    # -- token ids given to the classifier ------------------------------------
    ("X: predict before fit", lambda c: TextCNNClassifier().predict(c.X),
     NotFittedError, "This TextCNNClassifier instance is not fitted yet"),
    ("X: negative ids in fit", lambda c: fit_ids(c, X=-c.X - 1),
     ValueError, r"Negative values in data passed to X: token ids must be >= 0"),
    ("X: negative ids in predict", lambda c: c.clf.predict(c.X - 5),
     ValueError, "Negative values in data passed to X"),
    ("X: ids beyond the vocabulary in predict",
     lambda c: c.clf.predict(np.full_like(c.X, c.clf.n_ids_)),
     ValueError, r"token id (\d+), outside the vocabulary of \1 ids seen in fit"),
    ("X: ids beyond its own vocabulary in fit",
     lambda c: fit_ids(c, X=TokenSequences(c.X, None, n_ids=3)),
     ValueError, r"X contains token id \d+ but its vocabulary has 3 ids"),
    ("X: an id too large for any embedding table",
     lambda c: fit_ids(c, X=np.r_[c.X[:-1], np.full((1, 12), 2**31 - 1)]),
     ValueError, "X holds token id 2147483647: its embedding table"),
    ("X: non-integral floats", lambda c: fit_ids(c, X=c.X + 0.5),
     ValueError, "X holds non-integral floats; token ids must be integers"),
    ("X: NaN", lambda c: c.clf.predict(np.where(c.X == 1, np.nan, c.X)),
     ValueError, "Input X contains NaN"),
    ("X: 1-D", lambda c: fit_ids(c, X=c.X[:, 0]),
     ValueError, "Expected 2D array, got 1D array instead"),
    ("X: raw texts", lambda c: fit_ids(c, X=c.texts),
     TypeError, "X holds raw text; token ids are expected: put a GloveVectorizer"),
    ("X: raw texts to predict", lambda c: c.clf.predict_proba(["the cat"]),
     TypeError, "X holds raw text"),
    ("X: ragged lists", lambda c: fit_ids(c, X=[[1, 2], [3]] * 20),
     ValueError, "X is ragged: row 0 holds 2 ids but row 1 holds 1"),
    ("X: a different sequence length", lambda c: c.clf.predict(c.X[:, :5]),
     ValueError, "X has 5 features, but TextCNNClassifier is expecting 12"),
    ("X: no samples", lambda c: fit_ids(c, X=c.X[:0], y=c.y[:0]),
     ValueError, r"Found array with 0 sample\(s\)"),
    ("X: embeddings of another dimension",
     lambda c: c.clf.predict(
         TokenSequences(c.X, np.zeros((c.seqs.n_ids, 3), np.float32))
     ),
     ValueError, "X carries 3-dimensional embeddings but the classifier was "
     "fitted with 5-dimensional ones"),
    # -- sample and class weights -----------------------------------------------
    ("sample_weight: negative", lambda c: fit_ids(c, sample_weight=-np.ones(40)),
     ValueError, "Negative values in data passed to `sample_weight`"),
    ("sample_weight: a different length",
     lambda c: fit_ids(c, sample_weight=np.ones(39)),
     ValueError, r"sample_weight.shape == \(39,\), expected \(40,\)"),
    ("sample_weight: NaN",
     lambda c: fit_ids(c, sample_weight=np.r_[np.ones(39), np.nan]),
     ValueError, "Input sample_weight contains NaN"),
    ("sample_weight: zero everywhere",
     lambda c: fit_ids(c, sample_weight=np.zeros(40)),
     ValueError, "Sample weights must contain at least one non-zero number"),
    ("sample_weight: zero for all but one class",
     lambda c: fit_ids(c, sample_weight=(c.y == "sport").astype(float)),
     ValueError, "Only one class has samples with a positive weight"),
    ("class_weight: a misspelt class",
     lambda c: fit_ids(c, class_weight={"sport": 2.0, "sapce": 1.0}),
     ValueError, r"The classes, \['space'\], are not in class_weight"),
    # -- classifier parameters --------------------------------------------------
    ("param: dropout=1.0", lambda c: fit_ids(c, dropout=1.0),
     InvalidParameterError, param_error("TextCNNClassifier", "dropout")),
    ("param: dropout=-0.1", lambda c: fit_ids(c, dropout=-0.1),
     InvalidParameterError, param_error("TextCNNClassifier", "dropout")),
    ("param: epochs=-1", lambda c: fit_ids(c, epochs=-1),
     InvalidParameterError, param_error("TextCNNClassifier", "epochs")),
    ("param: epochs=0", lambda c: fit_ids(c, epochs=0),
     InvalidParameterError, param_error("TextCNNClassifier", "epochs")),
    ("param: batch_size=0", lambda c: fit_ids(c, batch_size=0),
     InvalidParameterError, param_error("TextCNNClassifier", "batch_size")),
    ("param: architecture='lstm'", lambda c: fit_ids(c, architecture="lstm"),
     InvalidParameterError, param_error("TextCNNClassifier", "architecture")),
    ("param: kernel_sizes with a 0", lambda c: fit_ids(c, kernel_sizes=(3, 0)),
     ValueError, r"kernel_sizes must be a non-empty sequence of positive ints"),
    ("param: callbacks not Callbacks", lambda c: fit_ids(c, callbacks=["early"]),
     TypeError, r"callbacks\[0\] must be a keras.callbacks.Callback, got str"),
    ("param: validation_fraction leaving no training sample",
     lambda c: fit_ids(
         c, X=c.X[:4], y=c.y[:4], early_stopping=True, validation_fraction=0.9
     ),
     ValueError, "validation_fraction=0.9 leaves no training or no validation"),
    ("warm_start: other classes",
     lambda c: TextCNNClassifier(**CLF, warm_start=True)
     .fit(c.X, c.y)
     .fit(c.X, np.where(c.y == "sport", "cars", c.y)),
     ValueError, "warm_start=True needs the same classes and vocabulary"),
    ("warm_start: embeddings of another dimension",
     lambda c: TextCNNClassifier(**CLF, warm_start=True)
     .fit(c.seqs, c.y)
     .fit(TokenSequences(c.X, np.zeros((c.seqs.n_ids, 3), np.float32)), c.y),
     ValueError, "X carries 3-dimensional embeddings but the classifier was "
     "fitted with 5-dimensional ones; set warm_start=False"),
    # -- stored models ----------------------------------------------------------
    ("pickle: model archive truncated", lambda c: truncated_pickle(c, 5000),
     ValueError, "Cannot unpickle this TextCNNClassifier: its state does not match "
     "its SHA-256 digest"),
    ("pickle: model archive truncated, state digest redone",
     lambda c: truncated_pickle(c, 5000, reseal=True),
     ValueError, "Cannot restore the Keras model: the stored archive is corrupt or "
     "truncated"),
    ("pickle: model archive empty", lambda c: truncated_pickle(c, 0, reseal=True),
     ValueError, "stored archive is corrupt or truncated"),
    ("pickle: model format from the future",
     lambda c: TextCNNClassifier().__setstate__(resealed(
         {**c.clf.__getstate__(), "model_": {"format": 999, "model": b""}}
     )),
     ValueError, "Unsupported sktextcnn model format 999"),
]  # fmt: skip


def test_catalogue_is_large_and_ids_are_unique():
    assert len(CASES) >= 30
    assert len({case[0] for case in CASES}) == len(CASES)


@pytest.mark.parametrize(
    "action, error, match", [case[1:] for case in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input(ctx, action, error, match):
    with pytest.raises(error, match=match) as info:
        action(ctx)
    assert_raised_before_third_party(info)


def assert_raised_before_third_party(info):
    """The error was raised before NumPy, TensorFlow or Keras got the input:
    none of its frames, from the call down to the raise, is theirs."""
    frames = [str(entry.frame.code.path) for entry in info.traceback]
    deep = [path for path in frames if path.startswith(THIRD_PARTY)]
    assert not deep, f"raised inside {deep[-1]}"


def test_an_error_raised_inside_keras_or_numpy_is_caught_by_the_check():
    import keras

    for action in (
        lambda: keras.layers.Dropout(2.0),
        lambda: np.reshape(np.zeros(4), (3,)),
    ):
        with pytest.raises(ValueError) as info:
            action()
        with pytest.raises(AssertionError, match="raised inside"):
            assert_raised_before_third_party(info)


# (id, action(ctx), check(result)): inputs that are odd but valid, and the
# documented outcome.
ACCEPTED = [
    ("texts without known words -> padding rows",
     lambda c: np.asarray(c.vec.transform(["zzz qqq", "", "?!", "\x00\x07"])),
     lambda out: out.shape == (4, 12) and not out.any()),
    ("unknown-word texts -> valid probabilities",
     lambda c: c.clf.predict_proba(c.vec.transform(["zzz qqq", "", "?!"])),
     lambda p: p.shape == (3, 2) and np.allclose(p.sum(1), 1) and (p >= 0).all()),
    ("all-padding ids -> valid probabilities (seed architecture too)",
     lambda c: TextCNNClassifier(**CLF, architecture="seed", random_state=0)
     .fit(c.X, c.y)
     .predict_proba(np.zeros((3, 12), np.int32)),
     lambda p: p.shape == (3, 2) and np.allclose(p.sum(1), 1)),
    ("invalid bytes with decode_error='replace'",
     lambda c: fit_texts([b"caf\xe9 ok"], decode_error="replace").vocabulary_,
     lambda vocab: set(vocab) == {"caf", "ok"}),
    ("latin-1 bytes with encoding='latin-1'",
     lambda c: fit_texts([b"caf\xe9"], encoding="latin-1").vocabulary_,
     lambda vocab: set(vocab) == {"café"}),
    ("a tokenizer returning a generator",
     lambda c: fit_texts(["a b", "b"], tokenizer=lambda d: iter(d.split()))
     .transform(["a b"]),
     lambda X: np.asarray(X)[0, -2:].tolist() == [2, 1]),
]  # fmt: skip


@pytest.mark.parametrize(
    "action, check", [a[1:] for a in ACCEPTED], ids=[a[0] for a in ACCEPTED]
)
def test_accepted_edge_input(ctx, action, check):
    assert check(action(ctx))
