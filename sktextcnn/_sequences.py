"""TokenSequences: padded token ids that carry their embedding matrix."""

from __future__ import annotations

import warnings

import numpy as np

PAD_ID = 0
OOV_ID = 1


class TokenSequences:
    """Padded token ids that carry a reference to their embedding matrix.

    What :meth:`GloveVectorizer.transform` returns. It behaves like the 2-D
    int32 array of ids (``np.asarray``, ``shape``, ``len``, row indexing), so
    any scikit-learn tool can split or inspect it, while
    :class:`TextCNNClassifier` also finds the pre-trained vectors on it. The
    matrix is shared, never copied, and no (n_docs, length, dim) float tensor
    is ever built outside the model.

    Parameters
    ----------
    ids : ndarray of shape (n_samples, max_length), dtype int32
        Token ids; 0 is padding.
    embedding_matrix : ndarray of shape (n_ids, dim) or None
        Row ``i`` is the vector of token id ``i``.
    n_ids : int or None
        Number of possible ids (vocabulary size including the reserved ids);
        defaults to the matrix's row count.
    """

    def __init__(self, ids, embedding_matrix=None, n_ids=None):
        self.ids = ids
        self.embedding_matrix = embedding_matrix
        if n_ids is None and embedding_matrix is not None:
            n_ids = embedding_matrix.shape[0]
        self.n_ids = n_ids

    shape = property(lambda self: self.ids.shape)
    ndim = property(lambda self: self.ids.ndim)
    dtype = property(lambda self: self.ids.dtype)

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, key):
        sub = self.ids[key]
        if isinstance(sub, np.ndarray) and sub.ndim == 2:
            return TokenSequences(sub, self.embedding_matrix, self.n_ids)
        return sub

    def __array__(self, dtype=None, copy=None):
        if dtype is None or np.dtype(dtype) == self.ids.dtype:
            return self.ids.copy() if copy else self.ids
        return self.ids.astype(dtype)

    def __repr__(self):
        dim = None if self.embedding_matrix is None else self.embedding_matrix.shape
        return f"TokenSequences(shape={self.ids.shape}, embedding_matrix={dim})"

    def __array_function__(self, func, types, args, kwargs):
        # NumPy's protocol for array-likes (NEP 18). Stacking keeps the matrix:
        # ColumnTransformer joins its transformers' outputs with np.hstack, so
        # GloveVectorizer's vectors reach the classifier through it. Every
        # other function sees the plain ids.
        if func in _STACKING and args:
            parts = list(args[0])
            carried = [p for p in parts if isinstance(p, TokenSequences)]
            matrices = {id(p.embedding_matrix) for p in carried}
            out = func([_plain(p) for p in parts], *args[1:], **kwargs)
            if len(carried) == len(parts) and len(matrices) == 1:
                first = carried[0]
                if (
                    first.embedding_matrix is not None
                    or len({p.n_ids for p in carried}) == 1
                ):
                    return TokenSequences(out, first.embedding_matrix, first.n_ids)
            if any(p.embedding_matrix is not None for p in carried):
                warnings.warn(
                    "Stacking GloveVectorizer output with other columns (or with "
                    "another vectorizer's output) drops its pre-trained embedding "
                    "matrix: a TextCNNClassifier fitted on the result learns its "
                    "embeddings from scratch. Give the classifier one "
                    "GloveVectorizer's output alone (e.g. a ColumnTransformer "
                    'with that single transformer and remainder="drop").',
                    UserWarning,
                    stacklevel=3,
                )
            return out
        return func(*_plain(args), **_plain(kwargs))


def _plain(value):
    """``value`` with every TokenSequences in it replaced by its ids."""
    if isinstance(value, TokenSequences):
        return value.ids
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


_STACKING = {np.hstack, np.vstack, np.concatenate, np.column_stack}
