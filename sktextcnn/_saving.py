"""Safe persistence: :func:`save` / :func:`load` without pickle.

A saved file is a zip archive holding

- ``meta.json``: format version, library versions and the estimator tree --
  for each estimator its class name, its ``get_params(deep=False)`` and its
  fitted attributes (numbers, strings, lists, dicts), all as tagged JSON;
- ``arrays.npz``: the numeric and string arrays (``embedding_matrix_``,
  ``classes_``), read back with ``np.load(allow_pickle=False)``;
- ``model-<i>.keras``: each classifier's Keras model.

Loading parses JSON and ``.npz`` data only, instantiates nothing but
:class:`GloveVectorizer`, :class:`TextCNNClassifier` and
:class:`~sklearn.pipeline.Pipeline`, and rebuilds the Keras models with
``keras.saving.load_model(safe_mode=True)`` after checking that their
configuration names only the layers, initializers and optimizers sktextcnn
models are made of.
"""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
import zlib
from pathlib import Path

import keras
import numpy as np
import sklearn
from sklearn.pipeline import Pipeline

from ._classifier import TextCNNClassifier
from ._persistence import (
    FORMAT_VERSION,
    _check_keras_config,  # noqa: F401  (tests craft configs against it)
    atomic_write_bytes,
    model_digest,
    model_from_bytes,
    model_to_bytes,
)
from ._regressor import TextCNNRegressor
from ._vectorizer import GloveVectorizer

FORMAT = "sktextcnn-safe"
_CLASSES = {
    "sklearn.pipeline.Pipeline": Pipeline,
    "sktextcnn.GloveVectorizer": GloveVectorizer,
    "sktextcnn.TextCNNClassifier": TextCNNClassifier,
    "sktextcnn.TextCNNRegressor": TextCNNRegressor,
}
_NAMES = {cls: name for name, cls in _CLASSES.items()}
# Fitted attributes: public ones (``classes_``) and the private fitted state
# that predictions read (``_predict_settings_``).
_FITTED_NAME = re.compile(r"_?[a-z][a-z0-9_]*_\Z")
_MODEL_FILE = re.compile(r"model-\d+\.keras\Z")

# -- tagged JSON ---------------------------------------------------------------


class _Encoder:
    """Python values -> JSON, arrays set aside for ``arrays.npz``."""

    def __init__(self):
        self.arrays = {}

    def __call__(self, value, where):
        if isinstance(value, np.generic) and not value.dtype.hasobject:
            return {"scalar": [value.dtype.str, self(value.item(), where)]}
        if value is None or isinstance(value, (bool, str, int, float)):
            return value
        if isinstance(value, tuple):
            return {"tuple": [self(v, where) for v in value]}
        if isinstance(value, list):
            return [self(v, where) for v in value]
        if isinstance(value, dict):
            return {
                "dict": [[self(k, where), self(v, where)] for k, v in value.items()]
            }
        if isinstance(value, os.PathLike):
            return {"path": os.fspath(value)}
        if isinstance(value, np.ndarray):
            if value.dtype.hasobject:
                items = [self(v, where) for v in value.ravel().tolist()]
                return {"objects": items, "shape": list(value.shape)}
            key = f"a{len(self.arrays)}"
            self.arrays[key] = value
            return {"array": key}
        raise ValueError(
            f"{where} holds a {type(value).__module__}.{type(value).__qualname__}, "
            "which sktextcnn.save cannot store safely (only numbers, strings, "
            "lists, tuples, dicts and NumPy arrays); use pickle/joblib for "
            "this estimator, or set that parameter to a plain value first."
        )


