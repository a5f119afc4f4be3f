"""What :func:`sktextcnn.load` checks of each estimator it rebuilds from a file.

A file can hold any values. The loader accepts parameters that pass the
estimator's own ``_validate_params()`` plus the limits below, and fitted
attributes of the types, shapes and ranges a ``fit`` produces, consistent
with each other and with the stored model -- so a loaded estimator either
predicts as the saved one did or fails to load with a ``ValueError`` naming
the attribute. Parameters that make a later ``transform`` or ``fit`` run a
regular expression or read a file chosen by the file's author
(``token_pattern``, ``embeddings``) load only when the caller trusts them.
"""

from __future__ import annotations

import codecs
import math
import os

import numpy as np

from ._architectures import REGISTRY
from ._embeddings import DEFAULT_EMBEDDINGS
from ._model_spec import MAX_WIDTH, min_width
from ._tokenize import DEFAULT_TOKEN_PATTERN

# Parameters that load only when trusted (sktextcnn.load(trusted=...)).
TRUSTABLE = ("token_pattern", "embeddings")
# The largest inference batch a loaded classifier may ask for.
MAX_BATCH_SIZE = 2**16
_MAX_STEPS = 64


def trusted_names(trusted):
    """``load``'s ``trusted`` argument as a set of parameter names."""
    if isinstance(trusted, bool):
        return frozenset(TRUSTABLE) if trusted else frozenset()
    if isinstance(trusted, str) or not hasattr(trusted, "__iter__"):
        raise TypeError(
            f"trusted must be a bool or a collection of {TRUSTABLE}, got {trusted!r}."
        )
    names = frozenset(trusted)
    unknown = sorted(map(str, names - set(TRUSTABLE)))
    if unknown:
        raise ValueError(
            f"trusted names unknown parameters {unknown}; it may hold {TRUSTABLE}."
        )
    return names


def _fail(where, message):
    raise ValueError(f"{where}: {message}")


def _is_int(value, lo=0, hi=None):
    return (
        isinstance(value, int)
        and not isinstance(value, bool)
        and value >= lo
        and (hi is None or value <= hi)
    )


def _is_nan(value):
    return isinstance(value, float) and math.isnan(value)


