"""Every input check of sktextcnn, one function per kind of input.

Texts, tokenizer output, token ids, labels, weights, callbacks and table sizes
are checked here, by every estimator, before anything reaches NumPy's or
Keras' internals: each bad input gets a ``ValueError`` / ``TypeError`` that
names the parameter, the document or sample index and the fix.
"""

from __future__ import annotations

import codecs
import warnings
from collections.abc import Mapping
from numbers import Integral, Number

import keras
import numpy as np
from sklearn.utils import compute_sample_weight
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import validate_data

from ._compat import _check_sample_weight

# The largest embedding table fit builds: 2**31 values (8 GiB of float32).
MAX_TABLE_SIZE = 2**31
_INPUT_ATTRS = ("n_features_in_", "feature_names_in_")


# -- texts ----------------------------------------------------------------------


def check_documents(raw_documents, *, encoding="utf-8", decode_error="strict"):
    """Validate an iterable of documents and return them as a list of str.

    Parameters
    ----------
    raw_documents : iterable of str or bytes
        The documents.
    encoding : str, default="utf-8"
        Encoding used to decode bytes documents.
    decode_error : {"strict", "ignore", "replace"}, default="strict"
        What to do with bytes that are invalid in ``encoding``.

    Returns
    -------
    documents : list of str
    """
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise ValueError(
            f"encoding={encoding!r} is not a codec Python knows (e.g. 'utf-8', "
            "'latin-1', 'cp1252')."
        ) from None
    if isinstance(raw_documents, (str, bytes)):
        raise ValueError(
            "Iterable over raw text documents expected, "
            f"{type(raw_documents).__name__} object received."
        )
    if hasattr(raw_documents, "tocsr"):
        raise TypeError(
            "A sparse matrix was passed, but raw text documents are expected; "
            "sparse input is not supported."
        )
    if hasattr(raw_documents, "ndim") and raw_documents.ndim != 1:
        raise ValueError(
            "Iterable over raw text documents expected, got an array of shape "
            f"{raw_documents.shape}; pass a 1-D sequence of strings."
        )
    try:
        docs = list(raw_documents)
    except TypeError:
        raise TypeError(
            "Iterable over raw text documents expected, "
            f"{type(raw_documents).__name__} object received."
        ) from None
    if not docs:
        raise ValueError("Empty input: at least one document is required.")
    for i, doc in enumerate(docs):
        if isinstance(doc, str):
            continue
        if isinstance(doc, (bytes, bytearray, np.bytes_)):
            try:
                docs[i] = bytes(doc).decode(encoding, decode_error)
            except UnicodeDecodeError as exc:
                raise ValueError(
                    f"Document {i} cannot be decoded as {encoding!r} ({exc.reason} "
                    f"at byte {exc.start}); pass encoding=... or "
                    "decode_error='replace'."
                ) from None
            continue
        raise TypeError(
            f"Document {i} is a {type(doc).__name__}, not a string: every document "
            "must be a str (or bytes)."
        )
    return docs


def check_tokens(tokens, index):
    """Validate what a user ``tokenizer`` returned for document ``index``.

    Returns the tokens as a list (a generator would be consumed twice).
    """
    if isinstance(tokens, (str, bytes)) or not hasattr(tokens, "__iter__"):
        raise TypeError(
            f"tokenizer returned a {type(tokens).__name__} for document {index}; "
            "it must return a list of str tokens."
        )
    tokens = list(tokens)
    for token in tokens:
        if not isinstance(token, str):
            raise TypeError(
                f"tokenizer returned a {type(token).__name__} token ({token!r}) "
                f"for document {index}; tokens must be str."
            )
    return tokens


