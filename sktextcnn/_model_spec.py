"""A classifier's Keras model as a build specification plus weight arrays.

The safe loader never hands a model configuration from a file to Keras. It
reads the few numbers our builders need (vocabulary size, vector size,
filters, kernel widths, ...) into a *spec*, checks each one, checks that the
weights the file stores hold exactly as many values as a model of that spec
has (:func:`~sktextcnn._architectures.n_weights`, before Keras allocates
anything), rebuilds the model with the architecture registry's builder,
compiles it from our own settings, and only then copies the stored weights
and optimizer slots in, each checked against the variable it fills. So a
file cannot name a layer, an initializer, a loss or a regularizer, nor make
Keras allocate more than it stores.

Weights travel per layer as Keras' own ``Layer.save_own_variables`` /
``load_own_variables`` lists them (the public API ``.keras`` archives are
written with), the optimizer's as ``Optimizer.save_own_variables`` does.
"""

from __future__ import annotations

import math
from numbers import Integral, Real

import keras
import numpy as np

from ._architectures import (
    _BASE_OPTIMIZERS,
    BIGRAM_BUCKETS,
    DTYPE_POLICIES,
    OPTIMIZERS,
    REGISTRY,
    build_model,
    compile_restored,
    n_weights,
)

# What the builders name their models (the architecture of a stored model).
_ARCHITECTURE_OF_MODEL = {
    "kim_textcnn": "kim",
    "seed_textcnn": "seed",
    "bow_linear": "bow",
}
# Optimizer class names -> OPTIMIZERS keys; "WideDeep<Base>" are ours.
_BASE_NAMES = {cls.__name__: key for key, cls in _BASE_OPTIMIZERS.items()}
_WIDE_NAMES = {cls.__name__: key for key, cls in OPTIMIZERS.items()}
# The widest padded batch a stored model may ask for (its minimum length):
# also the largest max_length / n_features_in_ sktextcnn.load accepts.
MAX_WIDTH = 2**20
_MAX_SEED = 2**31 - 64  # the builders add up to ~16 to the seed
_MAX_INT = 2**31 - 1

SPEC_KEYS = (
    "architecture", "n_ids", "dim", "n_outputs", "filters", "kernel_sizes",
    "dense_units", "dropout", "trainable", "seed", "pooling", "bag_of_words",
    "bigram_buckets", "bow_scale", "convnet_scale", "pool_size", "optimizer",
    "learning_rate", "wide_learning_rate", "output_activation", "loss", "precision",
)  # fmt: skip
# Added later, with the value every spec stored before them has: the output
# and loss with TextCNNRegressor and multilabel y (earlier specs are
# single-label classifiers'), the precision with bfloat16.
_SPEC_DEFAULTS = {
    "output_activation": "softmax",
    "loss": "sparse_categorical_crossentropy",
    "precision": "float32",
}
# Each output activation, with the losses that go with it (the estimators'
# pairs: single-label, multilabel, regression) and its fewest outputs.
_OUTPUTS = {
    "softmax": (("sparse_categorical_crossentropy",), 2),
    "sigmoid": (("binary_crossentropy",), 2),
    "linear": (("mean_squared_error", "huber"), 1),
}
# Keras dtype policy names -> precision settings (DTYPE_POLICIES inverted).
_PRECISION_OF_POLICY = {policy: key for key, policy in DTYPE_POLICIES.items()}