def _decode(value, arrays):
    if value is None or isinstance(value, (bool, str, int, float)):
        return value
    if isinstance(value, list):
        return [_decode(v, arrays) for v in value]
    if not isinstance(value, dict) or len(value) not in (1, 2):
        raise ValueError(f"unexpected value {value!r}")
    if "tuple" in value:
        return tuple(_decode(v, arrays) for v in value["tuple"])
    if "dict" in value:
        return {_decode(k, arrays): _decode(v, arrays) for k, v in value["dict"]}
    if "path" in value:
        return Path(value["path"])
    if "scalar" in value:
        dtype, item = value["scalar"]
        dtype = np.dtype(str(dtype))
        if dtype.hasobject:
            raise ValueError("object scalars are not allowed")
        return np.asarray(_decode(item, arrays), dtype=dtype)[()]
    if "objects" in value:
        items = [_decode(v, arrays) for v in value["objects"]]
        out = np.empty(len(items), dtype=object)
        out[:] = items
        return out.reshape([int(n) for n in value["shape"]])
    if "array" in value:
        return arrays[value["array"]]
    raise ValueError(f"unexpected value {value!r}")


# -- estimator tree ---------------------------------------------------------------


def _encode_estimator(est, encode, models, where):
    name = _NAMES.get(type(est))
    if name is None:
        raise ValueError(
            f"{where} is a {type(est).__qualname__}; sktextcnn.save stores "
            "only GloveVectorizer, TextCNNClassifier, TextCNNRegressor and "
            "Pipelines made of them. Use pickle/joblib for other estimators."
        )
    params = est.get_params(deep=False)
    node = {"class": name}
    if isinstance(est, Pipeline):
        _check_no_memory(params.get("memory"))
        params.pop("steps")
        node["steps"] = [
            [step, _encode_estimator(sub, encode, models, f"step {step!r}")]
            for step, sub in est.steps
        ]
    node["params"] = {
        key: encode(value, f"parameter {key!r} of {where}")
        for key, value in params.items()
    }
    fitted = {
        key: value
        for key, value in vars(est).items()
        if _FITTED_NAME.match(key) and key != "model_"
    }
    node["fitted"] = {
        key: encode(value, f"fitted attribute {key!r} of {where}")
        for key, value in fitted.items()
    }
    output = getattr(est, "_sklearn_output_config", {}).get("transform")
    if output is not None:
        node["set_output"] = encode(output, f"set_output of {where}")
    if "model_" in vars(est):
        node["model"] = f"model-{len(models)}.keras"
        data = model_to_bytes(est.model_)
        node["model_sha256"] = model_digest(data)
        models.append(data)
    return node


def _decode_estimator(node, arrays, archive):
    cls = _CLASSES.get(node["class"])
    if cls is None:
        raise ValueError(
            f"refusing to load class {node['class']!r}: sktextcnn.load builds "
            f"only {', '.join(sorted(_CLASSES))}."
        )
    params = {key: _decode(value, arrays) for key, value in node["params"].items()}
    allowed = set(cls._get_param_names())
    unknown = sorted(set(params) - allowed)
    if unknown:
        raise ValueError(
            f"{cls.__name__} has no parameter(s) {unknown}; the file was saved "
            "by another sktextcnn version."
        )
    if cls is Pipeline:
        _check_no_memory(params.get("memory"))
        params["steps"] = [
            (str(step), _decode_estimator(sub, arrays, archive))
            for step, sub in node["steps"]
        ]
    est = cls(**params)
    if "set_output" in node:
        est.set_output(transform=node["set_output"])
    for key, value in node.get("fitted", {}).items():
        if not _FITTED_NAME.match(key) or key == "model_":
            raise ValueError(f"refusing fitted attribute name {key!r}")
        setattr(est, key, _decode(value, arrays))
    if "model" in node:
        name = node["model"]
        if not isinstance(name, str) or not _MODEL_FILE.match(name):
            raise ValueError(f"bad model entry {name!r}")
        est.model_ = model_from_bytes(archive.read(name), node.get("model_sha256"))
    if cls is not Pipeline:
        # What unpickling does: fills in fitted state that older files lack.
        est.__setstate__(dict(vars(est)))
    return est


def _check_no_memory(memory):
    # A Pipeline's cache directory is unpickled by later fits: not data.
    if memory is not None:
        raise ValueError(
            "a Pipeline's 'memory' must be None in a safe file (its cache is "
            f"read with pickle), got {memory!r}."
        )


# -- public API -------------------------------------------------------------------