def _is_fraction(value):
    return (
        isinstance(value, float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and 0.0 <= value <= 1.0
    )


# -- parameters ------------------------------------------------------------------


def check_vectorizer_settings(settings, trusted, where):
    """Limits on what shapes a vectorizer's output (parameters or fitted)."""
    if not _is_int(settings["max_length"], 1, MAX_WIDTH):
        _fail(where, f"max_length={settings['max_length']!r} is over {MAX_WIDTH}")
    if settings["tokenizer"] is not None:
        _fail(where, "a tokenizer cannot come from a file")
    if (
        settings["token_pattern"] != DEFAULT_TOKEN_PATTERN
        and "token_pattern" not in trusted
    ):
        _fail(
            where,
            f"the file sets token_pattern={settings['token_pattern']!r}, not the "
            "default; a regular expression from a file can take unbounded time "
            "on each text (catastrophic backtracking). Load it with "
            "trusted={'token_pattern'} (or trusted=True) only if you trust the "
            "file's author.",
        )
    try:
        codecs.lookup(settings["encoding"])
    except LookupError:
        _fail(where, f"encoding={settings['encoding']!r} is not a known codec")


def check_vectorizer_params(vec, trusted, where):
    vec._validate_params()
    check_vectorizer_settings(vec.get_params(deep=False), trusted, where)
    embeddings = vec.embeddings
    if embeddings not in (None, DEFAULT_EMBEDDINGS) and "embeddings" not in trusted:
        _fail(
            where,
            f"the file sets embeddings={os.fspath(embeddings)!r}, a file a later "
            "fit would read. Load it with trusted={'embeddings'} (or "
            "trusted=True) only if you trust the file's author.",
        )


def check_model_params(clf, where):
    """Check a TextCNNClassifier's or TextCNNRegressor's parameters."""
    clf._validate_params()
    if clf.callbacks is not None:
        _fail(where, "callbacks cannot come from a file")
    if clf.kernel_sizes is not None:
        clf._kernel_sizes()  # raises ValueError for bad widths
    class_weight = getattr(clf, "class_weight", None)
    if isinstance(class_weight, dict):
        for label, weight in class_weight.items():
            if (
                isinstance(weight, bool)
                or not isinstance(weight, (int, float))
                or not math.isfinite(weight)
                or weight < 0
            ):
                _fail(where, f"class_weight[{label!r}]={weight!r} is not a weight")


def check_pipeline(pipe, where):
    pipe._validate_params()
    names = [name for name, _ in pipe.steps]
    if not 1 <= len(names) <= _MAX_STEPS:
        _fail(where, f"{len(names)} steps")
    if len(set(names)) != len(names) or any(
        not isinstance(name, str) or "__" in name or not name for name in names
    ):
        _fail(where, f"bad step names {names}")
    if pipe.memory is not None:
        _fail(where, "a Pipeline's memory must be None (its cache is pickled)")


# -- fitted attributes -----------------------------------------------------------


def _fitted_keys(fitted, required, optional, has_model, where):
    keys = set(fitted)
    if not keys and not has_model:
        return False  # an unfitted estimator
    missing = sorted(set(required) - keys)
    unknown = sorted(keys - set(required) - set(optional))
    if missing or unknown:
        _fail(where, f"fitted attributes missing {missing}, unknown {unknown}")
    return True


def check_vectorizer_fitted(vec, fitted, trusted, where):
    """Check a vectorizer's fitted attributes; return them, settings filled in."""
    required = ("vocabulary_", "embedding_matrix_", "n_vectors_found_")
    required += ("vector_coverage_", "token_coverage_")
    if not _fitted_keys(fitted, required, ("_transform_settings_",), False, where):
        return fitted
    fitted = dict(fitted)
    if "_transform_settings_" not in fitted:
        # Files of sktextcnn 0.1: transform read the parameters.
        fitted["_transform_settings_"] = vec._new_transform_settings()
    settings = fitted["_transform_settings_"]
    if not isinstance(settings, dict) or set(settings) != set(vec._TRANSFORM_PARAMS):
        _fail(where, "_transform_settings_ has the wrong keys")
    type(vec)(**settings)._validate_params()
    check_vectorizer_settings(settings, trusted, where + " (fitted settings)")
    vocabulary = fitted["vocabulary_"]
    if not isinstance(vocabulary, dict) or not vocabulary:
        _fail(where, "vocabulary_ must be a non-empty dict")
    if not all(isinstance(word, str) for word in vocabulary):
        _fail(where, "vocabulary_ keys must be str")
    if not all(_is_int(i) for i in vocabulary.values()):
        _fail(where, "vocabulary_ ids must be ints")
    offset = 2 if settings["handle_unknown"] == "oov_token" else 1
    ids = np.fromiter(vocabulary.values(), dtype=np.int64, count=len(vocabulary))
    if not np.array_equal(np.sort(ids), np.arange(offset, offset + len(ids))):
        _fail(
            where,
            f"vocabulary_ ids must number the words {offset}..{offset + len(ids) - 1}",
        )
    matrix = fitted["embedding_matrix_"]
    n_found = fitted["n_vectors_found_"]
    if matrix is not None:
        n_ids = offset + len(vocabulary)
        if (
            not isinstance(matrix, np.ndarray)
            or matrix.dtype != np.float32
            or matrix.ndim != 2
            or matrix.shape[0] != n_ids
            or matrix.shape[1] < 1
        ):
            _fail(
                where,
                f"embedding_matrix_ must be float32 of shape ({n_ids}, dim), got "
                f"{getattr(matrix, 'dtype', type(matrix))} "
                f"{getattr(matrix, 'shape', '')}",
            )
        if not np.isfinite(matrix).all():
            _fail(where, "embedding_matrix_ holds NaN or infinity")
    elif n_found != 0:
        _fail(where, "n_vectors_found_ must be 0 without an embedding matrix")
    if not _is_int(n_found, 0, len(vocabulary)):
        _fail(where, f"n_vectors_found_={n_found!r} is out of range")
    for key in ("vector_coverage_", "token_coverage_"):
        value = fitted[key]
        # With a fixed vocabulary, fit reads no text: token_coverage_ is NaN.
        unmeasured = key == "token_coverage_" and vec.vocabulary is not None
        if not (_is_fraction(value) or (unmeasured and _is_nan(value))):
            _fail(where, f"{key}={value!r} is not a fraction")
    if matrix is not None and fitted["vector_coverage_"] != n_found / len(vocabulary):
        _fail(where, "vector_coverage_ is not n_vectors_found_ / vocabulary size")
    return fitted


# What describes the targets, by estimator: (required, optional) names.
_TARGET_ATTRIBUTES = {
    "TextCNNClassifier": (("classes_",), ("_multilabel_",)),
    "TextCNNRegressor": (("n_outputs_", "target_mean_", "target_scale_"), ()),
}


def check_model_fitted(est, fitted, spec, where):
    """Check a classifier's or regressor's fitted attributes and its model.

    ``spec`` is the stored model's checked spec (None: no model). Returns the
    fitted attributes, ``_predict_settings_`` (and a classifier's
    ``_multilabel_``) filled in for old files.
    """
    own_required, own_optional = _TARGET_ATTRIBUTES[type(est).__name__]
    required = ("n_features_in_", "n_ids_", "embedding_dim_", "history_", "n_iter_")
    optional = ("feature_names_in_", "_predict_settings_", "_rng_state_")
    if not _fitted_keys(
        fitted, required + own_required, optional + own_optional, spec is not None,
        where,
    ):  # fmt: skip
        return fitted
    if spec is None:
        _fail(where, "fitted attributes without a model")
    fitted = dict(fitted)
    if own_required == ("classes_",):
        _check_classifier_targets(fitted, spec, where)
    else:
        _check_regressor_targets(fitted, spec, where)
    return _check_model_state(est, fitted, spec, where)


def _check_classifier_targets(fitted, spec, where):
    multilabel = fitted.setdefault("_multilabel_", None)  # None in old files
    activation = "softmax" if multilabel is None else "sigmoid"
    if spec["output_activation"] != activation:
        _fail(
            where,
            f"a {'single-label' if multilabel is None else 'multilabel'} "
            f"classifier's model must end in {activation!r}, not "
            f"{spec['output_activation']!r}",
        )
    classes = fitted["classes_"]
    if multilabel is not None:
        n = spec["n_outputs"]
        if not isinstance(classes, np.ndarray) or not np.array_equal(
            classes, np.arange(n)
        ):
            _fail(where, "a multilabel classes_ must be the label columns 0 .. n-1")
        keys = {"dtype", "constant_labels", "constant_values"}
        if not isinstance(multilabel, dict) or set(multilabel) != keys:
            _fail(where, f"_multilabel_ must have the keys {sorted(keys)}")
        try:
            kind = np.dtype(multilabel["dtype"]).kind
        except (TypeError, ValueError):
            kind = None
        if not isinstance(multilabel["dtype"], str) or kind not in ("b", "i", "u", "f"):
            _fail(where, "_multilabel_['dtype'] must name a bool, int or float dtype")
        labels, values = multilabel["constant_labels"], multilabel["constant_values"]
        if (
            not isinstance(labels, list)
            or not isinstance(values, list)
            or len(labels) != len(values)
            or not all(_is_int(j, 0, n - 1) for j in labels)
            or len(set(labels)) != len(labels)
            or not all(v in (0.0, 1.0) and not isinstance(v, bool) for v in values)
        ):
            _fail(
                where,
                "_multilabel_ constant labels must be distinct label columns, "
                "each with the value 0.0 or 1.0",
            )
        return
    if (
        not isinstance(classes, np.ndarray)
        or classes.ndim != 1
        or classes.dtype.kind not in "biufUSO"
    ):
        _fail(where, "classes_ must be a 1-D array of labels")
    if classes.dtype.kind == "O" and not (
        all(isinstance(c, str) for c in classes)
        or all(isinstance(c, (int, float)) for c in classes)
    ):
        _fail(where, "classes_ must hold labels of one kind (str or numbers)")
    if len(classes) != spec["n_outputs"]:
        _fail(
            where,
            f"classes_ holds {len(classes)} labels but the model has "
            f"{spec['n_outputs']} outputs",
        )
    if not np.array_equal(np.unique(classes), classes):
        _fail(where, "classes_ must be sorted and unique (np.unique of the labels)")


def _check_regressor_targets(fitted, spec, where):
    if spec["output_activation"] != "linear":
        _fail(where, "a regressor's model must have a linear output")
    n = fitted["n_outputs_"]
    if n != spec["n_outputs"] or not _is_int(n, 1):
        _fail(where, f"n_outputs_={n!r} but the model has {spec['n_outputs']} outputs")
    for key in ("target_mean_", "target_scale_"):
        value = fitted[key]
        if (
            not isinstance(value, np.ndarray)
            or value.dtype != np.float64
            or value.shape != (n,)
            or not np.isfinite(value).all()
            or (key == "target_scale_" and not (value > 0).all())
        ):
            _fail(where, f"{key} must be {n} finite float64 values (scales > 0)")


def _check_model_state(clf, fitted, spec, where):
    arch = REGISTRY[spec["architecture"]]
    if "_predict_settings_" not in fitted:
        # Files of sktextcnn 0.1: the settings follow from the stored model.
        fitted["_predict_settings_"] = {
            "trim": arch.padding_invariant,
            "min_width": min_width(spec),
            "batch_size": 256 if clf.batch_size == "auto" else int(clf.batch_size),
            "pretrained": clf.embedding_init == "pretrained",
        }
    n_features = fitted["n_features_in_"]
    if not _is_int(n_features, 1, MAX_WIDTH):
        _fail(where, f"n_features_in_={n_features!r} is not in [1, {MAX_WIDTH}]")
    if "feature_names_in_" in fitted:
        names = fitted["feature_names_in_"]
        if (
            not isinstance(names, np.ndarray)
            or names.dtype != object
            or names.shape != (n_features,)
            or not all(isinstance(name, str) for name in names)
        ):
            _fail(where, "feature_names_in_ must be n_features_in_ str column names")
    if fitted["n_ids_"] != spec["n_ids"] or not _is_int(fitted["n_ids_"], 1):
        _fail(where, f"n_ids_={fitted['n_ids_']!r} but the model has {spec['n_ids']}")
    dim = fitted["embedding_dim_"]
    if not _is_int(dim, 1, 2**31 - 1) or (arch.uses_embeddings and dim != spec["dim"]):
        _fail(where, f"embedding_dim_={dim!r} but the model's is {spec['dim']}")
    history, n_iter = fitted["history_"], fitted["n_iter_"]
    if not isinstance(history, dict) or not all(
        isinstance(key, str)
        and isinstance(values, list)
        and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
        for key, values in history.items()
    ):
        _fail(where, "history_ must map names to lists of numbers")
    lengths = {len(values) for values in history.values()}
    if len(lengths) > 1 or not _is_int(n_iter, 0, max(lengths, default=0)):
        _fail(where, "history_ lists of different lengths, or n_iter_ beyond them")
    if "_rng_state_" in fitted:
        _check_rng_state(fitted["_rng_state_"], where)
    settings = fitted["_predict_settings_"]
    expected_keys = {"trim", "min_width", "batch_size", "pretrained"}
    if not isinstance(settings, dict) or set(settings) != expected_keys:
        _fail(where, f"_predict_settings_ must have the keys {sorted(expected_keys)}")
    if settings["trim"] is not arch.padding_invariant:
        _fail(where, f"_predict_settings_['trim'] must be {arch.padding_invariant}")
    if settings["min_width"] != min_width(spec):
        _fail(
            where,
            f"_predict_settings_['min_width']={settings['min_width']!r} but the "
            f"model needs {min_width(spec)}",
        )
    if not _is_int(settings["batch_size"], 1, MAX_BATCH_SIZE):
        _fail(where, f"_predict_settings_['batch_size'] over {MAX_BATCH_SIZE}")
    if not isinstance(settings["pretrained"], bool):
        _fail(where, "_predict_settings_['pretrained'] must be a bool")
    return fitted


def _check_rng_state(state, where):
    """``_rng_state_``: a NumPy ``RandomState``'s (MT19937) state, as
    ``partial_fit`` keeps it for the next call's shuffling."""
    if (
        not isinstance(state, tuple)
        or len(state) != 5
        or state[0] != "MT19937"
        or not isinstance(state[1], np.ndarray)
        or state[1].dtype != np.uint32
        or state[1].shape != (624,)
        or not _is_int(state[2], 0, 624)
        or not _is_int(state[3], 0, 1)
        or not isinstance(state[4], float)
        or not math.isfinite(state[4])
    ):
        _fail(
            where,
            "_rng_state_ must be a RandomState state ('MT19937', 624 uint32 "
            "keys, a position in 0..624, has_gauss 0 or 1, a finite float)",
        )
    try:
        np.random.RandomState().set_state(state)
    except (TypeError, ValueError) as exc:
        _fail(where, f"_rng_state_ is not a valid RandomState state ({exc})")
