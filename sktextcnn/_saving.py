"""Safe persistence: :func:`save` / :func:`load` without pickle.

A saved file (format 2) is a zip archive holding

- ``meta.json``: format version, library versions, the SHA-256 digest of
  every array member, and the estimator tree -- for each estimator its
  class name, its ``get_params(deep=False)``, its fitted attributes
  (numbers, strings, lists, dicts) and, for a fitted classifier, its model's
  build specification (``_model_spec``), all as tagged JSON;
- ``arrays/a<i>.npy``: the arrays (``embedding_matrix_``, ``classes_``, the
  vocabulary as UTF-8 bytes + lengths + ids, each model weight and
  optimizer slot);

and the SHA-256 digest of ``meta.json`` as the zip comment, so the whole
file is checked before its content is interpreted.

Loading parses JSON and ``.npy`` headers only, within the limits of
``_bounded_io``; instantiates nothing but :class:`GloveVectorizer`,
:class:`TextCNNClassifier`, :class:`TextCNNRegressor` and
:class:`~sklearn.pipeline.Pipeline`; checks
every parameter and fitted attribute (``_state_checks``); and rebuilds each
Keras model with our own builders from its checked specification before
copying in weights of checked shapes -- no configuration from the file ever
reaches Keras. Files of format 1 (sktextcnn 0.1: a ``.keras`` archive per
model, an ``arrays.npz``, no whole-file digest) are read the same way: the
numbers the builders need are read out of the archive's ``config.json``
and the weights out of its ``model.weights.h5``.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import zipfile
from pathlib import Path

import keras
import numpy as np
import sklearn
from sklearn.pipeline import Pipeline

from ._bounded_io import (
    Budget,
    h5_child,
    h5_dataset,
    open_zip,
    parse_json,
    read_member,
    read_npy,
    read_npy_member,
)
from ._classifier import TextCNNClassifier
from ._model_spec import check_spec, model_spec, model_weights, restore_model
from ._model_spec import spec_from_config as _spec_from_config
from ._persistence import (
    FORMAT_VERSION,
    _check_keras_config,  # noqa: F401  (tests craft configs against it)
    atomic_write_bytes,
    check_keras_classes,
    model_digest,
)
from ._regressor import TextCNNRegressor
from ._state_checks import (
    check_model_fitted,
    check_model_params,
    check_pipeline,
    check_vectorizer_fitted,
    check_vectorizer_params,
    trusted_names,
)
from ._vectorizer import GloveVectorizer

FORMAT = "sktextcnn-safe"
# What load reads without max_bytes=: the file and all it unpacks to.
DEFAULT_MAX_BYTES = 2**30
_DIGEST_PREFIX = b"sktextcnn-sha256:"
_CLASSES = {
    "sklearn.pipeline.Pipeline": Pipeline,
    "sktextcnn.GloveVectorizer": GloveVectorizer,
    "sktextcnn.TextCNNClassifier": TextCNNClassifier,
    "sktextcnn.TextCNNRegressor": TextCNNRegressor,
}
_NAMES = {cls: name for name, cls in _CLASSES.items()}
_NODE_KEYS = {"class", "params", "fitted", "steps", "set_output", "model"}
_NODE_KEYS_V1 = _NODE_KEYS | {"model_sha256"}
_ARRAY_KEY = re.compile(r"a\d{1,7}\Z")
_MODEL_FILE = re.compile(r"model-\d{1,4}\.keras\Z")
_KERAS_MEMBERS = {"config.json", "metadata.json", "model.weights.h5"}
# Dicts of at least this many str -> int items (vocabularies) are stored as
# arrays: as JSON each item would cost ~100 bytes of Python objects to parse.
_STRDICT_MIN = 64
_MAX_DEPTH = 32
_MAX_PIPELINE_DEPTH = 4
_SCALAR_KINDS = "biuf"
_MAX_SCALAR_ITEMSIZE = 16

# -- tagged JSON ---------------------------------------------------------------


def _unsafe(value, where):
    return ValueError(
        f"{where} holds a {type(value).__module__}.{type(value).__qualname__}, "
        "which sktextcnn.save cannot store safely (only numbers, strings, "
        "lists, tuples, dicts and NumPy arrays); use pickle/joblib for "
        "this estimator, or set that parameter to a plain value first."
    )


class _Encoder:
    """Python values -> JSON, arrays set aside as ``.npy`` members."""

    def __init__(self):
        self.arrays = {}

    def array(self, value):
        key = f"a{len(self.arrays)}"
        self.arrays[key] = np.asarray(value)
        return {"array": key}

    def __call__(self, value, where):
        if isinstance(value, np.str_):
            value = str(value)
        if isinstance(value, np.generic):
            if value.dtype.kind not in _SCALAR_KINDS:
                raise _unsafe(value, where)
            return {"scalar": [value.dtype.str, value.item()]}
        if value is None or isinstance(value, (bool, str, int, float)):
            return value
        if isinstance(value, tuple):
            return {"tuple": [self(v, where) for v in value]}
        if isinstance(value, list):
            return [self(v, where) for v in value]
        if isinstance(value, dict):
            if _is_strdict(value):
                return self.strdict(value)
            return {
                "dict": [[self(k, where), self(v, where)] for k, v in value.items()]
            }
        if isinstance(value, os.PathLike):
            return {"path": os.fspath(value)}
        if isinstance(value, np.ndarray):
            if value.dtype.hasobject:
                items = value.ravel().tolist()
                if items and all(
                    isinstance(v, str) and not v.endswith("\0") for v in items
                ):
                    text = np.asarray(items, dtype=str).reshape(value.shape)
                    return {**self.array(text), "object": True}
                return {
                    "objects": [self(v, where) for v in items],
                    "shape": list(value.shape),
                }
            if value.dtype.kind not in "biufUS" or value.dtype.fields is not None:
                raise _unsafe(value, where)
            return self.array(value)
        raise _unsafe(value, where)

    def strdict(self, value):
        words = [key.encode("utf-8", "surrogatepass") for key in value]
        return {
            "strdict": {
                "utf8": self.array(np.frombuffer(b"".join(words), dtype=np.uint8)),
                "lengths": self.array(np.asarray([len(w) for w in words], np.int64)),
                "values": self.array(np.asarray(list(value.values()), np.int64)),
            }
        }


def _is_strdict(value):
    return (
        len(value) >= _STRDICT_MIN
        and all(type(key) is str for key in value)
        and all(type(i) is int and -(2**63) <= i < 2**63 for i in value.values())
    )


def _only(value, keys, what):
    if not isinstance(value, dict) or set(value) != set(keys):
        raise ValueError(f"unexpected value {value!r} for {what}")


def _decode(value, arrays, depth=0):
    """Tagged JSON -> Python values; every tag and type checked."""
    if depth > _MAX_DEPTH:
        raise ValueError("a value is nested too deeply")
    if value is None or isinstance(value, (bool, str, int, float)):
        return value
    if isinstance(value, list):
        return [_decode(v, arrays, depth + 1) for v in value]
    if not isinstance(value, dict) or len(value) not in (1, 2):
        raise ValueError(f"unexpected value {value!r}")
    if "tuple" in value:
        _only(value, ["tuple"], "a tuple")
        return tuple(_decode(_list(value["tuple"]), arrays, depth + 1))
    if "dict" in value:
        _only(value, ["dict"], "a dict")
        out = {}
        for pair in _list(value["dict"]):
            if not isinstance(pair, list) or len(pair) != 2:
                raise ValueError(f"unexpected dict item {pair!r}")
            out[_decode(pair[0], arrays, depth + 1)] = _decode(
                pair[1], arrays, depth + 1
            )
        return out
    if "path" in value:
        _only(value, ["path"], "a path")
        if not isinstance(value["path"], str):
            raise ValueError(f"unexpected path {value['path']!r}")
        return Path(value["path"])
    if "scalar" in value:
        _only(value, ["scalar"], "a scalar")
        return _decode_scalar(value["scalar"])
    if "objects" in value:
        _only(value, ["objects", "shape"], "an object array")
        items = [_decode(v, arrays, depth + 1) for v in _list(value["objects"])]
        shape = _list(value["shape"])
        if len(shape) > 8 or not all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape
        ):
            raise ValueError(f"bad object array shape {shape!r}")
        if int(np.prod(shape, dtype=object)) != len(items):
            raise ValueError(f"{len(items)} objects cannot have the shape {shape}")
        out = np.empty(len(items), dtype=object)
        out[:] = items
        return out.reshape(shape)
    if "array" in value:
        array = _array(value["array"], arrays)
        if len(value) == 1:
            return array
        _only(value, ["array", "object"], "an array")
        if value["object"] is not True or array.dtype.kind != "U":
            raise ValueError("only text arrays are stored for object arrays")
        return array.astype(object)
    if "strdict" in value:
        _only(value, ["strdict"], "a vocabulary")
        return _decode_strdict(value["strdict"], arrays)
    raise ValueError(f"unexpected value {value!r}")


def _list(value):
    if not isinstance(value, list):
        raise ValueError(f"expected a list, got {value!r}")
    return value


def _array(key, arrays):
    if not isinstance(key, str) or key not in arrays:
        raise ValueError(f"a value refers to array {key!r}, which the file lacks")
    return arrays[key]


def _decode_scalar(value):
    if not isinstance(value, list) or len(value) != 2:
        raise ValueError(f"unexpected scalar {value!r}")
    dtype, item = value
    # Numbers and booleans only, parsed from a short string: never
    # "S120000000" (a 120 MB scalar) nor a structured or object dtype.
    if not isinstance(dtype, str) or len(dtype) > 8:
        raise ValueError(f"unexpected scalar dtype {dtype!r}")
    dtype = np.dtype(dtype)
    if (
        dtype.kind not in _SCALAR_KINDS
        or dtype.itemsize > _MAX_SCALAR_ITEMSIZE
        or dtype.fields is not None
        or dtype.shape != ()
    ):
        raise ValueError(f"scalars of dtype {dtype} are not allowed")
    if isinstance(item, bool) != (dtype.kind == "b") or not isinstance(
        item, (bool, int, float)
    ):
        raise ValueError(f"unexpected {dtype} scalar value {item!r}")
    return np.asarray(item, dtype=dtype)[()]


def _decode_strdict(value, arrays):
    _only(value, ["utf8", "lengths", "values"], "a vocabulary")
    utf8, lengths, values = (
        _decode(value[key], arrays, 1) for key in ("utf8", "lengths", "values")
    )
    if (
        not all(isinstance(a, np.ndarray) and a.ndim == 1 for a in (utf8, lengths))
        or not isinstance(values, np.ndarray)
        or utf8.dtype != np.uint8
        or lengths.dtype != np.int64
        or values.dtype != np.int64
        or values.shape != lengths.shape
        or (lengths < 0).any()
        or int(lengths.sum()) != utf8.size
    ):
        raise ValueError("a stored vocabulary's arrays do not fit together")
    data = utf8.tobytes()
    ends = np.cumsum(lengths).tolist()
    starts = [0, *ends[:-1]]
    words = [data[a:b].decode("utf-8", "surrogatepass") for a, b in zip(starts, ends)]
    out = dict(zip(words, values.tolist()))
    if len(out) != len(words):
        raise ValueError("a stored vocabulary holds a word twice")
    return out


# -- estimator tree ---------------------------------------------------------------


def _encode_estimator(est, encode, where):
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
            [step, _encode_estimator(sub, encode, f"step {step!r}")]
            for step, sub in est.steps
        ]
    node["params"] = {
        key: encode(value, f"parameter {key!r} of {where}")
        for key, value in params.items()
    }
    attributes = getattr(type(est), "_FITTED_ATTRIBUTES", ())
    node["fitted"] = {
        key: encode(vars(est)[key], f"fitted attribute {key!r} of {where}")
        for key in attributes
        if key in vars(est) and key != "model_"
    }
    output = getattr(est, "_sklearn_output_config", {}).get("transform")
    if output is not None:
        node["set_output"] = encode(output, f"set_output of {where}")
    if "model_" in vars(est):
        model = est.model_
        if not model.optimizer.built:
            model.optimizer.build(model.trainable_variables)
        layers, optimizer, seeds = model_weights(model)
        node["model"] = {
            "spec": model_spec(model),
            "layers": [
                [layer, [encode.array(a) for a in arrays]]
                for layer, arrays in layers.items()
            ],
            "optimizer": [encode.array(a) for a in optimizer],
            "seeds": [encode.array(a) for a in seeds],
        }
    return node


class _Reader:
    """Turns a checked estimator tree into estimators (both formats)."""

    def __init__(self, arrays, trusted, version):
        self.arrays = arrays
        self.trusted = trusted
        self.version = version

    def estimator(self, node, where, depth=0):
        keys = _NODE_KEYS if self.version == 2 else _NODE_KEYS_V1
        if not isinstance(node, dict) or "class" not in node or set(node) - keys:
            raise ValueError(f"{where} is not an estimator node")
        cls = _CLASSES.get(node["class"]) if isinstance(node["class"], str) else None
        if cls is None:
            raise ValueError(
                f"refusing to load class {node['class']!r}: sktextcnn.load builds "
                f"only {', '.join(sorted(_CLASSES))}."
            )
        raw = node.get("params", {})
        if not isinstance(raw, dict):
            raise ValueError(f"the parameters of {where} are not a mapping")
        params = {key: _decode(value, self.arrays) for key, value in raw.items()}
        unknown = sorted(set(params) - set(cls._get_param_names()))
        if unknown:
            raise ValueError(
                f"{cls.__name__} has no parameter(s) {unknown}; the file was saved "
                "by another sktextcnn version."
            )
        if cls is Pipeline:
            if depth >= _MAX_PIPELINE_DEPTH:
                raise ValueError(f"{where}: Pipelines nested too deeply")
            _check_no_memory(params.get("memory"))
            steps = []
            for step in _list(node.get("steps")):
                if not isinstance(step, list) or len(step) != 2:
                    raise ValueError(f"{where}: bad step {step!r}")
                sub = self.estimator(step[1], f"step {step[0]!r}", depth + 1)
                steps.append((step[0], sub))
            params["steps"] = steps
        elif "steps" in node:
            raise ValueError(f"{where} is not a Pipeline but has steps")
        est = cls(**params)
        where = f"{where} ({cls.__name__})"
        if cls is Pipeline:
            check_pipeline(est, where)
        elif cls is GloveVectorizer:
            check_vectorizer_params(est, self.trusted, where)
        else:
            check_model_params(est, where)
        if "set_output" in node:
            output = node["set_output"]
            if output not in ("default", "pandas", "polars"):
                raise ValueError(f"{where}: set_output(transform={output!r})")
            est.set_output(transform=output)
        raw = node.get("fitted", {})
        if not isinstance(raw, dict):
            raise ValueError(f"the fitted attributes of {where} are not a mapping")
        allowed = set(getattr(cls, "_FITTED_ATTRIBUTES", ())) - {"model_"}
        for key in raw:
            if key not in allowed:
                raise ValueError(f"refusing fitted attribute name {key!r}")
        fitted = {key: _decode(value, self.arrays) for key, value in raw.items()}
        spec, model = None, None
        if "model" in node:
            if cls not in (TextCNNClassifier, TextCNNRegressor):
                raise ValueError(f"{where} cannot have a model")
            spec, model = self.model(node, where)
        if cls is GloveVectorizer:
            fitted = check_vectorizer_fitted(est, fitted, self.trusted, where)
        elif cls in (TextCNNClassifier, TextCNNRegressor):
            fitted = check_model_fitted(est, fitted, spec, where)
        elif fitted:
            raise ValueError(f"{where} has no fitted attributes")
        for key, value in fitted.items():
            setattr(est, key, value)
        if model is not None:
            est.model_ = model
        return est


class _ReaderV2(_Reader):
    def model(self, node, where):
        entry = node["model"]
        keys = {"spec", "layers", "optimizer", "seeds"}
        if not isinstance(entry, dict) or set(entry) != keys:
            raise ValueError(f"bad model entry {entry!r}"[:200])
        spec = check_spec(entry["spec"])
        layers = {}
        for item in _list(entry["layers"]):
            if not isinstance(item, list) or len(item) != 2 or item[0] in layers:
                raise ValueError(f"{where}: bad model layer entry")
            layers[item[0]] = [self._weight(ref) for ref in _list(item[1])]
        optimizer = [self._weight(ref) for ref in _list(entry["optimizer"])]
        seeds = [self._weight(ref) for ref in _list(entry["seeds"])]
        return spec, restore_model(spec, layers, optimizer, seeds)

    def _weight(self, ref):
        _only(ref, ["array"], "a model weight")
        return _array(ref["array"], self.arrays)


class _ReaderV1(_Reader):
    """Format 1 (sktextcnn 0.1): a ``.keras`` archive per model."""

    def __init__(self, archive, members, budget, trusted, arrays):
        super().__init__(arrays, trusted, 1)
        self.archive, self.members, self.budget = archive, members, budget
        self.used = set()

    def model(self, node, where):
        name = node["model"]
        if not isinstance(name, str) or not _MODEL_FILE.match(name):
            raise ValueError(f"bad model entry {name!r}"[:200])
        if name not in self.members or name in self.used:
            raise ValueError(f"{where}: model archive {name!r} missing or reused")
        self.used.add(name)
        data = read_member(self.archive, self.members[name], self.budget, name)
        digest = node.get("model_sha256")
        if digest is not None and model_digest(data) != digest:
            raise ValueError(
                f"{name}: the stored archive is corrupt or truncated (its "
                f"{len(data)} bytes do not match their SHA-256 digest)"
            )
        inner, members = open_zip(io.BytesIO(data), len(data), name)
        with inner:
            if set(members) != _KERAS_MEMBERS:
                raise ValueError(
                    f"{name} holds the members {sorted(members)}; a Keras archive "
                    f"of sktextcnn holds exactly {sorted(_KERAS_MEMBERS)}"
                )
            config = parse_json(
                read_member(
                    inner, members["config.json"], self.budget,
                    f"{name}/config.json", self.budget.json_bytes,
                ),
                self.budget, f"{name}/config.json",
            )  # fmt: skip
            check_keras_classes(config)
            if not isinstance(config, dict) or not isinstance(
                config.get("compile_config"), dict
            ):
                raise ValueError(f"{name}/config.json has no compile_config")
            spec = check_spec(
                _spec_from_config(
                    config.get("config"), config["compile_config"].get("optimizer")
                )
            )
            weights = read_member(
                inner, members["model.weights.h5"], self.budget,
                f"{name}/model.weights.h5",
            )  # fmt: skip
        return spec, _restore_from_h5(spec, weights, f"{name}/model.weights.h5")


def _restore_from_h5(spec, data, what):
    import h5py

    with h5py.File(io.BytesIO(data), "r") as h5:
        layers = {}
        group = h5_child(h5, "layers", h5py.Group, what)
        if len(group) > 1024:
            raise ValueError(f"{what} lists {len(group)} layers")
        for key in group:
            variables = _h5_vars(h5_child(group, key, h5py.Group, what), what)
            if variables[1]:
                if variables[0] in layers:
                    raise ValueError(f"{what}: two layers named {variables[0]!r}")
                layers[variables[0]] = variables[1]
        optimizer = h5_child(h5, "optimizer", h5py.Group, what)
        _, optimizer = _h5_vars(optimizer, what)
        return restore_model(spec, layers, optimizer)


def _h5_vars(group, what):
    import h5py

    variables = h5_child(group, "vars", h5py.Group, what)
    name = variables.attrs.get("name")
    if isinstance(name, bytes):
        name = name.decode("utf-8")
    if not isinstance(name, str):
        raise ValueError(f"{what}: a layer's variables carry no layer name")
    keys = sorted(variables)
    if keys != sorted(str(i) for i in range(len(keys))):
        raise ValueError(f"{what}: layer {name!r} has variables {keys[:10]}")
    return name, [h5_dataset(variables, str(i), what) for i in range(len(keys))]


def _check_no_memory(memory):
    # A Pipeline's cache directory is unpickled by later fits: not data.
    if memory is not None:
        raise ValueError(
            "a Pipeline's 'memory' must be None in a safe file (its cache is "
            f"read with pickle), got {memory!r}."
        )


# -- reading a file -----------------------------------------------------------------


class _HashingStream:
    """A read-only stream that feeds what it reads to a SHA-256 digest."""

    def __init__(self, stream):
        self.stream, self.digest = stream, hashlib.sha256()

    def read(self, n):
        data = self.stream.read(n)
        self.digest.update(data)
        return data

    def readinto(self, buffer):
        n = self.stream.readinto(buffer)
        self.digest.update(buffer[:n])
        return n


def _read_file(f, trusted, max_bytes):
    size = os.fstat(f.fileno()).st_size
    if size > max_bytes:
        raise ValueError(
            f"the file is {size} bytes, more than max_bytes={max_bytes}; if you "
            "trust it, pass a larger max_bytes to sktextcnn.load"
        )
    budget = Budget(max_bytes)
    archive, members = open_zip(f, size, "the file")
    with archive:
        if "meta.json" not in members:
            raise ValueError("the archive holds no meta.json: not an sktextcnn file")
        data = read_member(
            archive, members["meta.json"], budget, "meta.json", budget.json_bytes
        )
        sealed = archive.comment.startswith(_DIGEST_PREFIX)
        if sealed:
            stored = archive.comment[len(_DIGEST_PREFIX) :]
            if _sha256(data).encode() != stored:
                raise ValueError(
                    "meta.json does not match the file's SHA-256 digest: the "
                    "file is corrupt or was edited"
                )
        meta = parse_json(data, budget, "meta.json")
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise ValueError("meta.json does not describe an sktextcnn model")
        version = meta.get("format_version")
        if version == 2:
            if not sealed:
                raise ValueError("the file lacks its SHA-256 digest (zip comment)")
            arrays = _read_arrays_v2(archive, members, meta, budget)
            reader = _ReaderV2(arrays, trusted, 2)
            return reader.estimator(meta["estimator"], "the estimator")
        if version == 1:
            return _read_v1(archive, members, meta, budget, trusted)
        raise ValueError(
            f"format version {version!r} is not supported; this sktextcnn "
            f"reads versions 1 and {FORMAT_VERSION}"
        )


def _read_arrays_v2(archive, members, meta, budget):
    listed = meta.get("arrays")
    if not isinstance(listed, dict) or not all(
        isinstance(k, str) and _ARRAY_KEY.match(k) and isinstance(v, str)
        for k, v in listed.items()
    ):
        raise ValueError("meta.json lists no arrays")
    expected = {"meta.json"} | {f"arrays/{key}.npy" for key in listed}
    if set(members) != expected:
        raise ValueError(
            f"unexpected members {sorted(set(members) - expected)[:10]}, missing "
            f"members {sorted(expected - set(members))[:10]}"
        )
    arrays = {}
    for key, digest in listed.items():
        name = f"arrays/{key}.npy"
        with archive.open(members[name]) as stream:
            hashing = _HashingStream(stream)
            arrays[key] = read_npy(hashing, members[name].file_size, budget, name)
        if hashing.digest.hexdigest() != digest:
            raise ValueError(f"{name} does not match its SHA-256 digest")
    return arrays


def _read_v1(archive, members, meta, budget, trusted):
    unexpected = sorted(
        name
        for name in members
        if name not in ("meta.json", "arrays.npz") and not _MODEL_FILE.match(name)
    )
    if unexpected or "arrays.npz" not in members:
        raise ValueError(f"unexpected members {unexpected[:10]} or no arrays.npz")
    data = read_member(archive, members["arrays.npz"], budget, "arrays.npz")
    inner, npz_members = open_zip(io.BytesIO(data), len(data), "arrays.npz")
    arrays = {}
    with inner:
        for name, info in npz_members.items():
            if not name.endswith(".npy") or not _ARRAY_KEY.match(name[:-4]):
                raise ValueError(f"arrays.npz holds an unexpected member {name!r}")
            arrays[name[:-4]] = read_npy_member(
                inner, info, budget, f"arrays.npz/{name}"
            )
    reader = _ReaderV1(archive, members, budget, trusted, arrays)
    estimator = reader.estimator(meta["estimator"], "the estimator")
    unused = sorted(set(members) - {"meta.json", "arrays.npz"} - reader.used)
    if unused:
        raise ValueError(f"model archives {unused[:10]} belong to no estimator")
    return estimator


# -- public API -------------------------------------------------------------------


def save(estimator, path):
    """Save a sktextcnn estimator, or a Pipeline of them, safely.

    Unlike pickle and joblib, the file holds data only -- JSON and NumPy
    arrays -- and :func:`load` runs no code from it, so it is the format for
    models shared with or received from others (see the user guide's
    "Security" section for what loading such a file guarantees). Fitted or
    unfitted estimators can be saved. The file is written to a temporary
    file in the same directory (readable by its owner only until it takes
    the mode of the file it replaces) and renamed over ``path``, so an
    existing file is never left half-written; temporary files left by a
    killed save to the same ``path`` are removed.

    Parameters
    ----------
    estimator : GloveVectorizer, TextCNNClassifier, TextCNNRegressor or Pipeline
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
    >>> import tempfile
    >>> from pathlib import Path
    >>> import sktextcnn
    >>> from sktextcnn import GloveVectorizer
    >>> vec = GloveVectorizer(max_length=5, embeddings=None).fit(["a b c"])
    >>> folder = tempfile.TemporaryDirectory()
    >>> path = Path(folder.name) / "vectorizer.sktextcnn"
    >>> sktextcnn.save(vec, path)
    >>> sktextcnn.load(path).vocabulary_
    {'a': 1, 'b': 2, 'c': 3}
    >>> folder.cleanup()
    """
    encode = _Encoder()
    tree = _encode_estimator(estimator, encode, "the estimator")
    arrays = {}
    for key, array in encode.arrays.items():
        out = io.BytesIO()
        np.lib.format.write_array(out, array, allow_pickle=False)
        arrays[key] = out.getvalue()
    meta = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "versions": {
            "sktextcnn": _version(),
            "keras": keras.__version__,
            "scikit-learn": sklearn.__version__,
            "numpy": np.__version__,
        },
        "arrays": {key: _sha256(data) for key, data in arrays.items()},
        "estimator": tree,
    }
    meta_bytes = json.dumps(meta).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.comment = _DIGEST_PREFIX + _sha256(meta_bytes).encode()
        archive.writestr("meta.json", meta_bytes)
        for key, data in arrays.items():
            archive.writestr(f"arrays/{key}.npy", data)
    atomic_write_bytes(path, buffer.getvalue())


def load(path, *, trusted=False, max_bytes=DEFAULT_MAX_BYTES):
    """Load what :func:`save` wrote, without unpickling anything.

    The file is read as data within fixed limits, checked whole against its
    SHA-256 digest, and every estimator in it is rebuilt from checked
    values: only :class:`GloveVectorizer`, :class:`TextCNNClassifier`,
    :class:`TextCNNRegressor` and :class:`~sklearn.pipeline.Pipeline` are
    instantiated, every parameter passes the estimator's validation, every
    fitted attribute has the type, shape and range a ``fit`` gives it, and
    each Keras model is rebuilt by sktextcnn's own builders from its checked
    size and shape settings, then given weights whose shapes were checked --
    no configuration from the file reaches Keras. A hostile file fails with
    a ``ValueError`` within seconds, without unpacking more than
    ``max_bytes``. Files of sktextcnn 0.1 (format 1) load too.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save`.
    trusted : bool or collection of {"token_pattern", "embeddings"}, \
default=False
        Parameters the file may set to other values than the defaults. A
        ``token_pattern`` is a regular expression that ``transform`` runs on
        every text (a crafted one can take hours on one word); ``embeddings``
        a path a later ``fit`` would read. By default a file setting either
        (as a parameter or, for the pattern, in the fitted vectorizer) is
        refused; name them, or pass True, when you trust the file's author.
    max_bytes : int, default=2**30
        The most the file and everything it unpacks to may take (1 GiB): the
        file's size, then the uncompressed size of every member read. JSON
        members may hold at most ``max_bytes // 16`` bytes and
        ``max_bytes // 256`` values. Raise it to load a larger model you
        trust not to be a decompression bomb.

    Returns
    -------
    estimator : GloveVectorizer, TextCNNClassifier, TextCNNRegressor or Pipeline
        As saved; predictions are identical to the saved estimator's.

    Raises
    ------
    ValueError
        If the file is truncated, corrupt or edited, is not an sktextcnn
        file, comes from a newer format version, names any other class,
        holds a value a ``fit`` could not have produced, sets an untrusted
        ``token_pattern`` or ``embeddings``, or exceeds ``max_bytes``; the
        message names what was wrong. Errors of the underlying readers
        (NumPy, HDF5, Keras, out-of-memory) are reported the same way.
    OSError
        If ``path`` cannot be opened (e.g. ``FileNotFoundError``).
    """
    trusted = trusted_names(trusted)
    if (
        isinstance(max_bytes, bool)
        or not isinstance(max_bytes, (int, np.integer))
        or max_bytes < 1
    ):
        raise ValueError(f"max_bytes must be a positive int, got {max_bytes!r}.")
    with open(path, "rb") as f:
        try:
            return _read_file(f, trusted, int(max_bytes))
        except Exception as exc:
            # Every reader's error: MemoryError, RecursionError, NumPy's,
            # h5py's, TensorFlow's ResourceExhaustedError included.
            raise ValueError(
                f"Cannot load {os.fspath(path)!r} as a safe sktextcnn model file: "
                f"{type(exc).__name__}: {exc}"
            ) from None


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


def _version():
    from . import __version__

    return __version__
