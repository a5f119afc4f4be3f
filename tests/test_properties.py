"""Property-based tests of GloveVectorizer on arbitrary unicode texts.

Whatever the texts -- empty strings, emoji, control characters, lone
surrogates, 100,000-character documents -- the vectorizer never crashes, its
output has shape (n_docs, max_length), every id lies in [0, n_ids) and
transform is deterministic.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sktextcnn import GloveVectorizer
from sktextcnn._tokenize import build_tokenizer

from .conftest import TINY_GLOVE_VECTORS

# Modest and reproducible: no example database written into the repository.
SETTINGS = settings(max_examples=50, deadline=None, database=None, derandomize=True)

FIT_TEXTS = ["the cat sat on the mat", "the dog sat", "a bird on the dog"]

words = st.sampled_from(["the", "cat", "dog", "bird", "zebra", "Don't", "3.5"])
emoji = st.sampled_from(["😀", "🎉🎉", "👩‍👩‍👧", "🇫🇷", "\U0001f9ea"])
controls = st.sampled_from(["\x00", "\x07", "\t", "\r\n", "\u200b", "\u2028", "\x1b"])
surrogates = st.integers(0xD800, 0xDFFF).map(chr)  # texts decoded "surrogateescape"
pieces = st.one_of(st.text(max_size=12), words, emoji, controls, surrogates)
short_texts = st.lists(pieces, max_size=15).map(" ".join)
# 10,000 to 100,000 characters, made of repeated short pieces.
long_texts = st.builds(
    lambda text, n: (text * n)[:100_000],
    short_texts.filter(len),
    st.integers(10_000, 100_000),
)
texts = st.lists(
    st.one_of(st.just(""), short_texts, st.text(), long_texts),
    min_size=1,
    max_size=8,
)
params = st.fixed_dictionaries(
    {
        "max_length": st.integers(1, 40),
        "padding": st.sampled_from(["pre", "post"]),
        "truncating": st.sampled_from(["pre", "post"]),
        "handle_unknown": st.sampled_from(["ignore", "oov_token"]),
        "max_features": st.sampled_from([None, 1, 3, 1000]),
        "token_pattern": st.sampled_from(
            [GloveVectorizer().token_pattern, r"\S+", r"(?u)\b\w\w+\b"]
        ),
        "lowercase": st.booleans(),
    }
)


@pytest.fixture(scope="module")
def glove_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("properties") / "tiny.3d.txt"
    lines = [f"{w} {' '.join(map(str, v))}\n" for w, v in TINY_GLOVE_VECTORS.items()]
    path.write_text("".join(lines) + "caf\u00e9 1 2 3\n\U0001f600 4 5 6\n")
    return path


def check_ids(X, vec, n_docs):
    ids = np.asarray(X)
    assert ids.shape == (n_docs, vec.max_length)
    assert ids.dtype == np.int32
    n_ids = len(vec.vocabulary_) + (2 if vec.handle_unknown == "oov_token" else 1)
    assert X.n_ids == n_ids
    assert ids.min(initial=0) >= 0 and ids.max(initial=0) < n_ids
    if vec.embedding_matrix_ is not None:
        assert vec.embedding_matrix_.shape[0] == n_ids
        assert np.isfinite(vec.embedding_matrix_).all()
    return ids


@SETTINGS
@given(docs=texts, params=params)
def test_transform_of_any_texts(docs, params):
    vec = GloveVectorizer(embeddings=None, **params).fit(FIT_TEXTS)
    ids = check_ids(vec.transform(docs), vec, len(docs))
    np.testing.assert_array_equal(vec.transform(docs), ids)  # deterministic
    # Each row depends on its own text only (runs of texts never mix).
    np.testing.assert_array_equal(vec.transform(docs[-1:]), ids[-1:])


@SETTINGS
@given(docs=texts, params=params)
def test_fit_transform_of_any_texts(glove_file, docs, params):
    vec = GloveVectorizer(embeddings=glove_file, **params)
    try:
        X = vec.fit_transform(docs)
    except ValueError as exc:
        # The one documented refusal: not a single token in any text.
        assert str(exc).startswith("Empty vocabulary")
        tokenize = build_tokenizer(params["token_pattern"], None, params["lowercase"])
        assert not any(tokenize(doc) for doc in docs)
        return
    ids = check_ids(X, vec, len(docs))
    np.testing.assert_array_equal(vec.transform(docs), ids)
    assert len(vec.vocabulary_) <= (params["max_features"] or np.inf)
    assert sorted(vec.vocabulary_.values()) == list(
        range(X.n_ids - len(vec.vocabulary_), X.n_ids)
    )


@SETTINGS
@given(docs=st.lists(st.binary(max_size=200), min_size=1, max_size=8))
def test_any_bytes_with_decode_error_replace(docs):
    vec = GloveVectorizer(embeddings=None, max_length=7, decode_error="replace")
    vec.fit(FIT_TEXTS)
    check_ids(vec.transform(docs), vec, len(docs))
