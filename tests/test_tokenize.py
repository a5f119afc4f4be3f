"""Tests for sktextcnn._tokenize."""

import re

import numpy as np
import pytest
from keras.utils import pad_sequences

from sktextcnn._tokenize import (
    _FAST_DEFAULT_PATTERN,
    DEFAULT_TOKEN_PATTERN,
    build_tokenizer,
    chunk_bounds,
    index_tokens,
    pad_ids,
    remap_ids,
    tokens_to_ids,
    top_tokens,
)
from sktextcnn._validation import check_documents, check_id_array

# --------------------------------------------------------------------------
# DEFAULT_TOKEN_PATTERN


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Hello WORLD", ["hello", "world"]),
        ("don't", ["do", "n't"]),
        ("Don't stop", ["do", "n't", "stop"]),
        ("can't won't isn't", ["ca", "n't", "wo", "n't", "is", "n't"]),
        ("it's", ["it", "'s"]),
        (
            "They're we've I'll I'm you'd",
            ["they", "'re", "we", "'ve", "i", "'ll", "i", "'m", "you", "'d"],
        ),
        ("3.5", ["3.5"]),
        ("1,000", ["1,000"]),
        (
            "It costs 3.5 or 1,000 dollars.",
            ["it", "costs", "3.5", "or", "1,000", "dollars"],
        ),
        ("at 10:30 on 1/2/2020", ["at", "10:30", "on", "1/2/2020"]),
        (
            "Hi!!! (really?) -- yes; ok... #1 @me",
            ["hi", "really", "yes", "ok", "1", "me"],
        ),
        ("café naïve Ünïcode Ελλάδα", ["café", "naïve", "ünïcode", "ελλάδα"]),
        ("hello_world __init__", ["hello", "world", "init"]),
        ("abc123 x2", ["abc123", "x2"]),
        ("", []),
        ("?!., ;", []),
    ],
)
def test_default_token_pattern(text, expected):
    assert build_tokenizer()(text) == expected
    # The pattern itself is usable with re, as documented.
    assert re.findall(DEFAULT_TOKEN_PATTERN, text.lower()) == expected


def test_fast_default_pattern_finds_exactly_the_default_tokens():
    # build_tokenizer swaps DEFAULT_TOKEN_PATTERN for a faster equivalent: the
    # two must agree on every text, clitic and number corner cases included.
    pieces = [
        "don", "can", "n", "N", "'", "t", "T", "s", "re", "ve", "ll", "d", "m",
        "x", "é", "Ω", "3", "٣", "1.5", ".", ",", ":", "/", "_", " ", "\n",
        "-", "n't", "'s", "’",
    ]  # fmt: skip
    rng = np.random.default_rng(0)
    texts = ["".join(rng.choice(pieces, size=rng.integers(0, 12))) for _ in range(3000)]
    texts += ["don't", "DON'T", "nn't", "a1don't", "ab_n't", "x'ss", "'t", "n'tx"]
    slow, fast = re.compile(DEFAULT_TOKEN_PATTERN), re.compile(_FAST_DEFAULT_PATTERN)
    for text in texts:
        assert fast.findall(text) == slow.findall(text), text


def test_default_pattern_without_lowercase_keeps_case():
    tokenize = build_tokenizer(lowercase=False)
    expected = ["Do", "n't", "PANIC", "It", "'s", "3.5"]
    assert tokenize("Don't PANIC, It's 3.5") == expected


def test_custom_token_pattern():
    assert build_tokenizer(token_pattern=r"\w+")("Don't Stop") == ["don", "t", "stop"]
    assert build_tokenizer(token_pattern=r"\S+")("Hi, there!") == ["hi,", "there!"]
    assert build_tokenizer(token_pattern=r"\S+", lowercase=False)("Hi, X") == [
        "Hi,",
        "X",
    ]


def test_custom_tokenizer_overrides_pattern_and_gets_lowercased_text():
    seen = []

    def tokenizer(doc):
        seen.append(doc)
        return doc.split("|")

    tokenize = build_tokenizer(token_pattern=r"\d+", tokenizer=tokenizer)
    assert tokenize("A|B c|D") == ["a", "b c", "d"]
    assert seen == ["a|b c|d"]

    tokenize = build_tokenizer(tokenizer=tokenizer, lowercase=False)
    assert tokenize("A|B") == ["A", "B"]
    assert seen[-1] == "A|B"