def save(estimator, path):
    """Save a GloveVectorizer, TextCNNClassifier or Pipeline of them safely.

    Unlike pickle and joblib, the file holds data only -- JSON, NumPy arrays
    and Keras ``.keras`` archives -- and :func:`load` runs no code from it,
    so it is the format for models shared with or received from others.
    Fitted or unfitted estimators can be saved. The file is written to a
    temporary file in the same directory and renamed over ``path``, so an
    existing file is never left half-written.

    Parameters
    ----------
    estimator : GloveVectorizer, TextCNNClassifier or Pipeline
        A Pipeline's steps must all be sktextcnn estimators.
    path : str or path-like
        Destination file (conventionally ``*.sktextcnn``).

    Raises
    ------
    ValueError
        If the estimator is of another class, or a parameter or fitted
        attribute is not plain data: a custom ``tokenizer`` callable, Keras
        ``callbacks``, a ``RandomState`` instance as ``random_state``, a
        Pipeline ``memory``. The message names it. Set such parameters to
        plain values first (``set_params(callbacks=None)`` changes nothing
        in a fitted model) or use pickle/joblib for trusted storage. The
        scikit-learn metadata requests (``set_fit_request``) are not saved.

    See Also
    --------
    load : Read such a file back.

    Examples
    --------
    >>> import sktextcnn
    >>> from sktextcnn import GloveVectorizer
    >>> vec = GloveVectorizer(max_length=5, embeddings=None).fit(["a b c"])
    >>> sktextcnn.save(vec, "vectorizer.sktextcnn")  # doctest: +SKIP
    >>> sktextcnn.load("vectorizer.sktextcnn").vocabulary_  # doctest: +SKIP
    {'a': 1, 'b': 2, 'c': 3}
    """
    encode = _Encoder()
    models = []
    tree = _encode_estimator(estimator, encode, models, "the estimator")
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "versions": {
            "sktextcnn": _version(),
            "keras": keras.__version__,
            "scikit-learn": sklearn.__version__,
            "numpy": np.__version__,
        },
        "estimator": tree,
    }
    arrays = io.BytesIO()
    np.savez(arrays, **encode.arrays)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("meta.json", json.dumps(meta))
        archive.writestr("arrays.npz", arrays.getvalue())
        for i, data in enumerate(models):
            archive.writestr(f"model-{i}.keras", data)
    atomic_write_bytes(path, buffer.getvalue())


def load(path):
    """Load what :func:`save` wrote, without unpickling anything.

    Only JSON, ``np.load(allow_pickle=False)`` and
    ``keras.saving.load_model(safe_mode=True)`` read the file, and only
    :class:`GloveVectorizer`, :class:`TextCNNClassifier` and
    :class:`~sklearn.pipeline.Pipeline` are instantiated. The Keras models'
    configurations are checked against the layers, initializers and
    optimizers sktextcnn builds before Keras reads them.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save`.

    Returns
    -------
    estimator : GloveVectorizer, TextCNNClassifier or Pipeline
        As saved; predictions are identical to the saved estimator's.

    Raises
    ------
    ValueError
        If the file is truncated or corrupt, is not an sktextcnn file, comes
        from a newer format version, or names any other class.
    """
    with open(path, "rb") as f:
        data = f.read()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            meta = json.loads(archive.read("meta.json"))
            if not isinstance(meta, dict) or meta.get("format") != FORMAT:
                raise ValueError("meta.json does not describe an sktextcnn model")
            version = meta.get("format_version")
            if version != FORMAT_VERSION:
                raise ValueError(
                    f"format version {version!r} is not supported; this "
                    f"sktextcnn reads version {FORMAT_VERSION}"
                )
            with np.load(
                io.BytesIO(archive.read("arrays.npz")), allow_pickle=False
            ) as npz:
                arrays = {key: npz[key] for key in npz.files}
            return _decode_estimator(meta["estimator"], arrays, archive)
    except (
        zipfile.BadZipFile, zlib.error, EOFError, KeyError, IndexError,
        TypeError, AttributeError, ValueError, RecursionError,
    ) as exc:  # fmt: skip
        raise ValueError(
            f"Cannot load {os.fspath(path)!r} as a safe sktextcnn model file: "
            f"{type(exc).__name__}: {exc}"
        ) from None


def _version():
    from . import __version__

    return __version__