def check_vocabulary(vocabulary):
    """Validate a fixed ``vocabulary`` (as ``CountVectorizer(vocabulary=...)``).

    Parameters
    ----------
    vocabulary : sequence of str or mapping of str to int
        Words in id order, or word -> index with the indices 0..n-1.

    Returns
    -------
    words : list of str
        The words in id order.
    """
    if isinstance(vocabulary, (set, frozenset)):
        raise TypeError(
            "vocabulary is a set, whose order (and so the ids) is arbitrary: "
            "pass a list (ids follow its order) or a dict word -> index."
        )
    if isinstance(vocabulary, Mapping):
        items = list(vocabulary.items())
        for word, index in items:
            if isinstance(index, bool) or not isinstance(index, Integral):
                raise TypeError(
                    f"vocabulary[{word!r}] is {index!r}; a vocabulary mapping's "
                    "values must be int indices."
                )
        indices = sorted(int(index) for _, index in items)
        if indices != list(range(len(items))):
            missing = sorted(set(range(len(items))) - set(indices))
            raise ValueError(
                "The indices of a vocabulary mapping must be 0..n-1, each once"
                + (f"; index {missing[0]} is missing." if missing else ".")
            )
        words = [word for word, _ in sorted(items, key=lambda item: item[1])]
    else:
        words = list(np.asarray(vocabulary, dtype=object).ravel())
    if not words:
        raise ValueError("Empty vocabulary: vocabulary holds no word.")
    seen = set()
    for i, word in enumerate(words):
        if not isinstance(word, str) or not word:
            raise TypeError(
                f"vocabulary entry {i} is {word!r}; entries must be non-empty str."
            )
        if word in seen:
            raise ValueError(f"vocabulary holds {word!r} twice (entry {i}).")
        seen.add(word)
    return words


# -- token ids ------------------------------------------------------------------


def reject_raw_text(X, *, name="X"):
    """Raise a clear error for raw texts or ragged id lists passed as ``X``.

    Both would otherwise fail deep inside NumPy's array conversion.
    """
    if isinstance(X, (str, bytes)):
        first = X
    elif isinstance(X, (list, tuple)) or getattr(X, "ndim", None) == 1:
        first = X[0] if len(X) else None
    else:
        return
    if isinstance(first, (str, bytes)):
        raise TypeError(
            f"{name} holds raw text; token ids are expected: put a GloveVectorizer "
            "first, e.g. make_pipeline(GloveVectorizer(), TextCNNClassifier())."
        )
    if isinstance(X, (list, tuple)) and isinstance(first, (list, tuple)):
        for i, row in enumerate(X):
            if not isinstance(row, (list, tuple)) or len(row) != len(first):
                size = len(row) if hasattr(row, "__len__") else "no"
                raise ValueError(
                    f"{name} is ragged: row 0 holds {len(first)} ids but row {i} "
                    f"holds {size}; pad every row to one length (GloveVectorizer "
                    "does)."
                )


def check_id_array(X, n_vocab=None, *, name="X"):
    """Validate a 2-D array of token ids and return it as int32.

    Float arrays are accepted when every value is integral.
    """
    X = np.asarray(X)
    if X.ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array of token ids of shape (n_samples, "
            f"sequence_length), got an array of shape {X.shape}."
        )
    if X.dtype.kind == "O":
        try:
            X = X.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"{name} must hold integer token ids; its object array holds "
                f"values that are not numbers ({exc})."
            ) from None
    if X.dtype.kind == "f":
        if not np.all(np.isfinite(X)):
            raise ValueError(f"{name} contains NaN or infinity; token ids expected.")
        if not np.array_equal(X, np.round(X)):
            raise ValueError(
                f"{name} holds non-integral floats; token ids must be integers. "
                "Turn texts into ids with GloveVectorizer first."
            )
    elif X.dtype.kind not in "iub":
        raise TypeError(f"{name} must hold integer token ids, got dtype {X.dtype}.")
    if X.size:
        lo, hi = X.min(), X.max()
        if lo < 0:
            raise ValueError(
                f"Negative values in data passed to {name}: token ids must be >= 0 "
                f"(min {lo})."
            )
        if n_vocab is not None and hi >= n_vocab:
            raise ValueError(
                f"{name} contains token id {hi}, outside the vocabulary of "
                f"{n_vocab} ids seen in fit (valid ids: 0..{n_vocab - 1})."
            )
        if hi > np.iinfo(np.int32).max:
            raise ValueError(f"{name} contains token ids too large for int32.")
    return X.astype(np.int32, copy=False)


def check_embedding_dim(carried, fitted, fix):
    """A new embedding matrix must have the fitted model's vector size."""
    if carried != fitted:
        raise ValueError(
            f"X carries {carried}-dimensional embeddings but the classifier was "
            f"fitted with {fitted}-dimensional ones; {fix}."
        )


