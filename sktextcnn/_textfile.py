"""GloVe and word2vec text files: the rows of some words, read block by block.

A file is split into blocks of whole lines by two worker threads in NumPy
(line ends, value counts, a hash of every word); only the lines of requested
words become Python objects and are parsed. Every line is validated, with its
line number in the error.
"""

from __future__ import annotations

import gzip
import warnings
import zlib
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from itertools import repeat
from pathlib import Path

import keras
import numpy as np


def _open_text(path):
    path = Path(path)
    with open(path, "rb") as f:
        gz = f.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gz else open(path, "rb")


# Text embedding files are read in blocks of this many bytes (small blocks keep
# the two splitting threads and the caller busy together); files larger than
# _PROGRESS_MIN_BYTES get a progress bar when verbose.
_BLOCK_BYTES = 1 << 22
_PROGRESS_MIN_BYTES = 1 << 26


def _chunks(f):
    """Yield (data, size, bytes read): ``data[:size]`` holds whole lines."""
    rest = b""
    while chunk := f.read(_BLOCK_BYTES):
        data = rest + chunk
        size = data.rfind(b"\n") + 1
        rest = data[size:]
        if size:
            yield data, size, f.fileobj.tell() if hasattr(f, "fileobj") else f.tell()
    if rest:  # a last line without its newline
        yield rest + b"\n", len(rest) + 1, None


def _iter_blocks(f, wanted=None):
    """Yield a :class:`_Block` of whole lines for each ~_BLOCK_BYTES of a file.

    The file is read here; the blocks are split by two worker threads, up to
    four blocks ahead of the caller: NumPy's passes over a block release the
    GIL, so they run beside the caller's work on the requested lines.
    """
    with ThreadPoolExecutor(max_workers=2) as pool:
        ahead = deque()
        for data, size, pos in _chunks(f):
            ahead.append(pool.submit(_Block, data, size, pos, wanted))
            if len(ahead) > 4:
                yield ahead.popleft().result()
        while ahead:
            yield ahead.popleft().result()


_HASH_MULT = np.uint64(0x9E3779B97F4A7C15)


def _eight_bytes(buf, starts, k):
    """Bytes ``k`` to ``k + 7`` after each start, and their positions.

    Positions past the buffer read its last byte: callers mask them.
    """
    idx = starts[:, None] + k + np.arange(8)
    return idx, buf[np.minimum(idx, len(buf) - 1)]


def _key_hashes(buf, starts, stops):
    """64-bit hashes of the byte strings ``buf[starts[i]:stops[i]]``.

    Vectorized over all strings, 8 bytes per step (only the strings still
    that long take part in later steps). Equal strings get equal hashes;
    callers confirm a match on the bytes themselves.
    """
    lengths = stops - starts
    h = lengths.astype(np.uint64) * _HASH_MULT
    active = np.arange(len(starts))
    for k in range(0, int(lengths.max(initial=0)), 8):
        active = active[lengths[active] > k]
        idx, chunk = _eight_bytes(buf, starts[active], k)
        chunk[idx >= stops[active, None]] = 0
        mixed = (h[active] ^ chunk.view(np.uint64).ravel()) * _HASH_MULT
        h[active] = mixed ^ (mixed >> np.uint64(29))
    return h


def _word_ends(buf, starts, ends):
    """Where each line's first space is (its end if it has none).

    Looks at 8 bytes of every line at a time, in NumPy; a line drops out
    once its space (or its end) is found, so a step costs little after the
    first one or two (words are short).
    """
    out = ends.copy()
    active = np.arange(len(starts))
    k = 0
    while active.size:
        idx, chunk = _eight_bytes(buf, starts[active], k)
        hit = (chunk == ord(" ")) & (idx < ends[active, None])
        found = hit.any(axis=1)
        first = idx[np.arange(len(active)), hit.argmax(axis=1)]
        out[active[found]] = first[found]
        k += 8
        active = active[~found & (starts[active] + k < ends[active])]
    return out


def _hashes_of(keys):
    """:func:`_key_hashes` of a list of byte strings."""
    lengths = np.fromiter(map(len, keys), np.int64, len(keys))
    stops = np.cumsum(lengths)
    starts = stops - lengths
    buf = np.frombuffer(b"".join(keys) + b"\0", dtype=np.uint8)
    return _key_hashes(buf, starts, stops)


class _Block:
    """The lines of a chunk of a text file (``data[:size]``, ending with a newline).

    Built in a background thread, with NumPy passes over the whole block and
    no Python object per line: every line's number of values and a hash of
    its word, and which words may be requested (``wanted``: sorted hashes).

    Attributes
    ----------
    n_values : ndarray of int
        The number of spaces, i.e. of values after the word, of every line.
    hashes : ndarray of uint64
        A hash of the word (first field) of every line.
    candidates : ndarray of bool
        Lines whose word hash is among the requested words' hashes.

    A block with carriage returns (CRLF files) or trailing spaces (gensim
    writes one after each vector) is split into stripped Python lines first.
    """

    def __init__(self, data, size=None, pos=0, wanted=None):
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
            self.hashes = _hashes_of(self.keys)
        else:
            self.lines, self.data = None, data
            self.starts, self.ends = starts, ends
            self.key_ends = _word_ends(buf, starts, ends)
            self.hashes = _key_hashes(buf, starts, self.key_ends)
            is_space = buf == ord(" ")
            # Spaces per line: each segment runs from a line's start to the
            # next line's start. 16-bit sums are twice as fast; a line of
            # 65536+ spaces would wrap around, which the total catches.
            is_space = is_space.view(np.uint8)
            counts = np.add.reduceat(is_space, starts, dtype=np.uint16)
            if counts.sum(dtype=np.int64) != np.count_nonzero(is_space):
                counts = np.add.reduceat(is_space, starts, dtype=np.int64)
            self.n_values = counts
        if wanted is None or not len(wanted):
            self.candidates = np.zeros(len(self.hashes), dtype=bool)
        else:
            at = np.minimum(np.searchsorted(wanted, self.hashes), len(wanted) - 1)
            self.candidates = wanted[at] == self.hashes

    def __len__(self):
        return len(self.n_values)

    def key(self, i):
        """The word of line ``i``."""
        if self.lines is not None:
            return self.keys[i]
        return self.data[self.starts[i] : self.key_ends[i]]

    def line(self, i):
        """Line ``i`` of the block, without its newline."""
        if self.lines is not None:
            return self.lines[i]
        return self.data[self.starts[i] : self.ends[i]]