# --------------------------------------------------------------------------
# index_tokens / top_tokens / remap_ids (the vocabulary count)


def count(token_lists, max_features=None, runs=1):
    """The vocabulary of ``token_lists`` indexed ``runs`` documents at a time."""
    index, flats = {}, []
    step = -(-len(token_lists) // runs) if token_lists else 1
    for i in range(0, len(token_lists), step):
        flat, lengths = index_tokens(token_lists[i : i + step], index)
        assert lengths.tolist() == [len(t) for t in token_lists[i : i + step]]
        flats.append(flat)
    flat = np.concatenate(flats) if flats else np.zeros(0, np.int32)
    counts = np.bincount(flat, minlength=len(index))
    words, ids = top_tokens(index, counts, max_features)
    assert [list(index)[i] for i in ids] == words
    return words, counts[ids], int(counts.sum())


@pytest.mark.parametrize("runs", [1, 2, 3])
def test_vocabulary_frequency_order_and_alphabetical_ties(runs):
    token_lists = [["b", "a", "c", "b", "z"], ["c", "a", "d", "z", "z"], []]
    words, counts, total = count(token_lists, runs=runs)
    # z: 3; a, b, c: 2 (alphabetical); d: 1
    assert words == ["z", "a", "b", "c", "d"]
    np.testing.assert_array_equal(counts, [3, 2, 2, 2, 1])
    assert total == 10


@pytest.mark.parametrize(
    "max_features, expected_words, expected_counts",
    [
        (1, ["z"], [3]),
        (2, ["z", "a"], [3, 2]),
        (3, ["z", "a", "b"], [3, 2, 2]),
        (5, list("zabcd"), [3, 2, 2, 2, 1]),
        (100, list("zabcd"), [3, 2, 2, 2, 1]),
    ],
)
def test_vocabulary_max_features(max_features, expected_words, expected_counts):
    token_lists = [["b", "a", "c", "b", "z"], ["c", "a", "d", "z", "z"]]
    words, counts, total = count(token_lists, max_features=max_features)
    assert words == expected_words
    np.testing.assert_array_equal(counts, expected_counts)
    # The total counts every token, kept or not.
    assert total == 10


def test_vocabulary_empty():
    words, counts, total = count([[], []])
    assert words == []
    assert counts.shape == (0,)
    assert total == 0


def test_index_tokens_extends_the_index():
    index = {"a": 0}
    flat, lengths = index_tokens([["b", "a"], [], ["b", "c"]], index)
    assert sorted(index) == ["a", "b", "c"]
    assert sorted(index.values()) == [0, 1, 2]
    assert flat.dtype == np.int32
    np.testing.assert_array_equal(flat, [index[t] for t in "babc"])
    np.testing.assert_array_equal(lengths, [2, 0, 2])


@pytest.mark.parametrize("drop", [None, 0])
def test_remap_ids(drop):
    flat, lengths = np.array([3, 0, 1, 2, 0, 3]), np.array([2, 0, 3, 1])
    mapping = np.array([5, 0, 0, 7])  # ids 1 and 2 map to 0
    new_flat, new_lengths = remap_ids(flat, lengths, mapping, drop)
    if drop is None:
        np.testing.assert_array_equal(new_flat, [7, 5, 0, 0, 5, 7])
        np.testing.assert_array_equal(new_lengths, lengths)
    else:
        np.testing.assert_array_equal(new_flat, [7, 5, 5, 7])
        np.testing.assert_array_equal(new_lengths, [2, 0, 1, 1])


@pytest.mark.parametrize(
    "lengths, max_docs, max_chars, expected",
    [
        ([1, 1, 1, 1, 1], 2, 100, [(0, 2), (2, 4), (4, 5)]),
        ([5, 5, 5], 10, 10, [(0, 2), (2, 3)]),
        ([50, 1, 1], 10, 10, [(0, 1), (1, 3)]),  # one long text: a run of its own
        ([1, 50, 1], 10, 10, [(0, 1), (1, 2), (2, 3)]),
        ([0, 0, 0], 10, 10, [(0, 3)]),
        ([], 10, 10, []),
    ],
)
def test_chunk_bounds(lengths, max_docs, max_chars, expected):
    docs = ["x" * n for n in lengths]
    assert list(chunk_bounds(docs, max_docs, max_chars)) == expected


# --------------------------------------------------------------------------
# tokens_to_ids


def test_tokens_to_ids_ignores_unknown_tokens():
    flat, lengths = tokens_to_ids(
        [["a", "x", "b"], [], ["x"], ["b", "b"]], {"a": 1, "b": 2}
    )
    assert flat.dtype == np.int32
    np.testing.assert_array_equal(flat, [1, 2, 2, 2])
    np.testing.assert_array_equal(lengths, [2, 0, 0, 2])


def test_tokens_to_ids_maps_unknown_tokens_to_oov_id():
    flat, lengths = tokens_to_ids(
        [["a", "x", "b"], [], ["x"], ["b", "b"]], {"a": 2, "b": 3}, oov_id=1
    )
    assert flat.dtype == np.int32
    np.testing.assert_array_equal(flat, [2, 1, 3, 1, 3, 3])
    np.testing.assert_array_equal(lengths, [3, 0, 1, 2])


# --------------------------------------------------------------------------
# pad_ids


def reference_pad(sequences, max_length, padding, truncating):
    """Straightforward pure-Python padding/truncation."""
    rows = []
    for seq in sequences:
        seq = list(seq)
        if len(seq) > max_length:
            seq = seq[-max_length:] if truncating == "pre" else seq[:max_length]
        pad = [0] * (max_length - len(seq))
        rows.append(pad + seq if padding == "pre" else seq + pad)
    return np.array(rows, dtype=np.int32).reshape(len(sequences), max_length)


def random_sequences(seed, n_docs, max_len):
    rng = np.random.default_rng(seed)
    lengths = rng.integers(0, max_len + 1, size=n_docs)
    lengths[:2] = [0, max_len]  # always an empty and a long document
    return [rng.integers(1, 100, size=k).tolist() for k in lengths]


@pytest.mark.parametrize("padding", ["pre", "post"])
@pytest.mark.parametrize("truncating", ["pre", "post"])
@pytest.mark.parametrize("max_length", [1, 5, 12, 30])
@pytest.mark.parametrize("seed", [0, 1])
def test_pad_ids_matches_reference_and_keras(padding, truncating, max_length, seed):
    sequences = random_sequences(seed, n_docs=40, max_len=20)
    flat = np.array([i for s in sequences for i in s], dtype=np.int32)
    lengths = np.array([len(s) for s in sequences], dtype=np.int64)

    out = pad_ids(flat, lengths, max_length, padding=padding, truncating=truncating)

    assert out.dtype == np.int32
    assert out.shape == (len(sequences), max_length)
    expected = reference_pad(sequences, max_length, padding, truncating)
    np.testing.assert_array_equal(out, expected)
    keras_out = pad_sequences(
        sequences,
        maxlen=max_length,
        dtype="int32",
        padding=padding,
        truncating=truncating,
        value=0,
    )
    np.testing.assert_array_equal(out, keras_out)


@pytest.mark.parametrize(
    "padding, truncating, expected",
    [
        ("pre", "pre", [[0, 0, 7], [3, 4, 5], [0, 0, 0]]),
        ("pre", "post", [[0, 0, 7], [1, 2, 3], [0, 0, 0]]),
        ("post", "pre", [[7, 0, 0], [3, 4, 5], [0, 0, 0]]),
        ("post", "post", [[7, 0, 0], [1, 2, 3], [0, 0, 0]]),
    ],
)
def test_pad_ids_small_explicit(padding, truncating, expected):
    flat = np.array([7, 1, 2, 3, 4, 5], dtype=np.int32)
    out = pad_ids(flat, np.array([1, 5, 0]), 3, padding, truncating)
    np.testing.assert_array_equal(out, expected)


def test_pad_ids_writes_into_a_slice_of_a_bigger_output():
    big = np.zeros((5, 3), dtype=np.int32)
    flat = np.array([7, 1, 2, 3, 4, 5], dtype=np.int32)
    out = pad_ids(flat, np.array([1, 5, 0]), 3, out=big[1:4])
    assert out.base is big
    np.testing.assert_array_equal(
        big, [[0, 0, 0], [0, 0, 7], [3, 4, 5], [0] * 3, [0] * 3]
    )


def test_pad_ids_all_empty_and_no_documents():
    out = pad_ids(np.array([], dtype=np.int32), np.array([0, 0]), 4)
    np.testing.assert_array_equal(out, np.zeros((2, 4), dtype=np.int32))
    assert out.dtype == np.int32
    out = pad_ids(np.array([], dtype=np.int32), np.array([], dtype=np.int64), 4)
    assert out.shape == (0, 4)


# --------------------------------------------------------------------------
# check_documents


@pytest.mark.parametrize(
    "docs, error, match",
    [
        ("a text", ValueError, "Iterable over raw text documents expected, str object"),
        (b"a text", ValueError, "Iterable over raw text documents expected, bytes obj"),
        (None, TypeError, "Iterable over raw text documents expected, NoneType obj"),
        (42, TypeError, "Iterable over raw text documents expected, int object"),
        ([], ValueError, "Empty input: at least one document is required"),
        (iter([]), ValueError, "Empty input"),
        (np.array([["a", "b"], ["c", "d"]]), ValueError, r"array of shape \(2, 2\)"),
        (np.array("a"), ValueError, r"array of shape \(\)"),
        (["ok", 3, "ok"], TypeError, "Document 1 is a int, not a string"),
        (["ok", "ok", None], TypeError, "Document 2 is a NoneType, not a string"),
        ([["nested", "list"]], TypeError, "Document 0 is a list, not a string"),
    ],
)
def test_check_documents_errors(docs, error, match):
    with pytest.raises(error, match=match):
        check_documents(docs)


def test_check_documents_accepts_iterables_and_returns_list_of_str():
    assert check_documents(("a", "b")) == ["a", "b"]
    assert check_documents(d for d in ["x", "y"]) == ["x", "y"]
    out = check_documents(np.array(["p", "q"]))
    assert out == ["p", "q"]
    assert all(isinstance(d, str) for d in out)


def test_check_documents_decodes_bytes():
    docs = [b"caf\xc3\xa9", bytearray(b"na\xc3\xafve"), np.bytes_(b"plain"), "str"]
    assert check_documents(docs) == ["café", "naïve", "plain", "str"]


def test_check_documents_decoding_errors_and_options():
    latin1 = [b"ok", b"caf\xe9"]
    with pytest.raises(ValueError, match=r"Document 1 cannot be decoded as 'utf-8'"):
        check_documents(latin1)
    assert check_documents(latin1, encoding="latin-1") == ["ok", "café"]
    assert check_documents(latin1, decode_error="replace") == ["ok", "caf\ufffd"]
    assert check_documents(latin1, decode_error="ignore") == ["ok", "caf"]


# --------------------------------------------------------------------------
# check_id_array


def test_check_id_array_accepts_ints_and_integral_floats():
    X = np.array([[0, 1, 2], [3, 4, 0]], dtype=np.int64)
    out = check_id_array(X, n_vocab=5)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, X)

    out = check_id_array(X.astype(np.float64), n_vocab=5)
    assert out.dtype == np.int32
    np.testing.assert_array_equal(out, X)

    out = check_id_array([[1, 2]])
    assert out.dtype == np.int32
    assert check_id_array(np.zeros((0, 3))).shape == (0, 3)


