"""Export a fitted GloveVectorizer + TextCNNClassifier pipeline for serving.

One directory holds everything a server needs, with no scikit-learn,
TensorFlow or sktextcnn at serving time for ONNX: the model from token ids to
probabilities (ONNX or a TensorFlow SavedModel), ``tokenizer.json`` (the
fitted vectorizer's rule, vocabulary and the class labels) and
``reference_tokenizer.py``, a standard-library-only implementation of that
rule.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import secrets
import shutil
from pathlib import Path

import keras
import numpy as np
from keras import ops
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from . import _reference_tokenizer
from ._architectures import TfidfLinear
from ._classifier import TextCNNClassifier
from ._sequences import OOV_ID, PAD_ID
from ._vectorizer import GloveVectorizer

FORMATS = ("onnx", "saved_model")
# Opset 15 (ONNX 1.10, 2021): every operator the models need, and readable by
# any onnxruntime of the last few years.
ONNX_OPSET = 15
ONNX_FILE = "model.onnx"
# TensorFlow Serving's layout: --model_base_path=EXPORT_DIR/saved_model reads
# version 1.
SAVED_MODEL_DIR = "saved_model/1"
SPEC_FILE = "tokenizer.json"
REFERENCE_FILE = "reference_tokenizer.py"
MODEL_INPUT = "token_ids"
MODEL_OUTPUT = "probabilities"
# The exported model must give the Keras model's probabilities to this.
TOLERANCE = 1e-5


def export(pipeline, path, *, format="onnx", overwrite=False):
    """Write a fitted text pipeline as a directory that serves without Python ML.

    The directory holds:

    - the model from token ids to class probabilities: ``model.onnx``
      (``format="onnx"``, run by onnxruntime) or ``saved_model/1/``
      (``format="saved_model"``, a TensorFlow SavedModel in TensorFlow
      Serving's layout: ``--model_base_path=PATH/saved_model``), with one
      int32 input ``token_ids`` of shape (batch, length) and one output
      ``probabilities`` of shape (batch, n_classes), batch and length
      dynamic;
    - ``tokenizer.json``: everything that turns a text into the model's ids
      -- lowercasing, token pattern, vocabulary, padding and out-of-vocabulary
      ids, ``max_length``, padding and truncating sides, the minimum length
      and whether padding may be trimmed -- plus the class labels (the
      columns of ``probabilities``) and a description of the model file;
    - ``reference_tokenizer.py``: that rule in the Python standard library
      only (``Tokenizer.from_directory(path).encode(texts)``).

    The pipeline's own probabilities are reproduced to 1e-5: the export is
    checked against the Keras model before it is put in place.

    Parameters
    ----------
    pipeline : Pipeline
        A fitted ``Pipeline(GloveVectorizer, TextCNNClassifier)`` (e.g. from
        ``make_pipeline``), single-label; ``"passthrough"`` steps are
        ignored.
    path : str or path-like
        The directory to create. Its parent must exist.
    format : {"onnx", "saved_model"}, default="onnx"
        ``"onnx"`` needs ``pip install 'sktextcnn[export]'`` (onnx,
        onnxruntime, tf2onnx).
    overwrite : bool, default=False
        Replace ``path`` if it is an earlier export (or an empty directory).
        Anything else at ``path`` is never replaced.

    Returns
    -------
    path : pathlib.Path
        The export directory.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        The pipeline is not fitted.
    ValueError
        Not such a pipeline, or one that cannot be exported: a custom
        ``tokenizer`` callable (Python code, which ``tokenizer.json`` cannot
        describe), a multilabel classifier, class labels that are not str,
        int, float or bool, a vectorizer refitted after the classifier.
    FileExistsError, FileNotFoundError
        ``path`` exists (see ``overwrite``), or its parent does not.
    ImportError
        ``format="onnx"`` without onnx, onnxruntime or tf2onnx.
    RuntimeError
        Keras does not run on TensorFlow (the converters read a TensorFlow
        graph), or the exported model does not reproduce the pipeline's
        probabilities.

    Notes
    -----
    The export is written to a hidden temporary directory beside ``path``
    and renamed into place at the end: an error leaves nothing behind and an
    existing export intact (a process killed part-way may leave a
    ``.NAME.*.tmp`` directory).

    For ``"onnx"``, the bag-of-words layer's word counts (``segment_sum``,
    which the converter turns into a large grid) are computed with sorts and
    gathers instead in the exported graph; the result is the same to float
    rounding, and is checked.

    Examples
    --------
    Export, then predict with onnxruntime and the export's own tokenizer (no
    TensorFlow, scikit-learn or sktextcnn needed there):

    >>> import sktextcnn
    >>> sktextcnn.export(pipe, "newsgroups-model")  # doctest: +SKIP
    PosixPath('/home/me/newsgroups-model')
    >>> import sys, numpy as np, onnxruntime  # doctest: +SKIP
    >>> sys.path.insert(0, "newsgroups-model")  # doctest: +SKIP
    >>> from reference_tokenizer import Tokenizer  # doctest: +SKIP
    >>> tok = Tokenizer.from_directory("newsgroups-model")  # doctest: +SKIP
    >>> model = onnxruntime.InferenceSession("newsgroups-model/model.onnx")
    ... # doctest: +SKIP
    >>> ids = np.asarray(tok.encode(["The launch slipped a day."]), np.int32)
    ... # doctest: +SKIP
    >>> proba = model.run(None, {"token_ids": ids})[0]  # doctest: +SKIP
    >>> tok.classes[proba.argmax()]  # doctest: +SKIP
    'sci.space'
    """
    if format not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {format!r}.")
    vectorizer, classifier = _fitted_steps(pipeline)
    spec = tokenizer_spec(vectorizer, classifier)
    if keras.backend.backend() != "tensorflow":
        raise RuntimeError(
            "sktextcnn.export converts the model's TensorFlow graph, but Keras "
            f"runs on {keras.backend.backend()!r} here. Save the pipeline "
            "(sktextcnn.save), load it where KERAS_BACKEND=tensorflow (the "
            "default) and export it there."
        )
    if format == "onnx":
        _import_onnx_tools()
    target = _check_target(path, overwrite)
    tmp = target.parent / f".{target.name}.{secrets.token_hex(6)}.tmp"
    os.mkdir(tmp)  # the umask's mode, not mkdtemp's 0o700: servers may read it
    try:
        model = classifier.model_
        write = _write_onnx if format == "onnx" else _write_saved_model
        spec = {**spec, "model": write(model, tmp)}
        spec["model"]["keras_model"] = model.name
        # The model entry first, the (long) vocabulary last: easy to read.
        spec = {k: spec[k] for k in _SPEC_ORDER}
        with open(tmp / SPEC_FILE, "w", encoding="utf-8") as f:
            json.dump(spec, f, ensure_ascii=False, indent=1)
        shutil.copyfile(_reference_tokenizer.__file__, tmp / REFERENCE_FILE)
        _check_exported(model, tmp, spec, classifier.n_ids_)
        _move_into_place(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target


_SPEC_ORDER = (
    "format", "format_version", "sktextcnn_version", "model", "classes",
    "lowercase", "token_pattern", "encoding", "decode_error", "unknown_tokens",
    "pad_id", "oov_id", "max_length", "padding", "truncating", "min_length",
    "padding_invariant", "vocabulary",
)  # fmt: skip


def _fitted_steps(pipeline):
    """The fitted ``(GloveVectorizer, TextCNNClassifier)`` of ``pipeline``."""
    supported = "a fitted Pipeline(GloveVectorizer, TextCNNClassifier)"
    if isinstance(pipeline, (GloveVectorizer, TextCNNClassifier)):
        raise ValueError(
            f"export needs the whole pipeline, {supported}, got a "
            f"{type(pipeline).__name__} alone: the model needs the vectorizer's "
            "vocabulary and the vectorizer needs the model."
        )
    if not isinstance(pipeline, Pipeline):
        raise ValueError(f"export takes {supported}, got {type(pipeline).__name__}.")
    steps = [
        (name, step)
        for name, step in pipeline.steps
        if step is not None and not (isinstance(step, str) and step == "passthrough")
    ]
    expected = (GloveVectorizer, TextCNNClassifier)
    for i, (name, step) in enumerate(steps):
        # Exact classes: a subclass may transform or predict otherwise.
        if i >= 2 or type(step) is not expected[i]:
            raise ValueError(
                f"Pipeline step {name!r} ({type(step).__name__}) cannot be "
                f"exported: export supports {supported} only."
            )
    if len(steps) < 2:
        raise ValueError(
            f"export takes {supported}; this pipeline has "
            f"{[type(s).__name__ for _, s in steps]}."
        )
    vectorizer, classifier = steps[0][1], steps[1][1]
    message = (
        "This pipeline is not fitted yet (its %(name)s is not): fit it on texts "
        "before exporting it."
    )
    check_is_fitted(vectorizer, "vocabulary_", msg=message)
    check_is_fitted(classifier, "model_", msg=message)
    if getattr(classifier, "_multilabel_", None) is not None:
        raise ValueError(
            "A multilabel TextCNNClassifier cannot be exported yet: export "
            "supports single-label classifiers (softmax probabilities)."
        )
    return vectorizer, classifier


def tokenizer_spec(vectorizer, classifier):
    """The content of ``tokenizer.json`` but its ``model`` entry.

    Read from the fitted state (``_transform_settings_``,
    ``_predict_settings_``), never from parameters changed since the fit.
    """
    st = vectorizer._transform_settings_
    if st["tokenizer"] is not None:
        raise ValueError(
            f"The vectorizer's tokenizer={st['tokenizer']!r} is Python code, "
            "which tokenizer.json cannot describe, so this pipeline cannot be "
            "exported. Express the tokens as a regular expression "
            "(token_pattern=...) and refit, or serve the pickled pipeline."
        )
    oov = st["handle_unknown"] == "oov_token"
    n_ids = len(vectorizer.vocabulary_) + (OOV_ID + 1 if oov else 1)
    width = getattr(classifier, "n_features_in_", None)
    if n_ids > classifier.n_ids_ or st["max_length"] != width:
        raise ValueError(
            "The vectorizer and the classifier do not match (the vectorizer "
            f"gives {n_ids} ids in rows of {st['max_length']}, the classifier "
            f"takes {classifier.n_ids_} ids in rows of {width}): was one step "
            "refitted alone? Fit the pipeline again."
        )
    labels = classifier.classes_.tolist()
    for label in labels:
        if not isinstance(label, (str, int, float, bool)):
            raise ValueError(
                f"Class label {label!r} ({type(label).__name__}) cannot be written "
                "to tokenizer.json: labels must be str, int, float or bool."
            )
    for word in vectorizer.vocabulary_:
        try:
            word.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError(
                f"The vocabulary word {word!r} is not valid Unicode (a lone "
                "surrogate): tokenizer.json (UTF-8) cannot hold it."
            ) from None
    pred = classifier._predict_settings_
    from . import __version__

    return {
        "format": _reference_tokenizer.FORMAT,
        "format_version": _reference_tokenizer.FORMAT_VERSION,
        "sktextcnn_version": __version__,
        "classes": labels,
        "lowercase": bool(st["lowercase"]),
        "token_pattern": st["token_pattern"],
        "encoding": st["encoding"],
        "decode_error": st["decode_error"],
        "unknown_tokens": "oov_id" if oov else "drop",
        "pad_id": PAD_ID,
        "oov_id": OOV_ID if oov else None,
        "max_length": int(st["max_length"]),
        "padding": st["padding"],
        "truncating": st["truncating"],
        "min_length": int(pred["min_width"]),
        "padding_invariant": bool(pred["trim"]),
        "vocabulary": {str(w): int(i) for w, i in vectorizer.vocabulary_.items()},
    }


def _check_target(path, overwrite):
    target = Path(os.path.abspath(os.fspath(path)))
    if not target.parent.is_dir():
        raise FileNotFoundError(
            f"Cannot export to {str(target)!r}: the directory "
            f"{str(target.parent)!r} does not exist."
        )
    if not os.path.lexists(target):
        return target
    if not overwrite:
        raise FileExistsError(
            f"{str(target)!r} exists; pass overwrite=True to replace an earlier "
            "export, or choose another path."
        )
    if target.is_symlink() or not target.is_dir() or not _is_export(target):
        raise FileExistsError(
            f"{str(target)!r} exists and is not an sktextcnn export directory "
            "(nor an empty directory): it is not replaced, even with "
            "overwrite=True."
        )
    return target


def _is_export(directory):
    """``directory`` is empty or holds an export's ``tokenizer.json``."""
    if not any(directory.iterdir()):
        return True
    try:
        with open(directory / SPEC_FILE, encoding="utf-8") as f:
            return json.load(f).get("format") == _reference_tokenizer.FORMAT
    except (OSError, ValueError, AttributeError):
        return False