class _Config:
    """Typed access to one layer's config, with errors that name the field."""

    def __init__(self, name, config):
        if not isinstance(config, dict):
            raise ValueError(f"the config of layer {name!r} is not a mapping")
        self.name, self.config = name, config

    def get(self, key, kind, default=None, required=True):
        if key not in self.config:
            if required:
                raise ValueError(f"layer {self.name!r} has no {key!r} setting")
            return default
        value = self.config[key]
        if kind is int and isinstance(value, (list, tuple)) and len(value) == 1:
            value = value[0]  # kernel_size=[3], pool_size=(5,)
        kinds = {int: int, float: (int, float), bool: bool, str: str, dict: dict}
        allowed = (
            tuple(kinds[k] for k in kind) if isinstance(kind, tuple) else kinds[kind]
        )
        if (isinstance(value, bool) and kind is not bool) or not isinstance(
            value, allowed
        ):
            names = kind if isinstance(kind, tuple) else (kind,)
            raise ValueError(
                f"layer {self.name!r}: {key} must be a "
                f"{' or '.join(k.__name__ for k in names)}, got {value!r}"
            )
        return float(value) if kind is float else value


def spec_from_config(config, optimizer, loss=None):
    """Read a spec out of a Functional model's config and its optimizer's.

    Parameters
    ----------
    config : dict
        ``model.get_config()``, or the ``"config"`` of a ``.keras`` archive's
        ``config.json`` (untrusted: only the fields read here are used).
    optimizer : dict
        The serialized optimizer (``class_name`` and ``config``), from
        ``model.get_compile_config()`` or the archive's ``compile_config``.
    loss : str or None
        The compiled loss (``model.loss``); None: the one that goes with the
        output activation (the squared error for a linear output).

    Returns
    -------
    spec : dict
        Plain JSON values; pass it through :func:`check_spec` before use.
    """
    if not isinstance(config, dict):
        raise ValueError("the model config is not a mapping")
    architecture = _ARCHITECTURE_OF_MODEL.get(config.get("name"))
    if architecture is None:
        raise ValueError(
            f"the model is named {config.get('name')!r}, which no sktextcnn "
            f"architecture builds ({', '.join(_ARCHITECTURE_OF_MODEL)})"
        )
    raw_layers = config.get("layers")
    if not isinstance(raw_layers, list):
        raise ValueError("the model config lists no layers")
    layers, order = {}, []
    for layer in raw_layers:
        if not isinstance(layer, dict) or not isinstance(layer.get("name"), str):
            raise ValueError("a layer of the model config has no name")
        name = layer["name"]
        if name in layers:
            raise ValueError(f"the model config has two layers named {name!r}")
        layers[name] = (layer.get("class_name"), _Config(name, layer.get("config")))
        order.append(name)

    def layer(name, class_name, required=True):
        if name not in layers:
            if required:
                raise ValueError(f"the model config has no layer {name!r}")
            return None
        if layers[name][0] != class_name:
            raise ValueError(
                f"layer {name!r} is a {layers[name][0]!r}, not a {class_name!r}"
            )
        return layers[name][1]

    spec = {
        "architecture": architecture,
        "dim": None,
        "filters": 0,
        "kernel_sizes": [],
        "dense_units": 0,
        "dropout": 0.0,
        "trainable": True,
        "seed": 0,
        "pooling": "max",
        "bag_of_words": False,
        "bigram_buckets": 0,
        "bow_scale": 1.0,
        "convnet_scale": 1.0,
        "pool_size": 5,
    }
    if REGISTRY[architecture].uses_embeddings:
        embedding = layer("embedding", "Embedding")
        spec["n_ids"] = embedding.get("input_dim", int)
        spec["dim"] = embedding.get("output_dim", int)
        spec["trainable"] = embedding.get("trainable", bool)
        init = _Config("embedding", embedding.get("embeddings_initializer", dict))
        spec["seed"] = _Config("embeddings_initializer", init.get("config", dict)).get(
            "seed", int
        )
        convs = [name for name in order if layers[name][0] == "Conv1D"]
        if not convs:
            raise ValueError("the model config has no Conv1D layer")
        filters = set()
        for i, name in enumerate(convs):
            conv = layers[name][1]
            k = conv.get("kernel_size", int)
            filters.add(conv.get("filters", int))
            expected = f"conv_{k}_{i}" if architecture == "kim" else f"conv_{i}"
            if name != expected:
                raise ValueError(f"convolution {i} is named {name!r}, not {expected!r}")
            spec["kernel_sizes"].append(k)
            if architecture == "kim":
                pool = layer(f"pool_{k}_{i}", "MaskedGlobalPooling1D")
                spec["pooling"] = pool.get("mode", str)
            elif i < len(convs) - 1:
                pool = layer(f"pool_{i}", "MaxPooling1D")
                spec["pool_size"] = pool.get("pool_size", int)
        if len(filters) != 1:
            raise ValueError(f"the convolutions have different filters {filters}")
        spec["filters"] = filters.pop()
        dense = layer("dense_hidden", "Dense", required=False)
        spec["dense_units"] = dense.get("units", int) if dense else 0
        dropout = layer("dropout", "Dropout", required=False)
        spec["dropout"] = dropout.get("rate", float) if dropout else 0.0
        spec["n_outputs"] = layer("logits", "Dense").get("units", int)
    tfidf = layer("tfidf_linear", "TfidfLinear", required=architecture == "bow")
    if tfidf is not None:
        if architecture == "seed":
            raise ValueError("a 'seed' model has no bag-of-words layer")
        spec["bag_of_words"] = True
        n_ids, n_outputs = tfidf.get("n_ids", int), tfidf.get("n_outputs", int)
        if architecture == "bow":
            spec["n_ids"], spec["n_outputs"] = n_ids, n_outputs
        elif (n_ids, n_outputs) != (spec["n_ids"], spec["n_outputs"]):
            raise ValueError(
                f"the bag-of-words layer has {n_ids} ids and {n_outputs} outputs, "
                f"the rest of the model {spec['n_ids']} and {spec['n_outputs']}"
            )
        spec["bigram_buckets"] = tfidf.get("bigram_buckets", int, 0, required=False)
        spec["bow_scale"] = tfidf.get("scale", float)
        rescale = layer("convnet_scale", "Rescaling", required=False)
        if rescale is not None:
            if architecture != "kim":
                raise ValueError(f"a {architecture!r} model has no convnet_scale")
            spec["convnet_scale"] = rescale.get("scale", float)
    output = layer("output", "Activation")
    spec["output_activation"] = output.get("activation", str)
    losses = _OUTPUTS.get(spec["output_activation"], ((None,), 0))[0]
    spec["loss"] = losses[0] if loss is None else loss
    main = layer("logits", "Dense") if architecture != "bow" else tfidf
    spec["precision"] = _precision(main)
    spec.update(_optimizer_spec(optimizer))
    return spec


