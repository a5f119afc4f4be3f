"""Scale: a 200,000-text corpus and a 1,000,000-character text.

Correctness only (shapes, id ranges, truncation, agreement with one-text
transforms across the runs the vectorizer processes texts in); no time or
memory thresholds. Peak memory is measured outside the test suite (see the
"Memory" section of docs/index.md).
"""

import numpy as np
import pytest

from sktextcnn import GloveVectorizer

N_WORDS = 3000


def synthetic_corpus(n_docs, seed=0):
    """Short texts over N_WORDS words of Zipf-like frequencies."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(0, 16, size=n_docs)
    ids = rng.zipf(1.5, size=int(lengths.sum())) % N_WORDS
    words = np.array([f"w{i}" for i in range(N_WORDS)], dtype=object)
    tokens = words[ids]
    ends = np.cumsum(lengths)
    return [" ".join(tokens[e - n : e]) for e, n in zip(ends, lengths)]


@pytest.mark.slow
def test_200k_texts_fit_transform():
    docs = synthetic_corpus(200_000)
    vec = GloveVectorizer(max_length=10, max_features=1000, embeddings=None)
    X = vec.fit_transform(docs)
    ids = np.asarray(X)
    assert ids.shape == (200_000, 10) and ids.dtype == np.int32
    assert len(vec.vocabulary_) == 1000 and X.n_ids == 1001
    assert ids.min() == 0 and ids.max() == 1000
    # The most frequent word of the corpus gets id 1.
    counts = {}
    for doc in docs[:20_000]:
        for w in doc.split():
            counts[w] = counts.get(w, 0) + 1
    assert vec.vocabulary_[max(counts, key=counts.get)] == 1
    # Rows around the boundaries of the runs of texts (4096 texts each) and
    # random rows agree with transforming their text alone.
    rows = [0, 4095, 4096, 4097, 8191, 8192, 199_999]
    rows += np.random.default_rng(1).integers(0, 200_000, 20).tolist()
    for i in rows:
        np.testing.assert_array_equal(vec.transform([docs[i]])[0], ids[i])
    empty = [i for i in rows if not docs[i]]
    assert not ids[empty].any()


@pytest.mark.parametrize("truncating", ["pre", "post"])
def test_one_text_of_a_million_characters(truncating):
    vocab = [f"w{i}" for i in range(500)]
    vec = GloveVectorizer(max_length=300, truncating=truncating, embeddings=None)
    vec.fit([" ".join(vocab)])
    rng = np.random.default_rng(0)
    text = " ".join(vocab[i] for i in rng.integers(0, 500, size=250_000))
    text = text[-1_000_000:]  # its first word may be cut: an unknown token
    assert len(text) == 1_000_000
    tokens = [t for t in text.split() if t in vec.vocabulary_]
    kept = tokens[-300:] if truncating == "pre" else tokens[:300]
    ids = np.asarray(vec.transform([text, "w1 w2", ""]))
    assert ids.shape == (3, 300)
    np.testing.assert_array_equal(ids[0], [vec.vocabulary_[t] for t in kept])
    np.testing.assert_array_equal(
        ids[1], [0] * 298 + [vec.vocabulary_["w1"], vec.vocabulary_["w2"]]
    )
    assert not ids[2].any()


def test_a_million_characters_without_a_space():
    vec = GloveVectorizer(max_length=5, embeddings=None).fit(["a b c"])
    ids = np.asarray(vec.transform(["x" * 1_000_000, "a" + "\u00e9" * 999_999]))
    assert ids.shape == (2, 5) and not ids.any()
