"""What ``TextCNNClassifier.fit`` checks before training, and how it undoes a failure.

Checks that turn errors NumPy, TensorFlow or Keras would raise deep inside
training (or never raise) into messages naming the sample or parameter, and
the helpers that let ``fit`` change nothing on the estimator until training
has succeeded.
"""

from __future__ import annotations

import warnings
from numbers import Number

import numpy as np
from sklearn.utils import compute_sample_weight
from sklearn.utils.validation import validate_data

from ._compat import _check_sample_weight

# The largest embedding table fit builds: 2**31 values (8 GiB of float32).
MAX_TABLE_SIZE = 2**31
_INPUT_ATTRS = ("n_features_in_", "feature_names_in_")


def validate_fit_data(estimator, X, y, reset):
    """``validate_data`` on a stand-in, so ``estimator`` is not touched yet.

    Returns X, y and the input attributes (``n_features_in_``...) that
    :func:`set_input_attributes` assigns once fit has succeeded.
    """
    stand_in = object.__new__(type(estimator))
    stand_in.__dict__.update(estimator.__dict__)
    X, y = validate_data(stand_in, X, y, reset=reset, dtype=None)
    return X, y, {k: getattr(stand_in, k) for k in _INPUT_ATTRS if hasattr(stand_in, k)}


def set_input_attributes(estimator, attributes):
    for key in _INPUT_ATTRS:
        if key in attributes:
            setattr(estimator, key, attributes[key])
        elif hasattr(estimator, key):
            delattr(estimator, key)


def _label_kind(label):
    if isinstance(label, str):
        return "string"
    return "number" if isinstance(label, Number) else type(label).__name__


def check_labels(y):
    """Name the first missing label, or the first of another type than y[0].

    Checked before any conversion: ``np.asarray(["a", nan])`` would silently
    turn the missing label into the class "nan", and ``np.unique`` fails on
    mixed types with a bare comparison TypeError.
    """
    if not isinstance(y, np.ndarray):
        try:
            y = np.asarray(y, dtype=object)
        except (TypeError, ValueError):
            return  # validate_data reports it
    if y.ndim != 1 or y.dtype.kind != "O":
        return
    kind = _label_kind(y[0]) if len(y) else None
    for i, label in enumerate(y):
        if label is None or (isinstance(label, Number) and label != label):
            raise ValueError(
                f"y[{i}] is a missing label ({label!r}); every sample needs a class."
            )
        if _label_kind(label) != kind:
            raise TypeError(
                f"y mixes label types: y[0] is a {kind} and y[{i}] ({label!r}) a "
                f"{_label_kind(label)}; labels must be all strings or all numbers."
            )


def check_table_size(n_ids, dim):
    """Refuse ids so large that the embedding table cannot be allocated."""
    if n_ids * dim > MAX_TABLE_SIZE:
        raise ValueError(
            f"X holds token id {n_ids - 1}: its embedding table of {n_ids} x {dim} "
            f"values would need {n_ids * dim * 4 / 2**30:.0f} GiB. Token ids must "
            "number a vocabulary from 1 up (GloveVectorizer does)."
        )


def variable_values(model):
    """Values of the model's variables (weights, dropout seed) and optimizer's."""
    return (
        [v.numpy() for v in model.variables],
        [v.numpy() for v in model.optimizer.variables],
    )


def restore_variable_values(model, values):
    """Undo training: put back what :func:`variable_values` returned."""
    model_values, optimizer_values = values
    for variable, value in zip(model.variables, model_values, strict=True):
        variable.assign(value)
    # An optimizer built during the failed fit has new slots: nothing to restore.
    if len(model.optimizer.variables) == len(optimizer_values):
        for variable, value in zip(model.optimizer.variables, optimizer_values):
            variable.assign(value)


def fit_weights(sample_weight, class_weight, X, y, y_encoded):
    """Per-sample training weights: ``sample_weight`` times ``class_weight``.

    Never modifies the caller's array; rejects negative weights and weights
    that leave fewer than two classes to learn from.
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


def warn_no_pretrained_vectors():
    warnings.warn(
        "X is a DataFrame of token ids and carries no pre-trained embedding "
        "matrix, so the embeddings are learned from scratch. GloveVectorizer's "
        'vectors only travel with its default output: drop set_output(transform="'
        'pandas") (or the global transform_output) for the vectorizer, or pass '
        'embedding_init="random" to silence this warning.',
        UserWarning,
        stacklevel=3,
    )