def _precision(config):
    """The precision setting of a layer's dtype policy ("float32" if none).

    Keras writes the policy as a serialized ``DTypePolicy`` (or, in older
    versions, its name); only the two policies sktextcnn builds are accepted.
    """
    value = config.get("dtype", (str, dict), "float32", required=False)
    if isinstance(value, dict):
        inner = _Config(f"{config.name} dtype", value.get("config", {}))
        if value.get("class_name") not in ("DTypePolicy", "FloatDTypePolicy"):
            raise ValueError(f"layer {config.name!r} has an unknown dtype policy")
        value = inner.get("name", str)
    if value not in _PRECISION_OF_POLICY:
        raise ValueError(
            f"layer {config.name!r} has the dtype policy {value!r}, not one of "
            f"{sorted(_PRECISION_OF_POLICY)}"
        )
    return _PRECISION_OF_POLICY[value]


def _optimizer_spec(optimizer):
    if not isinstance(optimizer, dict):
        raise ValueError("the model has no optimizer configuration")
    class_name = optimizer.get("class_name")
    config = _Config("optimizer", optimizer.get("config"))
    if class_name in _WIDE_NAMES:
        name, wide = _WIDE_NAMES[class_name], config.get("wide_learning_rate", float)
    elif class_name in _BASE_NAMES:
        name, wide = _BASE_NAMES[class_name], None
    else:
        raise ValueError(f"the optimizer {class_name!r} is not one sktextcnn uses")
    return {
        "optimizer": name,
        "learning_rate": config.get("learning_rate", float),
        "wide_learning_rate": wide,
    }