def _move_into_place(tmp, target):
    """Rename ``tmp`` to ``target``, replacing an earlier export there."""
    if not os.path.lexists(target):
        os.rename(tmp, target)
        return
    old = target.parent / f".{target.name}.{secrets.token_hex(6)}.old.tmp"
    os.rename(target, old)
    try:
        os.rename(tmp, target)
    except BaseException:
        os.rename(old, target)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _import_onnx_tools():
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
        import tf2onnx  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            f"format='onnx' needs onnx, onnxruntime and tf2onnx ({exc}): "
            "pip install 'sktextcnn[export]'."
        ) from exc
    except AttributeError as exc:
        # onnx >= 1.19 asks for ml_dtypes' float4 types without requiring
        # the ml_dtypes (0.5) that has them.
        raise ImportError(
            f"onnx does not import here ({exc}). onnx >= 1.19 needs ml_dtypes "
            ">= 0.5, which TensorFlow 2.16 and 2.17 do not allow: "
            "pip install 'onnx<1.19'."
        ) from exc


def _input_spec():
    import tensorflow as tf

    return tf.TensorSpec((None, None), tf.int32, name=MODEL_INPUT)


# -- ONNX ---------------------------------------------------------------------


class _CountingTfidfLinear(TfidfLinear):
    """:class:`TfidfLinear` with the word counts found by sorts, for ONNX.

    The training layer counts each word's occurrences with ``segment_sum``
    over ``batch * length`` segments; tf2onnx turns that into a grid of
    ``segments x longest run`` built with ``Unique`` and ``ScatterND``, 10-30
    times slower in onnxruntime than the whole Keras model. Here, in each
    row's sorted ids the occurrences of a word form one run: sorting the
    start positions of the runs lines them up, a run's count is the next
    start minus its own, and each word then enters the sums once with its
    full weight (the training layer adds ``value / tf`` over its ``tf``
    occurrences): the same features to float rounding.
    """

    def call(self, ids):
        ids, first, batch, length = self._sorted_runs(ids)
        positions = ops.expand_dims(ops.arange(length, dtype=ids.dtype), 0)
        ends = ops.zeros_like(ids) + length
        # Run starts first (in order), then ``length`` for the unused slots.
        starts = ops.sort(ops.where(first > 0, positions + ops.zeros_like(ids), ends))
        following = ops.concatenate([starts[:, 1:], ends[:, :1]], axis=1)
        counts = following - starts  # 0 in the unused slots
        # The word of each run (a flat take: take_along_axis of Keras 3.3
        # has an op tf2onnx cannot convert).
        rows = ops.expand_dims(ops.arange(batch, dtype=ids.dtype) * length, 1)
        flat = ops.reshape(ids, (-1,))
        words = ops.take(flat, ops.minimum(starts, length - 1) + rows)
        real = ops.logical_and(counts > 0, words > 0)
        tf = ops.cast(ops.maximum(counts, 1), self.idf.dtype)
        value = ops.take(self.idf, words) * (1.0 + ops.log(tf))
        value = value * ops.cast(real, self.idf.dtype)
        weights = ops.take(self.weights_, words, axis=0) * self.scale
        scores = ops.sum(weights * ops.expand_dims(value, -1), axis=1)
        norm = ops.sum(value * value, axis=1, keepdims=True)
        return scores / ops.sqrt(ops.maximum(norm, 1e-12))