class _TextFileRows:
    """The rows of some words, gathered block by block from a text file.

    Every line's number of values (spaces) is compared with the first
    vector's and every word checked for duplicates (by hash, over whole
    blocks in NumPy; a repeated hash is confirmed on the words by a second
    pass that names both lines); only the lines of requested words become
    Python objects and are parsed as numbers.
    """

    def __init__(self, path, words):
        self.path = path
        # "surrogatepass": a token holding a lone surrogate (text decoded with
        # errors="surrogateescape") cannot be in a UTF-8 file; it must not crash.
        self.wanted = {
            w.encode("utf-8", "surrogatepass"): i for i, w in enumerate(words)
        }
        self.wanted_hashes = np.unique(_hashes_of(list(self.wanted)))
        self.vectors = None
        self.found = np.zeros(len(words), dtype=bool)
        self.dim = self.header_dim = None
        self.hashes = []  # word hashes of the vector lines, per block
        self.skipped = set()  # line numbers of blank lines and word2vec headers

    def add(self, block, lineno):
        """Read a :class:`_Block`, whose first line is line ``lineno + 1``."""
        skip = []  # blank lines and word2vec headers
        if self.dim is None:
            self.dim, skip = self._first_vector_size(block, lineno)
            if self.dim is None:
                self.skipped.update(i + lineno + 1 for i in skip)
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
        keep = np.ones(len(block), dtype=bool)
        if skip:
            keep[skip] = False
            self.skipped.update(i + lineno + 1 for i in skip)
        self.hashes.append(block.hashes[keep])
        candidates = np.flatnonzero(block.candidates & keep).tolist()
        if not candidates:
            return
        keys = [block.key(i) for i in candidates]
        rows = np.fromiter(map(self.wanted.get, keys, repeat(-1)), np.int64, len(keys))
        hits = np.flatnonzero(rows >= 0)
        if hits.size:
            index = np.asarray(candidates)[hits]
            lines = [block.line(i) for i in index.tolist()]
            self._parse(lines, index + lineno + 1, rows[hits])

    def check_duplicates(self):
        """Raise if a word has two lines (after the whole file was read)."""
        if not self.hashes:
            return
        hashes = np.sort(np.concatenate(self.hashes))
        if np.any(hashes[1:] == hashes[:-1]):
            self._raise_duplicate()

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
        # A second, plain pass: find the first repeated word and both lines
        # (or nothing, if two words merely shared a hash).
        first = {}
        with _open_text(self.path) as f:
            for number, line in enumerate(f, 1):
                if number in self.skipped:
                    continue
                word = line.rstrip(b"\n").rstrip(b"\r ").partition(b" ")[0]
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
        raise FileNotFoundError(f"Embedding file not found: {str(path)!r}.")
    rows = _TextFileRows(path, words)
    lineno = 0  # lines before the current block
    total = path.stat().st_size
    # The one progress bar of the library: Keras' (as fit's verbose=2 uses).
    bar = (
        keras.utils.Progbar(total, unit_name="byte")
        if verbose and total > _PROGRESS_MIN_BYTES
        else None
    )
    try:
        with _open_text(path) as f:
            for block in _iter_blocks(f, rows.wanted_hashes):
                rows.add(block, lineno)
                lineno += len(block)
                if bar is not None:
                    bar.update(min(block.pos or total, total))
            rows.check_duplicates()
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise ValueError(
            f"{path}: the compressed file is truncated or corrupt after line "
            f"{lineno} ({exc})."
        ) from None
    if bar is not None:
        bar.update(total, finalize=True)
    if rows.dim is None:
        raise ValueError(f"{path}: the embedding file contains no vectors.")
    return rows.vectors, rows.found


def _text_file_words(path, max_words=None):
    """The words of a GloVe or word2vec text file, in file order.

    Only each line's first field is kept; a word2vec header (``count dim``)
    and blank lines are skipped. Reading stops after ``max_words`` words, so
    the top of a frequency-sorted file costs little. The vectors themselves
    are read (and every line validated) by :func:`_text_file_rows`.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Embedding file not found: {str(path)!r}.")
    words = []
    with _open_text(path) as f:
        for lineno, line in enumerate(f, 1):
            if max_words is not None and len(words) >= max_words:
                break
            fields = line.rstrip(b"\r\n").split(b" ", 2)
            if not fields[0] or (
                lineno == 1 and len(fields) == 2 and all(x.isdigit() for x in fields)
            ):
                continue
            words.append(fields[0].decode("utf-8", "surrogateescape"))
    return words