def model_spec(model):
    """The spec of a model built by our builders (for :func:`sktextcnn.save`)."""
    compiled = model.get_compile_config()
    return check_spec(
        spec_from_config(model.get_config(), compiled["optimizer"], model.loss)
    )


def _int(spec, key, lo, hi):
    value = spec[key]
    if (
        isinstance(value, bool)
        or not isinstance(value, Integral)
        or not (lo <= value <= hi)
    ):
        raise ValueError(f"model {key}={value!r} must be an int in [{lo}, {hi}]")
    return int(value)


def _float(spec, key, lo, hi, closed_lo=True, none=False):
    value = spec[key]
    if value is None and none:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, Real)
        or not math.isfinite(value)
        or not (lo <= value < hi if closed_lo else lo < value < hi)
    ):
        raise ValueError(f"model {key}={value!r} must be a finite number in range")
    return float(value)


def check_spec(spec):
    """Check every field of a spec: types, ranges, consistency. Returns a copy."""
    if isinstance(spec, dict) and set(spec) < set(SPEC_KEYS):
        missing = set(SPEC_KEYS) - set(spec)
        if missing <= set(_SPEC_DEFAULTS):  # stored before these settings
            spec = {**spec, **{key: _SPEC_DEFAULTS[key] for key in missing}}
    if not isinstance(spec, dict) or set(spec) != set(SPEC_KEYS):
        keys = sorted(spec) if isinstance(spec, dict) else spec
        raise ValueError(f"the model spec must have the keys {SPEC_KEYS}, got {keys}")
    out = dict(spec)
    activation = spec["output_activation"]
    if activation not in _OUTPUTS:
        raise ValueError(
            f"model output_activation {activation!r} is not one of {list(_OUTPUTS)}"
        )
    losses, fewest_outputs = _OUTPUTS[activation]
    if spec["loss"] not in losses:
        raise ValueError(
            f"model loss {spec['loss']!r} does not go with a {activation!r} output"
        )
    architecture = spec["architecture"]
    if architecture not in REGISTRY:
        raise ValueError(f"model architecture {architecture!r} is not one of ours")
    out["bigram_buckets"] = _int(spec, "bigram_buckets", 0, BIGRAM_BUCKETS)
    if out["bigram_buckets"] not in (0, BIGRAM_BUCKETS):
        raise ValueError(
            f"model bigram_buckets must be 0 or {BIGRAM_BUCKETS}, got "
            f"{out['bigram_buckets']}"
        )
    out["n_ids"] = _int(spec, "n_ids", 1, _MAX_INT - out["bigram_buckets"])
    out["n_outputs"] = _int(spec, "n_outputs", fewest_outputs, _MAX_INT)
    out["seed"] = _int(spec, "seed", 0, _MAX_SEED)
    out["dense_units"] = _int(spec, "dense_units", 0, _MAX_INT)
    out["pool_size"] = _int(spec, "pool_size", 1, MAX_WIDTH)
    out["dropout"] = _float(spec, "dropout", 0.0, 1.0)
    out["bow_scale"] = _float(spec, "bow_scale", 0.0, math.inf, closed_lo=False)
    out["convnet_scale"] = _float(spec, "convnet_scale", 0.0, math.inf, False)
    out["learning_rate"] = _float(spec, "learning_rate", 0.0, math.inf, False)
    out["wide_learning_rate"] = _float(
        spec, "wide_learning_rate", 0.0, math.inf, none=True
    )
    for key in ("trainable", "bag_of_words"):
        if not isinstance(spec[key], bool):
            raise ValueError(f"model {key} must be a bool, got {spec[key]!r}")
    if spec["pooling"] not in ("max", "max_mean"):
        raise ValueError(f"model pooling {spec['pooling']!r} is not 'max'/'max_mean'")
    if spec["precision"] not in DTYPE_POLICIES:
        raise ValueError(f"model precision {spec['precision']!r} is not one of ours")
    if spec["optimizer"] not in OPTIMIZERS:
        raise ValueError(f"model optimizer {spec['optimizer']!r} is not one of ours")
    sizes = spec["kernel_sizes"]
    if not isinstance(sizes, (list, tuple)) or len(sizes) > 64:
        raise ValueError(f"model kernel_sizes must be a list, got {sizes!r}")
    out["kernel_sizes"] = [
        _int({"kernel_size": k}, "kernel_size", 1, MAX_WIDTH) for k in sizes
    ]
    if REGISTRY[architecture].uses_embeddings:
        out["dim"] = _int(spec, "dim", 1, _MAX_INT)
        out["filters"] = _int(spec, "filters", 1, _MAX_INT)
        if not out["kernel_sizes"]:
            raise ValueError("model kernel_sizes is empty")
        if spec["bag_of_words"] and architecture == "seed":
            raise ValueError("a 'seed' model has no bag-of-words part")
    elif spec["dim"] is not None or not spec["bag_of_words"]:
        raise ValueError("a 'bow' model has a bag-of-words part and no embeddings")
    if min_width(out) > MAX_WIDTH:
        raise ValueError(
            f"model kernel_sizes {out['kernel_sizes']} with pool_size "
            f"{out['pool_size']} need inputs of {min_width(out)} tokens, more "
            f"than the {MAX_WIDTH} sktextcnn.load accepts"
        )
    return out