def _onnx_friendly(model):
    """``model``, or a copy with :class:`_CountingTfidfLinear` layers."""
    if not any(isinstance(layer, TfidfLinear) for layer in model.layers):
        return model

    def clone_layer(layer):
        cls = _CountingTfidfLinear if isinstance(layer, TfidfLinear) else type(layer)
        return cls.from_config(layer.get_config())

    clone = keras.models.clone_model(model, clone_function=clone_layer)
    clone.set_weights(model.get_weights())
    return clone


def _write_onnx(model, directory):
    import onnx
    import tensorflow as tf
    import tf2onnx

    exported = _onnx_friendly(model)
    spec = (_input_spec(),)

    @tf.function(input_signature=spec, autograph=False)
    def serve(token_ids):
        return exported(token_ids, training=False)

    with _quiet("tf2onnx"):
        proto, _ = tf2onnx.convert.from_function(
            serve, input_signature=spec, opset=ONNX_OPSET
        )
    _name_graph_io(proto.graph)
    onnx.checker.check_model(proto)
    onnx.save(proto, str(directory / ONNX_FILE))
    return {
        "format": "onnx",
        "path": ONNX_FILE,
        "input": MODEL_INPUT,
        "input_dtype": "int32",
        "output": MODEL_OUTPUT,
        "opset": ONNX_OPSET,
        "converter": f"tf2onnx {tf2onnx.__version__}",
    }