@pytest.mark.parametrize(
    "X, n_vocab, error, match",
    [
        (np.array([[1.0, 2.5]]), None, ValueError, "non-integral floats"),
        (np.array([[1, -1, 2]]), None, ValueError, r"Negative values.*\(min -1\)"),
        (np.array([[-3.0, 1.0]]), None, ValueError, r"Negative values"),
        (np.array([[1, 7], [2, 3]]), 5, ValueError, r"token id 7, outside the voc"),
        (np.array([1, 2, 3]), None, ValueError, r"2-D array.*shape \(3,\)"),
        (np.zeros((2, 2, 2)), None, ValueError, r"2-D array.*shape \(2, 2, 2\)"),
        (np.array([[1.0, np.nan]]), None, ValueError, "NaN or infinity"),
        (np.array([[1.0, np.inf]]), None, ValueError, "NaN or infinity"),
        (np.array([["a", "b"]], dtype=object), None, TypeError, "not numbers"),
        (np.array([["a", "b"]]), None, TypeError, "integer token ids, got dtype <U1"),
        (np.array([[2**40]]), None, ValueError, "too large for int32"),
    ],
)
def test_check_id_array_errors(X, n_vocab, error, match):
    with pytest.raises(error, match=match):
        check_id_array(X, n_vocab)


def test_check_id_array_uses_name_in_messages():
    with pytest.raises(ValueError, match="^Negative values in data passed to X_val"):
        check_id_array(np.array([[-1]]), name="X_val")