def min_width(spec):
    """The shortest input the spec's model accepts (prediction pads to it)."""
    arch = REGISTRY[spec["architecture"]]
    return int(arch.min_length(tuple(spec["kernel_sizes"]), spec["pool_size"]))


def _build_params(spec):
    params = {
        "filters": spec["filters"],
        "kernel_sizes": tuple(spec["kernel_sizes"]),
        "dense_units": spec["dense_units"],
        "dropout": spec["dropout"],
        "trainable": spec["trainable"],
        "seed": spec["seed"],
    }
    if spec["architecture"] == "seed":
        params["pool_size"] = spec["pool_size"]
    else:
        params["pooling"] = spec["pooling"]
        params["bag_of_words"] = spec["bag_of_words"]
        params["bigram_buckets"] = spec["bigram_buckets"]
        params["bow_scale"] = spec["bow_scale"]
        if spec["architecture"] == "kim":
            params["convnet_scale"] = spec["convnet_scale"]
    params["output_activation"] = spec["output_activation"]
    return params


def spec_n_weights(spec):
    """How many weight values a model of ``spec`` has (nothing is built)."""
    return n_weights(
        spec["architecture"], spec["n_ids"], spec["dim"] or 0, spec["n_outputs"],
        **_build_params(spec),
    )  # fmt: skip


def model_weights(model):
    """A model's state as arrays: ``(layers, optimizer, seeds)``.

    ``layers`` maps the name of every layer with variables to their values;
    ``optimizer`` lists the optimizer's; ``seeds`` the states of the
    model's random seed generators (dropout), which ``.keras`` archives do
    not keep -- with them a ``warm_start`` fit of a loaded model continues
    exactly as the saved one would have.
    """
    layers = {}
    for layer in model.layers:
        values = _own_variables(layer)
        if values:
            layers[layer.name] = [keras.ops.convert_to_numpy(v) for v in values]
    optimizer = [keras.ops.convert_to_numpy(v) for v in _own_variables(model.optimizer)]
    seeds = [keras.ops.convert_to_numpy(v) for v in seed_variables(model)]
    return layers, optimizer, seeds


def seed_variables(model):
    weights = {id(v) for v in model.weights}
    return [v for v in model.variables if id(v) not in weights]


def _own_variables(obj):
    store = {}
    obj.save_own_variables(store)
    if sorted(store, key=int) != [str(i) for i in range(len(store))]:
        raise ValueError(f"unexpected variable keys {sorted(store)}")  # not ours
    return [store[str(i)] for i in range(len(store))]