def _name_graph_io(graph):
    """Name the output ``probabilities`` and the dynamic dimensions."""
    (output,) = graph.output
    old = output.name
    for node in graph.node:
        node.output[:] = [MODEL_OUTPUT if n == old else n for n in node.output]
        node.input[:] = [MODEL_OUTPUT if n == old else n for n in node.input]
    output.name = MODEL_OUTPUT
    (token_ids,) = graph.input
    dims = token_ids.type.tensor_type.shape.dim
    dims[0].dim_param, dims[1].dim_param = "batch", "length"
    output.type.tensor_type.shape.dim[0].dim_param = "batch"


@contextlib.contextmanager
def _quiet(logger_name):
    """Silence a converter's log lines and prints (warnings still raise)."""
    logger = logging.getLogger(logger_name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            yield
    finally:
        logger.setLevel(level)


# -- SavedModel ---------------------------------------------------------------


def _write_saved_model(model, directory):
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint(
        "serve",
        lambda token_ids: {MODEL_OUTPUT: model(token_ids, training=False)},
        input_signature=[_input_spec()],
    )
    with contextlib.redirect_stdout(io.StringIO()):  # Keras prints the endpoints
        archive.write_out(str(directory / SAVED_MODEL_DIR))
    return {
        "format": "saved_model",
        "path": SAVED_MODEL_DIR,
        "signature": "serving_default",
        "input": MODEL_INPUT,
        "input_dtype": "int32",
        "output": MODEL_OUTPUT,
    }


# -- the check ------------------------------------------------------------------


def _probe_ids(spec, n_ids):
    """Id batches that cover the edge cases: all padding, the shortest input,
    repeated words, and rows as wide as ``max_length``."""
    rng = np.random.default_rng(0)
    narrow = max(spec["min_length"], 1)
    wide = max(spec["max_length"], spec["min_length"])
    batches = [np.zeros((2, narrow), np.int32)]
    for width in sorted({narrow, min(wide, narrow + 40), wide}):
        pool = rng.integers(1, n_ids, size=max(width // 3, 1))
        ids = rng.choice(pool, size=(4, width)).astype(np.int32)
        ids[1, : width // 2] = 0  # padding before, words repeated after
        ids[2] = 0
        ids[2, -1] = pool[0]  # one word
        batches.append(ids)
    return batches


def _run_exported(directory, spec):
    """A callable running the model just written in ``directory``."""
    entry = spec["model"]
    if entry["format"] == "onnx":
        import onnxruntime

        session = onnxruntime.InferenceSession(
            str(directory / entry["path"]), providers=["CPUExecutionProvider"]
        )
        return lambda ids: session.run([MODEL_OUTPUT], {MODEL_INPUT: ids})[0]
    import tensorflow as tf

    loaded = tf.saved_model.load(str(directory / entry["path"]))
    return lambda ids: loaded.serve(tf.constant(ids))[MODEL_OUTPUT].numpy()


def _check_exported(model, directory, spec, n_ids):
    """Compare the written model with ``model`` on :func:`_probe_ids`."""
    run = _run_exported(directory, spec)
    for ids in _probe_ids(spec, n_ids):
        expected = np.asarray(model.predict_on_batch(ids))
        got = run(ids)
        diff = float(np.max(np.abs(got - expected)))
        if not diff <= TOLERANCE:
            raise RuntimeError(
                f"The exported {spec['model']['format']} model gives probabilities "
                f"{diff:.2g} away from the Keras model's (tolerance {TOLERANCE}) "
                f"on ids of shape {ids.shape}: not exported. Please report this "
                "with your Keras, TensorFlow and converter versions."
            )