def check_table_size(n_ids, dim):
    """Refuse ids so large that the embedding table cannot be allocated."""
    if n_ids * dim > MAX_TABLE_SIZE:
        raise ValueError(
            f"X holds token id {n_ids - 1}: its embedding table of {n_ids} x {dim} "
            f"values would need {n_ids * dim * 4 / 2**30:.0f} GiB. Token ids must "
            "number a vocabulary from 1 up (GloveVectorizer does)."
        )


# -- labels, weights, callbacks -------------------------------------------------


def _label_kind(label):
    if isinstance(label, str):
        return "string"
    return "number" if isinstance(label, Number) else type(label).__name__


_SEQUENCES = (list, tuple, set, frozenset, np.ndarray)
_INDICATOR_FIX = (
    "a multilabel y must be a binary indicator matrix of shape (n_samples, "
    "n_labels): MultiLabelBinarizer().fit_transform(y) makes one from lists of "
    "labels"
)


def check_labels(y):
    """Name the first missing label, or the first of another type than y[0].

    Checked before any conversion: ``np.asarray(["a", nan])`` would silently
    turn the missing label into the class "nan", ``np.unique`` fails on
    mixed types with a bare comparison TypeError, and sequences of labels of
    different lengths (or mixed with single labels) make no array at all.
    """
    if isinstance(y, (list, tuple)):
        rows = [isinstance(label, _SEQUENCES) for label in y]
        if any(rows):
            lengths = {len(label) for label, row in zip(y, rows) if row}
            if not all(rows) or len(lengths) > 1:
                i = next(
                    i
                    for i, label in enumerate(y)
                    if rows[i] != rows[0] or (rows[0] and len(label) != len(y[0]))
                )
                raise ValueError(
                    f"y mixes single labels and sequences of labels, or sequences "
                    f"of different lengths (y[0] is {y[0]!r}, y[{i}] is "
                    f"{y[i]!r}); {_INDICATOR_FIX}."
                )
    if not isinstance(y, np.ndarray):
        try:
            y = np.asarray(y, dtype=object)
        except (TypeError, ValueError):
            return  # validate_data reports it
    if y.ndim != 1 or y.dtype.kind != "O":
        return
    kind = _label_kind(y[0]) if len(y) else None
    for i, label in enumerate(y):
        if isinstance(label, _SEQUENCES):
            raise ValueError(
                f"y[{i}] is a {type(label).__name__} ({label!r}), not a label; "
                f"{_INDICATOR_FIX}."
            )
        if label is None or (isinstance(label, Number) and label != label):
            raise ValueError(
                f"y[{i}] is a missing label ({label!r}); every sample needs a class."
            )
        if _label_kind(label) != kind:
            raise TypeError(
                f"y mixes label types: y[0] is a {kind} and y[{i}] ({label!r}) a "
                f"{_label_kind(label)}; labels must be all strings or all numbers."
            )


def check_multilabel_targets(y):
    """A 2-D classification ``y``: a binary indicator matrix of >= 2 columns.

    ``y`` as ``validate_data(multi_output=True)`` returns it (an array or a
    sparse matrix). Returns it as a dense array of its own dtype.
    """
    if hasattr(y, "toarray"):
        y = y.toarray()
    if y.shape[1] == 1:
        raise ValueError(
            f"y has shape {y.shape}: one column. For single-label classification "
            "pass a 1-D y (y.ravel()); a multilabel indicator matrix needs at "
            "least 2 label columns."
        )
    values = list(dict.fromkeys(y.ravel().tolist()))
    try:
        kind = type_of_target(y)
        values = sorted(values)
    except (TypeError, ValueError):  # labels of mixed types
        kind = "mixed types"
    if kind != "multilabel-indicator":
        shown = ", ".join(repr(v) for v in values[:5])
        more = ", ..." if len(values) > 5 else ""
        raise ValueError(
            f"y is a 2-D array of shape {y.shape} holding {shown}{more}, not a "
            "binary indicator matrix of 0 and 1 (it is "
            f"{kind!r}): TextCNNClassifier takes multilabel y as a 0/1 indicator "
            "matrix and single-label y as a 1-D array of labels; several "
            "multiclass outputs (multiclass-multioutput) are not supported."
        )
    return y