def restore_model(spec, layers, optimizer, seeds=None):
    """Rebuild the model of a checked ``spec`` and fill in the stored weights.

    Parameters
    ----------
    spec : dict
        Output of :func:`check_spec`.
    layers : dict of str to list of array-like
        The stored weights by layer name, as :func:`model_weights` lists
        them; array-likes with ``shape`` and ``dtype`` (NumPy arrays, h5py
        datasets), read only after every shape was checked.
    optimizer : list of array-like
        The stored optimizer variables.
    seeds : list of array-like or None
        The stored seed generator states (None: files that lack them).

    Returns
    -------
    model : keras.Model
        Compiled from ``spec``'s optimizer settings, optimizer built.
    """
    stored = sum(math.prod(a.shape) for arrays in layers.values() for a in arrays)
    needed = spec_n_weights(spec)
    if stored != needed:
        # Checked before anything is built: the file's own bytes bound what
        # Keras allocates.
        raise ValueError(
            f"the stored weights hold {stored} values but a "
            f"{spec['architecture']!r} model of the stored specification has "
            f"{needed}"
        )
    model = build_model(
        spec["architecture"], spec["n_ids"], spec["dim"] or 1, spec["n_outputs"],
        precision=spec["precision"], **_build_params(spec),
    )  # fmt: skip
    compile_restored(
        model, spec["optimizer"], spec["learning_rate"], spec["wide_learning_rate"],
        spec["loss"],
    )  # fmt: skip
    model.optimizer.build(model.trainable_variables)
    expected = {layer.name: _own_variables(layer) for layer in model.layers}
    expected = {name: variables for name, variables in expected.items() if variables}
    if sorted(layers) != sorted(expected):
        raise ValueError(
            f"the stored weights are of the layers {sorted(layers)}, the rebuilt "
            f"model's are {sorted(expected)}"
        )
    for name, variables in expected.items():
        _check_arrays(f"layer {name!r}", layers[name], variables)
    _check_arrays("the optimizer", optimizer, _own_variables(model.optimizer))
    if seeds is not None:
        variables = seed_variables(model)
        _check_arrays("the seed generators", seeds, variables)
        for variable, value in zip(variables, _values(seeds, variables).values()):
            variable.assign(value)
    for name, variables in expected.items():
        model.get_layer(name).load_own_variables(_values(layers[name], variables))
    model.optimizer.load_own_variables(
        _values(optimizer, _own_variables(model.optimizer))
    )
    return model


def _check_arrays(where, arrays, variables):
    if len(arrays) != len(variables):
        raise ValueError(
            f"{where} stores {len(arrays)} variables, the rebuilt model has "
            f"{len(variables)}"
        )
    for i, (array, variable) in enumerate(zip(arrays, variables)):
        shape, dtype = tuple(variable.shape), np.dtype(variable.dtype)
        kinds = _KIND_GROUPS.get(np.dtype(array.dtype).kind, "")
        if tuple(array.shape) != shape or dtype.kind not in kinds:
            raise ValueError(
                f"{where}: stored variable {i} is {np.dtype(array.dtype)} of shape "
                f"{tuple(array.shape)}, the rebuilt model's is {dtype} of shape "
                f"{shape}"
            )


# A stored variable may differ in width from the rebuilt one (the JAX
# backend keeps int32 counters and uint32 seeds, TensorFlow int64), not in kind.
_KIND_GROUPS = {"f": "f", "i": "iu", "u": "iu", "b": "b"}


def _values(arrays, variables):
    """The stored arrays in their variables' dtypes, refused if a value changes."""
    out = {}
    for i, (array, variable) in enumerate(zip(arrays, variables)):
        array = np.asarray(array)
        value = array.astype(np.dtype(variable.dtype))
        if value.dtype.kind != "f" and not np.array_equal(value, array):
            raise ValueError(f"stored variable {i} does not fit {variable.dtype}")
        out[str(i)] = value
    return out