def check_regression_targets(y):
    """Name the first non-numeric regression target (before any conversion).

    ``validate_data(y_numeric=True)`` would fail on a string inside NumPy
    with "could not convert string to float".
    """
    if y is None:
        return  # validate_data: "requires y to be passed"
    if hasattr(y, "toarray"):
        raise TypeError(
            "y is a sparse matrix; TextCNNRegressor takes dense numeric targets "
            "(y.toarray())."
        )
    try:
        if np.asarray(y).dtype.kind in "biuf":
            return
        flat = np.asarray(y, dtype=object).ravel()
    except (TypeError, ValueError):
        return  # validate_data reports it
    for i, value in enumerate(flat):
        if value is None:
            raise ValueError(
                f"y holds a missing value (None) at flat index {i}; every sample "
                "needs a numeric target."
            )
        if not isinstance(value, (Number, np.bool_)):
            raise ValueError(
                f"y holds {value!r} (a {type(value).__name__}) at flat index {i}: "
                "TextCNNRegressor predicts numbers; for class labels use "
                "TextCNNClassifier."
            )


def check_sample_weight(sample_weight, X):
    """Per-sample training weights, a float32 copy; never modifies the caller's.

    Rejects negative weights and weights that are all zero.
    """
    weights = _check_sample_weight(sample_weight, X, dtype=np.float32, copy=True)
    if sample_weight is not None and not np.any(weights):
        # scikit-learn >= 1.7 raises this in _check_sample_weight; the same
        # message on older versions.
        raise ValueError("Sample weights must contain at least one non-zero number.")
    if np.any(weights < 0):
        raise ValueError(
            "Negative values in data passed to `sample_weight`: weights must be "
            f"non-negative; got {weights.min()} at sample {int(weights.argmin())}."
        )
    return weights


def class_weighted(weights, class_weight, y, y_encoded):
    """``weights`` times ``class_weight``; at least two classes must keep weight."""
    if class_weight is not None:
        weights = (weights * compute_sample_weight(class_weight, y)).astype(np.float32)
    if not np.any(weights > 0):
        raise ValueError(
            "sample_weight times class_weight is zero for every sample; "
            "at least one sample needs a positive weight."
        )
    if len(np.unique(y_encoded[weights > 0])) < 2:
        raise ValueError(
            "Only one class has samples with a positive weight; at least 2 "
            "classes are needed."
        )
    return weights


def check_callbacks(callbacks):
    """``callbacks`` must be a list of ``keras.callbacks.Callback``."""
    for i, callback in enumerate(callbacks or ()):
        if not isinstance(callback, keras.callbacks.Callback):
            raise TypeError(
                f"callbacks[{i}] must be a keras.callbacks.Callback, got "
                f"{type(callback).__name__}."
            )


# -- the estimator's input attributes -------------------------------------------


def validate_fit_data(estimator, X, y, reset, **check_params):
    """``validate_data`` on a stand-in, so ``estimator`` is not touched yet.

    Returns X, y and the input attributes (``n_features_in_``...) that
    :func:`set_input_attributes` assigns once fit has succeeded.
    ``check_params`` go to ``validate_data`` (``multi_output``, ``y_numeric``).
    """
    stand_in = object.__new__(type(estimator))
    stand_in.__dict__.update(estimator.__dict__)
    X, y = validate_data(stand_in, X, y, reset=reset, dtype=None, **check_params)
    return X, y, {k: getattr(stand_in, k) for k in _INPUT_ATTRS if hasattr(stand_in, k)}


def set_input_attributes(estimator, attributes):
    for key in _INPUT_ATTRS:
        if key in attributes:
            setattr(estimator, key, attributes[key])
        elif hasattr(estimator, key):
            delattr(estimator, key)


def warn_no_pretrained_vectors():
    warnings.warn(
        "X is a DataFrame of token ids and carries no pre-trained embedding "
        "matrix, so the embeddings are learned from scratch. GloveVectorizer's "
        'vectors only travel with its default output: drop set_output(transform="'
        'pandas") (or the global transform_output) for the vectorizer, or pass '
        'embedding_init="random" to silence this warning.',
        UserWarning,
        stacklevel=5,  # the caller of fit (through _fit and _fit_context)
    )
